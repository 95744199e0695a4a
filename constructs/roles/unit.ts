import type { Role } from "../topology/roles";
import type { Topology, TopologyHost } from "../topology/topology";
import type { PkiItem } from "../pki/layout";
import { sha256 } from "../hash";

/** Programs Debian 12 lacks; the on-prem bundle builds them from source (tools/bundle/binaries.ts). */
export type BinaryName = "minio" | "mc" | "livekit-server";

/** A file a role puts on a host. Content may carry secret markers, never secret values. */
export interface RenderedFile {
  /** Absolute path on the host. */
  readonly path: string;
  readonly content: string;
  /** Octal permission string, such as "0640". */
  readonly mode: string;
  /** "user:group" when not root's; applied after the unit's packages create the user. */
  readonly owner?: string;
}

/** A file from the cluster's PKI folder: uploaded by path at apply, never rendered or synthesized. */
export interface PkiFile {
  /** Absolute path on the host. */
  readonly path: string;
  readonly item: PkiItem;
  readonly mode: string;
  readonly owner?: string;
}

/** Everything one role (or the host's own base layer) needs on one host. */
export interface RoleUnit {
  readonly name: Role | "base";
  readonly files: readonly RenderedFile[];
  /** Certificates and keys from the PKI folder (constructs/pki). */
  readonly pki?: readonly PkiFile[];
  /** Idempotent shell script run after the files are in place. */
  readonly activate: string;
  /** Debian packages the offline bundle must carry for this unit. */
  readonly packages: readonly string[];
  /** Programs Debian lacks, built into the bundle from source (installed to /usr/local/bin). */
  readonly binaries?: readonly BinaryName[];
  /**
   * Runs matrix-docker-ansible-deploy: the bundle must carry the playbook checkout and a
   * wheelhouse of Ansible, and a new bundle re-runs the unit (it may carry a new playbook).
   */
  readonly playbook?: true;
  /**
   * Python wheels the bundle must carry for Synapse: "native", the whole Synapse for the
   * native installation; "image", the S3 storage provider the playbook's customized image
   * installs.
   */
  readonly synapseWheels?: SynapseWheels;
}

export type SynapseWheels = "native" | "image";

export interface RoleContext {
  readonly topology: Topology;
  readonly host: TopologyHost;
}

export type RoleRenderer = (ctx: RoleContext) => RoleUnit;

/** The content hash that keys re-provisioning: exactly the unit's files and script. */
export function unitHash(unit: RoleUnit): string {
  return sha256(JSON.stringify({ files: unit.files, pki: unit.pki ?? [], activate: unit.activate, packages: unit.packages, binaries: unit.binaries ?? [] }));
}
