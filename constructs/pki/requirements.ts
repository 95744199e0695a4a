import type { RoleUnit } from "../roles/unit";
import { elementHostName } from "../roles/synapse/element";
import type { Topology, TopologyHost } from "../topology/topology";

/** The names one host's certificate must carry. */
export interface CertificateRequirement {
  readonly host: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

/** What the deployment's roles take from the PKI folder. */
export interface PkiNeeds {
  /** Whether any role installs something from the folder (at least the CA certificate). */
  readonly any: boolean;
  /** A certificate for every host whose roles serve TLS. */
  readonly certificates: readonly CertificateRequirement[];
}

/**
 * Each certificate names its host and address, loopback (local health checks go to
 * 127.0.0.1), and on the load balancers the domain, Element's host name and the VIP,
 * where clients arrive.
 */
export function pkiNeeds(topology: Topology, rendered: ReadonlyArray<{ readonly host: TopologyHost; readonly units: readonly RoleUnit[] }>): PkiNeeds {
  const { vip, domain } = topology;
  const hosts = rendered.map(({ host, units }) => ({ host, items: units.flatMap((u) => (u.pki ?? []).map((f) => f.item)) }));
  return {
    any: hosts.some((h) => h.items.length > 0),
    certificates: hosts
      .filter((h) => h.items.some((item) => item !== "ca-certificate"))
      .map(({ host }) => {
        const entry = host.roles.includes("haproxy");
        return {
          host: host.name,
          dnsNames: [host.name, "localhost", ...(entry && domain ? [domain, elementHostName(domain)] : [])],
          ipAddresses: [host.address, "127.0.0.1", ...(entry && vip ? [vip] : [])],
        };
      }),
  };
}

/** The requirement as subjectAltName entries (DNS:..., IP:...), in order. */
export const subjectAltNames = (req: CertificateRequirement): string[] => [...req.dnsNames.map((n) => `DNS:${n}`), ...req.ipAddresses.map((ip) => `IP:${ip}`)];
