// The runbooks (`npm run docs`): the examples' copies in help/ are what the model generates;
// a deployment unlike every example gets runbooks naming only its own values; the topology
// diagram is drawn by Graphviz and rasterized by librsvg, so a diagram that does not draw fails.
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadDeploymentFile } from "../constructs/deployment/load";
import type { OnPremDeployment } from "../constructs/deployment/model";
import { DIAGRAM_SVG } from "../constructs/docs/runbooks";
import { runnableBlocks } from "../constructs/docs/runbooks/markdown";
import { planCluster } from "../constructs/plan";
import { buildTopology } from "../constructs/topology/resolve";
import { RUNBOOK_EXAMPLES, runbooksOf } from "../scripts/docs";
import { editedExample, examplePath, EXAMPLES, loadExample, ROOT, runProjectScript } from "./helpers/examples";
import { run, tempDir } from "./helpers/programs";

const tmp = tempDir("runbooks");
const RUNBOOKS = ["README.md", "01-architecture.md", "02-infrastructure.md", "03-configuration.md", "04-deployment.md", "05-operations.md", "06-backup-restore.md"];
afterAll(() => tmp.remove());

/** Every value of a deployment an operator chose: names, addresses, domains, subnets. */
function chosenValues(file: string): string[] {
  const d = loadDeploymentFile(file);
  const values = [d.name, d.domain ?? "", d.serverName];
  if (d.target === "onprem") {
    const o = (d as OnPremDeployment).onprem;
    values.push(o.vip ?? "", ...o.clientSubnets, ...o.adminSubnets, ...o.hosts.flatMap((h) => [h.name, h.address]));
  }
  return [...new Set(values.filter(Boolean))];
}

/** A small-scale deployment sharing no name, address, domain or subnet with any example. */
function unlikeEveryExample(): string {
  const hosts = [
    ["matrix-a", "synapse"], ["pg-a", "database"], ["pg-b", "database"], ["pg-c", "database"], ["edge-a", "load_balancer"], ["edge-b", "load_balancer"],
    ["s3-a", "object_store"], ["s3-b", "object_store"], ["s3-c", "object_store"], ["s3-d", "object_store"], ["relay-a", "turn"], ["relay-b", "turn"],
    ["call-a", "media"], ["call-b", "media"], ["watch-a", "monitoring"], ["vault-a", "backup"],
  ].map(([name, group], i) => ({ name, address: `172.20.${30 + i}.7`, group }));
  const yaml = editedExample("onprem-small", (doc) => {
    doc.set("name", "acme-prod");
    doc.set("domain", "talk.acme.example");
    doc.set("server_name", "acme.example");
    doc.setIn(["onprem", "vip"], "172.20.9.99");
    doc.setIn(["onprem", "client_subnets"], ["172.21.0.0/16"]);
    doc.setIn(["onprem", "admin_subnets"], ["172.22.5.0/24"]);
    doc.setIn(["onprem", "known_hosts"], "acme.known_hosts");
    doc.setIn(["onprem", "hosts"], doc.createNode(hosts));
  });
  const file = join(tmp.dir, "acme-prod.yaml");
  writeFileSync(file, yaml);
  writeFileSync(join(tmp.dir, "acme.known_hosts"), "");
  return file;
}

/** A generated file's text; Graphviz writes some characters of the SVG's labels as numeric entities (a dash as &#45;). */
const readText = (file: string) => readFileSync(file, "utf8").replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));

describe("the examples' runbooks in help/runbooks", () => {
  test.each(RUNBOOK_EXAMPLES)("%s: current (run `npm run docs` after changing the model or the example)", (example) => {
    const path = `examples/${example}.yaml`;
    for (const f of runbooksOf(join(ROOT, path), path)) expect(`${f.name}:\n${readFileSync(join(ROOT, "help", "runbooks", example, f.name), "utf8")}`).toBe(`${f.name}:\n${f.content}`);
    const deployment = loadExample(example);
    if (deployment.target === "onprem") {
      const svg = readText(join(ROOT, "help", "runbooks", example, DIAGRAM_SVG));
      for (const h of buildTopology(deployment).hosts) expect(svg).toContain(`>${h.name}</text>`);
    }
  });
});

describe("npm run docs -- <deployment> --out <dir>", () => {
  const out = join(tmp.dir, "acme-runbooks");
  let written: ReturnType<typeof runProjectScript>;
  beforeAll(() => {
    written = runProjectScript("docs.ts", [unlikeEveryExample(), "--out", out], tmp.dir);
  });

  test("writes the runbooks, the diagram's source and its SVG", () => {
    expect(written.stderr).toBe("");
    expect(written.status).toBe(0);
    for (const f of [...RUNBOOKS, "topology.dot", DIAGRAM_SVG]) expect(existsSync(join(out, f))).toBe(true);
    const architecture = readFileSync(join(out, "01-architecture.md"), "utf8");
    expect(architecture).toContain("| pg-b | 172.20.32.7 | database | etcd, patroni, pgbouncer | 8 vCPU, 32 GiB, 500 GB data disk |");
    expect(architecture).toContain("Users' DNS must resolve `talk.acme.example` and `element.talk.acme.example` to `172.20.9.99`. The server name `acme.example` must serve `/.well-known/matrix/`");
    expect(architecture).toContain("172.20.9.99\ttalk.acme.example element.talk.acme.example");
  });

  test("mention none of the examples' names, addresses, domains or subnets", () => {
    const examples = EXAMPLES.flatMap((e) => chosenValues(examplePath(e)));
    const text = [...RUNBOOKS, "topology.dot", DIAGRAM_SVG].map((f) => readText(join(out, f))).join("\n");
    const boundary = (v: string) => new RegExp(`(^|[^\\w.-])${v.replaceAll(".", "\\.")}($|[^\\w-]|\\.(?!\\d))`);
    expect(examples.filter((v) => boundary(v).test(text))).toEqual([]);
    // and the deployment's own values are there
    expect(chosenValues(join(tmp.dir, "acme-prod.yaml")).filter((v) => !boundary(v).test(text))).toEqual([]);
  });

  const runbook = (name: string) => readFileSync(join(out, name), "utf8");

  test("the configuration guide shows the fields as written, what must be supplied, and the Synapse host's files as installed", () => {
    const guide = runbook("03-configuration.md");
    expect(guide).toContain('| `onprem.vip` | `"172.20.9.99"` | optional |');
    expect(guide).toContain('| `name` | `"acme-prod"` | **must supply** |');
    expect(guide).toContain('| `onprem.client_subnets` | `["172.21.0.0/16"]` | **must supply** |');
    expect(guide).toContain("| `onprem.ssh.bastion.host` | - | required with `onprem.ssh.bastion` |");
    // Only what applies to this file: no AWS field, no other state backend's.
    expect(guide).not.toMatch(/`aws\.|backend \(type: (s3|cloud)\)/);
    const plan = planCluster(buildTopology(loadDeploymentFile(join(tmp.dir, "acme-prod.yaml"))));
    const synapse = plan.hosts.find((h) => h.host.name === "matrix-a")!.units.find((u) => u.name === "synapse")!;
    for (const f of synapse.files) expect(guide).toContain(`### ${f.path}\n\n\`\`\`\n${f.content.trimEnd()}\n\`\`\``);
    expect(guide).toMatch(/A value written `@@secret:<name>@@` is a secret that OpenTofu generates .*Here: `mdad_generic_secret`/);
  });

  test("the deployment procedure's commands name this file, its plan folder and its first login", () => {
    const file = join(tmp.dir, "acme-prod.yaml");
    const steps = runbook("04-deployment.md");
    for (const command of ["pki", "host-keys", "plan"]) expect(steps).toContain(`\`npm run ${command} -- ${file}\``);
    expect(steps).toContain(`\`npm run apply -- ${join(tmp.dir, "acme-prod.plan")}\``);
    expect(steps).toContain("log in at https://element.talk.acme.example/ as `@admin:acme.example`");
  });

  test("operations: each database and load balancer host rolled on its own, the switchover runnable", () => {
    const ops = runbook("05-operations.md");
    expect(ops).toContain("tofu apply -target=terraform_data.pg_b_bundle -target=terraform_data.pg_b_base -target=terraform_data.pg_b_etcd -target=terraform_data.pg_b_patroni -target=terraform_data.pg_b_pgbouncer\n");
    expect(ops).toContain("tofu apply -target=terraform_data.edge_a_bundle -target=terraform_data.edge_a_base -target=terraform_data.edge_a_haproxy -target=terraform_data.edge_a_keepalived\n");
    expect(runnableBlocks(ops).get("switchover")?.commands).toBe("patronictl -c /etc/patroni/config.yml switchover --force\npatronictl -c /etc/patroni/config.yml list\n");
  });

  test("backup and restore: this deployment's stanza and hosts, in the order a restore needs", () => {
    const restore = runbook("06-backup-restore.md");
    expect(restore).toContain("## What vault-a (172.20.45.7) keeps");
    expect(restore).toContain("`pgbackrest --stanza=acme-prod info` (as postgres on vault-a)");
    const blocks = runnableBlocks(restore);
    // In the order a restore needs, each where it must run.
    expect([...blocks].map(([id, b]) => `${id} on ${b.on === "operator" ? "operator" : b.on.join(",")}`)).toEqual([
      "restore-stop-synapse on matrix-a",
      "restore-stop-database on pg-a,pg-b,pg-c",
      "restore-forget-cluster on pg-a",
      "restore-database on pg-a",
      "restore-replicas on pg-b,pg-c",
      "restore-one-time-keys on pg-a",
      "restore-media on operator",
      // Onto new hosts: their keys, the signing key before Synapse's unit, then the restore above.
      "restore-new-host-keys on operator",
      "restore-new-synapse-config on operator",
      "restore-new-stop-database on pg-a,pg-b,pg-c",
    ]);
    // Installed by the playbook, Synapse starts again by its unit's re-run.
    expect(restore).toContain("8. Start Synapse on matrix-a, by running its unit (the playbook) again: `tofu apply -replace=terraform_data.matrix_a_synapse`");
    expect(blocks.get("restore-stop-database")!.commands).toContain("pgbackrest --stanza=acme-prod check");
    expect(blocks.get("restore-forget-cluster")!.commands).toContain("patronictl -c /etc/patroni/config.yml remove acme-prod");
    expect(blocks.get("restore-database")!.commands).toMatch(/^runuser -u postgres -- pgbackrest --stanza=acme-prod --delta .*restore\n/);
    expect(blocks.get("restore-one-time-keys")!.commands).toContain("TRUNCATE e2e_one_time_keys_json;");
    expect(blocks.get("restore-media")!.commands).toMatch(/^ssh vault-a sudo tar .* \| ssh matrix-a /);
    expect(blocks.get("restore-new-host-keys")!.commands).toMatch(/^npm run host-keys -- \S+\.yaml --replaced pg-a,pg-b,pg-c,matrix-a\n$/);
    expect(restore).toMatch(/npm run plan -- \S+\.yaml --replace pg-a,pg-b,pg-c,matrix-a\n +npm run apply -- \S*acme-prod\.plan\n/);
    // A paused Patroni would leave PostgreSQL running under the restore.
    expect(restore).not.toContain("pause");
  });

  test("every shell block of every runbook passes shellcheck", () => {
    const blocks = RUNBOOKS.flatMap((f) => [...runbook(f).matchAll(/^( *)```sh[^\n]*\n([\s\S]*?)^\1```$/gm)].map((m) => `# ${f}\n${m[2]}`));
    expect(blocks.length).toBeGreaterThan(15);
    for (const block of blocks) {
      const r = run("shellcheck", ["--shell=bash", "-"], { input: block });
      expect(`${block}${r.output}`).toBe(block);
    }
  });

  test("the diagram is valid SVG naming every host, and librsvg draws it", () => {
    const svg = readText(join(out, DIAGRAM_SVG));
    for (const h of ["matrix-a", "pg-a", "edge-b", "s3-d", "relay-a", "call-b", "watch-a", "vault-a"]) expect(svg).toContain(`>${h}</text>`);
    expect(svg).toContain(">VIP 172.20.9.99</text>");
    const png = join(tmp.dir, "topology.png");
    const drawn = run("rsvg-convert", ["--width", "1600", "--output", png, join(out, DIAGRAM_SVG)]);
    expect(drawn.output).toBe("");
    expect(drawn.status).toBe(0);
    const header = readFileSync(png);
    expect(header.subarray(1, 4).toString()).toBe("PNG");
    expect(header.readUInt32BE(16)).toBe(1600);
    // A blank 1600-pixel-wide canvas compresses to a few kilobytes; the drawing's boxes and labels do not.
    expect(statSync(png).size).toBeGreaterThan(100_000);
  });

  test("an AWS deployment gets its shorter set, with its own region, access, backups, cost and budget", () => {
    const file = join(tmp.dir, "acme-trial.yaml");
    writeFileSync(
      file,
      editedExample("aws-poc", (doc) => {
        doc.set("name", "acme-trial");
        doc.set("domain", "try.acme.example");
        doc.set("server_name", "acme.example");
        doc.setIn(["aws", "region"], "us-east-1");
        doc.setIn(["aws", "instance_type"], "t3.xlarge");
        doc.setIn(["aws", "alarm_email"], "noc@acme.example");
        doc.setIn(["aws", "monthly_budget_usd"], 60);
        doc.deleteIn(["aws", "ssh_cidr"]);
        doc.setIn(["aws", "ssm_only"], true);
      }),
    );
    const awsOut = join(tmp.dir, "aws-runbooks");
    const r = runProjectScript("docs.ts", [file, "--out", awsOut], tmp.dir);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    const names = ["README.md", "01-deployment.md", "02-access.md", "03-backup-restore.md", "04-cost.md", "05-teardown.md"];
    for (const f of names) expect(existsSync(join(awsOut, f))).toBe(true);
    const read = (f: string) => readFileSync(join(awsOut, f), "utf8");
    expect(read("01-deployment.md")).toContain(`\`npm run apply -- ${join(tmp.dir, "acme-trial.plan")}\` applies exactly the approved plan. AWS then e-mails noc@acme.example`);
    expect(read("02-access.md")).toContain("- **The site**: https://try.acme.example/. Point the A record of `try.acme.example` at `tofu output -raw public_ip` first.");
    expect(read("02-access.md")).toContain("- **A shell on the server**: SSH is closed (`ssm_only`): `tofu output -raw ssm_command` through Session Manager.");
    expect(read("03-backup-restore.md")).toContain("(`acme-trial-backup-…`");
    const cost = read("04-cost.md");
    expect(cost).toContain("List prices of us-east-1");
    expect(cost).toMatch(/\| EC2 instance t3\.xlarge \| [\d.]+ USD \|/);
    // 60 USD cannot cover a t3.xlarge: the budget's warning says so.
    expect(cost).toMatch(/the monthly budget \(60\.00 USD\) is below this estimate/);
    const text = names.map(read).join("\n");
    for (const value of ["z3r0d3v", "eu-central-1", "t3.large", "203.0.113.10", "ops@"]) expect(text).not.toContain(value);
  });

  test("without --out, the usage", () => {
    const r = runProjectScript("docs.ts", [examplePath("onprem-small")], tmp.dir);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("usage: npm run docs [-- <deployment.yaml> --out <dir>]");
  });
});
