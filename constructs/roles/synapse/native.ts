import { sha256 } from "../../hash";
import { secretMarker } from "../../markers";
import { renderTemplate } from "../../template";
import { port } from "../../topology/ports";
import { STREAMS, SYNAPSE_MAIN, streamWriters, workerIdsOfType, type SynapseWorker, type WorkerType } from "../../topology/workers";
import { mediaStore } from "../minio";
import type { RenderedFile, RoleContext, RoleUnit } from "../unit";
import { commonView } from "../view";
import { elementConfig, elementHostName } from "./element";
import { ROUTES } from "./routes";
import { SYNAPSE_REQUIREMENTS, SYNAPSE_VERSION } from "./wheelhouse";

/** Where the native install keeps its parts on the Synapse host. */
export const NATIVE_PATHS = {
  venv: "/opt/matrix-platform/synapse",
  configDir: "/etc/matrix-synapse",
  // The playbook's data paths: the backup server's media pull is the same for both ways.
  mediaDir: "/matrix/synapse/storage/media-store",
  /** Element Web's files, from the release tarball the bundle carries, and its rendered config. */
  elementDir: "/var/www/element-web",
  elementConfig: "/etc/element-web/config.json",
  keyDir: "/matrix/synapse/config",
} as const;

/** The command that keeps the host's media a bounded cache (templates/synapse/native/media-prune.sh.mustache). */
export const MEDIA_PRUNE_COMMAND = "/usr/local/sbin/matrix-synapse-media-prune";

/** Redis for worker replication: a second instance of Debian's redis-server, on loopback. */
const REDIS = { instance: "synapse", port: 6380 } as const;

/** Ids for a YAML flow list in a template: `[{{#x}}"{{id}}"{{^last}}, {{/last}}{{/x}}]`. */
const listView = (ids: readonly string[]) => ids.map((id, i, all) => ({ id, last: i === all.length - 1 }));

/** The single worker of a type the preset runs once (appservice, user directory, ...). */
function single(workers: readonly SynapseWorker[], type: WorkerType): string {
  const ids = workerIdsOfType(workers, type);
  if (ids.length !== 1) throw new Error(`the worker plan has ${ids.length} ${type} workers; Synapse takes exactly one`);
  return ids[0];
}

/** nginx upstreams and routes from the worker plan: each route to the workers that serve it. */
function routing(workers: readonly SynapseWorker[]) {
  type Target = (typeof ROUTES)[number]["to"];
  const upstreamOf = (to: Target) => ("stream" in to ? `synapse_stream_${to.stream}` : `synapse_${to.type}`);
  const serves = (w: SynapseWorker, to: Target) => ("stream" in to ? w.type === "stream_writer" && w.stream === to.stream : w.type === to.type);
  const serversOf = (to: Target) => workers.flatMap((w) => (serves(w, to) && "httpPort" in w && w.httpPort !== undefined ? [w.httpPort] : []));
  const served = ROUTES.map((r) => ({ ...r, upstream: upstreamOf(r.to), servers: serversOf(r.to) })).filter((r) => r.servers.length > 0);
  const upstreams = [
    { name: "synapse_main", servers: [SYNAPSE_MAIN.httpPort] },
    ...served.map((r) => ({ name: r.upstream, servers: r.servers, hashByUser: "type" in r.to && r.to.type === "sync_worker" && r.servers.length > 1 })),
  ];
  const routes = (kind: "client" | "federation") => served.filter((r) => r[kind].length > 0).map((r) => ({ comment: r.comment, upstream: r.upstream, patterns: r[kind] }));
  return { upstreams, client: routes("client"), federation: routes("federation") };
}

/**
 * The Synapse host without containers: Synapse and synapse-s3-storage-provider in a
 * virtualenv from the bundle's wheelhouse, the main process and one systemd unit per worker
 * of the model's worker plan, Redis for their replication, and nginx routing each endpoint
 * to its worker behind HAProxy, as Traefik does on the playbook path, and Element Web on
 * element.<domain> when the bundle carries its release.
 */
export function renderNativeSynapse({ topology, host }: RoleContext, shared: NativeSynapseInputs): Pick<RoleUnit, "files" | "activate" | "packages"> {
  const view = commonView(topology, host);
  const workers = topology.synapseWorkers;
  const domain = topology.domain ?? topology.serverName;
  const { configDir, venv } = NATIVE_PATHS;
  const signingKey = `${NATIVE_PATHS.keyDir}/${domain}.signing.key`;
  const writers = streamWriters(workers);
  const streams = STREAMS.map((stream) => ({ stream, ids: listView(writers.filter((w) => w.stream === stream).map((w) => w.id)) })).filter((s) => s.ids.length > 0);
  const homeserver = renderTemplate("synapse/native/homeserver.yaml.mustache", {
    ...view,
    version: SYNAPSE_VERSION,
    scale: topology.scale,
    federation: topology.federation,
    workers,
    configDir,
    mediaDir: NATIVE_PATHS.mediaDir,
    signingKey,
    main: SYNAPSE_MAIN,
    redisPort: REDIS.port,
    streamWriters: writers,
    streams,
    federationSenders: listView(workerIdsOfType(workers, "federation_sender")),
    pushers: listView(workerIdsOfType(workers, "pusher")),
    appservice: single(workers, "appservice"),
    userDir: single(workers, "user_dir"),
    background: single(workers, "background"),
    mediaWorker: single(workers, "media_repository"),
    mediaStore: mediaStore(topology),
    admin: shared.adminLocalpart,
    turnUris: shared.turnUris,
    rtc: shared.rtc,
  });
  const workerFiles: RenderedFile[] = workers.map((w) => ({
    path: `${configDir}/workers/${w.id}.yaml`,
    content: renderTemplate("synapse/native/worker.yaml.mustache", {
      ...w,
      configDir,
      // Synapse lets the media repository load only in a process of this app (enable_media_repo is off).
      app: w.type === "media_repository" ? "media_repository" : "generic_worker",
      httpPort: "httpPort" in w ? w.httpPort : undefined,
      replicationPort: w.type === "stream_writer" ? w.replicationPort : undefined,
      resourceList: "resources" in w ? w.resources.join(", ") : "",
    }),
    mode: "0644",
  }));
  const { upstreams, client, federation } = routing(workers);
  const wellKnown = {
    client: JSON.stringify({ "m.homeserver": { base_url: `https://${domain}` }, ...(shared.rtc ? { "org.matrix.msc4143.rtc_foci": [{ type: "livekit", livekit_service_url: shared.rtc.jwtUrl }] } : {}) }),
    ...(topology.federation ? { server: JSON.stringify({ "m.server": `${domain}:${port("haproxy.federation")}` }) } : {}),
  };
  const metrics = [{ path: "main-process", port: SYNAPSE_MAIN.metricsPort }, ...workers.map((w) => ({ path: `worker/${w.id}`, port: w.metricsPort }))];
  const element = { host: elementHostName(domain), dir: NATIVE_PATHS.elementDir, config: NATIVE_PATHS.elementConfig, address: host.address, port: port("synapse.web") };
  const nginx = renderTemplate("synapse/native/nginx.conf.mustache", {
    ...view,
    upstreams,
    metrics,
    element,
    servers: [
      { purpose: "Client-server API, media, metrics: HAProxy's https entry", address: host.address, port: port("synapse.web"), web: true, wellKnown, routes: client },
      { purpose: "Federation API: HAProxy's federation entry", address: host.address, port: port("synapse.federation"), routes: federation },
    ],
  });
  // Without an object store the host's disk is the only copy: nothing is pruned then.
  const store = mediaStore(topology);
  const pruneView = store && { ...view, ...store, venv, configDir, mediaDir: NATIVE_PATHS.mediaDir, days: topology.mediaCacheDays ?? 0, command: MEDIA_PRUNE_COMMAND };
  const unitView = { serverName: topology.serverName, venv, configDir, redisInstance: REDIS.instance };
  const requirements = SYNAPSE_REQUIREMENTS.join(" ");
  const activate = renderTemplate("synapse/native/activate.sh.mustache", {
    ...view,
    ...NATIVE_PATHS,
    version: SYNAPSE_VERSION,
    signingKey,
    bundled: topology.playbook.bundled,
    requirements,
    requirementsHash: sha256(requirements).slice(0, 16),
    redis: REDIS,
    workerIds: workers.map((w) => w.id).join(" "),
    mainUrl: `http://127.0.0.1:${SYNAPSE_MAIN.httpPort}`,
    elementHost: element.host,
    admin: shared.adminLocalpart,
    backupSource: shared.backupSource,
    mediaPrune: pruneView !== undefined,
  });
  const mediaPrune: RenderedFile[] = pruneView
    ? [
        { path: MEDIA_PRUNE_COMMAND, content: renderTemplate("synapse/native/media-prune.sh.mustache", pruneView), mode: "0755" },
        // Read by systemd (as root) before it starts the service as matrix-synapse.
        { path: `${configDir}/media-prune.env`, content: renderTemplate("synapse/native/media-prune.env.mustache", pruneView), mode: "0600" },
        { path: "/etc/systemd/system/matrix-synapse-media-prune.service", content: renderTemplate("synapse/native/matrix-synapse-media-prune.service.mustache", pruneView), mode: "0644" },
        { path: "/etc/systemd/system/matrix-synapse-media-prune.timer", content: renderTemplate("synapse/native/matrix-synapse-media-prune.timer.mustache", pruneView), mode: "0644" },
      ]
    : [];
  return {
    files: [
      { path: `${configDir}/homeserver.yaml`, content: homeserver, mode: "0640" },
      ...mediaPrune,
      { path: `${configDir}/log.yaml`, content: renderTemplate("synapse/native/log.yaml.mustache", {}), mode: "0644" },
      ...workerFiles,
      { path: `${configDir}/admin-password`, content: secretMarker("admin_password"), mode: "0600" },
      { path: "/etc/systemd/system/matrix-synapse.service", content: renderTemplate("synapse/native/matrix-synapse.service.mustache", unitView), mode: "0644" },
      { path: "/etc/systemd/system/matrix-synapse-worker@.service", content: renderTemplate("synapse/native/matrix-synapse-worker@.service.mustache", unitView), mode: "0644" },
      { path: `/etc/redis/redis-${REDIS.instance}.conf`, content: renderTemplate("synapse/native/redis.conf.mustache", { ...view, redisPort: REDIS.port }), mode: "0640", owner: "redis:redis" },
      { path: "/etc/nginx/conf.d/matrix-synapse.conf", content: nginx, mode: "0644" },
      { path: NATIVE_PATHS.elementConfig, content: elementConfig(topology.branding, `https://${domain}`, topology.serverName, shared.rtc !== undefined), mode: "0644" },
    ],
    activate,
    packages: ["python3", "python3-venv", "nginx", "redis-server"],
  };
}

/** What the Synapse role computes once for both install paths. */
export interface NativeSynapseInputs {
  readonly adminLocalpart: string;
  readonly turnUris: readonly string[];
  readonly rtc?: { readonly jwtUrl: string };
  /** Starts the rsync daemon the backup server pulls media and the signing key from, if any. */
  readonly backupSource: string;
}
