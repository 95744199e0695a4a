/**
 * The main job on a deployment: validate it, synthesize its stack, then `tofu init` and
 * `tofu plan` with the offline OpenTofu, printing the plan for approval.
 *
 *   npm run plan -- [deployment.yaml]      (default: examples/onprem-small.yaml)
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { loadDeployments } from "../constructs/deployment/discover";
import { exitOnDeploymentError } from "../constructs/deployment/errors";
import { buildTopology } from "../constructs/topology/resolve";
import { issuePki } from "../constructs/pki/issue";
import { planCluster } from "../constructs/plan";
import { checkHostKeys } from "../constructs/deployment/known-hosts";
import { plainStateWarning } from "../targets/shared/state-encryption";
import { reportPki } from "./lib/pki-report";
import { addDeploymentStack, deploymentApp } from "../targets";
import { secureLocalState } from "../targets/shared/local-state";
import { tofuEnv } from "./lib/tofu-env";

const ROOT = join(__dirname, "..");
const file = resolve(process.argv[2] ?? join(ROOT, "examples/onprem-small.yaml"));

const outdir = join(ROOT, "cdktf.out");
const deployment = exitOnDeploymentError(() => {
  const [d] = loadDeployments([file]);
  // The example gets its PKI on first use; a real deployment's is made once, on purpose,
  // with `npm run pki` (see the README), and kept with its secrets.
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
  return d;
});
const stackDir = join(outdir, "stacks", deployment.name);
console.log(`synthesized ${deployment.name} (${deployment.target}, scale ${deployment.scale}) into ${stackDir}`);

const env = tofuEnv();
const run = (...args: string[]) => {
  console.log(`\n$ tofu ${args.join(" ")}`);
  const r = spawnSync(env.TOFU_BINARY!, args, { cwd: stackDir, env, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
// -reconfigure: the backend settings are the synthesized ones; the stack folder's cached
// ones may name a state path of an earlier version (moved above, see secureLocalState).
run("init", "-input=false", "-reconfigure");
run("plan", "-input=false", "-lock=false");
