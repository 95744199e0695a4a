import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { DeploymentError } from "./errors";
import { loadDeploymentFile } from "./load";
import type { Deployment } from "./model";

/** Expands folders to the *.yaml / *.yml files they hold (sorted), keeping files as given. */
export function deploymentFiles(paths: readonly string[]): string[] {
  return paths.flatMap((p) => {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      return [p]; // loadDeploymentFile reports the missing file.
    }
    return isDir ? readdirSync(p).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(p, f)) : [p];
  });
}

/** Loads every deployment, collecting all files' problems before failing; names must differ. */
export function loadDeployments(paths: readonly string[]): Deployment[] {
  const problems: string[] = [];
  const deployments: Deployment[] = [];
  for (const file of deploymentFiles(paths)) {
    try {
      deployments.push(loadDeploymentFile(file));
    } catch (e) {
      if (!(e instanceof DeploymentError)) throw e;
      problems.push(...e.message.split("\n"));
    }
  }
  const byName = new Map<string, string>();
  for (const d of deployments) {
    const other = byName.get(d.name);
    if (other) problems.push(`${d.source}: name: "${d.name}" is already the name of ${other}; each deployment needs its own name (it names the stack and its state)`);
    byName.set(d.name, d.source ?? d.name);
  }
  if (problems.length > 0) throw new DeploymentError(problems);
  return deployments;
}
