import type { BinaryName } from "../../constructs/roles/unit";

/**
 * Programs Debian 12 does not package, built from the Go module proxy into the bundle's
 * bin/ and installed to /usr/local/bin on every host that unpacks the bundle.
 *
 * - MinIO: the community edition is in maintenance (no binaries, source only, AGPLv3).
 *   This is the last commit the proxy serves (2026-02-12). Security fixes will not come:
 *   keep the object store on the intranet, and plan to replace it with another S3 store
 *   (only constructs/roles/object-store.ts knows it is MinIO).
 * - mc: MinIO's client, which creates the media bucket and Synapse's user.
 * - LiveKit: v1.13.5, the newest release that builds from the proxy alone (later ones
 *   replace pion with LiveKit forks the proxy does not serve).
 * - lk-jwt-service is not served by the module proxy: it cannot be built here (help/onprem.md, "Element Call").
 */

export interface GoBinary {
  /** File name under bin/ and /usr/local/bin. */
  readonly name: BinaryName;
  /** Module path, built as the main module so its own replace directives apply. */
  readonly module: string;
  readonly version: string;
  /** The main package, relative to the module root. */
  readonly package: string;
}

export const BUNDLE_BINARIES: Readonly<Record<BinaryName, GoBinary>> = {
  minio: { name: "minio", module: "github.com/minio/minio", version: "v0.0.0-20260212201848-7aac2a2c5b7c", package: "." },
  mc: { name: "mc", module: "github.com/minio/mc", version: "v0.0.0-20250313080218-cf909e1063a9", package: "." },
  "livekit-server": { name: "livekit-server", module: "github.com/livekit/livekit-server", version: "v1.13.5", package: "./cmd/server" },
};
