import type { App, TerraformStack } from "cdktf";
import type { Deployment } from "../constructs/deployment/model";
import { buildTopology } from "../constructs/model/topology";
import { verifyPki } from "../constructs/pki/verify";
import { AwsPocStack } from "./aws/stack";
import { OnPremStack } from "./onprem/stack";

/** One stack per deployment, named after it; the target decides how hosts come to exist. */
export function addDeploymentStack(app: App, deployment: Deployment): TerraformStack {
  const topology = buildTopology(deployment);
  if (deployment.target === "aws") return new AwsPocStack(app, deployment.name, { topology: { ...topology, deployment } });
  return new OnPremStack(app, deployment.name, { topology: { ...topology, deployment } });
}

/**
 * Everything a deployment needs from outside its file, checked before any stack (or the
 * output folder) exists: today, an on-prem deployment's PKI folder.
 */
export function checkDeploymentInputs(deployment: Deployment): void {
  if (deployment.target === "onprem") verifyPki({ ...buildTopology(deployment), deployment });
}
