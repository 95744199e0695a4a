// The monitoring host's rendered configs, checked by the programs that run them (Debian
// 12's prometheus, prometheus-alertmanager, prometheus-blackbox-exporter): promtool check
// config / check rules, promtool test rules for the alert thresholds, amtool check-config,
// blackbox_exporter --config.check. Grafana is not packaged by Debian 12 and does not run
// here: its provisioning files are parsed and every dashboard query goes through promtool.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml, stringify } from "yaml";
import type { OnPremDeployment } from "../constructs/deployment/model";
import { buildTopology } from "../constructs/topology/resolve";
import { DASHBOARDS_DIR, RULES_FILE } from "../constructs/roles/monitoring";
import { ALERT_THRESHOLDS } from "../constructs/roles/monitoring/alerts";
import { DASHBOARDS } from "../constructs/roles/monitoring/dashboards";
import { synapseWorkerIds } from "../constructs/topology/workers";
import { ROOT } from "./helpers/examples";
import { materializeHost } from "./helpers/host-files";
import { loadExample } from "./helpers/examples";
import { run, tempDir } from "./helpers/programs";

const tmp = tempDir("monitoring");

/** The monitoring host's files under tmp/<label>/, absolute paths rewritten to point there. */
function materialize(deployment: OnPremDeployment, label: string): string {
  const topology = buildTopology(deployment);
  const root = join(tmp.dir, label);
  const host = topology.hosts.find((h) => h.roles.includes("monitoring"))!;
  return materializeHost(deployment, host.name, root, (text) => text.replace(/(?<![\w/])\/(etc\/prometheus|etc\/grafana|var\/lib\/grafana)\//g, `${root}/$1/`));
}

const small = buildTopology(loadExample("onprem-small"));
const root = materialize(loadExample("onprem-small") as OnPremDeployment, "small");
const file = (path: string) => join(root, path);
const prometheus = parseYaml(readFileSync(file("/etc/prometheus/prometheus.yml"), "utf8"));
const jobs = (): Array<{ job_name: string; static_configs: Array<{ targets: string[]; labels?: Record<string, string> }> }> => prometheus.scrape_configs;

describe("Prometheus (promtool 2.42 from Debian 12)", () => {
  test("promtool check config accepts prometheus.yml with its rule file and TLS files", () => {
    const r = run("promtool", ["check", "config", file("/etc/prometheus/prometheus.yml")]);
    expect(r.output).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });

  test("promtool check rules accepts the alert rules, annotations' templates included", () => {
    const r = run("promtool", ["check", "rules", file(RULES_FILE)]);
    expect(r.status).toBe(0);
    expect(r.output).toMatch(/SUCCESS: \d+ rules found/);
  });

  test("every exporter of the cluster is scraped, on every host that runs it", () => {
    const targets = (job: string) => jobs().find((j) => j.job_name === job)!.static_configs.flatMap((c) => c.targets);
    expect(targets("node")).toHaveLength(small.hosts.length);
    expect(targets("etcd")).toEqual(["db1:2381", "db2:2381", "db3:2381"]);
    expect(targets("patroni")).toEqual(["db1:8008", "db2:8008", "db3:8008"]);
    expect(targets("postgres")).toEqual(["db1:9187", "db2:9187", "db3:9187"]);
    expect(targets("haproxy")).toEqual(["lb1:8404", "lb2:8404"]);
    expect(targets("minio")).toEqual(["obj1:9000", "obj2:9000", "obj3:9000", "obj4:9000"]);
    expect(targets("livekit")).toEqual(["rtc1:6789", "rtc2:6789"]);
    // Coturn in Debian 12 has no exporter: its TLS listener is probed instead.
    expect(targets("tls")).toEqual(expect.arrayContaining(["turn1:5349", "turn2:5349", "db1:2379", "lb1:443"]));
  });

  test("Synapse's main process and each of its 24 workers are scraped through HAProxy, verified against the CA", () => {
    const synapse = jobs().find((j) => j.job_name === "synapse")! as unknown as { scheme: string; tls_config: { ca_file: string }; static_configs: Array<{ targets: string[]; labels: Record<string, string> }> };
    expect(synapse.scheme).toBe("https");
    const paths = synapse.static_configs.map((c) => c.labels.__metrics_path__);
    expect(paths).toHaveLength(1 + 24);
    expect(paths).toContain("/metrics/synapse/main-process");
    expect(paths).toContain("/metrics/synapse/worker/sync-worker-3");
    expect(paths).toContain("/metrics/synapse/worker/stream-writer-0-events");
    expect(new Set(synapse.static_configs.flatMap((c) => c.targets))).toEqual(new Set(["chat.z3r0d3v.com:443"]));
  });
});

/**
 * promtool test rules compares annotations too; the thresholds are what this checks, so
 * the test copy of the rules drops them (promtool check rules has parsed them above).
 */
function rulesWithoutAnnotations(): string {
  const rules = parseYaml(readFileSync(file(RULES_FILE), "utf8"));
  for (const g of rules.groups) for (const r of g.rules) delete r.annotations;
  const out = join(root, "rules-under-test.yml");
  writeFileSync(out, stringify(rules));
  return out;
}

interface AlertCase {
  readonly name: string;
  readonly series: ReadonlyArray<{ series: string; values: string }>;
  readonly evalAt: string;
  readonly alertname: string;
  readonly expected: ReadonlyArray<Record<string, string>>;
}

function promtoolTest(cases: readonly AlertCase[]): ReturnType<typeof run> {
  const testFile = join(root, "alerts.test.yml");
  writeFileSync(
    testFile,
    stringify({
      rule_files: [rulesWithoutAnnotations()],
      evaluation_interval: "1m",
      tests: cases.map((c) => ({
        name: c.name,
        interval: "1m",
        input_series: c.series,
        alert_rule_test: [{ eval_time: c.evalAt, alertname: c.alertname, exp_alerts: c.expected.map((labels) => ({ exp_labels: labels })) }],
      })),
    }),
  );
  return run("promtool", ["test", "rules", testFile]);
}

/** A histogram whose observations all fall in the bucket ending at `slowBucket` (rate per minute). */
const histogram = (metric: string, selector: string, slowBucket: string) =>
  ["0.05", "0.1", "0.25", "0.5", "1", "+Inf"].map((le) => ({
    series: `${metric}_bucket{${selector}${selector ? "," : ""}le="${le}",job="synapse",instance="synapse1:main-process"}`,
    values: Number(le) >= Number(slowBucket) || le === "+Inf" ? "0+60x30" : "0x30",
  }));

describe("alert thresholds (promtool test rules: the rules fire at seed 003's values, and only there)", () => {
  const instance = "db1:9100";
  test("thresholds are the research notes' values", () => {
    expect(ALERT_THRESHOLDS.syncLatencyP95Seconds).toEqual({ warning: 0.15, critical: 0.3 });
    expect(ALERT_THRESHOLDS.eventPersistP95Seconds).toEqual({ warning: 0.1, critical: 0.5 });
    expect(ALERT_THRESHOLDS.dbCacheHitRatio).toEqual({ warning: 0.99, critical: 0.95 });
    expect(ALERT_THRESHOLDS.memoryUsage).toEqual({ warning: 0.85, critical: 0.9 });
  });

  test("the alerts fire as expected", () => {
    const cases: AlertCase[] = [
      { name: "a scrape target down 3 minutes", series: [{ series: `up{job="node",instance="${instance}"}`, values: "0x5" }], evalAt: "3m", alertname: "TargetDown", expected: [{ severity: "critical", job: "node", instance }] },
      { name: "a target down 1 minute is not yet an alert", series: [{ series: `up{job="node",instance="${instance}"}`, values: "0x5" }], evalAt: "1m", alertname: "TargetDown", expected: [] },
      // p95 of syncs in the 0.25-0.5 s bucket interpolates above 0.3 s: warning and critical.
      { name: "sync p95 ~0.49 s", series: histogram("synapse_sliding_sync_processing_time", "", "0.5"), evalAt: "20m", alertname: "SynapseSyncLatencyHighCritical", expected: [{ severity: "critical" }] },
      { name: "sync p95 ~0.098 s is fine", series: histogram("synapse_sliding_sync_processing_time", "", "0.1"), evalAt: "20m", alertname: "SynapseSyncLatencyHigh", expected: [] },
      { name: "send p95 ~0.24 s: warning only", series: histogram("synapse_http_server_response_time_seconds", 'servlet="RoomSendEventRestServlet"', "0.25"), evalAt: "20m", alertname: "SynapseEventPersistSlow", expected: [{ severity: "warning" }] },
      { name: "send p95 ~0.24 s: not critical", series: histogram("synapse_http_server_response_time_seconds", 'servlet="RoomSendEventRestServlet"', "0.25"), evalAt: "20m", alertname: "SynapseEventPersistSlowCritical", expected: [] },
      {
        name: "memory 92% used",
        series: [
          { series: `node_memory_MemAvailable_bytes{instance="${instance}"}`, values: "8x30" },
          { series: `node_memory_MemTotal_bytes{instance="${instance}"}`, values: "100x30" },
        ],
        evalAt: "15m",
        alertname: "HostMemoryHighCritical",
        expected: [{ severity: "critical", instance }],
      },
      {
        name: "cache hit ratio 97%: warning",
        series: [
          { series: 'pg_stat_database_blks_hit{instance="db1:9187",datname="synapse"}', values: "0+97x30" },
          { series: 'pg_stat_database_blks_read{instance="db1:9187",datname="synapse"}', values: "0+3x30" },
        ],
        evalAt: "30m",
        alertname: "PostgresCacheHitRatioLow",
        expected: [{ severity: "warning", instance: "db1:9187" }],
      },
      // 220 of the 250 server connections (small scale's pool) is 88%.
      { name: "pool 88% used", series: [{ series: 'pg_stat_activity_count{instance="db1:9187",datname="synapse",state="active"}', values: "220x20" }], evalAt: "15m", alertname: "DatabasePoolSaturated", expected: [{ severity: "warning", instance: "db1:9187" }] },
      {
        name: "a replica 300 MiB behind",
        series: [
          { series: 'patroni_xlog_location{instance="db1:8008"}', values: `${400 * 2 ** 20}x10` },
          { series: 'patroni_xlog_location{instance="db2:8008"}', values: "0x10" },
          { series: 'patroni_replica{instance="db2:8008"}', values: "1x10" },
          { series: 'patroni_xlog_replayed_location{instance="db2:8008"}', values: `${100 * 2 ** 20}x10` },
        ],
        evalAt: "6m",
        alertname: "PostgresReplicationLagCritical",
        expected: [{ severity: "critical", instance: "db2:8008" }],
      },
      { name: "a certificate with 20 days left", series: [{ series: 'probe_ssl_earliest_cert_expiry{instance="db1:2379",job="tls"}', values: `${20 * 86400 + 3600}x90` }], evalAt: "65m", alertname: "CertificateExpiresSoon", expected: [{ severity: "warning", instance: "db1:2379", job: "tls" }] },
      { name: "a certificate with 20 days left is not critical", series: [{ series: 'probe_ssl_earliest_cert_expiry{instance="db1:2379",job="tls"}', values: `${20 * 86400 + 3600}x90` }], evalAt: "65m", alertname: "CertificateExpiresSoonCritical", expected: [] },
      { name: "no primary", series: [{ series: 'patroni_primary{instance="db1:8008"}', values: "0x5" }], evalAt: "2m", alertname: "DatabaseWithoutLeader", expected: [{ severity: "critical" }] },
    ];
    const r = promtoolTest(cases);
    expect(r.output).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });

  test("a wrong expectation fails promtool (the check above can fail)", () => {
    const r = promtoolTest([{ name: "healthy memory", series: [{ series: `node_memory_MemAvailable_bytes{instance="${instance}"}`, values: "50x30" }, { series: `node_memory_MemTotal_bytes{instance="${instance}"}`, values: "100x30" }], evalAt: "15m", alertname: "HostMemoryHigh", expected: [{ severity: "warning", instance }] }]);
    expect(r.status).not.toBe(0);
  });
});

describe("capacity you can see coming (promtool test rules): a media, object store or backup disk that fills within 7 days at its recent rate", () => {
  const GB = 1e9;
  /** Free space over 8 hours (one sample a minute), shrinking so that it runs out after `days`. */
  const filling = (instance: string, mountpoint: string, freeGB: number, days: number) => ({
    series: `node_filesystem_avail_bytes{instance="${instance}",mountpoint="${mountpoint}",fstype="ext4"}`,
    values: `${freeGB * GB}-${Math.round((freeGB * GB) / (days * 24 * 60))}x480`,
  });
  const at = "7h";

  test("each kind fires for its hosts when the trend empties the disk within 7 days, and not at 30 days", () => {
    const r = promtoolTest([
      { name: "media cache full in 3 days", series: [filling("synapse1:9100", "/matrix", 300, 3)], evalAt: at, alertname: "MediaCacheDiskFillsSoon", expected: [{ severity: "warning", instance: "synapse1:9100", mountpoint: "/matrix", fstype: "ext4" }] },
      { name: "media cache full in 30 days: fine", series: [filling("synapse1:9100", "/matrix", 300, 30)], evalAt: at, alertname: "MediaCacheDiskFillsSoon", expected: [] },
      { name: "an object store drive full in 5 days", series: [filling("obj3:9100", "/srv/minio/disk2", 1500, 5)], evalAt: at, alertname: "ObjectStoreFillsSoon", expected: [{ severity: "warning", instance: "obj3:9100", mountpoint: "/srv/minio/disk2", fstype: "ext4" }] },
      { name: "the backup disk full in 6 days", series: [filling("backup1:9100", "/srv/backup", 1000, 6)], evalAt: at, alertname: "BackupDiskFillsSoon", expected: [{ severity: "warning", instance: "backup1:9100", mountpoint: "/srv/backup", fstype: "ext4" }] },
      // A database disk filling is HostDiskFull's business, not the media forecast's.
      { name: "a database disk is not a media disk", series: [filling("db1:9100", "/var/lib/postgresql", 100, 2)], evalAt: at, alertname: "MediaCacheDiskFillsSoon", expected: [] },
      { name: "a trend seen for less than an hour does not alert yet", series: [filling("synapse1:9100", "/matrix", 300, 3)], evalAt: "50m", alertname: "MediaCacheDiskFillsSoon", expected: [] },
    ]);
    expect(r.output).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });

  test("the rules name the cluster's own hosts of each kind", () => {
    const groups = parseYaml(readFileSync(file(RULES_FILE), "utf8")).groups as { name: string; rules: { alert: string; expr: string }[] }[];
    const capacity = groups.find((g) => g.name === "capacity")!.rules;
    expect(capacity.map((r) => [r.alert, /instance=~"([^"]+)"/.exec(r.expr)![1]])).toEqual([
      ["MediaCacheDiskFillsSoon", "synapse1:9100"],
      ["ObjectStoreFillsSoon", "obj1:9100|obj2:9100|obj3:9100|obj4:9100"],
      ["BackupDiskFillsSoon", "backup1:9100"],
    ]);
  });
});

describe("Alertmanager (amtool 0.25) and blackbox_exporter (0.23)", () => {
  test("amtool accepts alertmanager.yml without e-mail delivery, and with it", () => {
    const bare = run("amtool", ["check-config", file("/etc/prometheus/alertmanager.yml")]);
    expect(bare.output).toContain("SUCCESS");
    const d = loadExample("onprem-small") as OnPremDeployment;
    const withMail = materialize({ ...d, onprem: { ...d.onprem, alerts: { email: "ops@example.org", smarthost: "mail.example.internal:25", from: "alertmanager@chat.z3r0d3v.com" } } }, "mail");
    const mailed = run("amtool", ["check-config", join(withMail, "/etc/prometheus/alertmanager.yml")]);
    expect(mailed.output).toContain("SUCCESS");
    expect(mailed.status).toBe(0);
    expect(parseYaml(readFileSync(join(withMail, "/etc/prometheus/alertmanager.yml"), "utf8")).receivers[0].email_configs[0].to).toBe("ops@example.org");
  });

  test("blackbox_exporter --config.check accepts its TLS module with the CA and client certificate", () => {
    const r = run("prometheus-blackbox-exporter", ["--config.check", `--config.file=${file("/etc/prometheus/blackbox.yml")}`]);
    expect(r.status).toBe(0);
    expect(r.output).toMatch(/Config file is ok/i);
  });
});

describe("Grafana provisioning (Grafana itself is not in Debian 12 and cannot be fetched here; files parsed, queries checked by promtool)", () => {
  test("the data source and the dashboard provider parse and point where the files are", () => {
    const ds = parseYaml(readFileSync(file("/etc/grafana/provisioning/datasources/prometheus.yaml"), "utf8"));
    expect(ds.datasources[0]).toMatchObject({ type: "prometheus", uid: "prometheus", url: "http://127.0.0.1:9090", isDefault: true });
    const provider = parseYaml(readFileSync(file("/etc/grafana/provisioning/dashboards/matrix-platform.yaml"), "utf8")).providers[0];
    expect(provider.options.path).toBe(file(DASHBOARDS_DIR));
  });

  test("Grafana's settings: the admin password a generated secret (never a default), listening on the host's address, no calls home", () => {
    const env = readFileSync(file("/etc/matrix-platform/grafana.env"), "utf8");
    // The test writes each secret as test-<name>: the value is the generated secret, not a literal.
    expect(env).toMatch(/^GF_SECURITY_ADMIN_PASSWORD=test-grafana_admin$/m);
    expect(env).toMatch(/^GF_SERVER_HTTP_ADDR=10\.10\.7\.10$/m);
    expect(env).toMatch(/^GF_ANALYTICS_REPORTING_ENABLED=false$/m);
    const dropIn = readFileSync(file("/etc/systemd/system/grafana-server.service.d/matrix-platform.conf"), "utf8");
    expect(dropIn).toBe("[Service]\nEnvironmentFile=/etc/matrix-platform/grafana.env\n");
  });

  test("the Synapse, PostgreSQL, hosts and HAProxy dashboards are valid JSON whose every query PromQL accepts", () => {
    const titles = DASHBOARDS.map((d) => JSON.parse(readFileSync(file(`${DASHBOARDS_DIR}/${d.uid}.json`), "utf8")).title);
    expect(titles).toEqual(["Synapse", "PostgreSQL", "Hosts", "HAProxy"]);
    // Each query as a recording rule: promtool check rules parses it with Prometheus' own parser.
    const exprs = DASHBOARDS.flatMap((d) => d.panels.flatMap((p) => p.queries.map((q) => q.expr)));
    const rulesFile = join(root, "dashboard-queries.yml");
    writeFileSync(rulesFile, stringify({ groups: [{ name: "dashboards", rules: exprs.map((expr, i) => ({ record: `dashboard:query${i}`, expr })) }] }));
    const r = run("promtool", ["check", "rules", rulesFile]);
    expect(r.output).toContain(`SUCCESS: ${exprs.length} rules found`);
  });
});

describe("metric names exist in the programs that export them", () => {
  const rules = readFileSync(file(RULES_FILE), "utf8") + DASHBOARDS.flatMap((d) => d.panels.flatMap((p) => p.queries.map((q) => q.expr))).join("\n");
  const named = (prefix: string) => [...new Set([...rules.matchAll(new RegExp(`\\b(${prefix}[a-z0-9_]+?)(?:_bucket|_sum|_count|_total)?\\b`, "g"))].map((m) => m[1]))];

  test("synapse_* names are in the installed Synapse's source (the poc end-to-end venv)", () => {
    const source = run("grep", ["-rhoE", '"synapse_[a-z0-9_]+"', join(ROOT, ".cache/venv-synapse/lib")]).stdout;
    for (const name of named("synapse_")) expect([name, source.includes(`"${name}"`)]).toEqual([name, true]);
  });

  test("patroni_* names are in Debian's Patroni REST API", () => {
    const source = run("grep", ["-rhoE", "patroni_[a-z_]+", "/usr/lib/python3/dist-packages/patroni/api.py"]).stdout;
    for (const name of named("patroni_")) expect([name, source.split("\n").includes(name)]).toEqual([name, true]);
  });

  test("the worker ids are matrix-docker-ansible-deploy's (specialized-workers with our counts)", () => {
    expect(synapseWorkerIds({ sync: 2, generic: 1, federationSender: 1, eventPersister: 2 })).toEqual([
      "room-worker-0",
      "sync-worker-0",
      "sync-worker-1",
      "client-reader-0",
      "federation-reader-0",
      "stream-writer-0-events",
      "stream-writer-1-events",
      "stream-writer-2-typing",
      "stream-writer-3-to_device",
      "stream-writer-4-account_data",
      "stream-writer-5-receipts",
      "stream-writer-6-presence",
      "stream-writer-7-push_rules",
      "stream-writer-8-device_lists",
      "stream-writer-9-quarantined_media_changes",
      "federation-sender-0",
      "pusher-0",
      "appservice-0",
      "user-dir-0",
      "background-0",
      "media-repository-0",
    ]);
  });
});
