import type { AlertDelivery, BackupSettings, Branding, PlaybookSettings, PublicWeb, SynapseInstall } from "../deployment/model";
import type { PortName, PortRule } from "./ports";
import { ROLE_DEPENDENCIES, ROLE_ORDER, type Role } from "./roles";
import type { Scale, WorkerCounts } from "./scale";
import type { SynapseWorker } from "./workers";

export interface TopologyHost {
  readonly name: string;
  /** Private address (on AWS, the instance's own; resolved at boot). */
  readonly address: string;
  readonly roles: readonly Role[];
  /** The account operators' tools log in as (the playbook's inventory names it). */
  readonly sshUser: string;
  /** The port its sshd listens on: the firewall's host.ssh rule opens this one. */
  readonly sshPort: number;
}

/** A listening port on one host with the exact sources allowed to reach it. */
export interface HostPortRule {
  readonly rule: Omit<PortRule, "role" | "from">;
  readonly role?: Role;
  /** CIDRs or single addresses; an empty list means nobody (the port stays closed). */
  readonly sources: readonly string[];
}

/** The database tier's settings, every default applied. */
export interface ResolvedDatabaseSettings {
  readonly synchronousMode: boolean;
  /** Connections Synapse may open: cp_max for each process the database is sized for. */
  readonly synapseConnections: number;
  /** PgBouncer server connections per pool: the deployment's, or what Synapse opens. */
  readonly poolSize: number;
}

/** How the Synapse host runs matrix-docker-ansible-deploy. */
export interface ResolvedPlaybookSettings extends PlaybookSettings {
  /** The offline bundle carries the playbook and Ansible. */
  readonly bundled: boolean;
}

/**
 * The resolved cluster, the only input of the role renderers: every default applied once
 * (from the deployment schema), target-neutral settings, hosts with their roles, the port
 * matrix and the Synapse worker plan. Renderers never see the deployment file or the target.
 */
export interface Topology {
  /** The deployment's name: names the stack, the clusters (Patroni scope, pgBackRest stanza) and VRRP's router id. */
  readonly name: string;
  readonly scale: Scale;
  /** DNS name users open; absent only on AWS without a domain (the Elastic IP serves instead). */
  readonly domain?: string;
  /** Permanent: part of every user ID. */
  readonly serverName: string;
  readonly federation: boolean;
  readonly branding: Branding;
  /** Where clients and services reach the cluster's entry, when load balancers hold one. */
  readonly vip?: string;
  /** Users' devices: allowed to the public ports, never denied as TURN peers (AWS: anywhere). */
  readonly clientSubnets: readonly string[];
  /** Operators and the machine running tofu: SSH, consoles (AWS: the SSH range, if any). */
  readonly adminSubnets: readonly string[];
  readonly turnRelayPorts: readonly [number, number];
  readonly database: ResolvedDatabaseSettings;
  readonly backup: BackupSettings;
  /** Where Alertmanager e-mails alerts, if anywhere. */
  readonly alerts?: AlertDelivery;
  readonly playbook: ResolvedPlaybookSettings;
  /** How the Synapse host is installed: matrix-docker-ansible-deploy, or natively from the bundle's wheelhouse. */
  readonly synapseInstall: SynapseInstall;
  /** Days local media stays on the Synapse host after its last access (HA scales only). */
  readonly mediaCacheDays?: number;
  readonly hosts: readonly TopologyHost[];
  /** How browsers reach the proof of concept (the HA cluster's entry is HAProxy's TLS). */
  readonly web: PublicWeb;
  /** The port matrix rules of the roles present, and those every host opens. */
  readonly ports: readonly PortRule[];
  /** Absent at the poc scale (a single Synapse process). */
  readonly workers?: WorkerCounts;
  /** The Synapse worker processes, in start order (empty at the poc scale). */
  readonly synapseWorkers: readonly SynapseWorker[];
  /** Roles the cluster carries, in activation order. */
  readonly roles: readonly Role[];
}

export function hostsWithRole(topology: Topology, role: Role): readonly TopologyHost[] {
  return topology.hosts.filter((h) => h.roles.includes(role));
}

/** The ports a host opens and who may reach each one, resolved to addresses. */
export function hostPortRules(topology: Topology, host: TopologyHost): readonly HostPortRule[] {
  const resolve = (from: PortRule["from"]): string[] => {
    const out = new Set<string>();
    for (const source of from) {
      if (source.kind === "clients") topology.clientSubnets.forEach((c) => out.add(c));
      else if (source.kind === "admins") topology.adminSubnets.forEach((c) => out.add(c));
      else hostsWithRole(topology, source.role).forEach((h) => out.add(h.address));
    }
    return [...out];
  };
  return topology.ports
    .filter((p) => p.role === undefined || host.roles.includes(p.role))
    .map(({ from, role, ...rule }) => ({ rule: rule.name === "host.ssh" ? { ...rule, port: host.sshPort } : rule, ...(role ? { role } : {}), sources: resolve(from) }));
}

/** The rule a host opens under a name, if it carries the role that listens there. */
export function hostPort(topology: Topology, host: TopologyHost, name: PortName): HostPortRule | undefined {
  return hostPortRules(topology, host).find((r) => r.rule.name === name);
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
  const flows = topology.ports
    .filter((p) => p.role !== undefined)
    .flatMap((p) => p.from.map((s) => `${s.kind === "role" ? s.role : s.kind} -> ${p.role}:${p.port === undefined ? "" : typeof p.port === "number" ? p.port : p.port.join("-")}/${p.protocol}`));
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
