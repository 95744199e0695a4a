import { z } from "zod";
import { deploymentSchema } from "../deployment/schema";

/** The part of JSON Schema that zod writes for the deployment schema. */
interface JsonSchema {
  readonly type?: string;
  readonly description?: string;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly pattern?: string;
  readonly format?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly prefixItems?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly anyOf?: readonly JsonSchema[];
}

export interface ReferenceRow {
  readonly field: string;
  readonly accepts: string;
  readonly default: string;
  readonly description: string;
}

const show = (v: unknown) => `\`${JSON.stringify(v)}\``;

/** What a field accepts, in a reader's words. */
function accepts(s: JsonSchema): string {
  if (s.const !== undefined) return show(s.const);
  if (s.enum) return s.enum.map(show).join(" \\| ");
  if (s.anyOf && s.anyOf.every((a) => a.const !== undefined)) return s.anyOf.map((a) => show(a.const)).join(" \\| ");
  if (s.type === "array") {
    if (s.prefixItems) return `[${s.prefixItems.map(accepts).join(", ")}]`;
    return `list of ${s.items ? accepts(s.items) : "values"}${s.minItems ? `, at least ${s.minItems}` : ""}`;
  }
  if (s.type === "integer" || s.type === "number") {
    // zod writes the largest safe integer as the maximum of an unbounded integer.
    const max = s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? s.maximum : undefined;
    const range = s.minimum !== undefined && max !== undefined ? ` ${s.minimum}-${max}` : s.minimum !== undefined ? ` >= ${s.minimum}` : "";
    return `${s.type === "integer" ? "integer" : "number"}${range}`;
  }
  if (s.type === "string") return s.format ? `string (${s.format})` : "string";
  return s.type ?? "value";
}

/** Every field of a schema, depth first, with its path; objects' fields follow them. */
function rows(s: JsonSchema, path: string, required: boolean, out: ReferenceRow[]): void {
  const variants = s.oneOf ?? (s.anyOf && s.anyOf.some((a) => a.type === "object") ? s.anyOf : undefined);
  if (variants) {
    out.push({ field: path, accepts: "one of the forms below", default: s.default !== undefined ? show(s.default) : required ? "required" : "optional", description: s.description ?? "" });
    for (const v of variants) {
      const discriminator = Object.entries(v.properties ?? {}).find(([, p]) => p.const !== undefined);
      rows({ ...v, description: undefined }, discriminator ? `${path} (${discriminator[0]}: ${discriminator[1].const})` : path, required, out);
    }
    return;
  }
  if (s.type === "object" && s.properties) {
    if (path !== "" && (s.description || s.default !== undefined)) {
      out.push({ field: path, accepts: "object", default: s.default !== undefined ? show(s.default) : required ? "required" : "optional", description: s.description ?? "" });
    }
    for (const [name, field] of Object.entries(s.properties)) rows(field, path === "" ? name : `${path}.${name}`, (s.required ?? []).includes(name), out);
    return;
  }
  if (s.type === "array" && s.items?.type === "object") {
    out.push({ field: path, accepts: accepts({ ...s, items: { type: "object" } }).replace("list of object", "list of objects"), default: required ? "required" : "optional", description: s.description ?? "" });
    rows({ ...s.items, description: undefined, default: undefined }, `${path}[]`, false, out);
    return;
  }
  out.push({ field: path, accepts: accepts(s), default: s.default !== undefined ? show(s.default) : required ? "required" : "optional", description: s.description ?? "" });
}

/** The deployment file's fields, read from the schema that validates it. */
export function deploymentFileRows(): ReferenceRow[] {
  const schema = z.toJSONSchema(deploymentSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const out: ReferenceRow[] = [];
  rows(schema, "", true, out);
  return out;
}

/** Table cell text: pipes escaped, and <placeholders> shown, not read as HTML. */
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\n/g, " ");

/** help/deployment-file.md: every field, what it accepts, its default and what it does. */
export function deploymentFileReference(): string {
  const table = deploymentFileRows().map((r) => `| \`${r.field}\` | ${r.accepts} | ${r.default} | ${cell(r.description)} |`);
  return [
    "# Deployment file reference",
    "",
    "<!-- Generated from constructs/deployment/schema.ts by `npm run docs`; do not edit. -->",
    "",
    "One YAML file per deployment (`examples/` holds one per target and scale, every value to",
    "change marked `CHANGE`). Paths in it are relative to the file. Fields of `aws` apply to",
    "`target: aws` only, fields of `onprem` to `target: onprem` only. An unknown field, a wrong",
    "value or a missing one stops every command with one line naming the field, the value and",
    "the fix. `hosts[]` is each element of the list.",
    "",
    "| field | accepts | default | what it does |",
    "|---|---|---|---|",
    ...table,
    "",
    "Roles a host may list: see [topology.md](topology.md) for each role and the groups that",
    "place them.",
    "",
  ].join("\n");
}
