import { LocalProvider } from "@cdktf/provider-local/lib/provider";
import { NullProvider } from "@cdktf/provider-null/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { OnPremDeployment } from "../../constructs/deployment/model";
import type { Role } from "../../constructs/model/roles";
import { roleDependencies, type Topology } from "../../constructs/model/topology";
import { pkiPaths } from "../../constructs/pki/layout";
import { verifyPki } from "../../constructs/pki/verify";
import { secretsIn, type SecretName } from "../../constructs/render";
import { hostUnits } from "../../constructs/roles";
import { configureBackend } from "../shared/backend";
import { ServerNameGuard } from "../shared/server-name-guard";
import { relaxProviderVersions } from "../shared/provider-versions";
import { BundleUpload } from "./bundle-upload";
import { RoleProvisioner } from "./role-provisioner";
import { ClusterSecrets } from "./secrets";
import { hostAccess } from "./ssh";

export interface OnPremStackProps {
  readonly topology: Topology & { readonly deployment: OnPremDeployment };
}

/**
 * Existing hosts reached over SSH. Every (host, role) is a null_resource that waits for
 * the roles it depends on across the cluster, and for the earlier units on its own host.
 */
export class OnPremStack extends TerraformStack {
  /** Provisioners by role, for dependency wiring and tests. */
  readonly provisioners: ReadonlyMap<Role | "base", readonly RoleProvisioner[]>;

  constructor(scope: Construct, id: string, props: OnPremStackProps) {
    super(scope, id);
    const { topology } = props;
    const d = topology.deployment;
    new NullProvider(this, "null");
    new LocalProvider(this, "local");
    new RandomProvider(this, "random");
    configureBackend(this, d.backend);
    new ServerNameGuard(this, "server-name", { serverName: d.serverName, allowChange: d.allowServerNameChange });
    relaxProviderVersions(this, ["local", "null", "random"]);

    verifyPki(topology);
    const hosts = topology.hosts.map((host) => {
      const inventory = d.onprem.hosts.find((h) => h.name === host.name)!;
      const access = hostAccess(host.address, inventory.ssh, d.onprem.bastion);
      const bundle = d.onprem.bundle ? new BundleUpload(this, `${host.name}-bundle`, { hostName: host.name, bundle: d.onprem.bundle, access }) : undefined;
      return { host, access, bundle, units: hostUnits(topology, host), provisioned: [] as RoleProvisioner[] };
    });

    const secretNames = new Set<SecretName>(
      hosts.flatMap(({ units }) => units.flatMap((u) => [...u.files.map((f) => f.content), u.activate].flatMap(secretsIn))),
    );
    new ClusterSecrets(this, "secrets", { names: [...secretNames].sort() });

    const byRole = new Map<Role | "base", RoleProvisioner[]>();
    // Units are created in activation order so each can depend on the ones before it:
    // across the cluster, the roles it needs; on its own host, every earlier unit.
    const order: (Role | "base")[] = ["base", ...topology.roles];
    for (const unitName of order) {
      for (const h of hosts) {
        const unit = h.units.find((u) => u.name === unitName);
        if (!unit) continue;
        const clusterDeps = unitName === "base" ? [] : roleDependencies(topology, unitName).flatMap((r) => byRole.get(r) ?? []);
        const provisioner = new RoleProvisioner(this, `${h.host.name}-${unitName}`, {
          hostName: h.host.name,
          unit,
          access: h.access,
          pki: pkiPaths(d.onprem.pki, h.host.name),
          renderedDir: "rendered",
          bundle: d.onprem.bundle,
          dependsOn: [
            ...[...new Set([...h.provisioned, ...clusterDeps])].map((p) => p.resource),
            ...(unitName === "base" && h.bundle ? [h.bundle.resource] : []),
          ],
        });
        h.provisioned.push(provisioner);
        byRole.set(unitName, [...(byRole.get(unitName) ?? []), provisioner]);
      }
    }
    this.provisioners = byRole;

    new TerraformOutput(this, "hosts", {
      description: "Hosts and the roles each carries",
      value: Object.fromEntries(topology.hosts.map((h) => [h.name, { address: h.address, roles: h.roles }])),
    });
    new TerraformOutput(this, "entry_point", {
      description: "Where clients reach the platform (the domain must resolve to this address)",
      value: { domain: d.domain, address: d.onprem.vip ?? topology.hosts[0].address },
    });
  }
}
