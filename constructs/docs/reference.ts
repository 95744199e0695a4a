import { SHARED_SETTINGS_DEFAULTS } from "../deployment/load";
import { portLabel, portMatrix, type PortSource } from "../topology/ports";
import { HA_ROLES, ROLE_DEPENDENCIES, ROLE_GROUPS } from "../topology/roles";
import { defaultMediaCacheDays, SCALE_PRESETS, type HaScale } from "../topology/scale";
import { synapseWorkerIds } from "../topology/workers";

const source = (s: PortSource) => (s.kind === "role" ? s.role : s.kind === "clients" ? "client subnets" : "admin subnets");

/**
 * help/topology.md: the scale presets, role groups, dependency order and port matrix,
 * generated from the model so the guide cannot drift from what is deployed.
 */
/** Media per day, where it is kept, and for how long each store lasts at that rate. */
function storageGrowthRows(scales: readonly HaScale[]): string[] {
  const cell = (f: (s: HaScale) => string) => scales.map(f).join(" | ");
  const perDay = (s: HaScale) => SCALE_PRESETS[s].mediaUploadGBPerDay;
  const usableObjectStore = (s: HaScale) => 0.75 * SCALE_PRESETS[s].counts.minio * (SCALE_PRESETS[s].sizes.minio.diskGB ?? 0);
  const backupDisk = (s: HaScale) => SCALE_PRESETS[s].sizes.backup.diskGB ?? 0;
  return [
    `| media uploaded a day | ${cell((s) => `${perDay(s)} GB`)} |`,
    `| Synapse host: media kept on disk (media_cache_days default) | ${cell((s) => `${defaultMediaCacheDays(s)} days, ${defaultMediaCacheDays(s) * perDay(s)} GB`)} |`,
    `| object store: usable capacity, and days it holds | ${cell((s) => `${usableObjectStore(s) / 1000} TB, ${Math.floor(usableObjectStore(s) / perDay(s))} days`)} |`,
    `| backup server: disk, and days of media it holds | ${cell((s) => `${backupDisk(s) / 1000} TB, ${Math.floor(backupDisk(s) / perDay(s))} days`)} |`,
  ];
}

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
    "## Storage growth",
    "",
    "At the research notes' upper estimate of media uploaded a day; MinIO keeps 75 % of its raw capacity usable (EC:4 over 16 drives); the backup server keeps every upload (its media pull never deletes) besides the database backups. Prometheus warns a week ahead of a full disk at the current rate (`capacity` alerts).",
    "",
    `| | ${scales.join(" | ")} |`,
    `|---|${scales.map(() => "---:").join("|")}|`,
    ...storageGrowthRows(scales),
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
