// The lab: N Debian 12 hosts on this machine for tests that provision them over real SSH.
//
// Each host is a systemd-nspawn container booted with real systemd and real sshd, its root
// an overlayfs over the shared debootstrapped base (tools/lab/base-image.sh), in its own
// network namespace. All hosts and a control namespace (the "operator machine": tests run
// ssh and tofu there) hang on one Linux bridge that lives in a namespace of its own and
// has no uplink: no NAT, no route out, nothing touched in the root namespace (ip_forward
// included). Every name starts with `mxlab-<owner pid>-`, so a crashed run is recognised
// and removed by cleanupStaleLabs(); a detached reaper does the same as soon as the owning
// process dies, whatever killed it.
//
// Needs root, systemd-nspawn, debootstrap, iproute2, ssh, util-linux: scripts/setup-tests.sh
// (scripts/deps/lab.sh) installs them and builds the base.
//
//   npx tsx tools/lab/lab.ts cleanup      removes what dead owners left behind
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { runAsync } from "../programs";

/** Every lab resource's name starts with this, then the owning process's PID and a dash. */
export const LAB_PREFIX = "mxlab-";

const ROOT = join(__dirname, "..", "..");
const BASE_SCRIPT = join(__dirname, "base-image.sh");
const BOOT_SCRIPT = join(__dirname, "boot-host.sh");
/** The shared base image (tools/lab/base-image.sh builds it; $LAB_BASE_DIR overrides). */
export const LAB_BASE_DIR = process.env.LAB_BASE_DIR ?? join(ROOT, ".cache", "lab", "bookworm-base");
const SETUP_HINT = "run scripts/setup-tests.sh as root (scripts/deps/lab.sh installs systemd-container, debootstrap, iproute2, openssh-client and builds the lab base)";
const PROGRAMS = ["systemd-nspawn", "debootstrap", "ip", "nsenter", "unshare", "ssh", "ssh-keygen", "tail"] as const;
const PATH_IN_HOST = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const BRIDGE = "br0";

export interface LabHostSpec {
  /** Host name inside the container; lower-case letters, digits and dashes. */
  readonly name: string;
  /** IPv4 address on the lab bridge. */
  readonly address: string;
}

export interface LabOptions {
  /** Short tag (lower-case letters, digits, dashes); the lab's id adds the prefix and the PID. */
  readonly name: string;
  /** CIDR of the lab network (default: the /24 of controlAddress). */
  readonly subnet?: string;
  readonly hosts: readonly LabHostSpec[];
  /** The control namespace's address on the bridge. */
  readonly controlAddress: string;
  /** How long booting may take until every sshd accepts the key (default 120 s). */
  readonly bootTimeoutMs?: number;
}

export interface LabHost {
  readonly name: string;
  readonly address: string;
  /** The host's network namespace (/run/netns/<netns>). */
  readonly netns: string;
  /** The nspawn machine name (also its cgroup's name). */
  readonly machine: string;
  /** The host's SSH host key, as in known_hosts / a tofu connection's host_key. */
  readonly hostPublicKey: string;
  /** The container's console output (boot messages). */
  readonly consoleLog: string;
  /** The overlay's writable layer: everything the host changed relative to the base. */
  readonly upperDir: string;
}

export interface ExecResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr together, for messages. */
  readonly output: string;
}

export interface ExecOptions {
  readonly input?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Killed (SIGKILL) after this long; default 300 s. */
  readonly timeoutMs?: number;
}

export interface HostMemory {
  readonly host: string;
  /** Sum of the proportional set size of the container's processes. */
  readonly pssKiB: number;
  readonly processes: number;
}

export interface Lab {
  /** `mxlab-<pid>-<name>`: every resource of this lab is named after it. */
  readonly id: string;
  readonly hosts: readonly LabHost[];
  /** The operator machine's network namespace: run ssh and tofu there (runInControl). */
  readonly controlNs: string;
  readonly controlAddress: string;
  /** The namespace holding the bridge. */
  readonly bridgeNs: string;
  readonly prefixLength: number;
  /** The lab's temp dir (keys, overlays, logs). */
  readonly dir: string;
  /** Private ed25519 key authorized for root and `debian` on every host. */
  readonly sshKeyPath: string;
  /** known_hosts with every host's key, by name and by address. */
  readonly knownHostsPath: string;
  /** An ssh_config naming every host (`ssh -F <it> h1`), strict host key checking. */
  readonly sshConfigPath: string;
  /** Milliseconds: network set-up, and boot until every sshd accepted the key. */
  readonly timings: { readonly networkMs: number; readonly bootMs: number };
  host(name: string): LabHost;
  /** Runs `sh -c command` as root inside the host (nsenter into all its namespaces; no SSH). */
  exec(hostName: string, command: string, opts?: ExecOptions): Promise<ExecResult>;
  /** Runs command on the host over SSH from the control namespace (default user root). */
  sshExec(hostName: string, command: string, user?: string, opts?: ExecOptions): Promise<ExecResult>;
  /** Arguments for ssh from the control namespace, e.g. ["-F", cfg, "-l", "debian", "h1"]. */
  sshArgs(hostName: string, user?: string): string[];
  /** Runs a program in the control namespace (`ip netns exec <controlNs> cmd args`). */
  runInControl(cmd: string, args: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  memory(): HostMemory[];
  /** Power loss: the host's link to the bridge goes down, then SIGKILL of its init, so every process dies at once and peers hear nothing more. */
  crash(hostName: string): void;
  /** Power back after crash(): the host boots again from its own disk (the overlay's writable layer is kept), its link comes up; resolves once sshd accepts the lab key. */
  powerOn(hostName: string, timeoutMs?: number): Promise<void>;
  /**
   * A new machine in the host's place (a running host loses power first): same name and
   * address, empty disks (the root is the base image again, /srv empty), a new SSH host key
   * and machine id. The lab's known_hosts, the operator's own, takes the new key; pinning it
   * for the deployment is the operator's step. Resolves once sshd accepts the lab key.
   */
  replaceMachine(hostName: string, timeoutMs?: number): Promise<void>;
  /** Removes every process, mount, namespace, cgroup and the temp dir. Idempotent. */
  destroy(): Promise<void>;
}

// ---------------------------------------------------------------- small helpers

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"].filter(Boolean);
  for (const dir of dirs) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // next
    }
  }
  return undefined;
}

/** Throws (never skips) when the lab cannot run here, saying what to do. */
export function checkLabPrerequisites(): void {
  const missing = PROGRAMS.filter((p) => !findProgram(p));
  if (missing.length) throw new Error(`lab: ${missing.join(", ")} not installed: ${SETUP_HINT}`);
  if (process.getuid?.() !== 0) throw new Error("lab: must run as root (network namespaces, mounts, systemd-nspawn)");
}

/** Runs a program to completion; throws with its output unless it exits 0. */
function must(cmd: string, args: readonly string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 120_000, ...(input !== undefined ? { input } : {}) });
  if (r.status !== 0) {
    throw new Error(`lab: ${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}${r.error ? `, ${r.error.message}` : ""}):\n${r.stdout ?? ""}${r.stderr ?? ""}`);
  }
  return r.stdout;
}

function ipv4(text: string, what: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  const octets = m ? m.slice(1).map(Number) : [];
  if (!m || octets.some((o) => o > 255)) throw new Error(`lab: ${what}: "${text}" is not an IPv4 address`);
  return ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
}

const NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** The processes in a cgroup tree (nspawn's own cgroup per host: the container and nspawn). */
function cgroupProcs(dir: string): number[] {
  if (!existsSync(dir)) return [];
  const pids: number[] = [];
  const walk = (d: string) => {
    try {
      for (const line of readFileSync(join(d, "cgroup.procs"), "utf8").split("\n")) if (line) pids.push(Number(line));
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
    } catch {
      // removed meanwhile
    }
  };
  walk(dir);
  return pids;
}

/** Whether this host mounts cgroup v2 alone, not the hybrid layout (v1 controllers, name=systemd, v2 under unified/). */
const unifiedCgroups = () => existsSync("/sys/fs/cgroup/cgroup.controllers");

/** The cgroup hierarchies nspawn uses: the v2 root, or on a hybrid host name=systemd + unified. */
function cgroupRoots(): string[] {
  if (unifiedCgroups()) return ["/sys/fs/cgroup"];
  return ["/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified"].filter((d) => existsSync(d));
}

/** Where a machine's cgroup v2 accounting (cpu.stat, memory.current, ...) is: the v2 root or its hybrid mount. */
export function cgroupV2Root(): string {
  return unifiedCgroups() ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
}

/** Gone or a zombie. */
function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** The container's PID 1: nspawn's child. */
function leaderOf(nspawnPid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${nspawnPid}/task/${nspawnPid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    return children[0];
  } catch {
    return undefined;
  }
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * Tears down the resources named: kills every process in the machines' cgroups (each
 * container's PID 1 first, which ends its whole PID namespace, and with it the private
 * mount namespace holding its overlay) and the given PIDs, removes the cgroups, deletes
 * the network namespaces (their veths and the bridge go with them) and the directories.
 */
function teardown(machines: readonly string[], extraPids: readonly number[], netns: readonly string[], dirs: readonly string[]): string[] {
  const problems: string[] = [];
  const groups = machines.flatMap((m) => cgroupRoots().map((r) => join(r, m)));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const pids = [...new Set([...groups.flatMap(cgroupProcs), ...extraPids])].filter((p) => !processGone(p));
    if (!pids.length) break;
    if (Date.now() > deadline) {
      problems.push(`processes still alive: ${pids.join(" ")}`);
      break;
    }
    // PID 1 of each container first: the kernel then kills the rest of its namespace.
    for (const p of pids) if (cmdline(p)[0]?.endsWith("systemd-nspawn")) { const l = leaderOf(p); if (l) kill(l, "SIGKILL"); }
    for (const p of pids) kill(p, "SIGKILL");
    sleepSync(100);
  }
  for (const g of groups) {
    if (!existsSync(g)) continue;
    const dirsDeepestFirst: string[] = [];
    const walk = (d: string) => {
      try {
        for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
      } catch {
        // gone
      }
      dirsDeepestFirst.push(d);
    };
    walk(g);
    for (const d of dirsDeepestFirst) {
      for (let attempt = 0; ; attempt++) {
        const r = spawnSync("rmdir", [d], { encoding: "utf8" });
        if (r.status === 0 || !existsSync(d)) break;
        if (attempt > 50) {
          problems.push(`cgroup ${d}: ${r.stderr.trim()}`);
          break;
        }
        sleepSync(100);
      }
    }
  }
  for (const ns of netns) {
    if (!existsSync(`/run/netns/${ns}`)) continue;
    const r = spawnSync("ip", ["netns", "delete", ns], { encoding: "utf8" });
    if (r.status !== 0 && existsSync(`/run/netns/${ns}`)) problems.push(`netns ${ns}: ${r.stderr.trim()}`);
  }
  for (const d of dirs) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch (e) {
      problems.push(`${d}: ${(e as Error).message}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------- stale labs

/**
 * Removes what labs of dead owners left behind (the owner's PID follows the prefix in
 * every name): container processes, cgroups, network namespaces, temp dirs. Labs of live
 * processes (parallel test files) are left alone. Returns what it removed.
 */
export function cleanupStaleLabs(prefix: string = LAB_PREFIX): string[] {
  const ownerRe = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(\\d+)-`);
  const owner = (name: string) => {
    const m = ownerRe.exec(name);
    return m ? Number(m[1]) : undefined;
  };
  const stale = (name: string) => {
    const pid = owner(name);
    return pid !== undefined && pid !== process.pid && processGone(pid);
  };
  const list = (dir: string) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  const machines = [...new Set(cgroupRoots().flatMap((r) => list(r).filter(stale)))];
  const netns = list("/run/netns").filter(stale);
  const dirs = list(tmpdir()).filter(stale).map((d) => join(tmpdir(), d));
  // nspawn (or its launcher) not yet in its cgroup when the owner died.
  const pids = list("/proc")
    .filter((p) => /^\d+$/.test(p))
    .map(Number)
    .filter((p) => {
      const argv = cmdline(p);
      const launcher = argv.some((a) => a.endsWith("systemd-nspawn") || a.endsWith("/boot-host.sh"));
      return launcher && argv.some((a) => stale(a.replace(/^--machine=/, "")));
    });
  if (!machines.length && !netns.length && !dirs.length && !pids.length) return [];
  const problems = teardown(machines, pids, netns, dirs);
  if (problems.length) throw new Error(`lab: stale lab resources could not be removed:\n${problems.join("\n")}`);
  return [...machines.map((m) => `machine ${m}`), ...pids.map((p) => `process ${p}`), ...netns.map((n) => `netns ${n}`), ...dirs];
}

// ---------------------------------------------------------------- the base

/** Builds the base image unless current (tools/lab/base-image.sh); returns its path. */
export async function ensureBaseImage(): Promise<string> {
  const r = await runAsync("bash", [BASE_SCRIPT], { env: { ...process.env, LAB_BASE_DIR }, timeoutMs: 1_200_000 });
  if (r.status !== 0) throw new Error(`lab: the base image could not be built (tools/lab/base-image.sh):\n${r.output}`);
  return r.stdout.trim();
}

// ---------------------------------------------------------------- the lab

const liveLabs = new Set<LabImpl>();
let exitHookInstalled = false;

class LabImpl implements Lab {
  readonly hosts: LabHost[] = [];
  readonly controlNs: string;
  readonly bridgeNs: string;
  readonly sshKeyPath: string;
  readonly knownHostsPath: string;
  readonly sshConfigPath: string;
  timings = { networkMs: 0, bootMs: 0 };
  readonly nspawnPids = new Map<string, number>();
  /** The shared read-only base image: every host's lower layer. */
  base = "";
  reaperPid: number | undefined;
  private destroyed = false;

  constructor(
    readonly id: string,
    readonly dir: string,
    readonly controlAddress: string,
    readonly prefixLength: number,
  ) {
    this.controlNs = `${id}-control`;
    this.bridgeNs = `${id}-bridge`;
    this.sshKeyPath = join(dir, "id_ed25519");
    this.knownHostsPath = join(dir, "known_hosts");
    this.sshConfigPath = join(dir, "ssh_config");
  }

  get netnsNames(): string[] {
    return [...this.hosts.map((h) => h.netns), this.controlNs, this.bridgeNs];
  }

  host(name: string): LabHost {
    const h = this.hosts.find((x) => x.name === name);
    if (!h) throw new Error(`lab ${this.id}: no host ${name} (hosts: ${this.hosts.map((x) => x.name).join(", ")})`);
    return h;
  }

  leader(name: string): number {
    const pid = this.nspawnPids.get(this.host(name).machine);
    const leader = pid === undefined ? undefined : leaderOf(pid);
    if (!leader) throw new Error(`lab ${this.id}: host ${name} is not running`);
    return leader;
  }

  // async: a host that is down rejects the promise (callers .catch it) rather than throwing.
  async exec(hostName: string, command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const args = ["--target", String(this.leader(hostName)), "--all", "--root", "--wd", "--", "/usr/bin/env", "-i", `PATH=${PATH_IN_HOST}`, "HOME=/root", "LANG=C.UTF-8", "/bin/sh", "-c", command];
    return runAsync("nsenter", args, opts);
  }

  sshArgs(hostName: string, user = "root"): string[] {
    return ["-F", this.sshConfigPath, "-l", user, this.host(hostName).name];
  }

  sshExec(hostName: string, command: string, user = "root", opts: ExecOptions = {}): Promise<ExecResult> {
    return this.runInControl("ssh", [...this.sshArgs(hostName, user), command], opts);
  }

  runInControl(cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return runAsync("ip", ["netns", "exec", this.controlNs, cmd, ...args], opts);
  }

  crash(hostName: string): void {
    // A power loss: the host's cable is pulled first, so its peers get silence (no reset
    // from a kernel that is still up), then every process dies at once.
    const port = `p${this.hosts.findIndex((h) => h.name === this.host(hostName).name)}`;
    must("ip", ["-n", this.bridgeNs, "link", "set", port, "down"]);
    kill(this.leader(hostName), "SIGKILL");
  }

  async powerOn(hostName: string, timeoutMs = 120_000): Promise<void> {
    const h = this.host(hostName);
    await this.waitGone(h);
    this.boot(h);
    must("ip", ["-n", this.bridgeNs, "link", "set", `p${this.hosts.indexOf(h)}`, "up"]);
    await this.sshReady(h, Date.now() + timeoutMs);
  }

  async replaceMachine(hostName: string, timeoutMs = 120_000): Promise<void> {
    const h = this.host(hostName);
    const running = this.nspawnPids.get(h.machine);
    if (running !== undefined && !processGone(running)) this.crash(hostName);
    await this.waitGone(h);
    // The container's mounts died with its private mount namespace: these are plain folders now.
    for (const layer of ["upper", "work", "srv"]) rmSync(join(this.dir, h.name, layer), { recursive: true, force: true });
    this.hosts[this.hosts.indexOf(h)] = { ...h, hostPublicKey: this.writeSeed(h) };
    this.writeKnownHosts();
    await this.powerOn(hostName, timeoutMs);
  }

  private async waitGone(h: LabHost): Promise<void> {
    const old = this.nspawnPids.get(h.machine);
    for (let waited = 0; old !== undefined && !processGone(old); waited += 100) {
      if (waited > 10_000) throw new Error(`lab ${this.id}: host ${h.name} is still running: crash() it first`);
      await sleep(100);
    }
  }

  /** The files boot-host.sh puts into the host's root as it boots; returns its new public host key ("ssh-ed25519 AAAA..."). */
  writeSeed(h: LabHost): string {
    const seed = join(this.dir, h.name, "seed");
    mkdirSync(seed, { recursive: true });
    for (const f of ["ssh_host_ed25519_key", "ssh_host_ed25519_key.pub"]) rmSync(join(seed, f), { force: true });
    must("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `root@${h.name}`, "-f", join(seed, "ssh_host_ed25519_key")]);
    writeFileSync(join(seed, "hostname"), `${h.name}\n`);
    writeFileSync(
      join(seed, "hosts"),
      ["127.0.0.1\tlocalhost", "::1\t\tlocalhost ip6-localhost ip6-loopback", "ff02::1\t\tip6-allnodes", "ff02::2\t\tip6-allrouters", ...this.hosts.map((o) => `${o.address}\t${o.name}`), ""].join("\n"),
    );
    writeFileSync(join(seed, "machine-id"), `${randomBytes(16).toString("hex")}\n`);
    writeFileSync(join(seed, "authorized_keys"), readFileSync(`${this.sshKeyPath}.pub`, "utf8"));
    writeFileSync(join(seed, "sshd_config"), "# lab: this host has an ed25519 host key only\nHostKey /etc/ssh/ssh_host_ed25519_key\n");
    return readFileSync(join(seed, "ssh_host_ed25519_key.pub"), "utf8").trim().split(" ").slice(0, 2).join(" ");
  }

  writeKnownHosts(): void {
    writeFileSync(this.knownHostsPath, this.hosts.map((h) => `${h.name},${h.address} ${h.hostPublicKey}\n`).join(""));
  }

  /** Starts the host's container (tools/lab/boot-host.sh) on its overlay. */
  boot(h: LabHost): void {
    const log = openSync(h.consoleLog, "a");
    try {
      const child = spawn("unshare", ["--mount", "--propagation", "slave", "bash", BOOT_SCRIPT, h.machine, h.name, h.netns, this.base, join(this.dir, h.name)], {
        detached: true,
        stdio: ["ignore", log, log],
        cwd: "/",
      });
      child.on("error", () => undefined);
      child.unref();
      if (child.pid) this.nspawnPids.set(h.machine, child.pid);
    } finally {
      closeSync(log);
    }
  }

  /** Resolves once the host's sshd accepts the lab key; fails if the container stops or at the deadline. */
  async sshReady(h: LabHost, deadline: number): Promise<void> {
    for (;;) {
      const pid = this.nspawnPids.get(h.machine);
      if (pid === undefined || processGone(pid)) throw new Error(`lab: host ${h.name} stopped while booting:\n${tail(h.consoleLog)}`);
      const r = await this.sshExec(h.name, "true", "root", { timeoutMs: 10_000 });
      if (r.status === 0) return;
      if (Date.now() > deadline) throw new Error(`lab: host ${h.name}: sshd did not accept the lab key in time (${r.output.trim()}):\n${tail(h.consoleLog)}`);
      await sleep(200);
    }
  }

  memory(): HostMemory[] {
    return this.hosts.map((h) => {
      const pids = [...new Set(cgroupRoots().flatMap((r) => cgroupProcs(join(r, h.machine, "payload"))))];
      let pssKiB = 0;
      for (const p of pids) {
        try {
          const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, "utf8"));
          pssKiB += m ? Number(m[1]) : 0;
        } catch {
          // exited
        }
      }
      return { host: h.name, pssKiB, processes: pids.length };
    });
  }

  destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.reaperPid) kill(-this.reaperPid, "SIGKILL");
    const problems = teardown(
      this.hosts.map((h) => h.machine),
      [...this.nspawnPids.values()],
      this.netnsNames,
      [this.dir],
    );
    liveLabs.delete(this);
    if (problems.length) throw new Error(`lab ${this.id}: destroy left:\n${problems.join("\n")}`);
  }

  async destroy(): Promise<void> {
    this.destroySync();
  }
}

/**
 * A detached watcher: when the owning process ends (a crash, SIGKILL, a test runner
 * tearing its worker down), it runs `lab.ts cleanup`. destroy() kills it.
 */
function startReaper(lab: LabImpl): void {
  if (process.env.LAB_NO_REAPER === "1") return; // test/lab.test.ts: proving cleanupStaleLabs alone
  const tsx = join(ROOT, "node_modules", ".bin", "tsx");
  const script = 'tail --pid="$1" -f /dev/null; exec "$2" "$3" cleanup "$4" >/dev/null 2>&1';
  const child = spawn("sh", ["-c", script, "mxlab-reaper", String(process.pid), tsx, __filename.replace(/\.js$/, ".ts"), LAB_PREFIX], {
    detached: true,
    stdio: "ignore",
    cwd: "/",
  });
  child.unref();
  lab.reaperPid = child.pid;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Fires in a plain node process; a jest worker's `process` is a copy whose events never
  // fire, which is what the reaper is for.
  process.on("exit", () => {
    for (const lab of [...liveLabs]) {
      try {
        lab.destroySync();
      } catch {
        // the reaper and cleanupStaleLabs get the rest
      }
    }
  });
}

/**
 * Every lab host's systemd and services take inotify instances from this machine's
 * kernel, all counted for root: the default 128 runs out when the 16-host lab runs beside
 * another lab, and path units then fail (seen in CI: systemd-ask-password-*.path failed
 * at boot). Raised, never lowered.
 */
function raiseInotifyLimits(): void {
  for (const [key, min] of [["max_user_instances", 8192], ["max_user_watches", 1048576]] as const) {
    const path = `/proc/sys/fs/inotify/${key}`;
    try {
      if (Number(readFileSync(path, "utf8")) < min) writeFileSync(path, `${min}\n`);
    } catch (e) {
      console.warn(`lab: cannot raise ${path} to ${min} (${(e as Error).message}); many lab hosts at once may fail to watch paths`);
    }
  }
}

/** Creates the lab, boots every host and waits until each sshd accepts the lab's key. */
export async function createLab(opts: LabOptions): Promise<Lab> {
  checkLabPrerequisites();
  raiseInotifyLimits();
  if (!NAME.test(opts.name)) throw new Error(`lab: name "${opts.name}" must be lower-case letters, digits and dashes`);
  if (!opts.hosts.length) throw new Error("lab: no hosts");
  const [subnetAddress, subnetBits] = (opts.subnet ?? `${opts.controlAddress.split(".").slice(0, 3).join(".")}.0/24`).split("/");
  const prefixLength = Number(subnetBits);
  if (!Number.isInteger(prefixLength) || prefixLength < 8 || prefixLength > 30) throw new Error(`lab: subnet "${opts.subnet}" needs a prefix length of 8 to 30`);
  const mask = (0xffffffff << (32 - prefixLength)) >>> 0;
  const network = (ipv4(subnetAddress, "subnet") & mask) >>> 0;
  const seen = new Set<string>();
  for (const [what, name, address] of [["controlAddress", "control", opts.controlAddress], ...opts.hosts.map((h, i) => [`hosts[${i}]`, h.name, h.address])] as const) {
    const a = ipv4(address, what);
    if (((a & mask) >>> 0) !== network || a === network || a === (network | ~mask) >>> 0) throw new Error(`lab: ${what}: ${address} is not a host address in ${subnetAddress}/${prefixLength}`);
    if (!NAME.test(name) || name === "bridge") throw new Error(`lab: ${what}: host name "${name}" must be lower-case letters, digits and dashes (not "control" or "bridge")`);
    if (seen.has(name) || seen.has(address)) throw new Error(`lab: ${what}: ${name} / ${address} is used twice`);
    seen.add(name).add(address);
  }

  cleanupStaleLabs(LAB_PREFIX);
  const base = await ensureBaseImage();
  const id = `${LAB_PREFIX}${process.pid}-${opts.name}`;
  if (id.length + Math.max(...opts.hosts.map((h) => h.name.length)) + 1 > 64) throw new Error(`lab: names too long for a machine name (64): ${id}-<host>`);
  if ([...liveLabs].some((l) => l.id === id)) throw new Error(`lab: ${id} exists already in this process`);

  const dir = mkdtempSync(join(tmpdir(), `${id}-`));
  const lab = new LabImpl(id, dir, opts.controlAddress, prefixLength);
  for (const h of opts.hosts) {
    const hostDir = join(dir, h.name);
    lab.hosts.push({
      name: h.name,
      address: h.address,
      netns: `${id}-${h.name}`,
      machine: `${id}-${h.name}`,
      hostPublicKey: "",
      consoleLog: join(hostDir, "console.log"),
      upperDir: join(hostDir, "upper"),
    });
  }
  for (const ns of lab.netnsNames) if (existsSync(`/run/netns/${ns}`)) throw new Error(`lab: network namespace ${ns} exists already`);
  liveLabs.add(lab);
  installExitHook();
  startReaper(lab);

  try {
    // Network: bridge namespace, control namespace, one namespace per host.
    let t = Date.now();
    const ip = (...args: string[]) => must("ip", args);
    for (const ns of lab.netnsNames) {
      ip("netns", "add", ns);
      ip("-n", ns, "link", "set", "lo", "up");
    }
    // No STP (ports forward at once), no multicast snooping (VRRP and other multicast are
    // flooded to every port, like a plain switch).
    ip("-n", lab.bridgeNs, "link", "add", BRIDGE, "type", "bridge", "stp_state", "0", "mcast_snooping", "0");
    ip("-n", lab.bridgeNs, "link", "set", BRIDGE, "up");
    const plug = (ns: string, port: string, address: string) => {
      ip("-n", lab.bridgeNs, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns);
      ip("-n", lab.bridgeNs, "link", "set", port, "master", BRIDGE, "up");
      ip("-n", ns, "addr", "add", `${address}/${prefixLength}`, "dev", "eth0");
      ip("-n", ns, "link", "set", "eth0", "up");
    };
    plug(lab.controlNs, "p-control", opts.controlAddress);
    lab.hosts.forEach((h, i) => plug(h.netns, `p${i}`, h.address));
    lab.timings.networkMs = Date.now() - t;

    // Keys: one client key for the lab, one host key per host (so known_hosts is exact).
    must("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", id, "-f", lab.sshKeyPath]);
    lab.hosts.forEach((h, i) => (lab.hosts[i] = { ...h, hostPublicKey: lab.writeSeed(h) }));
    lab.writeKnownHosts();
    const hosts = lab.hosts;
    writeFileSync(
      lab.sshConfigPath,
      [
        ...hosts.flatMap((h) => [`Host ${h.name}`, `  HostName ${h.address}`]),
        "Host *",
        `  IdentityFile ${lab.sshKeyPath}`,
        "  IdentitiesOnly yes",
        `  UserKnownHostsFile ${lab.knownHostsPath}`,
        "  GlobalKnownHostsFile /dev/null",
        "  StrictHostKeyChecking yes",
        "  BatchMode yes",
        "  ConnectTimeout 5",
        "  LogLevel ERROR",
        "",
      ].join("\n"),
    );

    // Boot every host at once.
    t = Date.now();
    lab.base = base;
    for (const h of lab.hosts) lab.boot(h);
    const deadline = Date.now() + (opts.bootTimeoutMs ?? 120_000);
    await Promise.all(lab.hosts.map((h) => lab.sshReady(h, deadline)));
    lab.timings.bootMs = Date.now() - t;
    return lab;
  } catch (e) {
    try {
      lab.destroySync();
    } catch (cleanup) {
      (e as Error).message += `\n(and cleaning up failed: ${(cleanup as Error).message})`;
    }
    throw e;
  }
}

function tail(file: string, lines = 30): string {
  try {
    // eslint-disable-next-line no-control-regex
    return readFileSync(file, "utf8").replace(/\x1b\[[0-9;]*m/g, "").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no console log)";
  }
}

/** What a lab still owns on this machine, by name (for tests proving destroy()). */
export function labResidue(id: string): string[] {
  const mine = (name: string) => name === id || name.startsWith(`${id}-`);
  const found: string[] = [];
  try {
    for (const ns of readdirSync("/run/netns")) if (mine(ns)) found.push(`netns ${ns}`);
  } catch {
    // no /run/netns
  }
  for (const r of cgroupRoots()) for (const g of readdirSync(r)) if (mine(g)) found.push(`cgroup ${join(r, g)}`);
  for (const d of readdirSync(tmpdir())) if (mine(d) && statSync(join(tmpdir(), d)).isDirectory()) found.push(`dir ${join(tmpdir(), d)}`);
  const mounts = new Set<string>();
  for (const p of ["self", ...readdirSync("/proc").filter((x) => /^\d+$/.test(x))]) {
    // Every mount namespace on the machine, seen through its processes.
    let mountinfo = "";
    try {
      mountinfo = readFileSync(`/proc/${p}/mountinfo`, "utf8");
    } catch {
      continue;
    }
    for (const line of mountinfo.split("\n")) if (line.includes(id)) mounts.add(`mount ${line.split(" ").slice(4, 5).join("")} (seen by ${p})`);
    if (p === "self" || processGone(Number(p))) continue;
    const argv = cmdline(Number(p));
    if (argv.some((a) => a.includes(id))) found.push(`process ${p} ${argv.join(" ")}`);
  }
  found.push(...mounts);
  return found;
}

if (require.main === module) {
  const [command, prefix] = process.argv.slice(2);
  if (command !== "cleanup") {
    console.error("usage: tsx tools/lab/lab.ts cleanup [prefix]");
    process.exit(2);
  }
  const removed = cleanupStaleLabs(prefix ?? LAB_PREFIX);
  console.log(removed.length ? `removed:\n${removed.join("\n")}` : "nothing stale");
}
