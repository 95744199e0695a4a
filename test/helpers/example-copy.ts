import { copyFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { editedExample, loadExample, type ExampleName } from "./examples";

/**
 * An on-prem example copied into `dir` under another deployment name, with its pinned
 * host keys, so what the commands write beside it (state, PKI) stays in `dir`.
 */
export function copyOnPremExample(example: Extract<ExampleName, `onprem-${string}`>, dir: string, name: string): string {
  const original = loadExample(example);
  if (original.target !== "onprem") throw new Error(`${example} is not an on-prem example`);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, editedExample(example, (doc) => doc.set("name", name)));
  // The example names its known_hosts file relative to itself.
  copyFileSync(original.onprem.knownHosts, join(dir, basename(original.onprem.knownHosts)));
  return file;
}
