import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { archiveFileName, DEBIAN_PACKAGE_NAME, parseAptSimulation, type PlannedDeb } from "./apt-plan";
import { TARGET_OS } from "./debian";

/** An apt configuration root of its own: Debian 12 sources, a chosen dpkg status, own lists and cache. */
export interface AptRoot {
  readonly dir: string;
  /** The file APT_CONFIG names; it points every Dir:: at `dir`, so the host's apt setup is never read. */
  readonly config: string;
  /** Where the downloaded .debs stay between runs. */
  readonly archives: string;
}

const SETUP_HINT = "run scripts/setup-tests.sh (scripts/deps/bundle.sh installs it)";

/**
 * Writes (or refreshes) the apt root under `dir`. The dpkg status is `baselineStatus`'s
 * content, or empty: then apt resolves the complete closure of declared dependencies.
 */
export function prepareAptRoot(dir: string, baselineStatus?: string): AptRoot {
  if (!existsSync(TARGET_OS.keyring)) throw new Error(`${TARGET_OS.keyring} is missing (package debian-archive-keyring): ${SETUP_HINT}`);
  for (const sub of ["etc/apt/apt.conf.d", "etc/apt/preferences.d", "etc/apt/sources.list.d", "etc/apt/trusted.gpg.d", "state/lists/partial", "cache/archives/partial", "log"]) {
    mkdirSync(join(dir, sub), { recursive: true });
  }
  const sources = TARGET_OS.sources.flatMap((s) =>
    s.suites.map((suite) => `deb [arch=${TARGET_OS.architecture} signed-by=${TARGET_OS.keyring}] ${s.uri} ${suite} ${TARGET_OS.components.join(" ")}`),
  );
  writeFileSync(join(dir, "etc/apt/sources.list"), `${sources.join("\n")}\n`);
  writeFileSync(join(dir, "state/status"), baselineStatus === undefined ? "" : readFileSync(baselineStatus));
  const config = join(dir, "apt.conf");
  const q = (v: string) => JSON.stringify(v);
  writeFileSync(
    config,
    [
      `Dir ${q(`${dir}/`)};`,
      `Dir::Etc ${q(`${dir}/etc/apt/`)};`,
      `Dir::State ${q(`${dir}/state/`)};`,
      `Dir::State::status ${q(`${dir}/state/status`)};`,
      `Dir::Cache ${q(`${dir}/cache/`)};`,
      `Dir::Log ${q(`${dir}/log/`)};`,
      `APT::Architecture ${q(TARGET_OS.architecture)};`,
      `APT::Architectures { ${q(TARGET_OS.architecture)}; };`,
      // The hosts install with --no-install-recommends (matrix-apt-install): the closure must match.
      `APT::Install-Recommends "false";`,
      `APT::Install-Suggests "false";`,
      // The cache belongs to whoever runs the build; apt's _apt user may not write there.
      `APT::Sandbox::User "root";`,
      `Acquire::Languages "none";`,
      `Acquire::Retries "3";`,
      "",
    ].join("\n"),
  );
  return { dir, config, archives: join(dir, "cache/archives") };
}

/** A .deb the operator supplied: its package name (already checked) and absolute path. */
export interface LocalDeb {
  readonly package: string;
  readonly path: string;
}

export interface Resolution {
  /** The closure apt fetched, sorted by name. */
  readonly planned: readonly PlannedDeb[];
  /** Files fetched by this run (the rest came from the cache). */
  readonly downloaded: readonly string[];
}

/**
 * apt-get update, then the closure of `packages` (simulated, to know exactly which
 * versions), then --download-only of the same request into the cache. One flock around
 * the three, so concurrent builds sharing the cache never see each other half-way.
 * `localDebs` (the .debs the operator supplied, by package name and absolute path) join
 * the request: apt resolves their dependencies from Debian, and they are copied into the
 * cache by the name apt gives a downloaded one.
 */
export function resolveAndDownload(root: AptRoot, names: readonly string[], localDebs: readonly LocalDeb[] = []): Resolution {
  const bad = [...names.filter((p) => !DEBIAN_PACKAGE_NAME.test(p)), ...localDebs.map((d) => d.path).filter((p) => !/^\/.*\.deb$/.test(p))];
  if (bad.length > 0) throw new Error(`not Debian package names or absolute .deb paths: ${bad.join(", ")}`);
  const packages = [...names, ...localDebs.map((d) => d.path)];
  if (packages.length === 0) return { planned: [], downloaded: [] };
  const before = new Set(readdirSync(root.archives));
  const simulation = join(root.dir, "simulation.txt");
  // --reinstall: a requested package already in a baseline status is still bundled.
  const script = [
    "set -e",
    "apt-get -q update",
    `apt-get -q --simulate install --reinstall "$@" >${JSON.stringify(simulation)}`,
    'apt-get -q -y --download-only install --reinstall "$@"',
  ].join("\n");
  const r = spawnSync("flock", ["--wait", "1800", join(root.dir, "lock"), "sh", "-c", script, "sh", ...packages], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, APT_CONFIG: root.config, DEBIAN_FRONTEND: "noninteractive", LC_ALL: "C" },
  });
  if (r.error) throw new Error(`cannot run flock/apt-get (${r.error.message}): ${SETUP_HINT}`);
  if (r.status !== 0) throw new Error(`apt-get failed for the Debian ${TARGET_OS.release} closure:\n${`${r.stdout}${r.stderr}`.trim().split("\n").slice(-25).join("\n")}`);
  const planned = parseAptSimulation(readFileSync(simulation, "utf8"));
  const downloaded = readdirSync(root.archives).filter((f) => f.endsWith(".deb") && !before.has(f));
  for (const { package: name, path } of localDebs) {
    const deb = planned.find((d) => d.package === name);
    if (!deb) throw new Error(`apt did not plan the supplied ${path}`);
    // Copied aside, then renamed: a concurrent build reading the cache sees a whole file.
    const cached = join(root.archives, archiveFileName(deb));
    copyFileSync(path, `${cached}.partial-${process.pid}`);
    renameSync(`${cached}.partial-${process.pid}`, cached);
  }
  return { planned, downloaded };
}
