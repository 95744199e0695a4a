import { renderTemplate } from "../template";
import { port } from "../topology/ports";
import { SCALE_PRESETS } from "../topology/scale";
import { databaseBackupSide } from "./backup";
import { serviceTls } from "./tls";
import type { RenderedFile, RoleRenderer } from "./unit";
import { commonView, members } from "./view";

/**
 * Patroni's timing: a leader must renew its key within `ttl`, so a full loop plus two
 * retries has to fit (Patroni refuses or flaps otherwise). The shortest ttl Patroni allows
 * (20), with the longest loop that fits: the leader renews its key every 10 s, so the key
 * of a leader that loses power expires 10 to 20 s later, not 15 to 20 (loop_wait 5), and
 * the standbys, which watch the key in etcd, race for it at once. The research notes ask
 * for 10-30 s; the defaults, 30/10/10, measured 35-39 s in the lab, 20/5/5 28-30 s.
 */
export const PATRONI_TIMING = { ttl: 20, loopWait: 10, retryTimeout: 5 } as const;

/**
 * A WAL segment goes to the backup server when it fills or after this long: what a restore
 * from the backup server alone (the database hosts lost) can lose at most.
 */
export const ARCHIVE_TIMEOUT_MINUTES = 5;

/** Made by the role's activation: until it exists, Patroni's unit does not start (activation.conf). */
export const PATRONI_ACTIVATED = "/var/lib/matrix-platform/patroni.activated";

/** Patroni 3.0 with PostgreSQL 15 on the database hosts, etcd as its DCS. */
export const renderPatroni: RoleRenderer = ({ topology, host }) => {
  const view = commonView(topology, host);
  const scale = topology.scale;
  const memoryGiB = scale === "poc" ? 4 : SCALE_PRESETS[scale].sizes.patroni.memoryGiB;
  const tls = serviceTls("/etc/patroni/tls", "postgres:postgres");
  const backup = databaseBackupSide(topology, host.address, host.name);
  const patroniView = {
    ...view,
    tls,
    backup,
    ...PATRONI_TIMING,
    archiveTimeout: ARCHIVE_TIMEOUT_MINUTES * 60,
    synchronousMode: topology.database.synchronousMode,
    etcdHosts: members(topology, "etcd").map((m) => `${m.address}:${port("etcd.client")}`).join(","),
    // Synapse's pool through PgBouncer plus room for replication, backups and admins.
    maxConnections: topology.database.synapseConnections + 50,
    sharedBuffers: `${Math.floor(memoryGiB / 4)}GB`,
    effectiveCacheSize: `${Math.floor((memoryGiB * 3) / 4)}GB`,
    pgHba: [
      "local all all peer",
      "host all all 127.0.0.1/32 scram-sha-256",
      // Patroni reads a replica's timeline over a local replication connection (IDENTIFY_SYSTEM);
      // refused, its /metrics prints "None" and Prometheus rejects the whole scrape.
      "host replication replicator 127.0.0.1/32 scram-sha-256",
      ...members(topology, "patroni").flatMap((m) => [`host replication replicator ${m.address}/32 scram-sha-256`, `host all all ${m.address}/32 scram-sha-256`]),
    ],
  };
  // With etcd on this host too, its leadership is kept elsewhere (etcd-leader-away.sh).
  const etcdHere = host.roles.includes("etcd");
  const awayView = { ...view, tls, ...PATRONI_TIMING };
  const etcdLeaderAway: RenderedFile[] = etcdHere
    ? (
        [
          ["/usr/local/sbin/etcd-leader-away", "etcd-leader-away.sh", "0755"],
          ["/etc/systemd/system/etcd-leader-away.service", "etcd-leader-away.service", "0644"],
          ["/etc/systemd/system/etcd-leader-away.timer", "etcd-leader-away.timer", "0644"],
        ] as const
      ).map(([path, template, mode]) => ({ path, content: renderTemplate(`patroni/${template}.mustache`, awayView), mode }))
    : [];
  return {
    name: "patroni",
    files: [
      { path: "/etc/patroni/config.yml", content: renderTemplate("patroni/patroni.yml.mustache", patroniView), mode: "0640", owner: "root:postgres" },
      { path: "/etc/patroni/synapse-role.sql", content: renderTemplate("patroni/synapse-role.sql.mustache", view), mode: "0640", owner: "root:postgres" },
      { path: "/etc/default/prometheus-postgres-exporter", content: renderTemplate("patroni/postgres-exporter.env.mustache", view), mode: "0644" },
      { path: "/etc/patroni/post-bootstrap.sh", content: renderTemplate("patroni/post-bootstrap.sh.mustache", view), mode: "0755" },
      // Before the package: Debian must not create and start its own cluster; Patroni owns PostgreSQL.
      { path: "/etc/postgresql-common/createcluster.conf", content: "# Patroni creates and runs the cluster.\ncreate_main_cluster = false\n", mode: "0644" },
      // Before the package too: Debian's patroni starts itself on installation.
      { path: "/etc/systemd/system/patroni.service.d/activation.conf", content: renderTemplate("patroni/activation.conf.mustache", { marker: PATRONI_ACTIVATED }), mode: "0644" },
      ...(backup ? [backup.file] : []),
      ...etcdLeaderAway,
    ],
    activate: renderTemplate("patroni/activate.sh.mustache", { ...view, tls, backup, etcdHere, activated: PATRONI_ACTIVATED, ...PATRONI_TIMING }),
    pki: [...tls.pki, ...(backup?.pki ?? [])],
    packages: ["patroni", "postgresql-15", "postgresql-client-15", "prometheus-postgres-exporter", ...(backup ? ["pgbackrest"] : [])],
  };
};
