import { sha256File } from "../../constructs/hash";
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { prepareAptRoot, resolveAndDownload } from "./apt";
import { BUNDLE_BINARIES } from "./binaries";
import { TARGET_OS, targetSuites } from "./debian";
import { buildGoBinary } from "./go-build";
import { bundleTarName, manifestText, type BundleManifest, type ManifestBinary } from "./manifest";
import { checkPlaybookCheckout, stagePlaybook } from "./playbook";
import { stageWheels, type Wheelhouse } from "./wheels";
import { ANSIBLE_REQUIREMENTS } from "../../constructs/roles/synapse/playbook";
import { S3_PROVIDER_IMAGE_REQUIREMENTS, SYNAPSE_REQUIREMENTS } from "../../constructs/roles/synapse/wheelhouse";
import type { SynapseWheels } from "../../constructs/roles/unit";
import { writeFlatRepository, writeTar } from "./repo";
import { checkElementWeb, checkSuppliedDeb, ELEMENT_WEB, readSuppliedProgram, stageElementWeb, stageSuppliedProgram, type SuppliedDeb, type SuppliedProgram } from "./supplied";
import type { BundleRequest } from "./request";

export interface BuildBundleOptions {
  readonly request: BundleRequest;
  /** Where the tarball goes. */
  readonly outDir: string;
  /** Kept between runs: the apt root with its downloaded .debs, built binaries (the request names which). */
  readonly cacheDir: string;
  /** A dpkg status file of the hosts' minimal system; without it, the complete closure. */
  readonly baselineStatus?: string;
  /** A matrix-docker-ansible-deploy checkout with its Galaxy roles; needed when the request runs the playbook. */
  readonly playbookDir?: string;
  /** Programs the operator brings (tools/bundle/supplied.ts), by name: their paths. */
  readonly supplied?: Partial<Readonly<Record<SuppliedProgram, string>>>;
  /** Element Web's release tarball, for a natively installed Synapse host (tools/bundle/supplied.ts). */
  readonly elementWeb?: string;
  /** Debian packages the operator brings (tools/bundle/supplied.ts), by name: their .deb files. */
  readonly suppliedDebs?: Partial<Readonly<Record<SuppliedDeb, string>>>;
}

export interface BuiltBundle {
  readonly file: string;
  readonly manifest: BundleManifest;
  /** Size of the tarball. */
  readonly bytes: number;
  /** .debs fetched by this run (0 when the cache had them all). */
  readonly downloaded: number;
  readonly seconds: number;
}

const ANSIBLE_WHEELS: Wheelhouse = { dir: "ansible", what: "Ansible for the Synapse host", requirements: ANSIBLE_REQUIREMENTS, pinnedIn: "ANSIBLE_REQUIREMENTS (constructs/roles/synapse/playbook.ts)" };
const SYNAPSE_WHEELS: Record<SynapseWheels, Wheelhouse> = {
  native: { dir: "synapse-wheels", what: "Synapse for the native Synapse host", requirements: SYNAPSE_REQUIREMENTS, pinnedIn: "SYNAPSE_REQUIREMENTS (constructs/roles/synapse/wheelhouse.ts)", noDeps: true },
  image: { dir: "synapse-image-wheels", what: "the S3 storage provider for the playbook's Synapse image", requirements: S3_PROVIDER_IMAGE_REQUIREMENTS, pinnedIn: "SYNAPSE_REQUIREMENTS (constructs/roles/synapse/wheelhouse.ts)", noDeps: true },
};

/** Resolves, downloads (cached), assembles and tars the bundle of one request. */
export function buildBundle(opts: BuildBundleOptions): BuiltBundle {
  const started = process.hrtime.bigint();
  if (opts.request.playbook && opts.playbookDir === undefined) {
    throw new Error("the Synapse host runs matrix-docker-ansible-deploy from the bundle: pass --playbook <checkout> (the playbook at the pinned commit with `just roles` done; help/onprem.md, \"Synapse host\"), or set onprem.playbook.run: false");
  }
  if (opts.elementWeb !== undefined && opts.request.synapseWheels !== "native") {
    throw new Error(`--element-web: the deployment's Synapse host runs matrix-docker-ansible-deploy, which serves Element Web from its own container; the tarball is for onprem.synapse.install: native`);
  }
  // Before any download: a checkout that cannot run offline, or a program that cannot run
  // on the hosts, is refused at once.
  const checkout = opts.request.playbook && opts.playbookDir !== undefined ? checkPlaybookCheckout(opts.playbookDir) : undefined;
  const elementWeb = opts.elementWeb !== undefined ? { path: opts.elementWeb, version: checkElementWeb(opts.elementWeb) } : undefined;
  const supplied = (Object.entries(opts.supplied ?? {}) as [SuppliedProgram, string][]).map(([name, path]) => ({ name, data: readSuppliedProgram(name, path) }));
  const suppliedDebs = (Object.entries(opts.suppliedDebs ?? {}) as [SuppliedDeb, string][]).map(([name, path]) => {
    checkSuppliedDeb(name, path);
    return { package: name, path };
  });
  const root = prepareAptRoot(join(opts.cacheDir, "apt"), opts.baselineStatus);
  const { planned, downloaded } = resolveAndDownload(root, opts.request.packages, suppliedDebs);

  const staging = mkdtempSync(join(opts.cacheDir, "staging-"));
  try {
    const debs = writeFlatRepository(staging, root.archives, planned);
    const binaries: ManifestBinary[] = opts.request.binaries.map((name) => {
      const bin = BUNDLE_BINARIES[name];
      const path = buildGoBinary(bin, join(staging, "bin"), join(opts.cacheDir, "go-bin"));
      return { file: `bin/${bin.name}`, name: bin.name, module: `${bin.module}@${bin.version}`, package: bin.package, size: statSync(path).size, sha256: sha256File(path) };
    });
    const programs = supplied.map(({ name, data }) => stageSuppliedProgram(name, data, staging));
    const playbook = checkout ? { ansible: stageWheels(ANSIBLE_WHEELS, opts.cacheDir, staging), playbook: stagePlaybook(checkout, staging) } : {};
    const wheels = opts.request.synapseWheels ? SYNAPSE_WHEELS[opts.request.synapseWheels] : undefined;
    const synapse = wheels ? { synapse_wheels: { dir: wheels.dir, files: stageWheels(wheels, opts.cacheDir, staging) } } : {};
    const elementWebPart = elementWeb ? { element_web: stageElementWeb(elementWeb.path, elementWeb.version, staging) } : {};
    const manifest: BundleManifest = {
      format: 1,
      deployment: opts.request.deployment,
      os: { distribution: TARGET_OS.distribution, release: TARGET_OS.release, codename: TARGET_OS.codename, architecture: TARGET_OS.architecture, suites: targetSuites() },
      baseline: opts.baselineStatus === undefined ? "empty" : { status_sha256: sha256File(opts.baselineStatus) },
      requested: opts.request.packages,
      debs,
      binaries,
      ...(programs.length > 0 ? { supplied: programs } : {}),
      ...playbook,
      ...synapse,
      ...elementWebPart,
    };
    writeFileSync(join(staging, "manifest.json"), manifestText(manifest));

    mkdirSync(opts.outDir, { recursive: true });
    const file = join(opts.outDir, bundleTarName(manifest));
    const partial = `${file}.partial-${process.pid}`;
    writeTar(staging, ["Packages", "Packages.gz", "Release", "manifest.json", ...debs.map((d) => d.file), ...(binaries.length + programs.length > 0 ? ["bin"] : []), ...(manifest.playbook ? ["ansible", "playbook"] : []), ...(manifest.synapse_wheels ? [manifest.synapse_wheels.dir] : []), ...(manifest.element_web ? [ELEMENT_WEB.file] : [])], partial);
    renameSync(partial, file);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { file, manifest, bytes: statSync(file).size, downloaded: downloaded.length, seconds };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
