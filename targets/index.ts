import "./cdktf-on-demand";
import { App, type TerraformStack } from "cdktf";
import type { Deployment } from "../constructs/deployment/model";
import { planDeployment, type ClusterPlan } from "../constructs/plan";
import { AwsPocStack } from "./aws/stack";
import { OnPremStack } from "./onprem/stack";
import { STACK_TRACES } from "./stack-traces";

/**
 * The App the project's commands synthesize with. cdktf's synth-time validations are off:
 * they spawn the Terraform binary once per stack to read its version (terraform_data needs
 * 1.4; the commands that run OpenTofu check its version once, scripts/lib/tofu-env.ts),
 * and the project's stacks always carry their providers (the other validation). Stack
 * traces in the metadata are off too (each construct's would be mapped through source
 * maps): MATRIX_STACK_TRACES=1 brings them back for debugging.
 */
export function deploymentApp(outdir: string): App {
  if (!STACK_TRACES) skipTokenStackTraces();
  return new App({ outdir, skipValidation: true, stackTraces: STACK_TRACES });
}

/**
 * cdktf records a full stack trace for every token it creates (thousands per synth), only
 * to name where an unresolvable token came from; its modules call the function through
 * this module's exports at each use, so replacing the export turns the recording off.
 */
function skipTokenStackTraces(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const stackTrace = require("cdktf/lib/tokens/private/stack-trace") as { captureStackTrace: () => string[] };
  stackTrace.captureStackTrace = () => [];
}

/** One stack per deployment, named after it; the target decides how hosts come to exist. */
export function addDeploymentStack(app: App, deployment: Deployment, plan: ClusterPlan = planDeployment(deployment)): TerraformStack {
  if (deployment.target === "aws") return new AwsPocStack(app, deployment.name, { deployment, plan });
  return new OnPremStack(app, deployment.name, { deployment, plan });
}
