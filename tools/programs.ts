import { spawn, spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

const SETUP_HINT = "run scripts/setup-tests.sh (it runs scripts/deps/validators.sh)";

const isExecutable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * The absolute path of a program the tests run for real. A missing program is a failed
 * test, never a skipped one: it throws, naming the setup script that installs it.
 */
export function program(name: string): string {
  const candidates = name.includes("/")
    ? [name]
    : [...(process.env.PATH ?? "").split(delimiter), "/usr/local/sbin", "/usr/sbin", "/sbin"].filter(Boolean).map((dir) => join(dir, name));
  const found = candidates.find(isExecutable);
  if (!found) throw new Error(`${name} is not installed here: ${SETUP_HINT}`);
  return found;
}

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr together, for messages. */
  readonly output: string;
}

export interface RunOptions {
  readonly input?: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** runAsync only: killed (SIGKILL) after this long; default 300 s. */
  readonly timeoutMs?: number;
}

/** Runs a program to completion (it must exist: see program()). */
export function run(file: string, args: readonly string[], opts: RunOptions = {}): RunResult {
  const r = spawnSync(program(file), args, {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    env: opts.env ?? process.env,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, output: `${r.stdout}${r.stderr}` };
}

/** The same, without blocking: for slow programs run side by side. */
export function runAsync(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const path = program(file);
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
      timeout: opts.timeoutMs ?? 300_000,
      killSignal: "SIGKILL",
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr, output: `${stdout}${stderr}` }));
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.input ?? "");
  });
}
