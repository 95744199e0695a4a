import { RENEW_BEFORE_DAYS } from "../../pki/check";

/**
 * Alert thresholds from the research notes (seed 003, "Performance & Monitoring
 * Targets"); where the notes give a "good" and a "critical" value, the warning sits at
 * the good one. Disk and certificate thresholds are ours.
 */
export const ALERT_THRESHOLDS = {
  syncLatencyP95Seconds: { warning: 0.15, critical: 0.3 },
  eventPersistP95Seconds: { warning: 0.1, critical: 0.5 },
  dbCacheHitRatio: { warning: 0.99, critical: 0.95 },
  dbPoolUsage: { warning: 0.8 },
  cpuUsage: { warning: 0.8 },
  memoryUsage: { warning: 0.85, critical: 0.9 },
  diskFree: { warning: 0.15, critical: 0.05 },
  replicationLagBytes: { warning: 16 * 1024 * 1024, critical: 256 * 1024 * 1024 },
  /** Warning when `npm run pki` would re-issue the certificate, critical a week before it expires. */
  certificateDaysLeft: { warning: RENEW_BEFORE_DAYS, critical: 7 },
} as const;

export type Severity = "warning" | "critical";

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: Severity };
  readonly annotations: { readonly summary: string; readonly description: string };
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

const rule = (alert: string, severity: Severity, expr: string, forDuration: string, summary: string, description: string): AlertRule => ({
  alert,
  expr,
  for: forDuration,
  labels: { severity },
  annotations: { summary, description },
});

/** One rule per severity: the same expression compared with each threshold. */
const graded = (
  alert: string,
  thresholds: Partial<Record<Severity, number>>,
  expr: (threshold: number) => string,
  forDuration: string,
  summary: string,
  description: string,
): AlertRule[] =>
  (["warning", "critical"] as const).flatMap((severity) => {
    const t = thresholds[severity];
    return t === undefined ? [] : [rule(`${alert}${severity === "critical" ? "Critical" : ""}`, severity, expr(t), forDuration, summary, description)];
  });

const p95 = (metric: string, selector = "") => `histogram_quantile(0.95, sum by (le) (rate(${metric}_bucket${selector}[5m])))`;
const T = ALERT_THRESHOLDS;
const DAY = 86400;

export const SYNAPSE_SEND_SERVLET = "RoomSendEventRestServlet";

/** Node exporter instances (`<host>:<port>`) of the hosts whose disks grow with the media. */
export interface CapacityInstances {
  readonly synapse: readonly string[];
  readonly minio: readonly string[];
  readonly backup: readonly string[];
}

/** How far ahead a filling disk is announced, and the trend it is read from. */
export const CAPACITY_FORECAST = { days: 7, trend: "6h" } as const;

/**
 * One alert per kind of storage: a filesystem of those hosts that, at the growth of the
 * last hours, runs out within the forecast. Absent when the cluster has no such host.
 */
function capacityRules(instances: CapacityInstances): AlertRule[] {
  const kinds = [
    { alert: "MediaCacheDiskFillsSoon", hosts: instances.synapse, what: "The Synapse host's disk (its media cache)", fix: "lower onprem.synapse.media_cache_days, or grow the disk" },
    { alert: "ObjectStoreFillsSoon", hosts: instances.minio, what: "An object store drive (MinIO keeps 75 % of raw capacity usable with EC:4)", fix: "add capacity to the object store (another erasure set) before it is full: MinIO refuses writes then" },
    { alert: "BackupDiskFillsSoon", hosts: instances.backup, what: "The backup server's disk", fix: "grow it, or shorten the retention (onprem.backup)" },
  ];
  const fs = 'fstype!~"tmpfs|overlay|squashfs"';
  return kinds
    .filter((k) => k.hosts.length > 0)
    .map((k) =>
      rule(
        k.alert,
        "warning",
        `predict_linear(node_filesystem_avail_bytes{${fs},instance=~"${k.hosts.join("|")}"}[${CAPACITY_FORECAST.trend}], ${CAPACITY_FORECAST.days * DAY}) < 0`,
        "1h",
        `{{ $labels.mountpoint }} on {{ $labels.instance }} fills within ${CAPACITY_FORECAST.days} days`,
        `${k.what} is filling at a rate that uses it up within ${CAPACITY_FORECAST.days} days (trend of the last ${CAPACITY_FORECAST.trend}): ${k.fix}.`,
      ),
    );
}

/** Prometheus rule groups of the cluster; `poolSize` is PgBouncer's server pool for Synapse. */
export function alertRuleGroups(poolSize: number, capacity: CapacityInstances = { synapse: [], minio: [], backup: [] }): RuleGroup[] {
  const capacityGroup = capacityRules(capacity);
  return [
    {
      name: "availability",
      rules: [
        rule("TargetDown", "critical", "up == 0", "2m", "{{ $labels.job }} on {{ $labels.instance }} is down", "Prometheus has not scraped {{ $labels.instance }} ({{ $labels.job }}) for 2 minutes."),
        rule("EndpointProbeFailed", "critical", "probe_success == 0", "2m", "{{ $labels.instance }} does not answer", "The TLS or TCP probe of {{ $labels.instance }} has failed for 2 minutes."),
        rule("DatabaseWithoutLeader", "critical", "max(patroni_primary) < 1", "1m", "No PostgreSQL primary", "No Patroni node reports itself primary: writes fail."),
      ],
    },
    {
      name: "synapse",
      rules: [
        // Sliding sync's processing time excludes the long-poll wait that /sync's response time includes.
        ...graded("SynapseSyncLatencyHigh", T.syncLatencyP95Seconds, (t) => `${p95("synapse_sliding_sync_processing_time")} > ${t}`, "10m", "Sync p95 above {{ $value | humanizeDuration }}", "95% of sync responses take longer than the threshold to generate (seed 003: good < 150 ms, critical > 300 ms)."),
        ...graded("SynapseEventPersistSlow", T.eventPersistP95Seconds, (t) => `${p95("synapse_http_server_response_time_seconds", `{servlet="${SYNAPSE_SEND_SERVLET}"}`)} > ${t}`, "10m", "Sending a message takes {{ $value | humanizeDuration }} (p95)", "Sending an event (persisting it) is slow (seed 003: good < 100 ms, critical > 500 ms)."),
      ],
    },
    {
      name: "database",
      rules: [
        ...graded(
          "PostgresCacheHitRatioLow",
          T.dbCacheHitRatio,
          (t) => `sum by (instance) (rate(pg_stat_database_blks_hit[10m])) / (sum by (instance) (rate(pg_stat_database_blks_hit[10m])) + sum by (instance) (rate(pg_stat_database_blks_read[10m]))) < ${t}`,
          "15m",
          "Cache hit ratio {{ $value | humanizePercentage }} on {{ $labels.instance }}",
          "PostgreSQL reads from disk more than it should (seed 003: good > 99%, critical < 95%): shared_buffers or RAM too small.",
        ),
        // Server connections PgBouncer holds open for Synapse, against the pool it may open.
        ...graded(
          "DatabasePoolSaturated",
          T.dbPoolUsage,
          (t) => `sum by (instance) (pg_stat_activity_count{datname="synapse"}) / ${poolSize} > ${t}`,
          "10m",
          "Synapse uses {{ $value | humanizePercentage }} of the database pool on {{ $labels.instance }}",
          "Synapse is close to PgBouncer's server pool (seed 003: good < 70%, warning > 80%); raise onprem.database.pool_size.",
        ),
        ...graded(
          "PostgresReplicationLag",
          T.replicationLagBytes,
          // Replicas report patroni_xlog_location 0, so its maximum is the primary's position.
          (t) => `scalar(max(patroni_xlog_location)) - (patroni_xlog_replayed_location and on (instance) patroni_replica == 1) > ${t}`,
          "5m",
          "Replica {{ $labels.instance }} is {{ $value | humanize1024 }}B behind",
          "A replica replays WAL far behind the primary: a failover to it would lose time, and backups from it are stale.",
        ),
      ],
    },
    {
      name: "hosts",
      rules: [
        ...graded("HostCpuHigh", T.cpuUsage, (t) => `1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])) > ${t}`, "15m", "CPU {{ $value | humanizePercentage }} on {{ $labels.instance }}", "Sustained CPU use above the threshold (seed 003: good < 70%, action > 80%)."),
        ...graded("HostMemoryHigh", T.memoryUsage, (t) => `1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes > ${t}`, "10m", "Memory {{ $value | humanizePercentage }} used on {{ $labels.instance }}", "RAM use above the threshold (seed 003: good < 85%, critical > 90%)."),
        ...graded(
          "HostDiskFull",
          T.diskFree,
          (t) => `node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay|squashfs"} < ${t}`,
          "10m",
          "{{ $labels.mountpoint }} on {{ $labels.instance }} has {{ $value | humanizePercentage }} free",
          "A filesystem is close to full; PostgreSQL, MinIO and the backup repository stop writing when it is.",
        ),
      ],
    },
    ...(capacityGroup.length > 0 ? [{ name: "capacity", rules: capacityGroup }] : []),
    {
      name: "certificates",
      rules: graded(
        "CertificateExpiresSoon",
        T.certificateDaysLeft,
        (t) => `probe_ssl_earliest_cert_expiry - time() < ${t * DAY}`,
        "1h",
        "The certificate of {{ $labels.instance }} expires in {{ $value | humanizeDuration }}",
        "Run `npm run pki -- <deployment.yaml>` to re-issue it, then `cdktf deploy` (help/operations.md, Day 2).",
      ),
    },
  ];
}
