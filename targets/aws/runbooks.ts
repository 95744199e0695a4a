/**
 * The AWS proof of concept's runbooks: a shorter set than the cluster's (deployment, access,
 * backup and restore, cost, teardown), with this deployment's file, name, region, domain
 * and settings, and the cost estimated from its synthesized stack.
 */
import { posix } from "node:path";
import type { AwsDeployment } from "../../constructs/deployment/model";
import type { RunbookFile } from "../../constructs/docs/runbooks";
import { renderTemplate } from "../../constructs/template";
import { costEstimateMarkdown, type CostEstimate } from "./cost-estimate";

const GENERATED = "Generated from the deployment by `npm run docs`; do not edit by hand.";

export function awsRunbookFiles(d: AwsDeployment, file: string, cost: CostEstimate): RunbookFile[] {
  const a = d.aws;
  const stack = `cdktf.out/stacks/${d.name}`;
  const output = (name: string) => `\`tofu output -raw ${name}\``;
  const planDir = posix.join(posix.dirname(file), `${d.name}.plan`);
  const https = a.web.scheme === "https";
  const site = d.domain ? `${a.web.scheme}://${d.domain}/` : `${a.web.scheme}://<the Elastic IP>/ (${output("public_ip")})`;
  const backupAt = /^OnCalendar=(.*)$/m.exec(renderTemplate("aws/matrix-backup.timer.mustache", {}))?.[1] ?? "daily";
  const docs = [
    {
      name: "01-deployment.md",
      title: "Deployment: configure, credentials, plan, approval, apply",
      content: [
        `# ${d.name}: deployment`,
        "",
        GENERATED,
        "",
        `1. **Configure**: every field is in \`${file}\` (help/deployment-file.md explains each). \`server_name\` (\`${d.serverName}\`) is permanent: it is part of every user and room ID.`,
        `2. **Credentials**: the AWS provider's usual ones (\`AWS_PROFILE\`, or \`AWS_ACCESS_KEY_ID\` / \`AWS_SECRET_ACCESS_KEY\`) for an account that may create EC2, IAM, S3, CloudWatch, SNS, DLM and Budgets resources in ${a.region}.`,
        `3. **Plan**: \`npm run plan -- ${file}\` writes \`${planDir}/\`: the saved plan and \`summary.md\`, which ends with this deployment's cost estimate ([04-cost.md](04-cost.md)).`,
        "4. **Approval**: the approver reads `summary.md` and accepts that exact plan.",
        `5. **Apply**: \`npm run apply -- ${planDir}\` applies exactly the approved plan. AWS then e-mails ${a.alarmEmail} a subscription request for the alarms: confirm it, or no alarm arrives.`,
        `6. **First boot** takes about 5 minutes (Docker, images, the database${https ? ", the certificate" : ""}); then [02-access.md](02-access.md).`,
        "",
      ].join("\n"),
    },
    {
      name: "02-access.md",
      title: "Access: the site, DNS, a shell on the server, the first administrator",
      content: [
        `# ${d.name}: access`,
        "",
        GENERATED,
        "",
        `Outputs are read in \`${stack}\`.`,
        "",
        `- **The site**: ${site}.${d.domain ? ` Point the A record of \`${d.domain}\` at ${output("public_ip")} first.` : ""}${
          https ? " HTTPS comes a minute or two after boot, once Let's Encrypt issued the certificate (`sudo journalctl -u matrix-certificate` on the server tells why if not)." : " Plain HTTP (`https: false`): Element degrades (no images, no encrypted attachments, no calls); see help/aws.md."
        }`,
        `- **A shell on the server**: ${a.ssh.kind === "cidr" ? `${output("ssh_command")} from ${a.ssh.cidr} (the only source the security group admits), or` : "SSH is closed (`ssm_only`):"} ${output("ssm_command")} through Session Manager.`,
        `- **First administrator**: on the server, run the command ${output("admin_user_command")} prints (it asks for a password), then log in at ${site.replace(/ \(.*\)$/, "")} as \`@admin:${d.serverName}\`.`,
        `- **Users**: registration is by token only; ${output("registration_token_command")} prints the command that creates one (it needs the admin's access token, from Element: Settings > Help & About).`,
        `- **Alarms** (CPU, disk, memory, status checks) and the budget's alerts go to ${a.alarmEmail}; container logs are in CloudWatch Logs for ${a.logRetentionDays} days.`,
        "",
      ].join("\n"),
    },
    {
      name: "03-backup-restore.md",
      title: "Backup and restore: what is kept where, and how to restore it",
      content: [
        `# ${d.name}: backup and restore`,
        "",
        GENERATED,
        "",
        `- **Daily** (\`matrix-backup.timer\`, ${backupAt}): the database dump, local media and thumbnails, the signing key, the configuration and its secrets go to the bucket ${output("backup_bucket")} names (\`${d.name}-backup-…\`: versioned, encrypted, to Glacier after 30 days), one folder per backup (\`<timestamp>/\`). One now: \`sudo systemctl start matrix-backup\`.`,
        a.weeklySnapshots ? "- **Weekly**: an EBS snapshot of the root volume (4 kept)." : "- No EBS snapshots (`weekly_snapshots: false`).",
        `- The root volume ${a.keepRootVolume ? "survives" : "is deleted with"} the instance (\`keep_root_volume: ${a.keepRootVolume}\`).`,
        "",
        "**Restore**, on the same instance or a new one of the same deployment: `aws s3 ls s3://<bucket>/` lists the backups, then `sudo matrix-restore <timestamp>` stops the stack, restores configuration, keys and secrets, media and the database (into a fresh database, then swapped in), empties `e2e_one_time_keys_json` (clients upload fresh one-time keys) and starts the stack again.",
        "",
      ].join("\n"),
    },
    {
      name: "04-cost.md",
      title: "Cost: this deployment's monthly estimate, and its budget",
      content: [`# ${d.name}: cost`, "", GENERATED, "", costEstimateMarkdown(cost), ""].join("\n"),
    },
    {
      name: "05-teardown.md",
      title: "Teardown: everything but the backups",
      content: [
        `# ${d.name}: teardown`,
        "",
        GENERATED,
        "",
        `The backup bucket is protected from destroy, so the backups outlive the server. From \`${stack}\`:`,
        "",
        "```sh",
        "tofu state list | grep aws_s3_bucket | xargs -n1 tofu state rm",
        "tofu destroy",
        "```",
        "",
        `Delete the bucket yourself once its backups are no longer needed; the budget and its alerts go with the rest.${a.keepRootVolume ? " The root volume is kept (`keep_root_volume: true`): delete it in the EC2 console when done." : ""}`,
        "",
      ].join("\n"),
    },
  ];
  const index = [`# ${d.name}: runbooks`, "", "Generated by `npm run docs -- <deployment file> --out <dir>`; do not edit by hand.", "", ...docs.map((f) => `- [${f.name}](${f.name}): ${f.title}`), ""].join("\n");
  return [{ name: "README.md", content: index }, ...docs.map(({ name, content }) => ({ name, content }))];
}
