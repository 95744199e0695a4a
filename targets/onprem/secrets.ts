import { Password } from "@cdktf/provider-random/lib/password";
import { Construct } from "constructs";
import type { SecretName } from "../../constructs/markers";

export interface ClusterSecretsProps {
  readonly names: readonly SecretName[];
}

/**
 * One random_password per secret the rendered files reference. Values live only in the
 * Terraform state (keep it in Terraform Cloud or an encrypted backend); files that hold
 * them are sensitive, so plans never print them. Rotate one with
 * `tofu apply -replace=random_password.secret_<name>`.
 */
export class ClusterSecrets extends Construct {
  /** Each secret's resource, by name. */
  readonly passwords: ReadonlyMap<SecretName, Password>;

  constructor(scope: Construct, id: string, props: ClusterSecretsProps) {
    super(scope, id);
    const passwords = new Map<SecretName, Password>();
    for (const name of props.names) {
      const password = new Password(this, name, {
        length: 40,
        // Secrets land in INI, YAML, SQL and shell files: letters and digits only.
        special: false,
      });
      password.overrideLogicalId(`secret_${name}`);
      passwords.set(name, password);
    }
    this.passwords = passwords;
  }
}
