import { readFileSync } from "node:fs";
import { join } from "node:path";
import { hostUnitAddresses, type ClusterPlan } from "../../constructs/plan";

/**
 * The addresses `npm run plan --replace <host>` plans anew: every unit of the host
 * (constructs/plan.ts's hostUnitAddresses) that the synthesized stack in `stackDir` has
 * (a stack without an offline bundle has no bundle upload).
 */
export function replaceAddresses(plan: ClusterPlan, stackDir: string, host: string): string[] {
  const stack = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")) as { resource?: { terraform_data?: object } };
  const inStack = new Set(Object.keys(stack.resource?.terraform_data ?? {}).map((id) => `terraform_data.${id}`));
  return hostUnitAddresses(plan, host).filter((a) => inStack.has(a));
}
