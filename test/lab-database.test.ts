// The on-prem target for real: `tofu apply` provisions the database tier (etcd, Patroni,
// PgBouncer, HAProxy + Keepalived) of an HA deployment onto lab hosts (systemd-nspawn
// Debian 12 containers, tools/lab/lab.ts) over SSH, as a sudo user, installing only
// from the offline bundle. The hosts have no route out; the control namespace (where
// tofu and the client run) holds the Synapse host's address, so the port matrix lets it
// reach HAProxy's 5000/5001 exactly as Synapse would, and nothing else. A sixth host is
// an SSH bastion outside the deployment. The last tests break things on purpose: HAProxy
// on the VIP holder, an etcd member, and finally the Patroni leader's whole host loses power.
import { createHash } from "node:crypto";
import { appendFileSync, copyFileSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadDeploymentFile } from "../constructs/deployment/load";
import type { OnPremDeployment } from "../constructs/deployment/model";
import { buildTopology } from "../constructs/topology/resolve";
import { issuePki } from "../constructs/pki/issue";
import { planCluster } from "../constructs/plan";
import { PATRONI_TIMING } from "../constructs/roles/patroni";
import { parse as parseYaml } from "yaml";
import { buildLabBundle } from "./helpers/lab-bundle";
import { etcdctl as etcdctlOn, etcdLeaderHost as etcdLeaderOf, handEtcdLeadershipTo } from "./helpers/lab-etcd";
import { checkLabPrerequisites, cleanupStaleLabs, createLab, type Lab } from "../tools/lab/lab";
import { tempDir } from "./helpers/programs";
import { runbookBlocks, runRunbookBlock } from "./helpers/runbook-blocks";
import { applyFailure, BIG_LAB_TURN_TIMEOUT_MS, eventually, explainedTest, LAB_KNOWN_HOSTS, labReport, labStack, takeBigLabTurn } from "./helpers/lab-stack";

const NET = "10.77.1";
const SYNAPSE = `${NET}.10`; // the control namespace
const LAB_HOSTS = [
  { name: "db1", address: `${NET}.21` },
  { name: "db2", address: `${NET}.22` },
  { name: "db3", address: `${NET}.23` },
  { name: "lb1", address: `${NET}.31` },
  { name: "lb2", address: `${NET}.32` },
];
const VIP = `${NET}.100`;
const BASTION = { name: "bastion", address: `${NET}.5` };
const DOMAIN = "chat.z3r0d3v.com";
/**
 * Every unit of the database tier, named one by one: OpenTofu 1.10 plans the replacement of
 * a targeted resource's dependency but does not apply it (seen here), so a partial
 * roll-out must target each unit it means.
 */
const TARGETS = LAB_HOSTS.flatMap((h) =>
  ["bundle", "base", ...(h.name.startsWith("db") ? ["etcd", "patroni", "pgbouncer"] : ["haproxy", "keepalived"])].map((u) => `-target=terraform_data.${h.name}_${u}`),
);

interface LabVariant {
  readonly poolSize?: number;
  /** Reach the hosts through the bastion. */
  readonly viaBastion?: boolean;
}

/** The lab's deployment file (<tmp>/<name>.yaml), as an operator writes it. */
function labDeployment(name: string, keyPath: string, bundle: string, variant: LabVariant = {}): string {
  // The whole small-scale inventory: hosts outside the database tier are not in the lab
  // and not targeted; they are only addresses in the firewall rules, and have no host key
  // to pin (so they are the ones marked insecure_skip_host_key_check).
  const others = [
    ["obj1", 41, "object_store"], ["obj2", 42, "object_store"], ["obj3", 43, "object_store"], ["obj4", 44, "object_store"],
    ["turn1", 51, "turn"], ["turn2", 52, "turn"], ["rtc1", 61, "media"], ["rtc2", 62, "media"], ["mon1", 71, "monitoring"], ["backup1", 81, "backup"],
  ] as const;
  const yaml = `
name: lab-db
domain: ${DOMAIN}
target: onprem
scale: small
onprem:
  vip: ${VIP}
  client_subnets: [${NET}.0/24]
  admin_subnets: [${SYNAPSE}/32, ${BASTION.address}/32]
  ssh:
    user: debian
    private_key_path: ${keyPath}
${variant.viaBastion ? `    bastion: { host: ${BASTION.address}, user: debian, private_key_path: ${keyPath} }` : ""}
  known_hosts: ${LAB_KNOWN_HOSTS}
  bundle: ${bundle}
  pki: ${pkiDir}
  database: { synchronous_mode: true${variant.poolSize ? `, pool_size: ${variant.poolSize}` : ""} }
  hosts:
    - { name: synapse1, address: ${SYNAPSE}, group: synapse, insecure_skip_host_key_check: true }
${LAB_HOSTS.map((h) => `    - { name: ${h.name}, address: ${h.address}, group: ${h.name.startsWith("db") ? "database" : "load_balancer"} }`).join("\n")}
${others.map(([n, a, g]) => `    - { name: ${n}, address: ${NET}.${a}, group: ${g}, insecure_skip_host_key_check: true }`).join("\n")}
`;
  return writeDeployment(name, yaml);
}

const tmp = tempDir("lab-db");
const pkiDir = join(tmp.dir, "pki");
let lab: Lab | undefined;
let releaseTurn: (() => void) | undefined;
let bundle: string;
const theLab = () => {
  if (!lab) throw new Error("the lab was not created (see the first failure)");
  return lab;
};

const { tofu, writeDeployment, pinHostKeys, synthAndInit, secret, knownHostsPath } = labStack(theLab, tmp.dir);

/** The tier's daemons as a failed test left them: Patroni's view, each unit's state, the VIP, Patroni's last words. */
const labTest = explainedTest(async () => {
  const dbs = LAB_HOSTS.filter((h) => h.name.startsWith("db")).map((h) => h.name);
  return [
    await labReport(theLab(), ["db1"], "patronictl -c /etc/patroni/config.yml list"),
    await labReport(theLab(), dbs, "systemctl is-active etcd patroni pgbouncer | paste -sd' '; journalctl -u patroni -n 12 --no-pager -o cat"),
    await labReport(theLab(), ["lb1", "lb2"], `systemctl is-active haproxy keepalived | paste -sd' '; ip -4 -o addr show | grep -c ' ${VIP}/' || true`),
  ].join("\n");
});

/** psql as Synapse's role through the VIP on `port`: its arguments and environment. */
function psqlAsSynapse(port: number) {
  return {
    args: ["-h", VIP, "-p", String(port), "-U", "synapse", "-d", "synapse", "-At", "-v", "ON_ERROR_STOP=1"],
    env: { ...process.env, PGPASSWORD: secret("synapse_db"), PGCONNECT_TIMEOUT: "5" },
  };
}

async function psql(port: number, sql: string) {
  const { args, env } = psqlAsSynapse(port);
  return theLab().runInControl("psql", [...args, "-c", sql], { env });
}

/** The load balancers holding the VIP: one, unless a failover is under way. */
async function vipHolder(): Promise<string[]> {
  const held = await Promise.all(["lb1", "lb2"].map(async (lb) => ((await theLab().exec(lb, `ip -4 -o addr show | grep -c ' ${VIP}/'`)).stdout.trim() === "1" ? [lb] : [])));
  return held.flat();
}

/** Patroni's members as one database host sees them. */
async function patroniMembers(from: string) {
  return JSON.parse((await theLab().exec(from, "patronictl -c /etc/patroni/config.yml list -f json")).stdout || "[]") as { Member: string; Role: string; State: string }[];
}

let stackDir: string;
/** The deployment files: v1 direct, v2 through the bastion with another pool size. */
let v1: string;
let v2: string;
let applyOutput = "";

beforeAll(async () => {
  checkLabPrerequisites();
  releaseTurn = await takeBigLabTurn();
}, BIG_LAB_TURN_TIMEOUT_MS);

beforeAll(async () => {
  cleanupStaleLabs();
  const started = Date.now();
  lab = await createLab({ name: "db", subnet: `${NET}.0/24`, hosts: [...LAB_HOSTS, BASTION], controlAddress: SYNAPSE });
  const draft = loadDeploymentFile(labDeployment("draft", lab.sshKeyPath, "/nonexistent.tar")) as OnPremDeployment;
  const plan = planCluster(buildTopology(draft));
  bundle = await buildLabBundle(plan, LAB_HOSTS.map((h) => h.name), tmp.dir);
  // As the operator does once: `npm run pki` makes the internal CA and host certificates.
  issuePki(draft, plan.pki);
  v1 = labDeployment("v1", lab.sshKeyPath, bundle);
  const pinned = await pinHostKeys(v1);
  if (pinned.status !== 0) throw new Error(`npm run host-keys: ${pinned.output}`);
  stackDir = await synthAndInit(v1, "v1");
  const apply = await tofu(stackDir, "apply", "-auto-approve", ...TARGETS);
  applyOutput = apply.output;
  if (apply.status !== 0) throw new Error(applyFailure(apply.output));
  console.log(`lab database tier: lab + bundle + apply in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}, 1_800_000);

afterAll(async () => {
  await lab?.destroy();
  releaseTurn?.();
  tmp.remove();
});

labTest("the apply ran over SSH as the sudo user and installed only from the bundle", async () => {
  expect(applyOutput).toMatch(/Apply complete! Resources: \d+ added, 0 changed, 0 destroyed\./);
  for (const h of LAB_HOSTS) {
    const sources = await theLab().exec(h.name, "cat /etc/apt/sources.list.d/matrix-bundle.list; ip route show default");
    expect(sources.stdout.trim()).toBe("deb [trusted=yes] file:/var/lib/matrix-platform/bundle ./");
  }
});

/** etcdctl on a database host, with that host's certificate (etcd requires one). */
const etcdctl = (host: string, args: string) => etcdctlOn(theLab(), host, args);
const etcdLeaderHost = (from: string) => etcdLeaderOf(theLab(), from);

labTest("etcd is healthy with 3 members, peers and clients on TLS", async () => {
  const members = await etcdctl("db1", "member list -w simple");
  expect(members.status).toBe(0);
  expect(members.stdout.split("\n").filter((l) => / started, db\d, /.test(l)).map((l) => l.split(", ")[2]).sort()).toEqual(["db1", "db2", "db3"]);
  expect(members.stdout).toContain(`https://${NET}.22:2380, https://${NET}.22:2379`);
  expect((await etcdctl("db1", "endpoint health --cluster")).status).toBe(0);
});

labTest("clients reach the platform over TLS on the domain, with a certificate from the cluster CA", async () => {
  const ca = join(pkiDir, "ca.crt");
  // No Synapse in this lab: HAProxy answers 503 itself, after a verified handshake.
  const https = await theLab().runInControl("curl", ["-sS", "--cacert", ca, "--resolve", `${DOMAIN}:443:${VIP}`, "-o", "/dev/null", "-w", "%{http_code} %{ssl_verify_result}", `https://${DOMAIN}/_matrix/client/versions`]);
  expect(https.stdout).toBe("503 0");
  const http = await theLab().runInControl("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", `http://${VIP}/_matrix/client/versions`]);
  expect(http.stdout).toBe(`301 https://${VIP}/_matrix/client/versions`);
  // Patroni's REST API is TLS too; the load balancers check it against the CA.
  // (A replica answers 200 once its PostgreSQL runs, which may follow the apply by a moment.)
  const rest = await eventually("db1's Patroni healthy", () => theLab().exec("lb1", `curl -sS --cacert /etc/haproxy/tls/ca.crt -o /dev/null -w '%{http_code}' https://${NET}.21:8008/health`), (r) => r.stdout === "200", 60);
  expect(rest.stdout).toBe("200");
});

labTest("Patroni reports one leader and two streaming replicas, one of them synchronous", async () => {
  const members = await eventually(
    "a leader, a sync standby and a replica, all running",
    () => patroniMembers("db1"),
    (m) => m.length === 3 && m.every((x) => x.State === "running") && m.map((x) => x.Role).sort().join() === "Leader,Replica,Sync Standby",
  );
  expect(members.map((m) => m.Member).sort()).toEqual(["db1", "db2", "db3"]);
  const leader = members.find((m) => m.Role === "Leader")!.Member;
  const replication = await theLab().exec(leader, `runuser -u postgres -- psql -Atc "SELECT state, sync_state FROM pg_stat_replication ORDER BY sync_state"`);
  expect(replication.stdout.trim().split("\n")).toEqual(["streaming|async", "streaming|sync"]);
});

labTest("a client writes and reads through the VIP: 5000 to the leader, 5001 to the replicas", async () => {
  const w = await eventually("the VIP on 5000", () => psql(5000, "CREATE TABLE IF NOT EXISTS lab_check (t text); INSERT INTO lab_check VALUES ('Grüße 你好 🎉'); SELECT pg_is_in_recovery();"), (r) => r.status === 0);
  expect(w.stdout.trim().split("\n").at(-1)).toBe("f");
  const r = await eventually("the row on a replica", () => psql(5001, "SELECT pg_is_in_recovery(), t FROM lab_check"), (x) => x.status === 0 && x.stdout.includes("Grüße 你好 🎉"), 30);
  expect(r.stdout.trim().split("\n")[0]).toBe("t|Grüße 你好 🎉");
  const db = await psql(5000, "SELECT datcollate, datctype, pg_encoding_to_char(encoding) FROM pg_database WHERE datname = 'synapse'");
  expect(db.stdout.trim()).toBe("C|C|UTF8");
  // Synapse's session settings hold on every pooled connection, without a SET.
  const session = await psql(5000, "SELECT current_setting('bytea_output'), current_setting('statement_timeout'), current_setting('idle_in_transaction_session_timeout')");
  expect(session.stdout.trim()).toBe("escape|10min|30min");
});

labTest("a connection through the VIP left idle longer than a minute still answers (Synapse's pooled connections wait between requests)", async () => {
  // HAProxy's inactivity timeout closed it after 60 s; the next query on it failed.
  const { args, env } = psqlAsSynapse(5000);
  const r = await theLab().runInControl("sh", ["-c", `(echo 'SELECT 1;'; sleep 75; echo 'SELECT 2;') | psql "$@"`, "sh", ...args], { env });
  expect({ answers: r.stdout.trim().split("\n"), errors: r.stderr.trim() }).toEqual({ answers: ["1", "2"], errors: "" });
}, 180_000);

labTest("a client gone quiet inside a transaction (as behind a load balancer that lost power) does not block the next writer of its row: PgBouncer ends it", async () => {
  const { args, env } = psqlAsSynapse(5000);
  const before = await psql(5000, "CREATE TABLE IF NOT EXISTS lab_lock (id int PRIMARY KEY, n int); INSERT INTO lab_lock VALUES (1, 0) ON CONFLICT DO NOTHING; SELECT n FROM lab_lock WHERE id = 1");
  const n = Number(before.stdout.trim().split("\n").at(-1));
  // Locks the row, then says nothing for 45 s (its psql is killed then).
  const quiet = theLab().runInControl("sh", ["-c", `(echo 'BEGIN; UPDATE lab_lock SET n = n + 1 WHERE id = 1;'; sleep 45) | psql "$@"`, "sh", ...args], { env, timeoutMs: 45_000 });
  await new Promise((r) => setTimeout(r, 2000));
  const started = Date.now();
  // Without PgBouncer's idle_transaction_timeout this waits for the quiet client: 30 s, then fails.
  const writer = await psql(5000, "SET lock_timeout = '30s'; WITH written AS (UPDATE lab_lock SET n = n + 1 WHERE id = 1 RETURNING n) SELECT n FROM written");
  console.log(`lab database: a writer waited ${((Date.now() - started) / 1000).toFixed(1)} s for the row a quiet client's transaction held`);
  // Written once, by the writer: the quiet client's transaction was rolled back.
  expect({ status: writer.status, errors: writer.stderr.trim(), n: writer.stdout.trim().split("\n").at(-1) }).toEqual({ status: 0, errors: "", n: String(n + 1) });
  await quiet;
}, 180_000);

labTest("the firewall refuses what the port matrix does not allow", async () => {
  // The control namespace is the Synapse host: HAProxy yes, PgBouncer and Patroni's API directly no.
  const probe = (host: string, port: number) => theLab().runInControl("timeout", ["3", "bash", "-c", `exec 3<>/dev/tcp/${host}/${port}`]);
  expect((await probe(VIP, 5000)).status).toBe(0);
  expect((await probe(`${NET}.21`, 6432)).status).not.toBe(0);
  expect((await probe(`${NET}.21`, 8008)).status).not.toBe(0);
  expect((await probe(`${NET}.21`, 2379)).status).not.toBe(0);
});

labTest("a dead PgBouncer takes its node out of HAProxy, and back in when it returns", async () => {
  const replica = (await patroniMembers("db1")).find((m) => m.Role !== "Leader")!.Member;
  const status = async () => {
    const csv = await theLab().exec("lb1", `curl -fsS -u 'admin:${secret("haproxy_stats")}' 'http://${NET}.31:8404/stats;csv'`);
    return csv.stdout.split("\n").find((l) => l.startsWith(`postgres_replicas,${replica},`))?.split(",")[17];
  };
  expect(await eventually("the replica UP in HAProxy", status, (s) => s === "UP", 30)).toBe("UP");
  await theLab().exec(replica, "systemctl stop pgbouncer.service");
  try {
    expect(await eventually("the replica DOWN once PgBouncer is dead", status, (s) => s === "DOWN", 30)).toBe("DOWN");
  } finally {
    await theLab().exec(replica, "systemctl start pgbouncer.service");
  }
  expect(await eventually("the replica UP again", status, (s) => s === "UP", 30)).toBe("UP");
});

labTest("the generated runbooks' checks pass on every host (02-infrastructure.md, as written)", async () => {
  const blocks = runbookBlocks(v1);
  const checks = (host: string) => ["check-base", ...(host.startsWith("db") ? ["check-etcd", "check-patroni", "check-pgbouncer"] : ["check-haproxy"])];
  for (const h of LAB_HOSTS) {
    for (const id of checks(h.name)) {
      const r = await runRunbookBlock(theLab(), h.name, blocks, id);
      expect(`${h.name} ${id}: ${r.status === 0 ? "ok" : r.output}`).toBe(`${h.name} ${id}: ok`);
    }
  }
  const [holder] = await eventually("one load balancer holding the VIP", vipHolder, (h) => h.length === 1, 30);
  expect((await runRunbookBlock(theLab(), holder, blocks, "check-keepalived")).status).toBe(0);
});

labTest("a second plan shows no changes", async () => {
  const plan = await tofu(stackDir, "plan", "-detailed-exitcode", ...TARGETS);
  expect(plan.output).toContain("No changes.");
  expect(plan.status).toBe(0);
});

labTest("changing the PgBouncer pool size re-runs only the PgBouncer resources, through the bastion", async () => {
  // Direct SSH from the operator's machine to the database hosts is refused from here on.
  const block = `table ip labssh { chain out { type filter hook output priority 0; ip daddr { ${LAB_HOSTS.filter((h) => h.name.startsWith("db")).map((h) => h.address).join(", ")} } tcp dport 22 reject with tcp reset; }; }`;
  expect((await theLab().runInControl("nft", ["-f", "-"], { input: block })).status).toBe(0);
  try {
    await throughTheBastion();
  } finally {
    expect((await theLab().runInControl("nft", ["delete", "table", "ip", "labssh"])).status).toBe(0);
  }
});

async function throughTheBastion(): Promise<void> {
  expect((await theLab().sshExec("db2", "true", "debian", { timeoutMs: 10_000 })).status).not.toBe(0);
  v2 = labDeployment("v2", theLab().sshKeyPath, bundle, { poolSize: 37, viaBastion: true });
  // The bastion's key is pinned now (read directly); the hosts' are read through it and match.
  const pinned = await pinHostKeys(v2);
  expect(pinned.status).toBe(0);
  expect(pinned.stdout).toMatch(new RegExp(`^bastion ${BASTION.address.replaceAll(".", "\\.")}: 256 SHA256:\\S+ .*NEW`, "m"));
  for (const h of LAB_HOSTS) expect(pinned.stdout).toMatch(new RegExp(`^${h.name} ${h.address.replaceAll(".", "\\.")}: .* unchanged$`, "m"));
  const changed = await synthAndInit(v2, "v2");
  const plan = await tofu(changed, "plan", "-detailed-exitcode", ...TARGETS);
  expect(plan.status).toBe(2);
  const replaced = [...plan.output.matchAll(/# (\S+) must be replaced/g)].map((m) => m[1]).sort();
  expect(replaced).toEqual(["terraform_data.db1_pgbouncer", "terraform_data.db2_pgbouncer", "terraform_data.db3_pgbouncer"]);
  const apply = await tofu(changed, "apply", "-auto-approve", ...TARGETS);
  const summary = apply.output.split("\n").filter((l) => /Apply complete!|Error|remote-exec\): .*(rror|fail)/.test(l));
  expect(summary).toEqual(["Apply complete! Resources: 3 added, 0 changed, 3 destroyed."]);
  const live = await theLab().exec("db2", `PGPASSWORD='${secret("pgbouncer_auth")}' psql -h 127.0.0.1 -p 6432 -U pgbouncer_admin -d pgbouncer -At -c 'SHOW CONFIG' | grep '^default_pool_size|'`);
  expect(live.stdout.trim().split("|").slice(0, 2)).toEqual(["default_pool_size", "37"]);
  const bastionLog = await theLab().exec("bastion", "journalctl -u ssh.service --no-pager | grep -c 'Accepted publickey for debian'");
  expect(Number(bastionLog.stdout.trim())).toBeGreaterThanOrEqual(3);
}

describe("an impostor at a pinned address gets nothing", () => {
  const KEY = "/etc/ssh/ssh_host_ed25519_key";
  /** The impostor: the same address answering with another host key. Returns the restore. */
  const impostorOn = async (host: string) => {
    const swap = await theLab().exec(host, `cp ${KEY} /root/key && cp ${KEY}.pub /root/key.pub && rm -f ${KEY} ${KEY}.pub && ssh-keygen -q -t ed25519 -N '' -f ${KEY} && systemctl restart ssh.service && date +%s`);
    expect(swap.status).toBe(0);
    return { since: swap.stdout.trim(), restore: async () => void (await theLab().exec(host, `mv /root/key ${KEY} && mv /root/key.pub ${KEY}.pub && systemctl restart ssh.service`)) };
  };
  const acceptedSince = async (host: string, since: string) =>
    Number((await theLab().exec(host, `journalctl -u ssh.service --since @${since} --no-pager | grep -c 'Accepted publickey' || true`)).stdout.trim());
  /** The deployment's stack with a short connection timeout: OpenTofu retries a failed handshake until then (3 min). */
  const quickStack = async (file: string, name: string) => {
    const dir = await synthAndInit(file, name);
    const json = join(dir, "cdk.tf.json");
    writeFileSync(json, readFileSync(json, "utf8").replaceAll('"timeout": "3m"', '"timeout": "20s"'));
    return dir;
  };

  labTest("a host: npm run host-keys reports it and keeps the pinned key; tofu apply fails before any login", async () => {
    const { since, restore } = await impostorOn("db3");
    try {
      const before = readFileSync(knownHostsPath, "utf8");
      const keys = await pinHostKeys(v1);
      expect(keys.status).toBe(1);
      expect(keys.stdout).toMatch(/^db3 10\.77\.1\.23: 256 SHA256:\S+ .* CHANGED: pinned SHA256:\S+: possibly an impostor; the pinned key is kept/m);
      expect(readFileSync(knownHostsPath, "utf8")).toBe(before);
      const apply = await tofu(await quickStack(v1, "impostor-host"), "apply", "-auto-approve", "-replace=terraform_data.db3_base", "-target=terraform_data.db3_base");
      expect(apply.status).not.toBe(0);
      expect(apply.output).toContain("knownhosts: key mismatch");
      expect(await acceptedSince("db3", since)).toBe(0);
    } finally {
      await restore();
    }
    expect((await tofu(stackDir, "apply", "-auto-approve", "-target=terraform_data.db3_base")).status).toBe(0);
  });

  labTest("the bastion: host-keys stops there, and tofu apply fails before logging in to it or any host behind it", async () => {
    const { since, restore } = await impostorOn("bastion");
    try {
      const keys = await pinHostKeys(v2);
      expect(keys.status).toBe(1);
      expect(keys.stdout).toMatch(/^bastion 10\.77\.1\.5: .* CHANGED: .*possibly an impostor/m);
      expect(keys.stdout).toContain("the hosts behind the bastion were not checked");
      const apply = await tofu(await quickStack(v2, "impostor-bastion"), "apply", "-auto-approve", "-replace=terraform_data.db2_base", "-target=terraform_data.db2_base");
      expect(apply.status).not.toBe(0);
      expect(apply.output).toContain("knownhosts: key mismatch");
      expect(await acceptedSince("bastion", since)).toBe(0);
      expect(await acceptedSince("db2", since)).toBe(0);
    } finally {
      await restore();
    }
    expect((await tofu(stackDir, "apply", "-auto-approve", "-target=terraform_data.db2_base")).status).toBe(0);
  });
});

describe("a bundle changed after the plan was approved", () => {
  const installed = () => theLab().exec("db1", "sha256sum /var/lib/matrix-platform/bundle/manifest.json; ls /var/tmp/matrix-platform-bundle.tar 2>&1");

  labTest("is refused by OpenTofu when it applies that plan, before anything is uploaded", async () => {
    const planFile = join(tmp.dir, "bundle.plan");
    const plan = await tofu(stackDir, "plan", "-out", planFile, "-replace=terraform_data.db1_bundle", "-target=terraform_data.db1_bundle");
    expect(plan.status).toBe(0);
    const before = (await installed()).stdout;
    copyFileSync(bundle, `${bundle}.approved`);
    appendFileSync(bundle, "a byte changed after the approval");
    try {
      // The trigger carries filesha256(bundle): read again at apply, it no longer matches the plan.
      const apply = await tofu(stackDir, "apply", planFile);
      expect(apply.status).not.toBe(0);
      expect(apply.output.replace(/\s+/g, " ")).toContain('produced an invalid new value for .triggers_replace.bundle_sha256');
      expect((await installed()).stdout).toBe(before);
    } finally {
      renameSync(`${bundle}.approved`, bundle);
    }
    expect((await tofu(stackDir, "apply", "-auto-approve", "-target=terraform_data.db1_bundle")).status).toBe(0);
  });

  labTest("is refused by the host when it differs on arrival from the SHA-256 the plan recorded, and nothing of it is installed", async () => {
    // The install script exactly as db1's bundle resource uploads it, with the plan's hash of the approved bundle.
    const resource = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")).resource.terraform_data.db1_bundle;
    const script = (resource.provisioner as { file?: { content?: string; destination: string } }[]).find((p) => p.file?.destination.endsWith("bundle-install.sh"))!.file!.content!;
    const approved = createHash("sha256").update(readFileSync(bundle)).digest("hex");
    const install = script.replace("${self.triggers_replace.bundle_sha256}", approved).replace(/\$\$\{/g, "${");
    // What arrives is not the approved bundle (its bytes do not matter: only its hash is compared first).
    expect((await theLab().exec("db1", "printf 'not the approved bundle' >/var/tmp/matrix-platform-bundle.tar")).status).toBe(0);
    const before = (await installed()).stdout.split("\n")[0];
    const r = await theLab().exec("db1", "sh -s", { input: install });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`refused the uploaded bundle: its SHA-256 is [0-9a-f]{64}, the plan's is ${approved}`));
    expect((await installed()).stdout.trim().split("\n")).toEqual([before, expect.stringContaining("No such file")]);
  });
});

describe("failures (each breaks the cluster on purpose, in this order)", () => {
  labTest("HAProxy dying on the VIP holder moves the VIP to the other load balancer", async () => {
    const [holder] = await eventually("one load balancer holding the VIP", vipHolder, (h) => h.length === 1, 30);
    const other = holder === "lb1" ? "lb2" : "lb1";
    const stopped = Date.now();
    await theLab().exec(holder, "systemctl stop haproxy.service");
    try {
      expect(await eventually("the VIP on the other load balancer", vipHolder, (h) => h.join() === other, 30)).toEqual([other]);
      console.log(`lab: the VIP moved from ${holder} to ${other} ${((Date.now() - stopped) / 1000).toFixed(1)} s after HAProxy stopped`);
      expect((await eventually("a write through the VIP", () => psql(5000, "INSERT INTO lab_check VALUES ('after VIP move')"), (r) => r.status === 0, 30)).status).toBe(0);
    } finally {
      await theLab().exec(holder, "systemctl start haproxy.service");
    }
    // Back again, the recovered node does not take the VIP back (no flapping).
    await new Promise((r) => setTimeout(r, 8000));
    expect(await vipHolder()).toEqual([other]);
  });

  labTest("a hung HAProxy (its processes stopped, not dead) on the VIP holder moves the VIP too", async () => {
    const [holder] = await eventually("one load balancer holding the VIP", vipHolder, (h) => h.length === 1, 30);
    const other = holder === "lb1" ? "lb2" : "lb1";
    const hung = Date.now();
    await theLab().exec(holder, "pkill -STOP -x haproxy");
    try {
      expect(await eventually("the VIP on the other load balancer", vipHolder, (h) => h.join() === other, 30)).toEqual([other]);
      console.log(`lab: the VIP moved from ${holder} to ${other} ${((Date.now() - hung) / 1000).toFixed(1)} s after HAProxy hung`);
      expect((await eventually("a write through the VIP", () => psql(5000, "INSERT INTO lab_check VALUES ('after a hung HAProxy')"), (r) => r.status === 0, 30)).status).toBe(0);
    } finally {
      await theLab().exec(holder, "pkill -CONT -x haproxy");
    }
  });

  labTest("the cluster runs Patroni's fastest failover timing (ttl 20, loop_wait 10, retry_timeout 5)", async () => {
    const shown = await theLab().exec("db2", "runuser -u postgres -- patronictl -c /etc/patroni/config.yml show-config");
    expect(shown.status).toBe(0);
    expect(parseYaml(shown.stdout)).toMatchObject({ ttl: PATRONI_TIMING.ttl, loop_wait: PATRONI_TIMING.loopWait, retry_timeout: PATRONI_TIMING.retryTimeout });
  });

  labTest("losing one etcd member keeps the cluster's leader and writes", async () => {
    const before = await patroniMembers("db1");
    const replica = before.find((m) => m.Role !== "Leader")!.Member;
    const leader = before.find((m) => m.Role === "Leader")!.Member;
    await theLab().exec(replica, "systemctl stop etcd.service");
    try {
      const health = await etcdctl(leader, "endpoint health --cluster");
      expect(health.output.match(/is healthy/g)).toHaveLength(2);
      expect(health.output).toMatch(/is unhealthy/);
      // Longer than Patroni's ttl: the leader keeps renewing its key on two members.
      await new Promise((r) => setTimeout(r, (PATRONI_TIMING.ttl + 5) * 1000));
      expect((await patroniMembers(leader)).find((m) => m.Role === "Leader")?.Member).toBe(leader);
      expect((await psql(5000, "INSERT INTO lab_check VALUES ('etcd 2 of 3')")).status).toBe(0);
    } finally {
      // Whatever failed above, the next test (a host's power loss) needs all three members.
      await theLab().exec(replica, "systemctl start etcd.service");
    }
    expect((await eventually("3 healthy etcd members", () => etcdctl(leader, "endpoint health --cluster"), (r) => r.status === 0, 60)).status).toBe(0);
  });

  labTest("etcd's leadership handed to the PostgreSQL leader's host leaves it within seconds (a power loss there would cost an etcd election, which renews Patroni's leader key to a full ttl)", async () => {
    const leader = (await patroniMembers("db1")).find((m) => m.Role === "Leader")!.Member;
    const moved = new RegExp(`${leader} leads PostgreSQL: etcd's leadership moved from member [0-9a-f]+ to [0-9a-f]+`);
    // Only the timer's move counts. An etcd election can take the leadership first (seen in
    // fresh-clone CI runs on a busy machine, with pre-vote and without: gone in 0.1 s and in
    // 3.3 s, no move logged); then it is handed over again, 3 times at most.
    for (let attempt = 1; ; attempt++) {
      await eventually("etcd's leader away from the PostgreSQL leader's host", () => etcdLeaderHost(leader), (h) => h !== undefined && h !== leader, 30);
      const journalSince = Math.floor(Date.now() / 1000);
      const handed = await handEtcdLeadershipTo(theLab(), leader);
      expect({ status: handed.status, output: handed.output }).toEqual({ status: 0, output: expect.stringContaining("Leadership transferred") });
      const handedAt = Date.now();
      expect(await eventually("etcd's leader on another host", () => etcdLeaderHost(leader), (h) => h !== undefined && h !== leader, 30)).not.toBe(leader);
      const left = ((Date.now() - handedAt) / 1000).toFixed(1);
      const journal = (await theLab().exec(leader, `journalctl -u etcd-leader-away.service --since @${journalSince} -o cat --no-pager`)).stdout;
      if (moved.test(journal) || attempt === 3) {
        console.log(`lab: etcd's leadership left ${leader}, the PostgreSQL leader's host, ${left} s after it was handed there (attempt ${attempt})`);
        expect(journal).toMatch(moved);
        return;
      }
      console.log(`lab: etcd's leadership left ${leader} ${left} s after it was handed there, but not by the timer's move (an election): handing it over again`);
    }
  });

  labTest("the Patroni leader's host loses power: a standby takes over and no acknowledged write is lost", async () => {
    await psql(5000, "CREATE TABLE IF NOT EXISTS ha_probe (id int PRIMARY KEY)");
    const leader = (await patroniMembers("db1")).find((m) => m.Role === "Leader")!.Member;
    const survivor = LAB_HOSTS.find((h) => h.name.startsWith("db") && h.name !== leader)!.name;
    // A client inserting one row at a time through the VIP; each write is stamped when it
    // starts and when psql returns, with whether it was acknowledged.
    const writer = theLab().runInControl(
      "bash",
      ["-c", `for i in $(seq 1 100000); do [ $SECONDS -lt 100 ] || break; start=$(date +%s.%N); if psql -h ${VIP} -p 5000 -U synapse -d synapse -Atq -v ON_ERROR_STOP=1 -c "INSERT INTO ha_probe VALUES ($i)" >/dev/null 2>&1; then echo "ok $i $start $(date +%s.%N)"; else echo "fail $i $start $(date +%s.%N)"; fi; sleep 0.2; done`],
      { env: { ...process.env, PGPASSWORD: secret("synapse_db"), PGCONNECT_TIMEOUT: "2" }, timeoutMs: 150_000 },
    );
    await new Promise((r) => setTimeout(r, 5000));
    const crashedAt = Date.now() / 1000;
    theLab().crash(leader);
    const log = (await writer).stdout.trim().split("\n").map((l) => l.split(" ")).map(([s, i, start, end]) => ({ ok: s === "ok", id: Number(i), start: Number(start), end: Number(end) }));
    const acknowledged = log.filter((w) => w.ok).map((w) => w.id);
    // The outage runs from the crash to the first acknowledged write that started after a
    // write failed: a write in flight at the crash that still completes is not a recovery.
    const firstFailure = log.find((w) => !w.ok && w.end > crashedAt);
    expect(firstFailure).toBeDefined();
    const recovered = log.find((w) => w.ok && w.start > firstFailure!.end);
    expect(recovered).toBeDefined();
    console.log(`lab: leader ${leader} lost power; writes resumed through the VIP ${(recovered!.end - crashedAt).toFixed(1)} s after (first refused ${(firstFailure!.end - crashedAt).toFixed(1)} s after); ${acknowledged.length} writes acknowledged, ${log.length - acknowledged.length} refused`);
    const members = await eventually("a new leader", () => patroniMembers(survivor), (m) => m.some((x) => x.Role === "Leader" && x.Member !== leader), 60);
    expect(members.find((m) => m.Role === "Leader")!.Member).not.toBe(leader);
    const stored = new Set((await psql(5000, "SELECT id FROM ha_probe")).stdout.trim().split("\n").map(Number));
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    expect(acknowledged.filter((id) => id > recovered!.id).length).toBeGreaterThan(10);
  });
  // Last: the demoted leader shuts down only once PostgreSQL has tried to archive its last
  // WAL, and this lab has no backup server to take it, so it stays "stopping" for minutes.
  labTest("the runbooks' switchover (05-operations.md, as written) hands the leader role to the standby, and writes follow through the VIP", async () => {
    // Patroni's list as a database host still up sees it (the last test cut one off).
    const live = async () => {
      for (const h of ["db1", "db2", "db3"]) {
        const m = await patroniMembers(h).catch(() => []);
        if (m.length > 0) return m;
      }
      return [];
    };
    const running = await eventually("a leader and a streaming standby", live, (m) => m.some((x) => x.Role === "Leader" && x.State === "running") && m.some((x) => x.Role !== "Leader" && x.State === "running"), 120);
    const before = running.find((m) => m.Role === "Leader")!.Member;
    const switchover = await runRunbookBlock(theLab(), before, runbookBlocks(v1), "switchover");
    expect({ status: switchover.status, output: switchover.status === 0 ? "" : switchover.output }).toEqual({ status: 0, output: "" });
    const after = await eventually("another leader", () => patroniMembers(before), (m) => m.some((x) => x.Role === "Leader" && x.Member !== before && x.State === "running"), 60);
    console.log(`lab: the runbook's switchover moved the leader from ${before} to ${after.find((m) => m.Role === "Leader")!.Member}`);
    // Only a primary accepts a write: HAProxy sends 5000 to the new leader.
    expect((await eventually("a write through the VIP", () => psql(5000, "INSERT INTO lab_check VALUES ('after switchover')"), (r) => r.status === 0, 30)).status).toBe(0);
  });
});
