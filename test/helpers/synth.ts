import { Testing } from "cdktf";
import { join } from "node:path";
import type { Deployment } from "../../constructs/deployment/model";
import { addDeploymentStack, deploymentApp } from "../../targets";

export interface SynthResult {
  /** The synthesized JSON text, as `cdktf synth` writes it. */
  readonly json: string;
  readonly config: TerraformJson;
}

export interface TerraformJson {
  readonly terraform: Record<string, any>;
  readonly provider: Record<string, any[]>;
  readonly resource: Record<string, Record<string, any>>;
  readonly data?: Record<string, Record<string, any>>;
  readonly output: Record<string, any>;
  readonly removed?: readonly Record<string, any>[];
}

export function synth(deployment: Deployment): SynthResult {
  const app = Testing.app();
  const stack = addDeploymentStack(app, deployment);
  const json = Testing.synth(stack);
  return { json, config: JSON.parse(json) };
}

/** Synthesizes like `cdktf synth` does, into outdir; returns the stack's folder. */
export function synthToDir(deployment: Deployment, outdir: string): string {
  const app = deploymentApp(outdir);
  addDeploymentStack(app, deployment);
  app.synth();
  return join(outdir, "stacks", deployment.name);
}

/** The stack's SSH provisioners (terraform_data with provisioners), by address name. */
export function provisionerResources(config: TerraformJson): Record<string, any> {
  return Object.fromEntries(Object.entries(config.resource.terraform_data ?? {}).filter(([, r]) => r.provisioner !== undefined));
}
