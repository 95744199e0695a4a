/**
 * The deployment file reference (help/deployment-file.md) is generated from the schema that
 * validates the files, so it cannot drift: every field, its default and allowed values.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { deploymentFileReference, deploymentFileRows } from "../constructs/docs/deployment-file";
import { EXAMPLES, exampleText, ROOT } from "./helpers/examples";

const rows = deploymentFileRows();

test("help/deployment-file.md is what the schema generates (run `npm run docs` after changing the schema)", () => {
  expect(readFileSync(join(ROOT, "help", "deployment-file.md"), "utf8")).toBe(deploymentFileReference());
});

test("every field says what it does", () => {
  expect(rows.filter((r) => r.description.trim() === "").map((r) => r.field)).toEqual([]);
});

/** The field paths a YAML document sets, lists' elements as `[]`. */
function paths(value: unknown, prefix: string): string[] {
  if (Array.isArray(value)) return value.some((v) => v !== null && typeof v === "object") ? [prefix, ...value.flatMap((v) => paths(v, `${prefix}[]`))] : [prefix];
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => paths(v, prefix === "" ? k : `${prefix}.${k}`)).concat(prefix === "" || prefix.endsWith("[]") ? [] : [prefix]);
  return [prefix];
}

test.each(EXAMPLES)("every field %s sets is in the reference", (example) => {
  const documented = new Set(rows.map((r) => r.field.replace(/ \([a-z]+: [a-z_]+\)/g, "")));
  expect([...new Set(paths(parse(exampleText(example)), ""))].filter((p) => !documented.has(p))).toEqual([]);
});

test("with each default and allowed value, such as the AWS settings an operator may need", () => {
  const row = (field: string) => rows.find((r) => r.field === field);
  expect(row("aws.log_retention_days")).toMatchObject({ default: "`30`", accepts: expect.stringContaining("`365`") });
  expect(row("aws.ssm_only")).toMatchObject({ default: "`false`" });
  expect(row("aws.kms_key_arn")).toMatchObject({ default: "optional" });
  expect(row("onprem.synapse.install")).toMatchObject({ accepts: '`"playbook"` \\| `"native"`', default: '`"playbook"`' });
  expect(row("onprem.hosts[].address")).toMatchObject({ accepts: "string (ipv4)", default: "required" });
});

test("the README's storage figures are the generated topology page's (the model's)", () => {
  const topology = readFileSync(join(ROOT, "help", "topology.md"), "utf8");
  const days = (row: string) => [...new RegExp(`^\\| ${row} \\|(.*)$`, "m").exec(topology)![1].matchAll(/(\d+) days/g)].map((m) => m[1]).join(", ").replace(/, (\d+)$/, " and $1");
  const readme = readFileSync(join(ROOT, "README.md"), "utf8").replace(/\s+/g, " ");
  expect(readme).toContain(`the object store holds ${days("object store: usable capacity, and days it holds")} days, the backup server ${days("backup server: disk, and days of media it holds")};`);
});
