import { TerraformStack } from "cdktf";

/**
 * The stack of one deployment. Deployments never refer to each other, so cdktf's preparing
 * pass (a whole resolve of every element, run only to find references across stacks and
 * add outputs and remote state for them) has nothing to find: it is skipped, which saves
 * one of the three resolves of a synth. A reference to another stack's resource would then
 * stay a plain reference, which `tofu validate` refuses (every stack is validated in the tests).
 */
export class DeploymentStack extends TerraformStack {
  override prepareStack(): void {
    this.ensureBackendExists();
  }
}
