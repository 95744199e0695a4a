/** A checkov check of the AWS provider, such as CKV_AWS_18 or CKV2_AWS_62. */
export type CheckovCheckId = `CKV_AWS_${number}` | `CKV2_AWS_${number}`;

/**
 * The checkov checks the proof-of-concept stack fails on purpose, each with its reason.
 * test/aws-validate.test.ts passes exactly these to checkov with --skip-check, fails on any
 * other failing check, and fails when one of these no longer fails (remove it then).
 */
export const CHECKOV_SKIPS: Readonly<Record<CheckovCheckId, string>> = {
  CKV_AWS_260: "Port 80 is open to everyone by design: Let's Encrypt's HTTP-01 challenge and the redirect to HTTPS (the whole site with aws.https: false)",
  CKV_AWS_18: "S3 access logging needs a second bucket; the backup bucket is private, TLS-only and written only by the instance",
  CKV2_AWS_62: "S3 event notifications: nothing consumes events of the backup bucket",
  CKV_AWS_144: "Cross-region replication doubles the backup cost; a proof of concept keeps one versioned bucket plus weekly EBS snapshots",
  CKV_AWS_145: "Backups use SSE-S3 by default and SSE-KMS with the customer key when aws.kms_key_arn is set (a key costs 1 USD a month)",
  CKV_AWS_158: "CloudWatch Logs encrypts every log group at rest; the customer key is used when aws.kms_key_arn is set",
  CKV_AWS_338: "Log retention is the operator's choice (aws.log_retention_days, default 30) to keep the proof of concept cheap",
};
