import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { tofuEnv } from "../../scripts/lib/tofu-env";

export { tofuEnv };

export interface TofuResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function tofu(cwd: string, ...args: string[]): TofuResult {
  const env = tofuEnv();
  const r = spawnSync(env.TOFU_BINARY!, [...args, "-no-color"], { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Whether the offline mirror carries a provider. */
export function mirrorHas(provider: string): boolean {
  return existsSync(join(tofuEnv().TF_CLI_CONFIG_FILE!, "..", "mirror", "registry.opentofu.org", "hashicorp", provider));
}
