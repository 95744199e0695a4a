import type { HaRole } from "./roles";

export const SCALES = ["poc", "small", "medium", "large"] as const;
export type Scale = (typeof SCALES)[number];
export type HaScale = Exclude<Scale, "poc">;

export interface HostSize {
  readonly vcpu: number;
  readonly memoryGiB: number;
  /** Data disk in GB, where the role keeps data. */
  readonly diskGB?: number;
}

/** Synapse worker counts per type (matrix-docker-ansible-deploy `specialized-workers`). */
export interface WorkerCounts {
  readonly sync: number;
  readonly generic: number;
  readonly federationSender: number;
  readonly eventPersister: number;
}

export interface ScalePreset {
  readonly concurrentUsers: number;
  /** The minimum number of hosts carrying each role. */
  readonly counts: Readonly<Record<HaRole, number>>;
  /** Recommended host size per role (the size of the host that carries it). */
  readonly sizes: Readonly<Record<HaRole, HostSize>>;
  readonly workers: WorkerCounts;
  /** Media uploaded a day at the scale's load, GB: the research notes' upper estimate (200-500 GB at 10K users). */
  readonly mediaUploadGBPerDay: number;
}

const DB_TIER = { etcd: 3, patroni: 3, pgbouncer: 3, haproxy: 2, keepalived: 2, minio: 4 } as const;
const SINGLETONS = { monitoring: 1, backup: 1, synapse: 1 } as const;
/** Redis and a Sentinel on every LiveKit host, and one more Sentinel on the monitoring host. */
const media = (livekit: number) => ({ livekit, redis: livekit, sentinel: livekit + 1 });

/** Roles that share their host with another role take that host's size. */
type HostRole = Exclude<HaRole, "etcd" | "pgbouncer" | "keepalived" | "redis" | "sentinel">;
const withColocated = (sizes: Record<HostRole, HostSize>): Record<HaRole, HostSize> => ({
  ...sizes,
  etcd: sizes.patroni,
  pgbouncer: sizes.patroni,
  keepalived: sizes.haproxy,
  redis: sizes.livekit,
  sentinel: sizes.livekit,
});

/**
 * Presets from the research notes (seed 002, "External Services" and "Worker
 * Configuration"). Only counts, sizes and worker numbers differ between scales; the set
 * of roles, and so the topology graph, is the same.
 */
export const SCALE_PRESETS: Readonly<Record<HaScale, ScalePreset>> = {
  small: {
    concurrentUsers: 1000,
    counts: { ...DB_TIER, ...SINGLETONS, coturn: 2, ...media(2) },
    sizes: withColocated({
      patroni: { vcpu: 8, memoryGiB: 32, diskGB: 500 },
      haproxy: { vcpu: 4, memoryGiB: 8 },
      minio: { vcpu: 4, memoryGiB: 16, diskGB: 2000 },
      coturn: { vcpu: 4, memoryGiB: 8 },
      livekit: { vcpu: 8, memoryGiB: 16 },
      monitoring: { vcpu: 4, memoryGiB: 16 },
      backup: { vcpu: 4, memoryGiB: 16, diskGB: 2000 },
      synapse: { vcpu: 16, memoryGiB: 64, diskGB: 500 },
    }),
    workers: { sync: 4, generic: 2, federationSender: 2, eventPersister: 1 },
    mediaUploadGBPerDay: 50,
  },
  medium: {
    concurrentUsers: 5000,
    counts: { ...DB_TIER, ...SINGLETONS, coturn: 2, ...media(3) },
    sizes: withColocated({
      patroni: { vcpu: 12, memoryGiB: 48, diskGB: 1000 },
      haproxy: { vcpu: 4, memoryGiB: 8 },
      minio: { vcpu: 8, memoryGiB: 32, diskGB: 4000 },
      coturn: { vcpu: 4, memoryGiB: 8 },
      livekit: { vcpu: 12, memoryGiB: 24 },
      monitoring: { vcpu: 8, memoryGiB: 32 },
      backup: { vcpu: 4, memoryGiB: 16, diskGB: 2000 },
      synapse: { vcpu: 24, memoryGiB: 96, diskGB: 1000 },
    }),
    workers: { sync: 6, generic: 3, federationSender: 3, eventPersister: 2 },
    mediaUploadGBPerDay: 250,
  },
  large: {
    concurrentUsers: 10000,
    counts: { ...DB_TIER, ...SINGLETONS, coturn: 3, ...media(4) },
    sizes: withColocated({
      patroni: { vcpu: 16, memoryGiB: 64, diskGB: 1000 },
      haproxy: { vcpu: 4, memoryGiB: 8 },
      minio: { vcpu: 8, memoryGiB: 32, diskGB: 8000 },
      coturn: { vcpu: 8, memoryGiB: 16 },
      livekit: { vcpu: 16, memoryGiB: 32 },
      monitoring: { vcpu: 8, memoryGiB: 32 },
      backup: { vcpu: 8, memoryGiB: 32, diskGB: 5000 },
      synapse: { vcpu: 48, memoryGiB: 128, diskGB: 2000 },
    }),
    workers: { sync: 8, generic: 4, federationSender: 4, eventPersister: 2 },
    mediaUploadGBPerDay: 500,
  },
};

/**
 * Days uploads stay on the Synapse host's disk: what half its data disk holds at the
 * scale's upload rate (the other half for thumbnails, logs and headroom), at least one.
 */
export function defaultMediaCacheDays(scale: HaScale): number {
  const preset = SCALE_PRESETS[scale];
  return Math.max(1, Math.floor((preset.sizes.synapse.diskGB ?? 0) / 2 / preset.mediaUploadGBPerDay));
}
