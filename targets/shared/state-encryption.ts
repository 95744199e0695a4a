import { TerraformVariable, type TerraformStack } from "cdktf";
import type { Deployment, StateEncryption } from "../../constructs/deployment/model";
import type { ClusterPlan } from "../../constructs/plan";

/** The variable that carries the passphrase: TF_VAR_state_passphrase in the environment. */
export const STATE_PASSPHRASE_VARIABLE = "state_passphrase";

/**
 * OpenTofu's state and plan encryption (the `encryption` block, OpenTofu 1.7+; Terraform
 * has none): AES-GCM with a key derived from a passphrase (PBKDF2) or made by AWS KMS.
 * The state then holds the generated secrets encrypted, and saved plans are encrypted too;
 * without the key, OpenTofu refuses to read either. While migrating an existing state,
 * the unencrypted one is read once as a fallback.
 */
export function configureStateEncryption(stack: TerraformStack, encryption: StateEncryption): void {
  const provider = encryption.key === "passphrase" ? "pbkdf2" : "aws_kms";
  if (encryption.key === "passphrase") {
    new TerraformVariable(stack, STATE_PASSPHRASE_VARIABLE, {
      type: "string",
      sensitive: true,
      nullable: false,
      description: "Passphrase the state and plan encryption key is derived from (set TF_VAR_state_passphrase; keep it with the deployment's secrets: without it the state cannot be read)",
      validation: [{ condition: `\${length(var.${STATE_PASSPHRASE_VARIABLE}) >= 16}`, errorMessage: "state_passphrase must be at least 16 characters (OpenTofu's pbkdf2 key provider)." }],
    });
  }
  const keyProvider =
    encryption.key === "passphrase"
      ? { passphrase: `\${var.${STATE_PASSPHRASE_VARIABLE}}` }
      : { kms_key_id: encryption.kmsKeyId, region: encryption.region, key_spec: "AES_256" };
  const migrating = encryption.migrateFromUnencrypted;
  // Method references in state/plan must be bare traversals (OpenTofu resolves them statically).
  stack.addOverride("terraform.encryption", {
    key_provider: { [provider]: { state: keyProvider } },
    method: {
      aes_gcm: { state: { keys: `\${key_provider.${provider}.state}` } },
      ...(migrating ? { unencrypted: { migrate: {} } } : {}),
    },
    state: { method: "method.aes_gcm.state", enforced: !migrating, ...(migrating ? { fallback: { method: "method.unencrypted.migrate" } } : {}) },
    plan: { method: "method.aes_gcm.state", enforced: true },
  });
}

/** One line for an operator whose local state would hold the generated secrets in plain text. */
export function plainStateWarning(d: Deployment, plan: ClusterPlan): string | undefined {
  if (d.backend.type !== "local" || d.backend.encryption || plan.secrets.length === 0) return undefined;
  return `the state of ${d.name} (${d.backend.path}) will hold its ${plan.secrets.length} generated secrets in plain text; encrypt it with backend.encryption: { key: passphrase } and TF_VAR_state_passphrase (help/security.md)`;
}
