import type { ClusterPlan } from "../../plan";
import { SECRET_MARKER } from "../../markers";
import { deploymentFileRows } from "../deployment-file";
import { table } from "./markdown";

/** The deployment file the runbooks are written for: its path as the operator types it, and its parsed content. */
export interface DeploymentSource {
  readonly path: string;
  readonly content: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * A reference row's field as it sits in this file: its path with each variant's tag
 * (`backend (type: s3).bucket`) checked against the file. Undefined when the row belongs to a
 * variant the file does not use, or to a list's elements (`hosts[].name`), which are not one value.
 */
function locate(file: unknown, field: string): { value: unknown } | undefined {
  if (field.includes("[]")) return undefined;
  let v: unknown = file;
  for (const segment of field.split(/\.(?![^(]*\))/)) {
    const [, key, tag, tagValue] = /^([\w]+)(?: \((\w+): (\w+)\))?$/.exec(segment) ?? [];
    v = isRecord(v) ? v[key] : undefined;
    if (tag && !(isRecord(v) && v[tag] === tagValue)) return undefined;
  }
  return { value: v };
}

const shown = (v: unknown) =>
  v === undefined ? "-" : Array.isArray(v) && v.some((x) => typeof x === "object") ? `${v.length} entries` : isRecord(v) ? "(see the fields below)" : `\`${JSON.stringify(v)}\``;

/** The files of the Synapse host's own unit: the playbook's inventory and vars.yml, the native configuration, or the proof of concept's. */
function synapseHostFiles(plan: ClusterPlan) {
  for (const { host, units } of plan.hosts) {
    const unit = units.find((u) => u.name === "synapse" || u.name === "poc");
    if (unit) return { host: host.name, files: unit.files };
  }
  return undefined;
}

/**
 * Runbook 3, the configuration guide: the deployment file as written, field by field, with
 * what each does and which ones the operator must supply; then every file of the Synapse
 * host's configuration exactly as it is rendered, its comments explaining each value.
 */
export function configurationRunbook(plan: ClusterPlan, file: DeploymentSource): string {
  const t = plan.topology;
  // Rows of variants this file does not use, and of the other target, do not apply to it.
  const rows = deploymentFileRows().filter((r) => r.field.includes("[]") || !/ \(\w+: \w+\)/.test(r.field) || locate(file.content, r.field) !== undefined);
  const target = locate(file.content, "target")?.value === "aws" ? "aws" : "onprem";
  const otherTarget = target === "aws" ? "onprem" : "aws";
  const applying = rows.filter((r) => r.field !== otherTarget && !r.field.startsWith(`${otherTarget}.`));
  const byField = new Map(applying.map((r) => [r.field.replace(/\[\]$/, ""), r]));
  // The target's own section is optional in the schema, but required for this file's target.
  const required = (field: string) => field === target || byField.get(field)?.default === "required";
  // A required field inside an optional one is required only when its parent is given.
  const requirement = (field: string): string => {
    const parent = field.replace(/\.[^.]+$/, "").replace(/\[\]$/, "").replace(/ \(\w+: \w+\)$/, "");
    return parent === field || required(parent) ? "**must supply**" : `required with \`${parent}\``;
  };
  const synapse = synapseHostFiles(plan);
  const secrets = [...new Set(synapse?.files.flatMap((f) => [...f.content.matchAll(SECRET_MARKER)].map((m) => m[1])) ?? [])];
  return [
    `# ${t.name}: configuration guide`,
    "",
    "Generated from the deployment by `npm run docs`; do not edit by hand.",
    "",
    "## The deployment file",
    "",
    `Everything is configured in one file, \`${file.path}\`. **must supply** marks what has no default; a field *required with* another is needed only when that one is given. A field left out takes its default; every other file (the Synapse host's below, each role's) is generated from this one.`,
    "",
    ...table(
      ["field", "this deployment", "default", "what it does"],
      applying.map((r) => [`\`${r.field}\``, shown(locate(file.content, r.field)?.value), required(r.field) ? requirement(r.field) : r.default.replaceAll("`", ""), r.description]),
    ),
    "",
    ...(synapse
      ? [
          `## The Synapse host's configuration (${synapse.host})`,
          "",
          "As generated and installed; change the deployment file, never these files (the next apply writes them again).",
          ...(secrets.length > 0
            ? ["", `A value written \`@@secret:<name>@@\` is a secret that OpenTofu generates (\`random_password.secret_<name>\`) and fills in on the host during the apply; it exists only there and in the state (keep the state encrypted: \`backend.encryption\`). Here: ${secrets.map((s) => `\`${s}\``).join(", ")}.`]
            : []),
          "",
          ...synapse.files.flatMap((f) => [`### ${f.path}`, "", "```", f.content.trimEnd(), "```", ""]),
        ]
      : []),
  ].join("\n");
}
