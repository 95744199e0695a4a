/** The offline bundle's pure parts: which packages for which hosts, apt's plan, the name. */
import type { OnPremDeployment } from "../constructs/deployment/model";
import { buildTopology } from "../constructs/topology/resolve";
import { planCluster } from "../constructs/plan";
import { archiveFileName, parseAptSimulation, poolFileName } from "../tools/bundle/apt-plan";
import { BUNDLE_BINARIES } from "../tools/bundle/binaries";
import { bundleTarName, manifestText, type BundleManifest } from "../tools/bundle/manifest";
import { parsePackagesIndex } from "../tools/bundle/repo";
import { bundleRequest } from "../tools/bundle/request";
import { loadExample } from "./helpers/examples";

const BASE = ["ca-certificates", "curl", "nftables", "prometheus-node-exporter"];

describe("packages collected from a deployment", () => {
  const small = bundleRequest(planCluster(buildTopology(loadExample("onprem-small"))));
  const of = (host: string) => small.hosts.find((h) => h.host === host)?.packages;

  test("every host, with its base layer and its roles' packages", () => {
    expect(small.deployment).toBe("z3r0d3v-small");
    expect(small.hosts.map((h) => h.host)).toHaveLength(16);
    expect(of("db1")).toEqual([...BASE, "etcd-client", "etcd-server", "patroni", "pgbouncer", "pgbackrest", "postgresql-15", "postgresql-client-15", "prometheus-postgres-exporter"].sort());
    expect(of("lb1")).toEqual([...new Set([...BASE, "curl", "haproxy", "iproute2", "keepalived"])].sort());
    expect(of("rtc1")).toEqual([...BASE, "redis-sentinel", "redis-server"].sort()); // livekit: a single binary, not a Debian package
    expect(of("rtc2")).toEqual(of("rtc1"));
    expect(of("mon1")).toEqual(expect.arrayContaining(["redis-sentinel"]));
    expect(of("obj1")).toEqual(BASE); // minio: a single binary
    // restic: the daily snapshots of the object store and the media with history.
    expect(of("backup1")).toEqual([...BASE, "pgbackrest", "restic", "rsync"].sort());
    // python3-venv for the playbook's Ansible, python3-docker for its Docker modules.
    expect(of("synapse1")).toEqual([...BASE, "docker.io", "python3", "python3-docker", "python3-venv", "rsync"].sort());
    for (const h of small.hosts) expect(h.packages).toEqual(expect.arrayContaining(BASE));
  });

  test("the union is sorted and unique", () => {
    expect(small.packages).toEqual([...new Set(small.hosts.flatMap((h) => h.packages))].sort());
    expect(small.packages).toHaveLength(27);
  });

  test("small, medium and large ask for the same packages; a tier can be asked alone", () => {
    for (const name of ["onprem-medium", "onprem-large"] as const) {
      expect(bundleRequest(planCluster(buildTopology(loadExample(name)))).packages).toEqual(small.packages);
    }
    const db = bundleRequest(planCluster(buildTopology(loadExample("onprem-small"))), (h) => h.startsWith("db"));
    expect(db.hosts.map((h) => h.host)).toEqual(["db1", "db2", "db3"]);
    expect(db.packages).toEqual(of("db1"));
  });

  test("the proof-of-concept host gets Docker and Compose", () => {
    expect(bundleRequest(planCluster(buildTopology(loadExample("onprem-poc")))).packages).toEqual(expect.arrayContaining(["docker.io", "docker-compose", "openssl"]));
  });

  test("MinIO, mc and LiveKit are built into the bundle only when the deployment has their roles", () => {
    expect(bundleRequest(planCluster(buildTopology(loadExample("onprem-small")))).binaries).toEqual(["livekit-server", "mc", "minio"]);
    expect(bundleRequest(planCluster(buildTopology(loadExample("onprem-small"))), (h) => h.startsWith("db")).binaries).toEqual([]);
    for (const name of ["livekit-server", "mc", "minio"] as const) expect(BUNDLE_BINARIES[name].version).toMatch(/^v\d+\.\d+\.\d+/);
  });
});

test("the playbook and Ansible ride in the bundle only when the Synapse host runs the playbook", () => {
  expect(bundleRequest(planCluster(buildTopology(loadExample("onprem-small")))).playbook).toBe(true);
  expect(bundleRequest(planCluster(buildTopology(loadExample("onprem-small"))), (h) => h.startsWith("db")).playbook).toBe(false);
  const operatorRuns = loadExample("onprem-small") as OnPremDeployment;
  const request = bundleRequest(planCluster(buildTopology({ ...operatorRuns, onprem: { ...operatorRuns.onprem, playbook: { run: false } } })));
  expect(request.playbook).toBe(false);
  expect(request.hosts.find((h) => h.host === "synapse1")?.packages).not.toContain("python3-venv");
});

describe("apt's plan", () => {
  const output = [
    "NOTE: This is only a simulation!",
    "Inst libc6 (2.36-9+deb12u14 Debian:12.15/oldstable [amd64]) []",
    "Inst keepalived (1:2.2.7-1+b2 Debian:12.15/oldstable [amd64])",
    "Inst sudo [1.9.13p3-1+deb12u4] (1.9.13p3-1+deb12u4 Debian:12.15/oldstable [amd64])",
    "Inst libgcrypt20 (1.10.1-3+deb12u1 Debian:12.15/oldstable, Debian-Security:12/oldstable-security [amd64])",
    "Inst adduser (3.134 Debian:12.15/oldstable [all])",
    "Conf adduser (3.134 Debian:12.15/oldstable [all])",
  ].join("\n");

  test("every Inst line, sorted by name, reinstalls and several origins included", () => {
    expect(parseAptSimulation(output)).toEqual([
      { package: "adduser", version: "3.134", architecture: "all" },
      { package: "keepalived", version: "1:2.2.7-1+b2", architecture: "amd64" },
      { package: "libc6", version: "2.36-9+deb12u14", architecture: "amd64" },
      { package: "libgcrypt20", version: "1.10.1-3+deb12u1", architecture: "amd64" },
      { package: "sudo", version: "1.9.13p3-1+deb12u4", architecture: "amd64" },
    ]);
  });

  test("a removal or an unreadable line is an error, not a smaller bundle", () => {
    expect(() => parseAptSimulation(`${output}\nRemv systemd-timesyncd [252.39-1~deb12u1]`)).toThrow(/remove/);
    expect(() => parseAptSimulation("Inst what")).toThrow(/unexpected/);
  });

  test("file names: apt's cache encodes the epoch, the bundle drops it", () => {
    const deb = { package: "keepalived", version: "1:2.2.7-1+b2", architecture: "amd64" };
    expect(archiveFileName(deb)).toBe("keepalived_1%3a2.2.7-1+b2_amd64.deb");
    expect(poolFileName(deb)).toBe("keepalived_2.2.7-1+b2_amd64.deb");
  });

  test("Packages index stanzas", () => {
    const text = "Package: a\nVersion: 1\nDescription: x\n more\n\nPackage: b\nVersion: 2:3\nFilename: ./b_3_all.deb\n";
    expect(parsePackagesIndex(text)).toEqual([
      { Package: "a", Version: "1", Description: "x" },
      { Package: "b", Version: "2:3", Filename: "./b_3_all.deb" },
    ]);
  });
});

describe("the bundle's name comes from its content", () => {
  const manifest: BundleManifest = {
    format: 1,
    deployment: "z3r0d3v-small",
    os: { distribution: "debian", release: "12", codename: "bookworm", architecture: "amd64", suites: ["http://deb.debian.org/debian bookworm"] },
    baseline: "empty",
    requested: ["haproxy"],
    debs: [{ file: "haproxy_2.6.12-1+deb12u4_amd64.deb", package: "haproxy", version: "2.6.12-1+deb12u4", architecture: "amd64", size: 2043000, sha256: "a".repeat(64) }],
    binaries: [],
  };

  test("equal content, equal name; the name carries the deployment and 12 hex digits", () => {
    const name = bundleTarName(manifest);
    expect(name).toMatch(/^matrix-bundle-z3r0d3v-small-[0-9a-f]{12}\.tar$/);
    expect(bundleTarName(JSON.parse(manifestText(manifest)))).toBe(name);
  });

  test("any change to a .deb, the request, the suite or the deployment changes it", () => {
    const name = bundleTarName(manifest);
    const changed: BundleManifest[] = [
      { ...manifest, debs: [{ ...manifest.debs[0], sha256: "b".repeat(64) }] },
      { ...manifest, debs: [{ ...manifest.debs[0], version: "2.6.12-1+deb12u5" }] },
      { ...manifest, requested: ["haproxy", "keepalived"] },
      { ...manifest, os: { ...manifest.os, suites: [...manifest.os.suites, "http://deb.debian.org/debian bookworm-updates"] } },
      { ...manifest, baseline: { status_sha256: "c".repeat(64) } },
      { ...manifest, deployment: "other" },
    ];
    for (const m of changed) expect(bundleTarName(m)).not.toBe(name);
  });

  test("host names are not part of it: adding a host with the same roles keeps the bundle", () => {
    expect(manifestText(manifest)).not.toMatch(/"hosts"/);
  });
});
