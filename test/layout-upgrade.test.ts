/**
 * Upgrading a deployment whose state was written by version 0.1, when each role was a
 * null_resource and each rendered file's review copy a local_file: the first plan shows
 * every role as moved to terraform_data, forgets the old review copies (no file deleted),
 * creates the new ones in the state, and re-runs no role.
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

/** The configuration as version 0.1 synthesized it: roles as null_resources, review copies as local_files. */
function asVersion01(config: TerraformJson): TerraformJson {
  const roles = roleNames(config);
  const copies = reviewCopies(config);
  const rename = (address: string) => (roles.some((r) => address === `terraform_data.${r}`) ? address.replace("terraform_data.", "null_resource.") : address);
  const terraformData = { ...config.resource.terraform_data };
  // 0.1 had no preflight: its first units waited for nothing.
  for (const name of preflightNames(config)) delete terraformData[name];
  const notPreflight = (address: string) => !address.endsWith("_preflight");
  const nullResource: Record<string, object> = {};
  for (const name of roles) {
    // Provisioners left out: the upgrade is about state, and there are no hosts here.
    const { triggers_replace, depends_on, connection: _c, provisioner: _p, ...rest } = terraformData[name];
    const dependsOn = ((depends_on ?? []) as string[]).filter(notPreflight).map(rename);
    nullResource[name] = { ...rest, triggers: triggers_replace, ...(dependsOn.length > 0 ? { depends_on: dependsOn } : {}) };
    delete terraformData[name];
  }
  const localFile: Record<string, object> = {};
  for (const name of copies) {
    const { input } = terraformData[name];
    localFile[name] = { filename: `rendered/${input.host}${input.path}`, content: input.content, file_permission: "0640" };
    delete terraformData[name];
  }
  const { moved: _moved, removed: _removed, ...withoutUpgrade } = config as TerraformJson & { moved?: unknown; removed?: unknown };
  return {
    ...withoutUpgrade,
    terraform: { ...config.terraform, required_providers: { ...config.terraform.required_providers, null: { source: "hashicorp/null", version: "~> 3.2" } } },
    resource: { ...config.resource, terraform_data: terraformData, null_resource: nullResource, local_file: localFile },
  };
}

/** The roles: terraform_data with SSH provisioners, the preflights aside. */
const roleNames = (config: TerraformJson) => Object.keys(provisionerResources(config)).filter((r) => !r.endsWith("_preflight"));
/** Each host's preflight, new since 0.1. */
const preflightNames = (config: TerraformJson) => Object.keys(config.resource.terraform_data ?? {}).filter((r) => r.endsWith("_preflight"));

/** The review copies of rendered files: terraform_data with the file as input, no provisioner. */
const reviewCopies = (config: TerraformJson) => Object.entries(config.resource.terraform_data ?? {}).filter(([, r]) => r.input?.path !== undefined).map(([name]) => name);

describe("a state written by version 0.1", () => {
  const tmp = tempDir("null-upgrade");
  afterAll(() => tmp.remove());
  let stackDir: string;
  let env: NodeJS.ProcessEnv;
  let roles: string[];
  let copies: string[];
  let preflights: string[];
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
    // The preflights run their checks over SSH and there are no hosts here: they keep
    // their place in the graph without their provisioners.
    const synthesizedNow = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")) as TerraformJson;
    for (const name of preflightNames(synthesizedNow)) {
      delete synthesizedNow.resource.terraform_data[name].provisioner;
      delete synthesizedNow.resource.terraform_data[name].connection;
    }
    const current = JSON.stringify(synthesizedNow, null, 2);
    roles = roleNames(synthesizedNow);
    copies = reviewCopies(synthesizedNow);
    preflights = preflightNames(synthesizedNow);
    writeFileSync(join(stackDir, "cdk.tf.json"), JSON.stringify(asVersion01(JSON.parse(current)), null, 2));
    tofu("init", "-input=false");
    tofu("apply", "-input=false", "-auto-approve");
    writeFileSync(join(stackDir, "cdk.tf.json"), current);
    tofu("init", "-input=false");
  });

  test("plans every role as moved to terraform_data and re-runs none; the review copies move into the state, no file deleted; each host's preflight is new", () => {
    tofu("plan", "-input=false", "-out=upgrade.plan");
    const plan = JSON.parse(tofu("show", "-json", "upgrade.plan")) as { resource_changes: { address: string; previous_address?: string; change: { actions: string[] } }[]; resource_drift?: unknown[] };
    const moved = plan.resource_changes.filter((c) => c.previous_address !== undefined);
    expect(moved.map((c) => [c.previous_address, c.address]).sort()).toEqual(roles.map((r) => [`null_resource.${r}`, `terraform_data.${r}`]).sort());
    expect(roles.sort()).toEqual(hostRoles.sort()); // every (host, role) of the deployment
    const acted = (action: string) => plan.resource_changes.filter((c) => c.change.actions.join() === action).map((c) => c.address).sort();
    expect(acted("create")).toEqual([...copies, ...preflights].map((c) => `terraform_data.${c}`).sort());
    // "forget": out of the state, the file left alone.
    expect(acted("forget")).toEqual(copies.map((c) => `local_file.${c}`).sort());
    expect(plan.resource_changes.filter((c) => !["no-op", "create", "forget"].includes(c.change.actions.join()))).toEqual([]);
    expect(copies.length).toBeGreaterThan(roles.length);
  });

  test("once applied, the state names neither the null nor the local provider, the old review files are still there, and it plans no change", () => {
    tofu("apply", "-input=false", "upgrade.plan");
    expect(existsSync(join(stackDir, "rendered/db1/etc/pgbouncer/pgbouncer.ini"))).toBe(true);
    const state = JSON.parse(tofu("show", "-json")) as { values: { root_module: { resources: { provider_name: string }[] } } };
    expect(state.values.root_module.resources.filter((r) => /\/hashicorp\/(null|local)$/.test(r.provider_name))).toEqual([]);
    expect(tofu("plan", "-input=false", "-detailed-exitcode")).toContain("No changes.");
  });
});
