/**
 * Applies exactly a plan `npm run plan` saved, the one that was approved: OpenTofu
 * refuses it when the state changed since (a stale plan), and nothing is planned again.
 *
 *   npm run apply -- <plan folder>      (such as examples/z3r0d3v-small.plan)
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { PLAN_FILE, PLAN_RECORD, type PlanRecord } from "./lib/plan-record";
import { tofuEnv } from "./lib/tofu-env";

const { positionals } = parseArgs({ allowPositionals: true });
const fail = (message: string): never => {
  console.error(`error: ${message}`);
  process.exit(1);
};
if (positionals.length !== 1) fail("give the plan folder `npm run plan` wrote: npm run apply -- <name>.plan");
const dir = resolve(positionals[0]);
const planFile = join(dir, PLAN_FILE);
const recordFile = join(dir, PLAN_RECORD);
if (!existsSync(planFile) || !existsSync(recordFile)) fail(`${dir} holds no saved plan (${PLAN_FILE} and ${PLAN_RECORD}); make one with npm run plan -- <deployment.yaml>`);
const record = JSON.parse(readFileSync(recordFile, "utf8")) as PlanRecord;
if (!existsSync(join(record.stackDir, ".terraform"))) fail(`the stack the plan was made in (${record.stackDir}) is gone; plan again with npm run plan -- ${record.deploymentFile}`);

const env = tofuEnv(record.providers);
console.log(`Applying the plan of ${record.deployment} made ${record.planned} (${dir}).`);
const apply = spawnSync(env.TOFU_BINARY!, ["apply", "-input=false", planFile], { cwd: record.stackDir, env, encoding: "utf8", stdio: ["ignore", "inherit", "pipe"] });
process.stderr.write(apply.stderr);
if (apply.status !== 0 && /Saved plan is stale/.test(apply.stderr)) {
  fail(`the plan is stale: the state changed after it was made (${record.planned}), so it no longer says what would change. Plan again (npm run plan -- ${record.deploymentFile}) and have that approved.`);
}
process.exit(apply.status ?? 1);
