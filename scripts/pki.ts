/**
 * Creates or renews the cluster PKI of on-prem deployments (constructs/pki): the internal
 * CA when the folder has none, and a certificate for every host that serves TLS. Run it
 * once before the first plan, again after adding hosts, and before certificates expire;
 * it keeps what is still good, so a second run changes nothing.
 *
 *   npm run pki -- [deployment.yaml | folder ...]      (default: examples/)
 *
 * With your own CA: put its ca.crt (and ca.key, to let this command issue) in the folder
 * first. Without ca.key, it checks the certificates you placed and names what is missing.
 */
import { join } from "node:path";
import { loadDeployments } from "../constructs/deployment/discover";
import { exitOnDeploymentError } from "../constructs/deployment/errors";
import { buildTopology } from "../constructs/topology/resolve";
import { issuePki } from "../constructs/pki/issue";
import { planCluster } from "../constructs/plan";
import { reportPki } from "./lib/pki-report";

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log("usage: npm run pki -- [deployment.yaml | folder ...]   (default: examples/)");
  process.exit(0);
}
exitOnDeploymentError(() => {
  for (const d of loadDeployments(args.length > 0 ? args : [join(__dirname, "..", "examples")])) {
    if (d.target !== "onprem") continue;
    console.log(`${d.name}: ${d.onprem.pki}`);
    reportPki(issuePki(d, planCluster(buildTopology(d)).pki));
  }
});
