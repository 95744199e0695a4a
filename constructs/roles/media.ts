import { renderTemplate } from "../template";
import { mediaStore } from "./object-store";
import { REDIS_PRIMARY_NAME, SENTINEL_PORT, sentinels } from "./redis";
import { serviceTls } from "./tls";
import type { RoleRenderer } from "./unit";
import { commonView, members } from "./view";

/** Drives per object store node: 4 nodes x 4 drives form one erasure set. */
export const MINIO_DRIVES = 4;

/** The bucket and user setup, on the first object store node. */
export const MINIO_SETUP = "/usr/local/sbin/matrix-minio-setup";

export const renderMinio: RoleRenderer = ({ topology, host }) => {
  const view = commonView(topology, host);
  const nodes = members(topology, "minio");
  const volumes = nodes.flatMap((m) => Array.from({ length: MINIO_DRIVES }, (_, i) => `http://${m.name}:9000/srv/minio/disk${i + 1}`)).join(" ");
  const drivesTotal = nodes.length * MINIO_DRIVES;
  // EC:4 for one set of 16 drives; smaller sets keep parity at half the drives at most.
  const parity = Math.min(4, Math.floor(drivesTotal / 2));
  const store = mediaStore(topology)!;
  const minioView = { ...view, volumes, nodeCount: nodes.length, drives: MINIO_DRIVES, parity, bucket: store.bucket, first: nodes[0]?.name === host.name };
  return {
    name: "minio",
    files: [
      { path: "/etc/default/minio", content: renderTemplate("minio/minio.env.mustache", minioView), mode: "0600" },
      { path: "/etc/systemd/system/minio.service", content: renderTemplate("minio/minio.service.mustache", view), mode: "0644" },
      { path: "/etc/matrix-platform/minio/synapse-policy.json", content: renderTemplate("minio/synapse-policy.json.mustache", store), mode: "0644" },
      { path: "/etc/matrix-platform/minio/synapse-credentials", content: renderTemplate("minio/synapse-credentials.mustache", store), mode: "0600" },
      ...(minioView.first ? [{ path: MINIO_SETUP, content: renderTemplate("minio/setup.sh.mustache", minioView), mode: "0700" }] : []),
    ],
    activate: renderTemplate("minio/activate.sh.mustache", minioView),
    packages: ["curl"],
    binaries: ["minio", "mc"],
  };
};

export const renderCoturn: RoleRenderer = ({ topology, host }) => {
  const view = commonView(topology, host);
  const [relayMin, relayMax] = topology.turnRelayPorts;
  const allowedPeers = topology.clientSubnets.map((cidr) => ({ range: cidrRange(cidr) }));
  const tls = serviceTls("/etc/coturn/tls", "turnserver:turnserver");
  return {
    name: "coturn",
    files: [{ path: "/etc/turnserver.conf", content: renderTemplate("coturn/turnserver.conf.mustache", { ...view, tls, relayMin, relayMax, allowedPeers }), mode: "0640", owner: "root:turnserver" }],
    pki: tls.pki,
    activate: renderTemplate("coturn/activate.sh.mustache", view),
    packages: ["coturn"],
  };
};

/** 10.1.0.0/16 -> "10.1.0.0-10.1.255.255", the range syntax of Coturn's peer rules. */
export function cidrRange(cidr: string): string {
  const [ip, bits] = cidr.split("/");
  const n = ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  const first = n - (n % size);
  const fmt = (v: number) => [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join(".");
  return `${fmt(first)}-${fmt(first + size - 1)}`;
}

/** Where HAProxy serves LiveKit's signalling and lk-jwt-service on the cluster's name. */
export const LIVEKIT_SFU_PATH = "/livekit/sfu";
export const LIVEKIT_JWT_PATH = "/livekit/jwt";

export const renderLivekit: RoleRenderer = ({ topology, host }) => {
  const view = commonView(topology, host);
  const { hosts: sentinelHosts } = sentinels(topology);
  return {
    name: "livekit",
    files: [
      { path: "/etc/livekit/livekit.yaml", content: renderTemplate("livekit/livekit.yaml.mustache", { ...view, sentinels: sentinelHosts, primaryName: REDIS_PRIMARY_NAME, sentinelPort: SENTINEL_PORT }), mode: "0600" },
      { path: "/etc/default/lk-jwt-service", content: renderTemplate("livekit/lk-jwt-service.env.mustache", { ...view, sfuPath: LIVEKIT_SFU_PATH }), mode: "0600" },
      { path: "/etc/systemd/system/livekit-server.service", content: renderTemplate("livekit/livekit-server.service.mustache", view), mode: "0644" },
      { path: "/etc/systemd/system/lk-jwt-service.service", content: renderTemplate("livekit/lk-jwt-service.service.mustache", view), mode: "0644" },
    ],
    activate: renderTemplate("livekit/activate.sh.mustache", view),
    packages: [],
    binaries: ["livekit-server"],
  };
};
