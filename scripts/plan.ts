/**
 * The main job on a deployment, for approval: validate it, synthesize its stack, `tofu
 * init`, then `tofu plan` into a saved plan; prints a summary an approver reads in a
 * minute (scripts/lib/plan-summary.ts) and where the full plan is.
 *
 *   npm run plan -- [deployment.yaml] [--source-built-providers] [--out <dir>] [--replace <host>,...]
 *
 * Writes into <dir> (default: <name>.plan beside the deployment file, replaced each time):
 * plan.tfplan (the saved plan: `npm run apply -- <dir>` applies exactly it), plan.txt
 * (OpenTofu's full plan output), plan.json (`tofu show -json`) and summary.md (with the
 * monthly cost estimate of an AWS deployment: targets/aws/cost-estimate.ts).
 *
 * The deployment defaults to examples/onprem-small.yaml. Providers are the official ones
 * (from the provider mirror, else the registry); --source-built-providers plans with the
 * ones scripts/opentofu.sh built from source, for a machine with neither (the lock file
 * they would write is removed afterwards, as its hashes are not the official releases').
 * --replace plans every unit of the named on-prem hosts anew (their bundle upload, then
 * each role in order), as new machines in their places need (help/operations.md).
 */
import "../targets/stack-traces";
import "../targets/native-dependencies";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { costEstimateMarkdown, estimateAwsCost, type AwsStackJson } from "../targets/aws/cost-estimate";
import { PLAN_FILE, PLAN_RECORD, type PlanRecord } from "./lib/plan-record";
import { summarizePlan, type PlanJson } from "./lib/plan-summary";
import { replaceAddresses } from "./lib/replace-addresses";
import { synthesizeDeployment } from "./lib/synthesize";
import { missingProviders, tofuEnv } from "./lib/tofu-env";

const ROOT = join(__dirname, "..");
const { values: options, positionals } = parseArgs({
  options: { "source-built-providers": { type: "boolean", default: false }, out: { type: "string" }, replace: { type: "string" } },
  allowPositionals: true,
});
const file = resolve(positionals[0] ?? join(ROOT, "examples/onprem-small.yaml"));
const providers = options["source-built-providers"] ? "source-built" : "official";

const { deployment, plan: cluster, stackDir } = synthesizeDeployment(file);
const replacements = options.replace === undefined ? [] : replaceFlags(options.replace);
const out = resolve(options.out ?? join(dirname(file), `${deployment.name}.plan`));
const env = tofuEnv(providers);
const tofu = (args: readonly string[]) => spawnSync(env.TOFU_BINARY!, args, { cwd: stackDir, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 512 * 1024 * 1024 });

// -reconfigure: the backend settings are the synthesized ones; the stack folder's cached
// ones may name a state path of an earlier version (moved by the synthesis: secureLocalState).
// Its output is held back until it is known not to be a missing provider (one line then).
console.log("\n$ tofu init -input=false -reconfigure");
const init = tofu(["init", "-input=false", "-reconfigure", "-no-color"]);
const missing = init.status === 0 ? [] : missingProviders(init.stdout + init.stderr);
if (missing.length > 0) {
  console.error(`error: OpenTofu cannot install ${missing.join(", ")}: no provider mirror holds ${missing.length > 1 ? "them" : "it"} and no registry answers from here. On a machine with internet access run \`npm run providers -- ${positionals[0] ?? "<deployment.yaml>"}\` and bring the providers/ folder here (help/offline.md).`);
  process.exit(1);
}
if (init.status !== 0) {
  process.stdout.write(init.stdout);
  process.stderr.write(init.stderr);
  process.exit(init.status ?? 1);
}
console.log("OpenTofu initialised.");

// The plan folder holds only this plan: an older saved plan must not be applied by mistake.
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true, mode: 0o700 });
const planFile = join(out, PLAN_FILE);
console.log(`\n$ tofu plan -input=false -lock=false ${replacements.map((r) => `${r} `).join("")}-out=${relative(process.cwd(), planFile)}`);
const plan = tofu(["plan", "-input=false", "-lock=false", "-no-color", ...replacements, `-out=${planFile}`]);
writeFileSync(join(out, "plan.txt"), plan.stdout + plan.stderr);
if (plan.status !== 0) {
  process.stdout.write(plan.stdout);
  process.stderr.write(plan.stderr);
  process.exit(plan.status ?? 1);
}
const show = tofu(["show", "-json", planFile]);
if (providers === "source-built") rmSync(join(stackDir, ".terraform.lock.hcl"), { force: true });
if (show.status !== 0) {
  process.stderr.write(show.stderr);
  process.exit(show.status ?? 1);
}
writeFileSync(join(out, "plan.json"), show.stdout, { mode: 0o600 });
const record: PlanRecord = { deployment: deployment.name, deploymentFile: file, stackDir, providers, planned: new Date().toISOString() };
writeFileSync(join(out, PLAN_RECORD), `${JSON.stringify(record, null, 2)}\n`);
const costs = deployment.target === "aws" ? estimateAwsCost(JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")) as AwsStackJson) : undefined;
const summary = summarizePlan(JSON.parse(show.stdout) as PlanJson, { deployment: deployment.name, planFile: relative(process.cwd(), out) || "." }) + (costs ? `\n${costEstimateMarkdown(costs)}\n` : "");
for (const problem of [...(costs?.gaps ?? []), ...(costs?.budgetWarning ? [costs.budgetWarning] : [])]) console.error(`warning: ${problem}`);
writeFileSync(join(out, "summary.md"), summary);

console.log(`\n${summary}`);
// OpenTofu's own one-line count, as its plan output ends.
const total = /^(Plan: .*|No changes\..*)$/m.exec(plan.stdout)?.[1];
if (total) console.log(`OpenTofu: ${total}`);
console.log(`The saved plan, OpenTofu's full output, its JSON and this summary: ${relative(process.cwd(), out)}/{${PLAN_FILE},plan.txt,plan.json,summary.md}`);

/** `-replace` of every unit the stack has on each host named in `--replace` (comma-separated); a name that is no host ends the command. */
function replaceFlags(list: string): string[] {
  const names = list.split(",").map((n) => n.trim()).filter(Boolean);
  const hosts = cluster.hosts.map((h) => h.host.name);
  const unknown = names.filter((n) => !hosts.includes(n));
  if (deployment.target !== "onprem" || names.length === 0 || unknown.length > 0) {
    const problem = deployment.target !== "onprem" ? `${deployment.name} is an AWS deployment; --replace re-provisions on-prem hosts` : names.length === 0 ? "no host named" : `no host ${unknown.map((n) => `"${n}"`).join(", ")} in ${deployment.name}`;
    console.error(`error: --replace ${JSON.stringify(list)}: ${problem}${deployment.target === "onprem" ? `; its hosts: ${hosts.join(", ")}` : ""}`);
    process.exit(2);
  }
  return names.flatMap((n) => replaceAddresses(cluster, stackDir, n).map((a) => `-replace=${a}`));
}
