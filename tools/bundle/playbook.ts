import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parse } from "yaml";
import { MDAD_CHECKED_AT } from "../../constructs/roles/synapse/mdad-variables";
import { SYNAPSE_VERSION } from "../../constructs/roles/synapse/wheelhouse";
import { sha256 } from "../../constructs/hash";

/**
 * What the Synapse host needs to run matrix-docker-ansible-deploy with no network: the
 * playbook checkout with its Galaxy roles (`just roles` done on a connected machine), and
 * a wheelhouse of the pinned Ansible for the hosts' Python.
 */

export interface ManifestFile {
  readonly file: string;
  readonly size: number;
  readonly sha256: string;
}

export interface ManifestPlaybook {
  /** The checkout's git commit; null when it is not a git checkout. */
  readonly commit: string | null;
  /** SHA-256 over every file's path and content (.git left out). */
  readonly tree_sha256: string;
  /** Galaxy roles requirements.yml names, all present under roles/galaxy. */
  readonly galaxy_roles: number;
}

export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** A checkout checkPlaybookCheckout accepted. */
export interface PlaybookCheckout {
  readonly dir: string;
  readonly roles: readonly string[];
  readonly commit: string | null;
}

/**
 * Checks that `dir` is a playbook checkout ready to run offline: setup.yml, every role
 * requirements.yml pins present under roles/galaxy, and the Synapse release the product is
 * built for. Throws an error that names the fix.
 */
export function checkPlaybookCheckout(dir: string): PlaybookCheckout {
  const fix = "clone matrix-docker-ansible-deploy at the pinned commit and run `just roles` (or `ansible-galaxy install -r requirements.yml -p roles/galaxy/ --force`) in it on a connected machine";
  if (!existsSync(join(dir, "setup.yml")) || !existsSync(join(dir, "requirements.yml"))) {
    throw new Error(`--playbook ${dir}: no setup.yml and requirements.yml there, so it is not a matrix-docker-ansible-deploy checkout; ${fix}`);
  }
  const requirements = parse(readFileSync(join(dir, "requirements.yml"), "utf8")) as { name?: string; src?: string }[] | null;
  if (!Array.isArray(requirements)) throw new Error(`--playbook ${dir}: requirements.yml is not a list of roles`);
  const roles = requirements.map((r) => r.name ?? (r.src ?? "").replace(/\.git$/, "").split("/").pop() ?? "");
  const missing = roles.filter((name) => !existsSync(join(dir, "roles/galaxy", name)));
  if (missing.length > 0) {
    throw new Error(`--playbook ${dir}: ${missing.length} of ${roles.length} Galaxy roles are missing under roles/galaxy (${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", ..." : ""}); ${fix}`);
  }
  const defaults = join(dir, "roles/custom/matrix-synapse/defaults/main.yml");
  const pinned = existsSync(defaults) ? /^matrix_synapse_version:\s*v?(\S+)\s*$/m.exec(readFileSync(defaults, "utf8"))?.[1] : undefined;
  if (pinned === undefined) throw new Error(`--playbook ${dir}: no matrix_synapse_version in roles/custom/matrix-synapse/defaults/main.yml; ${fix}`);
  // vars.yml runs SYNAPSE_VERSION whatever the checkout pins; its pin tells the checked
  // playbook (whose variables and templates the product was checked against) from another.
  if (pinned !== MDAD_CHECKED_AT.synapseVersion) {
    throw new Error(
      `--playbook ${dir}: it pins Synapse ${pinned}, so it is not the playbook this product was checked against (${MDAD_CHECKED_AT.commit.slice(0, 9)}, which pins ${MDAD_CHECKED_AT.synapseVersion}; vars.yml runs Synapse ${SYNAPSE_VERSION} on it); check out that commit, or move the product to the new playbook first (MDAD_CHECKED_AT, MDAD_VARIABLES)`,
    );
  }
  const git = existsSync(join(dir, ".git")) ? spawnSync("git", ["-C", dir, "rev-parse", "HEAD"], { encoding: "utf8" }) : undefined;
  return { dir, roles, commit: git?.status === 0 ? git.stdout.trim() : null };
}

/** Copies the checked checkout, .git left out, to staging/playbook. */
export function stagePlaybook(checked: PlaybookCheckout, staging: string): ManifestPlaybook {
  const { dir } = checked;
  const target = join(staging, "playbook");
  cpSync(dir, target, { recursive: true, verbatimSymlinks: true, filter: (src) => relative(dir, src).split("/")[0] !== ".git" });
  const tree = filesUnder(target).map((file) => {
    const path = join(target, file);
    return `${file}\0${statSync(path).isFile() ? sha256(readFileSync(path)) : "link"}\n`;
  });
  return { commit: checked.commit, tree_sha256: sha256(tree.join("")), galaxy_roles: checked.roles.length };
}

/** A line for the builder when the checkout is not the commit the variable names were checked at. */
export function playbookCommitWarning(playbook: ManifestPlaybook): string | undefined {
  if (playbook.commit === MDAD_CHECKED_AT.commit) return undefined;
  return `the playbook is ${playbook.commit ?? "not a git checkout"}, not ${MDAD_CHECKED_AT.commit} (${MDAD_CHECKED_AT.date}), where vars.yml's variable names were checked: the playbook's own validation stops on a renamed one`;
}
