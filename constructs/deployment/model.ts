import type { Role } from "../topology/roles";
import type { Scale, WorkerCounts } from "../topology/scale";

/** How the provisioners check that they reached the host itself. */
export type HostKeyCheck =
  /** The host's public key, pinned in the deployment's known_hosts file (`type base64`). */
  | { readonly kind: "pinned"; readonly key: string }
  /** No key pinned: synth refuses the deployment. */
  | { readonly kind: "missing" }
  /** insecure_skip_host_key_check: any key is accepted, and every plan says so. */
  | { readonly kind: "skipped" };

export interface SshAccess {
  readonly user: string;
  readonly port: number;
  /** Absent when the SSH agent is used. */
  readonly privateKeyPath?: string;
  readonly useAgent: boolean;
  readonly hostKey: HostKeyCheck;
}

export interface Bastion extends SshAccess {
  readonly host: string;
}

export interface InventoryHost {
  readonly name: string;
  readonly address: string;
  readonly ssh: SshAccess;
  /** Roles after the placement rule (role group) is expanded, in activation order. */
  readonly roles: readonly Role[];
}

export interface Branding {
  readonly brand: string;
  readonly logoUrl?: string;
  readonly themeColor: string;
}

/** OpenTofu's encryption of the state and of saved plans. */
export type StateEncryption = (
  /** A key derived from the passphrase in TF_VAR_state_passphrase. */
  | { readonly key: "passphrase" }
  /** Data keys from an AWS KMS key. */
  | { readonly key: "aws_kms"; readonly kmsKeyId: string; readonly region: string }
) & {
  /** Read an unencrypted state once (the first apply after turning encryption on). */
  readonly migrateFromUnencrypted: boolean;
};

/** A Terraform Cloud workspace by name, or the workspaces with these tags. */
export type CloudWorkspace = { readonly name: string } | { readonly tags: readonly string[] };

export type Backend = (
  /** State in a local file: absolute, outside the synthesized output (which synth rewrites). */
  | { readonly type: "local"; readonly path: string }
  | { readonly type: "cloud"; readonly organization: string; readonly workspace: CloudWorkspace; readonly hostname: string }
  /** State in S3, locked by a lock file beside it (OpenTofu's use_lockfile). */
  | { readonly type: "s3"; readonly bucket: string; readonly key: string; readonly region: string; readonly kmsKeyId?: string }
) & { readonly encryption?: StateEncryption };

interface DeploymentBase {
  readonly name: string;
  /** Permanent: part of every user ID. */
  readonly serverName: string;
  /** Whether a changed server_name may replace the deployed one (see ServerNameGuard). */
  readonly allowServerNameChange: boolean;
  readonly federation: boolean;
  readonly branding: Branding;
  readonly backend: Backend;
  /** The file it came from, for messages. */
  readonly source?: string;
}

/** Let's Encrypt's production directory: the default ACME server. */
export const LETS_ENCRYPT_DIRECTORY = "https://acme-v02.api.letsencrypt.org/directory";

/** How browsers reach the proof of concept. */
export type PublicWeb =
  /** Plain HTTP (an explicit choice): no secure context, so Element degrades. */
  | { readonly scheme: "http" }
  /** HTTPS with a certificate from an ACME server (HTTP-01), renewed on the host. */
  | { readonly scheme: "https"; readonly acme: { readonly directory: string; readonly email?: string } };

export interface AwsSettings {
  readonly region: string;
  readonly instanceType: string;
  /** SSH from this range, or no SSH at all (Session Manager only). */
  readonly ssh: { readonly kind: "cidr"; readonly cidr: string } | { readonly kind: "ssm-only" };
  readonly alarmEmail: string;
  readonly monthlyBudgetUsd: number;
  readonly rootVolumeGb: number;
  readonly keepRootVolume: boolean;
  readonly kmsKeyArn?: string;
  readonly weeklySnapshots: boolean;
  readonly logRetentionDays: number;
  readonly web: PublicWeb;
}

export interface AwsDeployment extends DeploymentBase {
  readonly target: "aws";
  /** DNS name users open; absent: they open the Elastic IP. */
  readonly domain?: string;
  /** AWS is the single-instance proof of concept only. */
  readonly scale: "poc";
  readonly aws: AwsSettings;
}

export interface DatabaseSettings {
  readonly synchronousMode: boolean;
  /** Overrides the pool size derived from the worker count. */
  readonly poolSize?: number;
}

export interface AlertDelivery {
  readonly email: string;
  /** host:port of the intranet SMTP relay. */
  readonly smarthost: string;
  readonly from: string;
}

export interface BackupSettings {
  readonly retentionFull: number;
  readonly retentionDiff: number;
  /** rsync --bwlimit of the media pull, KiB/s. */
  readonly mediaBandwidthKbps: number;
  /** Days the daily snapshots of the media and config are kept. */
  readonly mediaRetentionDays: number;
}

/** How matrix-docker-ansible-deploy reaches the Synapse host. */
export interface PlaybookSettings {
  /** The provisioner runs the playbook on the Synapse host; false leaves it to the operator. */
  readonly run: boolean;
  /** Registry prefix that replaces every image's public registry (matrix_container_global_registry_prefix_override). */
  readonly registryMirror?: string;
}

/** Which way the Synapse host is installed. */
export type SynapseInstall = "playbook" | "native";

export interface SynapseSettings {
  readonly install: SynapseInstall;
  /** Worker counts that replace the scale preset's. */
  readonly workers: Partial<WorkerCounts>;
  /** Days local media stays on the Synapse host after its last access; absent: the scale's default. */
  readonly mediaCacheDays?: number;
}

export interface OnPremSettings {
  /** Absent only at the poc scale (one host, no load balancers). */
  readonly vip?: string;
  readonly clientSubnets: readonly string[];
  readonly adminSubnets: readonly string[];
  readonly bastion?: Bastion;
  readonly turnRelayPorts: readonly [number, number];
  readonly hosts: readonly InventoryHost[];
  readonly database: DatabaseSettings;
  readonly backup: BackupSettings;
  /** Where Alertmanager e-mails alerts, if anywhere. */
  readonly alerts?: AlertDelivery;
  readonly playbook: PlaybookSettings;
  readonly synapse: SynapseSettings;
  /** Absolute path of the cluster's PKI folder: the CA and each host's certificate (constructs/pki). */
  readonly pki: string;
  /** Absolute path of the known_hosts file that pins each host's and the bastion's SSH host key. */
  readonly knownHosts: string;
  /** Absolute path of the offline package bundle uploaded to every host, if any. */
  readonly bundle?: string;
}

export interface OnPremDeployment extends DeploymentBase {
  readonly target: "onprem";
  /** DNS name users open; every host maps it to the VIP. */
  readonly domain: string;
  readonly scale: Scale;
  readonly onprem: OnPremSettings;
}

export type Deployment = AwsDeployment | OnPremDeployment;
