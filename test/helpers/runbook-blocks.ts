import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { loadDeploymentFile } from "../../constructs/deployment/load";
import { runbookFiles } from "../../constructs/docs/runbooks";
import { runnableBlocks } from "../../constructs/docs/runbooks/markdown";
import { planCluster } from "../../constructs/plan";
import { buildTopology } from "../../constructs/topology/resolve";
import type { Lab } from "../../tools/lab/lab";

/** Every runnable block of a deployment's generated runbooks, by name: the commands as an operator copies them. */
export function runbookBlocks(deploymentFile: string): ReadonlyMap<string, string> {
  const plan = planCluster(buildTopology(loadDeploymentFile(deploymentFile)));
  const files = runbookFiles(plan, { path: deploymentFile, content: parseYaml(readFileSync(deploymentFile, "utf8")) });
  return new Map(files.flatMap((f) => [...runnableBlocks(f.content)]));
}

/** Runs a runbook's block on a lab host as root, as an operator pasting it would, stopping at the first command that fails. */
export function runRunbookBlock(lab: Lab, host: string, blocks: ReadonlyMap<string, string>, id: string): ReturnType<Lab["exec"]> {
  const script = blocks.get(id);
  if (script === undefined) throw new Error(`the runbooks have no block ${id}; they have ${[...blocks.keys()].join(", ")}`);
  return lab.exec(host, "bash -e", { input: script });
}
