/**
 * The Matrix platform as a construct library: parse a deployment file, then add the
 * platform to a TerraformStack you own (with your providers and backend).
 *
 *   const deployment = loadDeploymentFile("chat.yaml");
 *   if (deployment.target === "onprem") new MatrixOnPrem(stack, "chat", { deployment });
 *
 * examples/app/main.ts is a complete app.
 */

// The deployment file: parse and validate (DeploymentError names the field, the value and the fix).
export { loadDeploymentFile, parseDeployment } from "./constructs/deployment/load";
export { loadDeployments } from "./constructs/deployment/discover";
export { DeploymentError } from "./constructs/deployment/errors";
export type { AwsDeployment, Deployment, OnPremDeployment } from "./constructs/deployment/model";

// The pipeline: Deployment -> Topology -> ClusterPlan.
export { buildTopology } from "./constructs/topology/resolve";
export type { Topology, TopologyHost } from "./constructs/topology/topology";
export { planCluster, planDeployment, type ClusterPlan, type HostPlan } from "./constructs/plan";

// The constructs, for any TerraformStack.
export { MatrixOnPrem, type MatrixOnPremProps, type PlatformHost } from "./targets/onprem/matrix-onprem";
export { MatrixAwsPoc, type MatrixAwsPocProps } from "./targets/aws/matrix-aws-poc";
export { PROVIDER_CONSTRAINTS, relaxProviderVersions } from "./targets/shared/provider-versions";

// The project's own stacks: the constructs with providers, backend and outputs.
export { OnPremStack } from "./targets/onprem/stack";
export { AwsPocStack } from "./targets/aws/stack";
export { addDeploymentStack } from "./targets";
