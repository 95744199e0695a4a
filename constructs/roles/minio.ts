import { secretMarker } from "../markers";
import { renderTemplate } from "../template";
import { port } from "../topology/ports";
import type { Topology } from "../topology/topology";
import type { RoleRenderer } from "./unit";
import { commonView, members } from "./view";

/**
 * What Synapse (and the backup server) know of the object store: an S3 endpoint, a
 * bucket and a key pair, nothing MinIO-specific, so any S3-compatible store can take
 * MinIO's place by changing this one function.
 */
export interface S3Target {
  readonly endpoint: string;
  readonly bucket: string;
  readonly region: string;
  readonly accessKeyId: string;
  /** A secret marker: the value never enters rendered text. */
  readonly secretAccessKey: string;
}

export const MEDIA_BUCKET = "synapse-media";

/** The MinIO nodes behind HAProxy on the VIP: a node may fail without Synapse noticing. */
/** The backup server's view of the object store: read-only credentials of its own. */
export function mediaStoreForBackup(topology: Topology): S3Target | undefined {
  const store = mediaStore(topology);
  return store && members(topology, "backup").length > 0 ? { ...store, accessKeyId: "backup", secretAccessKey: secretMarker("minio_backup") } : undefined;
}

export function mediaStore(topology: Topology): S3Target | undefined {
  const nodes = members(topology, "minio");
  if (nodes.length === 0) return undefined;
  const vip = members(topology, "haproxy").length > 0 ? topology.vip : undefined;
  return {
    endpoint: vip ? `http://${vip}:${port("haproxy.s3")}` : `http://${nodes[0].address}:${port("minio.s3")}`,
    bucket: MEDIA_BUCKET,
    region: "us-east-1",
    accessKeyId: "synapse",
    secretAccessKey: secretMarker("minio_synapse"),
  };
}

/** Drives per object store node: 4 nodes x 4 drives form one erasure set. */
export const MINIO_DRIVES = 4;

/** Where each MinIO node's drives are: one data disk mounted on each (help/onprem.md). */
export const minioDrivePaths = (): string[] => Array.from({ length: MINIO_DRIVES }, (_, i) => `/srv/minio/disk${i + 1}`);

/** The bucket and user setup, on the first object store node. */
export const MINIO_SETUP = "/usr/local/sbin/matrix-minio-setup";

export const renderMinio: RoleRenderer = ({ topology, host }) => {
  const view = commonView(topology, host);
  const nodes = members(topology, "minio");
  const volumes = nodes.flatMap((m) => minioDrivePaths().map((drive) => `http://${m.name}:${port("minio.s3")}${drive}`)).join(" ");
  const drivesTotal = nodes.length * MINIO_DRIVES;
  // EC:4 for one set of 16 drives; smaller sets keep parity at half the drives at most.
  const parity = Math.min(4, Math.floor(drivesTotal / 2));
  const store = mediaStore(topology)!;
  const backup = mediaStoreForBackup(topology);
  const minioView = { ...view, volumes, nodeCount: nodes.length, drives: MINIO_DRIVES, parity, bucket: store.bucket, first: nodes[0]?.name === host.name, backup: backup !== undefined };
  return {
    name: "minio",
    files: [
      { path: "/etc/default/minio", content: renderTemplate("minio/minio.env.mustache", minioView), mode: "0600" },
      { path: "/etc/systemd/system/minio.service", content: renderTemplate("minio/minio.service.mustache", view), mode: "0644" },
      { path: "/etc/matrix-platform/minio/synapse-policy.json", content: renderTemplate("minio/synapse-policy.json.mustache", store), mode: "0644" },
      { path: "/etc/matrix-platform/minio/synapse-credentials", content: renderTemplate("minio/synapse-credentials.mustache", store), mode: "0600" },
      ...(backup
        ? [
            { path: "/etc/matrix-platform/minio/backup-policy.json", content: renderTemplate("minio/backup-policy.json.mustache", backup), mode: "0644" },
            { path: "/etc/matrix-platform/minio/backup-credentials", content: renderTemplate("minio/backup-credentials.mustache", backup), mode: "0600" },
          ]
        : []),
      ...(minioView.first ? [{ path: MINIO_SETUP, content: renderTemplate("minio/setup.sh.mustache", minioView), mode: "0700" }] : []),
    ],
    activate: renderTemplate("minio/activate.sh.mustache", minioView),
    packages: ["curl"],
    binaries: ["minio", "mc"],
  };
};
