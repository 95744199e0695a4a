import { port, type FixedPortName } from "../../topology/ports";
import type { Role } from "../../topology/roles";
import type { Topology } from "../../topology/topology";
import { members } from "../view";

/** Where the monitoring host keeps the cluster CA and its own client certificate. */
export const MONITORING_TLS_DIR = "/etc/prometheus/tls";
export const BLACKBOX_ADDRESS = "127.0.0.1:9115";
/** The blackbox module that completes a TLS handshake verified against the cluster CA. */
export const TLS_PROBE_MODULE = "tls_cluster";

/** The exporter each role runs, by its port in the port matrix (host.*: every host). */
const EXPORTERS: ReadonlyArray<{ job: string; port: FixedPortName; metricsPath?: string; https?: true }> = [
  { job: "node", port: "host.node_exporter" },
  { job: "etcd", port: "etcd.metrics" },
  { job: "patroni", port: "patroni.rest", https: true },
  { job: "postgres", port: "patroni.exporter" },
  { job: "haproxy", port: "haproxy.stats" },
  { job: "minio", port: "minio.s3", metricsPath: "/minio/v2/metrics/cluster" },
  { job: "livekit", port: "livekit.metrics" },
];

/** TLS endpoints whose certificates the blackbox exporter watches (expiry) and whose handshake it checks. */
const TLS_ENDPOINTS: readonly FixedPortName[] = ["etcd.client", "patroni.rest", "haproxy.https", "coturn.tls"];

/** The hosts that listen on a port of the matrix: its role's, or every host for host.*. */
const listeners = (topology: Topology, name: FixedPortName) => (name.startsWith("host.") ? topology.hosts : members(topology, name.split(".")[0] as Role));

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
    const hosts = listeners(topology, e.port);
    if (hosts.length === 0) return undefined;
    return {
      job_name: e.job,
      ...(e.metricsPath ? { metrics_path: e.metricsPath } : {}),
      ...(e.https ? { scheme: "https", tls_config: tlsConfig } : {}),
      static_configs: [{ targets: hosts.map((h) => `${h.name}:${port(e.port)}`) }],
    };
  }).filter((c): c is ScrapeConfig => c !== undefined);

  const synapse = members(topology, "synapse")[0];
  const processes = synapse ? [{ id: "main-process", path: "/metrics/synapse/main-process" }, ...topology.synapseWorkers.map(({ id }) => ({ id, path: `/metrics/synapse/worker/${id}` }))] : [];
  const synapseJob: ScrapeConfig[] = synapse
    ? [
        {
          job_name: "synapse",
          scheme: "https",
          tls_config: tlsConfig,
          static_configs: processes.map((p) => ({ targets: [`${topology.domain}:${port("haproxy.https")}`], labels: { __metrics_path__: p.path, instance: `${synapse.name}:${p.id}`, worker: p.id } })),
        },
      ]
    : [];

  const probeTargets = TLS_ENDPOINTS.flatMap((e) => listeners(topology, e).map((m) => `${m.name}:${port(e)}`));
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
