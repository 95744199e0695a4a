import type { ClusterPlan } from "../../plan";
import { backupStanza, MEDIA_SNAPSHOT, PG_DATA_DIR } from "../../roles/backup";
import { hostsWithRole } from "../../topology/topology";
import { table } from "./markdown";

/** Each backup timer's schedule, read from the units the backup server is given. */
function schedules(plan: ClusterPlan): Map<string, string> {
  const out = new Map<string, string>();
  for (const { units } of plan.hosts) {
    for (const f of units.find((u) => u.name === "backup")?.files ?? []) {
      const calendar = /^OnCalendar=(.*)$/m.exec(f.content);
      if (f.path.endsWith(".timer") && calendar) out.set(f.path.replace(/^.*\//, "").replace(/\.timer$/, ""), calendar[1]);
    }
  }
  return out;
}

/**
 * Runbook 6, backup and restore: what the backup server keeps, from where, how often and
 * for how long, and the complete restore, with this deployment's hosts and stanza.
 */
export function backupRunbook(plan: ClusterPlan): string {
  const t = plan.topology;
  const [backup] = hostsWithRole(t, "backup");
  const db = hostsWithRole(t, "patroni");
  const [synapse] = hostsWithRole(t, "synapse");
  if (!backup || db.length === 0 || !synapse) {
    return [`# ${t.name}: backup and restore`, "", "Generated from the deployment by `npm run docs`.", "", "This deployment has no backup server: it is the single-host proof of concept. Copy `/opt/matrix` (the database volume, media and signing key) off the host with your own tools; the HA scales add the backup server described in help/onprem.md."].join("\n") + "\n";
  }
  const when = schedules(plan);
  // Where the Synapse host keeps what the backup pulls: its rsync modules' paths.
  const rsyncd = plan.hosts.find((h) => h.host.name === synapse.name)!.units.flatMap((u) => u.files).find((f) => f.path === "/etc/rsyncd.conf")?.content ?? "";
  const modulePath = (module: string) => new RegExp(`^\\[${module}\\]\\npath = (\\S+)`, "m").exec(rsyncd)?.[1] ?? `<the ${module} folder>`;
  const stanza = backupStanza(t);
  const [first, ...others] = db;
  const entry = t.vip ?? first.address;
  return [
    `# ${t.name}: backup and restore`,
    "",
    "Generated from the deployment by `npm run docs`; do not edit by hand.",
    "",
    `## What ${backup.name} (${backup.address}) keeps`,
    "",
    ...table(
      ["what", "from", "how", "when (systemd calendar)", "kept"],
      [
        ["the database: full backups", names(db), `pgBackRest, stanza \`${stanza}\`, in /var/lib/pgbackrest`, when.get("matrix-backup-full") ?? "-", `${t.backup.retentionFull} full backups`],
        ["the database: differential backups", names(db), "pgBackRest", when.get("matrix-backup-diff") ?? "-", `${t.backup.retentionDiff} differentials`],
        ["the database: WAL", "the leader", "archived by PostgreSQL as each segment fills (point-in-time recovery)", "continuously", "as long as the backups that need it"],
        ["media and the Synapse configuration (signing key included)", synapse.name, "rsync pull, never deleting: /srv/backup/media/, /srv/backup/synapse-config/", when.get("matrix-media-pull") ?? "-", "every upload"],
        ["daily history of the above and of the object store's bucket", `${synapse.name}, the object store`, `restic, repository ${MEDIA_SNAPSHOT.repository}`, when.get("matrix-media-snapshot") ?? "-", `${t.backup.mediaRetentionDays} days`],
      ],
    ),
    "",
    `\`pgbackrest --stanza=${stanza} info\` (as postgres on ${backup.name}) lists the backups; \`restic --repo ${MEDIA_SNAPSHOT.repository} --password-file ${MEDIA_SNAPSHOT.passwordFile} snapshots\` the snapshots. The restic password is the generated secret \`restic_backup\`: keep it with the deployment's secrets.`,
    "",
    "## Full restore",
    "",
    "As root unless said.",
    "",
    `1. Stop Synapse on ${synapse.name}: \`systemctl stop 'matrix-*'\`.`,
    // Not `patronictl pause`: a paused Patroni leaves PostgreSQL running when it stops, and pgBackRest refuses to restore under a running server.
    `2. Stop Patroni, and with it PostgreSQL, on ${names(db)}, the replicas first (\`patronictl -c /etc/patroni/config.yml list\` names the leader): \`systemctl stop patroni\`.`,
    `3. On ${first.name}: \`patronictl -c /etc/patroni/config.yml remove ${stanza}\` forgets the old cluster in etcd (it asks for the cluster name, \`${stanza}\`, then for \`Yes I am aware\`).`,
    `4. On ${first.name}, as postgres: \`pgbackrest --stanza=${stanza} --delta restore\` (add \`--type=time --target='<YYYY-MM-DD HH:MM:SS+00>'\` for a point in time). It ends with \`restore command end: completed successfully\`. Then \`systemctl start patroni\`: PostgreSQL replays the archived WAL and ${first.name} becomes the leader (\`patronictl ... list\`).`,
    `5. On ${names(others)}: \`rm -rf ${PG_DATA_DIR} && systemctl start patroni\`: each clones the new leader and follows it.`,
    `6. Before Synapse starts, truncate the one-time keys, or clients' end-to-end encryption breaks on reused keys: \`psql -h ${entry} -p 5000 -U synapse -d synapse -c 'TRUNCATE e2e_one_time_keys_json;'\`.`,
    `7. Copy ${backup.name}:/srv/backup/media/ into ${modulePath("synapse-media")}/ on ${synapse.name} and, on a new Synapse host, /srv/backup/synapse-config/ into ${modulePath("synapse-config")}/ (the signing key keeps the server's identity), with the owner of the folder they go into; then \`tofu apply -replace=terraform_data.${synapse.name.replaceAll("-", "_")}_synapse\` from \`cdktf.out/stacks/${t.name}\`.`,
    "",
    `One object, or an earlier version of a file: on ${backup.name}, \`restic ... find <name>\` shows which snapshots hold it; \`MC_HOST_restore=http://<access key>:<secret key>@${entry}:9000 ${MEDIA_SNAPSHOT.restore} <object path> [<snapshot>]\` puts an object back into the bucket (with credentials that may write it: the backup server's may not).`,
    "",
  ].join("\n");
}

const names = (hosts: readonly { name: string }[]) => hosts.map((h) => h.name).join(", ");
