// Before any test file: the examples' PKI folders (examples/<name>.pki, git-ignored), made
// once here as an operator makes them with `npm run pki`, so parallel tests only read them.
import { buildTopology } from "../constructs/topology/resolve";
import { issuePki } from "../constructs/pki/issue";
import { planCluster } from "../constructs/plan";
import { EXAMPLES, loadExample } from "./helpers/examples";

export default function globalSetup(): void {
  for (const name of EXAMPLES) {
    const d = loadExample(name);
    if (d.target === "onprem") issuePki(d, planCluster(buildTopology(d)).pki);
  }
}
