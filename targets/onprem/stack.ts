import { LocalProvider } from "@cdktf/provider-local/lib/provider";
import { NullProvider } from "@cdktf/provider-null/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { configureBackend } from "../shared/backend";
import { relaxProviderVersions } from "../shared/provider-versions";
import { MatrixOnPrem, type MatrixOnPremProps } from "./matrix-onprem";

/** The project's own on-prem stack: the platform with its providers, state backend and outputs. */
export class OnPremStack extends TerraformStack {
  readonly platform: MatrixOnPrem;

  constructor(scope: Construct, id: string, props: MatrixOnPremProps) {
    super(scope, id);
    new NullProvider(this, "null");
    new LocalProvider(this, "local");
    new RandomProvider(this, "random");
    configureBackend(this, props.deployment.backend);
    relaxProviderVersions(this, ["local", "null", "random"]);
    // "Default" leaves the construct out of resource addresses (cdktf's logical ids).
    this.platform = new MatrixOnPrem(this, "Default", props);

    new TerraformOutput(this, "hosts", { description: "Hosts and the roles each carries", value: this.platform.hosts });
    new TerraformOutput(this, "entry_point", {
      description: "Where clients reach the platform (the domain must resolve to this address)",
      value: { domain: this.platform.domain, address: this.platform.entryAddress },
    });
  }
}
