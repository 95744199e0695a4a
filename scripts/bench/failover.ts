/**
 * Benchmark: what clients see of each fault of the small-scale cluster (the cluster lab of
 * test/lab-cluster.test.ts, 16 hosts applied by tofu, Synapse native): three users send and
 * sync through the VIP while a fault is caused (a sync worker killed, a hung HAProxy on the
 * VIP holder, an etcd member, a MinIO node or a Coturn host down, the backup server's, the
 * Patroni leader's and the VIP holder's power loss), each request stamped at its start and
 * end. Prints, per fault, the
 * outage (from the fault to the first acknowledged request after a failure) of sends and of
 * syncs, median, min and max over the runs, and the messages acknowledged, refused and lost.
 *
 *   npm run bench:failover [-- runs]      (default 3; needs what the lab tests need: root,
 *                                          bash scripts/setup-tests.sh; about 45 min)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { summarizeFaults, type FaultFigures } from "../../test/helpers/client-load";

const ROOT = join(__dirname, "..", "..");
const runs = Number(process.argv[2] ?? 3);
const dir = mkdtempSync(join(tmpdir(), "bench-failover-"));
const summary = join(dir, "figures.json");
const started = Date.now();
const jest = spawnSync(join(ROOT, "node_modules/.bin/jest"), ["test/lab-cluster.test.ts", "-t", "faults with clients"], {
  cwd: ROOT,
  env: { ...process.env, FAULT_RUNS: String(runs), FAULT_SUMMARY: summary },
  stdio: ["ignore", "inherit", "inherit"],
});
let figures: FaultFigures[] = [];
try {
  figures = JSON.parse(readFileSync(summary, "utf8")) as FaultFigures[];
} catch {
  // no run finished: jest's output above says why
}
rmSync(dir, { recursive: true, force: true });
console.log(`\nfailover under client load, ${runs} run(s) per fault, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ${((Date.now() - started) / 60_000).toFixed(0)} min in all`);
console.log(figures.length > 0 ? summarizeFaults(figures) : "no figures: the lab did not get to the faults");
process.exit(jest.status === 0 && figures.length > 0 ? 0 : 1);
