/**
 * Copies the official providers a deployment's stack needs into a provider mirror, on a
 * machine with internet access, for a machine without (the air gap): `tofu providers
 * mirror`, which always downloads from each provider's origin registry, so the mirror
 * holds the official packages and the lock files written from it the official hashes.
 *
 *   npm run providers -- <deployment.yaml> [--out providers]
 *
 * Carry the folder to the same place in the project on the offline machine (or point
 * MATRIX_PROVIDER_MIRROR at it): `npm run plan` and the `scripts/opentofu.sh` environment
 * then install from it.
 */
import "../targets/stack-traces";
import "../targets/native-dependencies";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { synthesizeDeployment } from "./lib/synthesize";
import { tofuEnv } from "./lib/tofu-env";

const { values: options, positionals } = parseArgs({ options: { out: { type: "string" } }, allowPositionals: true });
if (positionals.length !== 1) {
  console.error("usage: npm run providers -- <deployment.yaml> [--out <folder>]   (default folder: providers/, or $MATRIX_PROVIDER_MIRROR)");
  process.exit(2);
}
const out = resolve(options.out ?? process.env.MATRIX_PROVIDER_MIRROR ?? join(__dirname, "..", "providers"));
const { stackDir } = synthesizeDeployment(resolve(positionals[0]));
mkdirSync(out, { recursive: true });
const env = tofuEnv("official");
const mirror = (cwd: string) => {
  console.log(`\n$ tofu providers mirror -platform=linux_amd64 ${out}   (in ${cwd})`);
  const r = spawnSync(env.TOFU_BINARY!, ["providers", "mirror", "-platform=linux_amd64", out], { cwd, env, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
mirror(stackDir);

// A state written before 0.2 names hashicorp/null (roles were null_resources): the first
// plan after the upgrade needs it once, to move them to terraform_data (help/offline.md, "Upgrading from 0.1").
const legacy = mkdtempSync(join(tmpdir(), "null-provider-"));
writeFileSync(join(legacy, "main.tf.json"), JSON.stringify({ terraform: { required_providers: { null: { source: "hashicorp/null", version: "~> 3.2" } } } }));
mirror(legacy);
rmSync(legacy, { recursive: true, force: true });
