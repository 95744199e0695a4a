// The library face: examples/app/main.ts, a cdktf app of a user's own, composes the
// on-prem platform with a resource of its own in one stack it owns; OpenTofu accepts it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, TSX_LOADER } from "./helpers/examples";
import { tofu, tofuEnv } from "./helpers/tofu";

const out = mkdtempSync(join(tmpdir(), "example-app-"));
const stackDir = join(out, "stacks", "acme-chat");
let config: { resource: Record<string, Record<string, unknown>>; output: Record<string, unknown>; provider: Record<string, unknown>; terraform: Record<string, any> };

beforeAll(() => {
  const r = spawnSync(process.execPath, ["--import", TSX_LOADER, join(ROOT, "examples/app/main.ts")], { cwd: ROOT, env: { ...process.env, CDKTF_OUTDIR: out }, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`the example app failed:\n${r.stdout}${r.stderr}`);
  config = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8"));
});

test("one stack holds the platform and the app's own inventory export", () => {
  expect(Object.keys(config.resource.terraform_data)).toEqual(expect.arrayContaining(["db1_patroni", "synapse1_synapse", "lb1_haproxy"]));
  expect(Object.keys(config.resource.random_password)).toContain("secret_synapse_db");
  const inventory = Object.values(config.resource.local_file).find((f) => (f as { filename: string }).filename === "inventory.json") as { content: string };
  expect(JSON.parse(inventory.content)).toMatchObject({ url: "https://chat.z3r0d3v.com/", entry: "10.10.3.100", hosts: { db1: { address: "10.10.2.11", roles: ["etcd", "patroni", "pgbouncer"] } } });
  expect(Object.keys(config.output)).toEqual(["chat_url"]);
  // The app's providers and backend, exactly: the library added none of its own.
  expect(Object.keys(config.provider).sort()).toEqual(["local", "random"]);
  expect(config.terraform.backend).toEqual({ local: { path: join(ROOT, "examples/app/acme-chat.tfstate") } });
});

test("tofu init and validate accept it (offline)", () => {
  tofuEnv();
  const init = tofu(stackDir, "init", "-input=false", "-backend=false");
  expect(init.stderr).toBe("");
  expect(init.status).toBe(0);
  expect(tofu(stackDir, "validate").stdout).toContain("Success! The configuration is valid.");
});
