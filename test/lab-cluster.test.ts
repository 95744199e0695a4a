// The whole small-scale cluster for real: `tofu apply` provisions all 16 hosts of an HA
// deployment (database tier, load balancers, object store, TURN, LiveKit + Redis,
// monitoring, backup server, Synapse host) onto lab hosts (systemd-nspawn Debian 12
// containers, tools/lab/lab.ts) over SSH, from the offline bundle alone, MinIO, mc and
// LiveKit included. The control namespace (tofu, and the test's clients) sits in the
// client and admin subnets. The Synapse host gets its inventory, Docker and the rsync
// daemon, and runs the playbook from the bundle; that playbook is a stand-in
// (test/fixtures/playbook-stand-in): matrix-docker-ansible-deploy's roles and container
// images cannot be fetched here, and no Docker engine runs in the lab (README). So is the
// lk-jwt-service the bundle carries (test/fixtures/lk-jwt-service-stand-in).
import { join } from "node:path";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { loadDeploymentFile } from "../constructs/deployment/load";
import type { OnPremDeployment } from "../constructs/deployment/model";
import { buildTopology } from "../constructs/topology/resolve";
import { issuePki } from "../constructs/pki/issue";
import { planCluster } from "../constructs/plan";
import { MEDIA_BUCKET } from "../constructs/roles/minio";
import { ANSIBLE_CORE_VERSION, ANSIBLE_VENV } from "../constructs/roles/synapse/playbook";
import { buildLabBundle, buildLkJwtServiceStandIn } from "./helpers/lab-bundle";
import { checkLabPrerequisites, cleanupStaleLabs, createLab, LAB_BASE_DIR, type Lab } from "../tools/lab/lab";
import { applyFailure, eventually, LAB_KNOWN_HOSTS, labStack, takeBigLabTurn } from "./helpers/lab-stack";
import { tempDir } from "./helpers/programs";

const NET = "10.77.2";
const CONTROL = `${NET}.5`;
const VIP = `${NET}.100`;
const DOMAIN = "chat.z3r0d3v.com";
const HOSTS = [
  ["synapse1", 10, "synapse"],
  ["db1", 21, "database"], ["db2", 22, "database"], ["db3", 23, "database"],
  ["lb1", 31, "load_balancer"], ["lb2", 32, "load_balancer"],
  ["obj1", 41, "object_store"], ["obj2", 42, "object_store"], ["obj3", 43, "object_store"], ["obj4", 44, "object_store"],
  ["turn1", 51, "turn"], ["turn2", 52, "turn"],
  ["rtc1", 61, "media"], ["rtc2", 62, "media"],
  ["mon1", 71, "monitoring"],
  ["backup1", 81, "backup"],
] as const;
const LAB_HOSTS = HOSTS.map(([name, octet]) => ({ name, address: `${NET}.${octet}` }));
const addressOf = (name: string) => LAB_HOSTS.find((h) => h.name === name)!.address;

const tmp = tempDir("lab-cluster");
const pkiDir = join(tmp.dir, "pki");

/** The lab's deployment file, as an operator writes it (host keys pinned by npm run host-keys). */
function labDeployment(keyPath: string, bundle: string): string {
  return writeDeployment("lab-all", `
name: lab-all
domain: ${DOMAIN}
target: onprem
scale: small
onprem:
  vip: ${VIP}
  client_subnets: [${NET}.0/24]
  admin_subnets: [${CONTROL}/32]
  ssh: { user: debian, private_key_path: ${keyPath} }
  known_hosts: ${LAB_KNOWN_HOSTS}
  bundle: ${bundle}
  pki: ${pkiDir}
  hosts:
${HOSTS.map(([n, o, g]) => `    - { name: ${n}, address: ${NET}.${o}, group: ${g} }`).join("\n")}
`);
}

let lab: Lab | undefined;
let releaseTurn: (() => void) | undefined;
const theLab = () => {
  if (!lab) throw new Error("the lab was not created (see the first failure)");
  return lab;
};
const { tofu, writeDeployment, pinHostKeys, synthAndInit, secret, secrets: allSecrets, statePath } = labStack(theLab, tmp.dir);
let applyOutput = "";
let hostKeysOutput = "";
let stackDir = "";

beforeAll(async () => {
  checkLabPrerequisites();
  releaseTurn = await takeBigLabTurn();
  cleanupStaleLabs();
  const started = Date.now();
  lab = await createLab({ name: "all", subnet: `${NET}.0/24`, hosts: LAB_HOSTS, controlAddress: CONTROL });
  const draft = loadDeploymentFile(labDeployment(lab.sshKeyPath, "/nonexistent.tar")) as OnPremDeployment;
  const plan = planCluster(buildTopology(draft));
  const bundle = await buildLabBundle(plan, LAB_HOSTS.map((h) => h.name), tmp.dir, { "lk-jwt-service": buildLkJwtServiceStandIn(tmp.dir) });
  issuePki(draft, plan.pki);
  const file = labDeployment(lab.sshKeyPath, bundle);
  const pinned = await pinHostKeys(file);
  hostKeysOutput = pinned.output;
  if (pinned.status !== 0) throw new Error(`npm run host-keys: ${pinned.output}`);
  stackDir = await synthAndInit(file, "stack");
  const apply = await tofu(stackDir, "apply", "-auto-approve");
  applyOutput = apply.output;
  if (apply.status !== 0) throw new Error(applyFailure(apply.output));
  console.log(`lab cluster: ${LAB_HOSTS.length} hosts, lab + bundle + apply in ${((Date.now() - started) / 1000).toFixed(0)} s; memory ${theLab().memory().reduce((s, m) => s + m.pssKiB, 0) >> 10} MiB`);
}, 2_400_000);

afterAll(async () => {
  await lab?.destroy();
  releaseTurn?.();
  tmp.remove();
});

test("every host of the small scale was provisioned from the bundle", () => {
  expect(applyOutput).toMatch(/Apply complete! Resources: \d+ added, 0 changed, 0 destroyed\./);
});

test("npm run host-keys pinned each host's own key, printing its fingerprint, and the apply checked them", () => {
  for (const h of theLab().hosts) {
    expect(hostKeysOutput).toMatch(new RegExp(`^${h.name} ${h.address.replaceAll(".", "\\.")}: 256 SHA256:\\S+ ${h.address.replaceAll(".", "\\.")} \\(ED25519\\) NEW`, "m"));
  }
  const pinned = readFileSync(join(tmp.dir, "lab.known_hosts"), "utf8");
  for (const h of theLab().hosts) expect(pinned).toContain(`${h.address} ${h.hostPublicKey}`);
  const connections = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")).resource.null_resource as Record<string, { connection: { host: string; host_key: string } }>;
  for (const r of Object.values(connections)) expect(r.connection.host_key).toBe(theLab().hosts.find((h) => h.address === r.connection.host)!.hostPublicKey);
});

/** Files an unprivileged user on the host could read: mode o+r, and every folder above it o+x (merged view of the overlay). */
function worldReadableFiles(upper: string): string[] {
  const skip = ["var/lib/matrix-platform/bundle", "usr", "var/cache/apt", "var/lib/apt", "var/lib/dpkg", "var/log/journal", "proc", "sys", "run"];
  const modeOf = (rel: string) => {
    for (const root of [upper, LAB_BASE_DIR]) {
      try {
        return statSync(join(root, rel)).mode;
      } catch {
        // not in this layer
      }
    }
    return 0;
  };
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(upper, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (skip.includes(path)) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && (modeOf(path) & 0o004) !== 0) {
        const parents = path.split("/").slice(0, -1).map((_, i, all) => all.slice(0, i + 1).join("/"));
        if (parents.every((p) => (modeOf(p) & 0o001) !== 0)) out.push(path);
      }
    }
  };
  walk("");
  return out;
}

test("no generated secret appears in apply or plan output, in the encrypted state, or in any world-readable file on the hosts", async () => {
  const secrets = [...allSecrets()].map(([name, value]) => ({ name, value }));
  expect(secrets.length).toBeGreaterThanOrEqual(15);
  const plan = await tofu(stackDir, "plan");
  expect(plan.status).toBe(0);
  const state = readFileSync(statePath, "utf8");
  const leaks: string[] = [];
  for (const { name, value } of secrets) {
    if (applyOutput.includes(value)) leaks.push(`${name} in the apply output`);
    if (plan.output.includes(value)) leaks.push(`${name} in the plan output`);
    if (state.includes(value)) leaks.push(`${name} in the state file`);
  }
  let scanned = 0;
  for (const h of theLab().hosts) {
    for (const rel of worldReadableFiles(h.upperDir)) {
      const text = readFileSync(join(h.upperDir, rel), "latin1");
      scanned++;
      for (const { name, value } of secrets) if (text.includes(value)) leaks.push(`${name} in ${h.name}:/${rel} (world-readable)`);
    }
  }
  expect(scanned).toBeGreaterThan(100);
  expect(leaks).toEqual([]);
});

test("Synapse host: the playbook (stand-in) ran on the host itself from the bundle, with the bundle's Ansible, the generated inventory and the provisioner's tags", async () => {
  const r = await theLab().exec("synapse1", "hostname; cat /var/lib/matrix-stand-in/run.ini");
  const [hostname, ...lines] = r.stdout.trim().split("\n");
  const run = Object.fromEntries(lines.filter((l) => l.includes(" = ")).map((l) => l.split(" = ")));
  expect(run).toEqual({
    ansible_core: ANSIBLE_CORE_VERSION,
    // Lookups run on the controller, facts come from the target: the host is its own controller.
    controller: hostname,
    target: hostname,
    python: `${ANSIBLE_VENV}/bin/python3`,
    user: "root",
    tags: "ensure-matrix-users-created,setup-all,start",
    matrix_domain: DOMAIN,
    matrix_server_fqn_matrix: DOMAIN,
    federation: "False",
    sync_workers: "4",
    started: "yes",
  });
});

test("object store: Synapse's credentials round-trip a media file through HAProxy on the VIP", async () => {
  const mc = `MC_CONFIG_DIR=/tmp/mc-synapse mc --quiet`;
  const r = await theLab().exec(
    "synapse1",
    [
      "set -e",
      `${mc} alias set s3 http://${VIP}:9000 synapse '${secret("minio_synapse")}' >/dev/null`,
      "head -c 100000 /dev/urandom > /tmp/media.bin",
      `${mc} cp /tmp/media.bin s3/${MEDIA_BUCKET}/local_content/lab/media.bin >/dev/null`,
      `${mc} cat s3/${MEDIA_BUCKET}/local_content/lab/media.bin | cmp - /tmp/media.bin && echo same`,
      `${mc} mb s3/not-allowed 2>/dev/null && echo created || echo refused`,
    ].join("\n"),
  );
  expect({ lines: r.stdout.trim().split("\n"), errors: r.stderr }).toEqual({ lines: ["same", "refused"], errors: "" });
  const info = await theLab().exec("obj1", `MC_CONFIG_DIR=/root/.mc-matrix-platform mc --quiet admin info local --json`);
  const backend = JSON.parse(info.stdout).info.backend;
  expect({ online: backend.onlineDisks, parity: backend.standardSCParity }).toEqual({ online: 16, parity: 4 });
});

test("TURN: a client in the client subnets allocates with the shared-secret credentials and relays", async () => {
  const peer = theLab().runInControl("timeout", ["20", "turnutils_peer", "-L", CONTROL]);
  await new Promise((r) => setTimeout(r, 1000));
  const r = await theLab().runInControl("timeout", ["10", "turnutils_uclient", "-W", secret("turn_shared_secret"), "-u", "lab", "-e", CONTROL, "-n", "5", "-L", CONTROL, addressOf("turn1")]);
  expect(r.output).toContain("Total lost packets 0 (0.000000%)");
  await peer;
});

test("LiveKit: both nodes registered in Redis", async () => {
  const nodes = await eventually(
    "two LiveKit nodes in Redis",
    async () => (await theLab().exec("rtc1", `redis-cli -h ${addressOf("rtc1")} -a '${secret("redis_livekit")}' --no-auth-warning hlen nodes`)).stdout.trim(),
    (n) => n === "2",
    60,
  );
  expect(nodes).toBe("2");
});

test("Element Call: the supplied lk-jwt-service (stand-in) runs on every media host with its settings, behind /livekit/jwt on the VIP", async () => {
  for (const host of ["rtc1", "rtc2"]) expect((await theLab().exec(host, "systemctl is-active lk-jwt-service.service")).stdout.trim()).toBe("active");
  const r = await theLab().runInControl("curl", ["-fsS", "--cacert", join(pkiDir, "ca.crt"), "--resolve", `${DOMAIN}:443:${VIP}`, `https://${DOMAIN}/livekit/jwt/healthz`]);
  expect(JSON.parse(r.stdout)).toEqual({
    stand_in: true,
    livekit_url: `wss://${DOMAIN}/livekit/sfu`,
    livekit_key: "matrix-platform",
    livekit_secret_set: true,
    full_access_homeservers: DOMAIN,
  });
});

test("Redis: when the primary is lost, the Sentinels promote the replica, LiveKit follows, and the old primary returns as a replica", async () => {
  const redisCli = (host: string, port: number, command: string) => theLab().exec(host, `REDISCLI_AUTH='${secret("redis_livekit")}' redis-cli --no-auth-warning -h ${addressOf(host)} -p ${port} ${command}`);
  const primary = async () => (await redisCli("mon1", 26379, "sentinel get-master-addr-by-name livekit")).stdout.trim().split("\n")[0];
  const role = async (host: string) => (await redisCli(host, 6379, "role")).stdout.trim().split("\n")[0];
  expect([await primary(), await role("rtc1"), await role("rtc2")]).toEqual([addressOf("rtc1"), "master", "slave"]);
  // LiveKit's own connections (psrpc subscriptions, node registry) to a Redis, by source address.
  const livekitClients = async (host: string) =>
    [...new Set((await redisCli(host, 6379, "client list")).stdout.split("\n").filter((l) => !/ name=sentinel-| cmd=client\|list/.test(l)).map((l) => /addr=([\d.]+):/.exec(l)?.[1]).filter((a) => a !== undefined))].sort();
  expect(await livekitClients("rtc1")).toEqual(expect.arrayContaining([addressOf("rtc1"), addressOf("rtc2")]));

  await theLab().exec("rtc1", "systemctl stop redis-server.service");
  const lost = Date.now();
  await eventually("the Sentinels name rtc2 primary", primary, (p) => p === addressOf("rtc2"), 60);
  console.log(`lab cluster: Redis primary lost, rtc2 promoted after ${((Date.now() - lost) / 1000).toFixed(1)} s`);
  expect(await role("rtc2")).toBe("master");
  const followers = await eventually("both LiveKit nodes on the new primary", () => livekitClients("rtc2"), (a) => [addressOf("rtc1"), addressOf("rtc2")].every((x) => a.includes(x)), 60);
  expect(followers).toEqual(expect.arrayContaining([addressOf("rtc1"), addressOf("rtc2")]));

  await theLab().exec("rtc1", "systemctl start redis-server.service");
  await eventually("rtc1 back as a replica", () => role("rtc1"), (r) => r === "slave", 60);
  expect(await primary()).toBe(addressOf("rtc2"));
  for (const host of ["rtc1", "rtc2"]) expect((await theLab().exec(host, "systemctl is-active livekit-server.service")).stdout.trim()).toBe("active");
});

test("monitoring: Prometheus reports every target it can reach as up", async () => {
  type Target = { labels: { job: string; instance: string }; health: string; lastError: string };
  const targets = async () => JSON.parse((await theLab().runInControl("curl", ["-fsS", `http://${addressOf("mon1")}:9090/api/v1/targets?state=active`])).stdout || '{"data":{"activeTargets":[]}}').data.activeTargets as Target[];
  // Synapse's processes do not run here (no Docker engine): those targets are expected down.
  const reachable = (t: Target) => t.labels.job !== "synapse";
  const down = (ts: Target[]) => ts.filter((t) => reachable(t) && t.health !== "up").map((t) => `${t.labels.job} ${t.labels.instance}: ${t.health} ${t.lastError}`);
  const status = async () => {
    const ts = await targets();
    return { count: ts.length, down: down(ts) };
  };
  await eventually("every reachable target up", status, (st) => st.count > 0 && st.down.length === 0, 120);
  const all = await targets();
  const jobs = [...new Set(all.filter(reachable).map((t) => t.labels.job))].sort();
  expect(jobs).toEqual(["etcd", "haproxy", "livekit", "minio", "node", "patroni", "postgres", "tls"]);
  expect(all.filter((t) => t.labels.job === "node")).toHaveLength(LAB_HOSTS.length);
  expect(all.filter((t) => t.labels.job === "synapse")).toHaveLength(25);
});

test("backup: pgBackRest took a full backup from the cluster and `check` passes", async () => {
  const info = JSON.parse((await theLab().exec("backup1", "runuser -u postgres -- pgbackrest --stanza=lab-all --output=json info")).stdout);
  expect(info[0].status.message).toBe("ok");
  expect(info[0].backup.map((b: { type: string }) => b.type)).toContain("full");
  const check = await theLab().exec("backup1", "runuser -u postgres -- pgbackrest --stanza=lab-all check");
  expect(check.status).toBe(0);
});

test("backup: the media pull fetches local media and the config, not remote media", async () => {
  const seed = await theLab().exec(
    "synapse1",
    [
      "set -e",
      "mkdir -p /matrix/synapse/storage/media-store/local_content/ab /matrix/synapse/storage/media-store/remote_content/cd",
      "echo local > /matrix/synapse/storage/media-store/local_content/ab/file",
      "echo remote > /matrix/synapse/storage/media-store/remote_content/cd/file",
      `echo key > /matrix/synapse/config/${DOMAIN}.signing.key`,
    ].join("\n"),
  );
  expect(seed.status).toBe(0);
  const pull = await theLab().exec("backup1", "systemctl start matrix-media-pull.service && find /srv/backup -type f | sort");
  expect(pull.stdout.trim().split("\n")).toEqual([`/srv/backup/media/local_content/ab/file`, `/srv/backup/synapse-config/${DOMAIN}.signing.key`]);
});

test("backup: a differential backup by its timer's unit restores into a fresh data directory, with the latest rows", async () => {
  type Member = { Member: string; Role: string };
  const members = JSON.parse((await theLab().exec("db1", "patronictl -c /etc/patroni/config.yml list -f json")).stdout) as Member[];
  const leader = members.find((m) => m.Role === "Leader")!.Member;
  const replica = members.find((m) => m.Role !== "Leader")!.Member;
  const marker = `restore-${Date.now()}`;
  const write = await theLab().exec(leader, `runuser -u postgres -- psql -d synapse -v ON_ERROR_STOP=1 -qc "CREATE TABLE IF NOT EXISTS restore_probe (t text); INSERT INTO restore_probe VALUES ('${marker}')"`);
  expect(write.status).toBe(0);
  // What the Monday-to-Saturday timer runs.
  const diff = await theLab().exec("backup1", "systemctl start matrix-backup-diff.service && runuser -u postgres -- pgbackrest --stanza=lab-all --output=json info");
  expect(diff.status).toBe(0);
  expect(JSON.parse(diff.stdout)[0].backup.map((b: { type: string }) => b.type)).toEqual(expect.arrayContaining(["full", "diff"]));
  // Restored on a database host, from the repository over TLS, into an empty directory,
  // and started beside the cluster on another port.
  const dir = "/var/tmp/restore-check";
  const restore = await theLab().exec(
    replica,
    [
      "set -e",
      `rm -rf ${dir}; install -d -o postgres -g postgres -m 0700 ${dir}`,
      `runuser -u postgres -- pgbackrest --stanza=lab-all --pg1-path=${dir} --type=immediate --target-action=promote --log-level-console=warn restore`,
      `runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D ${dir} -l ${dir}/restore.log -w -t 120 -o "-p 5499 -c listen_addresses='' -c unix_socket_directories=/tmp -c archive_mode=off -c hba_file=${dir}/pg_hba.conf -c ident_file=${dir}/pg_ident.conf" start >/dev/null`,
      `until runuser -u postgres -- psql -h /tmp -p 5499 -d synapse -Atc "SELECT pg_is_in_recovery()" | grep -qx f; do sleep 1; done`,
      `runuser -u postgres -- psql -h /tmp -p 5499 -d synapse -Atc "SELECT t FROM restore_probe"`,
      `runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D ${dir} -m fast stop >/dev/null`,
      `rm -rf ${dir}`,
    ].join("\n"),
    { timeoutMs: 300_000 },
  );
  expect({ status: restore.status, rows: restore.stdout.trim().split("\n"), errors: restore.status === 0 ? "" : restore.output }).toEqual({ status: 0, rows: [marker], errors: "" });
});
