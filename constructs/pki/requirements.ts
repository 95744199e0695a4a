import type { Topology, TopologyHost } from "../model/topology";
import { hostUnits } from "../roles";

/** The names one host's certificate must carry. */
export interface CertificateRequirement {
  readonly host: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

const usesPki = (topology: Topology, host: TopologyHost, hostOwn: boolean) =>
  hostUnits(topology, host).some((u) => (u.pki ?? []).some((f) => !hostOwn || f.item !== "ca-certificate"));

/** Whether any role of the deployment installs something from the PKI folder. */
export const needsPki = (topology: Topology): boolean => topology.hosts.some((h) => usesPki(topology, h, false));

/**
 * A certificate for every host whose roles serve TLS: its name and address, loopback (local
 * health checks go to 127.0.0.1), and on the load balancers the domain and the VIP, where
 * clients arrive.
 */
export function certificateRequirements(topology: Topology): CertificateRequirement[] {
  const d = topology.deployment;
  const vip = d.target === "onprem" ? d.onprem.vip : undefined;
  return topology.hosts
    .filter((h) => usesPki(topology, h, true))
    .map((h) => {
      const entry = h.roles.includes("haproxy");
      return {
        host: h.name,
        dnsNames: [h.name, "localhost", ...(entry && d.domain ? [d.domain] : [])],
        ipAddresses: [h.address, "127.0.0.1", ...(entry && vip ? [vip] : [])],
      };
    });
}
