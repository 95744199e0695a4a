/**
 * The preflight: each host is checked before anything is installed on any host, and a
 * failed check names the host, what is missing and how to fix it. (The lab proves it on
 * a host missing a data disk: test/lab-cluster.test.ts.)
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { OnPremDeployment } from "../constructs/deployment/model";
import { planCluster } from "../constructs/plan";
import { buildTopology } from "../constructs/topology/resolve";
import { loadExample } from "./helpers/examples";
import { tempDir } from "./helpers/programs";
import { provisionerResources, synth } from "./helpers/synth";

const deployment = loadExample("onprem-small") as OnPremDeployment;
const plan = planCluster(buildTopology(deployment));
const preflightOf = (host: string) => plan.hosts.find((h) => h.host.name === host)!.preflight;

describe("in the stack", () => {
  const resources = provisionerResources(synth(deployment).config);
  const preflights = Object.keys(resources).filter((r) => r.endsWith("_preflight")).sort();

  test("one preflight per host, re-run when its checks change", () => {
    expect(preflights).toEqual(deployment.onprem.hosts.map((h) => `${h.name}_preflight`).sort());
    expect(resources.obj1_preflight.triggers_replace).toEqual({ host: "obj1", check_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  test("every host's first unit waits for every host's preflight, so nothing is installed anywhere until all pass", () => {
    const everyPreflight = preflights.map((p) => `terraform_data.${p}`);
    for (const h of deployment.onprem.hosts) expect([...resources[`${h.name}_base`].depends_on].sort()).toEqual(everyPreflight);
    const bundled = provisionerResources(synth({ ...deployment, onprem: { ...deployment.onprem, bundle: "/srv/bundle.tar" } }).config);
    for (const h of deployment.onprem.hosts) {
      expect([...bundled[`${h.name}_bundle`].depends_on].sort()).toEqual(everyPreflight);
      expect(bundled[`${h.name}_base`].depends_on).toEqual([`terraform_data.${h.name}_bundle`]);
    }
  });
});

describe("the check script, run on this machine (Debian 12 amd64 here) with df and the clock stubbed", () => {
  const tmp = tempDir("preflight");
  afterAll(() => tmp.remove());

  /** Stand-ins for df, systemd-detect-virt and timedatectl, in a folder for the PATH. */
  function stubBin(host: string, stubs: { freeKiB: number; clockSynced: boolean }): string {
    const bin = join(tmp.dir, `bin-${host}-${stubs.freeKiB}-${stubs.clockSynced}`);
    mkdirSync(bin, { recursive: true });
    const stub = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    stub("df", `printf 'Filesystem 1024-blocks Used Available Capacity Mounted on\\n/dev/vda 100 1 ${stubs.freeKiB} 1%% /\\n'`);
    stub("systemd-detect-virt", "exit 1"); // not a container: the clock is checked
    stub("timedatectl", `echo ${stubs.clockSynced ? "yes" : "no"}`);
    return bin;
  }

  /** Runs a host's script with the stand-ins. */
  function run(host: string, stubs: { freeKiB: number; clockSynced: boolean }) {
    const r = spawnSync("sh", ["-s"], { input: preflightOf(host), encoding: "utf8", env: { ...process.env, PATH: `${stubBin(host, stubs)}:${process.env.PATH}` } });
    return { status: r.status, lines: r.stderr.trim().split("\n").filter(Boolean), stdout: r.stdout };
  }

  test("a MinIO drive that is a folder on the root disk is a warning, not a failure", () => {
    const host = "obj1";
    const drives = join(tmp.dir, "drives");
    const script = preflightOf(host).replaceAll("/srv/minio/", `${drives}/`);
    for (const i of [1, 2, 3, 4]) mkdirSync(join(drives, `disk${i}`), { recursive: true });
    const r = spawnSync("sh", ["-s"], { input: script, encoding: "utf8", env: { ...process.env, PATH: `${stubBin(host, { freeKiB: 50 * 1024 * 1024, clockSynced: true })}:${process.env.PATH}` } });
    expect(r.status).toBe(0);
    expect(r.stderr.trim().split("\n")).toEqual([1, 2, 3, 4].map((i) => `preflight obj1: warning: ${drives}/disk${i} is a folder on the root disk, not a data disk of its own`));
  });

  test("a healthy database host passes", () => {
    const r = run("db1", { freeKiB: 50 * 1024 * 1024, clockSynced: true });
    expect(r).toEqual({ status: 0, lines: [], stdout: "preflight db1: ok\n" });
  });

  test("a MinIO host without its data disks, with little space and an unsynchronised clock: one line per problem, each with its fix, and exit 1", () => {
    const r = run("obj1", { freeKiB: 2 * 1024 * 1024, clockSynced: false });
    expect(r.status).toBe(1);
    expect(r.lines).toEqual([
      "preflight obj1: the clock is not synchronised (timedatectl: NTPSynchronized is not yes): point systemd-timesyncd or chrony at your intranet's NTP server; etcd, Patroni and TLS need agreeing clocks",
      "preflight obj1: 2 GiB free on /, 5 GiB needed (packages, the offline bundle and its unpacked copy): free space or grow the root file system",
      ...[1, 2, 3, 4].map((i) => `preflight obj1: /srv/minio/disk${i} is missing: mount a data disk of its own there (500 GB recommended at this scale), then apply again`),
      "preflight obj1: 6 problem(s); nothing was installed on any host",
    ]);
  });
});
