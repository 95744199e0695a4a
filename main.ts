/**
 * The CDKTF app: reads deployment files, builds one stack per deployment, synthesizes.
 *
 *   npx tsx main.ts [file-or-folder ...]     (default: $DEPLOYMENTS, else examples/)
 *
 * A mistake in a deployment file (or a PKI folder that cannot serve it) prints one line
 * per problem and exits 2, before any stack is synthesized.
 */
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
  // cdktf captures a stack trace for every token it creates (hundreds per stack); tsx's
  // source maps would translate each one. Errors of this app are a user's mistakes (one
  // line, no trace) or bugs: MATRIX_STACK_TRACES=1 keeps the mapped traces for those.
  if (process.env.MATRIX_STACK_TRACES !== "1") process.setSourceMapsEnabled(false);
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
