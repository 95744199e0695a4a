import { join } from "node:path";
import { loadDeployments } from "../../constructs/deployment/discover";
import { exitOnDeploymentError } from "../../constructs/deployment/errors";
import type { Deployment } from "../../constructs/deployment/model";
import { buildTopology } from "../../constructs/topology/resolve";
import { issuePki } from "../../constructs/pki/issue";
import { planCluster, type ClusterPlan } from "../../constructs/plan";
import { checkHostKeys } from "../../constructs/deployment/known-hosts";
import { plainStateWarning } from "../../targets/shared/state-encryption";
import { addDeploymentStack, deploymentApp } from "../../targets";
import { secureLocalState } from "../../targets/shared/local-state";
import { reportPki } from "./pki-report";

/** Where cdktf writes (CDKTF_OUTDIR, as for main.ts). */
const OUTDIR = process.env.CDKTF_OUTDIR ?? join(__dirname, "..", "..", "cdktf.out");

/**
 * Validates one deployment file and synthesizes its stack into cdktf.out, as the commands
 * that run OpenTofu on it need; a user mistake ends the process with its message.
 */
export function synthesizeDeployment(file: string, outdir = OUTDIR): { deployment: Deployment; plan: ClusterPlan; stackDir: string } {
  const { deployment, plan } = exitOnDeploymentError(() => {
    const [d] = loadDeployments([file]);
    // The example gets its PKI on first use; a real deployment's is made once, on purpose,
    // with `npm run pki` (help/onprem.md), and kept with its secrets.
    const plan = planCluster(buildTopology(d));
    if (d.target === "onprem") {
      checkHostKeys(d);
      reportPki(issuePki(d, plan.pki));
    }
    const warning = plainStateWarning(d, plan);
    if (warning) console.error(`warning: ${warning}`);
    for (const line of secureLocalState([d], outdir)) console.error(`note: ${line}`);
    const app = deploymentApp(outdir);
    addDeploymentStack(app, d, plan);
    app.synth();
    return { deployment: d, plan };
  });
  const stackDir = join(outdir, "stacks", deployment.name);
  console.log(`synthesized ${deployment.name} (${deployment.target}, scale ${deployment.scale}) into ${stackDir}`);
  return { deployment, plan, stackDir };
}
