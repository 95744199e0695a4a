/**
 * Placeholders for values known only at apply time. Rendering stays pure and secret-free:
 * rendered text carries these markers, and the target swaps them for references that
 * Terraform resolves at apply time.
 */

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
  "minio_backup",
  "restic_backup",
  "admin_password",
  "synapse_macaroon",
  "synapse_redis",
] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/** A secret appears in rendered text only as this marker. */
export const secretMarker = (name: SecretName) => `@@secret:${name}@@`;
export const SECRET_MARKER = /@@secret:([a-z_]+)@@/g;

export function secretsIn(content: string): SecretName[] {
  // Most rendered files hold no secret: one substring search answers for them.
  if (!content.includes("@@secret:")) return [];
  return [...new Set([...content.matchAll(SECRET_MARKER)].map((m) => m[1] as SecretName))].sort();
}

/** View helper: every secret as its marker, for `{{secrets.name}}` in templates. */
export const SECRET_VIEW: Readonly<Record<SecretName, string>> = Object.fromEntries(
  SECRET_NAMES.map((n) => [n, secretMarker(n)]),
) as Record<SecretName, string>;

/**
 * Where the public host name is known only at apply time (the Elastic IP of an AWS
 * deployment without a domain), rendered text carries this marker; the target fills it.
 */
export const PUBLIC_HOST_MARKER = "@@public_host@@";
