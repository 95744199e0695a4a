import { TerraformStack, type DataResource } from "cdktf";
import type { Construct } from "constructs";

/**
 * Up to version 0.1 each role was a `null_resource` of the `hashicorp/null` provider, and
 * each rendered file's review copy a `local_file` on the planning machine's disk. Both
 * are now built-in `terraform_data`; these blocks carry existing state over, so the first
 * plan after the upgrade re-runs no role (help/offline.md, "Upgrading from 0.1").
 */

/**
 * A role keeps its name: the `moved` block converts the state (OpenTofu 1.10+ and
 * Terraform 1.9+ turn `triggers` into `triggers_replace`), so the plan shows it as moved.
 */
export function movedFromNullResource(resource: DataResource): void {
  resource.moveFromId(`null_resource.${resource.friendlyUniqueId}`);
}

/**
 * The old review copies leave the state without being deleted (`removed`, destroy
 * false): the new ones are created in the state, with the same names, and run nothing.
 */
export function forgetLocalFileReviewCopies(scope: Construct, names: readonly string[]): void {
  if (names.length === 0) return;
  TerraformStack.of(scope).addOverride(
    "removed",
    names.map((name) => ({ from: `local_file.${name}`, lifecycle: { destroy: false } })),
  );
}
