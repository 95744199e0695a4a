import type { Topology } from "../topology/topology";
import { renderTemplate } from "../template";
import { mediaStoreForBackup } from "./minio";
import { serviceTls } from "./tls";
import type { RenderedFile, RoleRenderer } from "./unit";
import { commonView, members } from "./view";

/** PostgreSQL's data directory under Patroni (Debian's layout for PostgreSQL 15). */
export const PG_DATA_DIR = "/var/lib/postgresql/15/main";
/** Its programs (pg_ctl), as Patroni's bin_dir names them. */
export const PG_BIN_DIR = "/usr/lib/postgresql/15/bin";
/** pgBackRest runs as postgres on both sides; each side's key is postgres's alone. */
export const pgbackrestTls = () => serviceTls("/etc/pgbackrest/tls", "postgres:postgres");
const CONFIG = "/etc/pgbackrest/pgbackrest.conf";

/** The pgBackRest stanza: the cluster, named as Patroni's scope is. */
export const backupStanza = (topology: Topology) => topology.name;

/** The backup server's daily snapshots of the media and config (restic). */
export const MEDIA_SNAPSHOT = {
  command: "/usr/local/sbin/matrix-media-snapshot",
  restore: "/usr/local/sbin/matrix-media-restore",
  repository: "/srv/backup/restic",
  passwordFile: "/etc/matrix-platform/backup/restic.password",
  /** The object store's bucket, mirrored here before each snapshot. */
  mirror: "/srv/backup/object-store",
} as const;

/** The schedule: a full backup every Sunday, a differential every other day, WAL continuously. */
const SCHEDULE = [
  { type: "full", calendar: "Sun *-*-* 01:30:00", when: "Sundays 01:30" },
  { type: "diff", calendar: "Mon..Sat *-*-* 01:30:00", when: "Monday to Saturday 01:30" },
] as const;

export const renderBackup: RoleRenderer = ({ topology, host }) => {
  const view = commonView(topology, host);
  const settings = topology.backup;
  const tls = pgbackrestTls();
  const stanza = backupStanza(topology);
  const databases = members(topology, "patroni").map((m, i) => ({ ...m, index: i + 1 }));
  const synapseHost = members(topology, "synapse")[0]?.name;
  // The object store is backed up here with history: a daily mirror of its bucket, and of
  // the Synapse host's pulls, into restic snapshots kept for the retention window.
  const objectStore = mediaStoreForBackup(topology);
  const snapshotView = objectStore && { ...objectStore, ...MEDIA_SNAPSHOT, endpointHost: objectStore.endpoint.replace(/^https?:\/\//, ""), retentionDays: settings.mediaRetentionDays };
  const conf = { ...view, tls, stanza, databases, dataDir: PG_DATA_DIR, retentionFull: settings.retentionFull, retentionDiff: settings.retentionDiff };
  const unit = (path: string, template: string, v: object): RenderedFile => ({ path, content: renderTemplate(template, { ...view, stanza, ...v }), mode: "0644" });
  const files: RenderedFile[] = [
    { path: CONFIG, content: renderTemplate("backup/pgbackrest.conf.mustache", conf), mode: "0640", owner: "root:postgres" },
    ...SCHEDULE.flatMap((s) => [
      unit(`/etc/systemd/system/matrix-backup-${s.type}.service`, "backup/backup.service.mustache", s),
      unit(`/etc/systemd/system/matrix-backup-${s.type}.timer`, "backup/backup.timer.mustache", s),
    ]),
    ...(synapseHost
      ? [
          { path: "/usr/local/sbin/matrix-media-pull", content: renderTemplate("backup/media-pull.sh.mustache", { synapseHost, bandwidthKbps: settings.mediaBandwidthKbps }), mode: "0755" },
          { path: "/etc/matrix-platform/backup/rsync.secret", content: renderTemplate("backup/rsync.secret.mustache", {}), mode: "0600" },
          unit("/etc/systemd/system/matrix-media-pull.service", "backup/media-pull.service.mustache", { synapseHost }),
          unit("/etc/systemd/system/matrix-media-pull.timer", "backup/media-pull.timer.mustache", { synapseHost }),
        ]
      : []),
    ...(snapshotView
      ? [
          { path: MEDIA_SNAPSHOT.command, content: renderTemplate("backup/media-snapshot.sh.mustache", snapshotView), mode: "0755" },
          { path: MEDIA_SNAPSHOT.restore, content: renderTemplate("backup/media-restore.sh.mustache", snapshotView), mode: "0755" },
          { path: "/etc/matrix-platform/backup/media-snapshot.env", content: renderTemplate("backup/media-snapshot.env.mustache", snapshotView), mode: "0600" },
          { path: MEDIA_SNAPSHOT.passwordFile, content: renderTemplate("backup/restic.password.mustache", {}), mode: "0600" },
          unit("/etc/systemd/system/matrix-media-snapshot.service", "backup/media-snapshot.service.mustache", snapshotView),
          unit("/etc/systemd/system/matrix-media-snapshot.timer", "backup/media-snapshot.timer.mustache", snapshotView),
        ]
      : []),
  ];
  return {
    name: "backup",
    files,
    pki: tls.pki,
    activate: renderTemplate("backup/activate.sh.mustache", { ...view, stanza, synapseHost, snapshot: snapshotView }),
    packages: ["pgbackrest", "rsync", ...(objectStore ? ["restic"] : [])],
    ...(objectStore ? { binaries: ["mc" as const] } : {}),
  };
};

/**
 * The database host's side of the backups, part of its Patroni unit: pgBackRest's config
 * and certificates, and PostgreSQL's archive_command (in Patroni's config). No
 * restore_command: replicas stream, and their replication slots keep the WAL they need on
 * the primary; a replica that asked the archive first would wait on the backup server at
 * every start (seen in the lab with the backup server away). Absent when the cluster has
 * no backup server.
 */
export function databaseBackupSide(topology: Topology, address: string, name: string) {
  const repoHost = members(topology, "backup")[0];
  if (!repoHost) return undefined;
  const tls = pgbackrestTls();
  const stanza = backupStanza(topology);
  return {
    stanza,
    archiveCommand: `pgbackrest --stanza=${stanza} archive-push %p`,
    file: { path: CONFIG, content: renderTemplate("backup/pgbackrest-database.conf.mustache", { name, address, repoHost: repoHost.name, tls, stanza, dataDir: PG_DATA_DIR }), mode: "0640", owner: "root:postgres" } satisfies RenderedFile,
    pki: tls.pki,
  };
}
