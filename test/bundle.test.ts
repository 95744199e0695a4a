/**
 * The offline bundle of examples/onprem-small.yaml (the whole deployment: its Debian
 * packages with their closure, MinIO, mc and LiveKit built from the Go module proxy, and
 * the playbook stand-in with a wheelhouse of Ansible from the package index) really
 * installs on a clean Debian 12 root with no network at all, and the Synapse unit runs the
 * (stand-in) playbook there from it:
 * a copy of a debootstrapped minbase root (plus systemd, sshd, sudo), the bundle as its
 * only apt source, apt-get run in a chroot inside `unshare --net` (no interface but lo).
 * Takes about 1 minute warm, 10 minutes cold (debootstrap, downloads, Go builds).
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { buildTopology } from "../constructs/topology/resolve";
import { planCluster } from "../constructs/plan";
import { ANSIBLE_CORE_VERSION, ANSIBLE_REQUIREMENTS, ANSIBLE_VENV, IMAGE_BUILD_CONTEXT } from "../constructs/roles/synapse/playbook";
import { S3_PROVIDER_IMAGE_REQUIREMENTS, S3_STORAGE_PROVIDER_VERSION } from "../constructs/roles/synapse/wheelhouse";
import type { OnPremDeployment } from "../constructs/deployment/model";
import { SECRET_MARKER } from "../constructs/markers";
import { hostPlan } from "../constructs/plan";
import { sha256File } from "../constructs/hash";
import { buildBundle, type BuiltBundle } from "../tools/bundle/build";
import { HOST_BUNDLE_DIR, HOST_SOURCE_LINE } from "../tools/bundle/debian";
import { bundleRequest } from "../tools/bundle/request";
import { minimalBookwormRoot } from "./helpers/bookworm-root";
import { loadExample, ROOT } from "./helpers/examples";
import { buildLkJwtServiceStandIn, packElementWebStandIn, PLAYBOOK_STAND_IN } from "./helpers/lab-bundle";

const TOOLS = ["debootstrap", "dpkg-scanpackages", "apt-get", "flock", "unshare", "chroot", "tar"];
const MUST_INSTALL = ["patroni", "postgresql-15", "etcd-server", "pgbouncer", "haproxy", "keepalived", "nftables"];

const sh = (cmd: string, args: readonly string[], input?: string) => {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, ...(input !== undefined ? { input } : {}) });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
};

/** Runs a script in a chroot of `root` with no network interface but lo. */
const offline = (root: string, script: string) =>
  sh("unshare", [
    "--net", "--mount", "--pid", "--fork", `--mount-proc=${join(root, "proc")}`,
    "sh", "-c", `mount -t devpts -o newinstance,ptmxmode=0666 devpts "$1/dev/pts" && exec chroot "$1" sh -c "$2"`, "sh", root, script,
  ]);

/** A missing tool fails the test, naming the script that installs it. */
function requireTools(): void {
  const missing = TOOLS.filter((t) => sh("sh", ["-c", `command -v ${t} || test -x /usr/sbin/${t}`]).status !== 0);
  if (missing.length > 0) throw new Error(`${missing.join(", ")} not installed here: run scripts/setup-tests.sh (it runs scripts/deps/bundle.sh)`);
  if (process.getuid?.() !== 0) throw new Error("the offline install test needs root (debootstrap, chroot, unshare --net)");
}

const request = bundleRequest(planCluster(buildTopology(loadExample("onprem-small"))));
const cacheDir = join(ROOT, ".cache", "bundle");
let work: string;
/** A stand-in for Grafana's .deb (not reachable here) with Grafana's Debian dependencies. */
let grafanaDeb: string;

function standInDeb(dir: string, name: string): string {
  const tree = join(dir, `${name}-tree`);
  mkdirSync(join(tree, "DEBIAN"), { recursive: true });
  mkdirSync(join(tree, "usr/share/doc", name), { recursive: true });
  writeFileSync(join(tree, "usr/share/doc", name, "README"), "stand-in for the test\n");
  writeFileSync(join(tree, "DEBIAN/control"), [`Package: ${name}`, "Version: 12.0.0", "Architecture: amd64", "Maintainer: tests <tests@example.invalid>", "Depends: adduser, libfontconfig1, musl", "Description: stand-in", ""].join("\n"));
  const deb = join(dir, `${name}_12.0.0_amd64.deb`);
  const r = sh("dpkg-deb", ["--root-owner-group", "-b", tree, deb]);
  if (r.status !== 0) throw new Error(r.output);
  return deb;
}

beforeAll(() => {
  mkdirSync(cacheDir, { recursive: true });
  work = mkdtempSync(join(cacheDir, "test-"));
  grafanaDeb = standInDeb(work, "grafana");
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("offline bundle of onprem-small", () => {
  let built: BuiltBundle;

  test("builds: every requested package plus its closure, indexed, named from content", () => {
    requireTools();
    built = buildBundle({ request, outDir: join(work, "out"), cacheDir, playbookDir: PLAYBOOK_STAND_IN, suppliedDebs: { grafana: grafanaDeb } });
    expect(basename(built.file)).toMatch(/^matrix-bundle-z3r0d3v-small-[0-9a-f]{12}\.tar$/);
    expect(built.manifest.requested).toEqual(request.packages);
    const names = new Set(built.manifest.debs.map((d) => d.package));
    expect(request.packages.filter((p) => !names.has(p))).toEqual([]);
    expect(built.manifest.debs.length).toBeGreaterThan(request.packages.length);
    expect(built.manifest.os).toMatchObject({ codename: "bookworm", architecture: "amd64" });
    // The supplied Grafana .deb, and its dependencies from Debian.
    expect([...names].filter((n) => ["grafana", "libfontconfig1", "musl"].includes(n)).sort()).toEqual(["grafana", "libfontconfig1", "musl"]);
    expect(built.manifest.debs.find((d) => d.package === "grafana")?.sha256).toBe(sha256File(grafanaDeb));

    const listing = sh("tar", ["-tf", built.file]).output.trim().split("\n");
    const binaries = built.manifest.binaries.map((b) => b.file);
    expect(binaries).toEqual(["bin/livekit-server", "bin/mc", "bin/minio"]);
    const playbookPart = (f: string) => /^(ansible|playbook|synapse-image-wheels)\//.test(f);
    expect(listing.filter((f) => !playbookPart(f)).sort()).toEqual(["Packages", "Packages.gz", "Release", "manifest.json", "bin/", ...binaries, ...built.manifest.debs.map((d) => d.file)].sort());
    // Every pinned Ansible wheel and the checkout, .git left out.
    const wheels = built.manifest.ansible!.map((w) => w.file);
    expect(wheels).toHaveLength(ANSIBLE_REQUIREMENTS.length);
    expect(listing.filter((f) => f.startsWith("ansible/") && f !== "ansible/").sort()).toEqual(wheels.sort());
    expect(listing).toEqual(expect.arrayContaining(["playbook/setup.yml", "playbook/requirements.yml", "playbook/roles/galaxy/stand_in_marker/tasks/main.yml"]));
    expect(built.manifest.playbook).toMatchObject({ commit: null, galaxy_roles: 1, tree_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // The S3 storage provider for the playbook's Synapse image: pure Python, any image's Python takes it.
    expect(built.manifest.synapse_wheels?.dir).toBe("synapse-image-wheels");
    const imageWheels = built.manifest.synapse_wheels!.files.map((w) => w.file);
    expect(imageWheels).toHaveLength(S3_PROVIDER_IMAGE_REQUIREMENTS.length);
    expect(imageWheels.filter((w) => !w.endsWith("-none-any.whl"))).toEqual([]);
    expect(listing.filter((f) => f.startsWith("synapse-image-wheels/") && f !== "synapse-image-wheels/").sort()).toEqual(imageWheels.sort());
    const inside = JSON.parse(sh("tar", ["-xOf", built.file, "manifest.json"]).output);
    expect(inside).toEqual(built.manifest);
  });

  test("a second build is served from the cache and is byte-identical", () => {
    requireTools();
    const again = buildBundle({ request, outDir: join(work, "again"), cacheDir, playbookDir: PLAYBOOK_STAND_IN, suppliedDebs: { grafana: grafanaDeb } });
    expect(again.downloaded).toBe(0);
    expect(basename(again.file)).toBe(basename(built.file));
    expect(sha256File(again.file)).toBe(sha256File(built.file));
  });

  test("installs every requested package on a clean Debian 12 root with no network", () => {
    requireTools();
    const root = join(work, "root");
    expect(sh("cp", ["-a", minimalBookwormRoot(), root]).status).toBe(0);
    for (const p of MUST_INSTALL) expect(sh("chroot", [root, "dpkg-query", "-W", p]).status).not.toBe(0);

    // The host's side, as the on-prem target does it: the bundle is the only apt source.
    const repo = join(root, HOST_BUNDLE_DIR);
    mkdirSync(repo, { recursive: true });
    expect(sh("tar", ["-xf", built.file, "-C", repo]).status).toBe(0);
    rmSync(join(root, "etc/apt/sources.list"), { force: true });
    for (const f of readdirSync(join(root, "etc/apt/sources.list.d"))) rmSync(join(root, "etc/apt/sources.list.d", f));
    writeFileSync(join(root, "etc/apt/sources.list.d/matrix-bundle.list"), `${HOST_SOURCE_LINE}\n`);
    writeFileSync(join(root, "usr/sbin/policy-rc.d"), "#!/bin/sh\nexit 101\n", { mode: 0o755 });
    mkdirSync(join(root, "etc/postgresql-common"), { recursive: true });
    writeFileSync(join(root, "etc/postgresql-common/createcluster.conf"), "create_main_cluster = false\n");

    const inChroot = [
      "set -e",
      "echo interfaces: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ')",
      "apt-get -q update",
      `DEBIAN_FRONTEND=noninteractive apt-get -q -y --no-install-recommends install ${request.packages.join(" ")} grafana`,
      "apt-get -q check",
      "dpkg --audit",
    ].join("\n");
    const r = offline(root, inChroot);
    if (r.status !== 0) throw new Error(`offline install failed:\n${r.output.split("\n").slice(-40).join("\n")}`);
    expect(r.output).toMatch(/^interfaces: lo$/m);
    expect(r.output).not.toMatch(/^(E|W): /m);

    const versions = new Map(built.manifest.debs.map((d) => [d.package, d.version]));
    for (const p of [...request.packages, "grafana"]) {
      const q = sh("chroot", [root, "dpkg-query", "-W", "-f", "${Status} ${Version}", p]);
      expect(`${p}: ${q.output}`).toBe(`${p}: install ok installed ${versions.get(p)}`);
    }
    for (const p of MUST_INSTALL) expect(request.packages).toContain(p);

    // The programs built from source run on the clean root (static: no library from the host).
    const version = (bin: string, arg: string) => sh("unshare", ["--net", "chroot", root, `${HOST_BUNDLE_DIR}/bin/${bin}`, arg]);
    expect(version("minio", "--version").output).toMatch(/^minio version/m);
    expect(version("mc", "--version").output).toMatch(/^mc version/m);
    expect(version("livekit-server", "--version").output).toMatch(/^livekit-server version 1\.13\.5$/m);
  });

  test("Ansible for the playbook installs from the wheelhouse on Debian 12's Python with no network", () => {
    requireTools();
    const root = join(work, "root");
    const venv = "/opt/matrix-platform/ansible";
    const r = offline(root, [
      "set -e",
      `python3 -m venv ${venv}`,
      `${venv}/bin/pip install --quiet --no-index --find-links ${HOST_BUNDLE_DIR}/ansible ${ANSIBLE_REQUIREMENTS.join(" ")}`,
      `${venv}/bin/ansible-playbook --version`,
      `${venv}/bin/ansible-galaxy collection list community.docker`,
    ].join("\n"));
    if (r.status !== 0) throw new Error(`offline Ansible install failed:\n${r.output.split("\n").slice(-20).join("\n")}`);
    expect(r.output).toContain(`ansible-playbook [core ${ANSIBLE_CORE_VERSION}]`);
    expect(r.output).toMatch(/python version = 3\.11\./);
    // The collection the playbook's roles pull images with (>= 3.6.0, its collections/requirements.yml).
    expect(r.output).toMatch(/^community\.docker\s+[3-9]\.\d+\.\d+/m);
  });
  test("the image wheels install the S3 storage provider with no package index into a Python that has Synapse (as the playbook's image build does)", () => {
    requireTools();
    const python = join(ROOT, ".cache/venv-synapse/bin/python");
    if (!existsSync(python)) throw new Error(`${python} is missing: scripts/deps/poc-e2e.sh installs it`);
    const wheels = join(work, "image-wheels");
    mkdirSync(wheels, { recursive: true });
    expect(sh("tar", ["-xf", built.file, "-C", wheels, "synapse-image-wheels"]).status).toBe(0);
    const r = sh(python, ["-m", "pip", "install", "--dry-run", "--disable-pip-version-check", "--no-index", `--find-links=${join(wheels, "synapse-image-wheels")}`, `synapse-s3-storage-provider==${S3_STORAGE_PROVIDER_VERSION}`]);
    expect(r.output).toContain(`Would install`);
    expect(r.output).toContain(`synapse-s3-storage-provider-${S3_STORAGE_PROVIDER_VERSION}`);
    expect(r.status).toBe(0);
  });

  test("the Synapse unit's playbook run (the stand-in) on that root: the bundle's Ansible and checkout, the generated inventory, the host as its own controller, the tags", () => {
    requireTools();
    const root = join(work, "root");
    const deployment = loadExample("onprem-small") as OnPremDeployment;
    const bundled = { ...deployment, onprem: { ...deployment.onprem, bundle: "/srv/bundle.tar" } };
    const unit = hostPlan(planCluster(buildTopology(bundled)), "synapse1").units.find((u) => u.name === "synapse")!;
    for (const f of unit.files) {
      mkdirSync(join(root, dirname(f.path)), { recursive: true });
      writeFileSync(join(root, f.path), f.content.replace(SECRET_MARKER, "test-$1"));
    }
    // No systemd runs in a chroot: a stub takes the rsync daemon's systemctl calls.
    mkdirSync(join(root, "tmp/stub"), { recursive: true });
    writeFileSync(join(root, "tmp/stub/systemctl"), "#!/bin/sh\necho \"systemctl $*\" >>/tmp/stub/calls\n", { mode: 0o755 });
    writeFileSync(join(root, "tmp/activate.sh"), unit.activate);
    const r = offline(root, `PATH=/tmp/stub:$PATH sh /tmp/activate.sh && echo "host: $(hostname)" && cat /var/lib/matrix-stand-in/run.ini /tmp/stub/calls && ls ${IMAGE_BUILD_CONTEXT}/s3-storage-provider-wheels | sed 's/^/image wheel: /'`);
    if (r.status !== 0) throw new Error(`the Synapse unit's activation failed:\n${r.output.split("\n").slice(-30).join("\n")}`);
    const lines = r.output.trim().split("\n");
    const run = Object.fromEntries(lines.filter((l) => l.includes(" = ")).map((l) => l.split(" = ")));
    const hostname = lines.find((l) => l.startsWith("host: "))!.slice("host: ".length);
    expect(run).toEqual({
      ansible_core: ANSIBLE_CORE_VERSION,
      // Lookups run on the controller, facts come from the target: the host is its own controller.
      controller: hostname,
      target: hostname,
      python: `${ANSIBLE_VENV}/bin/python3`,
      user: "root",
      tags: "ensure-matrix-users-created,setup-all,start",
      matrix_domain: "chat.z3r0d3v.com",
      matrix_server_fqn_matrix: "chat.z3r0d3v.com",
      federation: "True",
      sync_workers: "4",
      started: "yes",
    });
    expect(lines).toEqual(expect.arrayContaining(["systemctl enable rsync.service", "systemctl restart rsync.service"]));
    // The bundle's wheels are in the customized image's build context, where vars.yml's Dockerfile steps COPY them from.
    expect(lines.filter((l) => l.startsWith("image wheel: ")).map((l) => l.slice("image wheel: ".length)).sort()).toEqual(built.manifest.synapse_wheels!.files.map((w) => basename(w.file)).sort());
  });
});

describe("programs the operator supplies", () => {
  test("--grafana-deb that is another package is refused before any download", () => {
    const other = standInDeb(work, "grafana-enterprise-plugin");
    expect(() => buildBundle({ request, outDir: join(work, "none"), cacheDir, playbookDir: PLAYBOOK_STAND_IN, suppliedDebs: { grafana: other } })).toThrow(
      `--grafana-deb ${other}: package grafana-enterprise-plugin for amd64, not grafana for amd64; bring the amd64 .deb of Grafana OSS`,
    );
  });

  test("--lk-jwt-service that is not a Linux x86-64 executable is refused before any download, naming what to bring", () => {
    const script = join(work, "lk-jwt-service.sh");
    writeFileSync(script, "#!/bin/sh\necho not a binary\n", { mode: 0o755 });
    expect(() => buildBundle({ request, outDir: join(work, "none"), cacheDir, playbookDir: PLAYBOOK_STAND_IN, supplied: { "lk-jwt-service": script } })).toThrow(
      `--lk-jwt-service ${script}: not a Linux x86-64 executable (ELF 64-bit); bring the linux amd64 binary of element-hq/lk-jwt-service's release`,
    );
    expect(() => buildBundle({ request, outDir: join(work, "none"), cacheDir, playbookDir: PLAYBOOK_STAND_IN, supplied: { "lk-jwt-service": join(work, "absent") } })).toThrow("no such file");
  });

  test("--element-web is refused before any download: for a Synapse host that runs the playbook, and when it is not a release tarball", () => {
    const tarball = packElementWebStandIn(work);
    expect(() => buildBundle({ request, outDir: join(work, "none"), cacheDir, playbookDir: PLAYBOOK_STAND_IN, elementWeb: tarball })).toThrow(
      "--element-web: the deployment's Synapse host runs matrix-docker-ansible-deploy, which serves Element Web from its own container; the tarball is for onprem.synapse.install: native",
    );
    const native = { ...request, synapseWheels: "native" as const };
    const notRelease = join(work, "not-element.tar.gz");
    expect(sh("tar", ["-czf", notRelease, "-C", ROOT, "README.md"]).status).toBe(0);
    expect(() => buildBundle({ request: native, outDir: join(work, "none"), cacheDir, playbookDir: PLAYBOOK_STAND_IN, elementWeb: notRelease })).toThrow(
      `--element-web ${notRelease}: no index.html, config.sample.json, version in README.md/; bring Element Web's release tarball (element-vX.Y.Z.tar.gz from element-hq/element-web's releases)`,
    );
    expect(() => buildBundle({ request: native, outDir: join(work, "none"), cacheDir, playbookDir: PLAYBOOK_STAND_IN, elementWeb: join(ROOT, "README.md") })).toThrow(`--element-web ${join(ROOT, "README.md")}: not a gzip tarball`);
  });

  test("a supplied program rides in bin/ with its SHA-256 in the manifest", () => {
    requireTools();
    const program = buildLkJwtServiceStandIn(work);
    const withProgram = buildBundle({ request, outDir: join(work, "supplied"), cacheDir, playbookDir: PLAYBOOK_STAND_IN, supplied: { "lk-jwt-service": program } });
    expect(withProgram.manifest.supplied).toEqual([{ name: "lk-jwt-service", file: "bin/lk-jwt-service", size: readFileSync(program).length, sha256: sha256File(program) }]);
    expect(sh("tar", ["-tvf", withProgram.file, "bin/lk-jwt-service"]).output).toMatch(/^-rwxr-xr-x /);
    rmSync(withProgram.file);
  });
});

describe("the playbook checkout the bundle carries", () => {
  const fresh = () => mkdtempSync(join(cacheDir, "playbook-"));

  test("a deployment whose Synapse host runs the playbook needs --playbook", () => {
    expect(() => buildBundle({ request, outDir: join(work, "none"), cacheDir })).toThrow("the Synapse host runs matrix-docker-ansible-deploy from the bundle: pass --playbook <checkout>");
  });

  test("a folder that is not a checkout is refused before any download", () => {
    const dir = fresh();
    expect(() => buildBundle({ request, outDir: join(work, "none"), cacheDir, playbookDir: dir })).toThrow(`--playbook ${dir}: no setup.yml and requirements.yml there, so it is not a matrix-docker-ansible-deploy checkout`);
    rmSync(dir, { recursive: true });
  });

  test("a checkout without its Galaxy roles is refused, naming them and the command that fetches them", () => {
    const dir = fresh();
    cpSync(PLAYBOOK_STAND_IN, dir, { recursive: true });
    rmSync(join(dir, "roles/galaxy"), { recursive: true });
    expect(() => buildBundle({ request, outDir: join(work, "none"), cacheDir, playbookDir: dir })).toThrow(/1 of 1 Galaxy roles are missing under roles\/galaxy \(stand_in_marker\); .*just roles/);
    rmSync(dir, { recursive: true });
  });
});
