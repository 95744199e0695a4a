import { execFileSync } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");
let cached: NodeJS.ProcessEnv | undefined;

/**
 * The environment that runs the OpenTofu built by scripts/opentofu.sh (built on first
 * use, then reused from its cache) against the offline provider mirror. cdktf uses the
 * same binary through TERRAFORM_BINARY_NAME.
 */
export function tofuEnv(): NodeJS.ProcessEnv {
  if (cached) return cached;
  const out = execFileSync(join(ROOT, "scripts/opentofu.sh"), { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const env: NodeJS.ProcessEnv = { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };
  for (const m of out.matchAll(/^export (\w+)='([^']*)'/gm)) {
    env[m[1]] = m[1] === "PATH" ? `${m[2]}:${process.env.PATH}` : m[2];
  }
  checkTofuVersion(env.TOFU_BINARY!, env);
  cached = env;
  return env;
}

/**
 * The stacks use terraform_data (Terraform 1.4, every OpenTofu): the commands that run
 * OpenTofu check its version once, instead of cdktf spawning it at every synth.
 */
const MIN_TOFU: readonly [number, number] = [1, 6];

function checkTofuVersion(binary: string, env: NodeJS.ProcessEnv): void {
  const { terraform_version: version } = JSON.parse(execFileSync(binary, ["version", "-json"], { encoding: "utf8", env, stdio: ["ignore", "pipe", "ignore"] })) as { terraform_version: string };
  const [major, minor] = version.split(".").map(Number);
  if (major < MIN_TOFU[0] || (major === MIN_TOFU[0] && minor < MIN_TOFU[1])) {
    throw new Error(`${binary} is OpenTofu ${version}; the stacks need ${MIN_TOFU.join(".")} or newer (scripts/opentofu.sh builds the pinned one)`);
  }
}
