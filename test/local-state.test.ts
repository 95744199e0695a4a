import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeploymentError } from "../constructs/deployment/errors";
import { loadDeploymentFile } from "../constructs/deployment/load";
import { secureLocalState } from "../targets/shared/local-state";
import { editedExample, examplePath, ROOT } from "./helpers/examples";
import { synthToDir } from "./helpers/synth";
import { tofu, tofuEnv } from "./helpers/tofu";

const POC = "z3r0d3v-onprem-poc";

/** A folder with copies of two example deployment files, so their state lands there. */
function site(): { dir: string; out: string; onprem: string; aws: string } {
  const dir = mkdtempSync(join(tmpdir(), "state-"));
  const onprem = join(dir, "onprem-poc.yaml");
  const aws = join(dir, "aws-poc.yaml");
  copyFileSync(examplePath("onprem-poc"), onprem);
  copyFileSync(join(ROOT, "examples", `${POC}.known_hosts`), join(dir, `${POC}.known_hosts`));
  copyFileSync(examplePath("aws-poc"), aws);
  return { dir, out: join(dir, "cdktf.out"), onprem, aws };
}

describe("local state lives beside the deployment file", () => {
  test("the default path is <deployment name>.tfstate in the file's folder; a relative path is relative to the file", () => {
    const s = site();
    expect(loadDeploymentFile(s.onprem).backend).toEqual({ type: "local", path: join(s.dir, `${POC}.tfstate`) });
    writeFileSync(s.aws, editedExample("aws-poc", (doc) => doc.setIn(["backend", "path"], "state/aws.tfstate")));
    expect(loadDeploymentFile(s.aws).backend).toEqual({ type: "local", path: join(s.dir, "state", "aws.tfstate") });
  });

  test("a state in the old place (the stack folder) is moved once, with its backup, and said so", () => {
    const s = site();
    const old = join(s.out, "stacks", POC, `terraform.${POC}.tfstate`);
    mkdirSync(join(s.out, "stacks", POC), { recursive: true });
    writeFileSync(old, '{"serial": 7}');
    writeFileSync(`${old}.backup`, '{"serial": 6}');
    const lines = secureLocalState([loadDeploymentFile(s.onprem)], s.out);
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^moved the state of "${POC}" from .*terraform\\.${POC}\\.tfstate to .*${POC}\\.tfstate`))]);
    expect(readFileSync(join(s.dir, `${POC}.tfstate`), "utf8")).toBe('{"serial": 7}');
    expect(readFileSync(join(s.dir, `${POC}.tfstate.backup`), "utf8")).toBe('{"serial": 6}');
    expect(existsSync(old)).toBe(false);
    expect(secureLocalState([loadDeploymentFile(s.onprem)], s.out)).toEqual([]);
  });

  test("two states for one deployment are refused, and nothing moves", () => {
    const s = site();
    const old = join(s.out, "stacks", POC, `terraform.${POC}.tfstate`);
    mkdirSync(join(s.out, "stacks", POC), { recursive: true });
    writeFileSync(old, "{}");
    writeFileSync(join(s.dir, `${POC}.tfstate`), "{}");
    expect(() => secureLocalState([loadDeploymentFile(s.onprem)], s.out)).toThrow(
      new DeploymentError([`${old} and ${join(s.dir, `${POC}.tfstate`)} are both states of deployment "${POC}"; keep the one of the deployed platform at ${join(s.dir, `${POC}.tfstate`)} and delete the other`]),
    );
    expect(existsSync(old)).toBe(true);
  });
});

/** `cdktf synth` as a user runs it: the CLI, which deletes the stack folders it does not synthesize. */
function cdktfSynth(deploymentFile: string, out: string) {
  return spawnSync(join(ROOT, "node_modules/.bin/cdktf"), ["synth", "--output", out], {
    cwd: ROOT,
    env: { ...tofuEnv(), CI: "1", DISABLE_VERSION_CHECK: "true", DEPLOYMENTS: deploymentFile, FORCE_COLOR: "0", NO_COLOR: "1" },
    encoding: "utf8",
  });
}

describe("no synth deletes the state of a deployed platform (the two-deployment workflow of help/operations.md, through the cdktf CLI)", () => {
  const s = site();
  const state = join(s.dir, `${POC}.tfstate`);
  const stackDir = join(s.out, "stacks", POC);
  const guardInState = () => JSON.parse(readFileSync(state, "utf8")).resources.some((r: { type: string }) => r.type === "terraform_data");

  beforeAll(() => {
    // The first deployment synthesized as the app does it (the CLI's part is what follows).
    synthToDir(loadDeploymentFile(s.onprem), s.out);
    expect(tofu(stackDir, "init", "-input=false").status).toBe(0);
    // A real state: the server_name guard applied (the only resource that needs no host).
    expect(tofu(stackDir, "apply", "-input=false", "-auto-approve", "-target=terraform_data.server_name_guard").status).toBe(0);
  });

  test("synthesizing another deployment removes the first one's stack folder, not its state", () => {
    const r = cdktfSynth(s.aws, s.out);
    expect(r.status).toBe(0);
    expect(existsSync(stackDir)).toBe(false);
    expect(guardInState()).toBe(true);
  });

  test("state left in a stack folder by an earlier version: another deployment's synth is refused and keeps it; the deployment's own synth moves it", () => {
    // An earlier version's layout: the stack folder (any content) with the state inside.
    mkdirSync(stackDir, { recursive: true });
    const old = join(stackDir, `terraform.${POC}.tfstate`);
    renameSync(state, old);

    const refused = cdktfSynth(s.aws, s.out);
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain(`error: ${old} is the state of deployment "${POC}", and this synth would delete its folder`);
    expect(existsSync(old)).toBe(true);

    const own = cdktfSynth(s.onprem, s.out);
    expect(own.status).toBe(0);
    expect(own.stdout + own.stderr).toContain(`moved the state of "${POC}"`);
    expect(existsSync(old)).toBe(false);
    expect(guardInState()).toBe(true);

    // OpenTofu follows the new path: the guard already applied plans to no change.
    expect(tofu(stackDir, "init", "-input=false", "-reconfigure").status).toBe(0);
    const plan = tofu(stackDir, "plan", "-input=false", "-target=terraform_data.server_name_guard", "-detailed-exitcode");
    expect(plan.stderr).toBe("");
    expect(plan.status).toBe(0);
  });
});
