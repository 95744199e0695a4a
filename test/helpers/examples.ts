import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseDocument } from "yaml";
import { parseDeployment } from "../../constructs/deployment/load";
import type { Deployment } from "../../constructs/deployment/model";

export const ROOT = join(__dirname, "..", "..");
/** `node --import <this> file.ts` runs TypeScript in one process, from any working folder (tsx's loader). */
export const TSX_LOADER = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;
export const EXAMPLES = ["aws-poc", "onprem-poc", "onprem-small", "onprem-medium", "onprem-large"] as const;
export type ExampleName = (typeof EXAMPLES)[number];

export const examplePath = (name: ExampleName) => join(ROOT, "examples", `${name}.yaml`);
export const exampleText = (name: ExampleName) => readFileSync(examplePath(name), "utf8");
export const loadExample = (name: ExampleName): Deployment => parseDeployment(exampleText(name), examplePath(name));

/** An example with one edit applied through the YAML document (comments kept). */
export function editedExample(name: ExampleName, edit: (doc: ReturnType<typeof parseDocument>) => void): string {
  const doc = parseDocument(exampleText(name));
  edit(doc);
  return doc.toString();
}

/**
 * One of the project's commands (scripts/<script>), as `npm run` runs it, in `dir`: its
 * synthesis goes to dir/cdktf.out, so a test's runs stay out of the checkout.
 */
export function runProjectScript(script: string, args: readonly string[], dir: string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ["--import", TSX_LOADER, join(ROOT, "scripts", script), ...args], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, CDKTF_OUTDIR: join(dir, "cdktf.out") },
    maxBuffer: 64 * 1024 * 1024,
  });
}
