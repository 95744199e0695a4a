import { z } from "zod";
import { ROLE_GROUP_NAMES, ROLES } from "../topology/roles";
import { SCALES } from "../topology/scale";

/** RFC 1123 host name (labels of letters, digits and hyphens), at least two labels. */
const DOMAIN = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const HOST_NAME = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DEPLOYMENT_NAME = /^[a-z][a-z0-9-]{1,38}[a-z0-9]$/;

const domain = (what: string) =>
  z.string().regex(DOMAIN, { error: `is not a valid ${what} (lower-case DNS name such as chat.example.com)` });
const ipv4 = z.ipv4({ error: "is not an IPv4 address" });
const cidr = z.cidrv4({ error: "is not an IPv4 CIDR block (such as 10.0.0.0/16)" });
/** A Synapse worker count: every worker type of a scale keeps at least one process. */
const workerCount = z.int({ error: "is not a whole number of workers" }).min(1, { error: "must be at least 1: every worker type of the scale must run" }).max(32, { error: "must be at most 32" });
const port = z.int({ error: "is not a port number" }).min(1, { error: "is not a port number (1-65535)" }).max(65535, { error: "is not a port number (1-65535)" });

const sshKey = {
  /** Path of the private key on the machine that runs `tofu apply`; `~` is expanded. */
  private_key_path: z.string().min(1).optional(),
  /** Use the keys of the running SSH agent instead of a key file. */
  use_agent: z.boolean().optional(),
};

/** Accept any SSH host key: for a first look at a lab only; every plan then says so. */
const insecureSkip = { insecure_skip_host_key_check: z.boolean().optional() };

export const bastionSchema = z.strictObject({
  host: z.string().min(1),
  user: z.string().min(1),
  port: port.default(22),
  ...sshKey,
  ...insecureSkip,
});

export const hostSchema = z.strictObject({
  name: z.string().regex(HOST_NAME, { error: "is not a host name (lower-case letters, digits and '-', starting with a letter)" }),
  address: ipv4,
  ssh_user: z.string().min(1).optional(),
  ...sshKey,
  ...insecureSkip,
  /** Roles carried by this host, listed one by one ... */
  roles: z.array(z.enum(ROLES, { error: `is not a role; roles are: ${ROLES.join(", ")}` })).min(1).optional(),
  /** ... or a role group, the placement rule that co-locates roles as the research notes allow. */
  group: z.enum(ROLE_GROUP_NAMES as [string, ...string[]], { error: `is not a role group; groups are: ${ROLE_GROUP_NAMES.join(", ")}` }).optional(),
});

export const onpremSchema = z.strictObject({
  /** Virtual IP held by Keepalived on the active load balancer; the domain resolves to it. */
  vip: ipv4.optional(),
  /** Intranet subnets where Matrix clients live (allowed to the public ports, never denied as TURN peers). */
  client_subnets: z.array(cidr).min(1, { error: "needs at least one subnet" }),
  /** Operators' subnets (SSH, Grafana, consoles, Synapse Admin). */
  admin_subnets: z.array(cidr).min(1, { error: "needs at least one subnet" }),
  ssh: z
    .strictObject({
      user: z.string().min(1).default("root"),
      port: port.default(22),
      ...sshKey,
      /** Accept any host key on every host and the bastion (a lab's first look only). */
      insecure_skip_host_key_check: z.boolean().default(false),
      bastion: bastionSchema.optional(),
    })
    .default({ user: "root", port: 22, insecure_skip_host_key_check: false }),
  /** Coturn relay range; the firewall and Coturn are rendered from the same value. */
  turn_relay_ports: z.tuple([port, port]).default([49152, 50151]),
  hosts: z.array(hostSchema).min(1, { error: "needs at least one host" }),
  /** Database tier settings; the defaults follow the scale's worker count. */
  database: z
    .strictObject({
      /** Patroni synchronous replication: no acknowledged commit is lost on failover (default true). */
      synchronous_mode: z.boolean().default(true),
      /** PgBouncer server connections per pool (default: cp_max 10 x (main + every worker process)). */
      pool_size: z.int().min(5, { error: "must be at least 5 connections" }).max(1000, { error: "must be at most 1000 connections" }).optional(),
    })
    .default({ synchronous_mode: true }),
  /** The backup server's schedule keeps this many backups; the media pull is throttled to spare the Synapse host. */
  backup: z
    .strictObject({
      /** Weekly full backups kept (older ones expire with their WAL). */
      retention_full: z.int().min(1, { error: "must keep at least 1 full backup" }).max(52, { error: "must be at most 52 (a year of weekly fulls)" }).default(4),
      /** Daily differential backups kept. */
      retention_diff: z.int().min(1, { error: "must keep at least 1 differential backup" }).max(60, { error: "must be at most 60" }).default(7),
      /** rsync --bwlimit of the media pull, in KiB/s. */
      media_bandwidth_kbps: z.int().min(100, { error: "must be at least 100 KiB/s" }).default(20480),
    })
    .default({ retention_full: 4, retention_diff: 7, media_bandwidth_kbps: 20480 }),
  /** Where Alertmanager sends alerts: an intranet SMTP relay (no authentication, no Internet). Without it, alerts show in Alertmanager and Grafana only. */
  alerts: z
    .strictObject({
      email: z.email({ error: "is not an e-mail address" }),
      smarthost: z.string().regex(/^[a-z0-9.-]+:\d{1,5}$/, { error: "is not host:port of an SMTP relay (such as mail.example.internal:25)" }),
      from: z.email({ error: "is not an e-mail address" }).optional(),
    })
    .optional(),
  /** matrix-docker-ansible-deploy on the Synapse host: run by the provisioner (default), or only rendered for the operator to run. */
  playbook: z
    .strictObject({
      /** Run the playbook on the Synapse host at apply time (tags setup-all,ensure-matrix-users-created,start). */
      run: z.boolean().default(true),
      /** The intranet registry mirroring the playbook's container images, as a prefix (registry.example.internal:5000/); without it, images come from their public registries. */
      registry_mirror: z
        .string()
        .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?\/([a-z0-9._-]+\/)*$/, { error: "is not a registry prefix: host[:port]/ with an optional path, ending in / (such as registry.example.internal:5000/)" })
        .optional(),
    })
    .default({ run: true }),
  /** How the Synapse host is installed, and its worker counts where they differ from the scale's. */
  synapse: z
    .strictObject({
      /** playbook: matrix-docker-ansible-deploy (containers; needs their images). native: Synapse and its workers from the bundle's wheelhouse as systemd units, no container registry. */
      install: z.enum(["playbook", "native"], { error: 'is not an install path; use "playbook" (matrix-docker-ansible-deploy) or "native" (wheelhouse and systemd units)' }).default("playbook"),
      /** Fewer (or more) workers of a type than the scale's preset, such as for a lab; every type keeps at least one. */
      workers: z
        .strictObject({
          sync: workerCount.optional(),
          client_reader: workerCount.optional(),
          federation_sender: workerCount.optional(),
          event_persister: workerCount.optional(),
        })
        .optional(),
    })
    .default({ install: "playbook" }),
  /** The cluster's PKI folder (npm run pki); relative to this file. Default: <name>.pki beside it. */
  pki: z.string().min(1).optional(),
  /** Each host's and the bastion's SSH host key, OpenSSH known_hosts format (npm run host-keys); relative to this file. Default: <name>.known_hosts beside it. */
  known_hosts: z.string().min(1).optional(),
  /** Offline package bundle (npm run bundle); relative to this file. Without it, hosts use their own apt sources. */
  bundle: z.string().regex(/\.tar$/, { error: "is not a bundle file (npm run bundle writes matrix-bundle-<name>-<hash>.tar)" }).optional(),
});

export const awsSchema = z.strictObject({
  region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { error: "is not an AWS region (such as eu-central-1)" }),
  instance_type: z.string().regex(/^[a-z][a-z0-9-]*\d[a-z0-9-]*\.[a-z0-9]+$/, { error: "is not an EC2 instance type (such as t3.large)" }).default("t3.large"),
  /** The operator's address range for SSH; 0.0.0.0/0 is refused unless allow_ssh_from_anywhere. */
  ssh_cidr: cidr.optional(),
  allow_ssh_from_anywhere: z.boolean().default(false),
  /** Close port 22 entirely; operators use SSM Session Manager. */
  ssm_only: z.boolean().default(false),
  alarm_email: z.email({ error: "is not an e-mail address" }),
  monthly_budget_usd: z.number({ error: "is not a number" }).positive({ error: "must be a positive amount in USD" }),
  root_volume_gb: z.int().min(30, { error: "must be at least 30 (GB)" }).default(30),
  /** Keep the root volume when the instance is terminated. */
  keep_root_volume: z.boolean().default(false),
  /** Customer-managed KMS key for the root volume and the backup bucket (default: AWS-managed keys). */
  kms_key_arn: z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/, { error: "is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)" }).optional(),
  /** Weekly EBS snapshots by Data Lifecycle Manager, 4 kept. */
  weekly_snapshots: z.boolean().default(true),
  /** Days container logs stay in CloudWatch Logs. */
  log_retention_days: z.union([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365].map((d) => z.literal(d)) as [z.ZodLiteral<number>, z.ZodLiteral<number>, ...z.ZodLiteral<number>[]], { error: "is not a CloudWatch Logs retention; use 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180 or 365" }).default(30),
});

/** OpenTofu's state and plan encryption: the key from a passphrase, or from AWS KMS. */
const migrate = {
  /** Reads the existing unencrypted state once and writes it encrypted: apply once, then remove. */
  migrate_from_unencrypted: z.boolean().default(false),
};
export const encryptionSchema = z.discriminatedUnion(
  "key",
  [
    /** Key derived (PBKDF2) from the passphrase in TF_VAR_state_passphrase, 16 characters or more. */
    z.strictObject({ key: z.literal("passphrase"), ...migrate }),
    /** Data keys from an AWS KMS key; the usual AWS credentials. */
    z.strictObject({
      key: z.literal("aws_kms"),
      kms_key_id: z.string().regex(/^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+|alias\/.+|[0-9a-f-]{36})$/, { error: "is not a KMS key (its ARN, id or alias/<name>)" }),
      region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { error: "is not an AWS region (such as eu-central-1)" }),
      ...migrate,
    }),
  ],
  { error: 'is not a key source; use key: passphrase (TF_VAR_state_passphrase) or key: aws_kms' },
);

export const backendSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("local"), path: z.string().min(1).optional(), encryption: encryptionSchema.optional() }),
    z.strictObject({
      type: z.literal("cloud"),
      organization: z.string().min(1),
      workspace: z.string().min(1),
      hostname: z.string().min(1).optional(),
      encryption: encryptionSchema.optional(),
    }),
  ],
  { error: 'is not a backend type; use "local" or "cloud" (Terraform Cloud / HCP Terraform)' },
);

export const deploymentSchema = z.strictObject({
  name: z.string().regex(DEPLOYMENT_NAME, { error: "is not a deployment name (3-40 lower-case letters, digits and '-')" }),
  /** Optional on AWS only: without it, the instance's Elastic IP is the public address. */
  domain: domain("domain").optional(),
  /** Permanent: baked into every user ID. Defaults to the domain. */
  server_name: domain("server_name").optional(),
  /** server_name is permanent; changing it on a deployed platform needs this explicit flag. */
  allow_server_name_change: z.boolean().default(false),
  target: z.enum(["aws", "onprem"], { error: 'is not a target; use "aws" or "onprem"' }),
  scale: z.enum(SCALES, { error: `is not a scale; use one of ${SCALES.join(", ")}` }),
  federation: z.boolean().default(false),
  branding: z
    .strictObject({
      brand: z.string().min(1).default("Element"),
      logo_url: z.url({ error: "is not a URL" }).optional(),
      theme_color: z.string().regex(/^#[0-9a-fA-F]{6}$/, { error: "is not a colour like #0dbd8b" }).default("#0dbd8b"),
    })
    .default({ brand: "Element", theme_color: "#0dbd8b" }),
  backend: backendSchema.default({ type: "local" }),
  aws: awsSchema.optional(),
  onprem: onpremSchema.optional(),
});

export type DeploymentInput = z.input<typeof deploymentSchema>;
export type ParsedDeployment = z.output<typeof deploymentSchema>;
export type HostInput = z.output<typeof hostSchema>;
