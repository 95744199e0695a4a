// The object store as rendered for onprem-small, run for real: MinIO and mc built from
// the Go module proxy exactly as the offline bundle builds them, the four nodes each in
// its own network namespace with its rendered /etc/default/minio (4 drives each), HAProxy
// with lb1's rendered config holding the VIP, and the first node's rendered setup script.
// Synapse's side is a client namespace at synapse1's address using Synapse's credentials.
// Cold, the Go builds take about 5 minutes (shared with test/bundle.test.ts via .cache).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { OnPremDeployment } from "../constructs/deployment/model";
import { buildTopology } from "../constructs/topology/resolve";
import { MINIO_SETUP } from "../constructs/roles/minio";
import { mediaStore } from "../constructs/roles/minio";
import { BUNDLE_BINARIES } from "../tools/bundle/binaries";
import { buildGoBinary } from "../tools/bundle/go-build";
import { loadExample, ROOT } from "./helpers/examples";
import { materializeHost } from "./helpers/host-files";
import { bridgedHosts, type BridgedHosts } from "./helpers/netns-bridge";
import { program, run, tempDir } from "./helpers/programs";

const deployment = loadExample("onprem-small") as OnPremDeployment;
const topology = buildTopology(deployment);
const store = mediaStore(topology)!;
const tmp = tempDir("object-store");
const prefix = `mxs3-${process.pid}`;
/** The namespace naming of bridgedHosts (helpers/netns-bridge.ts). */
const nsOf = (host: string) => `${prefix}-${host}`;
const nodes = topology.hosts.filter((h) => h.roles.includes("minio"));
const lb = topology.hosts.find((h) => h.name === "lb1")!;
const client = topology.hosts.find((h) => h.name === "synapse1")!;
const hosts = [...nodes, lb, client];
const secret = (name: string) => `test-${name}`;
let bin: string;
const DRIVES = join(tmp.dir, "drives");
let network: BridgedHosts | undefined;

/** A host's rendered files under tmp/<host>/, secrets as test values, paths pointing there. */
function materialize(host: string): string {
  const root = join(tmp.dir, host);
  // Drives keep one path on every node, as MinIO requires: each node's own folder is
  // bind-mounted there in the node's private mount namespace (see beforeAll).
  return materializeHost(deployment, host, root, (text) => text.replace(/(?<![\w/])\/(etc\/(?:default|matrix-platform|haproxy))\//g, `${root}/$1/`).replaceAll("/srv/minio/", `${DRIVES}/`));
}

const children: Array<ChildProcess & { log: () => string }> = [];
function startIn(host: string, file: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess & { log: () => string } {
  const child = spawn(program("ip"), ["netns", "exec", nsOf(host), file, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] }) as ChildProcess & { log: () => string };
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  child.log = () => log;
  children.push(child);
  return child;
}
const inNs = (host: string, file: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) =>
  run("ip", ["netns", "exec", nsOf(host), file, ...args], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...env } });
async function until(what: string, check: () => boolean, seconds: number, log: () => string = () => ""): Promise<void> {
  for (let i = 0; i < seconds * 2; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}\n${log().slice(-3000)}`);
}

/** mc as Synapse, from synapse1's namespace, against the S3 endpoint Synapse is given. */
const mcConfig = join(tmp.dir, "mc-synapse");
const synapseMc = (...args: string[]) => inNs(client.name, join(bin, "mc"), ["--quiet", ...args], { MC_CONFIG_DIR: mcConfig });

beforeAll(async () => {
  bin = join(tmp.dir, "bin");
  for (const name of ["minio", "mc"] as const) buildGoBinary(BUNDLE_BINARIES[name], bin, join(ROOT, ".cache/bundle/go-bin"));

  // One bridge, one namespace per host; each namespace sees the rendered /etc/hosts.
  network = bridgedHosts(prefix, hosts.map((h) => ({ ...h, extra: h === lb ? [deployment.onprem.vip!] : [] })));
  for (const h of hosts) {
    mkdirSync(`/etc/netns/${nsOf(h.name)}`, { recursive: true });
    writeFileSync(`/etc/netns/${nsOf(h.name)}/hosts`, readFileSync(join(materialize(h.name), "etc/matrix-platform/base/hosts"), "utf8"));
  }

  for (const n of nodes) {
    const root = join(tmp.dir, n.name);
    const env = Object.fromEntries(run("sh", ["-c", `set -a; . '${root}/etc/default/minio'; env | grep ^MINIO_`]).stdout.trim().split("\n").map((l) => l.split(/=(.*)/s).slice(0, 2)));
    for (let d = 1; d <= 4; d++) mkdirSync(join(root, `drives/disk${d}`), { recursive: true });
    mkdirSync(DRIVES, { recursive: true });
    // MINIO_CI_CD: the drives here are directories on this machine's root filesystem, which
    // a distributed MinIO otherwise refuses (on the hosts, each is a disk of its own).
    const mountOwnDrives = `mount --bind '${root}/drives' '${DRIVES}' && exec "$0" "$@"`;
    startIn(n.name, program("unshare"), ["--mount", "--propagation", "private", "sh", "-c", mountOwnDrives, join(bin, "minio"), "server", ...env.MINIO_OPTS.split(" "), ...env.MINIO_VOLUMES.split(" ")], { ...env, MINIO_CI_CD: "1" });
  }
  const haproxy = startIn(lb.name, program("haproxy"), ["-db", "-f", join(tmp.dir, lb.name, "etc/haproxy/haproxy.cfg")]);
  const setup = join(tmp.dir, nodes[0].name, MINIO_SETUP);
  const first = inNs(nodes[0].name, "sh", [setup], { MC_CONFIG_DIR: join(tmp.dir, "mc-root") });
  if (first.status !== 0) throw new Error(`setup failed: ${first.output}\n${children.map((c) => c.log().slice(-1500)).join("\n")}`);
  await until("HAProxy to see a MinIO node", () => synapseMc("alias", "set", "s3", store.endpoint, store.accessKeyId, secret("minio_synapse")).status === 0, 60, haproxy.log);
}, 900_000);

afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  network?.remove();
  for (const h of hosts) rmSync(`/etc/netns/${nsOf(h.name)}`, { recursive: true, force: true });
  tmp.remove();
});

const rootMc = (...args: string[]) => inNs(nodes[0].name, join(bin, "mc"), ["--quiet", ...args], { MC_CONFIG_DIR: join(tmp.dir, "mc-root") });

test("the four nodes form one erasure set of 16 drives with 4 parity drives (EC:4)", async () => {
  // A node that has just joined reports "initializing" for a moment (seen in CI).
  const adminInfo = () => JSON.parse(rootMc("admin", "info", "local", "--json").stdout);
  await until("every MinIO node online", () => adminInfo().info.servers.every((s: { state: string }) => s.state === "online"), 60);
  const info = adminInfo();
  expect(info.info.servers).toHaveLength(4);
  expect(info.info.servers.every((s: { state: string }) => s.state === "online")).toBe(true);
  expect(info.info.backend.onlineDisks).toBe(16);
  expect(info.info.backend.standardSCParity).toBe(4);
  expect(info.info.pools ? Object.keys(info.info.pools) : ["0"]).toHaveLength(1);
});

test("HAProxy's health checks see all four MinIO nodes up", async () => {
  const stats = () => inNs(lb.name, "curl", ["-fsS", "-u", "admin:test-haproxy_stats", `http://${lb.address}:8404/stats;csv`]).stdout;
  const up = () => stats().split("\n").filter((l) => l.startsWith("s3,obj") && l.split(",")[17] === "UP").length;
  await until("4 MinIO nodes UP in HAProxy", () => up() === 4, 30, stats);
  expect(up()).toBe(4);
});

test("Synapse's credentials write and read back a media file through HAProxy on the VIP", () => {
  const file = join(tmp.dir, "media.bin");
  const content = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256));
  writeFileSync(file, content);
  const outcome = (r: { status: number | null; output: string }) => ({ status: r.status, output: r.status === 0 ? "" : r.output });
  expect(outcome(synapseMc("cp", file, `s3/${store.bucket}/local_content/ab/cd/media.bin`))).toEqual({ status: 0, output: "" });
  const back = join(tmp.dir, "media.back");
  expect(outcome(synapseMc("cp", `s3/${store.bucket}/local_content/ab/cd/media.bin`, back))).toEqual({ status: 0, output: "" });
  expect(readFileSync(back).equals(content)).toBe(true);
});

test("Synapse's user is confined to its bucket: no new buckets, no other bucket, no admin", () => {
  expect(rootMc("mb", "--ignore-existing", "local/other").status).toBe(0);
  expect(synapseMc("mb", "s3/synapse-extra").status).not.toBe(0);
  expect(synapseMc("ls", "s3/other").status).not.toBe(0);
  expect(synapseMc("admin", "info", "s3").status).not.toBe(0);
});

test("the backup server's user reads the bucket and nothing more: no upload, no delete, no other bucket", () => {
  const backupMc = (...args: string[]) => inNs(client.name, join(bin, "mc"), ["--quiet", ...args], { MC_CONFIG_DIR: join(tmp.dir, "mc-backup") });
  expect(backupMc("alias", "set", "s3", store.endpoint, "backup", secret("minio_backup")).status).toBe(0);
  const copy = join(tmp.dir, "media.backup");
  expect(backupMc("cp", `s3/${store.bucket}/local_content/ab/cd/media.bin`, copy).status).toBe(0);
  expect(readFileSync(copy).equals(readFileSync(join(tmp.dir, "media.bin")))).toBe(true);
  expect(backupMc("cp", copy, `s3/${store.bucket}/local_content/ab/cd/overwrite.bin`).status).not.toBe(0);
  expect(backupMc("rm", `s3/${store.bucket}/local_content/ab/cd/media.bin`).status).not.toBe(0);
  expect(backupMc("ls", "s3/other").status).not.toBe(0);
  expect(synapseMc("stat", `s3/${store.bucket}/local_content/ab/cd/media.bin`).status).toBe(0);
});

test("the setup script runs again without error, and Synapse's access is unchanged", () => {
  const again = inNs(nodes[0].name, "sh", [join(tmp.dir, nodes[0].name, MINIO_SETUP)], { MC_CONFIG_DIR: join(tmp.dir, "mc-root") });
  expect(again.status).toBe(0);
  expect(synapseMc("stat", `s3/${store.bucket}/local_content/ab/cd/media.bin`).status).toBe(0);
});

test("with one node down the media is still served (EC:4 tolerates a whole node)", async () => {
  const last = children[nodes.length - 1];
  last.kill("SIGKILL");
  await until("HAProxy to mark the node down and reads to succeed", () => synapseMc("cat", `s3/${store.bucket}/local_content/ab/cd/media.bin`).status === 0, 60);
  expect(synapseMc("stat", `s3/${store.bucket}/local_content/ab/cd/media.bin`).status).toBe(0);
});
