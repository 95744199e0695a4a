import type { PkiFile } from "./unit";

/** Where one service finds the cluster CA and this host's certificate and key. */
export interface ServiceTls {
  readonly ca: string;
  readonly certificate: string;
  readonly key: string;
  readonly pki: readonly PkiFile[];
}

/**
 * A service's own TLS folder: each service gets its copy, with the key readable only by
 * the user the service runs as (etcd, postgres), so no service can read another's.
 */
export function serviceTls(dir: string, keyOwner: string, names = { certificate: "host.crt", key: "host.key" }): ServiceTls {
  const ca = `${dir}/ca.crt`;
  const certificate = `${dir}/${names.certificate}`;
  const key = `${dir}/${names.key}`;
  return {
    ca,
    certificate,
    key,
    pki: [
      { path: ca, item: "ca-certificate", mode: "0644" },
      { path: certificate, item: "host-certificate", mode: "0644" },
      { path: key, item: "host-key", mode: "0600", owner: keyOwner },
    ],
  };
}
