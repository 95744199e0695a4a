/**
 * Benchmark: time to load, validate and synthesize every example deployment, as
 * `cdktf synth` does it (one process), plus a cold process start. Prints figures only.
 *
 *   npm run bench:synth [-- runs]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..");
const runs = Number(process.argv[2] ?? 5);
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const out = mkdtempSync(join(tmpdir(), "bench-"));
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [join(ROOT, "node_modules/tsx/dist/cli.mjs"), join(ROOT, "main.ts"), join(ROOT, "examples")], {
    env: { ...process.env, CDKTF_OUTDIR: out },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(r.stderr);
  times.push(Number(process.hrtime.bigint() - start) / 1e9);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(`synth of all examples (process start included), ${runs} runs: min ${times[0].toFixed(2)} s, median ${median.toFixed(2)} s, max ${times[times.length - 1].toFixed(2)} s`);
