import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { EipAssociation } from "@cdktf/provider-aws/lib/eip-association";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Fn, TerraformLocal, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { AwsDeployment } from "../../constructs/deployment/model";
import type { Topology } from "../../constructs/model/topology";
import { hostUnits } from "../../constructs/roles";
import { PUBLIC_HOST_MARKER } from "../../constructs/render";
import { POC_ROOT } from "../../constructs/roles/poc";
import { toTerraformString } from "../shared/terraform-text";
import { configureBackend } from "../shared/backend";
import { ServerNameGuard } from "../shared/server-name-guard";
import { BackupBucket } from "./backup-bucket";
import { cloudConfig, userDataBase64 } from "./cloud-init";
import { MonthlyBudget, SNAPSHOT_TAG, WeeklySnapshots } from "./cost-guards";
import { awsHostUnit, BACKUP_BUCKET_TAG } from "./host-units";
import { InstanceRole } from "./instance-role";
import { InstanceMonitoring } from "./monitoring";
import { PocSecurityGroup } from "./security-group";

export interface AwsPocStackProps {
  readonly topology: Topology & { readonly deployment: AwsDeployment };
}

/** Public SSM parameter that always names the newest Amazon Linux 2023 AMI. */
export const AL2023_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

/** The proof of concept on one EC2 instance, with its backups, alarms and cost guards. */
export class AwsPocStack extends TerraformStack {
  readonly instance: Instance;
  readonly eip: Eip;
  readonly backupBucket: BackupBucket;
  /** The exact cloud-config the instance boots with (before gzip). */
  readonly cloudConfig: string;

  constructor(scope: Construct, id: string, props: AwsPocStackProps) {
    super(scope, id);
    const { topology } = props;
    const d = topology.deployment;
    const a = d.aws;
    new AwsProvider(this, "aws", { region: a.region, defaultTags: [{ tags: { Deployment: d.name, ManagedBy: "matrix-platform-provisioner" } }] });
    configureBackend(this, d.backend);
    new ServerNameGuard(this, "server-name", { serverName: d.serverName, allowChange: d.allowServerNameChange });

    const ami = new DataAwsSsmParameter(this, "al2023-ami", { name: AL2023_AMI_PARAMETER });
    const sg = new PocSecurityGroup(this, "security-group", { deploymentName: d.name, ssh: a.ssh });
    this.backupBucket = new BackupBucket(this, "backups", { deploymentName: d.name, ...(a.kmsKeyArn ? { kmsKeyArn: a.kmsKeyArn } : {}) });
    const role = new InstanceRole(this, "instance-role", {
      deploymentName: d.name,
      backupBucketArn: this.backupBucket.bucket.arn,
      ...(a.kmsKeyArn ? { kmsKeyArn: a.kmsKeyArn } : {}),
    });
    const logGroupName = `/matrix/${d.name}/containers`;

    const units = [
      awsHostUnit({ region: a.region, logGroup: logGroupName }),
      ...hostUnits(topology, topology.hosts[0]).filter((u) => u.name !== "base"),
    ];
    this.cloudConfig = cloudConfig(units);

    // Without a domain the Elastic IP is the public address: it exists before the
    // instance, and Terraform writes it into the user-data (then gzip + base64) at apply.
    const publicIp = d.domain ? undefined : new Eip(this, "eip", { domain: "vpc", tags: { Name: `${d.name}-matrix` } });
    const userData = publicIp
      ? Fn.base64gzip(Fn.replace(new TerraformLocal(this, "cloud_config", toTerraformString(this.cloudConfig)).asString, PUBLIC_HOST_MARKER, publicIp.publicIp))
      : userDataBase64(this.cloudConfig);

    this.instance = new Instance(this, "server", {
      ami: ami.value,
      instanceType: a.instanceType,
      vpcSecurityGroupIds: [sg.group.id],
      iamInstanceProfile: role.profile.name,
      userDataBase64: userData,
      userDataReplaceOnChange: false,
      monitoring: true,
      ebsOptimized: true,
      // Hop limit 2: containers sit one network hop behind the instance.
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2, instanceMetadataTags: "enabled" },
      rootBlockDevice: {
        volumeType: "gp3",
        volumeSize: a.rootVolumeGb,
        encrypted: true,
        deleteOnTermination: !a.keepRootVolume,
        ...(a.kmsKeyArn ? { kmsKeyId: a.kmsKeyArn } : {}),
        tags: { Name: `${d.name}-matrix-root`, [SNAPSHOT_TAG.key]: `${d.name}-${SNAPSHOT_TAG.value}` },
      },
      tags: { Name: `${d.name}-matrix`, [BACKUP_BUCKET_TAG]: this.backupBucket.bucket.id },
      // A newer AMI in the SSM parameter must not replace a running server.
      lifecycle: { ignoreChanges: ["ami"] },
    });

    // Since February 2024 every public IPv4 address costs money, this one included.
    if (publicIp) {
      this.eip = publicIp;
      new EipAssociation(this, "eip-association", { allocationId: publicIp.allocationId, instanceId: this.instance.id });
    } else {
      this.eip = new Eip(this, "eip", { instance: this.instance.id, domain: "vpc", tags: { Name: `${d.name}-matrix` } });
    }

    new InstanceMonitoring(this, "monitoring", {
      deploymentName: d.name,
      region: a.region,
      instanceId: this.instance.id,
      alarmEmail: a.alarmEmail,
      logRetentionDays: a.logRetentionDays,
      ...(a.kmsKeyArn ? { kmsKeyArn: a.kmsKeyArn } : {}),
    });
    if (a.weeklySnapshots) new WeeklySnapshots(this, "snapshots", { deploymentName: d.name });
    new MonthlyBudget(this, "budget", { deploymentName: d.name, amountUsd: a.monthlyBudgetUsd, email: a.alarmEmail });

    const compose = `sudo docker compose -f ${POC_ROOT}/docker-compose.yml`;
    const outputs: Record<string, [string, string]> = {
      url: d.domain
        ? [`http://${d.domain}/`, "Element Web (HTTP only: proof of concept); the domain's A record must point at public_ip"]
        : [`http://${this.eip.publicIp}/`, "Element Web (HTTP only: proof of concept), on the Elastic IP"],
      public_ip: [this.eip.publicIp, "Elastic IP of the server (billed as a public IPv4 address)"],
      ssm_command: [`aws ssm start-session --region ${a.region} --target ${this.instance.id}`, "Shell on the server through Session Manager"],
      backup_bucket: [this.backupBucket.bucket.id, "S3 bucket of the daily backups"],
      admin_user_command: [`${compose} exec synapse register_new_matrix_user -c /data/homeserver.yaml --admin -u admin http://localhost:8008`, "Run on the server to create the first admin user"],
      registration_token_command: [
        `${compose} exec synapse curl -fsS -X POST -H "Authorization: Bearer <admin access token>" -d '{"uses_allowed": 1}' http://localhost:8008/_synapse/admin/v1/registration_tokens/new`,
        "Run on the server to create a one-use registration token (the admin API is not exposed through nginx; the admin's access token is in Element: Settings > Help & About)",
      ],
    };
    if (a.ssh.kind === "cidr") outputs.ssh_command = [`ssh ec2-user@${this.eip.publicIp}`, "SSH to the server (from the operator CIDR only)"];
    for (const [name, [value, description]] of Object.entries(outputs)) new TerraformOutput(this, name, { value, description });
  }
}
