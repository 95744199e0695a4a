// The whole small-scale cluster for real: `tofu apply` provisions all 16 hosts of an HA
// deployment (database tier, load balancers, object store, TURN, LiveKit + Redis,
// monitoring, backup server, Synapse host) onto lab hosts (systemd-nspawn Debian 12
// containers, tools/lab/lab.ts) over SSH, from the offline bundle alone, MinIO, mc, LiveKit
// and the Synapse wheelhouse included. The control namespace (tofu, and the test's clients)
// sits in the client and admin subnets. The Synapse host is installed natively
// (onprem.synapse.install: native): Synapse and every worker type of the scale as systemd
// units, serving real Matrix clients (matrix-nio) over HTTPS through the VIP. The
// lk-jwt-service the bundle carries is a stand-in (test/fixtures/lk-jwt-service-stand-in):
// the real one cannot be had here (help/onprem.md, "Element Call").
import { join } from "node:path";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { loadDeploymentFile } from "../constructs/deployment/load";
import type { OnPremDeployment } from "../constructs/deployment/model";
import { buildTopology } from "../constructs/topology/resolve";
import { issuePki } from "../constructs/pki/issue";
import { planCluster } from "../constructs/plan";
import { MEDIA_BUCKET, minioDrivePaths } from "../constructs/roles/minio";
import { PATRONI_TIMING } from "../constructs/roles/patroni";
import { FIRST_ADMIN } from "../constructs/roles/synapse";
import { SYNAPSE_VERSION } from "../constructs/roles/synapse/wheelhouse";
import { SYNAPSE_MAIN, synapseWorkerPlan } from "../constructs/topology/workers";
import { buildLabBundle, buildLkJwtServiceStandIn, packElementWebStandIn } from "./helpers/lab-bundle";
import { checkLabPrerequisites, cleanupStaleLabs, createLab, LAB_BASE_DIR, type Lab } from "../tools/lab/lab";
import { capacityArgs, capacityLoad, CLIENT_PYTHON, describeCapacity, parseCapacity, recordCapacity, withCoresBusy } from "./helpers/capacity";
import { applyFailure, BIG_LAB_TURN_TIMEOUT_MS, eventually, LAB_KNOWN_HOSTS, labStack, takeBigLabTurn } from "./helpers/lab-stack";
import { tempDir } from "./helpers/programs";
import { runbookBlocks, runOperatorBlock, runRunbookBlock } from "./helpers/runbook-blocks";
import { ROOT, TSX_LOADER } from "./helpers/examples";
import { PLAN_FILE, PLAN_RECORD, type PlanRecord } from "../scripts/lib/plan-record";
import { summarizePlan, type PlanJson } from "../scripts/lib/plan-summary";
import { replaceAddresses } from "../scripts/lib/replace-addresses";
import { provisionerResources } from "./helpers/synth";
import { describeRun, faultFigures, outage, summarizeFaults, underLoad, type FaultFigures } from "./helpers/client-load";
import { etcdLeaderHost } from "./helpers/lab-etcd";

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

/** Fewer workers than the small scale's preset (a lab has two cores), every type present. */
const LAB_WORKERS = { sync: 1, generic: 1, federationSender: 1, eventPersister: 1 } as const;

/** The lab's deployment file, as an operator writes it (host keys pinned by npm run host-keys). */
function labDeployment(keyPath: string, bundle: string, syncWorkers: number = LAB_WORKERS.sync): string {
  return writeDeployment(syncWorkers === LAB_WORKERS.sync ? "lab-all" : `lab-all-sync${syncWorkers}`, `
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
  synapse:
    install: native
    media_cache_days: 0             # the lab prunes at once what a site keeps for days
    workers: { sync: ${syncWorkers}, client_reader: ${LAB_WORKERS.generic}, federation_sender: ${LAB_WORKERS.federationSender}, event_persister: ${LAB_WORKERS.eventPersister} }
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
const { tofu, env: labEnv, writeDeployment, pinHostKeys, synthAndInit, secret, secrets: allSecrets, statePath } = labStack(theLab, tmp.dir);
let applyOutput = "";
let hostKeysOutput = "";
let preflightRefusal = { status: null as number | null, output: "", installed: [] as string[] };
let bundlePath = "";
let stackDir = "";

/** curl in the control namespace, to the cluster's entry (the VIP), trusting its CA. */
const VIP_CURL = `curl -sS -f --cacert ${join(pkiDir, "ca.crt")} --resolve ${DOMAIN}:443:${VIP} --max-time 30`;

let adminSession = "";

/**
 * The first admin's access token, through the VIP. One login serves the whole file: Synapse's
 * default allows an account (and an address) 5 logins, then one per 333 s, and the control
 * namespace is one address. The token is checked (whoami) and a login made again only if it
 * is refused; a login answered 429 waits as long as Synapse asks, as a client does.
 */
async function adminLogin(): Promise<string> {
  const deadline = Date.now() + 600_000;
  let last = { status: 0, json: {} as Record<string, unknown> };
  while (Date.now() < deadline) {
    if (adminSession) {
      last = await matrixApi("GET", "/_matrix/client/v3/account/whoami", adminSession);
      if (last.status === 200) return adminSession;
      if (last.status === 401) adminSession = "";
    } else {
      last = await firstAdminLogin();
      if (last.status === 200) return (adminSession = last.json.access_token as string);
    }
    await new Promise((r) => setTimeout(r, last.status === 429 ? Number(last.json.retry_after_ms ?? 1000) : 1000));
  }
  throw new Error(`an admin session through the VIP: none after 600 s: HTTP ${last.status} ${JSON.stringify(last.json)}`);
}

/** Synapse's last words, each database host's Patroni from its start (how the cluster was bootstrapped) and HAProxy's, for a failed apply's message. */
async function databasePathState(): Promise<string> {
  const patroni = "journalctl -u patroni.service --no-pager -o short-precise | grep -E 'INFO|WARN|ERROR|FATAL' | grep -v 'no action' | head -40";
  const state = await Promise.all([
    theLab().exec("synapse1", "journalctl -u matrix-synapse.service -n 40 --no-pager -o cat"),
    theLab().exec("db1", `patronictl -c /etc/patroni/config.yml list; ${patroni}`),
    theLab().exec("db2", patroni),
    theLab().exec("db3", patroni),
    theLab().exec("lb1", "journalctl -u haproxy.service -n 20 --no-pager -o cat | grep -v 'Connect from'"),
  ]);
  return `--- synapse1, db1, db2, db3, lb1:\n${state.map((r) => r.output).join("\n---\n")}`;
}

beforeAll(async () => {
  checkLabPrerequisites();
  releaseTurn = await takeBigLabTurn();
}, BIG_LAB_TURN_TIMEOUT_MS);

beforeAll(async () => {
  cleanupStaleLabs();
  const started = Date.now();
  lab = await createLab({ name: "all", subnet: `${NET}.0/24`, hosts: LAB_HOSTS, controlAddress: CONTROL });
  const draft = loadDeploymentFile(labDeployment(lab.sshKeyPath, "/nonexistent.tar")) as OnPremDeployment;
  const plan = planCluster(buildTopology(draft));
  const bundle = (bundlePath = await buildLabBundle(plan, LAB_HOSTS.map((h) => h.name), tmp.dir, { "lk-jwt-service": buildLkJwtServiceStandIn(tmp.dir) }, packElementWebStandIn(tmp.dir)));
  issuePki(draft, plan.pki);
  const file = labDeployment(lab.sshKeyPath, bundle);
  const pinned = await pinHostKeys(file);
  hostKeysOutput = pinned.output;
  if (pinned.status !== 0) throw new Error(`npm run host-keys: ${pinned.output}`);
  stackDir = await synthAndInit(file, "stack");
  // The MinIO nodes' data disks, as an operator mounts them (folders here: the preflight
  // warns that they share the root disk). obj2's third is missing: the first apply must
  // stop at the preflight, with nothing installed on any host.
  const objectStores = LAB_HOSTS.filter((h) => h.name.startsWith("obj"));
  for (const h of objectStores) await theLab().exec(h.name, `install -d ${minioDrivePaths().join(" ")}`);
  await theLab().exec("obj2", "rmdir /srv/minio/disk3");
  const refused = await tofu(stackDir, "apply", "-auto-approve");
  // What the bundle upload and the base layer would leave first.
  const installed = await Promise.all(LAB_HOSTS.map(async (h) => (await theLab().exec(h.name, "ls -d /var/tmp/matrix-platform-bundle.tar /var/lib/matrix-platform /etc/matrix-platform 2>/dev/null | sed \"s|^|$(hostname): |\"")).stdout.trim()));
  preflightRefusal = { status: refused.status, output: refused.output, installed: installed.filter(Boolean) };
  await theLab().exec("obj2", "install -d /srv/minio/disk3");
  const apply = await tofu(stackDir, "apply", "-auto-approve");
  applyOutput = apply.output;
  if (apply.status !== 0) throw new Error(`${applyFailure(apply.output)}\n${await databasePathState()}`);
  console.log(`lab cluster: ${LAB_HOSTS.length} hosts, lab + bundle + apply in ${((Date.now() - started) / 1000).toFixed(0)} s; memory ${theLab().memory().reduce((s, m) => s + m.pssKiB, 0) >> 10} MiB`);
}, 2_400_000);

afterAll(async () => {
  await lab?.destroy();
  releaseTurn?.();
  tmp.remove();
});

test("every host of the small scale was provisioned from the bundle", () => {
  // The one destroyed is obj2's preflight, tainted by the refused first apply and run again.
  expect(applyOutput).toMatch(/Apply complete! Resources: \d+ added, 0 changed, 1 destroyed\./);
  expect(applyOutput).toContain("terraform_data.obj2_preflight is tainted, so it must be replaced");
});

test("a host missing a data disk stops the first apply at the preflight: it names the host, the disk and the fix, and nothing was installed on any host", () => {
  expect(preflightRefusal.status).not.toBe(0);
  expect(preflightRefusal.output).toContain("preflight obj2: /srv/minio/disk3 is missing: mount a data disk of its own there (500 GB recommended at this scale), then apply again");
  expect(preflightRefusal.output).toContain("preflight obj1: ok");
  expect(preflightRefusal.installed).toEqual([]);
});

test("npm run host-keys pinned each host's own key, printing its fingerprint, and the apply checked them", () => {
  for (const h of theLab().hosts) {
    expect(hostKeysOutput).toMatch(new RegExp(`^${h.name} ${h.address.replaceAll(".", "\\.")}: 256 SHA256:\\S+ ${h.address.replaceAll(".", "\\.")} \\(ED25519\\) NEW`, "m"));
  }
  const pinned = readFileSync(join(tmp.dir, "lab.known_hosts"), "utf8");
  for (const h of theLab().hosts) expect(pinned).toContain(`${h.address} ${h.hostPublicKey}`);
  const connections = provisionerResources(JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8"))) as Record<string, { connection: { host: string; host_key: string } }>;
  expect(Object.keys(connections).length).toBeGreaterThan(theLab().hosts.length);
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

/**
 * A TURN client in the control namespace (in the client subnets) sends 5 packets through
 * the Coturn on `host` to a peer beside it, with the given credential arguments; the peer
 * runs for `peerSeconds`. Returns turnutils_uclient's report.
 */
async function relayThrough(host: string, credentials: readonly string[], peerSeconds: number): Promise<string> {
  const peer = theLab().runInControl("timeout", [String(peerSeconds), "turnutils_peer", "-L", CONTROL]);
  await new Promise((r) => setTimeout(r, 1000));
  const r = await theLab().runInControl("timeout", ["10", "turnutils_uclient", ...credentials, "-e", CONTROL, "-n", "5", "-L", CONTROL, addressOf(host)]);
  await peer;
  return r.output;
}

const WORKERS = synapseWorkerPlan(LAB_WORKERS);
const synapseUnits = (workers = WORKERS) => ["matrix-synapse.service", ...workers.map((w) => `matrix-synapse-worker@${w.id}.service`)];

test("Synapse: the main process and every worker type of the scale run as systemd units, from the bundle's wheelhouse", async () => {
  const types = new Set(WORKERS.map((w) => w.type));
  expect([...types].sort()).toEqual(["appservice", "background", "client_reader", "federation_reader", "federation_sender", "media_repository", "pusher", "room_worker", "stream_writer", "sync_worker", "user_dir"]);
  const units = synapseUnits();
  const r = await theLab().exec("synapse1", [`systemctl is-active ${units.join(" ")}`, `/opt/matrix-platform/synapse/bin/python -c 'import importlib.metadata as m; print(m.version("matrix-synapse"))'`, `for unit in ${units.join(" ")}; do ps -o rss= -p "$(systemctl show -p MainPID --value "$unit")"; done`].join("; "));
  const lines = r.stdout.trim().split("\n");
  expect(lines.slice(0, units.length)).toEqual(units.map(() => "active"));
  expect(lines[units.length]).toBe(SYNAPSE_VERSION);
  // Resident memory of each process, KiB.
  const memory = lines.slice(units.length + 1).map(Number);
  expect(memory.every((m) => m > 0)).toBe(true);
  const started = /Synapse main process ready in (\d+) s, its (\d+) workers (\d+) s later/.exec(applyOutput);
  expect(started?.[2]).toBe(String(WORKERS.length));
  console.log(`lab cluster: Synapse ${SYNAPSE_VERSION}: ${units.length} processes, ${(memory.reduce((a, b) => a + b, 0) / 1024).toFixed(0)} MiB resident (main ${(memory[0] / 1024).toFixed(0)} MiB, workers ${(Math.min(...memory.slice(1)) / 1024).toFixed(0)}-${(Math.max(...memory.slice(1)) / 1024).toFixed(0)} MiB); main ready in ${started?.[1]} s, workers ${started?.[3]} s later`);
});

/** What the two users of test/clients/matrix_session.py saw. */
interface SessionResult {
  users: string[];
  token_valid_after_two_uses: boolean;
  sent: string[];
  seen: Record<string, string[]>;
  media: { mxc: string; sha256: string; downloaded_sha256: string };
  turn: { status: number; username: string; password: string; uris: string[]; ttl: number };
  directory: string[];
  well_known: Record<string, unknown>;
  openid: { status: number; matrix_server_name: string; has_token: boolean };
  federation_version: { status: number; server?: { name: string; version: string } };
}
let session: SessionResult | undefined;
const theSession = () => {
  if (!session) throw new Error("the client session did not run (see its failure)");
  return session;
};

test("real clients (matrix-nio): two users register with a token, share a room and exchange UTF-8 messages over HTTPS through the VIP", async () => {
  const python = join(ROOT, ".cache/venv-matrix-client/bin/python");
  const r = await theLab().runInControl(python, [join(ROOT, "test/clients/matrix_session.py"), `https://${DOMAIN}`, VIP, join(pkiDir, "ca.crt")], {
    env: { ...process.env, MATRIX_ADMIN_USER: FIRST_ADMIN, MATRIX_ADMIN_PASSWORD: secret("admin_password") },
    timeoutMs: 300_000,
  });
  if (r.status !== 0) throw new Error(`matrix_session.py: ${r.output}`);
  session = JSON.parse(r.stdout) as SessionResult;
  const s = theSession();
  expect(s.users.every((u) => u.endsWith(`:${DOMAIN}`))).toBe(true);
  expect(s.seen).toEqual({ alice: s.sent, bob: s.sent });
  expect(s.token_valid_after_two_uses).toBe(false);
  expect(s.directory).toEqual([s.users[1]]);
  expect(s.openid).toEqual({ status: 200, matrix_server_name: DOMAIN, has_token: true });
  expect(s.well_known).toEqual({ "m.homeserver": { base_url: `https://${DOMAIN}` }, "org.matrix.msc4143.rtc_foci": [{ type: "livekit", livekit_service_url: `https://${DOMAIN}/livekit/jwt` }] });
});

test("media: an upload comes back byte for byte, and the object is in the MinIO bucket", async () => {
  const { media } = theSession();
  expect(media.downloaded_sha256).toBe(media.sha256);
  const mediaId = media.mxc.split("/").pop()!;
  const mc = `MC_CONFIG_DIR=/tmp/mc-synapse mc --quiet`;
  const r = await theLab().exec("synapse1", [`${mc} alias set s3 http://${VIP}:9000 synapse '${secret("minio_synapse")}' >/dev/null`, `path=$(${mc} find s3/${MEDIA_BUCKET}/local_content --name '*${mediaId.slice(4)}')`, `echo "$path"`, `${mc} cat "$path" | sha256sum | cut -d' ' -f1`].join("\n"));
  const [path, sum] = r.stdout.trim().split("\n");
  expect(path).toBe(`s3/${MEDIA_BUCKET}/local_content/${mediaId.slice(0, 2)}/${mediaId.slice(2, 4)}/${mediaId.slice(4)}`);
  expect(sum).toBe(media.sha256);
});

test("TURN: the credentials Synapse hands out (/voip/turnServer) give a relay allocation on each Coturn host", async () => {
  const { turn } = theSession();
  expect(turn.status).toBe(200);
  expect(turn.uris).toEqual(expect.arrayContaining([`turn:${addressOf("turn1")}:3478?transport=udp`, `turn:${addressOf("turn2")}:3478?transport=udp`]));
  for (const host of ["turn1", "turn2"]) {
    const output = await relayThrough(host, ["-u", turn.username, "-w", turn.password], 15);
    expect({ host, relayed: output.includes("Total lost packets 0 (0.000000%)") }).toEqual({ host, relayed: true });
  }
});

test("workers: each request went to the process that serves it (from each process's own metrics)", async () => {
  const processes = [{ id: "main", metricsPort: SYNAPSE_MAIN.metricsPort }, ...WORKERS];
  const r = await theLab().exec("synapse1", processes.map((p) => `echo "== ${p.id}"; curl -fsS http://127.0.0.1:${p.metricsPort}/_synapse/metrics | grep '^synapse_http_server_requests_received_total'`).join("; "));
  const served = new Map<string, Set<string>>();
  let current = "";
  for (const line of r.stdout.split("\n")) {
    if (line.startsWith("== ")) served.set((current = line.slice(3)), new Set());
    const servlet = /servlet="([^"]+)"/.exec(line)?.[1];
    if (servlet) served.get(current)!.add(servlet);
  }
  console.log(`lab cluster: servlets by process: ${[...served].map(([id, s]) => `${id}: ${[...s].sort().join(" ")}`).join("; ")}`);
  const expected: Record<string, RegExp[]> = {
    "sync-worker-0": [/^SyncRestServlet$/],
    "client-reader-0": [/^LoginRestServlet$/, /^RegisterRestServlet$/, /^RoomCreateRestServlet$/, /^VoipRestServlet$/],
    "room-worker-0": [/^RoomSendEventRestServlet$/, /^JoinRoomAliasServlet$/],
    "media-repository-0": [/Upload/, /Download/],
    // The other processes hand it their events to persist.
    "stream-writer-0-events": [/^ReplicationSendEventsRestServlet$/],
    "stream-writer-1-typing": [/^RoomTypingRestServlet$/],
    "stream-writer-4-receipts": [/^ReadMarkerRestServlet$/],
    "user-dir-0": [/^UserDirectorySearchRestServlet$/],
    "federation-reader-0": [/^FederationVersionServlet$/],
  };
  const missing = Object.entries(expected).flatMap(([id, patterns]) => patterns.filter((p) => ![...(served.get(id) ?? [])].some((s) => p.test(s))).map((p) => `${id} ${p}`));
  expect(missing).toEqual([]);
  // The main process answered none of what the workers serve.
  const mainServed = [...(served.get("main") ?? [])];
  expect(mainServed.filter((s) => Object.values(expected).flat().some((p) => p.test(s)))).toEqual([]);
  expect(theSession().federation_version.status).toBe(200);
});

test("Element Web (the supplied release, a stand-in) is served on element.<domain> through the VIP, with the deployment's config", async () => {
  const get = (path: string) => theLab().runInControl("curl", ["-fsS", "--cacert", join(pkiDir, "ca.crt"), "--resolve", `element.${DOMAIN}:443:${VIP}`, `https://element.${DOMAIN}${path}`]);
  expect((await get("/")).stdout).toContain("Element Web stand-in");
  expect((await get("/version")).stdout.trim()).toBe("v0.0.0-stand-in");
  const config = JSON.parse((await get("/config.json")).stdout);
  expect(config).toMatchObject({ default_server_config: { "m.homeserver": { base_url: `https://${DOMAIN}`, server_name: DOMAIN } }, disable_guests: true });
});

test("admin endpoints answer the admin subnets only", async () => {
  const url = `https://${DOMAIN}/_synapse/admin/v1/server_version`;
  const fromControl = await theLab().runInControl("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", join(pkiDir, "ca.crt"), "--resolve", `${DOMAIN}:443:${VIP}`, url]);
  const fromClientSubnet = await theLab().exec("turn1", `curl -sS -k -o /dev/null -w '%{http_code}' --resolve ${DOMAIN}:443:${VIP} ${url}`);
  expect({ admins: fromControl.stdout, clients: fromClientSubnet.stdout }).toEqual({ admins: "200", clients: "403" });
});

test("Synapse records the address HAProxy saw, not one the client claims in X-Forwarded-For (its login limits and the admin's whois go by it)", async () => {
  const token = await adminLogin();
  const agent = `x-forwarded-for-probe-${Date.now()}`;
  // A documentation address (TEST-NET-3), only ever written in a header here.
  const claimed = "203.0.113.7";
  const sent = await theLab().runInControl("sh", ["-c", `${VIP_CURL} -A '${agent}' -H 'X-Forwarded-For: ${claimed}' -H 'Authorization: Bearer ${token}' https://${DOMAIN}/_matrix/client/v3/account/whoami`]);
  expect({ status: sent.status, output: sent.output }).toEqual({ status: 0, output: expect.stringContaining(FIRST_ADMIN) });
  type Whois = { devices: Record<string, { sessions: { connections: { ip: string; user_agent: string }[] }[] }> };
  const probes = (w: Whois) => Object.values(w.devices ?? {}).flatMap((d) => d.sessions.flatMap((s) => s.connections)).filter((c) => c.user_agent === agent);
  const whois = async () => (await matrixApi("GET", `/_synapse/admin/v1/whois/${encodeURIComponent(`@${FIRST_ADMIN}:${DOMAIN}`)}`, token)).json as Whois;
  // Synapse writes client addresses in batches (every few seconds, from its workers by replication).
  const seen = await eventually("the probe's connection in the admin's whois", whois, (w) => probes(w).length > 0, 60);
  expect(probes(seen).map((c) => c.ip)).toEqual([CONTROL]);
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
  expect(await relayThrough("turn1", ["-W", secret("turn_shared_secret"), "-u", "lab"], 20)).toContain("Total lost packets 0 (0.000000%)");
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

test("monitoring: Prometheus reports every target up, each Synapse process included", async () => {
  type Target = { labels: { job: string; instance: string }; health: string; lastError: string };
  const targets = async () => JSON.parse((await theLab().runInControl("curl", ["-fsS", `http://${addressOf("mon1")}:9090/api/v1/targets?state=active`])).stdout || '{"data":{"activeTargets":[]}}').data.activeTargets as Target[];
  const down = (ts: Target[]) => ts.filter((t) => t.health !== "up").map((t) => `${t.labels.job} ${t.labels.instance}: ${t.health} ${t.lastError}`);
  const status = async () => {
    const ts = await targets();
    return { count: ts.length, down: down(ts) };
  };
  await eventually("every reachable target up", status, (st) => st.count > 0 && st.down.length === 0, 120);
  const all = await targets();
  const jobs = [...new Set(all.map((t) => t.labels.job))].sort();
  expect(jobs).toEqual(["etcd", "haproxy", "livekit", "minio", "node", "patroni", "postgres", "synapse", "tls"]);
  expect(all.filter((t) => t.labels.job === "node")).toHaveLength(LAB_HOSTS.length);
  // Every Synapse process, up.
  expect(all.filter((t) => t.labels.job === "synapse").map((t) => t.labels.instance).sort()).toEqual(["synapse1:main-process", ...WORKERS.map((w) => `synapse1:${w.id}`)].sort());
});

test("backup: pgBackRest took a full backup from the cluster and `check` passes", async () => {
  const info = JSON.parse((await theLab().exec("backup1", "runuser -u postgres -- pgbackrest --stanza=lab-all --output=json info")).stdout);
  expect(info[0].status.message).toBe("ok");
  expect(info[0].backup.map((b: { type: string }) => b.type)).toContain("full");
  const check = await theLab().exec("backup1", "runuser -u postgres -- pgbackrest --stanza=lab-all check");
  expect(check.status).toBe(0);
});

test("backup: the media pull fetches local media (the users' upload too) and the signing key, not remote media", async () => {
  // A remote server's media, as a federated server would cache it.
  const seed = await theLab().exec("synapse1", "mkdir -p /matrix/synapse/storage/media-store/remote_content/cd && echo remote > /matrix/synapse/storage/media-store/remote_content/cd/file");
  expect(seed.status).toBe(0);
  const pull = await theLab().exec("backup1", "systemctl start matrix-media-pull.service && cd /srv/backup && find . -type f | sort");
  const files = pull.stdout.trim().split("\n");
  const mediaId = theSession().media.mxc.split("/").pop()!;
  expect(files).toContain(`./media/local_content/${mediaId.slice(0, 2)}/${mediaId.slice(2, 4)}/${mediaId.slice(4)}`);
  expect(files).toContain(`./synapse-config/${DOMAIN}.signing.key`);
  expect(files.filter((f) => f.includes("remote_content"))).toEqual([]);
  const sums = await Promise.all([theLab().exec("synapse1", `sha256sum < /matrix/synapse/config/${DOMAIN}.signing.key`), theLab().exec("backup1", `sha256sum < /srv/backup/synapse-config/${DOMAIN}.signing.key`)]);
  expect(sums[1].stdout).toBe(sums[0].stdout);
});

test("bounded media cache: the daily prune moves unused uploads off the Synapse host's disk; they still download through the VIP, and the backup keeps them", async () => {
  const mediaId = theSession().media.mxc.split("/").pop()!;
  const local = `/matrix/synapse/storage/media-store/local_content/${mediaId.slice(0, 2)}/${mediaId.slice(2, 4)}/${mediaId.slice(4)}`;
  expect((await theLab().exec("synapse1", `test -f ${local} && echo present`)).stdout.trim()).toBe("present");
  // The timer's unit, run now (media_cache_days: 0 makes every upload due).
  const prune = await theLab().exec("synapse1", "systemctl start matrix-synapse-media-prune.service && systemctl show -p Result --value matrix-synapse-media-prune.service");
  expect({ status: prune.status, result: prune.stdout.trim(), output: prune.status === 0 ? "" : prune.output }).toEqual({ status: 0, result: "success", output: "" });
  expect((await theLab().exec("synapse1", `test -e ${local} && echo present || echo gone`)).stdout.trim()).toBe("gone");
  // A client still gets it, byte for byte: Synapse fetches it back from the object store.
  const token = await adminLogin();
  const download = await theLab().runInControl("sh", ["-c", `${VIP_CURL} -H 'Authorization: Bearer ${token}' https://${DOMAIN}/_matrix/client/v1/media/download/${DOMAIN}/${mediaId} | sha256sum | cut -d' ' -f1`]);
  expect(download.stdout.trim()).toBe(theSession().media.sha256);
  // The backup server's next pull keeps what the cache dropped.
  const pull = await theLab().exec("backup1", `systemctl start matrix-media-pull.service && sha256sum < /srv/backup/media/local_content/${mediaId.slice(0, 2)}/${mediaId.slice(2, 4)}/${mediaId.slice(4)} | cut -d' ' -f1`);
  expect(pull.stdout.trim()).toBe(theSession().media.sha256);
});

test("backup with history: an object deleted from the bucket comes back from the backup server's snapshot, and a config file changed on the Synapse host keeps its earlier version there", async () => {
  const mediaId = theSession().media.mxc.split("/").pop()!;
  const key = `local_content/${mediaId.slice(0, 2)}/${mediaId.slice(2, 4)}/${mediaId.slice(4)}`;
  const mc = "MC_CONFIG_DIR=/root/.mc-lab mc --quiet";
  const asSynapse = `${mc} alias set s3 http://${VIP}:9000 synapse '${secret("minio_synapse")}' >/dev/null`;
  const restic = "restic --repo /srv/backup/restic --password-file /etc/matrix-platform/backup/restic.password --quiet";
  // A config file in its first version, pulled and snapshotted (the timers' units, run now).
  await theLab().exec("synapse1", "echo first > /matrix/synapse/config/lab-history.txt");
  const first = await theLab().exec("backup1", `systemctl start matrix-media-pull.service matrix-media-snapshot.service && ${restic} snapshots --json`);
  expect({ status: first.status, output: first.status === 0 ? "" : first.output }).toEqual({ status: 0, output: "" });
  const firstSnapshot = (JSON.parse(first.stdout) as { short_id: string }[]).at(-1)!.short_id;
  // The object is deleted from the bucket (a mistake, or a bad change upstream)...
  const removed = await theLab().exec("synapse1", [asSynapse, `${mc} rm s3/${MEDIA_BUCKET}/${key} >/dev/null`, `${mc} stat s3/${MEDIA_BUCKET}/${key} >/dev/null 2>&1 && echo still || echo gone`].join("\n"));
  expect(removed.stdout.trim()).toBe("gone");
  // ...and the file changed on the host, pulled and snapshotted again.
  await theLab().exec("synapse1", "echo second > /matrix/synapse/config/lab-history.txt");
  expect((await theLab().exec("backup1", "systemctl start matrix-media-pull.service matrix-media-snapshot.service")).status).toBe(0);
  // The object comes back from the snapshot that held it, byte for byte.
  const restore = await theLab().exec("backup1", `MC_HOST_restore=http://synapse:${secret("minio_synapse")}@${VIP}:9000 matrix-media-restore ${key} ${firstSnapshot}`);
  expect({ status: restore.status, output: restore.status === 0 ? "" : restore.output }).toEqual({ status: 0, output: "" });
  expect(restore.stdout).toContain(`matrix-media-restore: ${MEDIA_BUCKET}/${key} restored from snapshot ${firstSnapshot}`);
  const back = await theLab().exec("synapse1", [asSynapse, `${mc} cat s3/${MEDIA_BUCKET}/${key} | sha256sum | cut -d' ' -f1`].join("\n"));
  expect(back.stdout.trim()).toBe(theSession().media.sha256);
  // Both versions of the config file are in the backup's history.
  const versions = await theLab().exec("backup1", [`${restic} dump ${firstSnapshot} /srv/backup/synapse-config/lab-history.txt`, `${restic} dump latest /srv/backup/synapse-config/lab-history.txt`].join("\n"));
  expect(versions.stdout.trim().split("\n")).toEqual(["first", "second"]);
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

test("the generated runbooks' checks pass for every role on every host (02-infrastructure.md, as written)", async () => {
  const file = labDeployment(theLab().sshKeyPath, bundlePath);
  const blocks = runbookBlocks(file);
  const plan = planCluster(buildTopology(loadDeploymentFile(file)));
  const vipHolder = (await Promise.all(["lb1", "lb2"].map(async (lb) => ((await theLab().exec(lb, `ip -4 -o addr show | grep -c ' ${VIP}/'`)).stdout.trim() === "1" ? lb : "")))).find(Boolean);
  const failed: string[] = [];
  let ran = 0;
  for (const { host, units } of plan.hosts) {
    for (const unit of units) {
      // The keepalived check looks for the VIP, which one load balancer holds.
      if (!blocks.has(`check-${unit.name}`) || (unit.name === "keepalived" && host.name !== vipHolder)) continue;
      const r = await runRunbookBlock(theLab(), host.name, blocks, `check-${unit.name}`);
      ran++;
      if (r.status !== 0) failed.push(`${host.name} check-${unit.name}: ${r.output}`);
    }
  }
  expect(failed).toEqual([]);
  expect(ran).toBeGreaterThan(LAB_HOSTS.length * 2);
});

test("a second apply with nothing changed has nothing to do", async () => {
  const plan = await tofu(stackDir, "plan", "-detailed-exitcode");
  expect({ status: plan.status, summary: /No changes\.|Plan: .*/.exec(plan.output)?.[0] }).toEqual({ status: 0, summary: "No changes." });
});

test("a colleague's fresh synthesis on the same state plans no change either (review copies live in the state, not on a disk)", async () => {
  const colleague = await synthAndInit(labDeployment(theLab().sshKeyPath, bundlePath), "stack-colleague");
  const plan = await tofu(colleague, "plan", "-detailed-exitcode");
  expect({ status: plan.status, summary: /No changes\.|Plan: .*/.exec(plan.output)?.[0] }).toEqual({ status: 0, summary: "No changes." });
});

test("another sync worker re-provisions only the Synapse host (and Prometheus's targets); the new worker runs and the signing key stays", async () => {
  const file = labDeployment(theLab().sshKeyPath, bundlePath, LAB_WORKERS.sync + 1);
  const dir = await synthAndInit(file, "stack-sync2");
  const plan = await tofu(dir, "plan", "-out=more-workers.plan");
  expect(plan.status).toBe(0);
  const show = await tofu(dir, "show", "-json", "more-workers.plan");
  const changes = (JSON.parse(show.stdout).resource_changes as { address: string; change: { actions: string[] } }[]).filter((c) => !c.change.actions.includes("no-op") && !c.change.actions.includes("read"));
  // Replaced: the roles that re-run. Updated in place: the review copies of their changed files (the config diff).
  const acted = (action: string) => changes.filter((c) => c.change.actions.includes(action)).map((c) => c.address).sort();
  expect(acted("delete")).toEqual(["terraform_data.mon1_monitoring", "terraform_data.synapse1_synapse"]);
  expect(acted("update").length).toBeGreaterThan(0);
  expect([...acted("update"), ...acted("create")].filter((a) => !/^terraform_data\.(synapse1_synapse|mon1_monitoring)(_|$)/.test(a))).toEqual([]);
  // What the approver reads (npm run plan's summary): exactly these two hosts and roles,
  // the config lines that change, naming the new worker, and no secret value.
  const summary = summarizePlan(JSON.parse(show.stdout) as PlanJson, { deployment: "lab", planFile: "more-workers.plan" });
  expect([...summary.matchAll(/^### (\S+)$/gm)].map((m) => m[1])).toEqual(["mon1", "synapse1"]);
  expect([...summary.matchAll(/^#### (.+)$/gm)].map((m) => m[1])).toEqual(["monitoring: runs again", "synapse: runs again"]);
  expect(summary).toMatch(new RegExp(`^\\+.*sync-worker-${LAB_WORKERS.sync}`, "m"));
  expect(summary).toContain("- **replace** `terraform_data.synapse1_synapse` (role synapse on synapse1: it runs again): an attribute that cannot change in place changed; forced by `triggers_replace` (its rendered files, script or packages changed)");
  for (const value of allSecrets().values()) expect(summary).not.toContain(value);
  console.log(`the approver's summary of one more sync worker:\n${summary}`);
  const signingKey = () => theLab().exec("synapse1", `sha256sum < /matrix/synapse/config/${DOMAIN}.signing.key`);
  const keyBefore = (await signingKey()).stdout;
  // npm run apply applies exactly the saved plan, from the folder npm run plan writes.
  const planDir = join(tmp.dir, "more-workers.plan");
  mkdirSync(planDir);
  copyFileSync(join(dir, "more-workers.plan"), join(planDir, PLAN_FILE));
  const record: PlanRecord = { deployment: "lab", deploymentFile: file, stackDir: dir, providers: "source-built", planned: new Date().toISOString() };
  writeFileSync(join(planDir, PLAN_RECORD), JSON.stringify(record));
  const npmApply = () => theLab().runInControl(process.execPath, ["--import", TSX_LOADER, join(ROOT, "scripts/apply.ts"), planDir], { cwd: ROOT, env: labEnv(), timeoutMs: 1_800_000 });
  const apply = await npmApply();
  if (apply.status !== 0) throw new Error(applyFailure(apply.output));
  // Applied, the plan is stale: applying it again is refused, nothing is planned anew.
  const again = await npmApply();
  expect({ status: again.status, error: again.stderr.split("\n").filter((l) => l.startsWith("error:")) }).toEqual({ status: 1, error: [expect.stringMatching(/^error: the plan is stale: the state changed after it was made/)] });
  const more = synapseWorkerPlan({ ...LAB_WORKERS, sync: LAB_WORKERS.sync + 1 });
  const r = await theLab().exec("synapse1", `systemctl is-active ${synapseUnits(more).join(" ")}`);
  expect(r.stdout.trim().split("\n")).toEqual(synapseUnits(more).map(() => "active"));
  // The re-run kept the server's signing key.
  expect((await signingKey()).stdout).toBe(keyBefore);
});

/** A client-server API call through the VIP (curl in the control namespace): the HTTP status and the JSON answer ({} if none). */
async function matrixApi(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const curl = `curl -sS --cacert ${join(pkiDir, "ca.crt")} --resolve ${DOMAIN}:443:${VIP} --max-time 20`;
  const r = await theLab().runInControl("sh", ["-c", `${curl} -X ${method} ${token ? `-H 'Authorization: Bearer ${token}'` : ""} ${body === undefined ? "" : "-d @-"} -w '\\n%{http_code}' 'https://${DOMAIN}${path}'`], { input: body === undefined ? "" : JSON.stringify(body) });
  const lines = r.stdout.trim().split("\n");
  const status = Number(lines.at(-1));
  try {
    return { status, json: JSON.parse(lines.slice(0, -1).join("\n")) as Record<string, unknown> };
  } catch {
    return { status, json: {} };
  }
}

const firstAdminLogin = () => matrixApi("POST", "/_matrix/client/v3/login", undefined, { type: "m.login.password", identifier: { type: "m.id.user", user: FIRST_ADMIN }, password: secret("admin_password") });

/** Whether a client asks again after this answer: rate-limited (429), a server error (5xx) or none at all. */
const asksAgain = (status: number) => status === 429 || status >= 500 || status === 0;

/** A new room's id; asked again each second while asksAgain. */
async function createRoom(token: string, name: string): Promise<string> {
  const created = await eventually(`the room "${name}"`, () => matrixApi("POST", "/_matrix/client/v3/createRoom", token, { name }), (r) => !asksAgain(r.status), 30);
  if (created.status !== 200) throw new Error(`creating the room "${name}": HTTP ${created.status} ${JSON.stringify(created.json)}`);
  return created.json.room_id as string;
}

/**
 * Sends `count` messages to the room, each acknowledged (an event id returned) before the
 * next. Like a client, a sender sends again with the same transaction id (so at most one
 * event is made): when rate-limited (429) after as long as Synapse asks, when answered 5xx or
 * not at all after a second (after a failover, Synapse fails a request on each pooled database
 * connection the failover broke, the first time it uses it). Returns each event id with when
 * it was acknowledged.
 */
async function sendAcknowledged(token: string, room: string, label: string, count: number): Promise<{ id: string; at: number }[]> {
  const acknowledged: { id: string; at: number }[] = [];
  for (let i = 0; i < count; i++) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const sent = await matrixApi("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/send/m.room.message/${label}-${i}`, token, { msgtype: "m.text", body: `${label} ${i}` });
      if (sent.status === 200) {
        acknowledged.push({ id: sent.json.event_id as string, at: Date.now() });
        break;
      }
      if (!asksAgain(sent.status) || attempt === 4) throw new Error(`sending message ${label} ${i}: HTTP ${sent.status} ${JSON.stringify(sent.json)}`);
      await new Promise((r) => setTimeout(r, sent.status === 429 ? Math.min(Number(sent.json.retry_after_ms ?? 1000), 10_000) : 1000));
    }
  }
  expect(acknowledged).toHaveLength(count);
  return acknowledged;
}

/** After a restore: a client logs in through the VIP and reads the room; which of the acknowledged messages came back, RTO and RPO. */
async function readBackAfterRestore(room: string, acknowledged: readonly { id: string; at: number }[], started: number) {
  const again = await eventually("a login through the VIP after the restore", firstAdminLogin, (r) => r.status === 200, 300);
  const token = again.json.access_token as string;
  const messages = await eventually("the room's messages", () => matrixApi("GET", `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/messages?dir=b&limit=100`, token), (r) => r.status === 200, 60);
  const rto = (Date.now() - started) / 1000;
  const stored = new Set(((messages.json.chunk ?? []) as { event_id: string }[]).map((e) => e.event_id));
  const newest = [...acknowledged].reverse().find((m) => stored.has(m.id));
  return {
    token,
    rto,
    lost: acknowledged.filter((m) => !stored.has(m.id)),
    rpo: newest ? `${((acknowledged.at(-1)!.at - newest.at) / 1000).toFixed(1)} s` : "everything lost",
    back: acknowledged.filter((m) => stored.has(m.id)).length,
  };
}

/** The media the session uploaded, downloaded through the VIP: its sha256. */
async function sessionMediaSha256(token: string): Promise<string> {
  const mediaId = theSession().media.mxc.split("/").pop()!;
  const curl = `curl -sS -f --cacert ${join(pkiDir, "ca.crt")} --resolve ${DOMAIN}:443:${VIP} --max-time 20`;
  return (await theLab().runInControl("sh", ["-c", `${curl} -H 'Authorization: Bearer ${token}' https://${DOMAIN}/_matrix/client/v1/media/download/${DOMAIN}/${mediaId} | sha256sum | cut -d' ' -f1`])).stdout.trim();
}

/** The Patroni members as db1's patronictl lists them (none while it does not answer). */
const patroniMembersByDb1 = async () => JSON.parse((await theLab().exec("db1", "patronictl -c /etc/patroni/config.yml list -f json")).stdout || "[]") as { Member: string; Role: string; State: string }[];

/** The Patroni leader's name, as db1's patronictl lists it. */
const patroniLeaderByDb1 = async () => (await patroniMembersByDb1()).find((m) => m.Role === "Leader")!.Member;

/** The database tier whole again: db1 leading two running replicas. */
const dbTierLedByDb1 = () =>
  eventually("db1 leading two running replicas", patroniMembersByDb1, (m) => m.length === 3 && m.every((x) => ["running", "streaming"].includes(x.State)) && m.find((x) => x.Role === "Leader")?.Member === "db1", 180);

/** Runs the runbook's blocks in order, each on the hosts it names (`order` may reorder a block's hosts); throws with the host's journal on the first failure. */
async function runRestoreBlocks(blocks: ReturnType<typeof runbookBlocks>, ids: readonly string[], started: number, order: (id: string, hosts: readonly string[]) => readonly string[] = (_id, hosts) => hosts): Promise<void> {
  for (const id of ids) {
    const block = blocks.get(id);
    if (!block) throw new Error(`the runbook has no block ${id}`);
    for (const host of block.on === "operator" ? ["operator"] : order(id, block.on)) {
      const r = host === "operator" ? await runOperatorBlock(theLab(), blocks, id, { timeoutMs: 600_000 }) : await runRunbookBlock(theLab(), host, blocks, id, { timeoutMs: 900_000 });
      if (r.status !== 0) {
        const journal = host === "operator" ? "" : (await theLab().exec(host, "journalctl --since -3min -n 60 --no-pager -o short-monotonic")).stdout;
        throw new Error(`${id} on ${host} failed (exit ${r.status}) after ${((Date.now() - started) / 1000).toFixed(0)} s:\n${r.output}\n--- ${host}'s journal:\n${journal}`);
      }
    }
  }
}

/** The full restore's blocks after its stop steps, in the runbook's order. */
const RESTORE_FROM_BACKUP = ["restore-forget-cluster", "restore-database", "restore-replicas", "restore-one-time-keys", "restore-media", "restore-start-synapse"] as const;

test("the runbook's full restore, run as written: the cluster comes back from the backup server with every acknowledged message, and clients read them and the media", async () => {
  const file = labDeployment(theLab().sshKeyPath, bundlePath, LAB_WORKERS.sync + 1);
  const blocks = runbookBlocks(file);
  const token = await adminLogin();
  const room = await createRoom(token, "before the restore");
  // Messages acknowledged up to the moment the restore begins.
  const acknowledged = await sendAcknowledged(token, room, "restore", 15);

  const started = Date.now();
  const leader = await patroniLeaderByDb1();
  // The step's own words: the leader last.
  await runRestoreBlocks(blocks, ["restore-stop-synapse", "restore-stop-database", ...RESTORE_FROM_BACKUP], started, (id, hosts) => (id === "restore-stop-database" ? [...hosts.filter((h) => h !== leader), leader] : hosts));
  const back = await readBackAfterRestore(room, acknowledged, started);
  console.log(`lab cluster: full restore by the runbook: RTO ${back.rto.toFixed(0)} s (Synapse stopped to a client reading the room again); RPO ${back.rpo} (${back.back} of ${acknowledged.length} acknowledged messages back)`);
  expect(back.lost).toEqual([]);
  // The media too, byte for byte.
  expect(await sessionMediaSha256(back.token)).toBe(theSession().media.sha256);
  expect((await dbTierLedByDb1()).map((m) => m.Member).sort()).toEqual(["db1", "db2", "db3"]);
}, 1_800_000);

/**
 * npm run bench:capacity's cluster half (the other is test/poc-e2e.test.ts's baseline): a
 * steady load of users syncing and each sending a message a second, through the VIP.
 * Figures are printed, not asserted.
 */
test("capacity: clients syncing and sending a message a second through the VIP are all served, nothing acknowledged is lost", async () => {
  const load = capacityLoad();
  const token = await adminLogin();
  const figures = await withCoresBusy(Object.fromEntries(theLab().hosts.map((h) => [h.name, h.machine])), async () => {
    const r = await theLab().runInControl(CLIENT_PYTHON, capacityArgs(`https://${DOMAIN}`, VIP, join(pkiDir, "ca.crt"), load), { env: { ...process.env, MATRIX_ADMIN_TOKEN: token }, timeoutMs: (load.seconds + 600) * 1000 });
    if (r.status !== 0) throw new Error(`matrix_capacity.py: ${r.output}`);
    return parseCapacity(r.stdout);
  });
  console.log(`lab cluster: ${describeCapacity("the small-scale cluster (the lab's 16 hosts on this machine)", figures)}`);
  recordCapacity("cluster", figures);
  expect({ lost: figures.lost, refused: figures.refused, undelivered: figures.undelivered }).toEqual({ lost: 0, refused: 0, undelivered: 0 });
  expect(figures.acknowledged).toBeGreaterThanOrEqual(figures.clients * (figures.seconds - 2));
}, 1_200_000);

/** A fault as caused: the instant it struck (epoch seconds, stamped just before it acted) and what undoes it. */
interface CausedFault {
  readonly at: number;
  readonly undo: () => Promise<void>;
}

const now = () => Date.now() / 1000;

/**
 * Faults with real clients (test/clients/matrix_load.py: three users sending a message every
 * quarter second and syncing, through the VIP), each request stamped at its start and end;
 * each fault is undone after its run (a host that lost power is powered on again and must
 * rejoin). FAULT_RUNS repeats each (npm run bench:failover: 3). Figures are printed, not
 * asserted: what is asserted is that clients are served again after the fault and that every
 * acknowledged message is in the room.
 */
describe("faults with clients sending and syncing through the VIP", () => {
  const runs = Number(process.env.FAULT_RUNS ?? 1);
  const figures: FaultFigures[] = [];
  const curl = VIP_CURL;
  let adminToken = "";
  beforeAll(async () => {
    adminToken = await adminLogin();
  });
  afterAll(() => {
    if (figures.length === 0) return;
    console.log(`lab cluster: faults under client load, ${runs} run(s) each:\n${summarizeFaults(figures)}`);
    if (process.env.FAULT_SUMMARY) writeFileSync(process.env.FAULT_SUMMARY, JSON.stringify(figures));
  });

  const vipHolder = async () => (await Promise.all(["lb1", "lb2"].map(async (lb) => ((await theLab().exec(lb, `ip -4 -o addr show | grep -c ' ${VIP}/'`).catch(() => ({ stdout: "" }))).stdout.trim() === "1" ? lb : "")))).filter(Boolean);
  const patroniList = async () => {
    for (const h of ["db1", "db2", "db3"]) {
      const r = await theLab().exec(h, "patronictl -c /etc/patroni/config.yml list -f json").catch(() => undefined);
      if (r?.status === 0) return JSON.parse(r.stdout) as { Member: string; Role: string; State: string }[];
    }
    return [];
  };
  /** Stops a unit as a fault; what starts it again undoes it. */
  const unitDown = async (host: string, unit: string): Promise<CausedFault> => {
    const at = now();
    await theLab().exec(host, `systemctl stop ${unit}`);
    return { at, undo: async () => void (await theLab().exec(host, `systemctl start ${unit}`)) };
  };
  const dbLeader = async () => (await patroniList()).find((m) => m.Role === "Leader")?.Member;
  // Patroni 3.0 (Debian 12) shows a replica replaying WAL as "running", as later versions show "streaming".
  const wholeDatabaseTier = () => eventually("a leader and two replicas replaying its WAL", patroniList, (m) => m.length === 3 && m.filter((x) => x.Role === "Leader").length === 1 && m.every((x) => ["running", "streaming"].includes(x.State) && (x.Role === "Leader" || "Lag in MB" in x)), 300);

  /**
   * Runs the load `runs` times with the fault caused 10 s in, plus a random part of one
   * Patroni loop: a real fault comes at no particular moment of the cluster's cycles (with a
   * fixed offset, three probed power losses of the leader each came 5 s after its key's
   * renewal, so the key outlived the host by 15 s each time). `cause` stamps the instant it
   * struck and returns what undoes it, run after the load (and after the checks, if they fail).
   */
  async function underFault(fault: string, seconds: number, cause: () => Promise<CausedFault>, afterEach: () => Promise<void> = async () => undefined): Promise<void> {
    for (let i = 0; i < runs; i++) {
      let undo: () => Promise<void> = async () => undefined;
      try {
        const run = await underLoad(theLab(), { base: `https://${DOMAIN}`, entry: VIP, caFile: join(pkiDir, "ca.crt"), adminToken, workDir: tmp.dir, seconds, users: 3, faultAfter: 10 + Math.random() * PATRONI_TIMING.loopWait }, async () => {
          const caused = await cause();
          undo = caused.undo;
          return caused.at;
        });
        figures.push(faultFigures(fault, run));
        console.log(`lab cluster: ${describeRun(fault, run)}`);
        if ([run.sends, run.syncs].some((r) => outage(r, run.faultAt) === "no recovery")) {
          const errors = await theLab().exec("synapse1", "journalctl --since '-4m' --no-pager -o cat -u 'matrix-synapse*' | grep -E 'ERROR|WARNING|Error' | tail -40");
          console.log(`lab cluster: ${fault}: clients not served again; Synapse's last errors:\n${errors.stdout}`);
        }
        expect({ missing: run.missing, historyRead: run.historyRead }).toEqual({ missing: [], historyRead: true });
        for (const requests of [run.sends, run.syncs]) expect(outage(requests, run.faultAt)).not.toBe("no recovery");
        expect(run.sends.filter((s) => s.ok && s.start > run.faultAt).length).toBeGreaterThan(10);
        await afterEach();
      } finally {
        await undo();
      }
    }
  }

  test("a sync worker killed (SIGKILL): systemd starts it again and its clients sync again", async () => {
    const unit = `matrix-synapse-worker@${WORKERS.find((w) => w.id.startsWith("sync-worker"))!.id}.service`;
    const pid = async () => (await theLab().exec("synapse1", `systemctl show -p MainPID --value ${unit}`)).stdout.trim();
    await underFault("a sync worker killed", 45, async () => {
      const before = await pid();
      const at = now();
      await theLab().exec("synapse1", `systemctl kill -s KILL ${unit}`);
      return { at, undo: async () => void (await eventually(`${unit} running again`, pid, (p) => p !== "0" && p !== before, 60)) };
    });
  }, 1_800_000);

  test("a hung HAProxy (SIGSTOP) on the VIP holder: the VIP moves and clients are served through the other load balancer", async () => {
    await underFault("HAProxy hung on the VIP holder", 45, async () => {
      const [holder] = await eventually("one load balancer holding the VIP", vipHolder, (h) => h.length === 1, 30);
      const at = now();
      await theLab().exec(holder, "pkill -STOP -x haproxy");
      return { at, undo: async () => void (await theLab().exec(holder, "pkill -CONT -x haproxy")) };
    });
  }, 1_800_000);

  test("one etcd member down: Patroni keeps its leader and clients are served", async () => {
    const leader = await dbLeader();
    await underFault(
      "one etcd member down",
      45,
      () => unitDown(["db1", "db2", "db3"].find((h) => h !== leader)!, "etcd.service"),
      async () => expect(await dbLeader()).toBe(leader),
    );
  }, 1_800_000);

  test("one MinIO node down: clients are served, and an upload made meanwhile downloads byte for byte", async () => {
    const file = join(tmp.dir, "while-a-minio-node-is-down.bin");
    const sha256 = async (cmd: string) => (await theLab().runInControl("sh", ["-c", `${cmd} | sha256sum | cut -d' ' -f1`])).stdout.trim();
    await underFault(
      "one MinIO node down",
      45,
      () => unitDown("obj4", "minio.service"),
      async () => {
        await theLab().runInControl("sh", ["-c", `head -c 300000 /dev/urandom > ${file}`]);
        // Without -f: a refusal's status and body are the failure's message, with the media
        // worker's errors and the object store's drives as MinIO counts them.
        const answered = `${curl.replace(" -f ", " ")} -w '\\n%{http_code}' -H 'Authorization: Bearer ${adminToken}'`;
        const whyRefused = async () => {
          const errors = await theLab().exec("synapse1", "journalctl --since '-3m' --no-pager -o cat -u 'matrix-synapse-worker@media-repository-0' | grep -E -A6 'ERROR|WARNING|Error' | tail -60");
          const drives = await theLab().exec("obj1", "MC_CONFIG_DIR=/root/.mc-matrix-platform mc --quiet admin info local --json");
          const backend = (JSON.parse(drives.stdout || "{}") as { info?: { backend?: unknown } }).info?.backend;
          console.log(`lab cluster: with obj4 down, the object store: ${JSON.stringify(backend)}; the media worker's last errors:\n${errors.stdout}`);
        };
        const uploaded = await theLab().runInControl("sh", ["-c", `${answered} -H 'Content-Type: application/octet-stream' --data-binary @${file} 'https://${DOMAIN}/_matrix/media/v3/upload?filename=down.bin'`]);
        const mxc = /"content_uri":"mxc:\/\/([^"]+)"/.exec(uploaded.stdout)?.[1];
        if (!mxc) await whyRefused();
        expect({ upload: mxc ? "stored" : uploaded.output }).toEqual({ upload: "stored" });
        const downloaded = await theLab().runInControl("sh", ["-c", `${answered} -o ${file}.down https://${DOMAIN}/_matrix/client/v1/media/download/${mxc}`]);
        if (downloaded.stdout.trim() !== "200") await whyRefused();
        expect({ download: downloaded.stdout.trim(), sha256: await sha256(`cat ${file}.down`) }).toEqual({ download: "200", sha256: await sha256(`cat ${file}`) });
      },
    );
  }, 1_800_000);

  test("one Coturn host down: clients are served, and the TURN credentials Synapse hands out still give an allocation on the other", async () => {
    await underFault(
      "one Coturn host down",
      40,
      () => unitDown("turn1", "coturn.service"),
      async () => {
        const turn = JSON.parse((await theLab().runInControl("sh", ["-c", `${curl} -H 'Authorization: Bearer ${adminToken}' https://${DOMAIN}/_matrix/client/v3/voip/turnServer`])).stdout) as { username: string; password: string; uris: string[] };
        expect(turn.uris).toEqual(expect.arrayContaining([`turn:${addressOf("turn2")}:3478?transport=udp`]));
        expect(await relayThrough("turn2", ["-u", turn.username, "-w", turn.password], 15)).toContain("Total lost packets 0 (0.000000%)");
      },
    );
  }, 1_800_000);

  test("the backup server loses power: clients are served meanwhile, and WAL archiving catches up once it is back", async () => {
    const leader = (await dbLeader())!;
    const archiver = async () => (await theLab().exec(leader, `runuser -u postgres -- psql -Atc "SELECT archived_count, failed_count FROM pg_stat_archiver"`)).stdout.trim().split("|").map(Number);
    const [archivedBefore, failedBefore] = await archiver();
    await underFault(
      "power loss of the backup server",
      45,
      async () => {
        const at = now();
        theLab().crash("backup1");
        return {
          at,
          undo: async () => {
            await theLab().powerOn("backup1");
            // A WAL switch pushed through to the repository: archiving works again, and what
            // piled up meanwhile went first (PostgreSQL archives in order).
            const check = await eventually("pgbackrest check from the backup server", () => theLab().exec("backup1", "runuser -u postgres -- pgbackrest --stanza=lab-all check"), (r) => r.status === 0, 300);
            expect(check.status).toBe(0);
            const [archived, failed] = await archiver();
            console.log(`lab cluster: WAL archiving after the backup server's return: ${archived - archivedBefore} segments archived since the fault began, ${failed - failedBefore} attempts failed meanwhile`);
            expect(archived).toBeGreaterThan(archivedBefore);
          },
        };
      },
      async () => {
        // While it is down, a forced WAL switch cannot be archived: PostgreSQL counts the failed
        // attempts (each waits for pgBackRest to give up on the silent host) and keeps the WAL.
        await theLab().exec(leader, `runuser -u postgres -- psql -Atc "SELECT pg_switch_wal()"`);
        expect((await eventually("an archiving failure", archiver, ([, failed]) => failed > failedBefore, 180))[1]).toBeGreaterThan(failedBefore);
      },
    );
  }, 1_800_000);

  test("the Patroni leader's host loses power: a standby takes over, clients are served again, nothing acknowledged is lost, and the host rejoins as a replica", async () => {
    await wholeDatabaseTier();
    await underFault(
      "power loss of the Patroni leader",
      75,
      async () => {
        const leader = (await dbLeader())!;
        // Both leaders on one host would add an etcd election and a full ttl (etcd-leader-away.timer prevents it).
        const etcdLeader = await etcdLeaderHost(theLab(), leader);
        const lostAt = now();
        theLab().crash(leader);
        return {
          at: lostAt,
          undo: async () => {
            // Where the outage's seconds went, from the survivors' journals.
            const since = async (host: string, unit: string, pattern: string) => {
              const r = await theLab().exec(host, `journalctl -u ${unit} --since @${Math.floor(lostAt)} -o short-unix --no-pager | grep -m1 -E '${pattern}'`).catch(() => undefined);
              const at = Number(r?.stdout.split(" ")[0]);
              return at > 0 ? `${(at - lostAt).toFixed(1)} s` : "-";
            };
            const standbys = ["db1", "db2", "db3"].filter((h) => h !== leader);
            const promoted = await Promise.all(standbys.map(async (h) => `${h} ${await since(h, "patroni.service", "promoted self to leader")}`));
            const [holder] = await vipHolder();
            console.log(
              `lab cluster: ${leader} (the PostgreSQL leader; etcd's leader was ${etcdLeader}) lost power; after it: HAProxy on ${holder} marked it down at ${await since(holder, "haproxy.service", `postgres_primary/${leader} is DOWN`)}; promoted: ${promoted.join(", ")}; HAProxy admitted a new leader at ${await since(holder, "haproxy.service", "postgres_primary/db[0-9]+ is UP")}`,
            );
            await theLab().powerOn(leader);
            await wholeDatabaseTier();
          },
        };
      },
      async () => expect(await dbLeader()).toBeDefined(),
    );
  }, 3_600_000);

  test("the VIP holder loses power: the other load balancer takes the VIP, clients are served again, and the host comes back as the backup", async () => {
    await underFault("power loss of the VIP holder", 45, async () => {
      const [holder] = await eventually("one load balancer holding the VIP", vipHolder, (h) => h.length === 1, 30);
      const at = now();
      theLab().crash(holder);
      return {
        at,
        undo: async () => {
          await theLab().powerOn(holder);
          expect((await eventually(`HAProxy and Keepalived running on ${holder}`, () => theLab().exec(holder, "systemctl is-active haproxy.service keepalived.service"), (r) => r.status === 0, 120)).status).toBe(0);
          expect(await vipHolder()).toHaveLength(1);
        },
      };
    });
  }, 1_800_000);
});

/**
 * The runbook's "Full restore onto new hosts": the database hosts and the Synapse host lose
 * power together and come back as new machines (empty disks, new SSH host keys, same names
 * and addresses). Its blocks run as written; its provisioning step runs as its `npm run plan
 * --replace` plans it (the same addresses, constructs/plan.ts's hostUnitAddresses), applied
 * to the lab's stack, which has its own state and source-built providers.
 */
test("the runbook's full restore onto new hosts: the database hosts and the Synapse host replaced by empty machines with new SSH keys come back from the backup server; clients read their room, messages and media", async () => {
  const file = labDeployment(theLab().sshKeyPath, bundlePath, LAB_WORKERS.sync + 1);
  const blocks = runbookBlocks(file);
  const plan = planCluster(buildTopology(loadDeploymentFile(file)));
  const lost = ["db1", "db2", "db3", "synapse1"];
  const token = await adminLogin();
  const room = await createRoom(token, "before the new hosts");
  // Archived: as after archive_timeout, the leader's WAL up to here is on the backup server.
  const archived = await sendAcknowledged(token, room, "archived", 10);
  const leader = await patroniLeaderByDb1();
  expect((await theLab().exec(leader, "runuser -u postgres -- pgbackrest --stanza=lab-all check")).status).toBe(0);
  // Not archived yet when the power goes: these may be lost (the RPO printed).
  const recent = await sendAcknowledged(token, room, "recent", 5);
  const signingKey = async () => (await theLab().exec("synapse1", `sha256sum < /matrix/synapse/config/${DOMAIN}.signing.key`)).stdout;
  const keyBefore = await signingKey();
  const oldKeys = new Map(lost.map((h) => [h, theLab().host(h).hostPublicKey]));

  const started = Date.now();
  for (const h of lost) theLab().crash(h);
  for (const h of lost) await theLab().replaceMachine(h);
  console.log(`lab cluster: ${lost.join(", ")} replaced by new machines in ${((Date.now() - started) / 1000).toFixed(0)} s`);

  // 1. Their new keys pinned in place of the old ones.
  await runRestoreBlocks(blocks, ["restore-new-host-keys"], started);
  const pinned = readFileSync(join(tmp.dir, "lab.known_hosts"), "utf8");
  for (const h of lost) {
    expect(pinned).toContain(`${addressOf(h)} ${theLab().host(h).hostPublicKey}`);
    expect(pinned).not.toContain(oldKeys.get(h)!);
  }
  // 2. The Synapse configuration and signing key, before Synapse's unit.
  await runRestoreBlocks(blocks, ["restore-new-synapse-config"], started);
  // 3. Every unit of each new machine.
  const dir = await synthAndInit(file, "stack-new-hosts");
  const replace = lost.flatMap((h) => replaceAddresses(plan, dir, h));
  const provisioned = Date.now();
  const apply = await tofu(dir, "apply", "-auto-approve", ...replace.map((a) => `-replace=${a}`));
  if (apply.status !== 0) throw new Error(`${applyFailure(apply.output)}\n${await databasePathState()}`);
  console.log(`lab cluster: the new machines' ${replace.length} units applied in ${((Date.now() - provisioned) / 1000).toFixed(0)} s (${/Apply complete! .*/.exec(apply.output)?.[0]})`);
  expect((await signingKey())).toBe(keyBefore);
  // 4. The full restore, its step 2 only stopping Patroni.
  await runRestoreBlocks(blocks, ["restore-stop-synapse", "restore-new-stop-database", ...RESTORE_FROM_BACKUP], started);

  const back = await readBackAfterRestore(room, [...archived, ...recent], started);
  console.log(`lab cluster: full restore onto new hosts by the runbook: RTO ${back.rto.toFixed(0)} s (power loss to a client reading the room again); RPO ${back.rpo} (${back.back} of ${archived.length + recent.length} acknowledged messages back: every archived one ${archived.every((m) => !back.lost.includes(m)) ? "included" : "NOT included"})`);
  expect(back.lost.filter((m) => archived.includes(m))).toEqual([]);
  expect(await sessionMediaSha256(back.token)).toBe(theSession().media.sha256);
  expect(await signingKey()).toBe(keyBefore);
  expect((await dbTierLedByDb1()).map((m) => m.Member).sort()).toEqual(["db1", "db2", "db3"]);
  // The new machines carry on as the old: a message sent now is served and archived.
  await sendAcknowledged(back.token, room, "after", 1);
  expect((await theLab().exec("db1", "runuser -u postgres -- pgbackrest --stanza=lab-all check")).status).toBe(0);
}, 3_600_000);
