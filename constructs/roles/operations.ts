import type { Role } from "../model/roles";
import { renderTemplate } from "../render";
import { MDAD_CHECKED_AT } from "./synapse-host/mdad-variables";
import type { RoleRenderer } from "./unit";
import { commonView, members } from "./view";

/** Scrape jobs: the port each role's exporter listens on (see the port matrix). */
const EXPORTERS: ReadonlyArray<{ job: string; role: Role | "all"; port: number; metricsPath?: string; tls?: true }> = [
  { job: "node", role: "all", port: 9100 },
  { job: "etcd", role: "etcd", port: 2381 },
  { job: "patroni", role: "patroni", port: 8008, tls: true },
  { job: "postgres", role: "patroni", port: 9187 },
  { job: "pgbouncer", role: "pgbouncer", port: 9127 },
  { job: "haproxy", role: "haproxy", port: 8404 },
  { job: "minio", role: "minio", port: 9000, metricsPath: "/minio/v2/metrics/cluster" },
  { job: "livekit", role: "livekit", port: 6789 },
  { job: "synapse", role: "synapse", port: 9000, metricsPath: "/_synapse/metrics" },
];

export const renderMonitoring: RoleRenderer = ({ topology, host }) => {
  const view = commonView(topology, host);
  const caFile = "/etc/prometheus/tls/ca.crt";
  const jobs = EXPORTERS.map((e) => ({
    job: e.job,
    ...(e.metricsPath ? { metricsPath: e.metricsPath } : {}),
    ...(e.tls ? { tls: { caFile } } : {}),
    targets: (e.role === "all" ? topology.hosts : members(topology, e.role)).map((m) => `"${m.name}:${e.port}"`),
  })).filter((j) => j.targets.length > 0);
  return {
    name: "monitoring",
    files: [{ path: "/etc/prometheus/prometheus.yml", content: renderTemplate("monitoring/prometheus.yml.mustache", { ...view, jobs }), mode: "0644" }],
    pki: [{ path: caFile, item: "ca-certificate", mode: "0644" }],
    activate: renderTemplate("monitoring/activate.sh.mustache", view),
    packages: ["prometheus", "prometheus-alertmanager"],
  };
};

/** Retention: 4 weekly full backups, differentials of the last 7 days. */
export const BACKUP_RETENTION = { full: 4, diff: 7 } as const;

export const renderBackup: RoleRenderer = ({ topology, host }) => {
  const view = commonView(topology, host);
  const databases = members(topology, "patroni").map((m, i) => ({ ...m, index: i + 1 }));
  const conf = { ...view, stanza: topology.deployment.name, databases, retentionFull: BACKUP_RETENTION.full, retentionDiff: BACKUP_RETENTION.diff };
  return {
    name: "backup",
    files: [{ path: "/etc/pgbackrest/pgbackrest.conf", content: renderTemplate("backup/pgbackrest.conf.mustache", conf), mode: "0640", owner: "root:postgres" }],
    activate: renderTemplate("backup/activate.sh.mustache", view),
    packages: ["pgbackrest", "rsync"],
  };
};

export const renderSynapse: RoleRenderer = ({ topology, host }) => {
  const view = commonView(topology, host);
  const d = topology.deployment;
  const sshUser = d.target === "onprem" ? d.onprem.hosts.find((h) => h.name === host.name)?.ssh.user ?? "root" : "root";
  const loadBalancers = members(topology, "haproxy").map((m, i, all) => ({ ...m, last: i === all.length - 1 }));
  // turn: over UDP and TCP, turns: over TLS (the certificate names the address).
  const turnUris = members(topology, "coturn").flatMap((m) => [`turn:${m.address}:3478?transport=udp`, `turn:${m.address}:3478?transport=tcp`, `turns:${m.address}:5349?transport=tcp`]);
  const vars = { ...view, scale: d.scale, federation: d.federation, workers: topology.workers, sshUser, loadBalancers, turnUris, mdad: MDAD_CHECKED_AT };
  const inventory = "/opt/matrix-platform/inventory";
  return {
    name: "synapse",
    files: [
      { path: `${inventory}/hosts`, content: renderTemplate("synapse/hosts.mustache", vars), mode: "0644" },
      { path: `${inventory}/host_vars/${d.domain}/vars.yml`, content: renderTemplate("synapse/vars.yml.mustache", vars), mode: "0600" },
    ],
    activate: renderTemplate("synapse/activate.sh.mustache", view),
    packages: ["docker.io", "python3"],
  };
};
