// The runbooks (`npm run docs`): the examples' copies in help/ are what the model generates;
// a deployment unlike every example gets runbooks naming only its own values; the topology
// diagram is drawn by Graphviz and rasterized by librsvg, so a diagram that does not draw fails.
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadDeploymentFile } from "../constructs/deployment/load";
import type { OnPremDeployment } from "../constructs/deployment/model";
import { DIAGRAM_SVG, runbookFiles } from "../constructs/docs/runbooks";
import { planCluster } from "../constructs/plan";
import { buildTopology } from "../constructs/topology/resolve";
import { RUNBOOK_EXAMPLES } from "../scripts/docs";
import { editedExample, examplePath, EXAMPLES, loadExample, ROOT, runProjectScript } from "./helpers/examples";
import { run, tempDir } from "./helpers/programs";

const tmp = tempDir("runbooks");
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
    const plan = planCluster(buildTopology(loadExample(example)));
    for (const f of runbookFiles(plan)) expect(`${f.name}:\n${readFileSync(join(ROOT, "help", "runbooks", example, f.name), "utf8")}`).toBe(`${f.name}:\n${f.content}`);
    const svg = readText(join(ROOT, "help", "runbooks", example, DIAGRAM_SVG));
    for (const h of plan.topology.hosts) expect(svg).toContain(`>${h.name}</text>`);
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
    for (const f of ["README.md", "01-architecture.md", "02-infrastructure.md", "topology.dot", DIAGRAM_SVG]) expect(existsSync(join(out, f))).toBe(true);
    const architecture = readFileSync(join(out, "01-architecture.md"), "utf8");
    expect(architecture).toContain("| pg-b | 172.20.32.7 | database | etcd, patroni, pgbouncer | 8 vCPU, 32 GiB, 500 GB data disk |");
    expect(architecture).toContain("Users' DNS must resolve `talk.acme.example` and `element.talk.acme.example` to `172.20.9.99`. The server name `acme.example` must serve `/.well-known/matrix/`");
    expect(architecture).toContain("172.20.9.99\ttalk.acme.example element.talk.acme.example");
  });

  test("mention none of the examples' names, addresses, domains or subnets", () => {
    const examples = EXAMPLES.flatMap((e) => chosenValues(examplePath(e)));
    const text = ["README.md", "01-architecture.md", "02-infrastructure.md", "topology.dot", DIAGRAM_SVG].map((f) => readText(join(out, f))).join("\n");
    const boundary = (v: string) => new RegExp(`(^|[^\\w.-])${v.replaceAll(".", "\\.")}($|[^\\w-]|\\.(?!\\d))`);
    expect(examples.filter((v) => boundary(v).test(text))).toEqual([]);
    // and the deployment's own values are there
    expect(chosenValues(join(tmp.dir, "acme-prod.yaml")).filter((v) => !boundary(v).test(text))).toEqual([]);
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

  test("an AWS deployment is refused with what to read instead, and nothing is written", () => {
    const awsOut = join(tmp.dir, "aws-runbooks");
    const r = runProjectScript("docs.ts", [examplePath("aws-poc"), "--out", awsOut], tmp.dir);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^error: .*aws-poc\.yaml: target: aws: runbooks are generated for on-prem deployments only so far; the AWS proof of concept is documented in help\/aws\.md$/);
    expect(existsSync(awsOut)).toBe(false);
  });

  test("without --out, the usage", () => {
    const r = runProjectScript("docs.ts", [examplePath("onprem-small")], tmp.dir);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("usage: npm run docs [-- <deployment.yaml> --out <dir>]");
  });
});
