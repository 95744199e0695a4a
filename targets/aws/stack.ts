import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import { configureBackend } from "../shared/backend";
import { DeploymentStack } from "../shared/deployment-stack";
import { MatrixAwsPoc, type MatrixAwsPocProps } from "./matrix-aws-poc";

/** The project's own AWS stack: the proof of concept with its provider, state backend and outputs. */
export class AwsPocStack extends DeploymentStack {
  readonly platform: MatrixAwsPoc;

  constructor(scope: Construct, id: string, props: MatrixAwsPocProps) {
    super(scope, id);
    const d = props.deployment;
    new AwsProvider(this, "aws", { region: d.aws.region, defaultTags: [{ tags: { Deployment: d.name, ManagedBy: "matrix-platform-provisioner" } }] });
    configureBackend(this, d.backend);
    // "Default" leaves the construct out of resource addresses (cdktf's logical ids).
    const p = (this.platform = new MatrixAwsPoc(this, "Default", props));

    const outputs: Record<string, [string | undefined, string]> = {
      url: [p.url, `Element Web${d.aws.web.scheme === "https" ? " (HTTPS a minute or two after boot, once the certificate is issued)" : " (plain HTTP: Element degrades, see help/aws.md)"}${d.domain ? "; the domain's A record must point at public_ip" : ", on the Elastic IP"}`],
      public_ip: [p.eip.publicIp, "Elastic IP of the server (billed as a public IPv4 address)"],
      ssm_command: [p.ssmCommand, "Shell on the server through Session Manager"],
      backup_bucket: [p.backupBucket.bucket.id, "S3 bucket of the daily backups"],
      admin_user_command: [p.adminUserCommand, "Run on the server to create the first admin user"],
      registration_token_command: [
        p.registrationTokenCommand,
        "Run on the server to create a one-use registration token (the admin API is not exposed through nginx; the admin's access token is in Element: Settings > Help & About)",
      ],
      ssh_command: [p.sshCommand, "SSH to the server (from the operator CIDR only)"],
    };
    for (const [name, [value, description]] of Object.entries(outputs)) if (value !== undefined) new TerraformOutput(this, name, { value, description });
  }
}
