import type { DataResource } from "cdktf";

/**
 * Up to version 0.1 each role was a `null_resource` of the `hashicorp/null` provider; it is
 * now a built-in `terraform_data` with the same name. The `moved` block carries existing
 * state over (OpenTofu 1.10+ and Terraform 1.9+ convert `triggers` into `triggers_replace`),
 * so the first plan after the upgrade shows each role as moved and re-runs none.
 */
export function movedFromNullResource(resource: DataResource): void {
  resource.moveFromId(`null_resource.${resource.friendlyUniqueId}`);
}
