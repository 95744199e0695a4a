import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { sha256 } from "../../constructs/hash";
import { filesUnder, type ManifestFile } from "./playbook";

/**
 * Python wheelhouses for the Synapse host: the pinned Ansible the playbook path runs (and the
 * S3 storage provider its customized image installs), or the pinned Synapse of the native path. Each is a complete, pinned set for the hosts' Python,
 * installed there with `pip --no-index`.
 */

/** Debian 12's python3: the wheels must install there, not on the machine building the bundle. */
const HOST_PYTHON = { version: "3.11", abi: "cp311", platforms: ["manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64"] } as const;

/** Project name as pip normalizes it (PEP 503), from a requirement or a wheel file name. */
const projectName = (s: string) => s.split(/==|-\d/)[0].toLowerCase().replace(/[-_.]+/g, "-");

export interface Wheelhouse {
  /** Folder in the bundle, and the name of the set in messages. */
  readonly dir: "ansible" | "synapse-wheels" | "synapse-image-wheels";
  readonly what: string;
  readonly requirements: readonly string[];
  /** Where the pins are kept, for the message when pip pulls in an unpinned wheel. */
  readonly pinnedIn: string;
  /**
   * Fetch exactly the pinned wheels, not what their metadata asks for: the list is the whole
   * closure by itself (and deliberately differs from what pip would resolve).
   */
  readonly noDeps?: boolean;
}

/**
 * Downloads a wheelhouse for the hosts' Python into staging/<dir> (cached by the requirement
 * set). Every wheel pip fetches must be pinned: an unpinned dependency means the list is
 * out of date.
 */
export function stageWheels(house: Wheelhouse, cacheDir: string, staging: string): ManifestFile[] {
  const cache = join(cacheDir, "wheels", sha256(JSON.stringify([HOST_PYTHON, house.requirements, house.noDeps ?? false])).slice(0, 16));
  if (!existsSync(cache)) {
    const partial = `${cache}.partial-${process.pid}`;
    mkdirSync(partial, { recursive: true });
    const args = ["-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--only-binary=:all:", "--python-version", HOST_PYTHON.version, "--implementation", "cp", ...(house.noDeps ? ["--no-deps"] : [])];
    const abis = [HOST_PYTHON.abi, "abi3", "none"].flatMap((abi) => ["--abi", abi]);
    const r = spawnSync("python3", [...args, ...abis, ...HOST_PYTHON.platforms.flatMap((p) => ["--platform", p]), "-d", partial, ...house.requirements], { encoding: "utf8" });
    if (r.status !== 0) {
      rmSync(partial, { recursive: true, force: true });
      throw new Error(`pip download of ${house.what} failed (python3 with pip is needed, and the package index reachable): ${(r.stderr || String(r.error)).trim().split("\n").slice(-3).join(" ")}`);
    }
    const pinned = new Set(house.requirements.map(projectName));
    const files = readdirSync(partial);
    const unpinned = files.filter((f) => !pinned.has(projectName(f)));
    const missing = [...pinned].filter((name) => !files.some((f) => projectName(f) === name));
    if (unpinned.length > 0 || missing.length > 0) {
      rmSync(partial, { recursive: true, force: true });
      throw new Error(`${house.what}: pip fetched wheels the pins do not name (${unpinned.join(", ") || "none"}) or none for pinned ones (${missing.join(", ") || "none"}); update ${house.pinnedIn}`);
    }
    try {
      renameSync(partial, cache);
    } catch (e) {
      // A concurrent build finished the same download first: its copy is the same set.
      rmSync(partial, { recursive: true, force: true });
      if (!existsSync(cache)) throw e;
    }
  }
  const target = join(staging, house.dir);
  cpSync(cache, target, { recursive: true });
  return filesUnder(target).map((file) => {
    const data = readFileSync(join(target, file));
    return { file: `${house.dir}/${file}`, size: data.length, sha256: sha256(data) };
  });
}
