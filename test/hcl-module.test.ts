// Reusable from HCL: `npm run module` writes an on-prem deployment as a module folder; a
// root project written by hand in HCL (test/fixtures/hcl-root) calls it, and OpenTofu
// (offline, source-built providers) inits, validates and plans it: the same resources as
// the deployment's own stack, with no provider or backend block inside the module.
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { copyOnPremExample } from "./helpers/example-copy";
import { ROOT, runProjectScript } from "./helpers/examples";
import { tempDir } from "./helpers/programs";
import { tofu } from "./helpers/tofu";

const tmp = tempDir("hcl-module-");
afterAll(() => tmp.remove());
const runScript = (script: string, args: readonly string[]) => runProjectScript(script, args, tmp.dir);

describe("npm run module: the on-prem stack as a module a hand-written HCL project calls", () => {
  const root = join(tmp.dir, "project");
  let main: { terraform: Record<string, unknown>; provider?: unknown; variable: Record<string, { sensitive?: boolean; default?: unknown }>; resource: Record<string, Record<string, unknown>> };
  let stackResources = 0;

  beforeAll(() => {
    const file = copyOnPremExample("onprem-small", tmp.dir, "module-small");
    const r = runScript("module.ts", [file, "--out", join(root, "matrix")]);
    if (r.status !== 0) throw new Error(`npm run module failed:\n${r.stdout}\n${r.stderr}`);
    copyFileSync(join(ROOT, "test/fixtures/hcl-root/main.tf"), join(root, "main.tf"));
    main = JSON.parse(readFileSync(join(root, "matrix", "main.tf.json"), "utf8"));
    const stack = JSON.parse(readFileSync(join(tmp.dir, "cdktf.out/stacks/module-small/cdk.tf.json"), "utf8")) as { resource: Record<string, Record<string, unknown>> };
    stackResources = Object.values(stack.resource).reduce((n, byName) => n + Object.keys(byName).length, 0);
  });

  test("the module has no provider, backend or encryption block; SSH credentials and the PKI folder are variables, the key sensitive", () => {
    expect(main.provider).toBeUndefined();
    expect(Object.keys(main.terraform).sort()).toEqual(["required_providers", "required_version"]);
    expect(Object.keys(main.variable).sort()).toEqual(["pki_dir", "ssh_private_key", "ssh_user"]);
    expect(main.variable.ssh_private_key).toMatchObject({ sensitive: true, default: null });
    const text = JSON.stringify(main);
    expect(text).not.toContain(tmp.dir); // no path of the machine that generated it
    expect(text).toContain('filesha256(\\"${var.pki_dir}/ca.crt\\")');
    const readme = readFileSync(join(root, "matrix", "README.md"), "utf8");
    expect(readme).toContain("| <a name=\"input_pki_dir\"></a> [pki_dir](#input_pki_dir) |");
    expect(readme).toContain("| <a name=\"output_entry_point\"></a> [entry_point](#output_entry_point) |");
  });

  test("tofu init, validate and plan of the HCL project pass offline, planning every resource of the deployment's stack", () => {
    const init = tofu(root, "init", "-input=false");
    expect([init.status, init.stderr]).toEqual([0, ""]);
    expect(tofu(root, "validate").stdout).toContain("Success! The configuration is valid.");
    const plan = tofu(root, "plan", "-input=false", "-lock=false", `-var=pki_dir=${join(tmp.dir, "module-small.pki")}`);
    expect(plan.stderr).toBe("");
    expect(plan.stdout).toContain(`Plan: ${stackResources} to add, 0 to change, 0 to destroy.`);
    expect(plan.stdout).toContain("module.matrix.terraform_data.db1_patroni will be created");
    expect(plan.stdout).toMatch(/\+ entry_point = \{\n\s+\+ address = "10\.10\.3\.100"/);
  });

  test("an AWS deployment is refused with the reason", () => {
    const r = runScript("module.ts", [join(ROOT, "examples/aws-poc.yaml"), "--out", join(tmp.dir, "aws")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("a module is made of an on-prem deployment (target: onprem)");
  });
});
