import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Backend, Deployment } from "../constructs/deployment/model";
import { EXAMPLES, loadExample, ROOT } from "./helpers/examples";
import { synthToDir } from "./helpers/synth";
import { officialMirrorHas, officialTofu, tofu, tofuEnv } from "./helpers/tofu";

const STACKS: Record<(typeof EXAMPLES)[number], string> = {
  "aws-poc": "z3r0d3v-poc",
  "onprem-poc": "z3r0d3v-onprem-poc",
  "onprem-small": "z3r0d3v-small",
  "onprem-medium": "z3r0d3v-medium",
  "onprem-large": "z3r0d3v-large",
};
const ONPREM = EXAMPLES.filter((e) => e.startsWith("onprem"));

describe("OpenTofu, offline, on every example", () => {
  const out = mkdtempSync(join(tmpdir(), "synth-"));
  const stackDir = (example: (typeof EXAMPLES)[number]) => join(out, "stacks", STACKS[example]);

  beforeAll(() => {
    tofuEnv(); // builds OpenTofu and the providers on a new machine
    // Synthesize through the cdktf CLI itself, with OpenTofu as its Terraform binary.
    const r = spawnSync(join(ROOT, "node_modules/.bin/cdktf"), ["synth", "--output", out], {
      cwd: ROOT,
      env: { ...tofuEnv(), CI: "1", DISABLE_VERSION_CHECK: "true", CDKTF_DISABLE_PLUGIN_CACHE_ENV: "1" },
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`cdktf synth failed:\n${r.stdout}\n${r.stderr}`);
  });

  test.each(ONPREM)("%s: tofu init + validate", (example) => {
    const init = tofu(stackDir(example), "init", "-input=false");
    expect(init.stderr).toBe("");
    expect(init.status).toBe(0);
    const validate = tofu(stackDir(example), "validate");
    expect(validate.stdout).toContain("Success! The configuration is valid.");
  });

  test.each(ONPREM)("%s: tofu plan needs no credentials and no network", (example) => {
    const plan = tofu(stackDir(example), "plan", "-input=false", "-lock=false", "-detailed-exitcode");
    expect(plan.stderr).toBe("");
    expect(plan.status).toBe(2); // 2 = succeeded, with changes to apply
    const adds = Number(/Plan: (\d+) to add, 0 to change, 0 to destroy\./.exec(plan.stdout)?.[1]);
    expect(adds).toBeGreaterThan(0);
    expect(plan.stdout).not.toMatch(/@@secret:/);
    // The HA stacks' secrets are random_passwords: the plan shows them only as sensitive.
    if (example !== "onprem-poc") {
      expect(plan.stdout).toContain("random_password.secret_synapse_db will be created");
      expect(plan.stdout).toMatch(/first_admin_password\s+= \(sensitive value\)/);
    }
  });

  // The AWS provider cannot be built here in CI's time (help/offline.md); with
  // one in the provider mirror (`npm run providers` on a connected machine) this runs too.
  const awsTest = officialMirrorHas("aws") ? test : test.skip;
  awsTest("aws-poc: tofu init + validate (only when the provider mirror holds the official AWS provider)", () => {
    expect(officialTofu(stackDir("aws-poc"), "init", "-input=false").status).toBe(0);
    expect(officialTofu(stackDir("aws-poc"), "validate").stdout).toContain("Success! The configuration is valid.");
  });
});

test("cdktf diff drives the offline OpenTofu binary (TERRAFORM_BINARY_NAME)", () => {
  const out = mkdtempSync(join(tmpdir(), "cdktf-diff-"));
  const r = spawnSync(join(ROOT, "node_modules/.bin/cdktf"), ["diff", "z3r0d3v-onprem-poc", "--skip-provider-lock", "--output", out], {
    cwd: ROOT,
    env: { ...tofuEnv(), CI: "1", DEPLOYMENTS: join(ROOT, "examples/onprem-poc.yaml"), FORCE_COLOR: "0", NO_COLOR: "1" },
    encoding: "utf8",
  });
  expect(r.stdout + r.stderr).toMatch(/Plan: \d+ to add, 0 to change, 0 to destroy\./);
  expect(r.status).toBe(0);
});

describe("state backends as OpenTofu reads them: tofu init in a network namespace without network reaches the service, so the block was accepted", () => {
  const out = mkdtempSync(join(tmpdir(), "backends-"));
  const poc = loadExample("onprem-poc");
  // Test credentials only; unshare --net: nothing can leave the machine.
  const offlineInit = (backend: Backend, name: string, edit: (json: string) => string = (j) => j) => {
    const dir = synthToDir({ ...poc, backend } as Deployment, join(out, name));
    const file = join(dir, "cdk.tf.json");
    writeFileSync(file, edit(readFileSync(file, "utf8")));
    const env: NodeJS.ProcessEnv = { ...tofuEnv(), AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY: "test-only", AWS_EC2_METADATA_DISABLED: "true", AWS_MAX_ATTEMPTS: "1" };
    const r = spawnSync("unshare", ["--net", env.TOFU_BINARY!, "init", "-input=false", "-no-color"], { cwd: dir, env, encoding: "utf8" });
    return r.stdout + r.stderr;
  };

  test("cloud: the host name is always written, so OpenTofu goes on to ask the service for its discovery document", () => {
    const output = offlineInit({ type: "cloud", organization: "z3r0d3v", workspace: { name: "chat" }, hostname: "app.terraform.io" }, "cloud");
    expect(output).toMatch(/Failed to request discovery document: Get "https:\/\/app\.terraform\.io\/\.well-known\/terraform\.json"/);
    // Without it (as synthesized before), OpenTofu refuses the block itself.
    const withoutHost = offlineInit({ type: "cloud", organization: "z3r0d3v", workspace: { name: "chat" }, hostname: "app.terraform.io" }, "cloud-no-host", (j) => j.replace(/"hostname": "app\.terraform\.io",\n\s*/, ""));
    expect(withoutHost).toContain('OpenTofu does not provide a default "hostname" attribute');
  });

  test("s3 with use_lockfile: OpenTofu goes on to check the credentials with AWS; a misspelt setting is refused first", () => {
    const output = offlineInit({ type: "s3", bucket: "z3r0d3v-state", key: "chat.tfstate", region: "eu-central-1" }, "s3");
    expect(output).toMatch(/retrieving caller identity from STS/);
    const misspelt = offlineInit({ type: "s3", bucket: "z3r0d3v-state", key: "chat.tfstate", region: "eu-central-1" }, "s3-misspelt", (j) => j.replace('"use_lockfile"', '"use_lockfil"'));
    expect(misspelt).toContain('No argument or block type is named "use_lockfil"');
  });
});
