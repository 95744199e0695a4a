import { join } from "node:path";
import type { Topology } from "../../constructs/model/topology";
import { buildBundle } from "../../targets/onprem/bundle/build";
import { bundleRequest } from "../../targets/onprem/bundle/request";
import { ROOT } from "./examples";

/** The stand-in for matrix-docker-ansible-deploy (its README says why and what it checks). */
export const PLAYBOOK_STAND_IN = join(ROOT, "test/fixtures/playbook-stand-in");

/** The offline bundle of exactly the lab's hosts' packages (as `npm run bundle` builds it), with the stand-in playbook. */
export async function buildLabBundle(topology: Topology, hosts: readonly string[], outDir: string): Promise<string> {
  const request = bundleRequest(topology, (h) => hosts.includes(h));
  return buildBundle({ request, outDir, cacheDir: join(ROOT, ".cache", "bundle"), playbookDir: PLAYBOOK_STAND_IN }).file;
}
