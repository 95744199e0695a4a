// The native Synapse host (onprem.synapse.install: native) as its programs read it: Synapse
// itself (the wheelhouse's pinned version, scripts/deps/onprem-validators.sh) loads the
// shared homeserver.yaml with each worker's file, nginx -t takes the routing, systemd
// verifies the units; and both install paths run the one worker plan of the model.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { parseDeployment } from "../constructs/deployment/load";
import type { OnPremDeployment } from "../constructs/deployment/model";
import { hostPlan, planCluster } from "../constructs/plan";
import { NATIVE_PATHS } from "../constructs/roles/synapse/native";
import { ROUTES } from "../constructs/roles/synapse/routes";
import { buildTopology } from "../constructs/topology/resolve";
import { SCALE_PRESETS } from "../constructs/topology/scale";
import { STREAMS, SYNAPSE_MAIN, synapseWorkerIds, synapseWorkerPlan } from "../constructs/topology/workers";
import { editedExample, examplePath, loadExample, ROOT } from "./helpers/examples";
import { materializeHost } from "./helpers/host-files";
import { run, tempDir } from "./helpers/programs";
import { nginxTest, verifyUnits } from "./helpers/validators";

const tmp = tempDir("synapse-native");
afterAll(() => tmp.remove());

/** The small example with the Synapse host installed natively (and worker counts, if given). */
function nativeSmall(workers?: Record<string, number>): OnPremDeployment {
  const text = editedExample("onprem-small", (doc) => {
    doc.setIn(["onprem", "synapse"], doc.createNode({ install: "native", ...(workers ? { workers } : {}) }));
  });
  return parseDeployment(text, examplePath("onprem-small")) as OnPremDeployment;
}

const synapseFiles = (d: OnPremDeployment) => {
  const unit = hostPlan(planCluster(buildTopology(d)), "synapse1").units.find((u) => u.name === "synapse")!;
  return { unit, file: (path: string) => unit.files.find((f) => f.path === path)?.content ?? "" };
};

test("both install paths run the one worker plan of the model: the playbook's counts start exactly the native path's workers", () => {
  for (const scale of ["small", "medium", "large"] as const) {
    const preset = SCALE_PRESETS[scale].workers;
    const playbook = buildTopology(loadExample(`onprem-${scale}`));
    const vars = parseYaml(synapseFiles(loadExample(`onprem-${scale}`) as OnPremDeployment).file("/opt/matrix-platform/inventory/host_vars/chat.z3r0d3v.com/vars.yml"));
    const counts = { sync: vars.matrix_synapse_workers_sync_workers_count, generic: vars.matrix_synapse_workers_client_reader_workers_count, federationSender: vars.matrix_synapse_workers_federation_sender_workers_count, eventPersister: vars.matrix_synapse_workers_stream_writer_events_stream_workers_count };
    expect(counts).toEqual(preset);
    const native = editedExample(`onprem-${scale}`, (doc) => doc.setIn(["onprem", "synapse"], doc.createNode({ install: "native" })));
    const files = synapseFiles(parseDeployment(native, examplePath(`onprem-${scale}`)) as OnPremDeployment).unit.files;
    const workerFiles = files.filter((f) => f.path.startsWith(`${NATIVE_PATHS.configDir}/workers/`)).map((f) => f.path.split("/").pop()!.replace(/\.yaml$/, ""));
    expect(workerFiles).toEqual(synapseWorkerIds(counts));
    expect(playbook.synapseWorkers.map((w) => w.id)).toEqual(workerFiles);
  }
});

test("lowered worker counts keep every worker type, and leave the database sized for the scale", () => {
  const lab = buildTopology(nativeSmall({ sync: 1, client_reader: 1, federation_sender: 1 }));
  const full = buildTopology(loadExample("onprem-small"));
  expect(new Set(lab.synapseWorkers.map((w) => w.type))).toEqual(new Set(full.synapseWorkers.map((w) => w.type)));
  expect(lab.synapseWorkers.length).toBe(full.synapseWorkers.length - 3 - 1 - 1);
  expect(lab.database).toEqual(full.database);
});

test("every process has its own loopback ports; replication listeners are the stream writers' and the main process's only", () => {
  const plan = synapseWorkerPlan(SCALE_PRESETS.large.workers);
  const ports = [SYNAPSE_MAIN.httpPort, SYNAPSE_MAIN.replicationPort, SYNAPSE_MAIN.metricsPort, ...plan.flatMap((w) => [w.metricsPort, ...("httpPort" in w && w.httpPort ? [w.httpPort] : []), ...(w.type === "stream_writer" ? [w.replicationPort] : [])])];
  expect(new Set(ports).size).toBe(ports.length);
  const { file } = synapseFiles(nativeSmall());
  for (const w of synapseWorkerPlan(SCALE_PRESETS.small.workers)) {
    const listeners = parseYaml(file(`${NATIVE_PATHS.configDir}/workers/${w.id}.yaml`)).worker_listeners as { bind_addresses: string[]; resources?: { names: string[] }[] }[];
    expect(listeners.flatMap((l) => l.bind_addresses)).toEqual(listeners.map(() => "127.0.0.1"));
    const replication = listeners.some((l) => l.resources?.some((r) => r.names.includes("replication")));
    expect({ id: w.id, replication }).toEqual({ id: w.id, replication: w.type === "stream_writer" });
  }
  const homeserver = parseYaml(file(`${NATIVE_PATHS.configDir}/homeserver.yaml`));
  expect(Object.keys(homeserver.instance_map)).toEqual(["main", ...synapseWorkerPlan(SCALE_PRESETS.small.workers).filter((w) => w.type === "stream_writer").map((w) => w.id)]);
  expect(Object.keys(homeserver.stream_writers)).toEqual([...STREAMS]);
  expect(homeserver.listeners.flatMap((l: { bind_addresses: string[] }) => l.bind_addresses)).toEqual(["127.0.0.1", "127.0.0.1", "127.0.0.1"]);
});

describe("Synapse loads the rendered config (python -m synapse.config, the pinned Synapse)", () => {
  const python = join(ROOT, ".cache/venv-synapse-native/bin/python");
  const d = nativeSmall({ sync: 2 });
  const root = join(tmp.dir, "native");
  const localize = (t: string) => t.replaceAll(NATIVE_PATHS.configDir, join(root, NATIVE_PATHS.configDir)).replaceAll("/matrix/synapse", join(root, "matrix/synapse"));
  materializeHost(d, "synapse1", root, localize);
  const key = join(root, NATIVE_PATHS.keyDir, "chat.z3r0d3v.com.signing.key");
  mkdirSync(join(root, NATIVE_PATHS.keyDir), { recursive: true });
  mkdirSync(join(root, NATIVE_PATHS.mediaDir), { recursive: true });
  execFileSync(join(ROOT, ".cache/venv-synapse-native/bin/generate_signing_key"), ["-o", key]);
  const config = join(root, NATIVE_PATHS.configDir);
  const check = (...files: string[]) => run(python, ["-m", "synapse.config", ...files.flatMap((f) => ["-c", f])], { cwd: tmp.dir });

  test("the main process's config", () => {
    expect(check(join(config, "homeserver.yaml")).stdout).toContain("Config parses OK!");
  });

  test("every worker's file with it (one Python process: Synapse's own loader, as `python -m synapse.config` calls it)", () => {
    const ids = synapseWorkerPlan({ ...SCALE_PRESETS.small.workers, sync: 2 }).map((w) => w.id);
    const script = [
      "import sys",
      "from synapse.config._base import ConfigError",
      "from synapse.config.homeserver import HomeServerConfig",
      "for path in sys.argv[2:]:",
      "    try:",
      "        config = HomeServerConfig.load_config('', ['-c', sys.argv[1], '-c', path])",
      "        print(config.worker.worker_name, 'OK')",
      "    except ConfigError as e:",
      "        print(path, 'ERROR', e)",
    ].join("\n");
    const r = run(python, ["-c", script, join(config, "homeserver.yaml"), ...ids.map((id) => join(config, "workers", `${id}.yaml`))], { cwd: tmp.dir });
    expect(r.stdout.trim().split("\n")).toEqual(ids.map((id) => `${id} OK`));
  });

  test("a stream writer missing from instance_map is refused", () => {
    const broken = join(root, "broken.yaml");
    writeFileSync(broken, readFileSync(join(config, "homeserver.yaml"), "utf8").replace(/  stream-writer-1-typing:\n.*\n.*\n/, ""));
    const r = check(broken);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/stream-writer-1-typing/);
  });
});

test("nginx accepts the routing (nginx -t), and routes each endpoint to its worker, the narrow routes first", () => {
  const conf = synapseFiles(nativeSmall()).file("/etc/nginx/conf.d/matrix-synapse.conf");
  const r = nginxTest(conf.replaceAll("10.10.1.10:", "127.0.0.1:"), []);
  expect([r.status, r.output]).toEqual([0, expect.stringContaining("syntax is ok")]);
  const order = [...conf.matchAll(/proxy_pass http:\/\/(synapse_[a-z_]+);/g)].map((m) => m[1]);
  const first = (u: string) => order.indexOf(u);
  expect(first("synapse_stream_typing")).toBeLessThan(first("synapse_room_worker"));
  expect(first("synapse_media_repository")).toBeLessThan(first("synapse_room_worker"));
  expect(first("synapse_room_worker")).toBeLessThan(first("synapse_client_reader"));
  expect(conf).toMatch(/upstream synapse_sync_worker \{\n\t# One user's requests to one worker: its caches stay warm.\n\thash \$http_authorization consistent;\n(\tserver 127\.0\.0\.1:\d+;\n){4}/);
  expect(conf).toContain(`location = /metrics/synapse/worker/sync-worker-0 {`);
});

test("a room's requests go to the room worker, whether its id names a server or is a room version 12 hash (Synapse 1.163's default)", () => {
  // nginx matches the decoded path; the first route that matches serves it.
  const servedBy = (path: string) => {
    const route = ROUTES.find((r) => [...r.client, ...r.federation].some((p) => new RegExp(p).test(path)));
    return route === undefined ? "main" : "type" in route.to ? route.to.type : `${route.to.stream} writer`;
  };
  const v12 = "!pQ3iS0c8lQ6xWc2Y2xv_gN1bZp-XkqN8mVh0sTqLw4A";
  expect({
    sendV12: servedBy(`/_matrix/client/v3/rooms/${v12}/send/m.room.message/t1`),
    joinV12: servedBy(`/_matrix/client/v3/join/${v12}`),
    sendNamed: servedBy("/_matrix/client/v3/rooms/!abc:chat.example.com/send/m.room.message/t1"),
    stateIdsV12: servedBy(`/_matrix/federation/v1/state_ids/${v12}`),
    typingV12: servedBy(`/_matrix/client/v3/rooms/${v12}/typing/@a:chat.example.com`),
    createRoom: servedBy("/_matrix/client/v3/createRoom"),
  }).toEqual({ sendV12: "room_worker", joinV12: "room_worker", sendNamed: "room_worker", stateIdsV12: "room_worker", typingV12: "typing writer", createRoom: "client_reader" });
});

test("systemd verifies the main unit and the worker template unit", () => {
  const files = synapseFiles(nativeSmall()).unit.files.map((f) => ({ path: f.path, content: f.content, mode: f.mode }));
  const venvPython = { path: `${NATIVE_PATHS.venv}/bin/python`, content: "#!/bin/sh\n", mode: "0755" };
  const redisUnit = { path: "/usr/lib/systemd/system/redis-server@.service", content: "[Unit]\nDescription=Stand-in for Debian's redis-server@.service\n[Service]\nExecStart=/usr/bin/redis-server /etc/redis/redis-%i.conf\n", mode: "0644" };
  const redis = { path: "/usr/bin/redis-server", content: "#!/bin/sh\n", mode: "0755" };
  const r = verifyUnits([...files, venvPython, redisUnit, redis], ["/etc/systemd/system/matrix-synapse.service", "/etc/systemd/system/matrix-synapse-worker@sync-worker-0.service", "/etc/systemd/system/matrix-synapse-media-prune.service", "/etc/systemd/system/matrix-synapse-media-prune.timer"]);
  expect([r.status, r.output]).toEqual([0, ""]);
});

describe("bounded media cache (the host's disk keeps recent uploads; the object store keeps all)", () => {
  test("by default, what half the data disk holds at the scale's upload rate: 5 days at small, 2 at medium and large; the deployment may say otherwise", () => {
    expect(["small", "medium", "large"].map((scale) => buildTopology(loadExample(`onprem-${scale}` as "onprem-small")).mediaCacheDays)).toEqual([5, 2, 2]);
    expect(SCALE_PRESETS.small.sizes.synapse.diskGB! / 2 / SCALE_PRESETS.small.mediaUploadGBPerDay).toBe(5);
    const text = editedExample("onprem-small", (doc) => doc.setIn(["onprem", "synapse"], doc.createNode({ install: "native", media_cache_days: 14 })));
    expect(buildTopology(parseDeployment(text, examplePath("onprem-small"))).mediaCacheDays).toBe(14);
  });

  test("native: a daily timer runs the storage provider's s3_media_upload against the object store, as the synapse user; the playbook path gets the same age", () => {
    const { file } = synapseFiles(nativeSmall());
    const script = file("/usr/local/sbin/matrix-synapse-media-prune");
    expect(script).toContain(`${NATIVE_PATHS.venv}/bin/s3_media_upload --no-progress "$@"`);
    expect(script.split("\n").filter((l) => l.startsWith("s3_media_upload "))).toEqual([
      "s3_media_upload update-db 5d --homeserver-config-path /etc/matrix-synapse/homeserver.yaml",
      `s3_media_upload check-deleted ${NATIVE_PATHS.mediaDir}`,
      `s3_media_upload upload ${NATIVE_PATHS.mediaDir} synapse-media --delete --endpoint-url http://10.10.3.100:9000`,
    ]);
    expect(file("/etc/matrix-synapse/media-prune.env")).toMatch(/^AWS_ACCESS_KEY_ID=synapse\nAWS_SECRET_ACCESS_KEY=@@secret:minio_synapse@@\n/);
    expect(file("/etc/systemd/system/matrix-synapse-media-prune.service")).toMatch(/User=matrix-synapse\n[\s\S]*EnvironmentFile=\/etc\/matrix-synapse\/media-prune.env/);
    const playbook = hostPlan(planCluster(buildTopology(loadExample("onprem-small"))), "synapse1").units.find((u) => u.name === "synapse")!;
    const vars = parseYaml(playbook.files.find((f) => f.path.endsWith("/vars.yml"))!.content) as Record<string, unknown>;
    expect(vars.matrix_synapse_ext_synapse_s3_storage_provider_update_db_day_count).toBe(5);
  });

  test("the script's commands are ones the pinned s3_media_upload accepts (it parses them, then runs on an empty cache here)", () => {
    const tool = join(ROOT, ".cache/venv-synapse-native/bin/s3_media_upload");
    const script = synapseFiles(nativeSmall()).file("/usr/local/sbin/matrix-synapse-media-prune");
    const media = join(tmp.dir, "media-store");
    mkdirSync(media, { recursive: true });
    const [updateDb, checkDeleted, upload] = script
      .split("\n")
      .filter((l) => l.startsWith("s3_media_upload "))
      .map((l) => ["--no-progress", ...l.split(" ").slice(1)].map((a) => (a === NATIVE_PATHS.mediaDir ? media : a)));
    // Parsed, then it looks for the homeserver config (on the host it connects to the database).
    expect(run(tool, updateDb, { cwd: tmp.dir }).stderr).toContain("Could not find /etc/matrix-synapse/homeserver.yaml");
    expect(run(tool, checkDeleted, { cwd: tmp.dir }).status).toBe(0);
    const up = run(tool, upload, { cwd: tmp.dir, env: { ...process.env, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_DEFAULT_REGION: "us-east-1" } });
    expect([up.status, up.stderr]).toEqual([0, ""]);
    expect(run(tool, [...upload, "--keep-local"], { cwd: tmp.dir }).stderr).toContain("unrecognized arguments: --keep-local");
  });
});

test("the deployment's branding reaches Element Web's config.json, whatever characters the brand holds", () => {
  const text = editedExample("onprem-small", (doc) => {
    doc.setIn(["onprem", "synapse"], doc.createNode({ install: "native" }));
    doc.setIn(["branding"], doc.createNode({ brand: 'Acme: "Chat" #1', logo_url: "https://intranet.example/logo.svg", theme_color: "#112233" }));
  });
  const config = JSON.parse(synapseFiles(parseDeployment(text, examplePath("onprem-small")) as OnPremDeployment).file(NATIVE_PATHS.elementConfig));
  expect(config).toMatchObject({
    default_server_config: { "m.homeserver": { base_url: "https://chat.z3r0d3v.com", server_name: "chat.z3r0d3v.com" } },
    brand: 'Acme: "Chat" #1',
    branding: { auth_header_logo_url: "https://intranet.example/logo.svg" },
    default_theme: 'custom-Acme: "Chat" #1',
    setting_defaults: { custom_themes: [{ name: 'Acme: "Chat" #1', is_dark: false, colors: { "accent-color": "#112233", "primary-color": "#112233" } }] },
    // The cluster has LiveKit: Element offers group calls and video rooms.
    features: { feature_video_rooms: true, feature_group_calls: true, feature_element_call_video_rooms: true },
  });
});
