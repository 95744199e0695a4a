import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { gunzipSync, gzipSync } from "node:zlib";
import { parse as parseYaml } from "yaml";
import type { AwsDeployment } from "../constructs/deployment/model";
import { USER_DATA_LIMIT_BYTES } from "../targets/aws/cloud-init";
import { loadExample } from "./helpers/examples";
import { synth, type TerraformJson } from "./helpers/synth";

const example = loadExample("aws-poc") as AwsDeployment;
const variant = (aws: Partial<AwsDeployment["aws"]>) => synth({ ...example, aws: { ...example.aws, ...aws } }).config;
const only = (config: TerraformJson, type: string) => {
  const all = Object.values(config.resource[type] ?? {});
  expect(all).toHaveLength(1);
  return all[0];
};

describe("AWS proof-of-concept stack", () => {
  const { json, config } = synth(example);
  const instance = only(config, "aws_instance");
  const ingress = Object.values(config.resource.aws_vpc_security_group_ingress_rule);

  test("has the provider, the instance, a security group and an Elastic IP on it", () => {
    expect(json).toHaveProvider(AwsProvider);
    expect(json).toHaveResourceWithProperties(Instance, { instance_type: "t3.large", monitoring: true });
    expect(json).toHaveResource(SecurityGroup);
    expect(json).toHaveResourceWithProperties(Eip, { domain: "vpc" });
    expect(only(config, "aws_eip").instance).toMatch(/^\$\{aws_instance\.[\w-]+\.id\}$/);
    expect(config.provider.aws[0].region).toBe("eu-central-1");
    expect(config.provider.aws[0].default_tags).toEqual([{ tags: { Deployment: "z3r0d3v-poc", ManagedBy: "matrix-platform-provisioner" } }]);
  });

  test("security group: 80 and 443 from anywhere, 22 from the operator CIDR, nothing else in", () => {
    expect(ingress.map((r) => [r.from_port, r.to_port, r.ip_protocol, r.cidr_ipv4]).sort()).toEqual([
      [22, 22, "tcp", "203.0.113.10/32"],
      [443, 443, "tcp", "0.0.0.0/0"],
      [80, 80, "tcp", "0.0.0.0/0"],
    ]);
  });

  test("ssm_only closes 22 entirely; plain HTTP (https: false) closes 443", () => {
    const rules = Object.values(variant({ ssh: { kind: "ssm-only" } }).resource.aws_vpc_security_group_ingress_rule);
    expect(rules.map((r) => r.from_port)).toEqual([80, 443]);
    const plain = variant({ web: { scheme: "http" } });
    expect(Object.values(plain.resource.aws_vpc_security_group_ingress_rule).map((r) => r.from_port).sort()).toEqual([22, 80]);
    expect(plain.output.url.value).toBe("http://chat.z3r0d3v.com/");
  });

  test("IMDSv2 required with hop limit 2; AMI from the public SSM parameter without perpetual diff", () => {
    expect(instance.metadata_options).toEqual({ http_endpoint: "enabled", http_put_response_hop_limit: 2, http_tokens: "required", instance_metadata_tags: "enabled" });
    expect(instance.ami).toMatch(/^\$\{data\.aws_ssm_parameter\.[\w-]+\.value\}$/);
    expect(instance.lifecycle.ignore_changes).toEqual(["ami"]);
    expect(only({ resource: config.data! } as TerraformJson, "aws_ssm_parameter").name).toBe("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
  });

  test("root volume: gp3, 30 GB, encrypted, deleted with the instance unless asked; KMS key when given", () => {
    expect(instance.root_block_device).toMatchObject({ encrypted: true, volume_type: "gp3", volume_size: 30, delete_on_termination: true });
    const key = "arn:aws:kms:eu-central-1:123456789012:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789";
    const kept = only(variant({ keepRootVolume: true, kmsKeyArn: key }), "aws_instance");
    expect(kept.root_block_device).toMatchObject({ delete_on_termination: false, kms_key_id: key });
  });

  test("instance profile: SSM core, CloudWatch agent, and S3 only on the backup bucket", () => {
    const attachments = Object.values(config.resource.aws_iam_role_policy_attachment).map((a) => a.policy_arn).sort();
    expect(attachments).toEqual(expect.arrayContaining(["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"]));
    const policy = JSON.parse(only(config, "aws_iam_role_policy").policy);
    const resources = policy.Statement.flatMap((s: { Resource: string }) => [s.Resource]);
    expect(resources).toEqual([expect.stringMatching(/^\$\{aws_s3_bucket\.[\w-]+\.arn\}$/), expect.stringMatching(/^\$\{aws_s3_bucket\.[\w-]+\.arn\}\/\*$/)]);
    expect(JSON.stringify(policy)).not.toMatch(/"s3:\*"|"Resource":"\*"/);
    expect(instance.iam_instance_profile).toMatch(/aws_iam_instance_profile/);
  });

  test("backup bucket: versioned, private, encrypted, TLS only, Glacier after 30 days, protected", () => {
    const bucket = only(config, "aws_s3_bucket");
    expect(bucket.lifecycle.prevent_destroy).toBe(true);
    expect(bucket.force_destroy).toBe(false);
    expect(only(config, "aws_s3_bucket_versioning").versioning_configuration.status).toBe("Enabled");
    expect(only(config, "aws_s3_bucket_public_access_block")).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(only(config, "aws_s3_bucket_server_side_encryption_configuration").rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe("AES256");
    const deny = JSON.parse(only(config, "aws_s3_bucket_policy").policy).Statement[0];
    expect(deny).toMatchObject({ Effect: "Deny", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    const rule = only(config, "aws_s3_bucket_lifecycle_configuration").rule[0];
    expect(rule.transition).toEqual([{ days: 30, storage_class: "GLACIER" }]);
    expect(rule.noncurrent_version_expiration).toEqual([{ noncurrent_days: 90 }]);
  });

  test("alarms: CPU > 80% for 5 min, disk > 80%, memory > 90%, status checks with recovery, all to SNS e-mail", () => {
    expect(json).toHaveResourceWithProperties(CloudwatchMetricAlarm, { metric_name: "CPUUtilization", threshold: 80, period: 300, evaluation_periods: 1, comparison_operator: "GreaterThanThreshold" });
    expect(json).toHaveResourceWithProperties(CloudwatchMetricAlarm, { namespace: "CWAgent", metric_name: "disk_used_percent", threshold: 80 });
    expect(json).toHaveResourceWithProperties(CloudwatchMetricAlarm, { namespace: "CWAgent", metric_name: "mem_used_percent", threshold: 90 });
    const alarms = Object.values(config.resource.aws_cloudwatch_metric_alarm);
    const system = alarms.find((a) => a.metric_name === "StatusCheckFailed_System");
    expect(system.alarm_actions).toContain("arn:aws:automate:eu-central-1:ec2:recover");
    for (const a of alarms) expect(a.alarm_actions[0]).toMatch(/^\$\{aws_sns_topic\.[\w-]+\.arn\}$/);
    expect(only(config, "aws_sns_topic_subscription")).toMatchObject({ protocol: "email", endpoint: "ops@z3r0d3v.com" });
  });

  test("the agent publishes the metrics the alarms watch, with the same dimensions", () => {
    const agent = JSON.parse(bootFile("/opt/aws/amazon-cloudwatch-agent/etc/matrix.json"));
    expect(agent.metrics.namespace).toBe("CWAgent");
    expect(agent.metrics.metrics_collected.disk).toMatchObject({ resources: ["/"], drop_device: true });
    const disk = Object.values(config.resource.aws_cloudwatch_metric_alarm).find((a) => a.metric_name === "disk_used_percent");
    expect(Object.keys(disk.dimensions).sort()).toEqual(["InstanceId", "fstype", "path"]);
  });

  test("container logs go to a log group with retention", () => {
    expect(only(config, "aws_cloudwatch_log_group")).toMatchObject({ name: "/matrix/z3r0d3v-poc/containers", retention_in_days: 30 });
    expect(JSON.parse(bootFile("/etc/docker/daemon.json"))).toMatchObject({ "log-driver": "awslogs", "log-opts": { "awslogs-group": "/matrix/z3r0d3v-poc/containers", tag: "{{.Name}}" } });
  });

  test("weekly snapshots (4 kept) of the root volume, and a monthly budget alerting at 50/80/100 %", () => {
    const dlm = only(config, "aws_dlm_lifecycle_policy").policy_details;
    expect(dlm.schedule[0].retain_rule).toEqual({ count: 4 });
    expect(dlm.target_tags).toEqual({ MatrixSnapshots: "z3r0d3v-poc-weekly" });
    expect(instance.root_block_device.tags.MatrixSnapshots).toBe("z3r0d3v-poc-weekly");
    const budget = only(config, "aws_budgets_budget");
    expect(budget).toMatchObject({ limit_amount: "100.00", limit_unit: "USD", time_unit: "MONTHLY" });
    expect(budget.notification.map((n: { threshold: number }) => n.threshold)).toEqual([50, 80, 100]);
    expect(variant({ weeklySnapshots: false }).resource.aws_dlm_lifecycle_policy).toBeUndefined();
  });

  test("outputs: URL, EIP, SSH and SSM commands, bucket, admin creation", () => {
    expect(Object.keys(config.output).sort()).toEqual(["admin_user_command", "backup_bucket", "public_ip", "registration_token_command", "ssh_command", "ssm_command", "url"]);
    expect(config.output.url.value).toBe("https://chat.z3r0d3v.com/");
    expect(config.output.admin_user_command.value).toContain("register_new_matrix_user -c /data/homeserver.yaml --admin");
  });

  const userData = gunzipSync(Buffer.from(instance.user_data_base64, "base64"));
  const cloud = parseYaml(userData.toString("utf8"));
  function bootFile(path: string): string {
    const f = cloud.write_files.find((x: { path: string }) => x.path === path);
    if (!f) throw new Error(`user-data has no ${path}`);
    return f.content;
  }

  test("user-data: gzip-compressed cloud-config, under the 16 KB limit, free of Terraform references", () => {
    expect(userData.length).toBeGreaterThan(0);
    expect(Buffer.from(instance.user_data_base64, "base64").length).toBeLessThan(USER_DATA_LIMIT_BYTES);
    expect(userData.toString("utf8").startsWith("#cloud-config\n")).toBe(true);
    // Values known only after apply (bucket name, instance id) are read at run time instead.
    expect(userData.toString("utf8")).not.toMatch(/\$\{(aws_|data\.|random_)|@@secret:/);
  });

  test("boot: Docker CE from the EL9 repository, then the host layer, then the stack", () => {
    expect(bootFile("/var/lib/matrix-platform/activate-base.sh")).toContain("sed -i 's/\\$releasever/9/g' /etc/yum.repos.d/docker-ce.repo");
    expect(cloud.runcmd).toEqual([["sh", "/var/lib/matrix-platform/activate-base.sh"], ["sh", "/var/lib/matrix-platform/activate-poc.sh"]]);
    expect(bootFile("/etc/systemd/system/matrix-stack.service")).toContain("WantedBy=multi-user.target");
    expect(bootFile("/etc/systemd/system/matrix-backup.timer")).toContain("OnCalendar=");
  });

  test("without a domain, Element and Synapse's public_baseurl use the Elastic IP, filled in at apply", () => {
    const { domain: _omitted, ...rest } = example;
    const noDomain = synth({ ...rest }).config as TerraformJson & { locals: Record<string, string> };
    const server = only(noDomain, "aws_instance");
    expect(server.user_data_base64).toBe('${base64gzip(replace(local.cloud_config, "@@public_host@@", aws_eip.eip.public_ip))}');
    expect(only(noDomain, "aws_eip").instance).toBeUndefined();
    expect(only(noDomain, "aws_eip_association")).toEqual({ allocation_id: "${aws_eip.eip.allocation_id}", instance_id: "${aws_instance.server.id}" });
    expect(noDomain.output.url.value).toBe("https://${aws_eip.eip.public_ip}/");
    // The user-data with the longest IPv4 address in place still fits EC2's limit.
    const text = noDomain.locals.cloud_config.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
    const filled = text.replace(/@@public_host@@/g, "255.255.255.255");
    expect(filled).toContain('"base_url": "https://255.255.255.255/"');
    expect(filled).toContain('public_baseurl: "https://255.255.255.255/"');
    // An address gets an IP certificate, which Let's Encrypt issues in its short-lived profile only.
    expect(filled).toContain("--ip-address 255.255.255.255 --required-profile shortlived");
    expect(gzipSync(filled, { level: 9 }).length).toBeLessThan(USER_DATA_LIMIT_BYTES);
  });

  test("the ACME account's e-mail and directory reach certbot", () => {
    const d = synth({ ...example, aws: { ...example.aws, web: { scheme: "https", acme: { directory: "https://acme-staging-v02.api.letsencrypt.org/directory", email: "ops@z3r0d3v.com" } } } });
    const data = gunzipSync(Buffer.from(only(d.config, "aws_instance").user_data_base64, "base64")).toString("utf8");
    expect(data).toContain("--server 'https://acme-staging-v02.api.letsencrypt.org/directory' --email ops@z3r0d3v.com --domain chat.z3r0d3v.com");
  });

  test("no secret is generated by Terraform: the host makes them at first boot", () => {
    expect(config.resource.random_password).toBeUndefined();
    expect(bootFile("/var/lib/matrix-platform/activate-poc.sh")).toContain("openssl rand -hex 32");
  });
});
