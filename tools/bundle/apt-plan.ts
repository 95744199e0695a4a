/** A binary package apt decided to fetch, parsed from `apt-get --simulate install`. */
export interface PlannedDeb {
  readonly package: string;
  /** Full Debian version, epoch included ("1:2.2.7-1+b2"). */
  readonly version: string;
  readonly architecture: string;
}

// Inst NAME [OLD-VERSION] (VERSION RELEASE[, RELEASE...] [ARCH]) [...]
const INST = /^Inst (\S+) (?:\[[^\]]*\] )?\((\S+) .*\[(\S+)\]\)/;

/** The packages of an `apt-get -s install` run, sorted by name; fails on anything odd. */
export function parseAptSimulation(output: string): PlannedDeb[] {
  const planned = output
    .split("\n")
    .filter((line) => line.startsWith("Inst "))
    .map((line) => {
      const m = INST.exec(line);
      if (!m) throw new Error(`unexpected apt-get simulation line: ${line}`);
      return { package: m[1], version: m[2], architecture: m[3] };
    });
  const removals = output.split("\n").filter((line) => line.startsWith("Remv "));
  if (removals.length > 0) throw new Error(`apt wants to remove packages to install the request:\n${removals.join("\n")}`);
  return planned.sort((a, b) => (a.package < b.package ? -1 : a.package > b.package ? 1 : 0));
}

/** The name apt gives a downloaded .deb in its archives folder (the epoch's ':' as %3a). */
export const archiveFileName = (d: PlannedDeb): string => `${d.package}_${d.version.replace(/:/g, "%3a")}_${d.architecture}.deb`;

/** The name in the bundle: Debian's pool convention, without the epoch (no ':' or '%' in a path or URL). */
export const poolFileName = (d: PlannedDeb): string => `${d.package}_${d.version.replace(/^\d+:/, "")}_${d.architecture}.deb`;

/** Debian package names (policy 5.6.1), so nothing else reaches apt's command line. */
export const DEBIAN_PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
