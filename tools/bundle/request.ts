import type { ClusterPlan } from "../../constructs/plan";
import type { BinaryName, RoleUnit, SynapseWheels } from "../../constructs/roles/unit";

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
  /** Programs built from source into the bundle (tools/bundle/binaries.ts): sorted, unique. */
  readonly binaries: readonly BinaryName[];
  /** A unit runs matrix-docker-ansible-deploy: the bundle carries the playbook and Ansible. */
  readonly playbook: boolean;
  /** The Synapse wheels a unit needs from the bundle, if any (RoleUnit.synapseWheels). */
  readonly synapseWheels?: SynapseWheels;
}

const sortedUnique = (names: Iterable<string>): string[] => [...new Set(names)].sort();

/**
 * Collects the packages of every unit (base layer and roles) on every host. `onlyHosts`
 * narrows the request to some hosts (a tier); the bundle name still says the deployment.
 */
export function bundleRequest(plan: ClusterPlan, onlyHosts?: (host: string) => boolean): BundleRequest {
  const chosen = plan.hosts.filter(({ host }) => !onlyHosts || onlyHosts(host.name));
  const hosts = chosen.map(({ host, units }) => ({ host: host.name, packages: sortedUnique(units.flatMap((u) => u.packages)) }));
  const units = chosen.flatMap((h) => h.units);
  const binaries = sortedUnique(units.flatMap((u) => u.binaries ?? [])) as BinaryName[];
  return { deployment: plan.topology.name, hosts, packages: sortedUnique(hosts.flatMap((h) => h.packages)), binaries, playbook: units.some((u) => u.playbook), ...synapseWheelsOf(units) };
}

function synapseWheelsOf(units: readonly RoleUnit[]): { synapseWheels?: SynapseWheels } {
  const kind = units.find((u) => u.synapseWheels)?.synapseWheels;
  return kind ? { synapseWheels: kind } : {};
}
