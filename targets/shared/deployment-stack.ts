import { TerraformElement, TerraformOutput, TerraformStack } from "cdktf";
import { resolve } from "cdktf/lib/_tokens";
import { deepMerge } from "cdktf/lib/util";
import type { IConstruct } from "constructs";
import { resolvePlain } from "./resolve-plain";

/**
 * The stack of one deployment, synthesized with fewer of cdktf's whole-tree resolves (each
 * walks every value of the stack; this stack's hundreds of rendered files make them the
 * larger part of a synth). The JSON is the same as TerraformStack's, byte for byte: the
 * test "synthesis skips cdktf's redundant resolves" compares the two for every example.
 */
export class DeploymentStack extends TerraformStack {
  /**
   * cdktf's preparing pass (a whole resolve of every element, run only to find references
   * across stacks and add outputs and remote state for them) has nothing to find, since
   * deployments never refer to each other, so it is skipped. A reference to another stack's
   * resource would stay a plain reference, which `tofu validate` refuses (every stack is
   * validated in the tests).
   */
  override prepareStack(): void {
    this.ensureBackendExists();
  }

  /**
   * TerraformStack.toTerraform resolves each element, merges the results, then resolves the
   * merged tree once more; only the stack's raw overrides are new to that last pass, so they
   * alone are resolved here before the merge.
   */
  override toTerraform(): any {
    const own = this as unknown as { readonly cdktfVersion: string; readonly rawOverrides: Record<string, unknown> };
    const elements = elementsOf(this);
    const metadata = {
      version: own.cdktfVersion,
      stackName: this.node.id,
      backend: "local",
      ...(Object.keys(own.rawOverrides).length > 0 ? { overrides: { stack: Object.keys(own.rawOverrides) } } : {}),
    };
    for (const e of elements) deepMerge(metadata, resolve(this, e.toMetadata()));
    const outputs = {};
    for (const e of elements.filter(TerraformOutput.isTerraformOutput)) {
      deepMerge(outputs, e.node.path.split("/").reduceRight<object>((inner, part) => ({ [part]: Object.keys(inner).length === 0 ? e.friendlyUniqueId : inner }), {}));
    }
    const tf = { "//": { metadata, outputs } };
    for (const e of elements) deepMerge(tf, resolvePlain(this, e.toTerraform()));
    return deepMerge(tf, resolve(this, own.rawOverrides));
  }
}

/** The stack's elements in construct order, not descending into nested stacks (as cdktf). */
function elementsOf(node: IConstruct, into: TerraformElement[] = []): TerraformElement[] {
  if (TerraformElement.isTerraformElement(node)) into.push(node);
  for (const child of node.node.children) if (!TerraformStack.isStack(child)) elementsOf(child, into);
  return into;
}
