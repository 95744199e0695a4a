import { spawnSync } from "node:child_process";

/** The diagram cannot be drawn here: what to install, or what dot said. */
export class DiagramError extends Error {}

/** Graphviz's SVG of a DOT source; a missing `dot` is named with the package that brings it. */
export function drawSvg(dot: string): string {
  const r = spawnSync("dot", ["-Tsvg"], { input: dot, encoding: "utf8" });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    throw new DiagramError("Graphviz's dot is not installed: it draws the topology diagram (Debian: apt-get install graphviz; scripts/deps/docs.sh does it)");
  }
  if (r.status !== 0) throw new DiagramError(`dot could not draw the topology diagram: ${r.stderr.trim()}`);
  return r.stdout;
}
