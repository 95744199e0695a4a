import { SECRET_MARKER } from "../../constructs/markers";

/** The Terraform address of a secret's value (see the SecretStore constructs). */
export const secretAddress = (name: string) => `random_password.secret_${name}.result`;

/**
 * Rendered text as a Terraform string: literal `${` and `%{` are escaped so shell
 * scripts and templates pass through unchanged, then each secret marker becomes a
 * reference resolved at apply time (the value never enters the synthesized JSON).
 */
export function toTerraformString(content: string): string {
  return content
    .replace(/\$\{/g, "$$${")
    .replace(/%\{/g, "%%{")
    .replace(SECRET_MARKER, (_m, name: string) => `\${${secretAddress(name)}}`);
}
