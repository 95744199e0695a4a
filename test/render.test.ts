import { parse as parseYaml } from "yaml";
import { buildTopology } from "../constructs/topology/resolve";
import { type Topology } from "../constructs/topology/topology";
import type { OnPremDeployment } from "../constructs/deployment/model";
import { SECRET_MARKER } from "../constructs/markers";
import { hostUnits, type RoleUnit } from "../constructs/roles";
import { DASHBOARDS_DIR, RULES_FILE } from "../constructs/roles/monitoring";
import { MDAD_CHECKED_AT, MDAD_VARIABLES } from "../constructs/roles/synapse/mdad-variables";
import { EXAMPLES, loadExample } from "./helpers/examples";

const unitsOf = (t: Topology, host: string): RoleUnit[] => hostUnits(t, t.hosts.find((h) => h.name === host)!);
const fileOf = (units: RoleUnit[], path: string): string => {
  const f = units.flatMap((u) => u.files).find((x) => x.path === path);
  if (!f) throw new Error(`no file ${path}`);
  return f.content;
};

/** Files whose {{ }} are Prometheus' alert templates and Grafana's legends, not leftovers of ours. */
const templatedByTheirProgram = (path: string) => path === RULES_FILE || path.startsWith(`${DASHBOARDS_DIR}/`);

describe("rendering", () => {
  test.each(EXAMPLES)("%s: the same deployment renders byte-identical files", (name) => {
    const once = buildTopology(loadExample(name));
    const twice = buildTopology(loadExample(name));
    expect(JSON.stringify(twice.hosts.map((h) => hostUnits(twice, h)))).toBe(JSON.stringify(once.hosts.map((h) => hostUnits(once, h))));
  });

  test.each(EXAMPLES)("%s: no template placeholder is left unrendered and every file has content", (name) => {
    const t = buildTopology(loadExample(name));
    for (const h of t.hosts) {
      for (const u of hostUnits(t, h)) {
        for (const f of [...u.files.filter((x) => !templatedByTheirProgram(x.path)).map((x) => x.content), u.activate]) {
          expect(f).not.toMatch(/\{\{/);
          expect(f.trim().length).toBeGreaterThan(10);
        }
      }
    }
  });

  test("secrets appear only as markers, never as values", () => {
    const t = buildTopology(loadExample("onprem-small"));
    const pgb = unitsOf(t, "db1");
    expect(fileOf(pgb, "/etc/pgbouncer/userlist.txt")).toBe('"synapse" "@@secret:synapse_db@@"\n"pgbouncer_admin" "@@secret:pgbouncer_auth@@"\n');
    const markers = t.hosts.flatMap((h) => hostUnits(t, h)).flatMap((u) => u.files).flatMap((f) => [...f.content.matchAll(SECRET_MARKER)].map((m) => m[1]));
    expect(new Set(markers).size).toBeGreaterThan(8);
  });
});

describe("facts the configs must get right", () => {
  const smallDeployment = loadExample("onprem-small") as OnPremDeployment;
  const small = buildTopology(smallDeployment);
  const db1 = unitsOf(small, "db1");

  test("Patroni: etcd3 DCS, pg_rewind, slots, loop_wait + 2*retry_timeout <= ttl, C locale", () => {
    const cfg = parseYaml(fileOf(db1, "/etc/patroni/config.yml"));
    expect(cfg.etcd3.hosts).toBe("10.10.2.11:2379,10.10.2.12:2379,10.10.2.13:2379");
    expect(cfg.etcd).toBeUndefined();
    const dcs = cfg.bootstrap.dcs;
    expect(dcs.loop_wait + 2 * dcs.retry_timeout).toBeLessThanOrEqual(dcs.ttl);
    expect(dcs.postgresql.use_pg_rewind).toBe(true);
    expect(dcs.postgresql.use_slots).toBe(true);
    expect(cfg.bootstrap.initdb).toEqual([{ encoding: "UTF8" }, { locale: "C" }, "data-checksums"]);
    // (main + 24 workers: 4 sync, 2 client readers, 2 federation senders, 1 events writer and
    // the preset's 15 others) x cp_max 10, + 50 for replication, backups and admins
    expect(dcs.postgresql.parameters.max_connections).toBe(300);
    expect({ ttl: dcs.ttl, loop_wait: dcs.loop_wait, retry_timeout: dcs.retry_timeout }).toEqual({ ttl: 20, loop_wait: 10, retry_timeout: 5 });
  });

  test("Patroni: the leader's activation sets the same timing on a running cluster (an empty value would delete the setting)", () => {
    const activate = db1.find((u) => u.name === "patroni")!.activate;
    expect(activate).toMatch(/edit-config --force --quiet \\\n\s+-s ttl=20 -s loop_wait=10 -s retry_timeout=5 /);
  });

  test("Patroni starts from its activation only, not when dpkg installs it: a restart in mid-bootstrap leaves a leader without Synapse's database", () => {
    const unit = db1.find((u) => u.name === "patroni")!;
    const dropIn = fileOf(db1, "/etc/systemd/system/patroni.service.d/activation.conf");
    const marker = /^ConditionPathExists=(\S+)$/m.exec(dropIn)?.[1];
    expect(marker).toMatch(/^\/var\/lib\//);
    // Files go in before packages, so the package's own start finds the condition unmet.
    expect(unit.packages).toContain("patroni");
    const activate = unit.activate;
    expect(activate.indexOf(`touch ${marker}`)).toBeGreaterThan(-1);
    expect(activate.indexOf(`touch ${marker}`)).toBeLessThan(activate.indexOf("systemctl restart patroni.service"));
  });

  test("the Synapse database is created UTF8 with C collation from template0", () => {
    expect(parseYaml(fileOf(db1, "/etc/patroni/config.yml")).bootstrap.post_bootstrap).toBe("/etc/patroni/post-bootstrap.sh");
    expect(fileOf(db1, "/etc/patroni/post-bootstrap.sh")).toContain('createdb --maintenance-db="$1" --encoding=UTF8 --locale=C --template=template0 --owner=synapse synapse');
  });

  test("PgBouncer pools in transaction mode with DISCARD ALL, sized from the workers", () => {
    const ini = fileOf(db1, "/etc/pgbouncer/pgbouncer.ini");
    expect(ini).toMatch(/^pool_mode = transaction$/m);
    expect(ini).toMatch(/^server_reset_query = DISCARD ALL$/m);
    expect(ini).toMatch(/^default_pool_size = 250$/m);
    expect(ini).not.toMatch(/max_prepared_statements/);
  });

  test("the deployment's pool size reaches PgBouncer only; synchronous mode reaches Patroni", () => {
    const d = loadExample("onprem-small");
    if (d.target !== "onprem") throw new Error("on-prem example expected");
    const tuned = buildTopology({ ...d, onprem: { ...d.onprem, database: { synchronousMode: false, poolSize: 40 } } });
    const units = unitsOf(tuned, "db1");
    expect(fileOf(units, "/etc/pgbouncer/pgbouncer.ini")).toMatch(/^default_pool_size = 40$/m);
    expect(parseYaml(fileOf(units, "/etc/patroni/config.yml")).bootstrap.dcs.synchronous_mode).toBe(false);
    expect(parseYaml(fileOf(db1, "/etc/patroni/config.yml")).bootstrap.dcs.synchronous_mode).toBe(true);
  });

  test("HAProxy checks Patroni's REST API and PgBouncer, and sends traffic to PgBouncer", () => {
    const cfg = fileOf(unitsOf(small, "lb1"), "/etc/haproxy/haproxy.cfg");
    expect(cfg).toMatch(/listen postgres_primary\n\tmode tcp\n\tbind \*:5000/);
    expect(cfg).toContain('tcp-check send "GET /primary HTTP/1.0\\r\\n\\r\\n"');
    expect(cfg).toContain('tcp-check send "GET /replica HTTP/1.0\\r\\n\\r\\n"');
    // A dead PgBouncer takes its node out even when Patroni still answers.
    expect(cfg).toContain("tcp-check connect port 6432\n\ttcp-check connect port 8008");
    expect(cfg).toContain("server db1 10.10.2.11:6432 check");
  });

  test("HAProxy's HTTP checks send a Host header (MinIO answers 400 and Traefik routes nothing without one)", () => {
    const cfg = fileOf(unitsOf(small, "lb1"), "/etc/haproxy/haproxy.cfg");
    expect(cfg).not.toMatch(/option httpchk \S/);
    expect(cfg).toContain("http-check send meth GET uri /minio/health/live ver HTTP/1.1 hdr Host s3");
    expect(cfg).toContain("http-check send meth GET uri /_matrix/client/versions ver HTTP/1.1 hdr Host chat.z3r0d3v.com");
  });

  test("Patroni's local replication connection is admitted (a replica's timeline, and its metrics, need it)", () => {
    const cfg = parseYaml(fileOf(db1, "/etc/patroni/config.yml"));
    expect(cfg.postgresql.pg_hba).toContain("host replication replicator 127.0.0.1/32 scram-sha-256");
    expect(cfg.postgresql.listen).toContain("127.0.0.1");
  });

  test("PostgreSQL archives WAL to the backup server; replicas never wait on the archive", () => {
    const cfg = parseYaml(fileOf(db1, "/etc/patroni/config.yml"));
    expect(cfg.bootstrap.dcs.postgresql.parameters).toMatchObject({ archive_mode: "on", archive_command: "pgbackrest --stanza=z3r0d3v-small archive-push %p" });
    expect(JSON.stringify(cfg)).not.toContain("restore_command");
    expect(fileOf(db1, "/etc/pgbackrest/pgbackrest.conf")).toMatch(/^repo1-host=backup1$/m);
  });

  test("the backup server snapshots the object store and the Synapse host's pulls daily with restic, kept for the retention window, through its read-only user", () => {
    const backup = unitsOf(small, "backup1");
    const unit = backup.find((u) => u.name === "backup")!;
    expect(unit.packages).toContain("restic");
    expect(unit.binaries).toEqual(["mc"]);
    const script = fileOf(backup, "/usr/local/sbin/matrix-media-snapshot");
    expect(script).toContain('mc --quiet mirror --overwrite --remove "s3/synapse-media" /srv/backup/object-store/synapse-media');
    expect(script).toContain("restic backup --tag daily /srv/backup/object-store /srv/backup/media /srv/backup/synapse-config");
    expect(script).toContain("restic forget --keep-within 30d --prune");
    expect(fileOf(backup, "/etc/matrix-platform/backup/media-snapshot.env")).toBe("MC_HOST_s3=http://backup:@@secret:minio_backup@@@10.10.3.100:9000\nMC_CONFIG_DIR=/var/lib/matrix-media-snapshot/mc\n");
    expect(fileOf(backup, "/etc/matrix-platform/backup/restic.password")).toBe("@@secret:restic_backup@@\n");
    const policy = JSON.parse(fileOf(unitsOf(small, "obj1"), "/etc/matrix-platform/minio/backup-policy.json"));
    expect(policy.Statement.flatMap((st: { Action: string[] }) => st.Action).sort()).toEqual(["s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket"]);
    const longer = buildTopology({ ...smallDeployment, onprem: { ...smallDeployment.onprem, backup: { ...smallDeployment.onprem.backup, mediaRetentionDays: 90 } } });
    expect(fileOf(unitsOf(longer, "backup1"), "/usr/local/sbin/matrix-media-snapshot")).toContain("--keep-within 90d");
  });

  test("every host maps the domain and Element's host name to the VIP", () => {
    for (const host of ["synapse1", "db2", "turn1"]) {
      expect(fileOf(unitsOf(small, host), "/etc/matrix-platform/base/hosts")).toMatch(/^10\.10\.3\.100\tchat\.z3r0d3v\.com element\.chat\.z3r0d3v\.com$/m);
    }
  });

  test("Coturn keeps TCP relay, uses the shared secret, and never denies the client subnets", () => {
    const conf = fileOf(unitsOf(small, "turn1"), "/etc/turnserver.conf");
    expect(conf).not.toMatch(/no-tcp-relay/);
    expect(conf).toMatch(/^use-auth-secret$/m);
    expect(conf).toMatch(/^allowed-peer-ip=10\.10\.0\.0-10\.10\.255\.255$/m);
    expect(conf).toMatch(/^min-port=49152$/m);
    expect(conf).toMatch(/^max-port=50151$/m);
  });

  test("LiveKit announces its own address (no STUN) and finds the Redis primary through every Sentinel", () => {
    const cfg = parseYaml(fileOf(unitsOf(small, "rtc2"), "/etc/livekit/livekit.yaml"));
    expect(cfg.rtc.node_ip).toBe("10.10.6.12");
    expect(cfg.rtc.use_external_ip).toBe(false);
    expect(cfg.redis).toMatchObject({ sentinel_master_name: "livekit", sentinel_addresses: ["10.10.6.11:26379", "10.10.6.12:26379", "10.10.7.10:26379"] });
    expect(cfg.redis.address).toBeUndefined();
  });

  test("Redis replicas are not pinned to the first host: the activation asks the Sentinels who is primary", () => {
    for (const host of ["rtc1", "rtc2"]) {
      const redis = unitsOf(small, host).find((u) => u.name === "redis")!;
      expect(fileOf([redis], "/etc/redis/redis.conf")).not.toMatch(/^replicaof/m);
      expect(redis.activate).toContain("sentinel get-master-addr-by-name livekit");
    }
    const sentinel = fileOf(unitsOf(small, "mon1"), "/etc/redis/sentinel.matrix.conf");
    // Three Sentinels: two must agree, so one media host lost still leaves a failover.
    expect(sentinel).toMatch(/^sentinel monitor livekit PRIMARY_ADDRESS 6379 2$/m);
    expect(fileOf(unitsOf(buildTopology(loadExample("onprem-large")), "mon1"), "/etc/redis/sentinel.matrix.conf")).toMatch(/^sentinel monitor livekit PRIMARY_ADDRESS 6379 3$/m);
    // auth-pass must follow the monitor line it names.
    expect(sentinel.indexOf("sentinel auth-pass livekit")).toBeGreaterThan(sentinel.indexOf("sentinel monitor livekit"));
  });

  test("the firewall drops by default and names sources per port", () => {
    const nft = fileOf(unitsOf(small, "db1"), "/etc/nftables.conf");
    expect(nft).toContain("type filter hook input priority filter; policy drop;");
    expect(nft).toContain('ip saddr { 10.10.3.11, 10.10.3.12 } tcp dport 6432 accept comment "6432/tcp PgBouncer (reached through HAProxy)"');
    expect(nft).toContain('ip saddr { 10.10.99.0/24 } tcp dport 22 accept');
  });

  test("the Synapse host gets the worker counts of its scale", () => {
    const large = buildTopology(loadExample("onprem-large"));
    const vars = parseYaml(fileOf(unitsOf(large, "synapse1"), "/opt/matrix-platform/inventory/host_vars/chat.z3r0d3v.com/vars.yml"));
    expect(vars.matrix_synapse_workers_preset).toBe("specialized-workers");
    expect(vars.matrix_synapse_workers_sync_workers_count).toBe(8);
    // The preset refuses generic workers next to specialized ones.
    expect(vars.matrix_synapse_workers_generic_workers_count).toBe(0);
    expect(vars.matrix_synapse_workers_client_reader_workers_count).toBe(4);
    expect(vars.matrix_synapse_database_host).toBe("10.10.3.100");
    expect(vars.matrix_synapse_database_port).toBe(5000);
  });

  test("the Synapse host's vars.yml sets only variables checked in the playbook's role defaults", () => {
    for (const example of ["onprem-small", "onprem-medium", "onprem-large"] as const) {
      const vars = parseYaml(fileOf(unitsOf(buildTopology(loadExample(example)), "synapse1"), "/opt/matrix-platform/inventory/host_vars/chat.z3r0d3v.com/vars.yml"));
      expect(Object.keys(vars).filter((k) => !(k in MDAD_VARIABLES))).toEqual([]);
      expect(vars).toMatchObject({
        matrix_playbook_migration_validated_version: MDAD_CHECKED_AT.migrationVersion,
        matrix_playbook_reverse_proxy_type: "playbook-managed-traefik",
        matrix_playbook_docker_installation_enabled: false,
        traefik_config_entrypoint_web_secure_enabled: false,
        traefik_container_web_host_bind_port: "10.10.1.10:8008",
        traefik_config_entrypoint_web_forwardedHeaders_trustedIPs: ["10.10.3.11/32", "10.10.3.12/32"],
        coturn_enabled: false,
        matrix_homeserver_federation_enabled: true,
      });
      expect(vars.matrix_synapse_turn_uris).toContain("turns:10.10.5.11:5349?transport=tcp");
    }
  });

  test.each([true, false])("with LiveKit and federation %s, the playbook serves the OpenID resource lk-jwt-service checks tokens at, and Element shows calls", (federation) => {
    const vars = parseYaml(fileOf(unitsOf(buildTopology({ ...loadExample("onprem-small"), federation }), "synapse1"), "/opt/matrix-platform/inventory/host_vars/chat.z3r0d3v.com/vars.yml"));
    expect(vars).toMatchObject({
      matrix_homeserver_federation_enabled: federation,
      matrix_synapse_federation_port_openid_resource_required: true,
      matrix_client_element_features_feature_video_rooms: true,
      matrix_client_element_features_feature_group_calls: true,
      matrix_client_element_features_feature_element_call_video_rooms: true,
    });
  });

  test("in the air gap (a bundle), the playbook's Synapse image installs the S3 storage provider from the bundle's wheels, not a package index", () => {
    const deployment = loadExample("onprem-small");
    const varsOf = (d: typeof deployment) => parseYaml(fileOf(unitsOf(buildTopology(d), "synapse1"), "/opt/matrix-platform/inventory/host_vars/chat.z3r0d3v.com/vars.yml"));
    if (deployment.target !== "onprem") throw new Error("onprem-small is on-prem");
    const bundled = varsOf({ ...deployment, onprem: { ...deployment.onprem, bundle: "/srv/bundle.tar" } });
    expect(Object.keys(bundled).filter((k) => !(k in MDAD_VARIABLES))).toEqual([]);
    expect(bundled).toMatchObject({
      matrix_synapse_ext_synapse_s3_storage_provider_enabled: true,
      matrix_synapse_ext_synapse_s3_storage_provider_version: "1.7.0",
      matrix_synapse_container_image_customizations_enabled: true,
      matrix_synapse_container_image_customizations_s3_storage_provider_installation_enabled: false,
    });
    expect(bundled.matrix_synapse_container_image_customizations_dockerfile_body_custom).toBe(
      "COPY s3-storage-provider-wheels /tmp/s3-storage-provider-wheels\nRUN pip install --no-index --find-links=/tmp/s3-storage-provider-wheels synapse-s3-storage-provider==1.7.0\n",
    );
    // With package sources, the playbook's own pip install stays.
    expect(varsOf(deployment)).not.toHaveProperty("matrix_synapse_container_image_customizations_enabled");
  });

  test("the admin UI and admin API are refused at HAProxy outside the admin subnets", () => {
    const cfg = fileOf(unitsOf(small, "lb1"), "/etc/haproxy/haproxy.cfg");
    expect(cfg).toContain("http-request deny deny_status 403 if admin_path !{ src 10.10.99.0/24 }");
    expect(cfg).toContain("acl admin_path path_beg /_synapse/admin /synapse-admin");
  });
});

describe("proof-of-concept stack", () => {
  const units = unitsOf(buildTopology(loadExample("aws-poc")), "server");

  test("PostgreSQL is initialised UTF8 with C collation and ctype", () => {
    const compose = parseYaml(fileOf(units, "/opt/matrix/docker-compose.yml"));
    expect(compose.services.postgres.environment.POSTGRES_INITDB_ARGS).toBe("--encoding=UTF8 --lc-collate=C --lc-ctype=C");
    expect(compose.services.synapse.depends_on.postgres.condition).toBe("service_healthy");
  });

  test("registration needs a token; the server name is the deployment's", () => {
    const hs = parseYaml(fileOf(units, "/opt/matrix/synapse/homeserver.yaml"));
    expect(hs.enable_registration).toBe(true);
    expect(hs.registration_requires_token).toBe(true);
    expect(hs.server_name).toBe("chat.z3r0d3v.com");
    expect(hs.federation_domain_whitelist).toEqual([]);
  });

  test("nginx: the site over HTTP with the ACME challenge until a certificate exists, then HTTPS with HTTP only redirecting", () => {
    const before = fileOf(units, "/opt/matrix/nginx/http.conf");
    expect(before).toContain("proxy_pass http://synapse:8008;");
    expect(before).toContain("location ~ ^(/_matrix|/_synapse/client)");
    expect(before).toContain("location /.well-known/acme-challenge/ {\n        root /var/www/acme;");
    expect(before).not.toMatch(/return 301|listen 443/);
    const after = fileOf(units, "/opt/matrix/nginx/https.conf");
    const [, http, tls] = after.split(/\n(?=server \{)/);
    expect(http).toContain("return 301 https://$host$request_uri;");
    expect(http).toContain("location /.well-known/acme-challenge/");
    expect(http).not.toContain("proxy_pass");
    expect(tls).toContain("listen 443 ssl;");
    expect(tls).toContain("ssl_certificate /etc/letsencrypt/live/matrix/fullchain.pem;");
    expect(tls).toContain("proxy_pass http://synapse:8008;");
    // The activation starts with http.conf; only matrix-certificate, with a certificate, switches.
    const activate = units.find((u) => u.name === "poc")!.activate;
    expect(activate).toMatch(/site=http\.conf\nif \[ -s "\$root\/letsencrypt\/live\/matrix\/fullchain\.pem" \]; then site=https\.conf; fi/);
    expect(activate).toContain("systemctl enable --now matrix-certificate.timer");
  });

  test("the certificate: certbot in its pinned image, HTTP-01 through nginx's webroot, for the domain, renewed twice a day", () => {
    const script = fileOf(units, "/usr/local/sbin/matrix-certificate");
    expect(script).toContain("docker compose -f /opt/matrix/docker-compose.yml run --rm --no-deps certbot");
    expect(script).toMatch(/certonly --non-interactive --agree-tos --webroot --webroot-path \/var\/www\/acme \\\n\t--cert-name matrix --keep-until-expiring/);
    expect(script).toContain("--server 'https://acme-v02.api.letsencrypt.org/directory' --register-unsafely-without-email --domain chat.z3r0d3v.com");
    const compose = parseYaml(fileOf(units, "/opt/matrix/docker-compose.yml"));
    expect(compose.services.certbot).toEqual({ image: "certbot/certbot:v5.8.0", profiles: ["certbot"], volumes: ["/opt/matrix/acme:/var/www/acme", "/opt/matrix/letsencrypt:/etc/letsencrypt"] });
    expect(compose.services.nginx.ports).toEqual(["80:80", "443:443"]);
    expect(compose.services.nginx.volumes).toEqual(expect.arrayContaining(["/opt/matrix/acme:/var/www/acme:ro", "/opt/matrix/letsencrypt:/etc/letsencrypt:ro", "/opt/matrix/nginx/conf.d:/etc/nginx/conf.d:ro"]));
    expect(fileOf(units, "/etc/systemd/system/matrix-certificate.timer")).toContain("OnCalendar=*-*-* 00,12:00:00");
    expect(fileOf(units, "/etc/systemd/system/matrix-certificate.service")).toContain("ExecStart=/usr/local/sbin/matrix-certificate");
  });

  test("the HTTPS site serves authenticated media (the default); Synapse and Element use https URLs", () => {
    const hs = parseYaml(fileOf(units, "/opt/matrix/synapse/homeserver.yaml"));
    expect(hs.public_baseurl).toBe("https://chat.z3r0d3v.com/");
    expect(hs.enable_authenticated_media).toBeUndefined();
    expect(JSON.parse(fileOf(units, "/opt/matrix/nginx/well-known/client"))).toEqual({ "m.homeserver": { base_url: "https://chat.z3r0d3v.com/" } });
  });

  test("plain HTTP (on-prem, or aws.https: false): no certificate, no redirect, authenticated media off so images load", () => {
    const plain = unitsOf(buildTopology(loadExample("onprem-poc")), "matrix1");
    const conf = fileOf(plain, "/opt/matrix/nginx/http.conf");
    expect(conf).not.toMatch(/return 301|listen 443|acme-challenge|Strict-Transport-Security/);
    expect(plain.flatMap((u) => u.files.map((f) => f.path))).not.toEqual(expect.arrayContaining([expect.stringMatching(/https\.conf|certificate/)]));
    const hs = parseYaml(fileOf(plain, "/opt/matrix/synapse/homeserver.yaml"));
    expect(hs.enable_authenticated_media).toBe(false);
    expect(hs.public_baseurl).toBe("http://chat.z3r0d3v.com/");
    const compose = parseYaml(fileOf(plain, "/opt/matrix/docker-compose.yml"));
    expect(compose.services.certbot).toBeUndefined();
    expect(compose.services.nginx.ports).toEqual(["80:80"]);
  });

  test("Element points at the homeserver with the deployment's branding", () => {
    const cfg = JSON.parse(fileOf(units, "/opt/matrix/element/config.json"));
    expect(cfg.default_server_config["m.homeserver"]).toEqual({ base_url: "https://chat.z3r0d3v.com/", server_name: "chat.z3r0d3v.com" });
    expect(cfg.brand).toBe("Z3r0d3v Chat");
    // The brand's colour is a theme of its own, chosen by default.
    expect(cfg.setting_defaults.custom_themes).toEqual([{ name: "Z3r0d3v Chat", is_dark: false, colors: { "accent-color": "#0dbd8b", "primary-color": "#0dbd8b" } }]);
    expect(cfg.default_theme).toBe("custom-Z3r0d3v Chat");
  });
});
