import type { Topology } from "../topology/topology";
import { secretMarker } from "../markers";
import { members } from "./view";

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
/** MinIO's S3 API port, also HAProxy's S3 front on the VIP. */
export const S3_PORT = 9000;

/** The MinIO nodes behind HAProxy on the VIP: a node may fail without Synapse noticing. */
export function mediaStore(topology: Topology): S3Target | undefined {
  const nodes = members(topology, "minio");
  if (nodes.length === 0) return undefined;
  const vip = members(topology, "haproxy").length > 0 ? topology.vip : undefined;
  return {
    endpoint: `http://${vip ?? nodes[0].address}:${S3_PORT}`,
    bucket: MEDIA_BUCKET,
    region: "us-east-1",
    accessKeyId: "synapse",
    secretAccessKey: secretMarker("minio_synapse"),
  };
}
