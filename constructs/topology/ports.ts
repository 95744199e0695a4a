import type { Role } from "./roles";

export type Protocol = "tcp" | "udp" | "vrrp";

/** Who may open a connection to a port. */
export type PortSource =
  | { readonly kind: "role"; readonly role: Role }
  /** The intranet client subnets of the deployment (anywhere, on AWS). */
  | { readonly kind: "clients" }
  /** The operators' subnets (SSH, consoles, dashboards). */
  | { readonly kind: "admins" };

/** The deployment's Coturn relay range (onprem.turn_relay_ports): firewall and Coturn together. */
const TURN_RELAY = "turn_relay_ports";

interface PortSpec {
  /** `<role>.<use>`, or `host.<use>` for what every host opens. */
  readonly name: string;
  readonly protocol: Protocol;
  /** A port, an inclusive range, or the deployment's relay range; absent for VRRP. */
  readonly port?: number | readonly [number, number] | typeof TURN_RELAY;
  readonly from: readonly PortSource[];
  readonly purpose: string;
}

const role = (r: Role): PortSource => ({ kind: "role", role: r });
const clients: PortSource = { kind: "clients" };
const admins: PortSource = { kind: "admins" };

/**
 * The port matrix: every listening port of every role, by name, and the only sources
 * allowed to reach it (seed 002 §17, corrected: Coturn's relay range comes from the
 * deployment, LiveKit's RTC range is 50100-50200/udp, and internal services are never
 * public). Everything that opens, listens on, checks, scrapes or connects to a port takes
 * it from here by name: the firewall, the AWS security group, the role templates
 * (`{{ports.<role>.<use>}}`), HAProxy's backends and Prometheus's targets.
 * The order is the firewall's rule order.
 */
const MATRIX = [
  { name: "host.ssh", protocol: "tcp", port: 22, from: [admins], purpose: "SSH for operators and provisioning" },
  { name: "host.node_exporter", protocol: "tcp", port: 9100, from: [role("monitoring")], purpose: "node_exporter" },
  { name: "etcd.client", protocol: "tcp", port: 2379, from: [role("etcd"), role("patroni"), role("monitoring")], purpose: "etcd client API (TLS, client certificates)" },
  { name: "etcd.metrics", protocol: "tcp", port: 2381, from: [role("monitoring")], purpose: "etcd metrics" },
  { name: "etcd.peer", protocol: "tcp", port: 2380, from: [role("etcd")], purpose: "etcd peer traffic (TLS)" },
  { name: "patroni.postgres", protocol: "tcp", port: 5432, from: [role("patroni")], purpose: "PostgreSQL replication" },
  { name: "patroni.rest", protocol: "tcp", port: 8008, from: [role("patroni"), role("haproxy"), role("monitoring")], purpose: "Patroni REST API (TLS; health checks)" },
  { name: "patroni.exporter", protocol: "tcp", port: 9187, from: [role("monitoring")], purpose: "postgres_exporter" },
  { name: "pgbouncer.pool", protocol: "tcp", port: 6432, from: [role("haproxy")], purpose: "PgBouncer (reached through HAProxy)" },
  { name: "haproxy.http", protocol: "tcp", port: 80, from: [clients], purpose: "HTTP (redirect to HTTPS)" },
  { name: "haproxy.https", protocol: "tcp", port: 443, from: [clients, role("monitoring")], purpose: "HTTPS: Element, Synapse client API, Element Call; Synapse metrics for Prometheus" },
  { name: "haproxy.federation", protocol: "tcp", port: 8448, from: [clients], purpose: "Matrix federation" },
  { name: "haproxy.db_primary", protocol: "tcp", port: 5000, from: [role("synapse"), role("backup"), role("monitoring")], purpose: "PostgreSQL primary (via PgBouncer)" },
  { name: "haproxy.db_replicas", protocol: "tcp", port: 5001, from: [role("synapse"), role("backup"), role("monitoring")], purpose: "PostgreSQL replicas (via PgBouncer)" },
  { name: "haproxy.s3", protocol: "tcp", port: 9000, from: [role("synapse"), role("backup")], purpose: "S3 API of the object store (to any healthy MinIO node)" },
  { name: "haproxy.stats", protocol: "tcp", port: 8404, from: [role("monitoring"), admins], purpose: "HAProxy stats and Prometheus metrics" },
  { name: "keepalived.vrrp", protocol: "vrrp", from: [role("keepalived")], purpose: "VRRP between the load balancers" },
  { name: "minio.s3", protocol: "tcp", port: 9000, from: [role("minio"), role("haproxy"), role("monitoring")], purpose: "S3 API and node-to-node traffic" },
  { name: "minio.console", protocol: "tcp", port: 9001, from: [admins], purpose: "object store console" },
  { name: "coturn.turn_tcp", protocol: "tcp", port: 3478, from: [clients], purpose: "TURN/STUN over TCP" },
  { name: "coturn.turn_udp", protocol: "udp", port: 3478, from: [clients], purpose: "TURN/STUN over UDP" },
  { name: "coturn.tls", protocol: "tcp", port: 5349, from: [clients, role("monitoring")], purpose: "TURN over TLS" },
  { name: "coturn.dtls", protocol: "udp", port: 5349, from: [clients], purpose: "TURN over DTLS" },
  { name: "coturn.relay_udp", protocol: "udp", port: TURN_RELAY, from: [clients], purpose: "TURN relay range (UDP)" },
  { name: "coturn.relay_tcp", protocol: "tcp", port: TURN_RELAY, from: [clients], purpose: "TURN relay range (TCP relay for restrictive networks)" },
  { name: "redis.server", protocol: "tcp", port: 6379, from: [role("livekit"), role("redis"), role("sentinel")], purpose: "Redis for the LiveKit mesh (replication, Sentinel checks)" },
  { name: "sentinel.server", protocol: "tcp", port: 26379, from: [role("livekit"), role("sentinel"), role("redis")], purpose: "Redis Sentinel: which Redis is the primary" },
  { name: "livekit.signal", protocol: "tcp", port: 7880, from: [role("haproxy")], purpose: "LiveKit signalling (behind HAProxy TLS)" },
  { name: "livekit.ice_tcp", protocol: "tcp", port: 7881, from: [clients], purpose: "LiveKit ICE over TCP" },
  { name: "livekit.ice_udp", protocol: "udp", port: 7882, from: [clients], purpose: "LiveKit ICE over UDP (mux)" },
  { name: "livekit.rtc", protocol: "udp", port: [50100, 50200], from: [clients], purpose: "LiveKit RTC media range" },
  { name: "livekit.turn_udp", protocol: "udp", port: 3479, from: [clients], purpose: "LiveKit embedded TURN (UDP)" },
  { name: "livekit.turn_tls", protocol: "tcp", port: 5350, from: [clients], purpose: "LiveKit embedded TURN (TLS)" },
  { name: "livekit.jwt", protocol: "tcp", port: 8080, from: [role("haproxy")], purpose: "lk-jwt-service (behind HAProxy TLS)" },
  { name: "livekit.metrics", protocol: "tcp", port: 6789, from: [role("monitoring")], purpose: "LiveKit Prometheus metrics" },
  { name: "synapse.web", protocol: "tcp", port: 8008, from: [role("haproxy")], purpose: "Traefik web entrypoint (Synapse, Element, workers)" },
  { name: "synapse.federation", protocol: "tcp", port: 8448, from: [role("haproxy")], purpose: "Traefik federation entrypoint" },
  { name: "synapse.rsync", protocol: "tcp", port: 873, from: [role("backup")], purpose: "rsync daemon (read-only): media and config pulled by the backup server" },
  { name: "backup.pgbackrest", protocol: "tcp", port: 8432, from: [role("patroni")], purpose: "pgBackRest repository (WAL archive push, TLS)" },
  { name: "patroni.pgbackrest", protocol: "tcp", port: 8432, from: [role("backup")], purpose: "pgBackRest server: backups taken by the repository (TLS)" },
  { name: "monitoring.prometheus", protocol: "tcp", port: 9090, from: [admins], purpose: "Prometheus" },
  { name: "monitoring.alertmanager", protocol: "tcp", port: 9093, from: [admins], purpose: "Alertmanager" },
  { name: "monitoring.grafana", protocol: "tcp", port: 3000, from: [admins], purpose: "Grafana" },
  { name: "poc.http", protocol: "tcp", port: 80, from: [clients], purpose: "HTTP: Element and Synapse through nginx (with HTTPS: the ACME challenge and a redirect)" },
  { name: "poc.https", protocol: "tcp", port: 443, from: [clients], purpose: "HTTPS: Element and Synapse through nginx" },
] as const satisfies readonly PortSpec[];

type MatrixEntry = (typeof MATRIX)[number];
export type PortName = MatrixEntry["name"];
/** The names of ports that are one fixed number. */
export type FixedPortName = Extract<MatrixEntry, { port: number }>["name"];

/** A rule of the matrix as one deployment resolves it (the relay range filled in). */
export interface PortRule {
  readonly name: PortName;
  /** The role that listens; absent for the ports every host opens. */
  readonly role?: Role;
  readonly protocol: Protocol;
  /** A port, or an inclusive range; absent for protocols without ports (VRRP). */
  readonly port?: number | readonly [number, number];
  readonly from: readonly PortSource[];
  readonly purpose: string;
}

/** Ports of the relay range, set per deployment (firewall and Coturn must agree). */
export interface PortMatrixOptions {
  readonly turnRelayPorts: readonly [number, number];
}

const owner = (name: PortName): Role | undefined => (name.startsWith("host.") ? undefined : (name.split(".")[0] as Role));

/** Every rule of the matrix with the deployment's relay range, in firewall order. */
export function portMatrix(opts: PortMatrixOptions): readonly PortRule[] {
  return MATRIX.map((spec: PortSpec) => {
    const { port, ...rest } = spec;
    const role = owner(spec.name as PortName);
    return {
      ...rest,
      name: spec.name as PortName,
      ...(role ? { role } : {}),
      ...(port === undefined ? {} : { port: port === TURN_RELAY ? opts.turnRelayPorts : port }),
    };
  });
}

/** The number of a fixed port: port("etcd.peer") is 2380. */
export function port(name: FixedPortName): number {
  return (MATRIX.find((p) => p.name === name) as { port: number }).port;
}

type PortView = Readonly<Record<string, Readonly<Record<string, number | { first: number; last: number }>>>>;
/** One view per relay range: every unit of every host renders with it. */
const portViews = new Map<string, PortView>();

/** The matrix's ports as templates see them: `{{ports.etcd.peer}}`; ranges as `{{ports.livekit.rtc.first}}`/`.last`. */
export function portView(opts: PortMatrixOptions): PortView {
  const key = opts.turnRelayPorts.join("-");
  const cached = portViews.get(key);
  if (cached) return cached;
  const view: Record<string, Record<string, number | { first: number; last: number }>> = {};
  for (const rule of portMatrix(opts)) {
    if (rule.port === undefined) continue;
    const [group, use] = rule.name.split(".");
    (view[group] ??= {})[use] = typeof rule.port === "number" ? rule.port : { first: rule.port[0], last: rule.port[1] };
  }
  portViews.set(key, view);
  return view;
}

export function portLabel(rule: Pick<PortRule, "protocol" | "port">): string {
  if (rule.port === undefined) return rule.protocol;
  const p = typeof rule.port === "number" ? `${rule.port}` : `${rule.port[0]}-${rule.port[1]}`;
  return `${p}/${rule.protocol}`;
}
