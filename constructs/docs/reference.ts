import { SHARED_SETTINGS_DEFAULTS } from "../deployment/load";
import { portLabel, portMatrix, type PortSource } from "../topology/ports";
import { HA_ROLES, ROLE_DEPENDENCIES, ROLE_GROUPS } from "../topology/roles";
import { SCALE_PRESETS, type HaScale } from "../topology/scale";
import { synapseWorkerIds } from "../topology/workers";

const source = (s: PortSource) => (s.kind === "role" ? s.role : s.kind === "clients" ? "client subnets" : "admin subnets");

/**
 * help/topology.md: the scale presets, role groups, dependency order and port matrix,
 * generated from the model so the guide cannot drift from what is deployed.
 */
export function topologyReference(): string {
  const matrix = portMatrix({ turnRelayPorts: SHARED_SETTINGS_DEFAULTS.turnRelayPorts });
  const scales = Object.keys(SCALE_PRESETS) as HaScale[];
  const lines = [
    "# Topology reference",
    "",
    "Generated from `constructs/topology/` by `npm run docs`; do not edit by hand.",
    "Small, medium and large share this topology; only counts, sizes and Synapse workers differ.",
    "",
    "## Hosts per role (minimum) and recommended size",
    "",
    `| role | ${scales.map((s) => `${s} (${SCALE_PRESETS[s].concurrentUsers.toLocaleString("en-US")} CCU)`).join(" | ")} |`,
    `|---|${scales.map(() => "---").join("|")}|`,
    ...HA_ROLES.map((r) => {
      const cells = scales.map((s) => {
        const size = SCALE_PRESETS[s].sizes[r];
        return `${SCALE_PRESETS[s].counts[r]} x ${size.vcpu} vCPU / ${size.memoryGiB} GiB${size.diskGB ? ` / ${size.diskGB} GB` : ""}`;
      });
      return `| ${r} | ${cells.join(" | ")} |`;
    }),
    "",
    "## Synapse workers (specialized-workers preset)",
    "",
    `| worker | ${scales.join(" | ")} |`,
    `|---|${scales.map(() => "---").join("|")}|`,
    ...(["sync", "generic", "federationSender", "eventPersister"] as const).map((w) => `| ${w} | ${scales.map((s) => SCALE_PRESETS[s].workers[w]).join(" | ")} |`),
    `| all worker processes (with the preset's one room worker, federation reader, pusher, appservice, user directory, background, media repository and 8 other stream writers) | ${scales.map((s) => synapseWorkerIds(SCALE_PRESETS[s].workers).length).join(" | ")} |`,
    "",
    "## Role groups (placement rules)",
    "",
    "| group | roles |",
    "|---|---|",
    ...Object.entries(ROLE_GROUPS).map(([g, roles]) => `| ${g} | ${roles.join(", ")} |`),
    "",
    "## Activation order and dependencies",
    "",
    "| role | waits for |",
    "|---|---|",
    ...HA_ROLES.map((r) => `| ${r} | ${ROLE_DEPENDENCIES[r].join(", ") || "-"} |`),
    "",
    "## Port matrix",
    "",
    "Every host: " + matrix.filter((p) => p.role === undefined).map((p) => `${portLabel(p)} from ${p.from.map(source).join(", ")} (${p.purpose})`).join("; ") + ".",
    "",
    "| role | port | from | purpose |",
    "|---|---|---|---|",
    ...matrix
      .filter((p) => p.role !== undefined && p.role !== "poc")
      .map((p) => `| ${p.role} | ${portLabel(p)} | ${p.from.map(source).join(", ")} | ${p.purpose} |`),
    "",
    "The TURN relay range shown is the default; `onprem.turn_relay_ports` sets it, for Coturn and the firewall together.",
    "",
  ];
  return lines.join("\n");
}
