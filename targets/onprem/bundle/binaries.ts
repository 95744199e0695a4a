/**
 * Programs Debian 12 does not package (MinIO, LiveKit, lk-jwt-service), built from the Go
 * module proxy into the bundle's bin/. None yet: their roles do not install them so far.
 */
export interface GoBinary {
  /** File name under bin/. */
  readonly name: string;
  /** Module path@version, as `go get` takes it: "github.com/livekit/livekit-server@v1.8.4". */
  readonly module: string;
  /** The main package inside that module: "github.com/livekit/livekit-server/cmd/server". */
  readonly package: string;
}

export const BUNDLE_BINARIES: readonly GoBinary[] = [];
