import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadDeploymentFile } from "../../constructs/deployment/load";
import type { Lab } from "../../tools/lab/lab";
import { ROOT, TSX_LOADER } from "./examples";
import { synthToDir } from "./synth";
import { tofuEnv } from "./tofu";

/**
 * An on-prem stack applied to a lab by tofu in the control namespace, as an operator does
 * it: a deployment file whose host keys `npm run host-keys` pinned, and local state
 * encrypted by OpenTofu with a passphrase (TF_VAR_state_passphrase).
 */
export interface LabStack {
  tofu(stackDir: string, command: string, ...args: string[]): ReturnType<Lab["runInControl"]>;
  /** The environment tofu runs with (OpenTofu, source-built providers, the state's passphrase). */
  env(): NodeJS.ProcessEnv;
  /** Writes the deployment file <tmp>/<name>.yaml; its known_hosts is <tmp>/lab.known_hosts. */
  writeDeployment(name: string, yaml: string): string;
  /** `npm run host-keys -- <file>` from the control namespace. */
  pinHostKeys(file: string): ReturnType<Lab["runInControl"]>;
  /** Synthesizes the deployment file into <tmp>/<name> (state in <tmp>/terraform.tfstate, encrypted) and runs tofu init. */
  synthAndInit(file: string, name: string): Promise<string>;
  /** A secret's value, read from the state with its key (the test is the operator here). */
  secret(name: string): string;
  /** Every generated secret by name. */
  secrets(): ReadonlyMap<string, string>;
  /** The state file, as it lies on the operator's disk. */
  readonly statePath: string;
  /** The known_hosts file the deployments use. */
  readonly knownHostsPath: string;
}

/** The lab's deployment files name this known_hosts; writeDeployment fills in the placeholder. */
export const LAB_KNOWN_HOSTS = "@@lab_known_hosts@@";

/**
 * A lab that boots part of a deployment's hosts (a tier) leaves the others as addresses
 * only: their units can never run. The configuration (a synthesized stack's cdk.tf.json,
 * or the main.tf.json of `npm run module`) loses their preflights (every host's first unit
 * waits for every preflight) and every ordering on their units (HAProxy waits for the
 * databases' units, for one); the lab targets only its own hosts' units, so nothing else
 * changes.
 */
export function detachPhantomHosts(file: string, phantomHosts: readonly string[]): void {
  const config = JSON.parse(readFileSync(file, "utf8"));
  const prefixes = phantomHosts.map((h) => `${h.replaceAll("-", "_")}_`);
  const phantom = (resource: string) => prefixes.some((p) => resource.startsWith(p));
  const units = config.resource.terraform_data as Record<string, { depends_on?: string[] }>;
  for (const name of Object.keys(units)) if (name.endsWith("_preflight") && phantom(name)) delete units[name];
  for (const unit of Object.values(units)) {
    if (unit.depends_on) unit.depends_on = unit.depends_on.filter((d) => !(d.startsWith("terraform_data.") && phantom(d.slice("terraform_data.".length))));
  }
  writeFileSync(file, JSON.stringify(config, null, 2));
}

export function labStack(lab: () => Lab, tmpDir: string): LabStack {
  const statePath = join(tmpDir, "terraform.tfstate");
  const knownHostsPath = join(tmpDir, "lab.known_hosts");
  const passphrase = randomBytes(24).toString("base64");
  const env = (): NodeJS.ProcessEnv => ({ ...tofuEnv(), TF_VAR_state_passphrase: passphrase });
  // Flags right after the subcommand: a positional argument (a saved plan) must come last.
  // `show` reads, it never asks: it has no -input flag.
  const tofu = (stackDir: string, command: string, ...args: string[]) =>
    lab().runInControl(env().TOFU_BINARY!, [command, "-no-color", ...(command === "show" ? [] : ["-input=false"]), ...args], { cwd: stackDir, env: env(), timeoutMs: 1_800_000 });
  let lastStack: string | undefined;
  let secrets: Map<string, string> | undefined;
  const allSecrets = (): ReadonlyMap<string, string> => {
    if (!secrets) {
      // The state is encrypted: OpenTofu decrypts it with the key (no network needed).
      const r = spawnSync(env().TOFU_BINARY!, ["state", "pull"], { cwd: lastStack, env: env(), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
      if (r.status !== 0) throw new Error(`tofu state pull: ${r.stderr}`);
      const resources = JSON.parse(r.stdout).resources as { type: string; name: string; instances: { attributes: { result: string } }[] }[];
      secrets = new Map(resources.filter((x) => x.type === "random_password").map((x) => [x.name.replace(/^secret_/, ""), x.instances[0].attributes.result]));
    }
    return secrets;
  };
  const secret = (name: string): string => {
    const value = allSecrets().get(name);
    if (value === undefined) throw new Error(`no secret ${name} in the state`);
    return value;
  };
  return {
    tofu,
    env,
    statePath,
    knownHostsPath,
    writeDeployment(name, yaml) {
      const file = join(tmpDir, `${name}.yaml`);
      writeFileSync(file, yaml.replaceAll(LAB_KNOWN_HOSTS, knownHostsPath));
      return file;
    },
    pinHostKeys: (file) => lab().runInControl(process.execPath, ["--import", TSX_LOADER, join(ROOT, "scripts/host-keys.ts"), file], { cwd: ROOT }),
    async synthAndInit(file, name) {
      const deployment = loadDeploymentFile(file);
      const dir = synthToDir({ ...deployment, backend: { type: "local", path: statePath, encryption: { key: "passphrase", migrateFromUnencrypted: false } } }, join(tmpDir, name));
      const booted = new Set(lab().hosts.map((h) => h.name));
      if (deployment.target === "onprem") detachPhantomHosts(join(dir, "cdk.tf.json"), deployment.onprem.hosts.map((h) => h.name).filter((h) => !booted.has(h)));
      const init = await tofu(dir, "init");
      if (init.status !== 0) throw new Error(`tofu init: ${init.output}`);
      lastStack = dir;
      return dir;
    },
    secret,
    secrets: allSecrets,
  };
}

/** The remote-exec lines and the tail of a failed apply, for the error message. */
export function applyFailure(output: string): string {
  const remote = output.split("\n").filter((l) => l.includes("(remote-exec):")).slice(-60).join("\n");
  return `tofu apply failed:\n${remote}\n${output.slice(-3000)}`;
}

/** Polls once a second until ok(probe()) or `seconds` pass; then fails with the last value. */
export async function eventually<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, seconds = 90): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < seconds; i++) {
    last = await probe();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`${what}: still not there after ${seconds} s: ${JSON.stringify(last)}`);
}

const BIG_LAB_LOCK = "/run/mxlab-big.lock";

/**
 * How long a lab file may wait for its turn: the other two big labs' whole files (the
 * cluster lab alone runs about half an hour). Its own hook, so the wait never eats into
 * the time the lab's boot and apply are given.
 */
export const BIG_LAB_TURN_TIMEOUT_MS = 3_600_000;

/**
 * One big lab (a whole tier applied by tofu) at a time on this machine: jest runs two test
 * files at once, and two applies with their failover timings would share 2 cores. Waits
 * for the other holder (or takes over from a dead one); returns the release.
 */
export async function takeBigLabTurn(): Promise<() => void> {
  for (;;) {
    try {
      mkdirSync(BIG_LAB_LOCK);
      writeFileSync(join(BIG_LAB_LOCK, "pid"), String(process.pid));
      return () => rmSync(BIG_LAB_LOCK, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const holder = Number(existsSync(join(BIG_LAB_LOCK, "pid")) ? readFileSync(join(BIG_LAB_LOCK, "pid"), "utf8") : "0");
      if (holder > 0 && !existsSync(`/proc/${holder}`)) rmSync(BIG_LAB_LOCK, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

/**
 * Jest's `test`, but a failure first prints what `explain` reports about the lab (the
 * state of its daemons): CI keeps only the log, and a lab is gone once the file ends.
 */
export function explainedTest(explain: () => Promise<string>) {
  return (name: string, fn: () => Promise<void>, timeout?: number) =>
    test(name, async () => {
      try {
        await fn();
      } catch (e) {
        console.log(`"${name}" failed; the lab at that moment:\n${await explain().catch((x) => `(not readable: ${x})`)}`);
        throw e;
      }
    }, timeout);
}

/** Each host's answer to `command` (10 s at most each), one block per host, for explainedTest. */
export async function labReport(lab: Lab, hosts: readonly string[], command: string): Promise<string> {
  const blocks = await Promise.all(hosts.map(async (h) => {
    try {
      const r = await lab.exec(h, command, { timeoutMs: 10_000 });
      return `--- ${h}\n${r.output.trim()}`;
    } catch (e) {
      return `--- ${h}: ${(e as Error).message}`;
    }
  }));
  return blocks.join("\n");
}
