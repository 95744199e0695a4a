import type { Topology, TopologyHost } from "../model/topology";
import { hostsWithRole } from "../model/topology";
import type { Role } from "../model/roles";
import { totalWorkers } from "../model/scale";

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

/** Connections Synapse opens: (workers + main) x 10, the research notes' minimum. */
export function synapseConnections(topology: Topology): number {
  return (1 + (topology.workers ? totalWorkers(topology.workers) : 0)) * 10;
}
