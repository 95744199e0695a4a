import { portView } from "../topology/ports";
import type { Role } from "../topology/roles";
import type { Topology, TopologyHost } from "../topology/topology";
import { hostsWithRole } from "../topology/topology";

/** The values most templates share: who this host is, where the cluster's entry is, and the port matrix. */
export function commonView(topology: Topology, host: TopologyHost) {
  return {
    deployment: topology.name,
    domain: topology.domain,
    serverName: topology.serverName,
    name: host.name,
    address: host.address,
    cluster: topology.name,
    vip: topology.vip ?? host.address,
    ports: portView(topology),
  };
}

export const members = (topology: Topology, role: Role) => hostsWithRole(topology, role).map(({ name, address }) => ({ name, address }));
