import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Lab } from "../../tools/lab/lab";
import { ROOT } from "./examples";

/** A request of test/clients/matrix_load.py: acknowledged or not, stamped at start and end (epoch seconds). */
export interface StampedRequest {
  readonly ok: boolean;
  readonly start: number;
  readonly end: number;
}

export interface LoadRun {
  readonly sends: readonly (StampedRequest & { readonly eventId: string | null; readonly status: number })[];
  readonly syncs: readonly StampedRequest[];
  /** Acknowledged messages (an event id returned) that are not in the room afterwards. */
  readonly missing: readonly string[];
  /** Whether the room's whole history could be read back afterwards. */
  readonly historyRead: boolean;
  /** Epoch seconds at which the fault struck, as the fault stamped it. */
  readonly faultAt: number;
}

/**
 * What a client saw of a fault: the outage runs from the fault to the first acknowledged
 * request that started after one failed (a request in flight at the fault that still
 * completes is no recovery); none when no request failed.
 */
export function outage(requests: readonly StampedRequest[], faultAt: number): { seconds: number; firstFailure: number } | "none" | "no recovery" {
  const failed = requests.find((r) => !r.ok && r.end > faultAt);
  if (!failed) return "none";
  const recovered = requests.find((r) => r.ok && r.start > failed.end);
  if (!recovered) return "no recovery";
  return { seconds: recovered.end - faultAt, firstFailure: failed.end - faultAt };
}

export interface LoadOptions {
  /** https://<domain> */
  readonly base: string;
  readonly entry: string;
  readonly caFile: string;
  /** An access token of an admin, who creates the load's users. */
  readonly adminToken: string;
  readonly workDir: string;
  readonly seconds: number;
  readonly users: number;
  /** Seconds of load before the fault. */
  readonly faultAfter: number;
}

/**
 * Runs the clients in the lab's control namespace and causes `fault` while they run. The
 * fault resolves to the instant it struck (epoch seconds), stamped after whatever it looks up
 * first (which host leads, which holds the VIP) and just before it acts: the outage runs from
 * the fault, not from the lookups (which took 1.3-1.5 s under load for the leader's power loss).
 */
export async function underLoad(lab: Lab, opts: LoadOptions, fault: () => Promise<number>): Promise<LoadRun> {
  const ready = join(opts.workDir, `load-ready-${Date.now()}`);
  const clients = lab.runInControl(
    join(ROOT, ".cache/venv-matrix-client/bin/python"),
    [join(ROOT, "test/clients/matrix_load.py"), opts.base, opts.entry, opts.caFile, String(opts.seconds), String(opts.users), ready],
    { env: { ...process.env, MATRIX_ADMIN_TOKEN: opts.adminToken }, timeoutMs: (opts.seconds + 400) * 1000 },
  );
  let finished = false;
  void clients.finally(() => (finished = true));
  while (!existsSync(ready) && !finished) await new Promise((r) => setTimeout(r, 200));
  if (finished) {
    const r = await clients;
    throw new Error(`matrix_load.py stopped before its load ran: ${r.output}`);
  }
  await new Promise((r) => setTimeout(r, opts.faultAfter * 1000));
  const faultAt = await fault();
  const r = await clients;
  if (r.status !== 0) throw new Error(`matrix_load.py: ${r.output}`);
  const out = JSON.parse(r.stdout) as { sends: [number, number, number, string | null, number][]; syncs: [number, number, number, number][]; missing: string[]; history_read: boolean };
  return {
    sends: out.sends.map(([ok, start, end, eventId, status]) => ({ ok: ok === 1, start, end, eventId, status })),
    syncs: out.syncs.map(([ok, start, end]) => ({ ok: ok === 1, start, end })),
    missing: out.missing,
    historyRead: out.history_read,
    faultAt,
  };
}

/** One line for the log: each outage, and the counts of acknowledged, refused and lost messages. */
export function describeRun(fault: string, run: LoadRun): string {
  const show = (o: ReturnType<typeof outage>) => (typeof o === "string" ? o : `${o.seconds.toFixed(1)} s (first failure ${o.firstFailure.toFixed(1)} s after)`);
  const acknowledged = run.sends.filter((s) => s.ok).length;
  const answers = new Map<string, number>();
  for (const s of run.sends.filter((x) => !x.ok)) answers.set(s.status === 0 ? "no answer" : `HTTP ${s.status}`, (answers.get(s.status === 0 ? "no answer" : `HTTP ${s.status}`) ?? 0) + 1);
  const refused = [...answers].map(([a, n]) => `${a} x${n}`).join(", ");
  return `${fault}: sends' outage ${show(outage(run.sends, run.faultAt))}, syncs' outage ${show(outage(run.syncs, run.faultAt))}; messages ${acknowledged} acknowledged, ${run.sends.length - acknowledged} refused${refused ? ` (${refused})` : ""}, ${run.missing.length} lost; ${run.syncs.length} syncs`;
}

/** One run's figures, for the summary of repeated runs (npm run bench:failover). */
export interface FaultFigures {
  readonly fault: string;
  /** Seconds from the fault to the first acknowledged request after a failure; 0 when none failed; null when none succeeded again. */
  readonly sendsOutage: number | null;
  readonly syncsOutage: number | null;
  readonly acknowledged: number;
  readonly refused: number;
  readonly lost: number;
}

export function faultFigures(fault: string, run: LoadRun): FaultFigures {
  const seconds = (o: ReturnType<typeof outage>) => (o === "none" ? 0 : o === "no recovery" ? null : Number(o.seconds.toFixed(1)));
  const acknowledged = run.sends.filter((s) => s.ok).length;
  return { fault, sendsOutage: seconds(outage(run.sends, run.faultAt)), syncsOutage: seconds(outage(run.syncs, run.faultAt)), acknowledged, refused: run.sends.length - acknowledged, lost: run.missing.length };
}

/** Per fault: each outage's median, min and max over its runs, and the message counts summed. */
export function summarizeFaults(figures: readonly FaultFigures[]): string {
  const spread = (xs: readonly (number | null)[]) => {
    if (xs.some((x) => x === null)) return "no recovery in some run";
    const s = (xs as number[]).slice().sort((a, b) => a - b);
    return `median ${s[Math.floor(s.length / 2)].toFixed(1)} s (min ${s[0].toFixed(1)}, max ${s[s.length - 1].toFixed(1)})`;
  };
  const faults = [...new Set(figures.map((f) => f.fault))];
  return faults
    .map((fault) => {
      const runs = figures.filter((f) => f.fault === fault);
      const sum = (k: "acknowledged" | "refused" | "lost") => runs.reduce((a, f) => a + f[k], 0);
      return `- ${fault} (${runs.length} run${runs.length > 1 ? "s" : ""}): sends' outage ${spread(runs.map((f) => f.sendsOutage))}; syncs' outage ${spread(runs.map((f) => f.syncsOutage))}; messages ${sum("acknowledged")} acknowledged, ${sum("refused")} refused, ${sum("lost")} lost`;
    })
    .join("\n");
}
