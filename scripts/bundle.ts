/**
 * Builds the offline package bundle of one on-prem deployment: every Debian package its
 * hosts' units need plus their dependency closure for Debian 12, as a flat apt repository
 * in one tarball (see tools/bundle/).
 *
 *   npm run bundle -- <deployment.yaml> [--out <dir>] [--baseline <dpkg status file>] [--playbook <dir>] [--lk-jwt-service <file>] [--grafana-deb <file>] [--element-web <tarball>]
 *
 * --out       where the tarball goes (default .cache/bundle/out)
 * --baseline  leave out what hosts with this dpkg status already have (default: none, so
 *             the bundle carries the complete closure and completes any Debian 12 host)
 * --playbook  a matrix-docker-ansible-deploy checkout with its Galaxy roles (`just roles`),
 *             carried with a wheelhouse of the pinned Ansible for the Synapse host
 * --lk-jwt-service  its linux amd64 release binary, for Element Call (not buildable here)
 * --grafana-deb     Grafana OSS's amd64 .deb (Debian 12 has none); its dependencies come from Debian
 * --element-web     Element Web's release tarball, served by a natively installed Synapse host
 */
import { join, resolve } from "node:path";
import { loadDeployments } from "../constructs/deployment/discover";
import { exitOnDeploymentError } from "../constructs/deployment/errors";
import { buildTopology } from "../constructs/topology/resolve";
import { planCluster } from "../constructs/plan";
import { buildBundle } from "../tools/bundle/build";
import { playbookCommitWarning } from "../tools/bundle/playbook";
import { bundleRequest } from "../tools/bundle/request";

const ROOT = join(__dirname, "..");
const USAGE = "usage: npm run bundle -- <deployment.yaml> [--out <dir>] [--baseline <dpkg status file>] [--playbook <dir>] [--lk-jwt-service <file>] [--grafana-deb <file>] [--element-web <tarball>]";

function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(2);
}

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith("--")) fail(`${name} needs a value; ${USAGE}`);
  args.splice(i, 2);
  return value;
};
const outDir = resolve(option("--out") ?? join(ROOT, ".cache/bundle/out"));
const baseline = option("--baseline");
const playbookDir = option("--playbook");
const lkJwtService = option("--lk-jwt-service");
const grafanaDeb = option("--grafana-deb");
const elementWeb = option("--element-web");
if (args.length !== 1 || args[0].startsWith("--")) fail(USAGE);

const [deployment] = exitOnDeploymentError(() => loadDeployments([resolve(args[0])]));
if (deployment.target !== "onprem") fail(`${args[0]}: target: "${deployment.target}" has no Debian hosts; the offline bundle is for target onprem`);

const request = bundleRequest(planCluster(buildTopology(deployment)));
try {
  const built = buildBundle({
    request,
    outDir,
    cacheDir: join(ROOT, ".cache/bundle"),
    ...(baseline ? { baselineStatus: resolve(baseline) } : {}),
    ...(playbookDir ? { playbookDir: resolve(playbookDir) } : {}),
    ...(lkJwtService ? { supplied: { "lk-jwt-service": resolve(lkJwtService) } } : {}),
    ...(grafanaDeb ? { suppliedDebs: { grafana: resolve(grafanaDeb) } } : {}),
    ...(elementWeb ? { elementWeb: resolve(elementWeb) } : {}),
  });
  const { playbook, ansible } = built.manifest;
  const warning = playbook && playbookCommitWarning(playbook);
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  const debBytes = built.manifest.debs.reduce((sum, d) => sum + d.size, 0);
  console.log(
    [
      `bundle     ${built.file}`,
      `requested  ${request.packages.length} packages for ${request.hosts.length} hosts: ${request.packages.join(" ")}`,
      `closure    ${built.manifest.debs.length} .debs, ${mb(debBytes)} (Debian ${built.manifest.os.release} ${built.manifest.os.codename} ${built.manifest.os.architecture}, baseline ${built.manifest.baseline === "empty" ? "empty: complete closure" : "from --baseline"}); ${built.downloaded} downloaded, the rest from .cache/bundle`,
      `binaries   ${built.manifest.binaries.map((b) => b.module).join(" ") || "none"}${(built.manifest.supplied ?? []).map((p) => `; ${p.name} (supplied, sha256 ${p.sha256.slice(0, 12)})`).join("")}`,
      `playbook   ${playbook ? `matrix-docker-ansible-deploy ${playbook.commit ?? "(not a git checkout)"} with ${playbook.galaxy_roles} Galaxy roles; Ansible ${ansible?.length ?? 0} wheels, ${mb((ansible ?? []).reduce((sum, w) => sum + w.size, 0))}` : "none"}`,
      ...(warning ? [`warning    ${warning}`] : []),
      `tarball    ${mb(built.bytes)} in ${built.seconds.toFixed(1)} s`,
    ].join("\n"),
  );
} catch (e) {
  fail((e as Error).message);
}
