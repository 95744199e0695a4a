import { execFileSync } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");
const cached = new Map<ProviderSource, NodeJS.ProcessEnv>();

/**
 * Where OpenTofu takes providers from (scripts/opentofu.sh writes both configurations):
 * "official" for real deployments (the provider mirror made by `npm run providers`, else
 * the registry), "source-built" for the tests and the offline example (local and random
 * built here from upstream source; their lock-file hashes are not the official releases').
 */
export type ProviderSource = "official" | "source-built";

/**
 * The environment that runs the OpenTofu built by scripts/opentofu.sh (built on first
 * use, then reused from its cache) with the given provider source. cdktf uses the same
 * binary through TERRAFORM_BINARY_NAME.
 */
export function tofuEnv(providers: ProviderSource = "official"): NodeJS.ProcessEnv {
  const known = cached.get(providers);
  if (known) return known;
  const args = providers === "source-built" ? ["--source-built"] : [];
  const out = execFileSync(join(ROOT, "scripts/opentofu.sh"), args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const env: NodeJS.ProcessEnv = { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };
  for (const m of out.matchAll(/^export (\w+)='([^']*)'/gm)) {
    env[m[1]] = m[1] === "PATH" ? `${m[2]}:${process.env.PATH}` : m[2];
  }
  checkTofuVersion(env.TOFU_BINARY!, env);
  cached.set(providers, env);
  return env;
}

/**
 * The on-prem stacks move their roles from null_resource to terraform_data, a move
 * OpenTofu accepts from 1.10 on: the commands that run OpenTofu check its version once,
 * instead of cdktf spawning it at every synth.
 */
const MIN_TOFU: readonly [number, number] = [1, 10];

function checkTofuVersion(binary: string, env: NodeJS.ProcessEnv): void {
  const { terraform_version: version } = JSON.parse(execFileSync(binary, ["version", "-json"], { encoding: "utf8", env, stdio: ["ignore", "pipe", "ignore"] })) as { terraform_version: string };
  const [major, minor] = version.split(".").map(Number);
  if (major < MIN_TOFU[0] || (major === MIN_TOFU[0] && minor < MIN_TOFU[1])) {
    throw new Error(`${binary} is OpenTofu ${version}; the stacks need ${MIN_TOFU.join(".")} or newer (scripts/opentofu.sh builds the pinned one)`);
  }
}

/**
 * The providers a failed `tofu init` could not find anywhere (no mirror holds them and no
 * registry answered), from its output; empty when it failed for another reason.
 */
export function missingProviders(initOutput: string): string[] {
  const text = initOutput.replace(/\s+/g, " ");
  const found = [...text.matchAll(/(?:Could not resolve provider|Could not retrieve the list of available versions for provider) ([\w.-]+\/[\w.-]+(?:\/[\w.-]+)?)/g)].map((m) => m[1]);
  return [...new Set(found)].sort();
}
