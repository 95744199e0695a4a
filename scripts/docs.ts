/** Writes the generated help pages (npm run docs): help/topology.md from the model, help/deployment-file.md from the schema. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { deploymentFileReference } from "../constructs/docs/deployment-file";
import { topologyReference } from "../constructs/docs/reference";

const HELP = join(__dirname, "..", "help");
writeFileSync(join(HELP, "topology.md"), topologyReference());
writeFileSync(join(HELP, "deployment-file.md"), deploymentFileReference());
