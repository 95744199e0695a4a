// The AWS proof-of-concept stack and the files its instance gets, checked by the real
// programs: checkov, cloud-init, shellcheck, systemd-analyze, nginx, and the Compose
// Specification schema. scripts/deps/validators.sh installs them (scripts/setup-tests.sh runs it);
// a missing program fails the test that needs it, naming that script.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { parse as parseYaml } from "yaml";
import type { AwsDeployment, OnPremDeployment } from "../constructs/deployment/model";
import { CERTIFICATE_NAME, CONTAINER_RUNTIME, POC_ROOT } from "../constructs/roles/poc";
import { hostPlan, planCluster } from "../constructs/plan";
import { buildTopology } from "../constructs/topology/resolve";
import { CHECKOV_SKIPS } from "../targets/aws/checkov-skips";
import { loadExample } from "./helpers/examples";
import { cloudConfigParts, onpremScripts, shebangShell, synthAws, withShellShebang, type HostFile, type Script } from "./helpers/instance-files";
import { program, run, tempDir } from "./helpers/programs";
import { provisionerResources, synth } from "./helpers/synth";
import { checkov, cloudInitSchema, composeSchemaValidator, nginxTest, shellcheck, verifyUnits, type CheckovReport } from "./helpers/validators";

const example = loadExample("aws-poc") as AwsDeployment;
const KMS_KEY = "arn:aws:kms:eu-central-1:123456789012:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789";
const stack = synthAws(example);
const { files: instanceFiles, runcmd } = cloudConfigParts(stack.cloudConfig);
const instanceFile = (path: string): HostFile => {
  const f = instanceFiles.find((x) => x.path === path);
  if (!f) throw new Error(`the instance gets no ${path}`);
  return f;
};
const withFile = (files: readonly HostFile[], path: string, content: string): HostFile[] => files.map((f) => (f.path === path ? { ...f, content } : f));
const ids = (checks: CheckovReport["failed"]) => [...new Set(checks.map((c) => c.check_id))].sort();

test("a validator that is not installed fails its test with the instruction to run scripts/setup-tests.sh", () => {
  expect(() => program("no-such-validator")).toThrow("no-such-validator is not installed here: run scripts/setup-tests.sh");
  expect(() => program("/nonexistent/venv/bin/checkov")).toThrow(/run scripts\/setup-tests\.sh/);
});

describe("security posture of the AWS stack (checkov)", () => {
  const skips = Object.keys(CHECKOV_SKIPS).sort();
  let plain: CheckovReport;
  let skipped: CheckovReport;
  let withKms: CheckovReport;
  beforeAll(async () => {
    const kmsStack = synthAws({ ...example, aws: { ...example.aws, kmsKeyArn: KMS_KEY } });
    [plain, skipped, withKms] = await Promise.all([checkov(stack.json), checkov(stack.json, skips), checkov(kmsStack.json)]);
  });

  test("every failing check is one the skip table explains in one line", () => {
    expect(plain.summary.parsing_errors).toBe(0);
    expect(plain.passed.length).toBeGreaterThan(50);
    const unexplained = plain.failed.filter((c) => !(c.check_id in CHECKOV_SKIPS)).map((c) => `${c.check_id} ${c.resource}: ${c.check_name}`);
    expect(unexplained).toEqual([]);
    for (const reason of Object.values(CHECKOV_SKIPS)) expect(reason).toMatch(/^[^\n]{20,200}$/);
  });

  test("no skip in the table is stale: each still matches a check that would fail", () => {
    const failing = new Set(plain.failed.map((c) => c.check_id));
    expect(skips.filter((id) => !failing.has(id))).toEqual([]);
  });

  test("with the table passed as --skip-check, checkov reports no failure and still runs every other check", () => {
    expect(skipped.summary.failed).toBe(0);
    expect(skipped.failed).toEqual([]);
    const unskippedPasses = plain.passed.filter((c) => !(c.check_id in CHECKOV_SKIPS));
    expect(skipped.passed.length).toBe(unskippedPasses.length);
  });

  test("the hardening a reviewer looks for passes: IMDSv2, encrypted root volume, private TLS-only bucket, encrypted SNS, no admin IAM", () => {
    const passed = new Set(plain.passed.map((c) => c.check_id));
    for (const id of ["CKV_AWS_79", "CKV_AWS_8", "CKV_AWS_126", "CKV_AWS_135", "CKV_AWS_46", "CKV_AWS_19", "CKV_AWS_21", "CKV2_AWS_6", "CKV_AWS_26", "CKV_AWS_24", "CKV_AWS_62", "CKV_AWS_63"]) {
      expect([id, passed.has(id)]).toEqual([id, true]);
    }
  });

  test("with aws.kms_key_arn set, the KMS skips are not needed: bucket and log group use the customer key", () => {
    const kmsSkips = ["CKV_AWS_145", "CKV_AWS_158"];
    expect(ids(withKms.failed)).toEqual(skips.filter((id) => !kmsSkips.includes(id)));
    expect(ids(withKms.passed)).toEqual(expect.arrayContaining(kmsSkips));
  });
});

describe("instance user-data (cloud-init 22.4)", () => {
  test("the user-data is the gzip+base64 of exactly the cloud-config the stack renders, under 16 KB", () => {
    const instance = Object.values(stack.config.resource.aws_instance)[0];
    const raw = Buffer.from(instance.user_data_base64, "base64");
    expect(raw.length).toBeLessThan(16 * 1024);
    expect(gunzipSync(raw).toString("utf8")).toBe(stack.cloudConfig);
    expect(stack.cloudConfig.startsWith("#cloud-config\n")).toBe(true);
  });

  test("cloud-init accepts the cloud-config (cloud-init schema), without deprecations", () => {
    const r = cloudInitSchema(stack.cloudConfig);
    expect([r.status, r.output]).toEqual([0, expect.stringContaining("Valid cloud-config")]);
    expect(r.output).not.toMatch(/deprecat|error/i);
  });

  test("cloud-init schema rejects a cloud-config whose write_files entry has no path", () => {
    const broken = stack.cloudConfig.replace(/^ {2}- path: [^\n]+\n/m, "  - owner: root:root\n");
    const r = cloudInitSchema(broken);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/'path' is a required property/);
  });
});

describe("shell scripts (shellcheck, every severity)", () => {
  test("every shell script the AWS instance gets passes shellcheck", () => {
    // The activation scripts run as `sh <path>` (runcmd), whatever their first line says.
    const activation = runcmd.map((cmd) => {
      expect(cmd).toEqual(["sh", expect.stringMatching(/^\/var\/lib\/matrix-platform\/activate-[a-z]+\.sh$/)]);
      return (cmd as string[])[1];
    });
    expect(activation.length).toBeGreaterThanOrEqual(2);
    const scripts: Script[] = [];
    const unknown: string[] = [];
    for (const f of withShellShebang(instanceFiles)) {
      const shell = activation.includes(f.path) ? "sh" : shebangShell(f.content);
      if (!shell) unknown.push(f.path);
      else scripts.push({ label: f.path, content: f.content, shell });
      // A script installed as a command must be executable.
      if (!activation.includes(f.path)) expect([f.path, f.mode]).toEqual([f.path, expect.stringMatching(/^0?7[0-7][0-7]$/)]);
    }
    expect(unknown).toEqual([]);
    expect(scripts.map((s) => s.label)).toEqual(expect.arrayContaining([...activation, "/usr/local/sbin/matrix-backup", "/usr/local/sbin/matrix-restore"]));
    expect(shellcheck(scripts)).toEqual([]);
  });

  test("every script of the on-prem roles passes shellcheck: activation, role scripts, the preflight checks and the generated install scripts", () => {
    const small = loadExample("onprem-small") as OnPremDeployment;
    // The Synapse host's script differs with a bundle, when the operator runs the playbook, and when it is installed natively.
    const native = { ...small.onprem, synapse: { install: "native" as const, workers: {} } };
    const variants = [
      small,
      { ...small, onprem: { ...small.onprem, bundle: "/srv/bundle.tar" } },
      { ...small, onprem: { ...small.onprem, playbook: { run: false } } },
      { ...small, onprem: native },
      { ...small, onprem: { ...native, bundle: "/srv/bundle.tar" } },
      loadExample("onprem-poc"),
    ];
    for (const deployment of variants) {
      const { scripts, unknownInterpreters } = onpremScripts(deployment, synth(deployment).config);
      expect(unknownInterpreters).toEqual([]);
      const installs = scripts.filter((s) => s.label.endsWith("/install.sh")).length;
      const units = Object.keys(provisionerResources(synth(deployment).config)).filter((r) => !/_(bundle|preflight)$/.test(r));
      expect(installs).toBe(units.length);
      // Every host's preflight is among them.
      expect(scripts.filter((s) => s.label.endsWith("preflight.sh")).length).toBe(deployment.target === "onprem" ? deployment.onprem.hosts.length : 0);
      const bundled = deployment.target === "onprem" && deployment.onprem.bundle !== undefined;
      expect(scripts.filter((s) => s.label.endsWith("bundle-install.sh")).length).toBe(bundled ? deployment.onprem.hosts.length : 0);
      expect(shellcheck(scripts)).toEqual([]);
    }
  });

  test("shellcheck flags a real mistake, named by the script it is in", () => {
    const findings = shellcheck([{ label: "bad.sh", content: '#!/bin/sh\nset -eu\ndir=$1\nrm -rf $dir/cache\n', shell: "sh" }]);
    expect(findings).toEqual([expect.stringMatching(/^bad\.sh:4:\d+: .*SC2086/)]);
  });
});

describe("systemd units (systemd-analyze verify, systemd 252)", () => {
  const unitPaths = instanceFiles.filter((f) => f.path.startsWith("/etc/systemd/system/")).map((f) => f.path);

  test("the instance's units verify with no error and no warning: the stack, the backup and the certificate with their timers", () => {
    expect(unitPaths.map((p) => p.replace("/etc/systemd/system/", "")).sort()).toEqual(expect.arrayContaining(["matrix-backup.service", "matrix-backup.timer", "matrix-certificate.service", "matrix-certificate.timer", "matrix-stack.service"]));
    const r = verifyUnits(instanceFiles, unitPaths);
    expect([r.status, r.output]).toEqual([0, ""]);
  });

  test("on-prem: the backup server's media services and timers, and a database host's etcd-leader-away, verify too", () => {
    const small = loadExample("onprem-small") as OnPremDeployment;
    const plan = planCluster(buildTopology(small));
    const filesOf = (host: string) => hostPlan(plan, host).units.flatMap((u) => u.files.map((f) => ({ path: f.path, content: f.content, mode: f.mode })));
    const backup = verifyUnits(filesOf("backup1"), ["/etc/systemd/system/matrix-media-snapshot.service", "/etc/systemd/system/matrix-media-snapshot.timer", "/etc/systemd/system/matrix-media-pull.service"]);
    expect([backup.status, backup.output]).toEqual([0, ""]);
    const database = verifyUnits(filesOf("db1"), ["/etc/systemd/system/etcd-leader-away.service", "/etc/systemd/system/etcd-leader-away.timer"]);
    expect([database.status, database.output]).toEqual([0, ""]);
  });

  test("a unit with an unknown key fails the check", () => {
    const path = "/etc/systemd/system/matrix-backup.service";
    const broken = withFile(instanceFiles, path, instanceFile(path).content.replace("[Service]\n", "[Service]\nRestartSecs=5\n"));
    const r = verifyUnits(broken, unitPaths);
    expect(r.output).toMatch(/Unknown key/);
  });

  test("a unit whose program the instance does not get fails the check", () => {
    const withoutBackup = instanceFiles.filter((f) => f.path !== "/usr/local/sbin/matrix-backup");
    const r = verifyUnits(withoutBackup, unitPaths);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/\/usr\/local\/sbin\/matrix-backup is not executable/);
  });
});

describe("nginx server blocks of the container (nginx -t)", () => {
  const httpBlock = instanceFile(`${POC_ROOT}/nginx/http.conf`).content;
  const httpsBlock = instanceFile(`${POC_ROOT}/nginx/https.conf`).content;
  const upstreams = [CONTAINER_RUNTIME.synapseUpstream, CONTAINER_RUNTIME.elementUpstream].map((u) => u.split(":")[0]);
  /** https.conf with a certificate where certbot puts it (nginx -t loads it). */
  const withCertificate = (block: string, test: (b: string) => ReturnType<typeof nginxTest>) => {
    const tmp = tempDir("nginx-cert");
    try {
      const live = join(tmp.dir, "live", CERTIFICATE_NAME);
      mkdirSync(live, { recursive: true });
      run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=chat.z3r0d3v.com", "-keyout", join(live, "privkey.pem"), "-out", join(live, "fullchain.pem")]);
      return test(block.replaceAll(`${CONTAINER_RUNTIME.letsencryptDir}/`, `${tmp.dir}/`));
    } finally {
      tmp.remove();
    }
  };

  test("both production server blocks (before and after the certificate), included as the nginx image includes conf.d, pass nginx -t", () => {
    // The Compose file mounts the folder the image's nginx.conf includes (inside http {}).
    const compose = parseYaml(instanceFile(`${POC_ROOT}/docker-compose.yml`).content) as { services: { nginx: { volumes: string[] } } };
    expect(compose.services.nginx.volumes).toContain(`${POC_ROOT}/nginx/conf.d:/etc/nginx/conf.d:ro`);
    expect(upstreams.sort()).toEqual(["element", "synapse"]);
    for (const r of [nginxTest(httpBlock, upstreams), withCertificate(httpsBlock, (b) => nginxTest(b, upstreams))]) {
      expect([r.status, r.output]).toEqual([0, expect.stringContaining("test is successful")]);
      expect(r.output).not.toMatch(/\[(warn|emerg|alert|crit)\]/);
    }
    expect(httpsBlock).toMatch(/proxy_pass http:\/\/synapse:8008;/);
  });

  test("nginx -t really resolves the upstreams and loads the certificate", () => {
    const r = nginxTest(httpBlock, []);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/host not found in upstream/);
    const noCertificate = nginxTest(httpsBlock, upstreams);
    expect(noCertificate.status).not.toBe(0);
    expect(noCertificate.output).toMatch(/cannot load certificate "\/etc\/letsencrypt\/live\/matrix\/fullchain\.pem"/);
  });

  test("a broken server block fails nginx -t", () => {
    const r = nginxTest(httpBlock.replace("proxy_http_version 1.1;", "proxy_http_versoin 1.1;"), upstreams);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/unknown directive "proxy_http_versoin"/);
  });
});

describe("Compose file (Compose Specification schema; `docker compose config` needs a Docker engine, which this machine has not)", () => {
  const compose = parseYaml(instanceFile(`${POC_ROOT}/docker-compose.yml`).content) as { services: Record<string, Record<string, unknown>> };
  const validate = composeSchemaValidator();

  test("/opt/matrix/docker-compose.yml is valid against the Compose Specification schema", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["certbot", "element", "nginx", "postgres", "synapse"]);
    expect([validate(compose), validate.errors ?? []]).toEqual([true, []]);
  });

  test("the schema rejects an unknown service key and a wrong type", () => {
    const broken = { ...compose, services: { ...compose.services, nginx: { ...compose.services.nginx, restart: 5, portz: ["80:80"] } } };
    expect(validate(broken)).toBe(false);
    expect((validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).sort()).toEqual([
      "/services/nginx must NOT have additional properties",
      "/services/nginx/restart must be string",
    ]);
  });
});
