import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { ROLE_GROUPS, ROLE_ORDER, type Role, type RoleGroup } from "../topology/roles";
import type { WorkerCounts } from "../topology/scale";
import { DeploymentError, problem } from "./errors";
import { instanceMemoryGiB, KNOWN_FAMILIES, MIN_MEMORY_GIB } from "./instance-types";
import { hostKeyText, knownHostsName, negotiatedKey, readKnownHostsFile, type HostKey } from "./known-hosts";
import { LETS_ENCRYPT_DIRECTORY, type AwsSettings, type Backend, type Bastion, type Deployment, type HostKeyCheck, type InventoryHost, type OnPremDeployment, type OnPremSettings, type SshAccess, type StateEncryption } from "./model";
import { deploymentSchema, onpremSchema, type ParsedDeployment } from "./schema";
import { checkPlacement } from "./placement-rules";

/**
 * Reads, parses and validates a deployment file, and an on-prem deployment's known_hosts
 * file (its pinned SSH host keys; absent is fine here, planDeployment refuses unpinned
 * hosts); throws DeploymentError on any mistake.
 */
export function loadDeploymentFile(file: string): Deployment {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new DeploymentError([`cannot read the file (${(e as NodeJS.ErrnoException).code ?? e})`], file);
  }
  try {
    return parseDeployment(text, file);
  } catch (e) {
    if (e instanceof DeploymentError && !e.file) throw new DeploymentError(e.problems, file);
    throw e;
  }
}

export function parseDeployment(yamlText: string, source?: string): Deployment {
  const lines = new LineCounter();
  const doc = parseDocument(yamlText, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    throw new DeploymentError(
      doc.errors.map((e) => {
        const at = lines.linePos(e.pos[0]);
        return `line ${at.line}, column ${at.col}: not valid YAML: ${e.message.split("\n")[0]}`;
      }),
    );
  }
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new DeploymentError(["(top level): the file must be a YAML mapping of fields (name, domain, target, scale, ...)"]);
  }
  const parsed = deploymentSchema.safeParse(raw);
  if (!parsed.success) throw new DeploymentError(parsed.error.issues.map((i) => describeIssue(i, raw)));
  return toDeployment(parsed.data, source);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const value = valueAt(raw, issue.path);
  switch (issue.code) {
    case "unrecognized_keys":
      return problem(issue.path, undefined, `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}; check the spelling against the deployment file reference, help/deployment-file.md`);
    case "invalid_type":
      if (value === undefined) return problem(issue.path, undefined, `is required (${issue.expected})`);
      return problem(issue.path, value, `is a ${Array.isArray(value) ? "list" : typeof value}; expected ${issue.expected}`);
    case "invalid_union":
      if (value === undefined) return problem([...issue.path, "type"], undefined, 'is required; use "local" or "cloud"');
      return problem(issue.path, value, issue.message);
    default:
      return problem(issue.path, value, issue.message);
  }
}

type SshFields = { private_key_path?: string; use_agent?: boolean; insecure_skip_host_key_check?: boolean };

/**
 * A host's SSH access: the defaults with the host's own overrides, and its host key
 * check: skipped when asked (host or defaults), else the key pinned for `address:port`.
 */
function sshAccess(
  base: SshFields & { user: string; port: number },
  override: SshFields & { ssh_user?: string },
  address: string,
  pinned: ReadonlyMap<string, readonly HostKey[]>,
): SshAccess {
  const useAgent = override.use_agent ?? base.use_agent ?? false;
  const key = override.private_key_path ?? base.private_key_path;
  const pin = negotiatedKey(pinned.get(knownHostsName(address, base.port)) ?? []);
  const hostKey: HostKeyCheck =
    (override.insecure_skip_host_key_check ?? base.insecure_skip_host_key_check) ? { kind: "skipped" } : pin ? { kind: "pinned", key: hostKeyText(pin) } : { kind: "missing" };
  return { user: override.ssh_user ?? base.user, port: base.port, useAgent, ...(key && !useAgent ? { privateKeyPath: key } : {}), hostKey };
}


function awsSettings(a: NonNullable<ParsedDeployment["aws"]>): AwsSettings {
  const at = (field: string) => ["aws", field];
  const memory = instanceMemoryGiB(a.instance_type);
  if (memory === undefined) {
    throw new DeploymentError([problem(at("instance_type"), a.instance_type, `is not an x86_64 type this target knows; use a size of ${KNOWN_FAMILIES.join(", ")} (such as t3.large)`)]);
  }
  if (memory < MIN_MEMORY_GIB) {
    throw new DeploymentError([problem(at("instance_type"), a.instance_type, `has ${memory} GiB of memory; the stack needs at least ${MIN_MEMORY_GIB} GiB: use t3.medium or larger (t3.large recommended)`)]);
  }
  if (a.ssm_only && a.ssh_cidr) throw new DeploymentError([problem(at("ssh_cidr"), a.ssh_cidr, "is set but aws.ssm_only closes SSH; remove one of them")]);
  if (!a.ssm_only && !a.ssh_cidr) throw new DeploymentError([problem(at("ssh_cidr"), undefined, "is required (your address range for SSH, such as 203.0.113.7/32), or set aws.ssm_only: true")]);
  if (a.ssh_cidr?.endsWith("/0") && !a.allow_ssh_from_anywhere) {
    throw new DeploymentError([problem(at("ssh_cidr"), a.ssh_cidr, "opens SSH to the whole internet; use your own address range (such as 203.0.113.7/32) or set aws.allow_ssh_from_anywhere: true")]);
  }
  for (const field of ["acme_email", "acme_directory"] as const) {
    if (!a.https && a[field] !== undefined) throw new DeploymentError([problem(at(field), a[field], "is set but aws.https is false (plain HTTP has no certificate); remove it or set https: true")]);
  }
  return {
    region: a.region,
    instanceType: a.instance_type,
    ssh: a.ssh_cidr ? { kind: "cidr", cidr: a.ssh_cidr } : { kind: "ssm-only" },
    alarmEmail: a.alarm_email,
    monthlyBudgetUsd: a.monthly_budget_usd,
    rootVolumeGb: a.root_volume_gb,
    keepRootVolume: a.keep_root_volume,
    weeklySnapshots: a.weekly_snapshots,
    logRetentionDays: a.log_retention_days,
    web: a.https ? { scheme: "https", acme: { directory: a.acme_directory ?? LETS_ENCRYPT_DIRECTORY, ...(a.acme_email ? { email: a.acme_email } : {}) } } : { scheme: "http" },
    ...(a.kms_key_arn ? { kmsKeyArn: a.kms_key_arn } : {}),
  };
}

/** The backend, a local state path made absolute: beside the file, named after the deployment. */
function backendOf(b: ParsedDeployment["backend"], name: string, here: string): Backend {
  const e = b.encryption;
  const encryption: StateEncryption | undefined = e && {
    ...(e.key === "aws_kms" ? { key: "aws_kms" as const, kmsKeyId: e.kms_key_id, region: e.region } : { key: "passphrase" as const }),
    migrateFromUnencrypted: e.migrate_from_unencrypted,
  };
  const base = ((): Backend => {
    switch (b.type) {
      case "local":
        return { type: "local", path: resolve(here, b.path ?? `${name}.tfstate`) };
      case "s3":
        return { type: "s3", bucket: b.bucket, key: b.key ?? `${name}.tfstate`, region: b.region, ...(b.kms_key_id ? { kmsKeyId: b.kms_key_id } : {}) };
      case "cloud": {
        if (b.workspace === undefined && b.workspace_tags === undefined) {
          throw new DeploymentError([problem(["backend", "workspace"], undefined, "is required: the workspace's name (or give workspace_tags)")]);
        }
        if (b.workspace !== undefined && b.workspace_tags !== undefined) {
          throw new DeploymentError([problem(["backend", "workspace_tags"], b.workspace_tags, "is set together with workspace; choose the workspace by name or by tags, not both")]);
        }
        return { type: "cloud", organization: b.organization, hostname: b.hostname, workspace: b.workspace !== undefined ? { name: b.workspace } : { tags: b.workspace_tags! } };
      }
    }
  })();
  return { ...base, ...(encryption ? { encryption } : {}) };
}

type ParsedOnPrem = NonNullable<ParsedDeployment["onprem"]>;
/** The on-prem settings that have a meaning (and a default) on any target. */
type SharedSettings = Pick<OnPremSettings, "turnRelayPorts" | "database" | "backup" | "playbook" | "synapse">;

function sharedSettings(o: Pick<ParsedOnPrem, "turn_relay_ports" | "database" | "backup" | "playbook" | "synapse">): SharedSettings {
  const [lo, hi] = o.turn_relay_ports;
  if (lo > hi) throw new DeploymentError([problem(["onprem", "turn_relay_ports"], o.turn_relay_ports, "is not a range; give [lowest, highest]")]);
  return {
    turnRelayPorts: [lo, hi],
    database: { synchronousMode: o.database.synchronous_mode, ...(o.database.pool_size ? { poolSize: o.database.pool_size } : {}) },
    backup: { retentionFull: o.backup.retention_full, retentionDiff: o.backup.retention_diff, mediaBandwidthKbps: o.backup.media_bandwidth_kbps, mediaRetentionDays: o.backup.media_retention_days },
    playbook: { run: o.playbook.run, ...(o.playbook.registry_mirror ? { registryMirror: o.playbook.registry_mirror } : {}) },
    synapse: { install: o.synapse.install, workers: synapseWorkers(o.synapse.workers ?? {}), ...(o.synapse.media_cache_days !== undefined ? { mediaCacheDays: o.synapse.media_cache_days } : {}) },
  };
}

function synapseWorkers(w: NonNullable<ParsedOnPrem["synapse"]["workers"]>): Partial<WorkerCounts> {
  return {
    ...(w.sync !== undefined ? { sync: w.sync } : {}),
    ...(w.client_reader !== undefined ? { generic: w.client_reader } : {}),
    ...(w.federation_sender !== undefined ? { federationSender: w.federation_sender } : {}),
    ...(w.event_persister !== undefined ? { eventPersister: w.event_persister } : {}),
  };
}

/** Those settings' defaults, from the schema: what a deployment without an onprem section gets. */
export const SHARED_SETTINGS_DEFAULTS: SharedSettings = sharedSettings(
  onpremSchema.pick({ turn_relay_ports: true, database: true, backup: true, playbook: true, synapse: true }).parse({}),
);

function toDeployment(d: ParsedDeployment, source?: string): Deployment {
  const serverName = d.server_name ?? d.domain;
  if (!serverName) {
    throw new DeploymentError([problem(["server_name"], undefined, "is required when there is no domain: the permanent Matrix server name (user IDs are @alice:<server_name>)")]);
  }
  // Paths in the file are relative to the file.
  const here = source ? dirname(source) : ".";
  const base = {
    name: d.name,
    serverName,
    allowServerNameChange: d.allow_server_name_change,
    federation: d.federation,
    branding: { brand: d.branding.brand, themeColor: d.branding.theme_color, ...(d.branding.logo_url ? { logoUrl: d.branding.logo_url } : {}) },
    // Local state lives beside the deployment file, never in cdktf.out (synth deletes stack folders there).
    backend: backendOf(d.backend, d.name, here),
    ...(source ? { source } : {}),
  };
  if (d.target === "aws") {
    if (d.onprem) throw new DeploymentError([problem(["onprem"], undefined, 'is only for target "onprem"; remove it or set target: onprem')]);
    if (!d.aws) throw new DeploymentError([problem(["aws"], undefined, 'is required when target is "aws" (region, ssh_cidr, alarm_email, monthly_budget_usd)')]);
    if (d.scale !== "poc") throw new DeploymentError([problem(["scale"], d.scale, 'is not available on target "aws"; the AWS target is the single-instance proof of concept: use scale: poc')]);
    return { ...base, ...(d.domain ? { domain: d.domain } : {}), target: "aws", scale: "poc", aws: awsSettings(d.aws) };
  }
  if (d.aws) throw new DeploymentError([problem(["aws"], undefined, 'is only for target "aws"; remove it or set target: aws')]);
  if (!d.domain) throw new DeploymentError([problem(["domain"], undefined, 'is required for target "onprem": the DNS name users open (every host maps it to the entry address)')]);
  const domain = d.domain;
  if (!d.onprem) throw new DeploymentError([problem(["onprem"], undefined, 'is required when target is "onprem" (client_subnets, admin_subnets, hosts)')]);
  const o = d.onprem;

  const knownHosts = resolve(here, o.known_hosts ?? `${d.name}.known_hosts`);
  const pinned = readKnownHostsFile(knownHosts).keys;
  const hosts: InventoryHost[] = o.hosts.map((h, i) => {
    if (h.roles && h.group) throw new DeploymentError([problem(["onprem", "hosts", i], undefined, `has both roles and group; give one: roles lists roles, group (such as ${h.group}) is the placement rule`)]);
    if (!h.roles && !h.group) throw new DeploymentError([problem(["onprem", "hosts", i, "roles"], undefined, "is required (or a group such as database); a host must carry at least one role")]);
    const roles = new Set<Role>(h.roles ?? ROLE_GROUPS[h.group as RoleGroup]);
    return { name: h.name, address: h.address, ssh: sshAccess(o.ssh, h, h.address, pinned), roles: ROLE_ORDER.filter((r) => roles.has(r)) };
  });
  const b = o.ssh.bastion;
  const bastion: Bastion | undefined = b ? { host: b.host, ...sshAccess({ ...b, insecure_skip_host_key_check: b.insecure_skip_host_key_check ?? o.ssh.insecure_skip_host_key_check }, {}, b.host, pinned) } : undefined;

  const deployment: OnPremDeployment = {
    ...base,
    domain,
    target: "onprem",
    scale: d.scale,
    onprem: {
      ...(o.vip ? { vip: o.vip } : {}),
      clientSubnets: o.client_subnets,
      adminSubnets: o.admin_subnets,
      ...(bastion ? { bastion } : {}),
      ...sharedSettings(o),
      hosts,
      ...(o.alerts ? { alerts: { email: o.alerts.email, smarthost: o.alerts.smarthost, from: o.alerts.from ?? `alertmanager@${domain}` } } : {}),
      pki: resolve(here, o.pki ?? `${d.name}.pki`),
      knownHosts,
      ...(o.bundle ? { bundle: resolve(here, o.bundle) } : {}),
    },
  };
  checkPlacement(deployment);
  return deployment;
}
