import { hostUnitAddresses, type ClusterPlan } from "../../plan";
import { hostsWithRole } from "../../topology/topology";
import { planFolder, runnableBlock } from "./markdown";

const names = (hosts: readonly { name: string }[]) => hosts.map((h) => h.name).join(", ");

/**
 * Runbook 5, operations and updates: the day-2 tasks of this deployment's roles, with its
 * host names, resource addresses and settings. The switchover block runs in the database lab.
 */
export function operationsRunbook(plan: ClusterPlan, file: string): string {
  const t = plan.topology;
  const stack = `cdktf.out/stacks/${t.name}`;
  const db = hostsWithRole(t, "patroni");
  const lbs = hostsWithRole(t, "haproxy");
  const minio = hostsWithRole(t, "minio");
  const media = hostsWithRole(t, "redis");
  const synapse = hostsWithRole(t, "synapse");
  const replaceAll = (host: string) => hostUnitAddresses(plan, host).map((a) => `-replace=${a}`).join(" ");
  const target = (host: string) => hostUnitAddresses(plan, host).map((a) => `-target=${a}`).join(" ");
  const sections: string[][] = [
    [
      "## Update",
      "",
      `Change \`${file}\` (or bump a pinned version in the code), rebuild the bundle when packages or programs change (\`npm run bundle -- ${file} ...\`, as in [04-deployment.md](04-deployment.md)), then \`npm run plan -- ${file}\`, approve, \`npm run apply\`: exactly the units whose files, packages or certificates changed are replaced, in role order.`,
      ...(db.length > 1 || lbs.length > 1
        ? ["", `Roll the database and load balancer hosts one at a time instead, from \`${stack}\`, each after the previous one is healthy again ([02-infrastructure.md](02-infrastructure.md) has the checks):`, "", "```sh", ...[...db, ...lbs].map((h) => `tofu apply ${target(h.name)}`), "```"]
        : []),
    ],
  ];
  if (synapse.length > 0 && t.workers) {
    sections.push([
      "## Scale Synapse workers",
      "",
      `This deployment runs ${t.workers.sync} sync, ${t.workers.generic} generic (client reader), ${t.workers.federationSender} federation sender and ${t.workers.eventPersister} event persister workers. Set other counts under \`onprem.synapse.workers\` in \`${file}\` (for example \`workers: { sync: ${t.workers.sync + 2} }\`), then plan: the Synapse unit on ${names(synapse)}, PgBouncer on ${names(db)} (the pool follows the connections) and monitoring (new scrape targets) are replaced.`,
    ]);
    sections.push([
      "## Federation",
      "",
      `Federation is ${t.federation ? "on" : "off"}. \`federation: ${!t.federation}\` in \`${file}\`, then plan and apply: only the Synapse unit on ${names(synapse)} is replaced.`,
    ]);
  }
  const credentials = [
    ...(plan.pki.any ? [`\`npm run pki -- ${file}\` re-issues every certificate that expires within 30 days or lacks a new name, and nothing else; the next plan replaces exactly the units that install one.`] : []),
    ...(plan.secrets.length > 0
      ? [`A generated secret is rotated by replacing it, then the units that use it: \`tofu apply -replace=random_password.secret_<name>\` from \`${stack}\`, then plan and apply. This deployment's secrets: ${plan.secrets.map((s) => `\`${s}\``).join(", ")}.`]
      : []),
  ];
  if (credentials.length > 0) sections.push(["## Certificates and secrets", ...credentials.flatMap((c) => ["", c])]);
  if (db.length > 1) {
    sections.push([
      "## Switchover (planned maintenance of the database leader)",
      "",
      `On any database host (${names(db)}), as root: Patroni hands the leader role to the synchronous standby, and HAProxy sends writes to it within seconds.${synapse.length > 0 ? " Synapse's pooled database connections to the old leader close then, and Synapse fails the first request it makes on each (HTTP 500; clients send again, and the connection is made anew): in the cluster lab, the first 6 of 60 messages sent right after a switchover." : ""}`,
      "",
      ...runnableBlock("switchover", ["patronictl -c /etc/patroni/config.yml switchover --force", "patronictl -c /etc/patroni/config.yml list"]),
    ]);
  }
  if (minio.length > 0) {
    const host = minio[0].name;
    sections.push([
      "## Replace a host",
      "",
      `Give the new machine the same name and address, pin its new SSH key with \`npm run host-keys -- ${file} --replaced ${host}\` (compare the fingerprint it prints with the machine's own, on its console), then re-run all its units: \`npm run plan -- ${file} --replace ${host}\`, approve, \`npm run apply -- ${planFolder(file, t.name)}\`; or from \`${stack}\`, for ${host}:`,
      "",
      "```sh",
      `tofu apply ${replaceAll(host)}`,
      "```",
      "",
      `An object store node lost keeps reads and writes going (erasure coding); the new one joins with empty drives and MinIO heals them: \`mc admin info local\` on ${host} shows every drive online again.`,
    ]);
  }
  if (media.length > 0) {
    sections.push([
      "## Redis maintenance",
      "",
      `On a media host (${names(media)}): \`REDISCLI_AUTH=<redis_livekit> redis-cli -p 26379 sentinel get-master-addr-by-name livekit\` names the primary; \`sentinel failover livekit\` moves it before its host's maintenance (LiveKit follows, rooms stay up).`,
    ]);
  }
  return [`# ${t.name}: operations and updates`, "", "Generated from the deployment by `npm run docs`; do not edit by hand. Commands run as root on the host named, unless they start in the stack folder.", "", ...sections.flatMap((s) => [...s, ""])].join("\n");
}
