import { renderTemplate } from "../template";
import { LIVEKIT_JWT_PATH, LIVEKIT_SFU_PATH } from "./media";
import { S3_PORT } from "./object-store";
import { serviceTls } from "./tls";
import type { RoleRenderer } from "./unit";
import { commonView, members } from "./view";

export const renderHaproxy: RoleRenderer = ({ topology, host }) => {
  const view = commonView(topology, host);
  // HAProxy reads its key as root before dropping privileges, from <crt>.key beside the crt.
  const tls = serviceTls("/etc/haproxy/tls", "root:root", { certificate: "public.pem", key: "public.pem.key" });
  const { adminSubnets } = topology;
  const monitoring = members(topology, "monitoring").map((m) => m.address);
  const metricsDenyCondition = monitoring.length > 0 ? `metrics_path !{ src ${monitoring.join(" ")} }` : "metrics_path";
  const haView = { ...view, tls, adminSubnets, metricsDenyCondition, minioNodes: members(topology, "minio"), s3Port: S3_PORT, livekitNodes: members(topology, "livekit"), livekit: { sfuPath: LIVEKIT_SFU_PATH, jwtPath: LIVEKIT_JWT_PATH }, databases: members(topology, "pgbouncer"), synapseHosts: members(topology, "synapse") };
  return {
    name: "haproxy",
    files: [{ path: "/etc/haproxy/haproxy.cfg", content: renderTemplate("haproxy/haproxy.cfg.mustache", haView), mode: "0640" }],
    pki: tls.pki,
    activate: renderTemplate("haproxy/activate.sh.mustache", view),
    packages: ["haproxy"],
  };
};

/** VRRP router id from the deployment name, so two clusters on one LAN do not collide. */
function routerId(name: string): number {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) % 251;
  return h + 1;
}

export const renderKeepalived: RoleRenderer = ({ topology, host }) => {
  const view = commonView(topology, host);
  const lbs = members(topology, "keepalived");
  const rank = lbs.findIndex((m) => m.name === host.name);
  const kaView = { ...view, routerId: routerId(topology.name), priority: 150 - rank * 10, peers: lbs.filter((m) => m.name !== host.name) };
  return {
    name: "keepalived",
    files: [{ path: "/etc/keepalived/keepalived.conf.in", content: renderTemplate("keepalived/keepalived.conf.mustache", kaView), mode: "0600" }],
    activate: renderTemplate("keepalived/activate.sh.mustache", view),
    packages: ["keepalived", "iproute2", "procps"],
  };
};
