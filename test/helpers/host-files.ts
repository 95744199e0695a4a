import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { OnPremDeployment } from "../../constructs/deployment/model";
import { SECRET_MARKER } from "../../constructs/markers";
import { hostPlan, planCluster } from "../../constructs/plan";
import { pkiItemPath, pkiPaths } from "../../constructs/pki/layout";
import { buildTopology } from "../../constructs/topology/resolve";

/**
 * Writes one host's rendered files under `root` (secrets as test-<name>), each through
 * `localize` (which points the configs' absolute paths into `root`), and copies its
 * certificates and keys from the deployment's PKI folder. Returns `root`.
 */
export function materializeHost(deployment: OnPremDeployment, hostName: string, root: string, localize: (text: string) => string = (t) => t): string {
  const pki = pkiPaths(deployment.onprem.pki, hostName);
  for (const unit of hostPlan(planCluster(buildTopology(deployment)), hostName).units) {
    for (const f of unit.files) {
      mkdirSync(dirname(join(root, f.path)), { recursive: true });
      writeFileSync(join(root, f.path), localize(f.content.replace(SECRET_MARKER, "test-$1")));
    }
    for (const f of unit.pki ?? []) {
      mkdirSync(dirname(join(root, f.path)), { recursive: true });
      copyFileSync(pkiItemPath(pki, f.item), join(root, f.path));
    }
  }
  return root;
}
