import type { Deployment } from "../deployment/model";
import { HOST_PORTS, portMatrix, type PortRule } from "./ports";
import { ROLE_DEPENDENCIES, ROLE_ORDER, type Role } from "./roles";
import { SCALE_PRESETS, type WorkerCounts } from "./scale";

export interface TopologyHost {
  readonly name: string;
  /** Private address (on AWS, the instance's own; resolved at boot). */
  readonly address: string;
  readonly roles: readonly Role[];
}

/** A listening port on one host with the exact sources allowed to reach it. */
export interface HostPortRule {
  readonly rule: Omit<PortRule, "role" | "from">;
  readonly role?: Role;
  /** CIDRs or single addresses; an empty list means nobody (the port stays closed). */
  readonly sources: readonly string[];
}

/** The resolved cluster: hosts with roles, the port matrix, and the Synapse worker plan. */
export interface Topology {
  readonly deployment: Deployment;
  readonly hosts: readonly TopologyHost[];
  readonly ports: readonly PortRule[];
  /** Absent at the poc scale (a single Synapse process). */
  readonly workers?: WorkerCounts;
  /** Roles the cluster carries, in activation order. */
  readonly roles: readonly Role[];
}

const AWS_HOST: TopologyHost = { name: "server", address: "127.0.0.1", roles: ["poc"] };

export function buildTopology(deployment: Deployment): Topology {
  const hosts: readonly TopologyHost[] =
    deployment.target === "aws" ? [AWS_HOST] : deployment.onprem.hosts.map(({ name, address, roles }) => ({ name, address, roles }));
  const present = new Set(hosts.flatMap((h) => h.roles));
  const turnRelayPorts = deployment.target === "onprem" ? deployment.onprem.turnRelayPorts : ([49152, 50151] as const);
  return {
    deployment,
    hosts,
    roles: ROLE_ORDER.filter((r) => present.has(r)),
    ports: portMatrix({ turnRelayPorts }).filter((p) => present.has(p.role)),
    ...(deployment.scale === "poc" ? {} : { workers: SCALE_PRESETS[deployment.scale].workers }),
  };
}

export function hostsWithRole(topology: Topology, role: Role): readonly TopologyHost[] {
  return topology.hosts.filter((h) => h.roles.includes(role));
}

/** The ports a host opens and who may reach each one, resolved to addresses. */
export function hostPortRules(topology: Topology, host: TopologyHost): readonly HostPortRule[] {
  const d = topology.deployment;
  const clientSubnets = d.target === "onprem" ? d.onprem.clientSubnets : ["0.0.0.0/0"];
  const adminSubnets = d.target === "onprem" ? d.onprem.adminSubnets : d.aws.ssh.kind === "cidr" ? [d.aws.ssh.cidr] : [];
  const resolve = (from: PortRule["from"]): string[] => {
    const out = new Set<string>();
    for (const source of from) {
      if (source.kind === "clients") clientSubnets.forEach((c) => out.add(c));
      else if (source.kind === "admins") adminSubnets.forEach((c) => out.add(c));
      else hostsWithRole(topology, source.role).forEach((h) => out.add(h.address));
    }
    return [...out];
  };
  const own = topology.ports.filter((p) => host.roles.includes(p.role));
  return [
    ...HOST_PORTS.map(({ from, ...rule }) => ({ rule, sources: resolve(from) })),
    ...own.map(({ from, role, ...rule }) => ({ rule, role, sources: resolve(from) })),
  ];
}

/**
 * The shape of the cluster without counts: which roles exist, which role depends on
 * which, and which role may reach which port of which role. Equal for every HA scale.
 */
export interface TopologyGraph {
  readonly roles: readonly Role[];
  readonly dependencies: readonly string[];
  readonly flows: readonly string[];
}

export function topologyGraph(topology: Topology): TopologyGraph {
  const present = new Set(topology.roles);
  const dependencies = topology.roles.flatMap((r) => ROLE_DEPENDENCIES[r].filter((d) => present.has(d)).map((d) => `${r} -> ${d}`));
  const flows = topology.ports.flatMap((p) =>
    p.from.map((s) => `${s.kind === "role" ? s.role : s.kind} -> ${p.role}:${p.port === undefined ? "" : typeof p.port === "number" ? p.port : p.port.join("-")}/${p.protocol}`),
  );
  return { roles: topology.roles, dependencies: [...dependencies].sort(), flows: [...new Set(flows)].sort() };
}

/** The roles each (host, role) waits for: every earlier role of its dependency chain. */
export function roleDependencies(topology: Topology, role: Role): readonly Role[] {
  const present = new Set(topology.roles);
  const seen = new Set<Role>();
  const visit = (r: Role) => {
    for (const dep of ROLE_DEPENDENCIES[r]) {
      if (!seen.has(dep)) {
        seen.add(dep);
        visit(dep);
      }
    }
  };
  visit(role);
  return ROLE_ORDER.filter((r) => seen.has(r) && present.has(r));
}
