// The cluster PKI (constructs/pki, `npm run pki`): the internal CA and host certificates as
// openssl sees them, idempotent renewal, an operator's own CA, and the synth-time refusal
// of a folder that cannot serve the deployment.
import { copyFileSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DeploymentError } from "../constructs/deployment/errors";
import type { OnPremDeployment } from "../constructs/deployment/model";
import { buildTopology } from "../constructs/topology/resolve";
import { issuePki } from "../constructs/pki/issue";
import { planCluster } from "../constructs/plan";
import { pkiPaths } from "../constructs/pki/layout";
import { verifyPki } from "../constructs/pki/verify";
import { loadExample } from "./helpers/examples";
import { run, tempDir } from "./helpers/programs";

const tmp = tempDir("pki");
afterAll(() => tmp.remove());

const example = loadExample("onprem-small") as OnPremDeployment;
function clusterIn(dir: string, edit: (d: OnPremDeployment) => OnPremDeployment = (d) => d) {
  const deployment = edit({ ...example, onprem: { ...example.onprem, pki: dir } });
  return [deployment, planCluster(buildTopology(deployment)).pki] as const;
}
const openssl = (...args: string[]) => run("openssl", args);
const errorOf = (work: () => unknown): string => {
  try {
    work();
  } catch (e) {
    if (e instanceof DeploymentError) return e.message;
    throw e;
  }
  throw new Error("no DeploymentError");
};

describe("a new cluster", () => {
  const dir = join(tmp.dir, "new");
  const report = issuePki(...clusterIn(dir));
  const paths = (host: string) => pkiPaths(dir, host);

  test("gets a CA and a certificate for exactly the hosts that serve TLS", () => {
    expect(report.caCreated).toBe(true);
    expect(report.issued.map((i) => i.host)).toEqual(["db1", "db2", "db3", "lb1", "lb2", "turn1", "turn2", "mon1", "backup1"]);
    expect(openssl("x509", "-in", paths("").caCertificate, "-noout", "-ext", "basicConstraints").stdout).toContain("CA:TRUE");
  });

  test("each certificate verifies against the CA and names the host, loopback and, on the load balancers, the domain, Element's name and VIP", () => {
    for (const host of ["db2", "lb1"]) {
      expect(openssl("verify", "-CAfile", paths("").caCertificate, paths(host).hostCertificate).stdout.trim()).toBe(`${paths(host).hostCertificate}: OK`);
    }
    const san = (host: string) => openssl("x509", "-in", paths(host).hostCertificate, "-noout", "-ext", "subjectAltName").stdout.split("\n")[1].trim();
    expect(san("db2")).toBe("DNS:db2, DNS:localhost, IP Address:10.10.2.12, IP Address:127.0.0.1");
    expect(san("lb1")).toBe("DNS:lb1, DNS:localhost, DNS:chat.z3r0d3v.com, DNS:element.chat.z3r0d3v.com, IP Address:10.10.3.11, IP Address:127.0.0.1, IP Address:10.10.3.100");
  });

  test("private keys are readable by their owner only", () => {
    for (const file of [paths("").caKey, paths("db1").hostKey, paths("lb2").hostKey]) expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  test("a second run keeps everything", () => {
    const before = readFileSync(paths("db1").hostCertificate, "utf8");
    const again = issuePki(...clusterIn(dir));
    expect(again).toMatchObject({ caCreated: false, issued: [], kept: ["db1", "db2", "db3", "lb1", "lb2", "turn1", "turn2", "mon1", "backup1"] });
    expect(readFileSync(paths("db1").hostCertificate, "utf8")).toBe(before);
    expect(() => verifyPki(...clusterIn(dir))).not.toThrow();
  });

  test("a host with a new address gets a new certificate; the others are kept", () => {
    const moved = (d: OnPremDeployment) => ({ ...d, onprem: { ...d.onprem, hosts: d.onprem.hosts.map((h) => (h.name === "db3" ? { ...h, address: "10.10.2.33" } : h)) } });
    expect(errorOf(() => verifyPki(...clusterIn(dir, moved)))).toContain(`${paths("db3").hostCertificate} does not name 10.10.2.33`);
    const again = issuePki(...clusterIn(dir, moved));
    expect(again.issued).toEqual([{ host: "db3", reason: `${paths("db3").hostCertificate} does not name 10.10.2.33` }]);
    expect(() => verifyPki(...clusterIn(dir, moved))).not.toThrow();
  });
});

describe("a folder that cannot serve the deployment is refused at synth", () => {
  test("a certificate from another CA, or a key that is not its own", () => {
    const a = join(tmp.dir, "a");
    const b = join(tmp.dir, "b");
    issuePki(...clusterIn(a));
    issuePki(...clusterIn(b));
    copyFileSync(pkiPaths(b, "db1").hostCertificate, pkiPaths(a, "db1").hostCertificate);
    copyFileSync(pkiPaths(a, "db3").hostKey, pkiPaths(a, "db2").hostKey);
    expect(errorOf(() => verifyPki(...clusterIn(a))).split("\n")).toEqual([
      `onprem.pki: ${pkiPaths(a, "db1").hostCertificate} is not signed by ${pkiPaths(a, "").caCertificate}; re-issue with \`npm run pki -- ${example.source}\``,
      `onprem.pki: ${pkiPaths(a, "db1").hostKey} is not the key of ${pkiPaths(a, "db1").hostCertificate}; re-issue with \`npm run pki -- ${example.source}\``,
      `onprem.pki: ${pkiPaths(a, "db2").hostKey} is not the key of ${pkiPaths(a, "db2").hostCertificate}; re-issue with \`npm run pki -- ${example.source}\``,
    ].map((l) => `${example.source}: ${l}`));
    // Re-issuing mends both.
    expect(issuePki(...clusterIn(a)).issued.map((i) => i.host)).toEqual(["db1", "db2"]);
    expect(() => verifyPki(...clusterIn(a))).not.toThrow();
  });

  test("a certificate that is not PEM", () => {
    const dir = join(tmp.dir, "garbled");
    issuePki(...clusterIn(dir));
    writeFileSync(pkiPaths(dir, "lb2").hostCertificate, "not a certificate\n");
    expect(errorOf(() => verifyPki(...clusterIn(dir)))).toContain(`onprem.pki: ${pkiPaths(dir, "lb2").hostCertificate} is not a PEM certificate`);
  });

  test("a deployment without TLS roles (onprem poc) needs no PKI at all", () => {
    const poc = loadExample("onprem-poc") as OnPremDeployment;
    const deployment = { ...poc, onprem: { ...poc.onprem, pki: join(tmp.dir, "none") } };
    const needs = planCluster(buildTopology(deployment)).pki;
    expect(() => verifyPki(deployment, needs)).not.toThrow();
    expect(issuePki(deployment, needs)).toMatchObject({ caCreated: false, issued: [] });
    expect(run("ls", [join(tmp.dir, "none")]).status).not.toBe(0);
  });
});

describe("an operator's own CA", () => {
  const dir = join(tmp.dir, "operator");
  const ownCa = join(tmp.dir, "own-ca");

  beforeAll(() => {
    run("mkdir", ["-p", dir, ownCa]);
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(ownCa, "ca.key"), "-out", join(ownCa, "ca.crt"), "-subj", "/CN=Corp Root", "-days", "30", "-addext", "basicConstraints=critical,CA:TRUE");
  });

  test("without its key here, nothing is issued and each missing certificate is named with the names it must carry", () => {
    copyFileSync(join(ownCa, "ca.crt"), pkiPaths(dir, "").caCertificate);
    const message = errorOf(() => issuePki(...clusterIn(dir)));
    expect(message.split("\n")).toHaveLength(9);
    expect(message).toContain(
      `onprem.pki: ${pkiPaths(dir, "lb2").hostCertificate} does not exist; there is no ca.key to issue it, so issue it from your CA (subjectAltName DNS:lb2,DNS:localhost,DNS:chat.z3r0d3v.com,DNS:element.chat.z3r0d3v.com,IP:10.10.3.12,IP:127.0.0.1,IP:10.10.3.100, serverAuth and clientAuth)`,
    );
    expect(run("ls", [join(dir, "hosts")]).stdout).toBe("");
  });

  test("with its key, it issues from the operator's CA", () => {
    copyFileSync(join(ownCa, "ca.key"), pkiPaths(dir, "").caKey);
    expect(issuePki(...clusterIn(dir))).toMatchObject({ caCreated: false });
    expect(openssl("verify", "-CAfile", join(ownCa, "ca.crt"), pkiPaths(dir, "db1").hostCertificate).status).toBe(0);
    rmSync(pkiPaths(dir, "").caKey);
    expect(() => verifyPki(...clusterIn(dir))).not.toThrow();
  });
});
