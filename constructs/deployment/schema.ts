import "./zod-locales-on-demand";
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
  private_key_path: z.string().min(1).optional().describe("Path of the private key on the machine that runs `tofu apply`; `~` is expanded."),
  use_agent: z.boolean().optional().describe("Use the keys of the running SSH agent instead of a key file."),
};

/** Accept any SSH host key: for a first look at a lab only; every plan then says so. */
const insecureSkip = { insecure_skip_host_key_check: z.boolean().optional().describe("Accept any SSH host key (a lab's first look only; every plan then warns).") };

export const bastionSchema = z.strictObject({
  host: z.string().min(1).describe("The jump host's address or name, reached from the machine that runs tofu."),
  user: z.string().min(1).describe("SSH user on the jump host."),
  port: port.default(22).describe("SSH port of the jump host."),
  ...sshKey,
  ...insecureSkip,
});

export const hostSchema = z.strictObject({
  name: z.string().regex(HOST_NAME, { error: "is not a host name (lower-case letters, digits and '-', starting with a letter)" }).describe("Host name, unique; also its name in /etc/hosts, certificates and resource addresses."),
  address: ipv4.describe("Private IPv4 address, unique."),
  ssh_user: z.string().min(1).optional().describe("SSH user for this host, instead of onprem.ssh.user."),
  ...sshKey,
  ...insecureSkip,
  roles: z.array(z.enum(ROLES, { error: `is not a role; roles are: ${ROLES.join(", ")}` })).min(1).optional().describe("Roles carried by this host, listed one by one ..."),
  group: z.enum(ROLE_GROUP_NAMES as [string, ...string[]], { error: `is not a role group; groups are: ${ROLE_GROUP_NAMES.join(", ")}` }).optional().describe("... or a role group, the placement rule that co-locates roles as the research notes allow."),
});

export const onpremSchema = z.strictObject({
  vip: ipv4.optional().describe("Virtual IP held by Keepalived on the active load balancer; the domain resolves to it."),
  client_subnets: z.array(cidr).min(1, { error: "needs at least one subnet" }).describe("Intranet subnets where Matrix clients live (allowed to the public ports, never denied as TURN peers)."),
  admin_subnets: z.array(cidr).min(1, { error: "needs at least one subnet" }).describe("Operators' subnets (SSH, Grafana, consoles, Synapse Admin)."),
  ssh: z
    .strictObject({
      user: z.string().min(1).default("root").describe("root, or a user with passwordless sudo."),
      port: port.default(22).describe("SSH port of every host."),
      ...sshKey,
      insecure_skip_host_key_check: z.boolean().default(false).describe("Accept any host key on every host and the bastion (a lab's first look only)."),
      bastion: bastionSchema.optional().describe("A jump host every SSH connection goes through."),
    })
    .default({ user: "root", port: 22, insecure_skip_host_key_check: false })
    .describe("How the machine running tofu reaches every host."),
  turn_relay_ports: z.tuple([port, port]).default([49152, 50151]).describe("Coturn relay range; the firewall and Coturn are rendered from the same value."),
  hosts: z.array(hostSchema).min(1, { error: "needs at least one host" }).describe("The existing hosts, each with a placement rule (group) or its roles."),
  database: z
    .strictObject({
      synchronous_mode: z.boolean().default(true).describe("Patroni synchronous replication: no acknowledged commit is lost on failover (default true)."),
      pool_size: z.int().min(5, { error: "must be at least 5 connections" }).max(1000, { error: "must be at most 1000 connections" }).optional().describe("PgBouncer server connections per pool (default: cp_max 10 x (main + every worker process))."),
    })
    .default({ synchronous_mode: true }).describe("Database tier settings; the defaults follow the scale's worker count."),
  backup: z
    .strictObject({
      retention_full: z.int().min(1, { error: "must keep at least 1 full backup" }).max(52, { error: "must be at most 52 (a year of weekly fulls)" }).default(4).describe("Weekly full backups kept (older ones expire with their WAL)."),
      retention_diff: z.int().min(1, { error: "must keep at least 1 differential backup" }).max(60, { error: "must be at most 60" }).default(7).describe("Daily differential backups kept."),
      media_retention_days: z.int({ error: "is not a whole number of days" }).min(1, { error: "must keep at least 1 day" }).max(3650, { error: "must be at most 3650 (ten years)" }).default(30).describe("Days the backup server's daily snapshots of the object store's media and of Synapse's config are kept: a deleted or overwritten object can be restored for that long."),
      media_bandwidth_kbps: z.int().min(100, { error: "must be at least 100 KiB/s" }).default(20480).describe("rsync --bwlimit of the media pull, in KiB/s."),
    })
    .default({ retention_full: 4, retention_diff: 7, media_bandwidth_kbps: 20480, media_retention_days: 30 }).describe("The backup server's schedule keeps this many backups; the media pull is throttled to spare the Synapse host."),
  alerts: z
    .strictObject({
      email: z.email({ error: "is not an e-mail address" }).describe("Where alerts go."),
      smarthost: z.string().regex(/^[a-z0-9.-]+:\d{1,5}$/, { error: "is not host:port of an SMTP relay (such as mail.example.internal:25)" }).describe("The intranet SMTP relay, host:port."),
      from: z.email({ error: "is not an e-mail address" }).optional().describe("Sender address. Default: alertmanager@<domain>."),
    })
    .optional().describe("Where Alertmanager sends alerts: an intranet SMTP relay (no authentication, no Internet). Without it, alerts show in Alertmanager and Grafana only."),
  playbook: z
    .strictObject({
      run: z.boolean().default(true).describe("Run the playbook on the Synapse host at apply time (tags setup-all,ensure-matrix-users-created,start)."),
      registry_mirror: z
        .string()
        .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?\/([a-z0-9._-]+\/)*$/, { error: "is not a registry prefix: host[:port]/ with an optional path, ending in / (such as registry.example.internal:5000/)" })
        .optional().describe("The intranet registry mirroring the playbook's container images, as a prefix (registry.example.internal:5000/); without it, images come from their public registries."),
    })
    .default({ run: true }).describe("matrix-docker-ansible-deploy on the Synapse host: run by the provisioner (default), or only rendered for the operator to run."),
  synapse: z
    .strictObject({
      install: z.enum(["playbook", "native"], { error: 'is not an install path; use "playbook" (matrix-docker-ansible-deploy) or "native" (wheelhouse and systemd units)' }).default("playbook").describe("playbook: matrix-docker-ansible-deploy (containers; needs their images). native: Synapse and its workers from the bundle's wheelhouse as systemd units, no container registry."),
      workers: z
        .strictObject({
          sync: workerCount.optional().describe("Sync workers (/sync long-polls)."),
          client_reader: workerCount.optional().describe("Client readers (other client API reads)."),
          federation_sender: workerCount.optional().describe("Federation senders."),
          event_persister: workerCount.optional().describe("Event persisters (the events stream writers)."),
        })
        .optional().describe("Fewer (or more) workers of a type than the scale's preset, such as for a lab; every type keeps at least one."),
      media_cache_days: z.int({ error: "is not a whole number of days" }).min(0, { error: "must be 0 or more days" }).optional().describe("Days an upload stays on the Synapse host's disk after its last access; older media is served from the object store. Default: what half the host's data disk holds at the scale's expected upload rate (help/topology.md)."),
    })
    .default({ install: "playbook" }).describe("How the Synapse host is installed, and its worker counts where they differ from the scale's."),
  pki: z.string().min(1).optional().describe("The cluster's PKI folder (npm run pki); relative to this file. Default: <name>.pki beside it."),
  known_hosts: z.string().min(1).optional().describe("Each host's and the bastion's SSH host key, OpenSSH known_hosts format (npm run host-keys); relative to this file. Default: <name>.known_hosts beside it."),
  bundle: z.string().regex(/\.tar$/, { error: "is not a bundle file (npm run bundle writes matrix-bundle-<name>-<hash>.tar)" }).optional().describe("Offline package bundle (npm run bundle); relative to this file. Without it, hosts use their own apt sources."),
});

export const awsSchema = z.strictObject({
  region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { error: "is not an AWS region (such as eu-central-1)" }).describe("AWS region of every resource."),
  instance_type: z.string().regex(/^[a-z][a-z0-9-]*\d[a-z0-9-]*\.[a-z0-9]+$/, { error: "is not an EC2 instance type (such as t3.large)" }).default("t3.large").describe("EC2 instance type (2 vCPU and 8 GiB by default)."),
  ssh_cidr: cidr.optional().describe("The operator's address range for SSH; 0.0.0.0/0 is refused unless allow_ssh_from_anywhere."),
  allow_ssh_from_anywhere: z.boolean().default(false).describe("Permit ssh_cidr 0.0.0.0/0."),
  ssm_only: z.boolean().default(false).describe("Close port 22 entirely; operators use SSM Session Manager."),
  alarm_email: z.email({ error: "is not an e-mail address" }).describe("Receives the CloudWatch alarms and the budget's alerts (confirm the SNS subscription)."),
  monthly_budget_usd: z.number({ error: "is not a number" }).positive({ error: "must be a positive amount in USD" }).describe("Monthly AWS budget in USD; e-mails at 50, 80 and 100 % of it actually spent."),
  root_volume_gb: z.int().min(30, { error: "must be at least 30 (GB)" }).default(30).describe("Size of the encrypted gp3 root volume, GB."),
  keep_root_volume: z.boolean().default(false).describe("Keep the root volume when the instance is terminated."),
  kms_key_arn: z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/, { error: "is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)" }).optional().describe("Customer-managed KMS key for the root volume and the backup bucket (default: AWS-managed keys)."),
  weekly_snapshots: z.boolean().default(true).describe("Weekly EBS snapshots by Data Lifecycle Manager, 4 kept."),
  log_retention_days: z.union([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365].map((d) => z.literal(d)) as [z.ZodLiteral<number>, z.ZodLiteral<number>, ...z.ZodLiteral<number>[]], { error: "is not a CloudWatch Logs retention; use 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180 or 365" }).default(30).describe("Days container logs stay in CloudWatch Logs."),
  https: z.boolean().default(true).describe("HTTPS with a certificate from Let's Encrypt (ACME HTTP-01, renewed on the instance) for the domain, or for the Elastic IP without one. false: plain HTTP only, where Element degrades (help/aws.md)."),
  acme_email: z.email({ error: "is not an e-mail address" }).optional().describe("Contact address of the ACME account (https only). Default: none."),
  acme_directory: z.url({ protocol: /^https$/, error: "is not an https URL of an ACME directory" }).optional().describe("The ACME server's directory (https only), such as Let's Encrypt's staging for a trial. Default: Let's Encrypt's production."),
});

/** OpenTofu's state and plan encryption: the key from a passphrase, or from AWS KMS. */
const migrate = {
  migrate_from_unencrypted: z.boolean().default(false).describe("Reads the existing unencrypted state once and writes it encrypted: apply once, then remove."),
};
export const encryptionSchema = z.discriminatedUnion(
  "key",
  [
    /** Key derived (PBKDF2) from the passphrase in TF_VAR_state_passphrase, 16 characters or more. */
    z.strictObject({ key: z.literal("passphrase").describe("Key derived (PBKDF2) from TF_VAR_state_passphrase, 16 characters or more."), ...migrate }),
    /** Data keys from an AWS KMS key; the usual AWS credentials. */
    z.strictObject({
      key: z.literal("aws_kms").describe("Data keys from an AWS KMS key; the usual AWS credentials."),
      kms_key_id: z.string().regex(/^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+|alias\/.+|[0-9a-f-]{36})$/, { error: "is not a KMS key (its ARN, id or alias/<name>)" }).describe("The KMS key: ARN, id or alias/<name>."),
      region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { error: "is not an AWS region (such as eu-central-1)" }).describe("The KMS key's region."),
      ...migrate,
    }),
  ],
  { error: 'is not a key source; use key: passphrase (TF_VAR_state_passphrase) or key: aws_kms' },
);

export const backendSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({
      type: z.literal("local").describe("State in a file on this machine."),
      path: z.string().min(1).optional().describe("State file, relative to the deployment file. Default: <name>.tfstate beside it."),
      encryption: encryptionSchema.optional().describe("OpenTofu's encryption of the state and saved plans."),
    }),
    z.strictObject({
      type: z.literal("cloud").describe("State in Terraform Cloud / HCP Terraform (or Terraform Enterprise). Use the workspace's local execution mode: the hosts are reached over SSH from the machine running tofu."),
      organization: z.string().min(1).describe("The organization that owns the workspace."),
      workspace: z.string().min(1).optional().describe("The workspace holding this deployment's state, by name (or give workspace_tags)."),
      workspace_tags: z.array(z.string().min(1)).min(1).optional().describe("The workspaces to choose from, by their tags (instead of workspace)."),
      hostname: z.string().regex(/^[a-z0-9.-]+(:\d+)?$/, { error: "is not a host name (such as app.terraform.io)" }).default("app.terraform.io").describe("The service's host name: OpenTofu has no default, so it is always written."),
      encryption: encryptionSchema.optional().describe("OpenTofu's encryption of the state and saved plans."),
    }),
    z.strictObject({
      type: z.literal("s3").describe("State in an S3 bucket, locked by OpenTofu's own lock file beside it (use_lockfile; no DynamoDB table)."),
      bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "is not an S3 bucket name" }).describe("The bucket (versioning on, so an overwritten state can be recovered)."),
      key: z.string().min(1).optional().describe("The state's object key. Default: <name>.tfstate."),
      region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { error: "is not an AWS region (such as eu-central-1)" }).describe("The bucket's region."),
      kms_key_id: z.string().min(1).optional().describe("KMS key for the object's server-side encryption (default: the bucket's)."),
      encryption: encryptionSchema.optional().describe("OpenTofu's encryption of the state and saved plans."),
    }),
  ],
  { error: 'is not a backend type; use "local", "cloud" (Terraform Cloud / HCP Terraform) or "s3"' },
);

export const deploymentSchema = z.strictObject({
  name: z.string().regex(DEPLOYMENT_NAME, { error: "is not a deployment name (3-40 lower-case letters, digits and '-')" }).describe("Names the stack, its state and its tags."),
  domain: domain("domain").optional().describe("The DNS name users open. Optional on AWS only: without it, the instance's Elastic IP is the public address."),
  server_name: domain("server_name").optional().describe("Permanent: part of every user and room ID. Default: the domain (required without one)."),
  allow_server_name_change: z.boolean().default(false).describe("server_name is permanent; changing it on a deployed platform needs this explicit flag."),
  target: z.enum(["aws", "onprem"], { error: 'is not a target; use "aws" or "onprem"' }).describe("aws: the proof of concept on one EC2 instance; onprem: existing hosts over SSH."),
  scale: z.enum(SCALES, { error: `is not a scale; use one of ${SCALES.join(", ")}` }).describe("poc: one host; small, medium, large: the HA cluster for 1K, 5K, 10K concurrent users (aws: poc only)."),
  federation: z.boolean().default(false).describe("Federation with other Matrix servers."),
  branding: z
    .strictObject({
      brand: z.string().min(1).default("Element").describe("The name Element shows."),
      logo_url: z.url({ error: "is not a URL" }).optional().describe("Logo on Element's login page. Default: Element's."),
      theme_color: z.string().regex(/^#[0-9a-fA-F]{6}$/, { error: "is not a colour like #0dbd8b" }).default("#0dbd8b").describe("Accent colour of Element's default theme."),
    })
    .default({ brand: "Element", theme_color: "#0dbd8b" })
    .describe("White-label: how Element presents the platform."),
  backend: backendSchema.default({ type: "local" }).describe("Where the Terraform state lives."),
  aws: awsSchema.optional().describe("Settings of target aws (required there, refused otherwise)."),
  onprem: onpremSchema.optional().describe("Settings of target onprem (required there, refused otherwise)."),
});

export type DeploymentInput = z.input<typeof deploymentSchema>;
export type ParsedDeployment = z.output<typeof deploymentSchema>;
export type HostInput = z.output<typeof hostSchema>;
