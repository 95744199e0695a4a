/**
 * Benchmark: what users see of the small-scale cluster under a steady load, against the same
 * load on one Synapse with a local PostgreSQL on this machine (the proof of concept's
 * configuration on loopback): the HA tier's overhead. Clients (test/clients/matrix_capacity.py)
 * sit in rooms of five, each syncing (long polls) and sending a message a second; every
 * request is stamped at its start and end and every message again when each reader's sync
 * returns it. Prints, for each side and as the ratio cluster / single: messages per second,
 * send latency (Synapse answers once the event is persisted) and sync latency (a send's
 * start to a reader's sync returning it), p50 and p95, against the research notes' targets.
 *
 *   npm run bench:capacity [-- clients [seconds]]     (default 20 clients, 60 s; needs what the
 *                                                      lab tests need: root, bash
 *                                                      scripts/setup-tests.sh; about 15 min)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { describeCores, type CapacityFigures, type LatencyFigures } from "../../test/helpers/capacity";

const ROOT = join(__dirname, "..", "..");
const clients = Number(process.argv[2] ?? 20);
const seconds = Number(process.argv[3] ?? 60);
const dir = mkdtempSync(join(tmpdir(), "bench-capacity-"));
const summary = join(dir, "figures");
const started = Date.now();

/** Runs one side's test; its figures, or undefined when it did not get to them (jest's output says why). */
function side(where: "single" | "cluster", testFile: string, only: string): CapacityFigures | undefined {
  spawnSync(join(ROOT, "node_modules/.bin/jest"), [testFile, "-t", only], {
    cwd: ROOT,
    env: { ...process.env, CAPACITY_CLIENTS: String(clients), CAPACITY_SECONDS: String(seconds), CAPACITY_SUMMARY: summary },
    stdio: ["ignore", "inherit", "inherit"],
  });
  try {
    return JSON.parse(readFileSync(`${summary}.${where}.json`, "utf8")) as CapacityFigures;
  } catch {
    return undefined;
  }
}

// The baseline's admin is registered by the test before it.
const single = side("single", "test/poc-e2e.test.ts", "an admin|capacity baseline");
const cluster = side("cluster", "test/lab-cluster.test.ts", "capacity:");
rmSync(dir, { recursive: true, force: true });

const ms = (l: LatencyFigures | null | undefined, k: "p50" | "p95") => (l ? `${l[k]} ms` : "-");
const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? (a / b).toFixed(2) : "-");
const row = (what: string, pick: (f: CapacityFigures) => number | undefined, show: (f: CapacityFigures) => string, target = "") =>
  `${what.padEnd(22)} ${(cluster ? show(cluster) : "-").padStart(10)} ${(single ? show(single) : "-").padStart(10)} ${ratio(cluster && pick(cluster), single && pick(single)).padStart(8)}  ${target}`;
console.log(`\ncapacity, ${clients} clients in rooms of 5, a message a second each, ${seconds} s; ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ${((Date.now() - started) / 60_000).toFixed(0)} min in all`);
console.log(`${"".padEnd(22)} ${"cluster".padStart(10)} ${"single".padStart(10)} ${"ratio".padStart(8)}  target (research notes)`);
console.log(row("messages/s", (f) => f.messagesPerSecond, (f) => String(f.messagesPerSecond)));
console.log(row("send p50", (f) => f.sendMs?.p50, (f) => ms(f.sendMs, "p50")));
console.log(row("send p95", (f) => f.sendMs?.p95, (f) => ms(f.sendMs, "p95"), "event persist lag < 100 ms"));
console.log(row("sync p50", (f) => f.syncMs?.p50, (f) => ms(f.syncMs, "p50")));
console.log(row("sync p95", (f) => f.syncMs?.p95, (f) => ms(f.syncMs, "p95"), "sync latency p95 < 150 ms"));
console.log(row("refused / lost", () => undefined, (f) => `${f.refused} / ${f.lost}`));
console.log(row(`cores busy (of ${cpus().length})`, (f) => f.cores?.machine, (f) => (f.cores ? f.cores.machine.toFixed(2) : "-")));
if (cluster?.cores) console.log(`cluster, by lab host: ${describeCores(cluster.cores, 8)}`);
process.exit(single && cluster ? 0 : 1);
