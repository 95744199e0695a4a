import type { WorkerCounts } from "./scale";

/**
 * The worker processes matrix-docker-ansible-deploy starts for the `specialized-workers`
 * preset with our counts, by the ids it gives them (roles/custom/matrix-synapse/tasks/
 * synapse/workers/init.yml and the preset in defaults/main.yml, at MDAD_CHECKED_AT).
 * The ids name each worker's metrics path, /metrics/synapse/worker/<id>, and their number
 * sizes the database pool. Counts the deployment does not set are the preset's.
 */
const PRESET_SINGLE = ["room-worker", "federation-reader"] as const;
const PRESET_AFTER_SENDERS = ["pusher", "appservice", "user-dir", "background", "media-repository"] as const;
/** Stream writers after `events`, one each in the preset (thread_subscriptions: none). */
const PRESET_STREAMS = ["typing", "to_device", "account_data", "receipts", "presence", "push_rules", "device_lists", "quarantined_media_changes"] as const;

export function synapseWorkerIds(w: WorkerCounts): string[] {
  const numbered = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  const streams = [...Array<string>(w.eventPersister).fill("events"), ...PRESET_STREAMS];
  return [
    ...numbered(PRESET_SINGLE[0], 1),
    ...numbered("sync-worker", w.sync),
    // Our "generic" count becomes client readers (the preset forbids generic workers).
    ...numbered("client-reader", w.generic),
    ...numbered(PRESET_SINGLE[1], 1),
    ...streams.map((stream, idx) => `stream-writer-${idx}-${stream}`),
    ...numbered("federation-sender", w.federationSender),
    ...PRESET_AFTER_SENDERS.flatMap((p) => numbered(p, 1)),
  ];
}
