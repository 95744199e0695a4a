// The main job's plan for approval: `npm run plan` on an example (real synthesis, real
// OpenTofu plan, offline) writes the saved plan, its JSON and a summary, and prints the
// summary instead of the raw plan; the summary's own rules (masking, reasons, drift) on
// plan JSON as OpenTofu writes it. The lab (test/lab-cluster.test.ts) shows a summary of
// one changed setting on a deployed cluster and applies that plan with `npm run apply`.
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { summarizePlan, type PlanJson } from "../scripts/lib/plan-summary";
import { copyOnPremExample } from "./helpers/example-copy";
import { editedExample, runProjectScript } from "./helpers/examples";
import { tempDir } from "./helpers/programs";

const tmp = tempDir("plan-summary-");
afterAll(() => tmp.remove());

const runScript = (script: string, args: readonly string[]) => runProjectScript(script, args, tmp.dir);

describe("npm run plan: a saved plan, its JSON and a summary for the approver", () => {
  let stdout = "";
  let planDir = "";
  beforeAll(() => {
    const file = copyOnPremExample("onprem-small", tmp.dir, "approve-small");
    const r = runScript("plan.ts", [file, "--source-built-providers"]);
    if (r.status !== 0) throw new Error(`npm run plan failed:\n${r.stdout}\n${r.stderr}`);
    stdout = r.stdout;
    planDir = join(tmp.dir, "approve-small.plan");
  });

  test("writes the saved plan, OpenTofu's full output, the plan JSON and the summary beside the deployment, in a private folder", () => {
    for (const f of ["plan.tfplan", "plan.txt", "plan.json", "summary.md", "plan-record.json"]) expect([f, existsSync(join(planDir, f))]).toEqual([f, true]);
    expect(statSync(planDir).mode & 0o777).toBe(0o700);
    expect(stdout).toContain("approve-small.plan/{plan.tfplan,plan.txt,plan.json,summary.md}");
  });

  test("prints the summary, not the raw plan: its counts are OpenTofu's, and a first plan lists files without their content", () => {
    const full = readFileSync(join(planDir, "plan.txt"), "utf8");
    const adds = Number(/Plan: (\d+) to add, 0 to change, 0 to destroy\./.exec(full)?.[1]);
    expect(adds).toBeGreaterThan(150);
    expect(stdout).toContain(`**${adds} to add, 0 to change, 0 to replace, 0 to destroy, 0 to forget**; 0 unchanged.`);
    expect(stdout).toContain(readFileSync(join(planDir, "summary.md"), "utf8"));
    expect(stdout).not.toContain("will be created");
    expect(stdout.split("\n").length).toBeLessThan(full.split("\n").length / 10);
    expect(stdout).toMatch(/### db1\n\n(#### \w+: add\n\n(- `[^`]+`: new, \d+ lines?\n)+\n)*#### patroni: add\n\n(- `[^`]+`: new, \d+ lines?\n)*- `\/etc\/patroni\/config.yml`: new, \d+ lines\n/);
    expect(stdout).toContain("- `first_admin_password`: add");
    expect(stdout).not.toMatch(/@@secret:/);
  });
});

describe("npm run plan --replace: every unit of the named hosts, for new machines in their places", () => {
  test("plans the replacement of each unit of db1, in order, and of no other host", () => {
    const file = copyOnPremExample("onprem-small", tmp.dir, "replace-small");
    const r = runScript("plan.ts", [file, "--source-built-providers", "--replace", "db1"]);
    if (r.status !== 0) throw new Error(`npm run plan failed:\n${r.stdout}\n${r.stderr}`);
    const command = /^\$ tofu plan .*$/m.exec(r.stdout)?.[0] ?? "";
    expect(command.match(/-replace=\S+/g)).toEqual(["base", "etcd", "patroni", "pgbouncer"].map((u) => `-replace=terraform_data.db1_${u}`));
  });

  test.each([
    ["a name that is no host", "onprem-small", "db1,dbx", 'error: --replace "db1,dbx": no host "dbx" in replace-bad; its hosts: synapse1, db1, db2, db3, lb1, lb2, obj1, obj2, obj3, obj4, turn1, turn2, rtc1, rtc2, mon1, backup1'],
    ["an AWS deployment", "aws-poc", "db1", 'error: --replace "db1": replace-bad is an AWS deployment; --replace re-provisions on-prem hosts'],
  ] as const)("refuses %s in one line, before OpenTofu runs", (_what, example, list, message) => {
    const file = example === "aws-poc" ? join(tmp.dir, "replace-bad.yaml") : copyOnPremExample(example, tmp.dir, "replace-bad");
    if (example === "aws-poc") writeFileSync(file, editedExample(example, (doc) => doc.set("name", "replace-bad")));
    const r = runScript("plan.ts", [file, "--source-built-providers", "--replace", list]);
    expect({ status: r.status, error: r.stderr.split("\n").filter((l) => l.startsWith("error:")), initialised: r.stdout.includes("$ tofu init") }).toEqual({ status: 2, error: [message], initialised: false });
    expect(existsSync(join(tmp.dir, "replace-bad.plan"))).toBe(false);
  });
});

describe("npm run apply refuses what is not a saved plan", () => {
  test("a folder without a plan", () => {
    const r = runScript("apply.ts", [tmp.dir]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`error: ${tmp.dir} holds no saved plan (plan.tfplan and plan-record.json); make one with npm run plan -- <deployment.yaml>`);
  });
});

describe("the summary's rules, on plan JSON in OpenTofu's format", () => {
  const ctx = { deployment: "d", planFile: "d.plan" };
  const role = (host: string, name: string, actions: string[], hashes: [string, string], reason?: string) => ({
    address: `terraform_data.${host}_${name}`,
    type: "terraform_data",
    name: `${host}_${name}`,
    change: {
      actions,
      before: { triggers_replace: { host, role: name, content_sha256: hashes[0] } },
      after: { triggers_replace: { host, role: name, content_sha256: hashes[1] } },
      // As OpenTofu writes it for terraform_data: the whole map.
      replace_paths: actions.length === 2 ? [["triggers_replace"]] : undefined,
    },
    ...(reason ? { action_reason: reason } : {}),
  });
  const copy = (host: string, name: string, path: string, before: string, after: string) => ({
    address: `terraform_data.${host}_${name}`,
    type: "terraform_data",
    name: `${host}_${name}`,
    change: { actions: ["update"], before: { input: { host, path, content: before } }, after: { input: { host, path, content: after } } },
  });
  const plan = {
    terraform_version: "1.10.10",
    resource_changes: [
      role("db1", "pgbouncer", ["delete", "create"], ["a", "b"], "replace_because_cannot_update"),
      copy("db1", "pgbouncer_etc_pgbouncer_pgbouncer_ini", "/etc/pgbouncer/pgbouncer.ini", "[pgbouncer]\nmax_client_conn = 100\npool_mode = transaction\n", "[pgbouncer]\nmax_client_conn = 200\npool_mode = transaction\n"),
      role("db2", "pgbouncer", ["no-op"], ["a", "a"]),
      {
        address: "aws_db_thing.main",
        type: "aws_db_thing",
        name: "main",
        change: { actions: ["update"], before: { password: "hunter2-old", size: 20 }, after: { password: "hunter2-new", size: 40 }, before_sensitive: { password: true }, after_sensitive: { password: true } },
      },
      { address: "random_password.old", type: "random_password", name: "old", change: { actions: ["delete"], before: { result: "x" }, before_sensitive: { result: true } }, action_reason: "delete_because_no_resource_config" },
    ],
    resource_drift: [{ address: "aws_instance.server", type: "aws_instance", name: "server", change: { actions: ["update"], before: { instance_type: "t3.large" }, after: { instance_type: "t3.xlarge" } } }],
    output_changes: { url: { actions: ["update"] }, hosts: { actions: ["no-op"] } },
  } as unknown as PlanJson;
  const summary = summarizePlan(plan, ctx);

  test("counts per action, replacements and deletions first with the forcing attribute and OpenTofu's reason", () => {
    expect(summary).toContain("**0 to add, 2 to change, 1 to replace, 1 to destroy, 0 to forget**; 1 unchanged.");
    const first = summary.indexOf("## Replacements and deletions");
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(summary.indexOf("## Changes by host and role"));
    expect(summary).toContain(
      "- **replace** `terraform_data.db1_pgbouncer` (role pgbouncer on db1: it runs again): an attribute that cannot change in place changed; forced by `triggers_replace` (its rendered files, script or packages changed)",
    );
    expect(summary).toContain("- **destroy** `random_password.old`: no longer in the configuration");
  });

  test("the host and role that change, with the diff of the file's lines; the unchanged role is not listed", () => {
    expect(summary).toContain("### db1\n\n#### pgbouncer: runs again\n\n`/etc/pgbouncer/pgbouncer.ini` (changed):\n\n```diff\n--- /etc/pgbouncer/pgbouncer.ini\n+++ /etc/pgbouncer/pgbouncer.ini\n@@ -1,3 +1,3 @@\n [pgbouncer]\n-max_client_conn = 100\n+max_client_conn = 200\n pool_mode = transaction\n```");
    expect(summary).not.toContain("### db2");
  });

  test("sensitive values are masked, other changed attributes shown; drift apart; outputs that change", () => {
    expect(summary).toContain("- **change** `aws_db_thing.main`: `password`: (sensitive value changed); `size`: `20` → `40`");
    expect(summary).not.toMatch(/hunter2/);
    expect(summary).toContain("## Changed outside OpenTofu (drift)");
    expect(summary).toContain('- `aws_instance.server` changed: `instance_type`: `"t3.large"` → `"t3.xlarge"`');
    expect(summary).toContain("## Outputs\n\n- `url`: change");
    expect(summary).not.toContain("`hosts`");
  });

  test("nothing to do says so", () => {
    expect(summarizePlan({ resource_changes: [role("db2", "pgbouncer", ["no-op"], ["a", "a"])] } as unknown as PlanJson, ctx)).toContain("No changes: the hosts and the cloud resources match the configuration.");
  });
});
