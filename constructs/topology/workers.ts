import type { WorkerCounts } from "./scale";

/**
 * The Synapse worker plan: one list of processes that both install paths run. The playbook
 * path hands the counts to matrix-docker-ansible-deploy's `specialized-workers` preset, which
 * starts exactly these workers under these ids (roles/custom/matrix-synapse/tasks/synapse/
 * workers/init.yml and the preset in defaults/main.yml, at MDAD_CHECKED_AT); the native path
 * renders one worker file and one systemd unit per entry. The ids name each worker's metrics
 * path, /metrics/synapse/worker/<id>, and their number sizes the database pool.
 */

/** Synapse's streams a stream writer can own (synapse/config/workers.py, WriterLocations). */
export const STREAMS = ["events", "typing", "to_device", "account_data", "receipts", "presence", "push_rules", "device_lists", "quarantined_media_changes"] as const;
export type Stream = (typeof STREAMS)[number];

export type WorkerType =
  | "room_worker"
  | "sync_worker"
  | "client_reader"
  | "federation_reader"
  | "stream_writer"
  | "federation_sender"
  | "pusher"
  | "appservice"
  | "user_dir"
  | "background"
  | "media_repository";

/** Synapse's HTTP listener resources a worker serves to the reverse proxy. */
export type WorkerResource = "client" | "federation" | "media";

interface WorkerBase {
  readonly id: string;
  /** Loopback port of its metrics listener. */
  readonly metricsPort: number;
}
/** A worker the reverse proxy sends requests to. */
interface ServingWorker extends WorkerBase {
  readonly type: Exclude<WorkerType, "stream_writer" | "federation_sender" | "pusher" | "appservice" | "background">;
  readonly httpPort: number;
  readonly resources: readonly WorkerResource[];
}
/**
 * A stream writer: in the instance_map, with a replication listener other processes write
 * through; the writers of streams with client endpoints also serve those.
 */
export interface StreamWriter extends WorkerBase {
  readonly type: "stream_writer";
  readonly stream: Stream;
  readonly replicationPort: number;
  readonly httpPort?: number;
  readonly resources: readonly WorkerResource[];
}
/** A worker that only runs background work (sending, pushing, notifying). */
interface BackgroundWorker extends WorkerBase {
  readonly type: "federation_sender" | "pusher" | "appservice" | "background";
}
export type SynapseWorker = ServingWorker | StreamWriter | BackgroundWorker;

/** The main process's loopback listeners; the workers' ports count up from theirs. */
export const SYNAPSE_MAIN = { httpPort: 18008, replicationPort: 18009, metricsPort: 18010 } as const;
const WORKER_PORTS = { http: 18100, replication: 18300, metrics: 18500 } as const;

/** Streams whose writer serves client endpoints (the events writer only persists). */
const WEB_STREAMS: ReadonlySet<Stream> = new Set(STREAMS.filter((s) => s !== "events"));

const SERVING_RESOURCES: Readonly<Record<ServingWorker["type"], readonly WorkerResource[]>> = {
  room_worker: ["client", "federation"],
  sync_worker: ["client"],
  client_reader: ["client"],
  federation_reader: ["federation"],
  user_dir: ["client"],
  // Authenticated media (/_matrix/client/v1/media, /_matrix/federation/v1/media) needs the other two.
  media_repository: ["media", "client", "federation"],
};

/** The worker processes of a scale, in start order (the preset's order and ids). */
export function synapseWorkerPlan(w: WorkerCounts): SynapseWorker[] {
  type Entry = { id: string; type: WorkerType; stream?: Stream };
  const numbered = (prefix: string, type: WorkerType, count: number): Entry[] => Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, type }));
  const streams: Stream[] = [...Array<Stream>(w.eventPersister).fill("events"), ...STREAMS.filter((s) => s !== "events")];
  const entries: Entry[] = [
    ...numbered("room-worker", "room_worker", 1),
    ...numbered("sync-worker", "sync_worker", w.sync),
    // Our "generic" count becomes client readers (the preset forbids generic workers).
    ...numbered("client-reader", "client_reader", w.generic),
    ...numbered("federation-reader", "federation_reader", 1),
    ...streams.map((stream, idx): Entry => ({ id: `stream-writer-${idx}-${stream}`, type: "stream_writer", stream })),
    ...numbered("federation-sender", "federation_sender", w.federationSender),
    ...numbered("pusher", "pusher", 1),
    ...numbered("appservice", "appservice", 1),
    ...numbered("user-dir", "user_dir", 1),
    ...numbered("background", "background", 1),
    ...numbered("media-repository", "media_repository", 1),
  ];
  return entries.map(({ id, type, stream }, i): SynapseWorker => {
    const metricsPort = WORKER_PORTS.metrics + i;
    const httpPort = WORKER_PORTS.http + i;
    if (type === "stream_writer") {
      const web = WEB_STREAMS.has(stream!);
      return { id, type, stream: stream!, metricsPort, replicationPort: WORKER_PORTS.replication + i, ...(web ? { httpPort } : {}), resources: web ? ["client"] : [] };
    }
    if (type in SERVING_RESOURCES) {
      const serving = type as ServingWorker["type"];
      return { id, type: serving, metricsPort, httpPort, resources: SERVING_RESOURCES[serving] };
    }
    return { id, type: type as BackgroundWorker["type"], metricsPort };
  });
}

/** The workers' ids, in start order. */
export const synapseWorkerIds = (w: WorkerCounts): string[] => synapseWorkerPlan(w).map((x) => x.id);

/** The ids of one type's instances (for Synapse's *_instances settings). */
export const workerIdsOfType = (plan: readonly SynapseWorker[], type: WorkerType): string[] => plan.filter((w) => w.type === type).map((w) => w.id);

export const streamWriters = (plan: readonly SynapseWorker[]): StreamWriter[] => plan.filter((w): w is StreamWriter => w.type === "stream_writer");
