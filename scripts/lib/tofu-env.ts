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
  cached = env;
  return env;
}
