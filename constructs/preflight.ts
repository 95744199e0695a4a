import { minioDrivePaths } from "./roles/minio";
import { renderTemplate } from "./template";
import { SCALE_PRESETS } from "./topology/scale";
import type { Topology, TopologyHost } from "./topology/topology";

/** Free space every host needs on / : Debian packages, the offline bundle and its unpacked copy. */
export const PREFLIGHT_MIN_FREE_GIB = 5;

export interface DataDisk {
  readonly path: string;
  readonly what: string;
  readonly sizeGB?: number;
}

/** The data disks a host's roles need mounted before anything is installed. */
export function dataDisks(topology: Topology, host: TopologyHost): DataDisk[] {
  if (!host.roles.includes("minio")) return [];
  const drives = minioDrivePaths();
  const nodeGB = topology.scale === "poc" ? undefined : SCALE_PRESETS[topology.scale].sizes.minio.diskGB;
  // Erasure coding spreads each object over drives: drives that share a disk protect nothing.
  return drives.map((path) => ({ path, what: "a data disk of its own", ...(nodeGB ? { sizeGB: Math.round(nodeGB / drives.length) } : {}) }));
}

/**
 * The preflight script of one host (sh, run as root): Debian 12 amd64, a synchronised
 * clock, free space, the data disks its roles need. It exits 1 with one line per problem.
 */
export function renderPreflight(topology: Topology, host: TopologyHost): string {
  return renderTemplate("preflight/check.sh.mustache", {
    name: host.name,
    minFreeGiB: PREFLIGHT_MIN_FREE_GIB,
    minFreeKiB: PREFLIGHT_MIN_FREE_GIB * 1024 * 1024,
    dataDisks: dataDisks(topology, host),
  });
}
