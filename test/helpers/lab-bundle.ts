import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { ClusterPlan } from "../../constructs/plan";
import { buildBundle } from "../../tools/bundle/build";
import { bundleRequest } from "../../tools/bundle/request";
import type { SuppliedProgram } from "../../tools/bundle/supplied";
import { ROOT } from "./examples";

/** The stand-in for matrix-docker-ansible-deploy (its README says why and what it checks). */
export const PLAYBOOK_STAND_IN = join(ROOT, "test/fixtures/playbook-stand-in");

/** Builds the stand-in for lk-jwt-service (test/fixtures/lk-jwt-service-stand-in) into `outDir`. */
export function buildLkJwtServiceStandIn(outDir: string): string {
  const out = join(outDir, "lk-jwt-service");
  const r = spawnSync("go", ["build", "-o", out, "main.go"], { cwd: join(ROOT, "test/fixtures/lk-jwt-service-stand-in"), env: { ...process.env, CGO_ENABLED: "0" }, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`go build of the lk-jwt-service stand-in failed: ${r.stderr || r.error}`);
  return out;
}

/**
 * The offline bundle of exactly the lab's hosts' packages (as `npm run bundle` builds it),
 * with the stand-in playbook and any programs the lab supplies.
 */
export async function buildLabBundle(plan: ClusterPlan, hosts: readonly string[], outDir: string, supplied: Partial<Record<SuppliedProgram, string>> = {}, elementWeb?: string): Promise<string> {
  const request = bundleRequest(plan, (h) => hosts.includes(h));
  return buildBundle({ request, outDir, cacheDir: join(ROOT, ".cache", "bundle"), playbookDir: PLAYBOOK_STAND_IN, supplied, ...(elementWeb ? { elementWeb } : {}) }).file;
}

/** Packs the Element Web stand-in (test/fixtures/element-web-stand-in) as a release tarball into `outDir`. */
export function packElementWebStandIn(outDir: string): string {
  const out = join(outDir, "element-v0.0.0-stand-in.tar.gz");
  const r = spawnSync("tar", ["-czf", out, "-C", join(ROOT, "test/fixtures/element-web-stand-in"), "element-v0.0.0-stand-in"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`packing the Element Web stand-in failed: ${r.stderr}`);
  return out;
}
