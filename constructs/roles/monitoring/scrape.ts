import type { Role } from "../../topology/roles";
import type { Topology } from "../../topology/topology";
import { members } from "../view";

/** Where the monitoring host keeps the cluster CA and its own client certificate. */
export const MONITORING_TLS_DIR = "/etc/prometheus/tls";
export const BLACKBOX_ADDRESS = "127.0.0.1:9115";
/** The blackbox module that completes a TLS handshake verified against the cluster CA. */
export const TLS_PROBE_MODULE = "tls_cluster";

/** The exporter each role runs, on the port of the port matrix. */
const EXPORTERS: ReadonlyArray<{ job: string; role: Role | "all"; port: number; metricsPath?: string; https?: true }> = [
  { job: "node", role: "all", port: 9100 },
  { job: "etcd", role: "etcd", port: 2381 },
  { job: "patroni", role: "patroni", port: 8008, https: true },
  { job: "postgres", role: "patroni", port: 9187 },
  { job: "haproxy", role: "haproxy", port: 8404 },
  { job: "minio", role: "minio", port: 9000, metricsPath: "/minio/v2/metrics/cluster" },
  { job: "livekit", role: "livekit", port: 6789 },
];

/** TLS endpoints whose certificates the blackbox exporter watches (expiry) and whose handshake it checks. */
const TLS_ENDPOINTS: ReadonlyArray<{ role: Role; port: number }> = [
  { role: "etcd", port: 2379 },
  { role: "patroni", port: 8008 },
  { role: "haproxy", port: 443 },
  { role: "coturn", port: 5349 },
];

type ScrapeConfig = Record<string, unknown>;

const tlsConfig = { ca_file: `${MONITORING_TLS_DIR}/ca.crt` };

/**
 * Prometheus scrape jobs: every exporter by role; Synapse's main process and each worker
 * through HAProxy on the cluster's name (matrix-docker-ansible-deploy's metrics proxying,
 * /metrics/synapse/...; HAProxy admits that path from the monitoring hosts only); and the
 * blackbox exporter's TLS probes. Coturn 4.6.1 in Debian 12 has no Prometheus exporter:
 * its probe is how Prometheus sees it.
 */
export function scrapeConfigs(topology: Topology): ScrapeConfig[] {
  const exporters = EXPORTERS.map((e): ScrapeConfig | undefined => {
    const hosts = e.role === "all" ? topology.hosts : members(topology, e.role);
    if (hosts.length === 0) return undefined;
    return {
      job_name: e.job,
      ...(e.metricsPath ? { metrics_path: e.metricsPath } : {}),
      ...(e.https ? { scheme: "https", tls_config: tlsConfig } : {}),
      static_configs: [{ targets: hosts.map((h) => `${h.name}:${e.port}`) }],
    };
  }).filter((c): c is ScrapeConfig => c !== undefined);

  const synapse = members(topology, "synapse")[0];
  const processes = synapse ? [{ id: "main-process", path: "/metrics/synapse/main-process" }, ...topology.workerIds.map((id) => ({ id, path: `/metrics/synapse/worker/${id}` }))] : [];
  const synapseJob: ScrapeConfig[] = synapse
    ? [
        {
          job_name: "synapse",
          scheme: "https",
          tls_config: tlsConfig,
          static_configs: processes.map((p) => ({ targets: [`${topology.domain}:443`], labels: { __metrics_path__: p.path, instance: `${synapse.name}:${p.id}`, worker: p.id } })),
        },
      ]
    : [];

  const probeTargets = TLS_ENDPOINTS.flatMap((e) => members(topology, e.role).map((m) => `${m.name}:${e.port}`));
  const probes: ScrapeConfig[] =
    probeTargets.length === 0
      ? []
      : [
          {
            job_name: "tls",
            metrics_path: "/probe",
            params: { module: [TLS_PROBE_MODULE] },
            static_configs: [{ targets: probeTargets }],
            relabel_configs: [
              { source_labels: ["__address__"], target_label: "__param_target" },
              { source_labels: ["__param_target"], target_label: "instance" },
              { target_label: "__address__", replacement: BLACKBOX_ADDRESS },
            ],
          },
        ];
  return [...exporters, ...synapseJob, ...probes];
}
