/**
 * Upgrading a deployment whose state was written when each role was a null_resource:
 * the first plan shows every role as moved to terraform_data and re-runs none.
 *
 * The old state is written for real by OpenTofu with a null provider: the stand-in in
 * test/fixtures (the Go module proxy does not serve hashicorp/null), installed under
 * hashicorp/null only in this test's own CLI configuration, as a user's mirror would.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { synthesizeDeployment } from "../scripts/lib/synthesize";
import { copyOnPremExample } from "./helpers/example-copy";
import { ROOT } from "./helpers/examples";
import { tempDir } from "./helpers/programs";
import { provisionerResources, type TerraformJson } from "./helpers/synth";
import { tofuEnv } from "./helpers/tofu";

const STAND_IN = join(ROOT, "test/fixtures/null-provider-stand-in");

/** Builds the stand-in once per source version; returns the binary. */
function buildStandIn(cache: string): string {
  const files = execFileSync("git", ["ls-files", "."], { cwd: STAND_IN, encoding: "utf8" }).trim().split("\n").sort();
  const hash = createHash("sha256");
  for (const f of files) hash.update(f).update(readFileSync(join(STAND_IN, f)));
  const binary = join(cache, `terraform-provider-null-stand-in-${hash.digest("hex").slice(0, 16)}`);
  if (!existsSync(binary)) {
    execFileSync("go", ["build", "-trimpath", "-o", `${binary}.tmp`, "./cmd/terraform-provider-null"], { cwd: STAND_IN, env: { ...process.env, CGO_ENABLED: "0" }, stdio: "inherit" });
    execFileSync("mv", [`${binary}.tmp`, binary]);
  }
  return binary;
}

/** The configuration as the project synthesized it while roles were null_resources. */
function asNullResources(config: TerraformJson): TerraformJson {
  const roles = Object.keys(provisionerResources(config));
  const rename = (address: string) => (roles.some((r) => address === `terraform_data.${r}`) ? address.replace("terraform_data.", "null_resource.") : address);
  const terraformData = { ...config.resource.terraform_data };
  const nullResource: Record<string, object> = {};
  for (const name of roles) {
    // Provisioners left out: the upgrade is about state, and there are no hosts here.
    const { triggers_replace, depends_on, connection: _c, provisioner: _p, ...rest } = terraformData[name];
    nullResource[name] = { ...rest, triggers: triggers_replace, ...(depends_on ? { depends_on: depends_on.map(rename) } : {}) };
    delete terraformData[name];
  }
  const { moved: _moved, ...withoutMoves } = config as TerraformJson & { moved?: unknown };
  return {
    ...withoutMoves,
    terraform: { ...config.terraform, required_providers: { ...config.terraform.required_providers, null: { source: "hashicorp/null", version: "~> 3.2" } } },
    resource: { ...config.resource, terraform_data: terraformData, null_resource: nullResource },
  };
}

describe("a state written by the null_resource versions", () => {
  const tmp = tempDir("null-upgrade");
  afterAll(() => tmp.remove());
  let stackDir: string;
  let env: NodeJS.ProcessEnv;
  let roles: string[];
  let hostRoles: string[] = [];
  const tofu = (...args: string[]) => execFileSync(env.TOFU_BINARY!, [...args, "-no-color"], { cwd: stackDir, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });

  beforeAll(() => {
    jest.spyOn(console, "log").mockImplementation(() => undefined); // the synthesis's progress lines
    // This test's mirror: the source-built local and random, and the stand-in as hashicorp/null.
    const sourceBuilt = join(tofuEnv().TF_CLI_CONFIG_FILE!, "..", "source-built-mirror", "registry.opentofu.org", "hashicorp");
    const mirror = join(tmp.dir, "mirror", "registry.opentofu.org", "hashicorp");
    for (const name of readdirSync(sourceBuilt)) {
      for (const version of readdirSync(join(sourceBuilt, name))) {
        const dir = join(mirror, name, version, "linux_amd64");
        mkdirSync(dir, { recursive: true });
        linkSync(join(sourceBuilt, name, version, "linux_amd64", `terraform-provider-${name}_v${version}`), join(dir, `terraform-provider-${name}_v${version}`));
      }
    }
    mkdirSync(join(mirror, "null", "3.2.4", "linux_amd64"), { recursive: true });
    copyFileSync(buildStandIn(join(tofuEnv().TF_CLI_CONFIG_FILE!, "..", "providers")), join(mirror, "null", "3.2.4", "linux_amd64", "terraform-provider-null_v3.2.4"));
    const cliConfig = join(tmp.dir, "tofurc");
    writeFileSync(cliConfig, `provider_installation {\n  filesystem_mirror {\n    path = "${join(tmp.dir, "mirror")}"\n  }\n}\n`);
    env = { ...tofuEnv(), TF_CLI_CONFIG_FILE: cliConfig };

    const file = copyOnPremExample("onprem-small", tmp.dir, "upgrade-check");
    const synthesized = synthesizeDeployment(file, join(tmp.dir, "out"));
    stackDir = synthesized.stackDir;
    if (synthesized.deployment.target === "onprem") hostRoles = synthesized.deployment.onprem.hosts.flatMap((h) => [`${h.name}_base`, ...h.roles.map((r) => `${h.name}_${r}`)]);
    const current = readFileSync(join(stackDir, "cdk.tf.json"), "utf8");
    roles = Object.keys(provisionerResources(JSON.parse(current)));
    writeFileSync(join(stackDir, "cdk.tf.json"), JSON.stringify(asNullResources(JSON.parse(current)), null, 2));
    tofu("init", "-input=false");
    tofu("apply", "-input=false", "-auto-approve");
    writeFileSync(join(stackDir, "cdk.tf.json"), current);
    tofu("init", "-input=false");
  });

  test("plans every role as moved to terraform_data, with nothing to add, change or destroy", () => {
    tofu("plan", "-input=false", "-out=upgrade.plan");
    const plan = JSON.parse(tofu("show", "-json", "upgrade.plan")) as { resource_changes: { address: string; previous_address?: string; change: { actions: string[] } }[] };
    const moved = plan.resource_changes.filter((c) => c.previous_address !== undefined);
    expect(moved.map((c) => [c.previous_address, c.address]).sort()).toEqual(roles.map((r) => [`null_resource.${r}`, `terraform_data.${r}`]).sort());
    expect(plan.resource_changes.filter((c) => c.change.actions.join() !== "no-op")).toEqual([]);
    expect(roles.sort()).toEqual(hostRoles.sort()); // every (host, role) of the deployment
  });

  test("once applied, the state no longer needs the null provider and plans no change", () => {
    tofu("apply", "-input=false", "upgrade.plan");
    const state = JSON.parse(tofu("show", "-json")) as { values: { root_module: { resources: { provider_name: string }[] } } };
    expect(state.values.root_module.resources.some((r) => r.provider_name.endsWith("/hashicorp/null"))).toBe(false);
    expect(tofu("plan", "-input=false", "-detailed-exitcode")).toContain("No changes.");
  });
});
