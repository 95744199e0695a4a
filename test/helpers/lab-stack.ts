import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { OnPremDeployment } from "../../constructs/deployment/model";
import type { Lab } from "../../tools/lab/lab";
import { synthToDir } from "./synth";
import { tofuEnv } from "./tofu";

/** An on-prem stack applied to a lab by tofu in the control namespace, with local state. */
export interface LabStack {
  tofu(stackDir: string, ...args: string[]): ReturnType<Lab["runInControl"]>;
  /** Synthesizes the deployment into <tmp>/<name> (state in <tmp>/terraform.tfstate) and runs tofu init. */
  synthAndInit(deployment: OnPremDeployment, name: string): Promise<string>;
  /** A secret's value, read from the local state (the test is the operator here). */
  secret(name: string): string;
}

export function labStack(lab: () => Lab, tmpDir: string): LabStack {
  const state = join(tmpDir, "terraform.tfstate");
  const tofu = (stackDir: string, ...args: string[]) => {
    const env = tofuEnv();
    return lab().runInControl(env.TOFU_BINARY!, [...args, "-no-color", "-input=false"], { cwd: stackDir, env, timeoutMs: 1_800_000 });
  };
  return {
    tofu,
    async synthAndInit(deployment, name) {
      const dir = synthToDir({ ...deployment, backend: { type: "local", path: state } }, join(tmpDir, name));
      const init = await tofu(dir, "init");
      if (init.status !== 0) throw new Error(`tofu init: ${init.output}`);
      return dir;
    },
    secret(name) {
      const s = JSON.parse(readFileSync(state, "utf8"));
      const r = s.resources.find((x: { type: string; name: string }) => x.type === "random_password" && x.name === `secret_${name}`);
      return r.instances[0].attributes.result;
    },
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
