// What OpenTofu enforces for the operator, offline: server_name stays what it was, hosts
// whose SSH key is not verified are named by every plan, and an encrypted state keeps the
// generated secrets from anyone without the key.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadExample } from "./helpers/examples";
import { synthToDir } from "./helpers/synth";
import { tofu, tofuEnv } from "./helpers/tofu";

describe("server_name is permanent", () => {
  const dir = mkdtempSync(join(tmpdir(), "guard-"));
  const base = loadExample("onprem-poc");
  const deployment = { ...base, backend: { type: "local" as const, path: join(dir, "state.tfstate") } };

  beforeAll(() => {
    const first = synthToDir(deployment, join(dir, "v1"));
    expect(tofu(first, "init", "-input=false").status).toBe(0);
    const apply = tofu(first, "apply", "-input=false", "-auto-approve", "-target=terraform_data.server_name_guard");
    expect(apply.status).toBe(0);
  });

  test("changing it on an existing deployment stops the plan with an error", () => {
    const changed = synthToDir({ ...deployment, serverName: "matrix.z3r0d3v.com" }, join(dir, "v2"));
    expect(tofu(changed, "init", "-input=false").status).toBe(0);
    const plan = tofu(changed, "plan", "-input=false", "-lock=false");
    expect(plan.status).toBe(1);
    expect(plan.stderr).toContain("Instance cannot be destroyed");
    expect(plan.stderr).toContain("terraform_data.server_name_guard");
  });

  test("allow_server_name_change: true lets the plan replace it", () => {
    const allowed = synthToDir({ ...deployment, serverName: "matrix.z3r0d3v.com", allowServerNameChange: true }, join(dir, "v3"));
    expect(tofu(allowed, "init", "-input=false").status).toBe(0);
    const plan = tofu(allowed, "plan", "-input=false", "-lock=false", "-target=terraform_data.server_name_guard");
    expect(plan.status).toBe(0);
    expect(plan.stdout).toMatch(/terraform_data\.server_name_guard must be replaced/);
  });

  test("an unchanged server_name plans no change to the guard", () => {
    const same = synthToDir(deployment, join(dir, "v4"));
    expect(tofu(same, "init", "-input=false").status).toBe(0);
    const plan = tofu(same, "plan", "-input=false", "-lock=false", "-target=terraform_data.server_name_guard", "-detailed-exitcode");
    expect(plan.status).toBe(0);
  });
});

test("with insecure_skip_host_key_check, every plan warns in one line which hosts are not verified", () => {
  const dir = mkdtempSync(join(tmpdir(), "insecure-"));
  const base = loadExample("onprem-poc");
  if (base.target !== "onprem") throw new Error("onprem-poc is on-prem");
  const skipped = { ...base, backend: { type: "local" as const, path: join(dir, "state.tfstate") }, onprem: { ...base.onprem, hosts: base.onprem.hosts.map((h) => ({ ...h, ssh: { ...h.ssh, hostKey: { kind: "skipped" as const } } })) } };
  const stack = synthToDir(skipped, join(dir, "out"));
  expect(tofu(stack, "init", "-input=false").status).toBe(0);
  const plan = tofu(stack, "plan", "-input=false", "-lock=false");
  expect(plan.status).toBe(0);
  expect(plan.stdout + plan.stderr).toContain("Warning: Check block assertion failed");
  expect((plan.stdout + plan.stderr).replace(/\s+/g, " ")).toContain("SSH host keys are NOT verified for matrix1 (insecure_skip_host_key_check)");
});

describe("state encryption (OpenTofu's encryption block, key from TF_VAR_state_passphrase)", () => {
  const dir = mkdtempSync(join(tmpdir(), "encrypted-"));
  const statePath = join(dir, "state.tfstate");
  const base = loadExample("onprem-small");
  const passphrase = "correct horse battery staple, lab only";
  const tofuWith = (key: string | undefined, ...args: string[]) => {
    const env: NodeJS.ProcessEnv = { ...tofuEnv(), TF_VAR_state_passphrase: key };
    if (key === undefined) delete env.TF_VAR_state_passphrase;
    const r = spawnSync(env.TOFU_BINARY!, [...args, "-no-color"], { cwd: stack, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  };
  const stack = synthToDir({ ...base, backend: { type: "local", path: statePath, encryption: { key: "passphrase", migrateFromUnencrypted: false } } }, join(dir, "out"));
  const secrets = ["synapse_db", "minio_root", "turn_shared_secret"];

  beforeAll(() => {
    expect(tofuWith(passphrase, "init", "-input=false").status).toBe(0);
    // The generated secrets need no host: apply just them, for a real state holding them.
    const apply = tofuWith(passphrase, "apply", "-input=false", "-auto-approve", ...secrets.map((s) => `-target=random_password.secret_${s}`));
    expect(apply.output).toContain("Apply complete! Resources: 3 added");
  });

  test("the state file holds none of the secret values; with the key, OpenTofu reads them", () => {
    const pulled = tofuWith(passphrase, "state", "pull");
    expect(pulled.status).toBe(0);
    const values = JSON.parse(pulled.output).resources.filter((r: { type: string }) => r.type === "random_password").map((r: { instances: { attributes: { result: string } }[] }) => r.instances[0].attributes.result);
    expect(values).toHaveLength(3);
    const raw = readFileSync(statePath, "utf8");
    for (const v of values) expect(raw).not.toContain(v);
    expect(raw).not.toContain("random_password");
  });

  test("tofu plan works with the key and fails clearly with a wrong one or none", () => {
    expect(tofuWith(passphrase, "plan", "-input=false", "-lock=false", ...secrets.map((s) => `-target=random_password.secret_${s}`), "-detailed-exitcode").status).toBe(0);
    const wrong = tofuWith("not the passphrase of this state", "plan", "-input=false", "-lock=false");
    expect(wrong.status).toBe(1);
    expect(wrong.output).toContain("decryption failed");
    const none = tofuWith(undefined, "plan", "-input=false", "-lock=false");
    expect(none.status).toBe(1);
    expect(none.output).toMatch(/var\.state_passphrase/);
  });
});
