import { portLabel } from "../topology/ports";
import { hostPortRules } from "../topology/topology";
import { renderTemplate } from "../template";
import { elementHostName } from "./synapse/element";
import type { RoleRenderer } from "./unit";

/** Installs a unit's packages, from the offline bundle when the host has one. */
export const APT_INSTALL = "/usr/local/sbin/matrix-apt-install";

/** The host's own layer: /etc/hosts for every cluster name, and the nftables firewall. */
export const renderBase: RoleRenderer = ({ topology, host }) => {
  const entryAddress = topology.vip ?? host.address;
  const rules = hostPortRules(topology, host).flatMap(({ rule, sources }) => {
    if (sources.length === 0) return [];
    const saddr = sources.includes("0.0.0.0/0") ? "" : `ip saddr { ${sources.join(", ")} } `;
    const match =
      rule.protocol === "vrrp"
        ? `${saddr}ip protocol 112`
        : `${saddr}${rule.protocol} dport ${typeof rule.port === "number" ? rule.port : `${rule.port![0]}-${rule.port![1]}`}`;
    return [{ match, purpose: `${portLabel(rule)} ${rule.purpose}` }];
  });
  return {
    name: "base",
    files: [
      { path: "/etc/matrix-platform/base/hosts", content: renderTemplate("base/hosts.mustache", { deployment: topology.name, hosts: topology.hosts, entryAddress, domain: topology.domain, elementHost: topology.domain ? elementHostName(topology.domain) : "" }), mode: "0644" },
      { path: "/etc/nftables.conf", content: renderTemplate("base/nftables.conf.mustache", { rules }), mode: "0755" },
      { path: APT_INSTALL, content: renderTemplate("base/matrix-apt-install.sh.mustache", {}), mode: "0755" },
    ],
    activate: renderTemplate("base/activate.sh.mustache", { host: host.name }),
    packages: ["nftables", "curl", "ca-certificates", "prometheus-node-exporter"],
  };
};
