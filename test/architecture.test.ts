// The walls of the architecture, read from the import graph (dpdm, the TypeScript
// dependency analyser): no import cycle, layers that import one way, and role renderers
// that see only the resolved topology.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./helpers/examples";
import { run, tempDir } from "./helpers/programs";

const SOURCES = ["index.ts", "main.ts", "scripts/*.ts", "scripts/lib/*.ts", "constructs/**/*.ts", "targets/**/*.ts", "tools/**/*.ts", "examples/**/*.ts"];

interface Dependency {
  readonly request: string;
  /** The resolved file, relative to the project; null when not found. */
  readonly id: string | null;
}
let tree: Record<string, Dependency[] | null>;
let circulars: string[][];
beforeAll(() => {
  // dpdm's command line (its library is ESM-only under jest): the graph as JSON.
  const tmp = tempDir("dpdm");
  const out = join(tmp.dir, "graph.json");
  const r = run(join(ROOT, "node_modules/.bin/dpdm"), ["--no-tree", "--no-warning", "--no-circular", "--no-progress", "-o", out, ...SOURCES], { cwd: ROOT });
  if (r.status !== 0) throw new Error(`dpdm failed: ${r.output}`);
  ({ tree, circulars } = JSON.parse(readFileSync(out, "utf8")));
  tmp.remove();
});

/** Every project file's imports of other project files. */
const edges = (): [string, string][] =>
  Object.entries(tree).flatMap(([from, deps]) => (deps ?? []).filter((d) => d.id && !d.id.includes("node_modules")).map((d): [string, string] => [from, d.id!]));

test("the project's sources are all analysed", () => {
  const files = Object.keys(tree);
  for (const f of ["main.ts", "index.ts", "constructs/plan.ts", "targets/onprem/matrix-onprem.ts", "tools/bundle/build.ts", "tools/lab/lab.ts", "examples/app/main.ts"]) expect(files).toContain(f);
});

test("no import cycle (type-only imports included)", () => {
  expect(circulars.map((c) => c.join(" -> "))).toEqual([]);
});

test("layers import one way: main.ts and scripts -> targets -> constructs, tools -> constructs", () => {
  const layer = (f: string) => f.split("/")[0];
  const forbidden: Record<string, readonly string[]> = {
    constructs: ["targets", "tools", "scripts", "main.ts", "index.ts", "test"],
    targets: ["tools", "scripts", "main.ts", "index.ts", "test"],
    tools: ["targets", "scripts", "main.ts", "index.ts", "test"],
  };
  const wrong = edges().filter(([from, to]) => (forbidden[layer(from)] ?? []).includes(layer(to)));
  expect(wrong.map(([from, to]) => `${from} -> ${to}`)).toEqual([]);
});

test("role renderers read only the resolved topology: no import of the deployment file's model, no test of the target", () => {
  const roleFiles = Object.keys(tree).filter((f) => f.startsWith("constructs/roles/"));
  expect(roleFiles.length).toBeGreaterThan(15);
  const intoDeployment = edges().filter(([from, to]) => from.startsWith("constructs/roles/") && to.startsWith("constructs/deployment/"));
  expect(intoDeployment.map(([from, to]) => `${from} -> ${to}`)).toEqual([]);
  const targetTests = roleFiles.filter((f) => /\.target\b|\btarget ===/.test(readFileSync(join(ROOT, f), "utf8")));
  expect(targetTests).toEqual([]);
});

test("provider classes are imported by deep path, never from a package root (6x slower synth)", () => {
  const roots = edges().filter(([, to]) => /node_modules\/@cdktf\/provider-[a-z]+\/lib\/index\.js$/.test(to));
  const rootImports = Object.entries(tree).flatMap(([from, deps]) => (deps ?? []).filter((d) => /^@cdktf\/provider-[a-z]+$/.test(d.request)).map((d) => `${from} imports ${d.request}`));
  expect([...roots.map(([from, to]) => `${from} -> ${to}`), ...rootImports]).toEqual([]);
});
