/**
 * The main job on a deployment: validate it, synthesize its stack, then `tofu init` and
 * `tofu plan` with the offline OpenTofu, printing the plan for approval.
 *
 *   npm run plan -- [deployment.yaml]      (default: examples/onprem-small.yaml)
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { App } from "cdktf";
import { loadDeployments } from "../constructs/deployment/discover";
import { DeploymentError } from "../constructs/deployment/errors";
import { addDeploymentStack } from "../targets";
import { tofuEnv } from "./lib/tofu-env";

const ROOT = join(__dirname, "..");
const file = resolve(process.argv[2] ?? join(ROOT, "examples/onprem-small.yaml"));

let deployment;
try {
  [deployment] = loadDeployments([file]);
} catch (e) {
  if (!(e instanceof DeploymentError)) throw e;
  for (const line of e.message.split("\n")) console.error(`error: ${line}`);
  process.exit(2);
}

const outdir = join(ROOT, "cdktf.out");
const app = new App({ outdir });
addDeploymentStack(app, deployment);
app.synth();
const stackDir = join(outdir, "stacks", deployment.name);
console.log(`synthesized ${deployment.name} (${deployment.target}, scale ${deployment.scale}) into ${stackDir}`);

const env = tofuEnv();
const run = (...args: string[]) => {
  console.log(`\n$ tofu ${args.join(" ")}`);
  const r = spawnSync(env.TOFU_BINARY!, args, { cwd: stackDir, env, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run("init", "-input=false");
run("plan", "-input=false", "-lock=false");
