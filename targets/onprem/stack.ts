import { LocalProvider } from "@cdktf/provider-local/lib/provider";
import { NullProvider } from "@cdktf/provider-null/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { OnPremDeployment } from "../../constructs/deployment/model";
import type { Role } from "../../constructs/model/roles";
import { roleDependencies, type Topology } from "../../constructs/model/topology";
import { secretsIn, type SecretName } from "../../constructs/render";
import { hostUnits } from "../../constructs/roles";
import { configureBackend } from "../shared/backend";
import { ServerNameGuard } from "../shared/server-name-guard";
import { relaxProviderVersions } from "../shared/provider-versions";
import { BundleUpload } from "./bundle-upload";
import { RoleProvisioner } from "./role-provisioner";
import { ClusterSecrets } from "./secrets";
import { sshConnection } from "./ssh";

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
    configureBackend(this, d.name, d.backend);
    new ServerNameGuard(this, "server-name", { serverName: d.serverName, allowChange: d.allowServerNameChange });
    relaxProviderVersions(this, ["local", "null", "random"]);

    const unitsByHost = topology.hosts.map((host) => ({ host, units: hostUnits(topology, host) }));
    const secretNames = new Set<SecretName>(
      unitsByHost.flatMap(({ units }) => units.flatMap((u) => [...u.files.map((f) => f.content), u.activate].flatMap(secretsIn))),
    );
    new ClusterSecrets(this, "secrets", { names: [...secretNames].sort() });

    const bundles = new Map(
      d.onprem.bundle
        ? d.onprem.hosts.map((h) => [h.name, new BundleUpload(this, `${h.name}-bundle`, { hostName: h.name, bundle: d.onprem.bundle!, connection: sshConnection(h.address, h.ssh, d.onprem.bastion), sudo: h.ssh.user !== "root" })] as const)
        : [],
    );

    const byRole = new Map<Role | "base", RoleProvisioner[]>();
    // Roles are created in activation order so each can depend on the ones before it.
    const order: (Role | "base")[] = ["base", ...topology.roles];
    for (const unitName of order) {
      for (const { host, units } of unitsByHost) {
        const unit = units.find((u) => u.name === unitName);
        if (!unit) continue;
        const inventory = d.onprem.hosts.find((h) => h.name === host.name)!;
        const earlierOnHost = units.slice(0, units.indexOf(unit)).flatMap((u) => byRole.get(u.name)?.filter((p) => p.node.id === `${host.name}-${u.name}`) ?? []);
        const clusterDeps = unitName === "base" ? [] : roleDependencies(topology, unitName).flatMap((r) => byRole.get(r) ?? []);
        const bundle = unitName === "base" ? bundles.get(host.name)?.resource : undefined;
        const provisioner = new RoleProvisioner(this, `${host.name}-${unitName}`, {
          hostName: host.name,
          unit,
          connection: sshConnection(host.address, inventory.ssh, d.onprem.bastion),
          sudo: inventory.ssh.user !== "root",
          renderedDir: "rendered",
          dependsOn: [...[...new Set([...earlierOnHost, ...clusterDeps])].map((p) => p.resource), ...(bundle ? [bundle] : [])],
        });
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
