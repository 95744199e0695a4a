import { renderTemplate } from "../template";
import { serviceTls } from "./tls";
import type { RoleRenderer } from "./unit";
import { commonView } from "./view";

/**
 * Coturn 4.6 from Debian 12: TURN with the secret Synapse shares, UDP and TCP relaying in
 * the deployment's range, private peers refused except the client subnets, TLS.
 */
export const renderCoturn: RoleRenderer = ({ topology, host }) => {
  const view = commonView(topology, host);
  const [relayMin, relayMax] = topology.turnRelayPorts;
  const allowedPeers = topology.clientSubnets.map((cidr) => ({ range: cidrRange(cidr) }));
  const tls = serviceTls("/etc/coturn/tls", "turnserver:turnserver");
  return {
    name: "coturn",
    files: [{ path: "/etc/turnserver.conf", content: renderTemplate("coturn/turnserver.conf.mustache", { ...view, tls, relayMin, relayMax, allowedPeers }), mode: "0640", owner: "root:turnserver" }],
    pki: tls.pki,
    activate: renderTemplate("coturn/activate.sh.mustache", view),
    packages: ["coturn"],
  };
};

/** 10.1.0.0/16 -> "10.1.0.0-10.1.255.255", the range syntax of Coturn's peer rules. */
export function cidrRange(cidr: string): string {
  const [ip, bits] = cidr.split("/");
  const n = ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  const first = n - (n % size);
  const fmt = (v: number) => [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join(".");
  return `${fmt(first)}-${fmt(first + size - 1)}`;
}
