import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cgroupV2Root } from "../../tools/lab/lab";
import { ROOT } from "./examples";

/** Milliseconds: median, 95th percentile, maximum, and how many values. */
export interface LatencyFigures {
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
  readonly count: number;
}

/** What test/clients/matrix_capacity.py prints: one steady load's figures. */
export interface CapacityFigures {
  readonly clients: number;
  readonly rooms: number;
  readonly seconds: number;
  /** Epoch seconds: when the first send was due, and when sending stopped. */
  readonly loadStart: number;
  readonly loadEnd: number;
  readonly acknowledged: number;
  readonly refused: number;
  readonly lost: number;
  readonly messagesPerSecond: number;
  /** A send's start to Synapse's answer (given once the event is persisted). */
  readonly sendMs: LatencyFigures | null;
  /** A send's start to another member's sync returning the message. */
  readonly syncMs: LatencyFigures | null;
  /** Deliveries to room members that never came. */
  readonly undelivered: number;
  /** Cores busy during the load (the test adds it): the machine's, and each lab host's. */
  readonly cores?: CoresBusy;
}

export interface CoresBusy {
  readonly machine: number;
  readonly hosts?: Readonly<Record<string, number>>;
}

/** CPU seconds so far: the whole machine's (/proc/stat), and each named cgroup's (cgroup v2 cpu.stat). */
export interface CpuSample {
  readonly at: number;
  readonly machine: number;
  readonly groups: Readonly<Record<string, number>>;
}

export function sampleCpu(groups: Readonly<Record<string, string>> = {}): CpuSample {
  // /proc/stat's first line: user nice system idle iowait irq softirq steal ..., in clock ticks (USER_HZ, 100 on Linux).
  const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
  const busy = ticks.slice(0, 8).reduce((a, t, i) => (i === 3 || i === 4 ? a : a + t), 0) / 100;
  const usage = (group: string) => {
    const stat = join(cgroupV2Root(), group, "cpu.stat");
    if (!existsSync(stat)) return NaN;
    return Number(/usage_usec (\d+)/.exec(readFileSync(stat, "utf8"))?.[1] ?? NaN) / 1e6;
  };
  return { at: Date.now() / 1000, machine: busy, groups: Object.fromEntries(Object.entries(groups).map(([name, group]) => [name, usage(group)])) };
}

/**
 * Runs `work` while sampling the CPU every second; then the cores busy while the load ran
 * (between the samples nearest inside its start and end), for the figures.
 */
export async function withCoresBusy(groups: Readonly<Record<string, string>>, work: () => Promise<CapacityFigures>): Promise<CapacityFigures> {
  const samples = [sampleCpu(groups)];
  const timer = setInterval(() => samples.push(sampleCpu(groups)), 1000);
  try {
    const f = await work();
    const inside = samples.filter((s) => s.at >= f.loadStart && s.at <= f.loadEnd);
    return inside.length >= 2 ? { ...f, cores: coresBusy(inside[0], inside[inside.length - 1]) } : f;
  } finally {
    clearInterval(timer);
  }
}

/** Cores busy between two samples; hosts without a figure (no cgroup v2 accounting) left out. */
export function coresBusy(before: CpuSample, after: CpuSample): CoresBusy {
  const wall = after.at - before.at;
  const round = (x: number) => Math.round((x / wall) * 100) / 100;
  const hosts = Object.entries(after.groups).filter(([n, v]) => Number.isFinite(v) && Number.isFinite(before.groups[n]));
  return { machine: round(after.machine - before.machine), ...(hosts.length > 0 ? { hosts: Object.fromEntries(hosts.map(([n, v]) => [n, round(v - before.groups[n])])) } : {}) };
}

/** The load's size: CAPACITY_CLIENTS and CAPACITY_SECONDS (npm run bench:capacity sets them). */
export function capacityLoad(env: NodeJS.ProcessEnv = process.env): { readonly clients: number; readonly seconds: number } {
  return { clients: Number(env.CAPACITY_CLIENTS ?? 20), seconds: Number(env.CAPACITY_SECONDS ?? 30) };
}

export const CAPACITY_CLIENT = join(ROOT, "test/clients/matrix_capacity.py");
export const CLIENT_PYTHON = join(ROOT, ".cache/venv-matrix-client/bin/python");

/** The client's arguments: base URL, the address every name resolves to, the CA file (or none for http). */
export function capacityArgs(base: string, entry: string, caFile: string | undefined, load = capacityLoad()): string[] {
  return [CAPACITY_CLIENT, base, entry, caFile ?? "-", String(load.seconds), String(load.clients)];
}

export function parseCapacity(stdout: string): CapacityFigures {
  return JSON.parse(stdout.trim().split("\n").pop() ?? "") as CapacityFigures;
}

/** One line for the log. */
export function describeCapacity(where: string, f: CapacityFigures): string {
  const ms = (l: LatencyFigures | null) => (l ? `p50 ${l.p50} ms, p95 ${l.p95} ms, max ${l.max} ms` : "none");
  return `${where}: ${f.clients} clients in ${f.rooms} rooms for ${f.seconds} s: ${f.messagesPerSecond} messages/s (${f.acknowledged} acknowledged, ${f.refused} refused, ${f.lost} lost); send ${ms(f.sendMs)}; sync ${ms(f.syncMs)} (${f.undelivered} undelivered)${f.cores ? `; ${describeCores(f.cores)}` : ""}`;
}

/** "1.9 cores busy (synapse1 1.2, db1 0.2, ...)": the busiest hosts first. */
export function describeCores(c: CoresBusy, top = 5): string {
  const hosts = Object.entries(c.hosts ?? {}).sort((a, b) => b[1] - a[1]).slice(0, top);
  return `${c.machine.toFixed(2)} cores busy${hosts.length > 0 ? ` (${hosts.map(([n, v]) => `${n} ${v.toFixed(2)}`).join(", ")})` : ""}`;
}

/** For npm run bench:capacity: the figures, under `where`, in the file CAPACITY_SUMMARY names. */
export function recordCapacity(where: "cluster" | "single", f: CapacityFigures, env: NodeJS.ProcessEnv = process.env): void {
  if (env.CAPACITY_SUMMARY) writeFileSync(`${env.CAPACITY_SUMMARY}.${where}.json`, JSON.stringify(f));
}
