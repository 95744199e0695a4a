import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, unlinkSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { DeploymentError } from "../../constructs/deployment/errors";
import type { Deployment } from "../../constructs/deployment/model";

/** State files at the top of a stack folder (not the backend settings under .terraform/). */
function stateFilesIn(stackDir: string): string[] {
  if (!existsSync(stackDir)) return [];
  return readdirSync(stackDir)
    .filter((f) => f.endsWith(".tfstate"))
    .map((f) => join(stackDir, f));
}

/** rename(2), or copy and unlink when the two paths are on different file systems. */
function moveFile(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  try {
    renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
    copyFileSync(from, to);
    unlinkSync(from);
  }
}

/** A path as a message shows it: relative when under the working folder, else absolute. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
}

/**
 * Keeps local state out of harm's way before a synth into `outdir`. `cdktf synth` deletes
 * every stack folder it does not synthesize, and earlier versions kept local state inside
 * that folder: so a state found there is moved, once, to the deployment's own state path
 * (beside its file), and a synth that would delete the state of a deployment it does not
 * synthesize is refused. Returns one line per state moved; throws DeploymentError (nothing
 * moved) when a state cannot be placed safely.
 */
export function secureLocalState(deployments: readonly Deployment[], outdir: string): string[] {
  const stacksDir = join(outdir, "stacks");
  const synthesized = new Set(deployments.map((d) => d.name));
  const problems: string[] = [];
  const moves: { from: string; to: string; name: string }[] = [];

  for (const stack of existsSync(stacksDir) ? readdirSync(stacksDir) : []) {
    if (synthesized.has(stack)) continue;
    for (const state of stateFilesIn(join(stacksDir, stack))) {
      problems.push(
        `${shown(state)} is the state of deployment "${stack}", and this synth would delete its folder; synthesize that deployment once (DEPLOYMENTS=<its file> npx cdktf synth) to move the state beside its file, or move the file out of ${shown(outdir)} yourself`,
      );
    }
  }

  for (const d of deployments) {
    if (d.backend.type !== "local") continue;
    const target = d.backend.path;
    const found = stateFilesIn(join(stacksDir, d.name)).filter((f) => f !== target);
    if (found.length === 0) continue;
    if (found.length > 1) {
      problems.push(`${found.map(shown).join(" and ")}: two state files for deployment "${d.name}"; keep the one of the deployed platform, move it to ${shown(target)}, and delete the other`);
    } else if (existsSync(target)) {
      problems.push(`${shown(found[0])} and ${shown(target)} are both states of deployment "${d.name}"; keep the one of the deployed platform at ${shown(target)} and delete the other`);
    } else {
      moves.push({ from: found[0], to: target, name: d.name });
    }
  }
  if (problems.length > 0) throw new DeploymentError(problems);

  return moves.map(({ from, to, name }) => {
    for (const suffix of ["", ".backup"]) if (existsSync(from + suffix)) moveFile(from + suffix, to + suffix);
    return `moved the state of "${name}" from ${shown(from)} to ${shown(to)} (state no longer lives in the synthesized output, which synth rewrites); run \`tofu init -reconfigure\` once in ${shown(dirname(from))}`;
  });
}
