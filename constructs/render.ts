import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Mustache from "mustache";

export const TEMPLATES_DIR = join(__dirname, "..", "templates");

/** The secrets roles may reference. Targets decide where the values come from. */
export const SECRET_NAMES = [
  "postgres_superuser",
  "postgres_replication",
  "postgres_rewind",
  "synapse_db",
  "patroni_rest",
  "pgbouncer_auth",
  "haproxy_stats",
  "redis_livekit",
  "minio_root",
  "minio_synapse",
  "turn_shared_secret",
  "livekit_api_secret",
  "grafana_admin",
  "registration_shared_secret",
  "mdad_generic_secret",
  "form_secret",
  "rsync_backup",
] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/**
 * A secret appears in rendered text only as this marker. Rendering stays pure and
 * secret-free; the target swaps markers for references resolved at apply time.
 */
export const secretMarker = (name: SecretName) => `@@secret:${name}@@`;
export const SECRET_MARKER = /@@secret:([a-z_]+)@@/g;

/**
 * Where the public host name is known only at apply time (the Elastic IP of an AWS
 * deployment without a domain), rendered text carries this marker; the target fills it.
 */
export const PUBLIC_HOST_MARKER = "@@public_host@@";

export function secretsIn(content: string): SecretName[] {
  return [...new Set([...content.matchAll(SECRET_MARKER)].map((m) => m[1] as SecretName))].sort();
}

/** View helper: every secret as its marker, for `{{secrets.name}}` in templates. */
export const SECRET_VIEW: Readonly<Record<SecretName, string>> = Object.fromEntries(
  SECRET_NAMES.map((n) => [n, secretMarker(n)]),
) as Record<SecretName, string>;

const cache = new Map<string, string>();

/** Renders templates/<path> with mustache; no HTML escaping (these are config files). */
export function renderTemplate(path: string, view: object): string {
  let template = cache.get(path);
  if (template === undefined) {
    template = readFileSync(join(TEMPLATES_DIR, path), "utf8");
    cache.set(path, template);
  }
  return Mustache.render(template, { ...view, secrets: SECRET_VIEW }, {}, { escape: (v: unknown) => String(v) });
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
