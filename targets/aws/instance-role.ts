import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Construct } from "constructs";

export interface InstanceRoleProps {
  readonly deploymentName: string;
  /** The only bucket the instance may read and write. */
  readonly backupBucketArn: string;
  readonly kmsKeyArn?: string;
}

/** AWS-managed policies the instance needs: Session Manager and the CloudWatch agent. */
export const MANAGED_POLICIES = ["AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"] as const;

/** The instance's identity: SSM, CloudWatch agent, and S3 limited to the backup bucket. */
export class InstanceRole extends Construct {
  readonly role: IamRole;
  readonly profile: IamInstanceProfile;

  constructor(scope: Construct, id: string, props: InstanceRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, "role", {
      name: `${props.deploymentName}-matrix-instance`,
      description: "Matrix proof-of-concept instance: SSM, CloudWatch agent, backups to its bucket",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    });
    for (const policy of MANAGED_POLICIES) {
      new IamRolePolicyAttachment(this, policy, { role: this.role.name, policyArn: `arn:aws:iam::aws:policy/${policy}` });
    }
    const statements: object[] = [
      { Sid: "ListBackupBucket", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: props.backupBucketArn },
      { Sid: "ReadWriteBackups", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"], Resource: `${props.backupBucketArn}/*` },
    ];
    if (props.kmsKeyArn) {
      statements.push({ Sid: "UseBackupKey", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], Resource: props.kmsKeyArn });
    }
    new IamRolePolicy(this, "backup-bucket", {
      name: "backup-bucket-only",
      role: this.role.id,
      policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
    });
    this.profile = new IamInstanceProfile(this, "profile", { name: `${props.deploymentName}-matrix-instance`, role: this.role.name });
  }
}
