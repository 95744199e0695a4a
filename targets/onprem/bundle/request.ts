import type { Topology } from "../../../constructs/topology/topology";
import { hostUnits } from "../../../constructs/roles";
import type { BinaryName } from "../../../constructs/roles/unit";

/** The Debian packages one host's units need. */
export interface HostPackages {
  readonly host: string;
  /** Sorted, unique. */
  readonly packages: readonly string[];
}

/** What an offline bundle must carry for one deployment. */
export interface BundleRequest {
  readonly deployment: string;
  /** Every host, in the deployment's order. */
  readonly hosts: readonly HostPackages[];
  /** The union over all hosts: sorted, unique. */
  readonly packages: readonly string[];
  /** Programs built from source into the bundle (targets/onprem/bundle/binaries.ts): sorted, unique. */
  readonly binaries: readonly BinaryName[];
  /** A unit runs matrix-docker-ansible-deploy: the bundle carries the playbook and Ansible. */
  readonly playbook: boolean;
}

const sortedUnique = (names: Iterable<string>): string[] => [...new Set(names)].sort();

/**
 * Collects the packages of every unit (base layer and roles) on every host. `onlyHosts`
 * narrows the request to some hosts (a tier); the bundle name still says the deployment.
 */
export function bundleRequest(topology: Topology, onlyHosts?: (host: string) => boolean): BundleRequest {
  const hosts = topology.hosts
    .filter((h) => !onlyHosts || onlyHosts(h.name))
    .map((h) => ({ host: h.name, packages: sortedUnique(hostUnits(topology, h).flatMap((u) => u.packages)) }));
  const units = topology.hosts.filter((h) => !onlyHosts || onlyHosts(h.name)).flatMap((h) => hostUnits(topology, h));
  const binaries = sortedUnique(units.flatMap((u) => u.binaries ?? [])) as BinaryName[];
  return { deployment: topology.name, hosts, packages: sortedUnique(hosts.flatMap((h) => h.packages)), binaries, playbook: units.some((u) => u.playbook) };
}
