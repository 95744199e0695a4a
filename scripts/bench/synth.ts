/**
 * Benchmark: the time to load, validate and synthesize every example deployment in one
 * process, as `cdktf synth` runs the app (process start included), against the floor
 * (scripts/bench/floor.ts: cdktf and one AWS class, a one-instance stack), the two
 * alternating so both see the same machine. Prints figures only: each side's min,
 * median and max, and the ratio app / floor of each pair.
 *
 *   npm run bench:synth [-- runs]      (default 5)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = join(__dirname, "..", "..");
/** As cdktf.json runs the app: node with tsx's loader, one process. */
const TSX_LOADER = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;
const runs = Number(process.argv[2] ?? 5);

/** Wall time of one process, from spawn to exit, in seconds. */
function timed(args: readonly string[]): number {
  const out = mkdtempSync(join(tmpdir(), "bench-"));
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ["--import", TSX_LOADER, ...args], { cwd: ROOT, env: { ...process.env, CDKTF_OUTDIR: out }, encoding: "utf8" });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  rmSync(out, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed:\n${r.stderr}`);
  return seconds;
}

const stats = (xs: readonly number[], digits = 2) => {
  const s = [...xs].sort((a, b) => a - b);
  return `min ${s[0].toFixed(digits)}, median ${s[Math.floor(s.length / 2)].toFixed(digits)}, max ${s[s.length - 1].toFixed(digits)}`;
};

const app: number[] = [];
const floor: number[] = [];
for (let i = 0; i < runs; i++) {
  floor.push(timed([join(ROOT, "scripts/bench/floor.ts")]));
  app.push(timed([join(ROOT, "main.ts"), join(ROOT, "examples")]));
}
console.log(`synth of every example, ${runs} runs (s): ${stats(app)}`);
console.log(`floor (cdktf + one AWS instance) (s):   ${stats(floor)}`);
console.log(`ratio app / floor, per pair:            ${stats(app.map((a, i) => a / floor[i]))}`);
