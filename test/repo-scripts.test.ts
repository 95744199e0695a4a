import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./helpers/examples";
import { run } from "./helpers/programs";

/** The project's own shell scripts: setup, OpenTofu build, dependency installers, the lab's, CI. */
const SCRIPTS = [
  ".ci/run",
  "scripts/lib/deps.sh",
  ...["scripts", "scripts/deps", "tools/lab"].flatMap((d) => readdirSync(join(ROOT, d)).filter((f) => f.endsWith(".sh")).map((f) => `${d}/${f}`)),
];

test("the project's shell scripts pass shellcheck (all severities)", () => {
  expect(SCRIPTS).toEqual(expect.arrayContaining([".ci/run", "scripts/setup.sh", "scripts/setup-tests.sh", "scripts/opentofu.sh", "tools/lab/base-image.sh", "tools/lab/boot-host.sh"]));
  const r = run("shellcheck", ["--external-sources", "--format", "gcc", ...SCRIPTS], { cwd: ROOT });
  expect(r.stdout).toBe("");
  expect(r.status).toBe(0);
});
