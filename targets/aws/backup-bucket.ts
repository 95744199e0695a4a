import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";

export interface BackupBucketProps {
  readonly deploymentName: string;
  /** Customer-managed key; AWS-managed SSE-S3 when absent. */
  readonly kmsKeyArn?: string;
  /** Days before backups move to Glacier Flexible Retrieval. */
  readonly glacierAfterDays?: number;
  /** Days a replaced or deleted backup version is kept. */
  readonly noncurrentExpiryDays?: number;
}

/**
 * The bucket the instance's daily backups go to: versioned, private, encrypted, TLS
 * only, moved to Glacier after 30 days, and protected from `destroy`.
 */
export class BackupBucket extends Construct {
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: BackupBucketProps) {
    super(scope, id);
    this.bucket = new S3Bucket(this, "bucket", {
      bucketPrefix: `${props.deploymentName}-backup-`,
      forceDestroy: false,
      lifecycle: { preventDestroy: true },
    });
    const bucket = this.bucket.id;
    new S3BucketOwnershipControls(this, "ownership", { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } });
    new S3BucketPublicAccessBlock(this, "public-access", {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketVersioningA(this, "versioning", { bucket, versioningConfiguration: { status: "Enabled" } });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket,
      rule: [
        {
          applyServerSideEncryptionByDefault: props.kmsKeyArn
            ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyArn }
            : { sseAlgorithm: "AES256" },
          bucketKeyEnabled: props.kmsKeyArn !== undefined,
        },
      ],
    });
    new S3BucketPolicy(this, "tls-only", {
      bucket,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket,
      rule: [
        {
          id: "archive-and-expire",
          status: "Enabled",
          filter: [{ prefix: "" }],
          transition: [{ days: props.glacierAfterDays ?? 30, storageClass: "GLACIER" }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentExpiryDays ?? 90 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
  }
}
