/**
 * The service roles a host can carry. A role is the unit that is rendered, installed,
 * activated and firewalled; a target never interprets it.
 */
export const HA_ROLES = [
  "etcd",
  "patroni",
  "pgbouncer",
  "haproxy",
  "keepalived",
  "minio",
  "coturn",
  "redis",
  "sentinel",
  "livekit",
  "monitoring",
  "backup",
  "synapse",
] as const;

/** `poc` is the all-in-one Docker Compose stack (PostgreSQL, Synapse, Element, nginx). */
export const ROLES = [...HA_ROLES, "poc"] as const;

export type HaRole = (typeof HA_ROLES)[number];
export type Role = (typeof ROLES)[number];

/**
 * Role groups: the placement rule a host can use instead of listing roles. The groups
 * encode the co-location the research notes allow (etcd on the Patroni nodes, PgBouncer
 * next to each PostgreSQL, Keepalived with each HAProxy, Redis and a Sentinel with each
 * LiveKit node). The monitoring host adds a Sentinel so that two media hosts still leave a
 * majority of three to agree on a failover.
 */
export const ROLE_GROUPS = {
  database: ["etcd", "patroni", "pgbouncer"],
  load_balancer: ["haproxy", "keepalived"],
  object_store: ["minio"],
  turn: ["coturn"],
  media: ["redis", "sentinel", "livekit"],
  monitoring: ["sentinel", "monitoring"],
  backup: ["backup"],
  synapse: ["synapse"],
  poc: ["poc"],
} as const satisfies Record<string, readonly Role[]>;

export type RoleGroup = keyof typeof ROLE_GROUPS;
export const ROLE_GROUP_NAMES = Object.keys(ROLE_GROUPS) as RoleGroup[];

/**
 * Activation order. A role's resources depend on every role listed before it in this
 * order that the cluster carries, so a failed database tier stops the roll-out before
 * anything that needs it is touched.
 */
export const ROLE_ORDER: readonly Role[] = [
  "etcd",
  "patroni",
  "pgbouncer",
  "haproxy",
  "keepalived",
  "minio",
  "redis",
  "sentinel",
  "coturn",
  "livekit",
  "synapse",
  "backup",
  "monitoring",
  "poc",
];

/** The roles each role needs running first (the edges of the dependency graph). */
export const ROLE_DEPENDENCIES: Readonly<Record<Role, readonly Role[]>> = {
  etcd: [],
  patroni: ["etcd"],
  pgbouncer: ["patroni"],
  haproxy: ["pgbouncer"],
  keepalived: ["haproxy"],
  minio: [],
  redis: [],
  sentinel: ["redis"],
  coturn: [],
  livekit: ["redis", "sentinel"],
  synapse: ["haproxy", "keepalived", "minio", "coturn", "livekit"],
  backup: ["patroni", "synapse"],
  monitoring: ["synapse", "backup"],
  poc: [],
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
