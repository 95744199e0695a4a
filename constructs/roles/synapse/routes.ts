import type { Stream, WorkerType } from "../../topology/workers";

/**
 * Which Synapse process serves which endpoint: the request paths of Synapse's worker
 * documentation (docs/workers.md) for the workers of the `specialized-workers` split, as
 * matrix-docker-ansible-deploy routes them (roles/custom/matrix-synapse/vars/main.yml at
 * MDAD_CHECKED_AT). nginx tries them in this order and takes the first match; anything
 * else goes to the main process.
 */
export interface Route {
  readonly comment: string;
  /** Who serves it: a worker type, or the writer of one stream. */
  readonly to: { readonly type: Exclude<WorkerType, "stream_writer"> } | { readonly stream: Stream };
  /** PCRE patterns on the request path. */
  readonly client: readonly string[];
  readonly federation: readonly string[];
}

const C = "^/_matrix/client/(api/v1|r0|v3|unstable)";
const C3 = "^/_matrix/client/(r0|v3|unstable)";

export const ROUTES: readonly Route[] = [
  // Stream writers first: their paths also contain room ids.
  { comment: "typing stream writer", to: { stream: "typing" }, client: [`${C}/rooms/.*/typing`], federation: [] },
  { comment: "to_device stream writer", to: { stream: "to_device" }, client: [`${C3}/sendToDevice/`], federation: [] },
  { comment: "account_data stream writer", to: { stream: "account_data" }, client: [`${C3}/.*/tags`, `${C3}/.*/account_data`], federation: [] },
  { comment: "receipts stream writer", to: { stream: "receipts" }, client: [`${C3}/rooms/.*/receipt`, `${C3}/rooms/.*/read_markers`], federation: [] },
  { comment: "presence stream writer", to: { stream: "presence" }, client: [`${C}/presence/`], federation: [] },
  { comment: "push_rules stream writer", to: { stream: "push_rules" }, client: [`${C}/pushrules/`], federation: [] },
  {
    comment: "device_lists stream writer",
    to: { stream: "device_lists" },
    client: ["^/_matrix/client/(r0|v3)/delete_devices$", `${C}/devices(/|$)`, `${C3}/keys/upload(/|$)`, `${C}/keys/device_signing/upload$`, `${C}/keys/signatures/upload$`],
    federation: [],
  },
  { comment: "quarantined_media_changes stream writer (Synapse 1.152 and later)", to: { stream: "quarantined_media_changes" }, client: ["^/_synapse/admin/v1/quarantine_media/.*$"], federation: [] },
  { comment: "user directory worker", to: { type: "user_dir" }, client: [`${C3}/user_directory/search$`], federation: [] },
  {
    comment: "media repository worker",
    to: { type: "media_repository" },
    client: ["^/_matrix/media/", "^/_matrix/client/v1/media/", "^/_synapse/admin/v1/purge_media_cache$", "^/_synapse/admin/v1/room/.*/media.*$", "^/_synapse/admin/v1/user/.*/media.*$", "^/_synapse/admin/v1/media/.*$", "^/_synapse/admin/v1/users/.*/media$"],
    federation: ["^/_matrix/federation/v1/media/"],
  },
  {
    comment: "sync workers",
    to: { type: "sync_worker" },
    client: [`${C}/(sync|events|initialSync|rooms/[^/]+/initialSync)$`, "^/_matrix/client/unstable/org.matrix.simplified_msc3575/sync$"],
    federation: [],
  },
  {
    // Room version 12 ids (Synapse's default from 1.162.0; MSC4291) name no server: `!<hash>`.
    comment: "room worker: any request naming a room id",
    to: { type: "room_worker" },
    client: ["^/_matrix/client/.*?!(?<room>[A-Za-z0-9._=\\-\\/]+)(:[A-Za-z0-9.\\-]+)?"],
    federation: ["^/_matrix/federation/v[12]/(?:state_ids|get_missing_events)/(?:%21|!)(?<room>[A-Za-z0-9._=\\-\\/]+)((:|%3A)[A-Za-z0-9.\\-]+)?"],
  },
  {
    comment: "client readers",
    to: { type: "client_reader" },
    client: [
      `${C}/room_keys/`,
      `${C}/keys/(query|changes|claim|room_keys/)`,
      "^/_matrix/client/unstable/org.matrix.msc3814.v1/dehydrated_device$",
      "^/_matrix/client/unstable/org.matrix.msc3814.v1/dehydrated_device/[^/]*/events$",
      `${C}/login`,
      `${C}/register(/available|/m.login.registration_token/validity|)?`,
      "^/_matrix/client/v1/register/m.login.registration_token/validity$",
      `${C}/password_policy`,
      `${C}/profile`,
      `${C}/account/(3pid|whoami|deactivate)`,
      `${C}/rooms/.*/(joined_members|context/.*|members|state|hierarchy|relations/|event/|aliases|timestamp_to_event|redact|send|state/|(join|invite|leave|ban|unban|kick))`,
      `${C}/(createRoom|publicRooms|versions|voip/turnServer|joined_rooms|search|directory/room/.*|capabilities)`,
      "^/_matrix/client/versions$",
      `${C}/user/.*/filter(/|$)`,
      "^/_matrix/client/unstable/org.matrix.msc4143/rtc/transports$",
    ],
    federation: [],
  },
  { comment: "federation readers", to: { type: "federation_reader" }, client: [], federation: ["^/_matrix/(federation/(v1|v2)|key/v2)/"] },
];
