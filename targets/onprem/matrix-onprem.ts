import { TerraformLocal, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import type { OnPremDeployment } from "../../constructs/deployment/model";
import { planDeployment, type ClusterPlan } from "../../constructs/plan";
import { pkiPaths } from "../../constructs/pki/layout";
import type { Role } from "../../constructs/topology/roles";
import { roleDependencies } from "../../constructs/topology/topology";
import { unverifiedHosts } from "../../constructs/deployment/known-hosts";
import { FIRST_ADMIN } from "../../constructs/roles/synapse";
import { elementHostName } from "../../constructs/roles/synapse/element";
import { ServerNameGuard } from "../shared/server-name-guard";
import { BundleUpload } from "./bundle-upload";
import { forgetLocalFileReviewCopies } from "./layout-upgrade";
import { Preflight } from "./preflight";
import { RoleProvisioner } from "./role-provisioner";
import { ClusterSecrets } from "./secrets";
import { hostAccess } from "./ssh";

export interface MatrixOnPremProps {
  /** The deployment, parsed and validated (`loadDeploymentFile`); its target is onprem. */
  readonly deployment: OnPremDeployment;
  /**
   * The deployment's plan, when the caller has it already: rendered and checked by
   * `planDeployment` (which refuses a PKI folder that cannot serve it).
   * @default planDeployment(deployment)
   */
  readonly plan?: ClusterPlan;
}

/** A host as the platform's outputs describe it. */
export interface PlatformHost {
  readonly address: string;
  readonly roles: readonly Role[];
}

/**
 * The Matrix platform on existing hosts reached over SSH, added to any TerraformStack:
 * one `terraform_data` per (host, role) that waits for the roles it depends on across the
 * cluster and for the earlier units on its own host, the generated secrets
 * (`random_password`), the offline bundle's upload and the server_name guard.
 *
 * It creates no provider and no backend: the stack that holds it configures the
 * `hashicorp/local` and `hashicorp/random` providers and its state. Resource addresses
 * are readable and fixed (`terraform_data.db1_patroni`), so a stack
 * holds one platform.
 */
export class MatrixOnPrem extends Construct {
  /** The cluster as rendered. */
  readonly plan: ClusterPlan;
  /** Provisioners by role, in activation order ("base" is each host's own layer). */
  readonly provisioners: ReadonlyMap<Role | "base", readonly RoleProvisioner[]>;
  /** Every host with its address and roles. */
  readonly hosts: Readonly<Record<string, PlatformHost>>;
  /** The name users open. */
  readonly domain: string;
  /** The address the domain must resolve to: the VIP, or the single host at the poc scale. */
  readonly entryAddress: string;
  /** Where users open Element and clients connect (https at the HA scales, http at poc). */
  readonly url: string;
  /** The DNS names to create, each with the address it must resolve to. */
  readonly dnsRecords: Readonly<Record<string, string>>;
  /**
   * The first admin account, created at apply (by the playbook, or the native activation)
   * with a generated password (a sensitive reference: shown by `tofu output`, never in a
   * plan). Absent without a Synapse host that creates it.
   */
  readonly firstAdmin?: { readonly userId: string; readonly password: string };
  /** Creates a one-use registration token, from the admin subnets (Synapse's admin API). */
  readonly registrationTokenCommand?: string;

  constructor(scope: Construct, id: string, props: MatrixOnPremProps) {
    super(scope, id);
    const d = props.deployment;
    this.plan = props.plan ?? planDeployment(d);
    const { topology } = this.plan;
    new ServerNameGuard(this, "server-name", { serverName: d.serverName, allowChange: d.allowServerNameChange });

    const reached = this.plan.hosts.map((planned) => {
      const inventory = d.onprem.hosts.find((h) => h.name === planned.host.name)!;
      return { ...planned, access: hostAccess(planned.host.address, inventory.ssh, d.onprem.bastion) };
    });
    // Every host is checked before anything is installed anywhere: one failed check stops
    // the apply with all hosts untouched.
    const preflights = reached.map(({ host, access, preflight }) => new Preflight(this, `${host.name}-preflight`, { hostName: host.name, script: preflight, access }).resource);
    const hosts = reached.map(({ host, access, units }) => {
      const bundle = d.onprem.bundle ? new BundleUpload(this, `${host.name}-bundle`, { hostName: host.name, bundle: d.onprem.bundle, access, dependsOn: preflights }) : undefined;
      return { host, access, bundle, units, provisioned: [] as RoleProvisioner[] };
    });
    const secrets = new ClusterSecrets(this, "secrets", { names: this.plan.secrets });

    const byRole = new Map<Role | "base", RoleProvisioner[]>();
    // Units are created in activation order so each can depend on the ones before it:
    // across the cluster, the roles it needs; on its own host, every earlier unit.
    for (const unitName of ["base", ...topology.roles] as const) {
      for (const h of hosts) {
        const unit = h.units.find((u) => u.name === unitName);
        if (!unit) continue;
        const clusterDeps = unitName === "base" ? [] : roleDependencies(topology, unitName).flatMap((r) => byRole.get(r) ?? []);
        const provisioner = new RoleProvisioner(this, `${h.host.name}-${unitName}`, {
          hostName: h.host.name,
          unit,
          access: h.access,
          pki: pkiPaths(d.onprem.pki, h.host.name),
          bundle: d.onprem.bundle,
          dependsOn: [
            ...[...new Set([...h.provisioned, ...clusterDeps])].map((p) => p.resource),
            ...(unitName === "base" ? (h.bundle ? [h.bundle.resource] : preflights) : []),
          ],
        });
        h.provisioned.push(provisioner);
        byRole.set(unitName, [...(byRole.get(unitName) ?? []), provisioner]);
      }
    }
    this.provisioners = byRole;
    forgetLocalFileReviewCopies(this, [...byRole.values()].flat().flatMap((p) => p.reviewCopies));
    warnUnverifiedHostKeys(this, unverifiedHosts(d));
    this.hosts = Object.fromEntries(topology.hosts.map((h) => [h.name, { address: h.address, roles: h.roles }]));
    this.domain = d.domain;
    this.entryAddress = topology.vip ?? topology.hosts[0].address;
    this.url = `${topology.scale === "poc" ? "http" : "https"}://${d.domain}/`;
    const synapse = topology.hosts.some((h) => h.roles.includes("synapse"));
    this.dnsRecords = Object.fromEntries([d.domain, ...(synapse ? [elementHostName(d.domain)] : [])].map((name) => [name, this.entryAddress]));
    const adminPassword = secrets.passwords.get("admin_password");
    if (adminPassword) {
      this.firstAdmin = { userId: `@${FIRST_ADMIN}:${d.serverName}`, password: adminPassword.result };
      this.registrationTokenCommand = `curl -fsS --cacert ${pkiPaths(d.onprem.pki, "").caCertificate} -X POST -H "Authorization: Bearer <the admin's access token: Element, Settings > Help & About>" -d '{"uses_allowed": 1}' ${this.url}_synapse/admin/v1/registration_tokens/new`;
    }
  }
}

/**
 * Hosts whose SSH host key is not checked (insecure_skip_host_key_check): an OpenTofu check
 * block that fails on purpose, so every plan and apply prints a warning naming them.
 */
function warnUnverifiedHostKeys(scope: Construct, hosts: readonly string[]): void {
  if (hosts.length === 0) return;
  const local = new TerraformLocal(scope, "unverified_host_keys", hosts);
  local.overrideLogicalId("unverified_host_keys");
  TerraformStack.of(scope).addOverride("check.host_keys.assert", [
    {
      condition: "${length(local.unverified_host_keys) == 0}",
      error_message: "SSH host keys are NOT verified for ${join(\", \", local.unverified_host_keys)} (insecure_skip_host_key_check): whoever answers at their addresses receives every secret and root",
    },
  ]);
}
