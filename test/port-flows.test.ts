// Every connection a rendered configuration makes to another host must be one the port
// matrix allows between those two hosts: Prometheus's scrape targets and blackbox probes,
// HAProxy's backends and health checks, Patroni's etcd, Synapse's database and object
// store. A port written anywhere but the matrix (or a matrix rule that forgets a source)
// fails here, without a lab.
import { parse } from "yaml";
import type { ClusterPlan } from "../constructs/plan";
import { hostPlan, planCluster } from "../constructs/plan";
import { port, portMatrix } from "../constructs/topology/ports";
import { buildTopology } from "../constructs/topology/resolve";
import { hostPortRules, hostsWithRole, type Topology, type TopologyHost } from "../constructs/topology/topology";
import { loadExample } from "./helpers/examples";

interface Flow {
  readonly from: string;
  /** A host name, a host address or the VIP. */
  readonly to: string;
  readonly port: number;
  readonly what: string;
}

const inCidr = (address: string, cidr: string): boolean => {
  const [net, bits] = cidr.includes("/") ? cidr.split("/") : [cidr, "32"];
  const n = (a: string) => a.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(n(address) / size) === Math.floor(n(net) / size);
};

/** The flows the matrix refuses, one line each. */
function refusedFlows(topology: Topology, flows: readonly Flow[]): string[] {
  const byName = (name: string) => topology.hosts.find((h) => h.name === name || h.address === name);
  return flows.flatMap((f) => {
    const from = byName(f.from)!;
    const targets: readonly TopologyHost[] = f.to === topology.vip ? hostsWithRole(topology, "haproxy") : [byName(f.to)!];
    const refused = targets.filter(
      (target) =>
        !target ||
        !hostPortRules(topology, target).some(
          ({ rule, sources }) =>
            rule.protocol === "tcp" &&
            (rule.port === f.port || (Array.isArray(rule.port) && rule.port[0] <= f.port && f.port <= rule.port[1])) &&
            sources.some((s) => inCidr(from.address, s)),
        ),
    );
    return refused.map((t) => `${f.what}: ${f.from} -> ${t?.name ?? f.to}:${f.port} is not in the port matrix`);
  });
}

const fileOf = (plan: ClusterPlan, host: string, path: string): string => {
  const file = hostPlan(plan, host).units.flatMap((u) => u.files).find((f) => f.path === path);
  if (!file) throw new Error(`${host} has no ${path}`);
  return file.content;
};
const firstWith = (t: Topology, role: "monitoring" | "haproxy" | "patroni" | "synapse") => hostsWithRole(t, role)[0].name;
const hostPort = (target: string): [string, number] => {
  const i = target.lastIndexOf(":");
  return [target.slice(0, i), Number(target.slice(i + 1))];
};

/** What Prometheus and the blackbox exporter on the monitoring host connect to. */
function monitoringFlows(plan: ClusterPlan): Flow[] {
  const mon = firstWith(plan.topology, "monitoring");
  const prometheus = parse(fileOf(plan, mon, "/etc/prometheus/prometheus.yml")) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
  return prometheus.scrape_configs.flatMap((job) =>
    job.static_configs.flatMap((c) =>
      c.targets.map((target) => {
        const [to, p] = hostPort(target);
        // The cluster's name resolves to the VIP on every host (/etc/hosts).
        return { from: mon, to: to === plan.topology.domain ? plan.topology.vip! : to, port: p, what: `scrape job ${job.job_name}` };
      }),
    ),
  );
}

/** HAProxy's servers and the extra ports its health checks connect to. */
function haproxyFlows(plan: ClusterPlan): Flow[] {
  const lb = firstWith(plan.topology, "haproxy");
  const flows: Flow[] = [];
  let section = "";
  let checkPorts: number[] = [];
  for (const line of fileOf(plan, lb, "/etc/haproxy/haproxy.cfg").split("\n")) {
    const header = /^(listen|backend|frontend) (\S+)/.exec(line);
    if (header) [section, checkPorts] = [header[2], []];
    const check = /^\s+tcp-check connect port (\d+)/.exec(line);
    if (check) checkPorts.push(Number(check[1]));
    const server = /^\s+server (\S+) ([\d.]+):(\d+)/.exec(line);
    if (server) {
      for (const p of new Set([Number(server[3]), ...checkPorts])) flows.push({ from: lb, to: server[2], port: p, what: `HAProxy ${section} server ${server[1]}` });
    }
  }
  return flows;
}

/** Patroni to etcd, Synapse to the database and the object store through the VIP. */
function serviceFlows(plan: ClusterPlan): Flow[] {
  const t = plan.topology;
  const db = firstWith(t, "patroni");
  const etcd = (parse(fileOf(plan, db, "/etc/patroni/config.yml")) as { etcd3: { hosts: string } }).etcd3.hosts.split(",");
  const synapse = firstWith(t, "synapse");
  const vars = parse(fileOf(plan, synapse, `/opt/matrix-platform/inventory/host_vars/${t.domain}/vars.yml`)) as Record<string, string | number>;
  const [s3Host, s3Port] = hostPort(String(vars.matrix_synapse_ext_synapse_s3_storage_provider_config_endpoint_url).replace(/^https?:\/\//, ""));
  return [
    ...etcd.map((target) => ({ from: db, to: hostPort(target)[0], port: hostPort(target)[1], what: "Patroni's etcd3 hosts" })),
    { from: synapse, to: String(vars.matrix_synapse_database_host), port: Number(vars.matrix_synapse_database_port), what: "Synapse's database" },
    { from: synapse, to: s3Host, port: s3Port, what: "Synapse's object store" },
  ];
}

const allFlows = (plan: ClusterPlan) => [...monitoringFlows(plan), ...haproxyFlows(plan), ...serviceFlows(plan)];

describe.each(["onprem-small", "onprem-medium", "onprem-large"] as const)("%s: every connection the configs make is allowed by the port matrix", (example) => {
  const plan = planCluster(buildTopology(loadExample(example)));

  test("the flows are found (scrapes, probes, HAProxy servers and checks, Patroni, Synapse)", () => {
    const flows = allFlows(plan);
    expect(flows.filter((f) => f.what.startsWith("scrape job tls")).length).toBeGreaterThan(0);
    expect(flows.filter((f) => f.what.startsWith("HAProxy postgres_primary")).map((f) => f.port).sort()).toEqual(
      [port("pgbouncer.pool"), port("patroni.rest")].flatMap((p) => Array<number>(3).fill(p)).sort(),
    );
    expect(new Set(flows.map((f) => f.what.split(" ")[0]))).toEqual(new Set(["scrape", "HAProxy", "Patroni's", "Synapse's"]));
  });

  test("none is refused by the matrix", () => {
    expect(refusedFlows(plan.topology, allFlows(plan))).toEqual([]);
  });
});

test("a matrix rule without the source a config needs is caught", () => {
  const topology = buildTopology(loadExample("onprem-small"));
  const narrowed = { ...topology, ports: topology.ports.map((p) => (p.name === "etcd.metrics" ? { ...p, from: [] } : p)) };
  expect(refusedFlows(narrowed, monitoringFlows(planCluster(topology)))).toEqual(["db1", "db2", "db3"].map((h) => `scrape job etcd: mon1 -> ${h}:${port("etcd.metrics")} is not in the port matrix`));
});

test("pgBackRest's TLS ports are its default (8432, not rendered), which the matrix must keep", () => {
  // pgBackRest's configs set no tls-server-port / repo1-host-port / pg1-host-port: the
  // default serves both sides. A matrix change would need them rendered.
  expect(portMatrix({ turnRelayPorts: [1, 2] }).filter((p) => p.name.endsWith(".pgbackrest")).map((p) => p.port)).toEqual([8432, 8432]);
});

test("the firewall opens SSH on the host's own port", () => {
  const d = loadExample("onprem-small");
  if (d.target !== "onprem") throw new Error("onprem-small is on-prem");
  const moved = { ...d, onprem: { ...d.onprem, hosts: d.onprem.hosts.map((h) => (h.name === "db1" ? { ...h, ssh: { ...h.ssh, port: 2222 } } : h)) } };
  const nft = fileOf(planCluster(buildTopology(moved)), "db1", "/etc/nftables.conf");
  expect(nft).toContain("tcp dport 2222 accept");
  expect(nft).not.toMatch(/tcp dport 22 accept/);
});
