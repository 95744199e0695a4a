// Reusable from HCL, applied for real: `npm run module` writes a deployment as a module; a
// hand-written HCL project (test/fixtures/hcl-root-lab) calls it with the bundle, the PKI
// folder and an SSH key file, and `tofu apply` of that project provisions the load
// balancer tier (HAProxy + Keepalived) onto two lab hosts over SSH. The VIP then answers
// HTTPS, the project's state holds the module's resources, and a second plan has nothing to do.
// The other hosts of the small-scale inventory are addresses only (not booted, not targeted).
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { loadDeploymentFile } from "../constructs/deployment/load";
import type { OnPremDeployment } from "../constructs/deployment/model";
import { issuePki } from "../constructs/pki/issue";
import { planCluster } from "../constructs/plan";
import { buildTopology } from "../constructs/topology/resolve";
import { checkLabPrerequisites, cleanupStaleLabs, createLab, type Lab } from "../tools/lab/lab";
import { ROOT, runProjectScript } from "./helpers/examples";
import { buildLabBundle } from "./helpers/lab-bundle";
import { applyFailure, BIG_LAB_TURN_TIMEOUT_MS, detachPhantomHosts, eventually, LAB_KNOWN_HOSTS, labStack, takeBigLabTurn } from "./helpers/lab-stack";
import { tempDir } from "./helpers/programs";
import { tofu as localTofu } from "./helpers/tofu";

const NET = "10.77.3";
const CONTROL = `${NET}.5`;
const VIP = `${NET}.100`;
const DOMAIN = "chat.z3r0d3v.com";
const LAB_HOSTS = [
  { name: "lb1", address: `${NET}.31` },
  { name: "lb2", address: `${NET}.32` },
];
const PHANTOM = [
  ["synapse1", 10, "synapse"], ["db1", 21, "database"], ["db2", 22, "database"], ["db3", 23, "database"],
  ["obj1", 41, "object_store"], ["obj2", 42, "object_store"], ["obj3", 43, "object_store"], ["obj4", 44, "object_store"],
  ["turn1", 51, "turn"], ["turn2", 52, "turn"], ["rtc1", 61, "media"], ["rtc2", 62, "media"], ["mon1", 71, "monitoring"], ["backup1", 81, "backup"],
] as const;
/** Every unit of the two load balancers, in the module (a partial roll-out names each unit). */
const TARGETS = LAB_HOSTS.flatMap((h) => ["bundle", "base", "haproxy", "keepalived"].map((u) => `-target=module.matrix.terraform_data.${h.name}_${u}`));

const tmp = tempDir("lab-hcl-module");
const pkiDir = join(tmp.dir, "pki");
const project = join(tmp.dir, "project");
let lab: Lab | undefined;
let releaseTurn: (() => void) | undefined;
const theLab = () => {
  if (!lab) throw new Error("the lab was not created (see the first failure)");
  return lab;
};
const { tofu, writeDeployment, pinHostKeys } = labStack(theLab, tmp.dir);

function labDeployment(name: string, keyPath: string, bundle: string): string {
  return writeDeployment(name, `
name: lab-module
domain: ${DOMAIN}
target: onprem
scale: small
onprem:
  vip: ${VIP}
  client_subnets: [${NET}.0/24]
  admin_subnets: [${CONTROL}/32]
  ssh:
    user: debian
    private_key_path: ${keyPath}
  known_hosts: ${LAB_KNOWN_HOSTS}
  bundle: ${bundle}
  pki: ${pkiDir}
  hosts:
${LAB_HOSTS.map((h) => `    - { name: ${h.name}, address: ${h.address}, group: load_balancer }`).join("\n")}
${PHANTOM.map(([n, a, g]) => `    - { name: ${n}, address: ${NET}.${a}, group: ${g}, insecure_skip_host_key_check: true }`).join("\n")}
`);
}

let bundle: string;
let applyOutput = "";

beforeAll(async () => {
  checkLabPrerequisites();
  releaseTurn = await takeBigLabTurn();
}, BIG_LAB_TURN_TIMEOUT_MS);

beforeAll(async () => {
  cleanupStaleLabs();
  const started = Date.now();
  lab = await createLab({ name: "mod", subnet: `${NET}.0/24`, hosts: LAB_HOSTS, controlAddress: CONTROL });
  const draft = loadDeploymentFile(labDeployment("draft", lab.sshKeyPath, "/nonexistent.tar")) as OnPremDeployment;
  const plan = planCluster(buildTopology(draft));
  bundle = await buildLabBundle(plan, LAB_HOSTS.map((h) => h.name), tmp.dir);
  issuePki(draft, plan.pki);
  const file = labDeployment("lab-module", lab.sshKeyPath, bundle);
  const pinned = await pinHostKeys(file);
  if (pinned.status !== 0) throw new Error(`npm run host-keys: ${pinned.output}`);

  const made = runProjectScript("module.ts", [file, "--out", join(project, "matrix")], tmp.dir);
  if (made.status !== 0) throw new Error(`npm run module: ${made.stdout}${made.stderr}`);
  detachPhantomHosts(join(project, "matrix", "main.tf.json"), PHANTOM.map(([name]) => name));
  copyFileSync(join(ROOT, "test/fixtures/hcl-root-lab/main.tf"), join(project, "main.tf"));
  const init = await tofu(project, "init");
  if (init.status !== 0) throw new Error(`tofu init: ${init.output}`);
  const apply = await tofu(project, "apply", "-auto-approve", ...vars(), ...TARGETS);
  applyOutput = apply.output;
  if (apply.status !== 0) throw new Error(applyFailure(apply.output));
  console.log(`lab HCL module: lab + bundle + module + apply of the load balancer tier in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}, 1_200_000);

afterAll(async () => {
  await lab?.destroy();
  releaseTurn?.();
  tmp.remove();
});

/** The hand-written project's inputs, as its user passes them. */
const vars = () => [`-var=pki_dir=${pkiDir}`, `-var=bundle=${bundle}`, `-var=ssh_private_key_file=${theLab().sshKeyPath}`];

test("tofu apply of the HCL project provisions both load balancers over SSH with the key file's text", () => {
  expect(applyOutput).toMatch(/Apply complete! Resources: \d+ added, 0 changed, 0 destroyed\./);
  for (const h of LAB_HOSTS) expect(applyOutput).toContain(`module.matrix.terraform_data.${h.name}_keepalived: Creation complete`);
  // The key reached the provisioners as a sensitive value, never printed.
  expect(applyOutput).not.toContain("PRIVATE KEY");
});

test("the VIP answers: Keepalived gave it to one load balancer, whose HAProxy ends TLS with the certificate from the PKI folder", async () => {
  for (const h of LAB_HOSTS) expect((await theLab().exec(h.name, "systemctl is-active haproxy keepalived")).stdout.trim().split("\n")).toEqual(["active", "active"]);
  // No Synapse in this lab: HAProxy itself answers 503, over TLS verified against the cluster CA.
  const https = await eventually(
    "HTTPS through the VIP",
    () => theLab().runInControl("curl", ["-sS", "-m", "3", "--cacert", join(pkiDir, "ca.crt"), "--resolve", `${DOMAIN}:443:${VIP}`, "-o", "/dev/null", "-w", "%{http_code}", `https://${DOMAIN}/_matrix/client/versions`]),
    (r) => r.status === 0,
    30,
  );
  expect(https.stdout).toBe("503");
  const holders = await Promise.all(LAB_HOSTS.map(async (h) => (await theLab().exec(h.name, `ip -o -4 addr show | grep -c ' ${VIP}/' || true`)).stdout.trim()));
  expect(holders.sort()).toEqual(["0", "1"]);
});

test("the project's state holds the module's resources; a second plan has nothing to do", async () => {
  expect(localTofu(project, "state", "list").stdout.split("\n")).toEqual(expect.arrayContaining(["module.matrix.terraform_data.lb1_haproxy", "module.matrix.terraform_data.lb2_keepalived"]));
  const plan = await tofu(project, "plan", "-detailed-exitcode", ...vars(), ...TARGETS);
  expect([plan.status, plan.output.match(/No changes\.[^\n]*/)?.[0]]).toEqual([0, "No changes. Your infrastructure matches the configuration."]);
});
