import { LocalProvider } from "@cdktf/provider-local/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import { configureBackend } from "../shared/backend";
import { DeploymentStack } from "../shared/deployment-stack";
import { relaxProviderVersions } from "../shared/provider-versions";
import { MatrixOnPrem, type MatrixOnPremProps } from "./matrix-onprem";

/** The project's own on-prem stack: the platform with its providers, state backend and outputs. */
export class OnPremStack extends DeploymentStack {
  readonly platform: MatrixOnPrem;

  constructor(scope: Construct, id: string, props: MatrixOnPremProps) {
    super(scope, id);
    new LocalProvider(this, "local");
    new RandomProvider(this, "random");
    configureBackend(this, props.deployment.backend);
    relaxProviderVersions(this, ["local", "random"]);
    // "Default" leaves the construct out of resource addresses (cdktf's logical ids).
    this.platform = new MatrixOnPrem(this, "Default", props);

    new TerraformOutput(this, "hosts", { description: "Hosts and the roles each carries", value: this.platform.hosts });
    new TerraformOutput(this, "entry_point", {
      description: "Where clients reach the platform (the domain must resolve to this address)",
      value: { domain: this.platform.domain, address: this.platform.entryAddress },
    });
    new TerraformOutput(this, "dns_records", { description: "The DNS names to create (A records) and the address each must resolve to", value: this.platform.dnsRecords });
    const admin = this.platform.firstAdmin;
    if (admin) {
      new TerraformOutput(this, "first_admin", {
        description: "The first admin account, created at apply; its password: `tofu output -raw first_admin_password` in the stack folder",
        value: admin.userId,
      });
      new TerraformOutput(this, "first_admin_password", { description: "The first admin's generated password (sensitive: shown only by tofu output -raw)", value: admin.password, sensitive: true });
      new TerraformOutput(this, "registration_token_command", {
        description: "Creates a one-use registration token (run from the admin subnets; registration is by token only)",
        value: this.platform.registrationTokenCommand,
      });
    }
  }
}
