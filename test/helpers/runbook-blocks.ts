import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { loadDeploymentFile } from "../../constructs/deployment/load";
import { runbookFiles } from "../../constructs/docs/runbooks";
import { runnableBlocks, type RunnableBlock } from "../../constructs/docs/runbooks/markdown";
import { planCluster } from "../../constructs/plan";
import { buildTopology } from "../../constructs/topology/resolve";
import type { Lab } from "../../tools/lab/lab";

/** Every runnable block of a deployment's generated runbooks, by name: the commands as an operator copies them. */
export function runbookBlocks(deploymentFile: string): ReadonlyMap<string, RunnableBlock> {
  const plan = planCluster(buildTopology(loadDeploymentFile(deploymentFile)));
  const files = runbookFiles(plan, { path: deploymentFile, content: parseYaml(readFileSync(deploymentFile, "utf8")) });
  return new Map(files.flatMap((f) => [...runnableBlocks(f.content)]));
}

function block(blocks: ReadonlyMap<string, RunnableBlock>, id: string): RunnableBlock {
  const found = blocks.get(id);
  if (!found) throw new Error(`the runbooks have no block ${id}; they have ${[...blocks.keys()].join(", ")}`);
  return found;
}

/** Runs a runbook's block on a lab host as root, as an operator pasting it would, stopping at the first command that fails. */
export function runRunbookBlock(lab: Lab, host: string, blocks: ReadonlyMap<string, RunnableBlock>, id: string, opts: { timeoutMs?: number } = {}): ReturnType<Lab["exec"]> {
  return lab.exec(host, "bash -e", { input: block(blocks, id).commands, ...opts });
}

/**
 * Runs a block meant for the operator's machine in the lab's control namespace, where
 * `ssh <host>` reaches a lab host as the deployment's sudo user, as the operator's own
 * ssh configuration would.
 */
export function runOperatorBlock(lab: Lab, blocks: ReadonlyMap<string, RunnableBlock>, id: string, opts: { timeoutMs?: number } = {}): ReturnType<Lab["exec"]> {
  const found = block(blocks, id);
  if (found.on !== "operator") throw new Error(`block ${id} runs on ${found.on.join(", ")}, not on the operator's machine`);
  const bin = mkdtempSync(join(lab.dir, "operator-bin-"));
  writeFileSync(join(bin, "ssh"), `#!/bin/sh\nexec /usr/bin/ssh -F ${lab.sshConfigPath} -l debian "$@"\n`);
  chmodSync(join(bin, "ssh"), 0o755);
  return lab.runInControl("bash", ["-e", "-o", "pipefail"], { input: found.commands, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, ...opts });
}
