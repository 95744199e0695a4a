import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDeployment } from "../constructs/deployment/load";
import { DeploymentError } from "../constructs/deployment/errors";
import { editedExample, exampleText, ROOT, TSX_LOADER, type ExampleName } from "./helpers/examples";

type Edit = (doc: ReturnType<typeof import("yaml").parseDocument>) => void;

function problemsOf(yamlText: string): readonly string[] {
  try {
    parseDeployment(yamlText);
  } catch (e) {
    if (e instanceof DeploymentError) return e.problems;
    throw e;
  }
  throw new Error("the deployment was accepted");
}

/** Every message a user can get, with the edit that provokes it (one mistake each). */
const CASES: ReadonlyArray<[string, ExampleName, Edit, string]> = [
  ["bad IP address", "onprem-small", (d) => d.setIn(["onprem", "hosts", 3, "address"], "10.0.0.300"), 'onprem.hosts[3].address: "10.0.0.300" is not an IPv4 address'],
  ["missing domain on-prem", "onprem-small", (d) => d.deleteIn(["domain"]), 'domain: is required for target "onprem": the DNS name users open (every host maps it to the entry address)'],
  ["neither domain nor server_name", "aws-poc", (d) => { d.deleteIn(["domain"]); d.deleteIn(["server_name"]); }, "server_name: is required when there is no domain: the permanent Matrix server name (user IDs are @alice:<server_name>)"],
  ["bad domain", "aws-poc", (d) => d.setIn(["domain"], "chat_z3r0d3v"), 'domain: "chat_z3r0d3v" is not a valid domain (lower-case DNS name such as chat.example.com)'],
  ["bad server_name", "aws-poc", (d) => d.setIn(["server_name"], "Chat.Example"), 'server_name: "Chat.Example" is not a valid server_name (lower-case DNS name such as chat.example.com)'],
  ["unknown role", "onprem-small", (d) => { d.deleteIn(["onprem", "hosts", 0, "group"]); d.setIn(["onprem", "hosts", 0, "roles"], ["synapse", "postgres"]); }, 'onprem.hosts[0].roles[1]: "postgres" is not a role; roles are: etcd, patroni, pgbouncer, haproxy, keepalived, minio, coturn, redis, sentinel, livekit, monitoring, backup, synapse, poc'],
  ["unknown group", "onprem-small", (d) => d.setIn(["onprem", "hosts", 0, "group"], "app"), 'onprem.hosts[0].group: "app" is not a role group; groups are: database, load_balancer, object_store, turn, media, monitoring, backup, synapse, poc'],
  ["both roles and group", "onprem-small", (d) => d.setIn(["onprem", "hosts", 0, "roles"], ["synapse"]), "onprem.hosts[0]: has both roles and group; give one: roles lists roles, group (such as synapse) is the placement rule"],
  ["neither roles nor group", "onprem-small", (d) => d.deleteIn(["onprem", "hosts", 0, "group"]), "onprem.hosts[0].roles: is required (or a group such as database); a host must carry at least one role"],
  ["duplicate host name", "onprem-small", (d) => d.setIn(["onprem", "hosts", 2, "name"], "db1"), 'onprem.hosts[2].name: "db1" is already the name of onprem.hosts[1]; host names must be unique'],
  ["duplicate address", "onprem-small", (d) => d.setIn(["onprem", "hosts", 2, "address"], "10.10.2.11"), 'onprem.hosts[2].address: "10.10.2.11" is already the address of onprem.hosts[1]; each host needs its own address'],
  ["bad host name", "onprem-small", (d) => d.setIn(["onprem", "hosts", 0, "name"], "Synapse_1"), `onprem.hosts[0].name: "Synapse_1" is not a host name (lower-case letters, digits and '-', starting with a letter)`],
  ["even etcd count", "onprem-small", (d) => d.addIn(["onprem", "hosts"], { name: "db4", address: "10.10.2.14", group: "database" }), "onprem.hosts: etcd is on 4 hosts (db1, db2, db3, db4); it needs an odd number (3, 5, ...) for quorum: add or remove one"],
  ["too few etcd", "onprem-small", (d) => { d.setIn(["onprem", "hosts", 3, "group"], undefined); d.deleteIn(["onprem", "hosts", 3, "group"]); d.setIn(["onprem", "hosts", 3, "roles"], ["patroni", "pgbouncer"]); }, "onprem.hosts: etcd is on 2 host(s) (db1, db2); scale small needs at least 3: add hosts with this role"],
  ["too few object store nodes", "onprem-small", (d) => d.deleteIn(["onprem", "hosts", 9]), "onprem.hosts: minio is on 3 host(s) (obj1, obj2, obj3); scale small needs at least 4: add hosts with this role"],
  ["too few TURN nodes for large", "onprem-large", (d) => d.deleteIn(["onprem", "hosts", 12]), "onprem.hosts: coturn is on 2 host(s) (turn1, turn2); scale large needs at least 3: add hosts with this role"],
  ["pgbouncer away from patroni", "onprem-small", (d) => { d.deleteIn(["onprem", "hosts", 3, "group"]); d.setIn(["onprem", "hosts", 3, "roles"], ["etcd", "patroni"]); }, "onprem.hosts: pgbouncer is on db1, db2 but patroni is on db1, db2, db3; they must be on the same hosts (PgBouncer pools the connections of the PostgreSQL next to it): use group: database"],
  ["missing VIP", "onprem-small", (d) => d.deleteIn(["onprem", "vip"]), "onprem.vip: is required at scale small: a free address in the load balancers' subnet, held by Keepalived"],
  ["VIP is a host", "onprem-small", (d) => d.setIn(["onprem", "vip"], "10.10.3.11"), 'onprem.hosts[4].address: "10.10.3.11" is the VIP; the VIP must be a free address that Keepalived moves between the load balancers'],
  ["bad subnet", "onprem-small", (d) => d.setIn(["onprem", "client_subnets", 0], "10.10.0.0"), 'onprem.client_subnets[0]: "10.10.0.0" is not an IPv4 CIDR block (such as 10.0.0.0/16)'],
  ["no admin subnet", "onprem-small", (d) => d.setIn(["onprem", "admin_subnets"], []), "onprem.admin_subnets: [] needs at least one subnet"],
  ["reversed relay range", "onprem-small", (d) => d.setIn(["onprem", "turn_relay_ports"], [50000, 49000]), "onprem.turn_relay_ports: [50000,49000] is not a range; give [lowest, highest]"],
  ["relay port out of range", "onprem-small", (d) => d.setIn(["onprem", "turn_relay_ports"], [49152, 70000]), "onprem.turn_relay_ports[1]: 70000 is not a port number (1-65535)"],
  ["pool too small", "onprem-small", (d) => d.setIn(["onprem", "database"], { pool_size: 2 }), "onprem.database.pool_size: 2 must be at least 5 connections"],
  ["backup keeps no full backup", "onprem-small", (d) => d.setIn(["onprem", "backup"], { retention_full: 0 }), "onprem.backup.retention_full: 0 must keep at least 1 full backup"],
  ["media pull throttled to nothing", "onprem-small", (d) => d.setIn(["onprem", "backup"], { media_bandwidth_kbps: 10 }), "onprem.backup.media_bandwidth_kbps: 10 must be at least 100 KiB/s"],
  ["alert e-mail not an address", "onprem-small", (d) => d.setIn(["onprem", "alerts"], { email: "ops", smarthost: "mail.example.internal:25" }), 'onprem.alerts.email: "ops" is not an e-mail address'],
  ["registry mirror without its trailing slash", "onprem-small", (d) => d.setIn(["onprem", "playbook"], { registry_mirror: "registry.example.internal:5000" }), 'onprem.playbook.registry_mirror: "registry.example.internal:5000" is not a registry prefix: host[:port]/ with an optional path, ending in / (such as registry.example.internal:5000/)'],
  ["unknown Synapse install path", "onprem-small", (d) => d.setIn(["onprem", "synapse"], { install: "docker" }), 'onprem.synapse.install: "docker" is not an install path; use "playbook" (matrix-docker-ansible-deploy) or "native" (wheelhouse and systemd units)'],
  ["a worker type with no process", "onprem-small", (d) => d.setIn(["onprem", "synapse"], { install: "native", workers: { sync: 0 } }), "onprem.synapse.workers.sync: 0 must be at least 1: every worker type of the scale must run"],
  ["a worker type the model does not know", "onprem-small", (d) => d.setIn(["onprem", "synapse"], { workers: { generic: 2 } }), `onprem.synapse.workers: unknown field "generic"; check the spelling against the deployment file reference, help/deployment-file.md`],
  ["playbook run not a boolean", "onprem-small", (d) => d.setIn(["onprem", "playbook"], { run: "yes" }), 'onprem.playbook.run: "yes" is a string; expected boolean'],
  ["alert relay without a port", "onprem-small", (d) => d.setIn(["onprem", "alerts"], { email: "ops@example.org", smarthost: "mail.example.internal" }), 'onprem.alerts.smarthost: "mail.example.internal" is not host:port of an SMTP relay (such as mail.example.internal:25)'],
  ["bundle not a tarball", "onprem-small", (d) => d.setIn(["onprem", "bundle"], "bundle.zip"), 'onprem.bundle: "bundle.zip" is not a bundle file (npm run bundle writes matrix-bundle-<name>-<hash>.tar)'],
  ["unknown field", "onprem-small", (d) => d.setIn(["onprem", "hosts", 0, "rolez"], ["synapse"]), 'onprem.hosts[0]: unknown field "rolez"; check the spelling against the deployment file reference, help/deployment-file.md'],
  ["unknown target", "aws-poc", (d) => d.setIn(["target"], "gcp"), 'target: "gcp" is not a target; use "aws" or "onprem"'],
  ["unknown scale", "onprem-small", (d) => d.setIn(["scale"], "huge"), 'scale: "huge" is not a scale; use one of poc, small, medium, large'],
  ["HA scale on AWS", "aws-poc", (d) => d.setIn(["scale"], "small"), 'scale: "small" is not available on target "aws"; the AWS target is the single-instance proof of concept: use scale: poc'],
  ["aws section missing", "aws-poc", (d) => d.deleteIn(["aws"]), 'aws: is required when target is "aws" (region, ssh_cidr, alarm_email, monthly_budget_usd)'],
  ["onprem section on aws", "aws-poc", (d) => d.setIn(["onprem"], { client_subnets: ["10.0.0.0/8"], admin_subnets: ["10.0.0.0/8"], hosts: [{ name: "a", address: "10.0.0.1", group: "poc" }] }), 'onprem: is only for target "onprem"; remove it or set target: onprem'],
  ["onprem section missing", "onprem-small", (d) => d.deleteIn(["onprem"]), 'onprem: is required when target is "onprem" (client_subnets, admin_subnets, hosts)'],
  ["SSH open to the world", "aws-poc", (d) => d.setIn(["aws", "ssh_cidr"], "0.0.0.0/0"), 'aws.ssh_cidr: "0.0.0.0/0" opens SSH to the whole internet; use your own address range (such as 203.0.113.7/32) or set aws.allow_ssh_from_anywhere: true'],
  ["bad region", "aws-poc", (d) => d.setIn(["aws", "region"], "Frankfurt"), 'aws.region: "Frankfurt" is not an AWS region (such as eu-central-1)'],
  ["bad e-mail", "aws-poc", (d) => d.setIn(["aws", "alarm_email"], "ops-at-example"), 'aws.alarm_email: "ops-at-example" is not an e-mail address'],
  ["negative budget", "aws-poc", (d) => d.setIn(["aws", "monthly_budget_usd"], -5), "aws.monthly_budget_usd: -5 must be a positive amount in USD"],
  ["small root volume", "aws-poc", (d) => d.setIn(["aws", "root_volume_gb"], 8), "aws.root_volume_gb: 8 must be at least 30 (GB)"],
  ["instance too small", "aws-poc", (d) => d.setIn(["aws", "instance_type"], "t3.small"), 'aws.instance_type: "t3.small" has 2 GiB of memory; the stack needs at least 4 GiB: use t3.medium or larger (t3.large recommended)'],
  ["unknown or ARM instance type", "aws-poc", (d) => d.setIn(["aws", "instance_type"], "t4g.large"), 'aws.instance_type: "t4g.large" is not an x86_64 type this target knows; use a size of t3, t3a, m5, m5a, m6i, m6a, m7i, m7a, c5, c5a, c6i, c6a, c7i, c7a, r5, r5a, r6i, r6a, r7i, r7a (such as t3.large)'],
  ["ssm_only with ssh_cidr", "aws-poc", (d) => d.setIn(["aws", "ssm_only"], true), 'aws.ssh_cidr: "203.0.113.10/32" is set but aws.ssm_only closes SSH; remove one of them'],
  ["no ssh_cidr without ssm_only", "aws-poc", (d) => d.deleteIn(["aws", "ssh_cidr"]), "aws.ssh_cidr: is required (your address range for SSH, such as 203.0.113.7/32), or set aws.ssm_only: true"],
  ["ACME e-mail with plain HTTP", "aws-poc", (d) => { d.setIn(["aws", "https"], false); d.setIn(["aws", "acme_email"], "ops@z3r0d3v.com"); }, 'aws.acme_email: "ops@z3r0d3v.com" is set but aws.https is false (plain HTTP has no certificate); remove it or set https: true'],
  ["ACME directory over HTTP", "aws-poc", (d) => d.setIn(["aws", "acme_directory"], "http://acme.internal/directory"), 'aws.acme_directory: "http://acme.internal/directory" is not an https URL of an ACME directory'],
  ["bad ACME e-mail", "aws-poc", (d) => d.setIn(["aws", "acme_email"], "ops"), 'aws.acme_email: "ops" is not an e-mail address'],
  ["bad KMS key", "aws-poc", (d) => d.setIn(["aws", "kms_key_arn"], "alias/mine"), 'aws.kms_key_arn: "alias/mine" is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)'],
  ["bad log retention", "aws-poc", (d) => d.setIn(["aws", "log_retention_days"], 10), "aws.log_retention_days: 10 is not a CloudWatch Logs retention; use 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180 or 365"],
  ["bad instance type", "aws-poc", (d) => d.setIn(["aws", "instance_type"], "large"), 'aws.instance_type: "large" is not an EC2 instance type (such as t3.large)'],
  ["bad theme colour", "aws-poc", (d) => d.setIn(["branding", "theme_color"], "green"), 'branding.theme_color: "green" is not a colour like #0dbd8b'],
  ["bad backend", "aws-poc", (d) => d.setIn(["backend", "type"], "consul"), 'backend.type: "consul" is not a backend type; use "local", "cloud" (Terraform Cloud / HCP Terraform) or "s3"'],
  ["unknown state encryption key source", "aws-poc", (d) => d.setIn(["backend", "encryption"], { key: "vault" }), 'backend.encryption.key: "vault" is not a key source; use key: passphrase (TF_VAR_state_passphrase) or key: aws_kms'],
  ["state encryption with a bad KMS key", "aws-poc", (d) => d.setIn(["backend", "encryption"], { key: "aws_kms", kms_key_id: "nope", region: "eu-central-1" }), 'backend.encryption.kms_key_id: "nope" is not a KMS key (its ARN, id or alias/<name>)'],
  ["cloud backend without workspace", "aws-poc", (d) => d.setIn(["backend"], { type: "cloud", organization: "z3r0d3v" }), "backend.workspace: is required: the workspace's name (or give workspace_tags)"],
  ["cloud backend with name and tags", "aws-poc", (d) => d.setIn(["backend"], { type: "cloud", organization: "z3r0d3v", workspace: "chat", workspace_tags: ["matrix"] }), "backend.workspace_tags: [\"matrix\"] is set together with workspace; choose the workspace by name or by tags, not both"],
  ["s3 backend without region", "aws-poc", (d) => d.setIn(["backend"], { type: "s3", bucket: "z3r0d3v-state" }), "backend.region: is required (string)"],
  ["s3 backend with a bad bucket", "aws-poc", (d) => d.setIn(["backend"], { type: "s3", bucket: "Z3r0d3v_State", region: "eu-central-1" }), 'backend.bucket: "Z3r0d3v_State" is not an S3 bucket name'],
  ["bad deployment name", "aws-poc", (d) => d.setIn(["name"], "My POC"), `name: "My POC" is not a deployment name (3-40 lower-case letters, digits and '-')`],
  ["wrong type", "onprem-small", (d) => d.setIn(["federation"], "yes"), 'federation: "yes" is a string; expected boolean'],
  ["poc with two hosts", "onprem-poc", (d) => d.addIn(["onprem", "hosts"], { name: "matrix2", address: "10.10.1.11", group: "poc" }), "onprem.hosts: scale poc runs on exactly one host with group: poc; found 2 host(s) (matrix1: poc; matrix2: poc); use scale small or larger for the HA cluster"],
  ["poc role in HA", "onprem-small", (d) => d.setIn(["onprem", "hosts", 0, "group"], "poc"), "onprem.hosts[0]: carries poc, the all-in-one stack of scale poc; at scale small use the HA roles or groups"],
];

describe("deployment file mistakes get one clear line each", () => {
  test.each(CASES)("%s", (_title, example, edit, expected) => {
    const problems = problemsOf(editedExample(example, edit));
    expect(problems).toContain(expected);
  });

  test("a single mistake gives exactly one line", () => {
    expect(problemsOf(editedExample("onprem-small", (d) => d.setIn(["onprem", "hosts", 3, "address"], "10.0.0.300")))).toHaveLength(1);
  });

  test("YAML syntax errors name the line", () => {
    expect(problemsOf("name: a\n  domain: [b")[0]).toMatch(/^line \d+, column \d+: not valid YAML: /);
  });

  test("duplicate keys are refused, not silently overwritten", () => {
    expect(problemsOf("name: abc\nname: abd\n")[0]).toMatch(/not valid YAML: Map keys must be unique/);
  });

  test("a file that is not a mapping", () => {
    expect(problemsOf("- a\n- b\n")).toEqual(["(top level): the file must be a YAML mapping of fields (name, domain, target, scale, ...)"]);
  });
});

describe("main.ts refuses a broken deployment before synthesizing", () => {
  const dir = mkdtempSync(join(tmpdir(), "deploy-"));
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", TSX_LOADER, join(ROOT, "main.ts"), ...args], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, CDKTF_OUTDIR: join(dir, "out") },
    });

  test("exit code 2, one line on stderr, no stack trace, nothing written", () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, editedExample("onprem-small", (d) => d.setIn(["onprem", "hosts", 3, "address"], "10.0.0.300")));
    const result = run(file);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toEqual([`error: ${file}: onprem.hosts[3].address: "10.0.0.300" is not an IPv4 address`]);
    expect(result.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    expect(spawnSync("ls", [join(dir, "out")]).status).not.toBe(0);
  });

  test("a missing file is a clear error too", () => {
    const result = run(join(dir, "nope.yaml"));
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(`error: ${join(dir, "nope.yaml")}: cannot read the file (ENOENT)`);
  });

  test("an on-prem host without a pinned SSH host key is refused in one line, naming the command that pins them", () => {
    const file = join(dir, "poc.yaml");
    writeFileSync(file, exampleText("onprem-poc"));
    const result = run(file);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(
      `error: ${file}: onprem.known_hosts: no SSH host key pinned for matrix1 (10.10.1.10) in ${join(dir, "z3r0d3v-onprem-poc.known_hosts")}; run \`npm run host-keys -- ${file}\` and compare the fingerprints it prints with each host's own (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on its console), or set onprem.ssh.insecure_skip_host_key_check: true`,
    );
    expect(spawnSync("ls", [join(dir, "out")]).status).not.toBe(0);
  });

  test("a known_hosts line that cannot be matched to a host is refused with its line number", () => {
    const sub = mkdtempSync(join(dir, "hashed-"));
    const file = join(sub, "poc.yaml");
    writeFileSync(file, exampleText("onprem-poc"));
    writeFileSync(join(sub, "z3r0d3v-onprem-poc.known_hosts"), "# pinned\n|1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0VE8wmZL7suNrYQLITLCg= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJqR\n");
    const result = run(file);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(`error: ${file}: ${join(sub, "z3r0d3v-onprem-poc.known_hosts")}, line 2: hashed host names cannot be matched to the inventory; write plain entries (npm run host-keys writes them)`);
  });

  test("an on-prem deployment whose PKI folder is missing is refused, naming the command that makes it", () => {
    const file = join(dir, "small.yaml");
    writeFileSync(file, exampleText("onprem-small"));
    copyFileSync(join(ROOT, "examples", "z3r0d3v-small.known_hosts"), join(dir, "z3r0d3v-small.known_hosts"));
    const result = run(file);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(
      `error: ${file}: onprem.pki: ${join(dir, "z3r0d3v-small.pki", "ca.crt")} does not exist; create the cluster's PKI with \`npm run pki -- ${file}\` (or put your own CA's ca.crt there, with ca.key to let it issue)`,
    );
    expect(spawnSync("ls", [join(dir, "out")]).status).not.toBe(0);
  });

  test("two deployments with one name are refused", () => {
    const a = join(dir, "a.yaml");
    const b = join(dir, "b.yaml");
    const text = editedExample("aws-poc", () => undefined);
    writeFileSync(a, text);
    writeFileSync(b, text);
    const result = run(a, b);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(`error: ${b}: name: "z3r0d3v-poc" is already the name of ${a}; each deployment needs its own name (it names the stack and its state)`);
  });
});
