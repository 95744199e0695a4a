import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { OnPremDeployment } from "../../constructs/deployment/model";
import type { Topology } from "../../constructs/model/topology";
import { pkiItemPath, pkiPaths } from "../../constructs/pki/layout";
import { SECRET_MARKER } from "../../constructs/render";
import { hostUnits } from "../../constructs/roles";

/**
 * Writes one host's rendered files under `root` (secrets as test-<name>), each through
 * `localize` (which points the configs' absolute paths into `root`), and copies its
 * certificates and keys from the deployment's PKI folder. Returns `root`.
 */
export function materializeHost(topology: Topology, hostName: string, root: string, localize: (text: string) => string = (t) => t): string {
  const host = topology.hosts.find((h) => h.name === hostName);
  if (!host) throw new Error(`no host ${hostName} in ${topology.deployment.name}`);
  const pki = pkiPaths((topology.deployment as OnPremDeployment).onprem.pki, hostName);
  for (const unit of hostUnits(topology, host)) {
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
