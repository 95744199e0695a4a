import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Construct } from "constructs";

export interface InstanceMonitoringProps {
  readonly deploymentName: string;
  readonly region: string;
  readonly instanceId: string;
  readonly alarmEmail: string;
  readonly logRetentionDays: number;
  readonly kmsKeyArn?: string;
}

/** Namespace and dimensions the CloudWatch agent publishes with (see cloudwatch-agent.json). */
export const AGENT_NAMESPACE = "CWAgent";
export const ROOT_FILESYSTEM = { path: "/", fstype: "xfs" } as const;

/** Thresholds of seed 000: CPU > 80% for 5 min, disk > 80%, memory > 90%. */
export const ALARM_THRESHOLDS = { cpuPercent: 80, diskPercent: 80, memoryPercent: 90 } as const;

/**
 * Alarms to an e-mail SNS topic, the container log group, and auto-recovery of the
 * instance when AWS's own hardware check fails.
 */
export class InstanceMonitoring extends Construct {
  readonly topic: SnsTopic;
  readonly logGroup: CloudwatchLogGroup;
  readonly alarms: CloudwatchMetricAlarm[] = [];

  constructor(scope: Construct, id: string, props: InstanceMonitoringProps) {
    super(scope, id);
    const name = `${props.deploymentName}-matrix`;
    this.topic = new SnsTopic(this, "alarms", { name: `${name}-alarms`, kmsMasterKeyId: props.kmsKeyArn ?? "alias/aws/sns" });
    new SnsTopicSubscription(this, "email", { topicArn: this.topic.arn, protocol: "email", endpoint: props.alarmEmail });
    this.logGroup = new CloudwatchLogGroup(this, "containers", {
      name: `/matrix/${props.deploymentName}/containers`,
      retentionInDays: props.logRetentionDays,
      ...(props.kmsKeyArn ? { kmsKeyId: props.kmsKeyArn } : {}),
    });

    const alarm = (alarmId: string, description: string, spec: { namespace: string; metricName: string; threshold: number; periodSeconds: number; evaluationPeriods: number; dimensions: Record<string, string>; statistic?: string; extraActions?: string[] }) => {
      const a = new CloudwatchMetricAlarm(this, alarmId, {
        alarmName: `${name}-${alarmId}`,
        alarmDescription: description,
        namespace: spec.namespace,
        metricName: spec.metricName,
        dimensions: spec.dimensions,
        statistic: spec.statistic ?? "Average",
        period: spec.periodSeconds,
        evaluationPeriods: spec.evaluationPeriods,
        threshold: spec.threshold,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "breaching",
        alarmActions: [this.topic.arn, ...(spec.extraActions ?? [])],
        okActions: [this.topic.arn],
      });
      this.alarms.push(a);
      return a;
    };
    const instance = { InstanceId: props.instanceId };
    alarm("cpu-high", `CPU above ${ALARM_THRESHOLDS.cpuPercent}% for 5 minutes`, {
      namespace: "AWS/EC2", metricName: "CPUUtilization", dimensions: instance, threshold: ALARM_THRESHOLDS.cpuPercent, periodSeconds: 300, evaluationPeriods: 1,
    });
    alarm("disk-high", `Root filesystem above ${ALARM_THRESHOLDS.diskPercent}% used`, {
      namespace: AGENT_NAMESPACE, metricName: "disk_used_percent", dimensions: { ...instance, ...ROOT_FILESYSTEM }, threshold: ALARM_THRESHOLDS.diskPercent, periodSeconds: 300, evaluationPeriods: 1,
    });
    alarm("memory-high", `Memory above ${ALARM_THRESHOLDS.memoryPercent}% used`, {
      namespace: AGENT_NAMESPACE, metricName: "mem_used_percent", dimensions: instance, threshold: ALARM_THRESHOLDS.memoryPercent, periodSeconds: 300, evaluationPeriods: 1,
    });
    alarm("system-check-failed", "AWS system status check failed: the instance is recovered onto healthy hardware", {
      namespace: "AWS/EC2", metricName: "StatusCheckFailed_System", dimensions: instance, threshold: 0, statistic: "Maximum", periodSeconds: 60, evaluationPeriods: 2,
      extraActions: [`arn:aws:automate:${props.region}:ec2:recover`],
    });
    alarm("instance-check-failed", "Instance status check failed: the instance is rebooted", {
      namespace: "AWS/EC2", metricName: "StatusCheckFailed_Instance", dimensions: instance, threshold: 0, statistic: "Maximum", periodSeconds: 60, evaluationPeriods: 3,
      extraActions: [`arn:aws:automate:${props.region}:ec2:reboot`],
    });
  }
}
