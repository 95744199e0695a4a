import { sha256 } from "../../constructs/hash";
import type { ManifestFile, ManifestPlaybook } from "./playbook";
import type { Wheelhouse } from "./wheels";
import type { ManifestElementWeb } from "./supplied";
import type { ManifestSupplied } from "./supplied";
/** One .deb in the bundle. */
export interface ManifestDeb {
  readonly file: string;
  readonly package: string;
  readonly version: string;
  readonly architecture: string;
  readonly size: number;
  readonly sha256: string;
}

/** One single binary under bin/. */
export interface ManifestBinary {
  readonly file: string;
  readonly name: string;
  /** Go module path@version it was built from. */
  readonly module: string;
  readonly package: string;
  readonly size: number;
  readonly sha256: string;
}

/**
 * manifest.json: everything that decides the bundle's content, and nothing else (no
 * timestamps, no paths of the building machine, no host names: adding a host with the
 * same roles keeps the bundle), so equal content means an equal name and equal bytes.
 */
export interface BundleManifest {
  readonly format: 1;
  readonly deployment: string;
  readonly os: {
    readonly distribution: string;
    readonly release: string;
    readonly codename: string;
    readonly architecture: string;
    /** "URI suite" for every suite the closure was resolved from. */
    readonly suites: readonly string[];
  };
  /**
   * The dpkg status the closure was computed against: "empty" (the complete closure of
   * declared dependencies) or the SHA-256 of a baseline status file.
   */
  readonly baseline: "empty" | { readonly status_sha256: string };
  /** Packages the deployment's units ask for, sorted. */
  readonly requested: readonly string[];
  /** The closure, sorted by package name. */
  readonly debs: readonly ManifestDeb[];
  readonly binaries: readonly ManifestBinary[];
  /** Programs the operator brought (--lk-jwt-service), also under bin/. */
  readonly supplied?: readonly ManifestSupplied[];
  /** The Ansible wheelhouse under ansible/, when the Synapse host runs the playbook. */
  readonly ansible?: readonly ManifestFile[];
  /** The matrix-docker-ansible-deploy checkout under playbook/. */
  readonly playbook?: ManifestPlaybook;
  /**
   * Synapse's wheels: the whole Synapse under synapse-wheels/ for the native installation,
   * or the S3 storage provider under synapse-image-wheels/ for the playbook's image.
   */
  readonly synapse_wheels?: { readonly dir: Wheelhouse["dir"]; readonly files: readonly ManifestFile[] };
  /** Element Web's release tarball, when the operator supplied it. */
  readonly element_web?: ManifestElementWeb;
}

/** The manifest as written into the bundle. */
export const manifestText = (m: BundleManifest): string => `${JSON.stringify(m, null, 2)}\n`;

/** matrix-bundle-<deployment>-<first 12 hex digits of the manifest's SHA-256>.tar */
export function bundleTarName(m: BundleManifest): string {
  const digest = sha256(manifestText(m));
  return `matrix-bundle-${m.deployment}-${digest.slice(0, 12)}.tar`;
}
