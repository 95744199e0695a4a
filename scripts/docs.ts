/**
 * Writes documentation generated from the model.
 *
 *   npm run docs                                   help/topology.md, help/deployment-file.md, and help/runbooks/<example>/ for each on-prem example
 *   npm run docs -- <deployment.yaml> --out <dir>  that deployment's runbooks (Markdown, the diagram as DOT and SVG)
 */
import "../targets/stack-traces";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { loadDeploymentFile } from "../constructs/deployment/load";
import { DeploymentError, exitOnDeploymentError } from "../constructs/deployment/errors";
import { deploymentFileReference } from "../constructs/docs/deployment-file";
import { topologyReference } from "../constructs/docs/reference";
import { DIAGRAM_DOT, DIAGRAM_SVG, runbookFiles } from "../constructs/docs/runbooks";
import { planCluster } from "../constructs/plan";
import { buildTopology } from "../constructs/topology/resolve";
import { DiagramError, drawSvg } from "./lib/diagram";

const ROOT = join(__dirname, "..");
const HELP = join(ROOT, "help");
/** The examples whose runbooks help/ carries (the AWS proof of concept has none yet). */
export const RUNBOOK_EXAMPLES = ["onprem-small", "onprem-medium", "onprem-large", "onprem-poc"] as const;

/** Writes a deployment file's runbooks into `out`; returns the files written. They name the file as `shownAs`. */
function writeRunbooks(file: string, out: string, shownAs = file): string[] {
  const deployment = loadDeploymentFile(file);
  if (deployment.target !== "onprem") {
    throw new DeploymentError([`${file}: target: ${deployment.target}: runbooks are generated for on-prem deployments only so far; the AWS proof of concept is documented in help/aws.md`]);
  }
  // Parsed again as written: the configuration guide shows the fields the operator set, not the defaults filled in.
  const files = runbookFiles(planCluster(buildTopology(deployment)), { path: shownAs, content: parseYaml(readFileSync(file, "utf8")) });
  // Drawn before anything is written: without Graphviz, the folder is left as it was.
  const all = [...files, { name: DIAGRAM_SVG, content: drawSvg(files.find((f) => f.name === DIAGRAM_DOT)!.content) }];
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
