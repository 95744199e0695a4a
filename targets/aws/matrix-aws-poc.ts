import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { EipAssociation } from "@cdktf/provider-aws/lib/eip-association";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { Fn, TerraformLocal } from "cdktf";
import { Construct } from "constructs";
import type { AwsDeployment } from "../../constructs/deployment/model";
import { PUBLIC_HOST_MARKER } from "../../constructs/markers";
import { planDeployment, type ClusterPlan } from "../../constructs/plan";
import { POC_ROOT } from "../../constructs/roles/poc";
import { ServerNameGuard } from "../shared/server-name-guard";
import { toTerraformString } from "../shared/terraform-text";
import { BackupBucket } from "./backup-bucket";
import { cloudConfig, userDataBase64 } from "./cloud-init";
import { MonthlyBudget, SNAPSHOT_TAG, WeeklySnapshots } from "./cost-guards";
import { awsHostUnit, BACKUP_BUCKET_TAG } from "./host-units";
import { InstanceRole } from "./instance-role";
import { InstanceMonitoring } from "./monitoring";
import { PocSecurityGroup } from "./security-group";

export interface MatrixAwsPocProps {
  /** The deployment, parsed and validated (`loadDeploymentFile`); its target is aws. */
  readonly deployment: AwsDeployment;
  /**
   * The deployment's plan (its single host rendered), when the caller has it already.
   * @default planDeployment(deployment)
   */
  readonly plan?: ClusterPlan;
}

/** Public SSM parameter that always names the newest Amazon Linux 2023 AMI. */
export const AL2023_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

/**
 * The proof of concept on one EC2 instance, with its backups, alarms and cost guards,
 * added to any TerraformStack. It creates no provider and no backend: the stack that holds
 * it configures the `hashicorp/aws` provider (region, credentials) and its state.
 */
export class MatrixAwsPoc extends Construct {
  readonly instance: Instance;
  readonly eip: Eip;
  readonly backupBucket: BackupBucket;
  /** The exact cloud-config the instance boots with (before gzip). */
  readonly cloudConfig: string;
  /** Element Web: the domain, or the Elastic IP without one; https unless aws.https is false. */
  readonly url: string;
  /** Shell on the server through Session Manager. */
  readonly ssmCommand: string;
  /** SSH to the server, when SSH is open to the operator's range. */
  readonly sshCommand?: string;
  /** Run on the server to create the first admin user. */
  readonly adminUserCommand: string;
  /** Run on the server to create a one-use registration token. */
  readonly registrationTokenCommand: string;

  constructor(scope: Construct, id: string, props: MatrixAwsPocProps) {
    super(scope, id);
    const d = props.deployment;
    const a = d.aws;
    const plan = props.plan ?? planDeployment(d);
    new ServerNameGuard(this, "server-name", { serverName: d.serverName, allowChange: d.allowServerNameChange });

    const ami = new DataAwsSsmParameter(this, "al2023-ami", { name: AL2023_AMI_PARAMETER });
    const [server] = plan.hosts;
    const sg = new PocSecurityGroup(this, "security-group", { deploymentName: d.name, topology: plan.topology, host: server.host });
    this.backupBucket = new BackupBucket(this, "backups", { deploymentName: d.name, ...(a.kmsKeyArn ? { kmsKeyArn: a.kmsKeyArn } : {}) });
    const role = new InstanceRole(this, "instance-role", {
      deploymentName: d.name,
      backupBucketArn: this.backupBucket.bucket.arn,
      ...(a.kmsKeyArn ? { kmsKeyArn: a.kmsKeyArn } : {}),
    });
    const logGroupName = `/matrix/${d.name}/containers`;

    // The instance's own layer replaces the on-prem base layer (its firewall is the security group).
    const units = [awsHostUnit({ region: a.region, logGroup: logGroupName }), ...server.units.filter((u) => u.name !== "base")];
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
    this.url = `${a.web.scheme}://${d.domain ?? this.eip.publicIp}/`;
    this.ssmCommand = `aws ssm start-session --region ${a.region} --target ${this.instance.id}`;
    if (a.ssh.kind === "cidr") this.sshCommand = `ssh ec2-user@${this.eip.publicIp}`;
    this.adminUserCommand = `${compose} exec synapse register_new_matrix_user -c /data/homeserver.yaml --admin -u admin http://localhost:8008`;
    this.registrationTokenCommand = `${compose} exec synapse curl -fsS -X POST -H "Authorization: Bearer <admin access token>" -d '{"uses_allowed": 1}' http://localhost:8008/_synapse/admin/v1/registration_tokens/new`;
  }
}
