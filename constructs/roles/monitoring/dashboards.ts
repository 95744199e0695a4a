/**
 * Grafana dashboards, provisioned from files: Synapse, PostgreSQL, hosts (node_exporter)
 * and HAProxy, with the figures seed 003 asks operators to watch. Written here rather
 * than downloaded: the cluster has no Internet, and each query is checked by promtool in
 * test/monitoring.test.ts against the metric names of the exporters we install.
 */
export interface Panel {
  readonly title: string;
  /** PromQL, one per series; `legend` is Grafana's legend format. */
  readonly queries: ReadonlyArray<{ readonly expr: string; readonly legend: string }>;
  readonly unit: "s" | "percentunit" | "bytes" | "ops" | "reqps" | "short" | "Bps";
}

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly Panel[];
}

const q = (expr: string, legend: string) => ({ expr, legend });
const p95 = (metric: string, selector: string, by = "") => `histogram_quantile(0.95, sum by (le${by}) (rate(${metric}_bucket${selector}[5m])))`;

export const DASHBOARDS: readonly Dashboard[] = [
  {
    uid: "matrix-synapse",
    title: "Synapse",
    panels: [
      { title: "Sync processing time (p95)", unit: "s", queries: [q(p95("synapse_sliding_sync_processing_time", ""), "p95")] },
      { title: "Message send time (p95)", unit: "s", queries: [q(p95("synapse_http_server_response_time_seconds", '{servlet="RoomSendEventRestServlet"}'), "p95")] },
      { title: "Requests by process", unit: "reqps", queries: [q("sum by (worker) (rate(synapse_http_server_response_count_total[5m]))", "{{worker}}")] },
      { title: "CPU by process", unit: "percentunit", queries: [q("sum by (worker) (rate(process_cpu_seconds_total{job=\"synapse\"}[5m]))", "{{worker}}")] },
      { title: "Memory by process", unit: "bytes", queries: [q("sum by (worker) (process_resident_memory_bytes{job=\"synapse\"})", "{{worker}}")] },
      { title: "Database scheduling delay", unit: "s", queries: [q("sum by (worker) (rate(synapse_storage_schedule_time_sum[5m])) / sum by (worker) (rate(synapse_storage_schedule_time_count[5m]))", "{{worker}}")] },
      { title: "Event processing lag", unit: "s", queries: [q("max by (name) (synapse_event_processing_lag)", "{{name}}")] },
    ],
  },
  {
    uid: "matrix-postgresql",
    title: "PostgreSQL",
    panels: [
      { title: "Cache hit ratio", unit: "percentunit", queries: [q("sum by (instance) (rate(pg_stat_database_blks_hit[5m])) / (sum by (instance) (rate(pg_stat_database_blks_hit[5m])) + sum by (instance) (rate(pg_stat_database_blks_read[5m])))", "{{instance}}")] },
      { title: "Connections by state (synapse)", unit: "short", queries: [q('sum by (instance, state) (pg_stat_activity_count{datname="synapse"})', "{{instance}} {{state}}")] },
      { title: "Transactions", unit: "ops", queries: [q("sum by (instance) (rate(pg_stat_database_xact_commit[5m]))", "{{instance}} commits"), q("sum by (instance) (rate(pg_stat_database_xact_rollback[5m]))", "{{instance}} rollbacks")] },
      { title: "Replication lag", unit: "bytes", queries: [q("scalar(max(patroni_xlog_location)) - (patroni_xlog_replayed_location and on (instance) patroni_replica == 1)", "{{instance}}")] },
      { title: "Leader", unit: "short", queries: [q("patroni_primary", "{{instance}}")] },
    ],
  },
  {
    uid: "matrix-hosts",
    title: "Hosts",
    panels: [
      { title: "CPU", unit: "percentunit", queries: [q('1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))', "{{instance}}")] },
      { title: "Memory used", unit: "percentunit", queries: [q("1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes", "{{instance}}")] },
      { title: "Disk free", unit: "percentunit", queries: [q('node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay|squashfs"}', "{{instance}} {{mountpoint}}")] },
      { title: "Network received", unit: "Bps", queries: [q('sum by (instance) (rate(node_network_receive_bytes_total{device!="lo"}[5m]))', "{{instance}}")] },
      { title: "Certificate days left", unit: "s", queries: [q("probe_ssl_earliest_cert_expiry - time()", "{{instance}}")] },
    ],
  },
  {
    uid: "matrix-haproxy",
    title: "HAProxy",
    panels: [
      { title: "Requests per frontend", unit: "reqps", queries: [q("sum by (proxy) (rate(haproxy_frontend_http_requests_total[5m]))", "{{proxy}}")] },
      { title: "Active servers per backend", unit: "short", queries: [q("sum by (proxy) (haproxy_backend_active_servers)", "{{proxy}}")] },
      { title: "Current sessions per backend", unit: "short", queries: [q("sum by (proxy) (haproxy_backend_current_sessions)", "{{proxy}}")] },
      { title: "5xx responses", unit: "reqps", queries: [q('sum by (proxy) (rate(haproxy_frontend_http_responses_total{code="5xx"}[5m]))', "{{proxy}}")] },
    ],
  },
];

/** Grafana's dashboard JSON: two time-series panels per row. */
export function dashboardJson(d: Dashboard): string {
  const panels = d.panels.map((p, i) => ({
    id: i + 1,
    type: "timeseries",
    title: p.title,
    datasource: { type: "prometheus", uid: "prometheus" },
    gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
    fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
    targets: p.queries.map((t, j) => ({ refId: String.fromCharCode(65 + j), expr: t.expr, legendFormat: t.legend, datasource: { type: "prometheus", uid: "prometheus" } })),
  }));
  return `${JSON.stringify({ uid: d.uid, title: d.title, tags: ["matrix-platform"], timezone: "browser", schemaVersion: 39, refresh: "30s", time: { from: "now-6h", to: "now" }, panels }, null, 2)}\n`;
}
