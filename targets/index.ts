import type { App, TerraformStack } from "cdktf";
import type { Deployment } from "../constructs/deployment/model";
import { planDeployment, type ClusterPlan } from "../constructs/plan";
import { AwsPocStack } from "./aws/stack";
import { OnPremStack } from "./onprem/stack";

/** One stack per deployment, named after it; the target decides how hosts come to exist. */
export function addDeploymentStack(app: App, deployment: Deployment, plan: ClusterPlan = planDeployment(deployment)): TerraformStack {
  if (deployment.target === "aws") return new AwsPocStack(app, deployment.name, { deployment, plan });
  return new OnPremStack(app, deployment.name, { deployment, plan });
}
