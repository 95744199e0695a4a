import type { Topology, TopologyHost } from "../model/topology";
import { hostsWithRole } from "../model/topology";
import type { Role } from "../model/roles";
import { synapseWorkerIds } from "./synapse-host/worker-ids";

/** The values most templates share: who this host is and where the cluster's entry is. */
export function commonView(topology: Topology, host: TopologyHost) {
  const d = topology.deployment;
  return {
    deployment: d.name,
    domain: d.domain,
    serverName: d.serverName,
    name: host.name,
    address: host.address,
    cluster: d.name,
    vip: d.target === "onprem" ? d.onprem.vip ?? host.address : host.address,
  };
}

export const members = (topology: Topology, role: Role) => hostsWithRole(topology, role).map(({ name, address }) => ({ name, address }));

/**
 * Connections Synapse opens: cp_max (10) for the main process and for every worker the
 * playbook starts, the preset's own workers included.
 */
export function synapseConnections(topology: Topology): number {
  return (1 + (topology.workers ? synapseWorkerIds(topology.workers).length : 0)) * 10;
}
