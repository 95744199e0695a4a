/**
 * The main job on a deployment: validate it, synthesize its stack, then `tofu init` and
 * `tofu plan`, printing the plan for approval.
 *
 *   npm run plan -- [deployment.yaml] [--source-built-providers]
 *
 * The deployment defaults to examples/onprem-small.yaml. Providers are the official ones
 * (from the provider mirror, else the registry); --source-built-providers plans with the
 * ones scripts/opentofu.sh built from source, for a machine with neither (the lock file
 * they would write is removed afterwards, as its hashes are not the official releases').
 */
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { synthesizeDeployment } from "./lib/synthesize";
import { missingProviders, tofuEnv } from "./lib/tofu-env";

const ROOT = join(__dirname, "..");
const { values: options, positionals } = parseArgs({ options: { "source-built-providers": { type: "boolean", default: false } }, allowPositionals: true });
const file = resolve(positionals[0] ?? join(ROOT, "examples/onprem-small.yaml"));
const providers = options["source-built-providers"] ? "source-built" : "official";

const { stackDir } = synthesizeDeployment(file);

const env = tofuEnv(providers);

// -reconfigure: the backend settings are the synthesized ones; the stack folder's cached
// ones may name a state path of an earlier version (moved by the synthesis: secureLocalState).
// Its output is held back until it is known not to be a missing provider (one line then).
console.log("\n$ tofu init -input=false -reconfigure");
const init = spawnSync(env.TOFU_BINARY!, ["init", "-input=false", "-reconfigure"], { cwd: stackDir, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const missing = init.status === 0 ? [] : missingProviders(init.stdout + init.stderr);
if (missing.length > 0) {
  console.error(`error: OpenTofu cannot install ${missing.join(", ")}: no provider mirror holds ${missing.length > 1 ? "them" : "it"} and no registry answers from here. On a machine with internet access run \`npm run providers -- ${positionals[0] ?? "<deployment.yaml>"}\` and bring the providers/ folder here (help/offline.md).`);
  process.exit(1);
}
process.stdout.write(init.stdout);
process.stderr.write(init.stderr);
if (init.status !== 0) process.exit(init.status ?? 1);

console.log("\n$ tofu plan -input=false -lock=false");
const plan = spawnSync(env.TOFU_BINARY!, ["plan", "-input=false", "-lock=false"], { cwd: stackDir, env, stdio: "inherit" });
if (providers === "source-built") rmSync(join(stackDir, ".terraform.lock.hcl"), { force: true });
process.exit(plan.status ?? 1);
