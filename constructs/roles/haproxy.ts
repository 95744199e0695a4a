import { renderTemplate } from "../template";
import { LIVEKIT_JWT_PATH, LIVEKIT_SFU_PATH } from "./livekit";
import { serviceTls } from "./tls";
import type { RoleRenderer } from "./unit";
import { commonView, members } from "./view";

/**
 * HAProxy on the load balancers: the cluster's entry for clients (TLS), PostgreSQL (the
 * leader and the replicas through PgBouncer, chosen by Patroni's REST API), the object
 * store's S3 API, Synapse and Element Call.
 */
export const renderHaproxy: RoleRenderer = ({ topology, host }) => {
  const view = commonView(topology, host);
  // HAProxy reads its key as root before dropping privileges, from <crt>.key beside the crt.
  const tls = serviceTls("/etc/haproxy/tls", "root:root", { certificate: "public.pem", key: "public.pem.key" });
  const { adminSubnets } = topology;
  const monitoring = members(topology, "monitoring").map((m) => m.address);
  const metricsDenyCondition = monitoring.length > 0 ? `metrics_path !{ src ${monitoring.join(" ")} }` : "metrics_path";
  // The leader on one port, the replicas (round robin) on the other: Patroni's REST API says which is which.
  const databaseListeners = [
    { name: "postgres_primary", port: view.ports.haproxy.db_primary, patroniRole: "primary", roundRobin: false },
    { name: "postgres_replicas", port: view.ports.haproxy.db_replicas, patroniRole: "replica", roundRobin: true },
  ];
  const haView = { ...view, tls, adminSubnets, metricsDenyCondition, databaseListeners, minioNodes: members(topology, "minio"), livekitNodes: members(topology, "livekit"), livekit: { sfuPath: LIVEKIT_SFU_PATH, jwtPath: LIVEKIT_JWT_PATH }, databases: members(topology, "pgbouncer"), synapseHosts: members(topology, "synapse") };
  return {
    name: "haproxy",
    files: [{ path: "/etc/haproxy/haproxy.cfg", content: renderTemplate("haproxy/haproxy.cfg.mustache", haView), mode: "0640" }],
    pki: tls.pki,
    activate: renderTemplate("haproxy/activate.sh.mustache", view),
    packages: ["haproxy"],
  };
};
