import { readFileSync } from "node:fs";
import { join } from "node:path";
import { topologyReference } from "../constructs/docs/reference";
import { HA_ROLES, ROLE_ORDER } from "../constructs/topology/roles";
import { SCALE_PRESETS } from "../constructs/topology/scale";
import { buildTopology } from "../constructs/topology/resolve";
import { hostPortRules, hostsWithRole, roleDependencies, topologyGraph } from "../constructs/topology/topology";
import { loadExample } from "./helpers/examples";

const ha = (name: "onprem-small" | "onprem-medium" | "onprem-large") => buildTopology(loadExample(name));

describe("scales share one topology", () => {
  const [small, medium, large] = [ha("onprem-small"), ha("onprem-medium"), ha("onprem-large")];

  test("small, medium and large have the same graph of roles, dependencies and flows", () => {
    expect(topologyGraph(medium)).toEqual(topologyGraph(small));
    expect(topologyGraph(large)).toEqual(topologyGraph(small));
    expect(topologyGraph(small).roles).toEqual(ROLE_ORDER.filter((r) => r !== "poc"));
  });

  test("they differ in counts, as the research notes give them", () => {
    const count = (t: typeof small, r: (typeof HA_ROLES)[number]) => hostsWithRole(t, r).length;
    expect([count(small, "coturn"), count(medium, "coturn"), count(large, "coturn")]).toEqual([2, 2, 3]);
    expect([count(small, "livekit"), count(medium, "livekit"), count(large, "livekit")]).toEqual([2, 3, 4]);
    for (const t of [small, medium, large]) {
      expect([count(t, "etcd"), count(t, "patroni"), count(t, "minio"), count(t, "haproxy")]).toEqual([3, 3, 4, 2]);
      // Redis on every LiveKit host; Sentinels an odd-or-more majority with the monitoring host's.
      expect([count(t, "redis"), count(t, "sentinel")]).toEqual([count(t, "livekit"), count(t, "livekit") + 1]);
    }
    expect(small.hosts).toHaveLength(16);
  });

  test("and in Synapse worker numbers and host sizes", () => {
    expect(small.workers).toEqual({ sync: 4, generic: 2, federationSender: 2, eventPersister: 1 });
    expect(medium.workers).toEqual({ sync: 6, generic: 3, federationSender: 3, eventPersister: 2 });
    expect(large.workers).toEqual({ sync: 8, generic: 4, federationSender: 4, eventPersister: 2 });
    expect(SCALE_PRESETS.large.sizes.synapse).toEqual({ vcpu: 48, memoryGiB: 128, diskGB: 2000 });
    expect(SCALE_PRESETS.small.sizes.patroni.memoryGiB).toBeLessThan(SCALE_PRESETS.large.sizes.patroni.memoryGiB);
  });

  test("the presets cover every HA role at every scale", () => {
    for (const preset of Object.values(SCALE_PRESETS)) {
      expect(Object.keys(preset.counts).sort()).toEqual([...HA_ROLES].sort());
      expect(Object.keys(preset.sizes).sort()).toEqual([...HA_ROLES].sort());
    }
  });
});

describe("placement", () => {
  const small = ha("onprem-small");

  test("the database group co-locates etcd, Patroni and PgBouncer", () => {
    expect(small.hosts.find((h) => h.name === "db1")?.roles).toEqual(["etcd", "patroni", "pgbouncer"]);
  });

  test("every LiveKit host carries Redis and a Sentinel; the monitoring host a third Sentinel", () => {
    expect(hostsWithRole(small, "redis").map((h) => h.name)).toEqual(["rtc1", "rtc2"]);
    expect(small.hosts.find((h) => h.name === "rtc2")?.roles).toEqual(["redis", "sentinel", "livekit"]);
    expect(hostsWithRole(small, "sentinel").map((h) => h.name)).toEqual(["rtc1", "rtc2", "mon1"]);
  });

  test("role dependencies follow the activation order", () => {
    expect(roleDependencies(small, "pgbouncer")).toEqual(["etcd", "patroni"]);
    expect(roleDependencies(small, "keepalived")).toEqual(["etcd", "patroni", "pgbouncer", "haproxy"]);
    expect(roleDependencies(small, "etcd")).toEqual([]);
    for (const role of small.roles) {
      for (const dep of roleDependencies(small, role)) expect(ROLE_ORDER.indexOf(dep)).toBeLessThan(ROLE_ORDER.indexOf(role));
    }
  });
});

describe("port matrix", () => {
  const small = ha("onprem-small");
  const rulesOf = (host: string) => hostPortRules(small, small.hosts.find((h) => h.name === host)!);
  const sourcesOf = (host: string, port: number, protocol = "tcp") =>
    rulesOf(host).find((r) => r.rule.port === port && r.rule.protocol === protocol)?.sources;

  test("PostgreSQL's REST checks come only from HAProxy, Patroni peers and monitoring", () => {
    expect(sourcesOf("db1", 8008)).toEqual(["10.10.2.11", "10.10.2.12", "10.10.2.13", "10.10.3.11", "10.10.3.12", "10.10.7.10"]);
  });

  test("PgBouncer is reached only through HAProxy", () => {
    expect(sourcesOf("db2", 6432)).toEqual(["10.10.3.11", "10.10.3.12"]);
  });

  test("public ports are open to the client subnets, SSH only to admins", () => {
    // and the monitoring host, which scrapes Synapse's metrics through HAProxy
    expect(sourcesOf("lb1", 443)).toEqual(["10.10.0.0/16", "10.10.7.10"]);
    expect(sourcesOf("turn1", 3478, "udp")).toEqual(["10.10.0.0/16"]);
    expect(sourcesOf("obj1", 22)).toEqual(["10.10.99.0/24"]);
  });

  test("the TURN relay range of the deployment is what the firewall opens", () => {
    expect(rulesOf("turn1").filter((r) => Array.isArray(r.rule.port)).map((r) => `${r.rule.protocol} ${r.rule.port}`)).toEqual(["udp 49152,50151", "tcp 49152,50151"]);
  });

  test("a host opens only its roles' ports plus SSH and node_exporter", () => {
    expect(rulesOf("mon1").map((r) => r.rule.port)).toEqual([22, 9100, 26379, 9090, 9093, 3000]);
  });

  test("VRRP is allowed only between the load balancers", () => {
    expect(rulesOf("lb1").find((r) => r.rule.protocol === "vrrp")?.sources).toEqual(["10.10.3.11", "10.10.3.12"]);
  });
});

describe("AWS", () => {
  test("is one host carrying the proof-of-concept stack", () => {
    const t = buildTopology(loadExample("aws-poc"));
    expect(t.hosts.map((h) => h.roles)).toEqual([["poc"]]);
    expect(t.workers).toBeUndefined();
  });
});

describe("generated guide", () => {
  test("help/topology.md is what the model generates (run `npm run docs` after changing the model)", () => {
    expect(readFileSync(join(__dirname, "..", "help", "topology.md"), "utf8")).toBe(topologyReference());
  });
});
