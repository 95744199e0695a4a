/**
 * What a user's plan runs on: official providers only. The stacks need no null provider;
 * `npm run plan` takes providers from the provider mirror the user carried in (made by
 * `npm run providers` on a connected machine), else from the registry, never from the
 * builds the tests use; offline with neither, it says so in one line.
 *
 * No registry is reachable here: the commands run in a network namespace of their own
 * with no interface up, and the "official" mirror is made in the layout
 * `tofu providers mirror` writes, from the source-built binaries plus a marker file, so
 * the lock file's hashes show which copy was installed.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLES, loadExample, ROOT } from "./helpers/examples";
import { copyOnPremExample } from "./helpers/example-copy";
import { tempDir } from "./helpers/programs";
import { synth } from "./helpers/synth";
import { tofuEnv } from "./helpers/tofu";
import { tofuEnv as projectTofuEnv } from "../scripts/lib/tofu-env";

const SOURCE_BUILT = () => join(tofuEnv().TF_CLI_CONFIG_FILE!, "..", "source-built-mirror", "registry.opentofu.org", "hashicorp");

/** `npm run plan` in a network namespace with no network, from the repo, output in `outdir`. */
function offlinePlan(args: string[], outdir: string, mirror: string) {
  const r = spawnSync("unshare", ["--net", "--map-root-user", join(ROOT, "node_modules/.bin/tsx"), join(ROOT, "scripts/plan.ts"), ...args], {
    cwd: ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir, MATRIX_PROVIDER_MIRROR: mirror },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");
  return { status: r.status, stdout: plain(r.stdout), stderr: plain(r.stderr) };
}

/** OpenTofu's h1 hash of a provider package: the Go dirhash of its files. */
function h1(files: Record<string, Buffer>): string {
  const summary = Object.keys(files)
    .sort()
    .map((name) => `${createHash("sha256").update(files[name]).digest("hex")}  ${name}\n`)
    .join("");
  return `h1:${createHash("sha256").update(summary).digest("base64")}`;
}

test.each(EXAMPLES)("%s: the stack requires official providers only, and no null provider", (example) => {
  const { config } = synth(loadExample(example));
  const sources = Object.values(config.terraform.required_providers as Record<string, { source: string }>).map((p) => (p.source.includes("/") ? p.source : `hashicorp/${p.source}`));
  expect(sources.every((s) => ["hashicorp/aws", "hashicorp/local", "hashicorp/random"].includes(s))).toBe(true);
  expect(sources).not.toContain("hashicorp/null");
  expect(config.resource.null_resource).toBeUndefined();
});

describe("npm run plan, offline", () => {
  const tmp = tempDir("provider-sources");
  afterAll(() => tmp.remove());

  test("with no provider mirror: one line naming the missing providers and what to run", () => {
    const file = copyOnPremExample("onprem-poc", tmp.dir, "no-mirror");
    const r = offlinePlan([file], join(tmp.dir, "out-none"), join(tmp.dir, "no-such-mirror"));
    expect(r.status).toBe(1);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
    expect(errors).toEqual([
      `error: OpenTofu cannot install hashicorp/local, hashicorp/random: no provider mirror holds them and no registry answers from here. On a machine with internet access run \`npm run providers -- ${file}\` and bring the providers/ folder here (help/offline.md).`,
    ]);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(r.stdout).not.toContain("Plan:");
  });

  test("AWS with no provider mirror: the same one line for hashicorp/aws", () => {
    const r = offlinePlan([join(ROOT, "examples/aws-poc.yaml")], join(tmp.dir, "out-aws"), join(tmp.dir, "no-such-mirror"));
    expect(r.status).toBe(1);
    expect(r.stderr.split("\n").filter((l) => l.startsWith("error:"))).toEqual([expect.stringMatching(/^error: OpenTofu cannot install hashicorp\/aws: no provider mirror holds it/)]);
  });

  test("with a provider mirror: installs from it, and the lock file holds the hashes of its packages only", () => {
    const mirror = join(tmp.dir, "providers");
    const expected: Record<string, string> = {};
    for (const name of readdirSync(SOURCE_BUILT())) {
      const [version] = readdirSync(join(SOURCE_BUILT(), name));
      const binary = `terraform-provider-${name}_v${version}`;
      const staging = join(tmp.dir, "zip", name);
      mkdirSync(staging, { recursive: true });
      const files = { [binary]: readFileSync(join(SOURCE_BUILT(), name, version, "linux_amd64", binary)), "MIRRORED.txt": Buffer.from(`${name} as carried in\n`) };
      for (const [f, content] of Object.entries(files)) writeFileSync(join(staging, f), content, { mode: 0o755 });
      const dir = join(mirror, "registry.opentofu.org", "hashicorp", name);
      mkdirSync(dir, { recursive: true });
      const zip = spawnSync("python3", ["-m", "zipfile", "-c", join(dir, `terraform-provider-${name}_${version}_linux_amd64.zip`), ...Object.keys(files)], { cwd: staging, encoding: "utf8" });
      expect(zip.status).toBe(0);
      expected[`registry.opentofu.org/hashicorp/${name}`] = h1(files);
    }
    const file = copyOnPremExample("onprem-poc", tmp.dir, "with-mirror");
    const out = join(tmp.dir, "out-mirror");
    const r = offlinePlan([file], out, mirror);
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(r.stdout).toMatch(/Plan: \d+ to add, 0 to change, 0 to destroy\./);
    expect(r.status).toBe(0);

    const lock = readFileSync(join(out, "stacks", "with-mirror", ".terraform.lock.hcl"), "utf8");
    const locked = Object.fromEntries([...lock.matchAll(/provider "([^"]+)" \{[^}]*?hashes = \[\s*"([^"]+)",\s*\]/g)].map((m) => [m[1], m[2]]));
    expect(locked).toEqual(expected);
  });

  test("the README's first command (--source-built-providers, the built-in example) plans and leaves no lock file", () => {
    const out = join(tmp.dir, "out-example");
    const r = offlinePlan(["--source-built-providers"], out, join(tmp.dir, "no-such-mirror"));
    expect(r.stdout).toMatch(/Plan: \d+ to add, 0 to change, 0 to destroy\./);
    expect(r.status).toBe(0);
    expect(existsSync(join(out, "stacks", "z3r0d3v-small", ".terraform.lock.hcl"))).toBe(false);
  });

  test("the source-built providers are named only by the tests' configuration, never by the one users' commands read", () => {
    expect(existsSync(SOURCE_BUILT())).toBe(true);
    const official = readFileSync(projectTofuEnv("official").TF_CLI_CONFIG_FILE!, "utf8");
    expect(official).not.toContain("source-built");
    expect(official).not.toContain("plugin_cache_dir");
  });
});
