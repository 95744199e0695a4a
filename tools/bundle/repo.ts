import { spawnSync } from "node:child_process";
import { constants, copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { sha256 } from "../../constructs/hash";
import { archiveFileName, poolFileName, type PlannedDeb } from "./apt-plan";
import type { ManifestDeb } from "./manifest";

const SETUP_HINT = "run scripts/setup-tests.sh (scripts/deps/bundle.sh installs it)";

/** The stanzas of a Packages index, as field maps (first line of each field only). */
export function parsePackagesIndex(text: string): Record<string, string>[] {
  return text
    .split(/\n\s*\n/)
    .filter((s) => s.trim() !== "")
    .map((stanza) => Object.fromEntries(stanza.split("\n").flatMap((line) => (/^[A-Za-z0-9-]+: /.test(line) ? [[line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)]] : []))));
}


/**
 * A flat Debian repository in `dir`: the planned .debs (copies of apt's cache: a hard link
 * would share its inode with concurrent builds, whose links and unlinks change its ctime
 * while tar reads it, and tar then fails with "file changed as we read it"), Packages and
 * Packages.gz from dpkg-scanpackages, and a Release naming both.
 * Returns the .debs as the index describes them, sorted by package name.
 */
export function writeFlatRepository(dir: string, archives: string, planned: readonly PlannedDeb[]): ManifestDeb[] {
  mkdirSync(dir, { recursive: true });
  for (const d of planned) {
    const source = join(archives, archiveFileName(d));
    if (!existsSync(source)) throw new Error(`apt did not download ${archiveFileName(d)} into ${archives}`);
    copyFileSync(source, join(dir, poolFileName(d)), constants.COPYFILE_FICLONE);
  }
  const scan = spawnSync("dpkg-scanpackages", ["--multiversion", ".", "/dev/null"], { cwd: dir, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (scan.error) throw new Error(`dpkg-scanpackages (package dpkg-dev) cannot run (${scan.error.message}): ${SETUP_HINT}`);
  if (scan.status !== 0) throw new Error(`dpkg-scanpackages failed:\n${scan.stderr}`);
  const packages = scan.stdout;
  const debs = parsePackagesIndex(packages)
    .map((f) => ({
      file: f.Filename.replace(/^\.\//, ""),
      package: f.Package,
      version: f.Version,
      architecture: f.Architecture,
      size: Number(f.Size),
      sha256: f.SHA256,
    }))
    .sort((a, b) => (a.package < b.package ? -1 : a.package > b.package ? 1 : 0));
  const indexed = new Set(debs.map((d) => `${d.package}=${d.version}`));
  const missing = planned.filter((d) => !indexed.has(`${d.package}=${d.version}`));
  if (missing.length > 0 || debs.length !== planned.length) {
    throw new Error(`the Packages index does not match apt's plan: ${missing.map((d) => `${d.package}=${d.version}`).join(", ") || `${debs.length} entries for ${planned.length} packages`}`);
  }
  const gz = gzipSync(packages, { level: 9 });
  writeFileSync(join(dir, "Packages"), packages);
  writeFileSync(join(dir, "Packages.gz"), gz);
  writeFileSync(
    join(dir, "Release"),
    [
      "Origin: matrix-platform",
      "Label: matrix-platform offline bundle",
      `Architectures: ${[...new Set(debs.map((d) => d.architecture))].sort().join(" ")}`,
      // apt wants a Date; a fixed one keeps equal content byte-identical.
      "Date: Thu, 01 Jan 1970 00:00:00 UTC",
      "SHA256:",
      ` ${sha256(packages)} ${Buffer.byteLength(packages)} Packages`,
      ` ${sha256(gz)} ${gz.length} Packages.gz`,
      "",
    ].join("\n"),
  );
  return debs;
}

/** A reproducible tar of `names` (relative to `dir`): sorted, mtime 0, owner root. */
export function writeTar(dir: string, names: readonly string[], outFile: string): void {
  const r = spawnSync(
    "tar",
    ["--create", `--file=${outFile}`, `--directory=${dir}`, "--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "--format=gnu", "--", ...[...names].sort()],
    { encoding: "utf8" },
  );
  if (r.error || r.status !== 0) throw new Error(`tar failed: ${r.error?.message ?? r.stderr}`);
}
