/**
 * Writes documentation generated from the model.
 *
 *   npm run docs                                   help/topology.md, help/deployment-file.md, and help/runbooks/<example>/ for each on-prem example
 *   npm run docs -- <deployment.yaml> --out <dir>  that deployment's runbooks (Markdown, the diagram as DOT and SVG)
 */
import "../targets/stack-traces";
import "../targets/native-dependencies";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { loadDeploymentFile } from "../constructs/deployment/load";
import { exitOnDeploymentError } from "../constructs/deployment/errors";
import type { AwsDeployment } from "../constructs/deployment/model";
import { deploymentFileReference } from "../constructs/docs/deployment-file";
import { topologyReference } from "../constructs/docs/reference";
import { DIAGRAM_DOT, DIAGRAM_SVG, runbookFiles, type RunbookFile } from "../constructs/docs/runbooks";
import { planCluster } from "../constructs/plan";
import { buildTopology } from "../constructs/topology/resolve";
import { addDeploymentStack, deploymentApp } from "../targets";
import { estimateAwsCost, type AwsStackJson, type CostEstimate } from "../targets/aws/cost-estimate";
import { awsRunbookFiles } from "../targets/aws/runbooks";
import { DiagramError, drawSvg } from "./lib/diagram";

const ROOT = join(__dirname, "..");
const HELP = join(ROOT, "help");
/** The examples whose runbooks help/ carries. */
export const RUNBOOK_EXAMPLES = ["onprem-small", "onprem-medium", "onprem-large", "onprem-poc", "aws-poc"] as const;

/** The AWS stack's cost, estimated from its synthesis as `npm run plan` does (into a folder removed after). */
function awsCost(deployment: AwsDeployment): CostEstimate {
  const outdir = mkdtempSync(join(tmpdir(), "matrix-docs-"));
  try {
    const app = deploymentApp(outdir);
    addDeploymentStack(app, deployment);
    app.synth();
    return estimateAwsCost(JSON.parse(readFileSync(join(outdir, "stacks", deployment.name, "cdk.tf.json"), "utf8")) as AwsStackJson);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * A deployment file's runbooks as text, naming the file as `shownAs`: the cluster's six and
 * the diagram's source, or the AWS proof of concept's shorter set.
 */
export function runbooksOf(file: string, shownAs = file): RunbookFile[] {
  const deployment = loadDeploymentFile(file);
  if (deployment.target === "aws") return awsRunbookFiles(deployment, shownAs, awsCost(deployment));
  // Parsed again as written: the configuration guide shows the fields the operator set, not the defaults filled in.
  return runbookFiles(planCluster(buildTopology(deployment)), { path: shownAs, content: parseYaml(readFileSync(file, "utf8")) });
}

/** Writes a deployment file's runbooks into `out`, the diagram drawn as SVG; returns the files written. */
function writeRunbooks(file: string, out: string, shownAs = file): string[] {
  const files = runbooksOf(file, shownAs);
  const dot = files.find((f) => f.name === DIAGRAM_DOT);
  // Drawn before anything is written: without Graphviz, the folder is left as it was.
  const all = dot ? [...files, { name: DIAGRAM_SVG, content: drawSvg(dot.content) }] : files;
  mkdirSync(out, { recursive: true });
  for (const f of all) writeFileSync(join(out, f.name), f.content);
  return all.map((f) => f.name);
}

function main(): void {
  const { values: options, positionals } = parseArgs({ options: { out: { type: "string" } }, allowPositionals: true });
  if (positionals.length === 0 && !options.out) {
    writeFileSync(join(HELP, "topology.md"), topologyReference());
    writeFileSync(join(HELP, "deployment-file.md"), deploymentFileReference());
    for (const example of RUNBOOK_EXAMPLES) writeRunbooks(join(ROOT, "examples", `${example}.yaml`), join(HELP, "runbooks", example), `examples/${example}.yaml`);
    console.log(`wrote help/topology.md, help/deployment-file.md and help/runbooks/{${RUNBOOK_EXAMPLES.join(",")}}/`);
    return;
  }
  if (positionals.length !== 1 || !options.out) {
    console.error("usage: npm run docs [-- <deployment.yaml> --out <dir>]");
    process.exit(2);
  }
  const out = resolve(options.out);
  const written = writeRunbooks(positionals[0], out);
  console.log(`wrote the runbooks of ${positionals[0]} into ${out}: ${written.join(", ")}`);
}

if (require.main === module) {
  try {
    exitOnDeploymentError(main);
  } catch (e) {
    if (!(e instanceof DiagramError)) throw e;
    console.error(`error: ${e.message}`);
    process.exit(2);
  }
}
