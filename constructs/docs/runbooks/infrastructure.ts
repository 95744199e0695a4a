import type { ClusterPlan } from "../../plan";
import type { RoleUnit } from "../../roles/unit";
import { ROLE_ORDER, type Role } from "../../topology/roles";
import type { Topology } from "../../topology/topology";
import { runnableBlock, table } from "./markdown";

/**
 * The services a unit's activation runs (starts, restarts) and those it only enables for the
 * next boot: read from the script that runs, so the lists cannot drift.
 */
export function unitServices(unit: RoleUnit): { readonly running: string[]; readonly enabled: string[] } {
  const named = (verbs: string) => [...unit.activate.matchAll(new RegExp(`systemctl (?:${verbs}) ([^\\n;&|>]+)`, "g"))].flatMap((m) => m[1].trim().split(/\s+/)).filter((s) => /^[\w@.-]+\.(service|timer)$/.test(s));
  const running = [...new Set(named("enable --now|restart|reload-or-restart|start"))];
  return { running, enabled: [...new Set(named("enable"))].filter((s) => !running.includes(s)) };
}

/** A role's own check beyond its services running, where one says more than systemd can. */
function roleCheck(role: Role | "base", t: Topology): string | undefined {
  switch (role) {
    case "etcd":
      return "ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/etcd/tls/ca.crt --cert=/etc/etcd/tls/host.crt --key=/etc/etcd/tls/host.key endpoint health --cluster";
    case "patroni":
      return "patronictl -c /etc/patroni/config.yml list";
    case "haproxy":
      return "haproxy -c -f /etc/haproxy/haproxy.cfg";
    case "keepalived":
      return t.vip ? `ip -4 -o addr show | grep ' ${t.vip}/'   # on the VIP holder only` : undefined;
    case "base":
      return "nft list ruleset | head";
    default:
      return undefined;
  }
}

const checkBlock = (unit: string, commands: readonly string[]) => (commands.length === 0 ? [] : ["Check it on each of its hosts (as root):", "", ...runnableBlock(`check-${unit}`, commands), ""]);

/**
 * Runbook 2, infrastructure setup: role by role, which hosts carry it, the Debian packages
 * the bundle installs, the files written, the services started and how to check them.
 */
export function infrastructureRunbook(plan: ClusterPlan): string {
  const t = plan.topology;
  const units = new Map<RoleUnit["name"], { unit: RoleUnit; hosts: string[] }>();
  for (const { host, units: hostUnits } of plan.hosts) {
    for (const unit of hostUnits) {
      const seen = units.get(unit.name) ?? { unit, hosts: [] };
      seen.hosts.push(host.name);
      units.set(unit.name, seen);
    }
  }
  const order = ["base", ...ROLE_ORDER] as const;
  const sections = [...units.values()].sort((a, b) => order.indexOf(a.unit.name) - order.indexOf(b.unit.name));
  return [
    `# ${t.name}: infrastructure setup`,
    "",
    "Generated from the deployment by `npm run docs`; do not edit by hand.",
    "Each host receives one unit per role it carries, in activation order, after `base`: the unit's files, its packages from the offline bundle, then its activation script (idempotent; OpenTofu re-runs a unit when any of its inputs changes).",
    "",
    ...table(["unit", "hosts", "services"], sections.map(({ unit, hosts }) => {
      const { running, enabled } = unitServices(unit);
      return [unit.name, hosts.join(", "), [...running, ...enabled].join(", ") || "-"];
    })),
    "",
    ...sections.flatMap(({ unit, hosts }) => {
      const { running, enabled } = unitServices(unit);
      const services = [...running, ...enabled.map((s) => `${s} (enabled for the next boot)`)];
      const check = roleCheck(unit.name, t);
      return [
        `## ${unit.name}`,
        "",
        `On ${hosts.join(", ")}.`,
        "",
        `- Debian packages: ${unit.packages.map((p) => `\`${p}\``).join(", ") || "none"}${unit.binaries?.length ? `; built from source into the bundle: ${unit.binaries.map((b) => `\`${b}\``).join(", ")}` : ""}${unit.playbook ? "; Synapse and Element run in containers set up by matrix-docker-ansible-deploy from the bundle" : ""}`,
        `- Files: ${unit.files.map((f) => `\`${f.path}\``).join(", ") || "none"}${unit.pki?.length ? `; certificates and keys: ${[...new Set(unit.pki.map((p) => `\`${p.path}\``))].join(", ")}` : ""}`,
        `- Services: ${services.map((s) => `\`${s.replace(" (", "` (")}${s.includes(" (") ? "" : "`"}`).join(", ") || "none of its own"}`,
        "",
        ...checkBlock(unit.name, [
          ...(running.length > 0 ? [`systemctl is-active ${running.join(" ")}`] : []),
          ...(enabled.length > 0 ? [`systemctl is-enabled ${enabled.join(" ")}`] : []),
          ...(check ? [check] : []),
        ]),
      ];
    }),
  ].join("\n");
}
