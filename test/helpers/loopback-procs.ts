// Real daemons on loopback for the end-to-end tests: free ports, processes that log to
// files and are stopped by their own process group, waiting with a deadline.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}

/** Distinct free ports. */
export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/**
 * Who the daemons run as: PostgreSQL refuses root, so as root they run as `nobody`;
 * otherwise as the current user.
 */
export interface RunAs {
  readonly uid: number;
  readonly gid: number;
  readonly name: string;
}

export function unprivilegedUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(spawnSync("id", [flag, "nobody"], { encoding: "utf8" }).stdout.trim());
  const uid = id("-u");
  const gid = id("-g");
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid === 0) throw new Error("no unprivileged user 'nobody' to run the daemons as");
  return { uid, gid, name: "nobody" };
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly runAs?: RunAs;
}

/** Runs a program to completion; throws with its output unless it exits 0. */
export function run(cmd: string, args: readonly string[], opts: RunOptions): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env,
    encoding: "utf8",
    timeout: 120_000,
    ...(opts.runAs ? { uid: opts.runAs.uid, gid: opts.runAs.gid } : {}),
  });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} exited ${r.status ?? r.signal}${r.error ? ` (${r.error.message})` : ""}\n${r.stdout}\n${r.stderr}`);
  }
  return r;
}

/** A long-running daemon in its own process group, its output in a log file. */
export class Daemon {
  private readonly child: ChildProcess;
  private exitCode: number | null | undefined = undefined;
  private failure = "";
  private readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    cmd: string,
    args: readonly string[],
    readonly logFile: string,
    opts: RunOptions,
  ) {
    const fd = openSync(logFile, "a");
    try {
      this.child = spawn(cmd, args, {
        cwd: opts.cwd,
        env: opts.env,
        stdio: ["ignore", fd, fd],
        detached: true,
        ...(opts.runAs ? { uid: opts.runAs.uid, gid: opts.runAs.gid } : {}),
      });
    } finally {
      closeSync(fd);
    }
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        resolve();
      });
      this.child.once("error", (err) => {
        this.exitCode = -1;
        this.failure = err.message;
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** The last lines of the daemon's log, for error messages. */
  tail(lines = 40): string {
    const text = existsSync(this.logFile) ? readFileSync(this.logFile, "utf8") : "";
    return `--- ${this.name} (${this.logFile}) ${this.failure}\n${text.split("\n").slice(-lines).join("\n")}`;
  }

  /** Signals the daemon's process group; SIGKILL after `graceMs`. Resolves once it exited. */
  async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 20_000): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined || !this.running) return;
    const kill = (sig: NodeJS.Signals) => {
      try {
        process.kill(-pid, sig);
      } catch {
        // the group is gone already
      }
    };
    kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.exited.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      kill("SIGKILL");
      await this.exited;
    }
    // Children left in the group (nginx workers, PostgreSQL backends) go with it.
    kill("SIGKILL");
  }
}

/** Polls `probe` until it returns a value (not undefined); throws after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, daemon?: Daemon): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    if (daemon && !daemon.running) throw new Error(`${daemon.name} exited while waiting for ${what}\n${daemon.tail()}`);
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} ${last}\n${daemon?.tail() ?? ""}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
