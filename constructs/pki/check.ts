import { createPrivateKey, X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import type { CertificateRequirement } from "./requirements";
import { pkiPaths } from "./layout";

/** Certificates are re-issued this long before they expire (`npm run pki`). */
export const RENEW_BEFORE_DAYS = 30;

export function readCertificate(file: string): X509Certificate | string {
  if (!existsSync(file)) return `${file} does not exist`;
  try {
    return new X509Certificate(readFileSync(file));
  } catch {
    return `${file} is not a PEM certificate`;
  }
}

/** The CA certificate, or what is wrong with it. */
export function readCa(dir: string): X509Certificate | string {
  const file = pkiPaths(dir, "").caCertificate;
  const ca = readCertificate(file);
  if (typeof ca === "string") return ca;
  if (!ca.ca) return `${file} is not a CA certificate (basicConstraints CA:TRUE)`;
  return ca;
}

/**
 * What is wrong with one host's certificate and key: missing, not signed by the CA, a name
 * or address missing, expired (or expiring within `renewWithinDays`), or a key that does not
 * belong to it. Empty when the pair is good.
 */
export function certificateProblems(dir: string, ca: X509Certificate, req: CertificateRequirement, renewWithinDays = 0): string[] {
  const paths = pkiPaths(dir, req.host);
  const cert = readCertificate(paths.hostCertificate);
  if (typeof cert === "string") return [cert];
  const problems: string[] = [];
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) problems.push(`${paths.hostCertificate} is not signed by ${paths.caCertificate}`);
  const missing = [...req.dnsNames.filter((n) => !cert.checkHost(n, { wildcards: false })), ...req.ipAddresses.filter((ip) => !cert.checkIP(ip))];
  if (missing.length > 0) problems.push(`${paths.hostCertificate} does not name ${missing.join(", ")}`);
  const expires = new Date(cert.validTo).getTime();
  if (expires < Date.now() + renewWithinDays * 86_400_000) problems.push(`${paths.hostCertificate} expires ${cert.validTo}`);
  if (!existsSync(paths.hostKey)) problems.push(`${paths.hostKey} does not exist`);
  else {
    try {
      if (!cert.checkPrivateKey(createPrivateKey(readFileSync(paths.hostKey)))) problems.push(`${paths.hostKey} is not the key of ${paths.hostCertificate}`);
    } catch {
      problems.push(`${paths.hostKey} is not a PEM private key`);
    }
  }
  return problems;
}
