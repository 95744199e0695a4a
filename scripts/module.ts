/**
 * Writes an on-prem deployment as a Terraform module folder for a plain HCL project:
 * main.tf.json (no provider, backend or state encryption block; SSH credentials, the PKI
 * folder and the bundle as variables; the stack's outputs) and README.md (its inputs and
 * outputs in terraform-docs format).
 *
 *   npm run module -- <deployment.yaml> --out <dir>
 */
import "../targets/stack-traces";
import "../targets/native-dependencies";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { hclModule, moduleReadme } from "./lib/hcl-module";
import { synthesizeDeployment } from "./lib/synthesize";

const { values: options, positionals } = parseArgs({ options: { out: { type: "string" } }, allowPositionals: true });
if (positionals.length !== 1 || !options.out) {
  console.error("usage: npm run module -- <deployment.yaml> --out <dir>");
  process.exit(2);
}
const { deployment, stackDir } = synthesizeDeployment(resolve(positionals[0]));
if (deployment.target !== "onprem") {
  console.error(`error: ${positionals[0]}: a module is made of an on-prem deployment (target: onprem); the AWS proof of concept is used as a stack (npm run plan)`);
  process.exit(2);
}
const stack = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")) as Record<string, unknown>;
const m = hclModule(stack, { pkiDir: deployment.onprem.pki, ...(deployment.onprem.bundle ? { bundle: deployment.onprem.bundle } : {}) });
const out = resolve(options.out);
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "main.tf.json"), `${JSON.stringify(m.main, null, 2)}\n`);
writeFileSync(join(out, "README.md"), moduleReadme(deployment.name, m));
console.log(`wrote the module of ${deployment.name} into ${out} (main.tf.json, README.md): ${m.variables.length} variables, ${m.outputs.length} outputs`);
