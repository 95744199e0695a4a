import { checkHostKeys } from "./deployment/known-hosts";
import { renderPreflight } from "./preflight";
import type { Deployment } from "./deployment/model";
import { secretsIn, type SecretName } from "./markers";
import { pkiNeeds, type PkiNeeds } from "./pki/requirements";
import { verifyPki } from "./pki/verify";
import { hostUnits, type RoleUnit } from "./roles";
import { buildTopology } from "./topology/resolve";
import type { Topology, TopologyHost } from "./topology/topology";

/** Everything one host gets: its base layer, then each of its roles in activation order. */
export interface HostPlan {
  readonly host: TopologyHost;
  readonly units: readonly RoleUnit[];
  /** The checks run on the host before anything is installed on any host (sh, as root). */
  readonly preflight: string;
}

/**
 * The cluster rendered once: what every target and tool reads (the stacks, the PKI
 * commands, the bundle builder), so no part of the product renders the cluster again.
 */
export interface ClusterPlan {
  readonly topology: Topology;
  /** Every host, in the deployment's order. */
  readonly hosts: readonly HostPlan[];
  /** Every secret the rendered files and scripts reference, sorted. */
  readonly secrets: readonly SecretName[];
  /** What the roles take from the PKI folder. */
  readonly pki: PkiNeeds;
}

export function planCluster(topology: Topology): ClusterPlan {
  const hosts = topology.hosts.map((host) => ({ host, units: hostUnits(topology, host), preflight: renderPreflight(topology, host) }));
  const secrets = new Set(hosts.flatMap(({ units }) => units.flatMap((u) => [...u.files.map((f) => f.content), u.activate].flatMap(secretsIn))));
  return { topology, hosts, secrets: [...secrets].sort(), pki: pkiNeeds(topology, hosts) };
}

/**
 * The whole pipeline for one deployment: resolve its topology, render the cluster, and
 * check what it needs from outside its file (an on-prem deployment's pinned SSH host keys
 * and PKI folder), so a
 * deployment that cannot be deployed fails here (DeploymentError), before anything is
 * written. Targets take the plan it returns as checked.
 */
export function planDeployment(deployment: Deployment): ClusterPlan {
  const plan = planCluster(buildTopology(deployment));
  if (deployment.target === "onprem") {
    checkHostKeys(deployment);
    verifyPki(deployment, plan.pki);
  }
  return plan;
}

/** One host's plan, by name. */
export function hostPlan(plan: ClusterPlan, name: string): HostPlan {
  const found = plan.hosts.find((h) => h.host.name === name);
  if (!found) throw new Error(`no host ${name} in ${plan.topology.name}`);
  return found;
}

/**
 * The OpenTofu addresses that re-provision a host whole, as a new machine in its place
 * needs: its bundle upload (in stacks that have one), then each of its units in order.
 */
export function hostUnitAddresses(plan: ClusterPlan, name: string): string[] {
  const id = name.replaceAll("-", "_");
  return ["bundle", ...hostPlan(plan, name).units.map((u) => u.name)].map((unit) => `terraform_data.${id}_${unit}`);
}
