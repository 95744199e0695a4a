import { portLabel, type PortRule } from "../../topology/ports";
import { ROLE_GROUPS, ROLE_GROUP_NAMES, type RoleGroup } from "../../topology/roles";
import { hostsWithRole, type Topology, type TopologyHost } from "../../topology/topology";

/**
 * The groups a host carries: every group whose roles it has all of, less the groups
 * another matched group contains (a media host's Sentinel is not the monitoring group).
 */
export function hostGroups(host: TopologyHost): RoleGroup[] {
  const matched = ROLE_GROUP_NAMES.filter((g) => ROLE_GROUPS[g].every((r) => host.roles.includes(r)));
  return matched.filter((g) => !matched.some((o) => o !== g && ROLE_GROUPS[o].length > ROLE_GROUPS[g].length && ROLE_GROUPS[g].every((r) => (ROLE_GROUPS[o] as readonly string[]).includes(r))));
}

/** The name of a host's box in the diagram: its groups, joined. */
const placement = (host: TopologyHost) => hostGroups(host).join("+") || host.roles.join("+");

const id = (s: string) => `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;

/**
 * The topology as Graphviz DOT: one box per placement (hosts that carry the same role
 * groups) with each host's name and address, the VIP, the client and admin subnets, and
 * one edge per pair of boxes that the port matrix lets talk, labelled with the ports.
 * Flows inside a box (etcd peers, Redis replication) are left to the port matrix table;
 * monitoring's scrapes are drawn dashed, so the service paths stand out.
 */
export function topologyDot(topology: Topology): string {
  const boxes = new Map<string, TopologyHost[]>();
  for (const h of topology.hosts) boxes.set(placement(h), [...(boxes.get(placement(h)) ?? []), h]);
  const boxOfRole = (role: PortRule["role"]) => [...new Set(hostsWithRole(topology, role!).map(placement))];
  const edges = new Map<string, { from: string; to: string; ports: Set<string>; scrape: boolean }>();
  const edge = (from: string, to: string, port: string, scrape: boolean) => {
    if (from === to) return;
    const key = `${from} -> ${to}`;
    const e = edges.get(key) ?? { from, to, ports: new Set<string>(), scrape };
    e.ports.add(port);
    edges.set(key, e);
  };
  for (const rule of topology.ports) {
    if (rule.role === undefined) continue;
    for (const to of boxOfRole(rule.role)) {
      for (const source of rule.from) {
        const viaVip = topology.vip !== undefined && rule.role === "haproxy";
        const target = viaVip ? "vip" : to;
        if (source.kind === "clients") edge("clients", target, portLabel(rule), false);
        else if (source.kind === "admins") edge("admins", target, portLabel(rule), false);
        else for (const from of boxOfRole(source.role)) edge(from, target, portLabel(rule), source.role === "monitoring");
      }
    }
  }
  // A box is drawn as a cluster; an edge reaches it through its first host (compound edges).
  const anchor = (box: string) => (boxes.has(box) ? id(boxes.get(box)![0].name) : id(box));
  const cluster = (box: string) => id(`cluster_${box}`);
  const lines = [
    "digraph topology {",
    `  graph [rankdir=LR, compound=true, fontname="Helvetica", fontsize=12, labelloc=t, nodesep=0.25, ranksep=1.1, label=${id(`${topology.name}: ${topology.scale} scale${topology.domain ? `, ${topology.domain}` : ""}`)}];`,
    '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=8, color="#444444"];',
    `  "clients" [shape=ellipse, fillcolor="#e8f1fb", label=${id(`users' devices\n${topology.clientSubnets.join("\n")}`)}];`,
    `  "admins" [shape=ellipse, fillcolor="#fbf3e8", label=${id(`operators (SSH to every host)\n${topology.adminSubnets.join("\n")}`)}];`,
    ...(topology.vip ? [`  "vip" [shape=diamond, fillcolor="#fff7cc", label=${id(`VIP ${topology.vip}\n(Keepalived)`)}];`] : []),
    ...[...boxes].flatMap(([box, hosts]) => [
      `  subgraph ${cluster(box)} {`,
      `    label=${id(box)}; style="rounded,filled"; fillcolor="#f4f4f4"; color="#999999";`,
      ...hosts.map((h) => `    ${id(h.name)} [label=${id(`${h.name}\n${h.address}`)}];`),
      "  }",
    ]),
    ...(topology.vip ? boxOfRole("keepalived").map((box) => `  "vip" -> ${anchor(box)} [lhead=${cluster(box)}, style=bold, arrowhead=none, label="held by"];`) : []),
    ...[...edges.values()].map((e) => {
      const attrs = [`label=${id([...e.ports].join("\n"))}`];
      if (boxes.has(e.from)) attrs.push(`ltail=${cluster(e.from)}`);
      if (boxes.has(e.to)) attrs.push(`lhead=${cluster(e.to)}`);
      if (e.scrape) attrs.push('style=dashed, color="#999999", fontcolor="#777777"');
      return `  ${anchor(e.from)} -> ${anchor(e.to)} [${attrs.join(", ")}];`;
    }),
    "}",
    "",
  ];
  return lines.join("\n");
}
