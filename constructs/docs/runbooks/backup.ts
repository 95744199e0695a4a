import type { ClusterPlan } from "../../plan";
import { backupStanza, MEDIA_SNAPSHOT, PG_BIN_DIR, PG_DATA_DIR } from "../../roles/backup";
import { ARCHIVE_TIMEOUT_MINUTES } from "../../roles/patroni";
import { hostsWithRole } from "../../topology/topology";
import { planFolder, runnableBlock, table } from "./markdown";

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
export function backupRunbook(plan: ClusterPlan, file: string): string {
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
    `Each block runs as root on the hosts its step names (one by one), or on the operator's machine; \`test/lab-cluster.test.ts\` runs them as written. With the restore started by a mistake rather than a lost host, every commit the leader acknowledged comes back: step 2 archives its last WAL first.`,
    "",
    ...restoreSteps(plan, { backup: backup.name, synapse: synapse.name, first: first.name, others: others.map((h) => h.name), stanza, media: modulePath("synapse-media"), config: modulePath("synapse-config") }).flatMap((step, i) => [`${i + 1}. ${step.text}`, "", ...(step.block ?? []).map((l) => `   ${l}`), ...(step.block ? [""] : [])]),
    `One object, or an earlier version of a file: on ${backup.name}, \`restic ... find <name>\` shows which snapshots hold it; \`MC_HOST_restore=http://<access key>:<secret key>@${entry}:9000 ${MEDIA_SNAPSHOT.restore} <object path> [<snapshot>]\` puts an object back into the bucket (with credentials that may write it: the backup server's may not).`,
    "",
    ...newHostsSection(plan, file, { backup: backup.name, synapse: synapse.name, database: db.map((h) => h.name), config: modulePath("synapse-config") }),
  ].join("\n");
}

const names = (hosts: readonly { name: string }[]) => hosts.map((h) => h.name).join(", ");

interface RestoreHosts {
  readonly backup: string;
  readonly synapse: string;
  /** The database host restored first; it becomes the leader. */
  readonly first: string;
  readonly others: readonly string[];
  readonly stanza: string;
  /** The Synapse host's media and configuration folders. */
  readonly media: string;
  readonly config: string;
}

/** The full restore, step by step, each with the block that does it. */
function restoreSteps(plan: ClusterPlan, h: RestoreHosts): { text: string; block?: string[] }[] {
  const t = plan.topology;
  const db = [h.first, ...h.others];
  const patronictl = "patronictl -c /etc/patroni/config.yml";
  const asPostgres = "runuser -u postgres --";
  // This host's name in Patroni's list (the deployment's, which may differ from its hostname).
  const member = "member=$(sed -n 's/^name: //p' /etc/patroni/config.yml)";
  const native = t.synapseInstall === "native";
  const reapply = `tofu apply -replace=terraform_data.${h.synapse.replaceAll("-", "_")}_synapse`;
  return [
    {
      text: `Stop Synapse on ${h.synapse}${native ? " (its workers stop with it)" : ""}.`,
      block: runnableBlock("restore-stop-synapse", [native ? "systemctl stop matrix-synapse.service" : "systemctl stop 'matrix-*.service'"], { hosts: [h.synapse] }),
    },
    {
      // Not `patronictl pause`: a paused Patroni leaves PostgreSQL running when it stops, and pgBackRest will not restore under a running server.
      text: `Stop Patroni, and with it PostgreSQL, on ${db.join(", ")}: the leader last (\`${patronictl} list\` names it). On the leader, while it still runs, \`pgbackrest check\` first sends its current WAL to ${h.backup}, so the restore reaches its last commit.`,
      block: runnableBlock("restore-stop-database", [member, `if ${patronictl} list | grep -q "| $member .*| Leader "; then ${asPostgres} pgbackrest --stanza=${h.stanza} check; fi`, "systemctl stop patroni"], { hosts: db }),
    },
    {
      text: `On ${h.first}, forget the old cluster in etcd: \`${patronictl} remove\` asks for the cluster's name, then for \`Yes I am aware\` (given here on its input).`,
      block: runnableBlock("restore-forget-cluster", [`printf '%s\\n' ${h.stanza} 'Yes I am aware' | ${patronictl} remove ${h.stanza}`], { hosts: [h.first] }),
    },
    {
      text: `On ${h.first}, restore the latest backup and replay the archived WAL to its end with PostgreSQL on its own, reachable from this host only (Patroni would promote it before the replay ends), then hand it to Patroni, which makes ${h.first} the leader. For a point in time, add \`--type=time --target='<YYYY-MM-DD HH:MM:SS+00>' --target-action=promote\` to the restore.`,
      block: runnableBlock(
        "restore-database",
        [
          `${asPostgres} pgbackrest --stanza=${h.stanza} --delta --log-level-console=warn restore`,
          `${asPostgres} ${PG_BIN_DIR}/pg_ctl -D ${PG_DATA_DIR} -o '-c listen_addresses=127.0.0.1' -l /var/tmp/restore-recovery.log -w -t 3600 start`,
          `until [ "$(${asPostgres} psql -Atc 'SELECT pg_is_in_recovery()')" = f ]; do sleep 2; done`,
          `${asPostgres} ${PG_BIN_DIR}/pg_ctl -D ${PG_DATA_DIR} -m fast -w stop`,
          "systemctl start patroni",
          member,
          `until ${patronictl} list | grep -q "| $member .*| Leader .*| running"; do sleep 2; done`,
        ],
        { hosts: [h.first] },
      ),
    },
    {
      text: `On ${h.others.join(", ")}: an empty data directory, and Patroni clones the new leader into it and follows.`,
      block: runnableBlock("restore-replicas", [`rm -rf ${PG_DATA_DIR}`, "systemctl start patroni"], { hosts: h.others }),
    },
    {
      text: `On ${h.first}, before Synapse starts: truncate the one-time keys, or clients' end-to-end encryption breaks on reused keys.`,
      block: runnableBlock("restore-one-time-keys", [`${asPostgres} psql -d synapse -v ON_ERROR_STOP=1 -c 'TRUNCATE e2e_one_time_keys_json;'`], { hosts: [h.first] }),
    },
    {
      text: `From the operator's machine (\`ssh\` reaches every host as your sudo user): the media back onto ${h.synapse}, owned as the folder is. On a new Synapse host, copy ${h.backup}:/srv/backup/synapse-config/ into ${h.config}/ the same way before its unit runs: the signing key keeps the server's identity.`,
      block: runnableBlock("restore-media", [`ssh ${h.backup} sudo tar -C /srv/backup/media -c . | ssh ${h.synapse} "sudo tar -C ${h.media} -x --no-same-owner && sudo chown -R --reference=${h.media} ${h.media}"`], "operator"),
    },
    native
      ? {
          text: `Start Synapse on ${h.synapse}, again until it serves: it stops at once while the load balancers do not yet send the database port to the new leader (they admit it after two checks). A new Synapse host gets its whole unit instead: \`${reapply}\` from \`cdktf.out/stacks/${t.name}\`.`,
          block: runnableBlock("restore-start-synapse", ["timeout 600 sh -c 'until systemctl start matrix-synapse.service; do sleep 5; done'"], { hosts: [h.synapse] }),
        }
      : { text: `Start Synapse on ${h.synapse}, by running its unit (the playbook) again: \`${reapply}\` from \`cdktf.out/stacks/${t.name}\`.` },
  ];
}

/**
 * The full restore onto new machines: the database hosts and the Synapse host lost, new ones
 * in their places (same names and addresses). The lab runs it after wiping those hosts.
 */
function newHostsSection(plan: ClusterPlan, file: string, h: { backup: string; synapse: string; database: readonly string[]; config: string }): string[] {
  const lost = [...h.database, h.synapse].join(",");
  const stack = `cdktf.out/stacks/${plan.topology.name}`;
  return [
    "## Full restore onto new hosts",
    "",
    `When ${h.database.join(", ")} and ${h.synapse} are lost, disks and all, new machines with the same names and addresses take their places and ${h.backup} rebuilds them. What the old leader committed after its last WAL segment reached ${h.backup} is lost with it: at most the last ${ARCHIVE_TIMEOUT_MINUTES} minutes (PostgreSQL's \`archive_timeout\`), less on a busy server, whose segments fill sooner.`,
    "",
    `1. Pin the new machines' SSH keys in place of the old ones, and compare each fingerprint it prints with the machine's own (on its console). Your own ssh still knows the old keys: \`ssh-keygen -R <host>\` for each.`,
    "",
    ...runnableBlock("restore-new-host-keys", [`npm run host-keys -- ${file} --replaced ${lost}`], "operator").map((l) => `   ${l}`),
    "",
    `2. Before ${h.synapse}'s unit runs: the Synapse configuration from ${h.backup}, whose signing key keeps the server's identity (the unit makes a new key only where none is).`,
    "",
    ...runnableBlock("restore-new-synapse-config", [`ssh ${h.backup} sudo tar -C /srv/backup/synapse-config -c . | ssh ${h.synapse} "sudo install -d -m 0750 ${h.config} && sudo tar -C ${h.config} -x --no-same-owner"`], "operator").map((l) => `   ${l}`),
    "",
    `3. Provision the new machines whole: every unit of each, planned for approval. The database hosts start a new, empty cluster and Synapse starts on it; the next step replaces it with the backup. (Or from \`${stack}\`: \`tofu apply\` with a \`-replace\` of each unit, as 05-operations.md's host replacement shows.)`,
    "",
    "   ```sh",
    `   npm run plan -- ${file} --replace ${lost}`,
    `   npm run apply -- ${planFolder(file, plan.topology.name)}`,
    "   ```",
    "",
    `4. The full restore above, from its step 1, except that step 2 only stops Patroni (the new cluster holds nothing of the old one's to archive):`,
    "",
    ...runnableBlock("restore-new-stop-database", ["systemctl stop patroni"], { hosts: h.database }).map((l) => `   ${l}`),
    "",
  ];
}
