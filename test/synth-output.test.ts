// The deployment stacks skip some of cdktf's synthesis work (targets/shared/deployment-stack.ts):
// what they write must be exactly what cdktf's own TerraformStack writes, for every example.
import { TerraformStack } from "cdktf";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addDeploymentStack, deploymentApp } from "../targets";
import { EXAMPLES, loadExample } from "./helpers/examples";

describe.each(EXAMPLES)("%s", (name) => {
  const app = deploymentApp(mkdtempSync(join(tmpdir(), "synth-output-")));
  const stack = addDeploymentStack(app, loadExample(name));
  stack.prepareStack();

  test("synthesis skips cdktf's redundant resolves: the JSON is TerraformStack's, byte for byte", () => {
    const ours = JSON.stringify(stack.toTerraform());
    expect(ours).toBe(JSON.stringify(TerraformStack.prototype.toTerraform.call(stack)));
    expect(ours.length).toBeGreaterThan(10_000);
  });

  test("cdktf's preparing pass, skipped, would have added nothing (no reference across stacks)", () => {
    const before = stack.node.findAll().length;
    TerraformStack.prototype.prepareStack.call(stack);
    expect(stack.node.findAll().length).toBe(before);
  });
});
