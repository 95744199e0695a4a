import type { Role } from "./roles";

export type Protocol = "tcp" | "udp" | "vrrp";

/** Who may open a connection to a port. */
export type PortSource =
  | { readonly kind: "role"; readonly role: Role }
  /** The intranet client subnets of the deployment (anywhere, on AWS). */
  | { readonly kind: "clients" }
  /** The operators' subnets (SSH, consoles, dashboards). */
  | { readonly kind: "admins" };

export interface PortRule {
  /** The role that listens. */
  readonly role: Role;
  readonly protocol: Protocol;
  /** A port, or an inclusive range; absent for protocols without ports (VRRP). */
  readonly port?: number | readonly [number, number];
  readonly from: readonly PortSource[];
  readonly purpose: string;
}

const role = (r: Role): PortSource => ({ kind: "role", role: r });
const clients: PortSource = { kind: "clients" };
const admins: PortSource = { kind: "admins" };

/** Ports of the relay range, set per deployment (firewall and Coturn must agree). */
export interface PortMatrixOptions {
  readonly turnRelayPorts: readonly [number, number];
}

/** SSH and node_exporter are on every host, whatever it carries. */
export const HOST_PORTS = [
  { protocol: "tcp", port: 22, from: [admins], purpose: "SSH for operators and provisioning" },
  { protocol: "tcp", port: 9100, from: [role("monitoring")], purpose: "node_exporter" },
] as const satisfies readonly Omit<PortRule, "role">[];

/**
 * The port matrix: every listening port of every role and the only sources allowed to
 * reach it (seed 002 §17, corrected: Coturn's relay range comes from the deployment,
 * LiveKit's RTC range is 50100-50200/udp, and internal services are never public).
 */
export function portMatrix(opts: PortMatrixOptions): readonly PortRule[] {
  return [
    { role: "etcd", protocol: "tcp", port: 2379, from: [role("etcd"), role("patroni"), role("monitoring")], purpose: "etcd client API (TLS, client certificates)" },
    { role: "etcd", protocol: "tcp", port: 2381, from: [role("monitoring")], purpose: "etcd metrics" },
    { role: "etcd", protocol: "tcp", port: 2380, from: [role("etcd")], purpose: "etcd peer traffic (TLS)" },
    { role: "patroni", protocol: "tcp", port: 5432, from: [role("patroni")], purpose: "PostgreSQL replication" },
    { role: "patroni", protocol: "tcp", port: 8008, from: [role("patroni"), role("haproxy"), role("monitoring")], purpose: "Patroni REST API (TLS; health checks)" },
    { role: "patroni", protocol: "tcp", port: 9187, from: [role("monitoring")], purpose: "postgres_exporter" },
    { role: "pgbouncer", protocol: "tcp", port: 6432, from: [role("haproxy")], purpose: "PgBouncer (reached through HAProxy)" },
    { role: "haproxy", protocol: "tcp", port: 80, from: [clients], purpose: "HTTP (redirect to HTTPS)" },
    { role: "haproxy", protocol: "tcp", port: 443, from: [clients, role("monitoring")], purpose: "HTTPS: Element, Synapse client API, Element Call; Synapse metrics for Prometheus" },
    { role: "haproxy", protocol: "tcp", port: 8448, from: [clients], purpose: "Matrix federation" },
    { role: "haproxy", protocol: "tcp", port: 5000, from: [role("synapse"), role("backup"), role("monitoring")], purpose: "PostgreSQL primary (via PgBouncer)" },
    { role: "haproxy", protocol: "tcp", port: 5001, from: [role("synapse"), role("backup"), role("monitoring")], purpose: "PostgreSQL replicas (via PgBouncer)" },
    { role: "haproxy", protocol: "tcp", port: 9000, from: [role("synapse"), role("backup")], purpose: "S3 API of the object store (to any healthy MinIO node)" },
    { role: "haproxy", protocol: "tcp", port: 8404, from: [role("monitoring"), admins], purpose: "HAProxy stats and Prometheus metrics" },
    { role: "keepalived", protocol: "vrrp", from: [role("keepalived")], purpose: "VRRP between the load balancers" },
    { role: "minio", protocol: "tcp", port: 9000, from: [role("minio"), role("haproxy"), role("monitoring")], purpose: "S3 API and node-to-node traffic" },
    { role: "minio", protocol: "tcp", port: 9001, from: [admins], purpose: "object store console" },
    { role: "coturn", protocol: "tcp", port: 3478, from: [clients], purpose: "TURN/STUN over TCP" },
    { role: "coturn", protocol: "udp", port: 3478, from: [clients], purpose: "TURN/STUN over UDP" },
    { role: "coturn", protocol: "tcp", port: 5349, from: [clients, role("monitoring")], purpose: "TURN over TLS" },
    { role: "coturn", protocol: "udp", port: 5349, from: [clients], purpose: "TURN over DTLS" },
    { role: "coturn", protocol: "udp", port: opts.turnRelayPorts, from: [clients], purpose: "TURN relay range (UDP)" },
    { role: "coturn", protocol: "tcp", port: opts.turnRelayPorts, from: [clients], purpose: "TURN relay range (TCP relay for restrictive networks)" },
    { role: "redis", protocol: "tcp", port: 6379, from: [role("livekit"), role("redis"), role("sentinel")], purpose: "Redis for the LiveKit mesh (replication, Sentinel checks)" },
    { role: "sentinel", protocol: "tcp", port: 26379, from: [role("livekit"), role("sentinel"), role("redis")], purpose: "Redis Sentinel: which Redis is the primary" },
    { role: "livekit", protocol: "tcp", port: 7880, from: [role("haproxy")], purpose: "LiveKit signalling (behind HAProxy TLS)" },
    { role: "livekit", protocol: "tcp", port: 7881, from: [clients], purpose: "LiveKit ICE over TCP" },
    { role: "livekit", protocol: "udp", port: 7882, from: [clients], purpose: "LiveKit ICE over UDP (mux)" },
    { role: "livekit", protocol: "udp", port: [50100, 50200], from: [clients], purpose: "LiveKit RTC media range" },
    { role: "livekit", protocol: "udp", port: 3479, from: [clients], purpose: "LiveKit embedded TURN (UDP)" },
    { role: "livekit", protocol: "tcp", port: 5350, from: [clients], purpose: "LiveKit embedded TURN (TLS)" },
    { role: "livekit", protocol: "tcp", port: 8080, from: [role("haproxy")], purpose: "lk-jwt-service (behind HAProxy TLS)" },
    { role: "livekit", protocol: "tcp", port: 6789, from: [role("monitoring")], purpose: "LiveKit Prometheus metrics" },
    { role: "synapse", protocol: "tcp", port: 8008, from: [role("haproxy")], purpose: "Traefik web entrypoint (Synapse, Element, workers)" },
    { role: "synapse", protocol: "tcp", port: 8448, from: [role("haproxy")], purpose: "Traefik federation entrypoint" },
    { role: "synapse", protocol: "tcp", port: 873, from: [role("backup")], purpose: "rsync daemon (read-only): media and config pulled by the backup server" },
    { role: "backup", protocol: "tcp", port: 8432, from: [role("patroni")], purpose: "pgBackRest repository (WAL archive push, TLS)" },
    { role: "patroni", protocol: "tcp", port: 8432, from: [role("backup")], purpose: "pgBackRest server: backups taken by the repository (TLS)" },
    { role: "monitoring", protocol: "tcp", port: 9090, from: [admins], purpose: "Prometheus" },
    { role: "monitoring", protocol: "tcp", port: 9093, from: [admins], purpose: "Alertmanager" },
    { role: "monitoring", protocol: "tcp", port: 3000, from: [admins], purpose: "Grafana" },
    { role: "poc", protocol: "tcp", port: 80, from: [clients], purpose: "HTTP: Element and Synapse through nginx" },
  ];
}

export function portLabel(rule: Pick<PortRule, "protocol" | "port">): string {
  if (rule.port === undefined) return rule.protocol;
  const p = typeof rule.port === "number" ? `${rule.port}` : `${rule.port[0]}-${rule.port[1]}`;
  return `${p}/${rule.protocol}`;
}
