import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { tofuEnv as projectTofuEnv } from "../../scripts/lib/tofu-env";

/** The tests' OpenTofu: providers built from source, so no registry is needed. */
export const tofuEnv = (): NodeJS.ProcessEnv => projectTofuEnv("source-built");

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

/** The provider mirror users' commands read (npm run providers writes it), if it holds a provider. */
export function officialMirrorHas(provider: string): boolean {
  return existsSync(join(process.env.MATRIX_PROVIDER_MIRROR ?? join(__dirname, "..", "..", "providers"), "registry.opentofu.org", "hashicorp", provider));
}

/** OpenTofu as users' commands run it: official providers (that mirror, else the registry). */
export function officialTofu(cwd: string, ...args: string[]): TofuResult {
  const env = projectTofuEnv("official");
  const r = spawnSync(env.TOFU_BINARY!, [...args, "-no-color"], { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
