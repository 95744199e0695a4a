import { join } from "node:path";
import type { Topology } from "../../constructs/model/topology";
import { buildBundle } from "../../targets/onprem/bundle/build";
import { bundleRequest } from "../../targets/onprem/bundle/request";
import { ROOT } from "./examples";

/** The offline bundle of exactly the lab's hosts' packages (as `npm run bundle` builds it). */
export async function buildLabBundle(topology: Topology, hosts: readonly string[], outDir: string): Promise<string> {
  const request = bundleRequest(topology, (h) => hosts.includes(h));
  return buildBundle({ request, outDir, cacheDir: join(ROOT, ".cache", "bundle") }).file;
}
