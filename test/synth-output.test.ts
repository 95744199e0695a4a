// The deployment stacks skip some of cdktf's synthesis work (targets/shared/deployment-stack.ts):
// what they write must be exactly what cdktf's own TerraformStack writes, for every example.
import { App, Fn, TerraformStack, TerraformVariable } from "cdktf";
import { resolve } from "cdktf/lib/_tokens";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addDeploymentStack, deploymentApp } from "../targets";
import { resolvePlain } from "../targets/shared/resolve-plain";
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

describe("resolvePlain, the fast path of the stacks' resolve", () => {
  const stack = new TerraformStack(new App({ outdir: mkdtempSync(join(tmpdir(), "resolve-plain-")) }), "s");
  const pet = new TerraformVariable(stack, "pet", { type: "string" });
  const count = new TerraformVariable(stack, "count", { type: "number" });
  const names = new TerraformVariable(stack, "names", { type: "list(string)" });
  const cases: Record<string, unknown> = {
    "a reference inside a rendered file": { content: `#!/bin/sh\necho ${pet.stringValue} "\${HOME}"\n` },
    "a number token written into a string": { line: `replicas=${count.numberValue} hash=9e2448` },
    "a number token and a plain number in a list": [count.numberValue, 3, "x"],
    "a list token": { names: names.listValue, nested: [{ more: Fn.join(",", names.listValue) }] },
    "escapes with no token": { script: 'echo "${a}" } ${b}', empty: "" },
    "undefined values and an empty array dropped or kept as cdktf does": { a: undefined, b: [undefined, "x"], c: [], d: null, e: false },
    "a token as a key": { [pet.stringValue]: "v" },
  };
  test.each(Object.keys(cases))("%s: cdktf's own result", (name) => {
    const value = cases[name];
    expect(resolvePlain(stack, value)).toStrictEqual(resolve(stack, value));
  });
  test("a string or object with nothing to resolve is returned as it is, not copied through cdktf's walk", () => {
    const big = "x".repeat(100_000);
    expect(resolvePlain(stack, big)).toBe(big);
    expect(resolvePlain(stack, { big })).toEqual({ big });
  });
});
