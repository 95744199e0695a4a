// Before any test file: the examples' PKI folders (examples/<name>.pki, git-ignored), made
// once here as an operator makes them with `npm run pki`, so parallel tests only read them.
import { buildTopology } from "../constructs/model/topology";
import { issuePki } from "../constructs/pki/issue";
import { EXAMPLES, loadExample } from "./helpers/examples";

export default function globalSetup(): void {
  for (const name of EXAMPLES) {
    const d = loadExample(name);
    if (d.target === "onprem") issuePki({ ...buildTopology(d), deployment: d });
  }
}
