// constructs/deployment/zod-locales-on-demand.ts keeps zod's sixty-odd locales out of a synth
// until something asks for one. Jest keeps its own module registry, so the check runs in a
// process of its own, loaded the way cdktf runs the app (node with tsx's loader).
import { spawnSync } from "node:child_process";
import { ROOT, TSX_LOADER } from "./helpers/examples";

function inProcess(script: string): string {
  const r = spawnSync(process.execPath, ["--import", TSX_LOADER, "--input-type=commonjs", "-e", script], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

const LOCALES_LOADED = `Object.keys(require.cache).filter((k) => k.includes("/zod/v4/locales/")).length`;

test("loading the deployment schema loads only zod's English messages, not its other locales", () => {
  const loaded = Number(inProcess(`require("./constructs/deployment/schema"); console.log(${LOCALES_LOADED});`));
  expect(loaded).toBeLessThanOrEqual(2);
});

test("zod's locales still work when asked for: all of them load, and a German message comes back", () => {
  const out = inProcess(`require("./constructs/deployment/schema"); const { z } = require("zod"); z.config(z.locales.de()); console.log(JSON.stringify([${LOCALES_LOADED}, Object.keys(z.locales).length, z.string().safeParse(1).error.issues[0].message]));`);
  const [loaded, exported, message] = JSON.parse(out) as [number, number, string];
  expect(loaded).toBeGreaterThan(50);
  expect(exported).toBe(loaded - 1);
  expect(message).toMatch(/^Ungültige Eingabe/);
});
