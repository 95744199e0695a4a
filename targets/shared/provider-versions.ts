import type { TerraformStack } from "cdktf";

/**
 * The prebuilt cdktf bindings pin exact provider versions (local 2.6.1, random 3.7.2). The stacks accept any compatible release instead, so users get provider
 * fixes without a binding upgrade and the offline mirror may carry a newer minor.
 */
export const PROVIDER_CONSTRAINTS = {
  local: "~> 2.6",
  random: "~> 3.7",
} as const;

export function relaxProviderVersions(stack: TerraformStack, names: readonly (keyof typeof PROVIDER_CONSTRAINTS)[]): void {
  for (const name of names) stack.addOverride(`terraform.required_providers.${name}.version`, PROVIDER_CONSTRAINTS[name]);
}
