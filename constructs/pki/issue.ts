import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { OnPremDeployment } from "../deployment/model";
import { DeploymentError } from "../deployment/errors";
import { certificateProblems, readCa, RENEW_BEFORE_DAYS } from "./check";
import { pkiPaths } from "./layout";
import { subjectAltNames, type CertificateRequirement, type PkiNeeds } from "./requirements";

export const CA_DAYS = 3650;
export const HOST_DAYS = 730;

export interface PkiReport {
  readonly dir: string;
  readonly caCreated: boolean;
  /** Hosts whose certificate was (re-)issued, with the reason. */
  readonly issued: readonly { host: string; reason: string }[];
  readonly kept: readonly string[];
}

function openssl(args: readonly string[]): void {
  const r = spawnSync("openssl", args, { encoding: "utf8" });
  if (r.error) throw new DeploymentError([`onprem.pki: cannot run openssl (${r.error.message}); install it (Debian: apt install openssl)`]);
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
}

/** Writes into a private temporary folder, then moves the results in place together. */
function staged(dir: string, build: (tmp: string) => ReadonlyArray<[string, string]>): void {
  const tmp = mkdtempSync(join(dir, ".issue-"));
  try {
    for (const [from, to] of build(tmp)) renameSync(from, to);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const EC_KEY = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
/** Our own openssl config, so the result does not depend on the machine's openssl.cnf. */
const REQ_CONFIG = "[req]\ndistinguished_name = dn\n[dn]\n";

function createCa(dir: string, name: string): void {
  const paths = pkiPaths(dir, "");
  staged(dir, (tmp) => {
    openssl(["genpkey", ...EC_KEY, "-out", join(tmp, "ca.key")]);
    chmodSync(join(tmp, "ca.key"), 0o600);
    writeFileSync(join(tmp, "ext.cnf"), REQ_CONFIG + "[ca]\nbasicConstraints = critical, CA:TRUE, pathlen:0\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\n");
    openssl(["req", "-new", "-x509", "-key", join(tmp, "ca.key"), "-subj", `/CN=${name} internal CA`, "-days", String(CA_DAYS), "-sha256", "-config", join(tmp, "ext.cnf"), "-extensions", "ca", "-out", join(tmp, "ca.crt")]);
    return [[join(tmp, "ca.key"), paths.caKey], [join(tmp, "ca.crt"), paths.caCertificate]];
  });
}

function issueHost(dir: string, req: CertificateRequirement): void {
  const paths = pkiPaths(dir, req.host);
  const san = subjectAltNames(req).join(", ");
  staged(dir, (tmp) => {
    openssl(["genpkey", ...EC_KEY, "-out", join(tmp, "host.key")]);
    chmodSync(join(tmp, "host.key"), 0o600);
    // Server and client: etcd peers and Patroni authenticate to etcd with the same pair.
    writeFileSync(join(tmp, "ext.cnf"), `${REQ_CONFIG}[host]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth, clientAuth\nsubjectAltName = ${san}\n`);
    openssl(["req", "-new", "-key", join(tmp, "host.key"), "-subj", `/CN=${req.host}`, "-config", join(tmp, "ext.cnf"), "-out", join(tmp, "host.csr")]);
    openssl([
      "x509", "-req", "-in", join(tmp, "host.csr"), "-CA", paths.caCertificate, "-CAkey", paths.caKey,
      "-set_serial", `0x${randomBytes(16).toString("hex").replace(/^[89a-f]/, "1")}`,
      "-days", String(HOST_DAYS), "-sha256", "-extfile", join(tmp, "ext.cnf"), "-extensions", "host", "-out", join(tmp, "host.crt"),
    ]);
    return [[join(tmp, "host.key"), paths.hostKey], [join(tmp, "host.crt"), paths.hostCertificate]];
  });
}

/**
 * Brings the deployment's PKI folder up to date: creates the internal CA when there is
 * none, and issues a certificate for each host whose certificate is missing, lacks a name,
 * is not from the CA or expires within RENEW_BEFORE_DAYS. Good certificates are kept, so
 * running it again changes nothing. With an operator's CA and no ca.key, it only reports.
 */
export function issuePki(d: OnPremDeployment, needs: PkiNeeds): PkiReport {
  const dir = d.onprem.pki;
  if (!needs.any) return { dir, caCreated: false, issued: [], kept: [] };
  mkdirSync(join(dir, "hosts"), { recursive: true, mode: 0o700 });
  const paths = pkiPaths(dir, "");
  let caCreated = false;
  if (!existsSync(paths.caCertificate)) {
    if (existsSync(paths.caKey)) throw new DeploymentError([`onprem.pki: ${paths.caKey} exists without ${paths.caCertificate}; put the CA's certificate beside its key`], d.source);
    createCa(dir, d.name);
    caCreated = true;
  }
  const ca = readCa(dir);
  if (typeof ca === "string") throw new DeploymentError([`onprem.pki: ${ca}`], d.source);
  const canIssue = existsSync(paths.caKey);
  const issued: { host: string; reason: string }[] = [];
  const kept: string[] = [];
  const refused: string[] = [];
  for (const req of needs.certificates) {
    const problems = certificateProblems(dir, ca, req, RENEW_BEFORE_DAYS);
    if (problems.length === 0) kept.push(req.host);
    else if (!canIssue) {
      refused.push(`onprem.pki: ${problems.join("; ")}; there is no ca.key to issue it, so issue it from your CA (subjectAltName ${subjectAltNames(req).join(",")}, serverAuth and clientAuth)`);
    } else {
      issueHost(dir, req);
      issued.push({ host: req.host, reason: problems.join("; ") });
    }
  }
  if (refused.length > 0) throw new DeploymentError(refused, d.source);
  return { dir, caCreated, issued, kept };
}
