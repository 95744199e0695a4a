import { renderTemplate } from "../../constructs/template";
import { POC_ROOT } from "../../constructs/roles/poc";
import type { RoleUnit } from "../../constructs/roles/unit";
import { AGENT_NAMESPACE, ROOT_FILESYSTEM } from "./monitoring";

export interface AwsHostUnitProps {
  readonly region: string;
  readonly logGroup: string;
}

/** Instance tag naming the backup bucket; the scripts read it through IMDSv2. */
export const BACKUP_BUCKET_TAG = "MatrixBackupBucket";

/**
 * What only an EC2 host needs, before the role units: Docker CE on Amazon Linux 2023,
 * the CloudWatch agent, container logs to CloudWatch Logs, backups to S3.
 */
export function awsHostUnit(props: AwsHostUnitProps): RoleUnit {
  const view = { ...props, bucketTag: BACKUP_BUCKET_TAG, root: POC_ROOT, namespace: AGENT_NAMESPACE, rootPath: ROOT_FILESYSTEM.path };
  const t = (name: string) => renderTemplate(`aws/${name}.mustache`, view);
  return {
    name: "base",
    files: [
      { path: "/opt/aws/amazon-cloudwatch-agent/etc/matrix.json", content: t("cloudwatch-agent.json"), mode: "0644" },
      { path: "/etc/docker/daemon.json", content: t("docker-daemon.json"), mode: "0644" },
      { path: "/usr/local/sbin/matrix-backup", content: t("matrix-backup.sh"), mode: "0755" },
      { path: "/usr/local/sbin/matrix-restore", content: t("matrix-restore.sh"), mode: "0755" },
      { path: "/usr/local/sbin/matrix-backup-bucket", content: t("matrix-backup-bucket.sh"), mode: "0755" },
      { path: "/etc/systemd/system/matrix-backup.service", content: t("matrix-backup.service"), mode: "0644" },
      { path: "/etc/systemd/system/matrix-backup.timer", content: t("matrix-backup.timer"), mode: "0644" },
    ],
    activate: t("activate-host.sh"),
    packages: ["docker-ce", "docker-compose-plugin", "amazon-cloudwatch-agent"],
  };
}
