/**
 * The CDKTF app: reads deployment files, builds one stack per deployment, synthesizes.
 *
 *   npx tsx main.ts [file-or-folder ...]     (default: $DEPLOYMENTS, else examples/)
 *
 * A mistake in a deployment file (or a PKI folder that cannot serve it) prints one line
 * per problem and exits 2, before any stack is synthesized.
 */
import "./targets/stack-traces";
import "./targets/native-dependencies";
import { loadDeployments } from "./constructs/deployment/discover";
import { exitOnDeploymentError } from "./constructs/deployment/errors";
import { planDeployment } from "./constructs/plan";
import { addDeploymentStack, deploymentApp } from "./targets";
import { secureLocalState } from "./targets/shared/local-state";

export const DEFAULT_DEPLOYMENTS = ["examples"];

export function deploymentArgs(argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  if (argv.length > 0) return [...argv];
  if (env.DEPLOYMENTS) return env.DEPLOYMENTS.split(/[,:]/).filter(Boolean);
  return DEFAULT_DEPLOYMENTS;
}

function main(): void {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    console.log("usage: main.ts [deployment.yaml | folder ...]\n  default: $DEPLOYMENTS (comma-separated), else examples/\n  writes the stacks to $CDKTF_OUTDIR or cdktf.out/");
    return;
  }
  exitOnDeploymentError(() => {
    const deployments = loadDeployments(deploymentArgs(args, process.env));
    // Every deployment is planned (and its inputs checked) before anything is written.
    const plans = deployments.map(planDeployment);
    const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";
    for (const line of secureLocalState(deployments, outdir)) console.error(`note: ${line}`);
    const app = deploymentApp(outdir);
    deployments.forEach((d, i) => addDeploymentStack(app, d, plans[i]));
    app.synth();
  });
}

if (require.main === module) main();
