import { join } from "node:path";

/**
 * The cluster's PKI folder on the machine that runs tofu (`npm run pki` fills it):
 *
 *   ca.crt              the CA every host trusts (the internal one, or the operator's)
 *   ca.key              only needed to issue; absent when the operator issues the certificates
 *   hosts/<host>.crt    the host's certificate, signed by ca.crt
 *   hosts/<host>.key    its private key
 *
 * Keys never pass through Terraform's configuration: provisioners upload them by path.
 */
export interface PkiPaths {
  readonly caCertificate: string;
  readonly caKey: string;
  readonly hostCertificate: string;
  readonly hostKey: string;
}

export function pkiPaths(dir: string, host: string): PkiPaths {
  return {
    caCertificate: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    hostCertificate: join(dir, "hosts", `${host}.crt`),
    hostKey: join(dir, "hosts", `${host}.key`),
  };
}

/** Which file of the PKI folder a role installs. */
export type PkiItem = "ca-certificate" | "host-certificate" | "host-key";

export const pkiItemPath = (paths: PkiPaths, item: PkiItem): string =>
  ({ "ca-certificate": paths.caCertificate, "host-certificate": paths.hostCertificate, "host-key": paths.hostKey })[item];
