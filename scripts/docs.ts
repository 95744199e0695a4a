/** Writes help/topology.md from the model (npm run docs). */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { topologyReference } from "../constructs/docs/reference";

writeFileSync(join(__dirname, "..", "help", "topology.md"), topologyReference());
