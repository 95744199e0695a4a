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
