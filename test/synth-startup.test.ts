// How a synth's process loads its modules: what a dependency loads but a synth never uses
// waits for first use (constructs/on-demand-module.ts: zod's sixty-odd locales, cdktf's
// archiver and semver), and dependencies load as Node loads them, not through tsx
// (targets/native-dependencies.ts). Each check runs in a process of its own (Jest keeps its
// own module registry and loader), loaded the way cdktf runs the app (node with tsx's loader).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, TSX_LOADER } from "./helpers/examples";

function inProcess(script: string, env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(process.execPath, ["--import", TSX_LOADER, "--input-type=commonjs", "-e", script], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

/** How many files of `folder` (a path fragment) Node has loaded. */
const loadedFrom = (folder: string) => `Object.values(require.cache).filter((m) => m.filename.includes(${JSON.stringify(folder)}) && m.loaded).length`;

describe("zod's locales", () => {
  const LOCALES_LOADED = loadedFrom("/zod/v4/locales/");

  test("loading the deployment schema loads only zod's English messages, not its other locales", () => {
    const loaded = Number(inProcess(`require("./constructs/deployment/schema"); console.log(${LOCALES_LOADED});`));
    expect(loaded).toBeLessThanOrEqual(2);
  });

  test("still work when asked for: all of them load, and a German message comes back", () => {
    const out = inProcess(`require("./constructs/deployment/schema"); const { z } = require("zod"); z.config(z.locales.de()); console.log(JSON.stringify([${LOCALES_LOADED}, Object.keys(z.locales).length, z.string().safeParse(1).error.issues[0].message]));`);
    const [loaded, exported, message] = JSON.parse(out) as [number, number, string];
    expect(loaded).toBeGreaterThan(50);
    expect(exported).toBe(loaded - 1);
    expect(message).toMatch(/^Ungültige Eingabe/);
  });
});

/** What a synth of every example loaded, counted as it exits, after cdktf has written every stack. */
interface SynthLoads {
  /** Files of archiver's and semver's own (each stand-in is its package's index in the cache). */
  deferred: number;
  /** Files loaded by Node's own CommonJS loader and by tsx's. */
  node: number;
  tsx: number;
}
let synthLoads: SynthLoads;

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), "synth-startup-"));
  try {
    writeFileSync(join(dir, "count.cjs"), `process.on("exit", () => {
      const { dependencyLoads } = require(${JSON.stringify(join(ROOT, "targets/native-dependencies.ts"))});
      console.log(JSON.stringify({ deferred: ${loadedFrom("/archiver/lib/")} + ${loadedFrom("/semver/functions/")}, ...dependencyLoads }));
    });`);
    const r = spawnSync(process.execPath, ["--import", TSX_LOADER, "--require", join(dir, "count.cjs"), "main.ts", "examples"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, CDKTF_OUTDIR: join(dir, "out") } });
    if (r.status !== 0) throw new Error(r.stderr);
    expect(readFileSync(join(dir, "out", "manifest.json"), "utf8")).toContain("z3r0d3v-small");
    synthLoads = JSON.parse(r.stdout.trim().split("\n").pop()!) as SynthLoads;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe("cdktf's archiver and semver", () => {
  const SEMVER_LOADED = loadedFrom("/semver/functions/");
  const ARCHIVER_LOADED = loadedFrom("/archiver/lib/");
  const fromCdktf = (name: string) => `require(require.resolve("${name}", { paths: [require("node:path").dirname(require.resolve("cdktf"))] }))`;

  test("a synth of every example loads neither", () => {
    expect(synthLoads.deferred).toBe(0);
  });

  test("semver still works when called", () => {
    expect(inProcess(`require("./targets"); const semver = ${fromCdktf("semver")}; console.log(${SEMVER_LOADED} === 0, semver.satisfies("1.9.1", ">=1.5"), semver.satisfies("1.4.0", ">=1.5"), ${SEMVER_LOADED} > 0);`)).toBe("true true false true");
  });

  test("archiver still works when called: a zip is written, and `new` and its properties behave as the real module's", () => {
    const dir = mkdtempSync(join(tmpdir(), "on-demand-"));
    try {
      writeFileSync(join(dir, "hello.txt"), "hello\n");
      const script = `require("./targets");
        const archiver = ${fromCdktf("archiver")};
        const fs = require("node:fs");
        const zip = archiver("zip");
        const out = fs.createWriteStream(${JSON.stringify(join(dir, "out.zip"))});
        out.on("close", () => console.log(JSON.stringify([${ARCHIVER_LOADED} > 0, archiver.isRegisteredFormat("zip"), typeof archiver.create, new archiver("tar").constructor.name])));
        zip.pipe(out);
        zip.file(${JSON.stringify(join(dir, "hello.txt"))}, { name: "hello.txt" });
        zip.finalize();`;
      expect(JSON.parse(inProcess(script))).toEqual([true, true, "function", "Archiver"]);
      // A zip's local file header, then the file's name.
      const zip = readFileSync(join(dir, "out.zip"));
      expect(zip.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
      expect(zip.includes("hello.txt")).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("dependencies load as Node loads them, not through tsx", () => {
  test("a synth of every example loads its dependencies' files through Node's loader, none through tsx's", () => {
    expect(synthLoads.node).toBeGreaterThan(200);
    expect(synthLoads.tsx).toBe(0);
  });

  test("each kind of file loads as it does under tsx alone: CommonJS, ES module syntax in a package without a type, an ES module package's .js and .cjs", () => {
    const dir = mkdtempSync(join(tmpdir(), "synth-startup-"));
    try {
      const pkg = (name: string, json: object, index: string) => {
        mkdirSync(join(dir, "node_modules", name), { recursive: true });
        writeFileSync(join(dir, "node_modules", name, "package.json"), JSON.stringify({ name, main: "index.js", ...json }));
        writeFileSync(join(dir, "node_modules", name, "index.js"), index);
      };
      pkg("plain-cjs", {}, `globalThis.runs = (globalThis.runs ?? 0) + 1;\nexports.answer = require("untyped-esm").answer + 1;\n`);
      pkg("untyped-esm", {}, "export const answer = 41;\n");
      pkg("typed-esm", { type: "module" }, 'export default "module";\n');
      writeFileSync(join(dir, "node_modules", "typed-esm", "legacy.cjs"), 'module.exports = "commonjs";\n');
      const script = (native: boolean) => `${native ? `require(${JSON.stringify(join(ROOT, "targets/native-dependencies.ts"))});` : ""}
        const paths = [${JSON.stringify(dir)}];
        const load = (name) => require(require.resolve(name, { paths }));
        console.log(JSON.stringify([load("plain-cjs").answer, globalThis.runs, load("typed-esm").default, load("typed-esm/legacy.cjs")]));`;
      const expected = [42, 1, "module", "commonjs"];
      expect(JSON.parse(inProcess(script(false)))).toEqual(expected);
      expect(JSON.parse(inProcess(script(true)))).toEqual(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
