/**
 * The monthly cost of the AWS proof of concept's billable resources, read from its
 * synthesized stack (what OpenTofu will create) and priced from targets/aws/prices.ts.
 * Usage-priced items (S3, logs) are given as rates. A price the table lacks is a named gap
 * in the estimate, never a zero.
 */
import { AWS_PRICES, PRICE_SOURCES, type RegionPrices } from "./prices";

/** Hours in an average month (AWS bills by the hour; 365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;
/** Metrics EC2 detailed monitoring publishes per instance (billed as custom metrics). */
export const DETAILED_MONITORING_METRICS = 7;
/** Custom metrics the CloudWatch agent publishes (templates/aws/cloudwatch-agent.json.mustache: memory, root disk). */
export const AGENT_METRICS = 2;

export interface CostLine {
  readonly item: string;
  /** USD per month. */
  readonly monthlyUsd: number;
  /** How it is computed, with the price used. */
  readonly basis: string;
}

export interface CostEstimate {
  readonly region: string;
  readonly asOf?: string;
  readonly lines: readonly CostLine[];
  /** Billed by use: the rate, not a monthly amount. */
  readonly byUse: readonly string[];
  /** What could not be priced, and how to fix it. */
  readonly gaps: readonly string[];
  readonly totalUsd: number;
  /** The Budgets amount, when the stack has one. */
  readonly budgetUsd?: number;
  /** Set when the budget is below the estimate. */
  readonly budgetWarning?: string;
}

type Resources = Readonly<Record<string, Readonly<Record<string, Record<string, unknown>>>>>;

/** The stack's synthesized JSON (cdk.tf.json), as far as the estimate reads it. */
export interface AwsStackJson {
  readonly provider?: { readonly aws?: ReadonlyArray<{ readonly region?: string }> };
  readonly resource?: Resources;
}

const usd = (n: number) => `${n.toFixed(2)} USD`;

export function estimateAwsCost(stack: AwsStackJson): CostEstimate {
  const region = stack.provider?.aws?.[0]?.region ?? "(no region)";
  const all = (type: string) => Object.values(stack.resource?.[type] ?? {});
  const prices: RegionPrices | undefined = AWS_PRICES[region];
  if (!prices) {
    return {
      region,
      lines: [],
      byUse: [],
      gaps: [`no prices for region ${region} in targets/aws/prices.ts (it has ${Object.keys(AWS_PRICES).join(", ")}): add the region's prices, with their source and date, for an estimate`],
      totalUsd: 0,
    };
  }
  const lines: CostLine[] = [];
  const gaps: string[] = [];
  for (const instance of all("aws_instance")) {
    const type = String(instance.instance_type);
    const hourly = prices.instanceHour[type];
    if (hourly === undefined) gaps.push(`no price for instance type ${type} in ${region} in targets/aws/prices.ts (${PRICE_SOURCES.ec2}): add it for a complete estimate`);
    else lines.push({ item: `EC2 instance ${type}`, monthlyUsd: hourly * HOURS_PER_MONTH, basis: `${hourly} USD/hour × ${HOURS_PER_MONTH} h` });
    const root = (instance.root_block_device ?? {}) as { volume_size?: number; volume_type?: string };
    if (root.volume_size) {
      if (root.volume_type !== "gp3") gaps.push(`no price for a ${root.volume_type ?? "default"} root volume in targets/aws/prices.ts (only gp3)`);
      else lines.push({ item: `gp3 root volume, ${root.volume_size} GB`, monthlyUsd: root.volume_size * prices.gp3GbMonth, basis: `${prices.gp3GbMonth} USD/GB-month` });
    }
    if (instance.monitoring === true) {
      lines.push({ item: "EC2 detailed monitoring", monthlyUsd: DETAILED_MONITORING_METRICS * prices.metricMonth, basis: `${DETAILED_MONITORING_METRICS} metrics × ${prices.metricMonth} USD/month` });
    }
    const snapshots = all("aws_dlm_lifecycle_policy").length > 0;
    if (snapshots && root.volume_size) {
      lines.push({ item: "weekly EBS snapshots (upper bound: the first is the data on the volume, the others only what changed)", monthlyUsd: root.volume_size * prices.snapshotGbMonth, basis: `${root.volume_size} GB × ${prices.snapshotGbMonth} USD/GB-month` });
    }
  }
  const ips = all("aws_eip").length;
  if (ips > 0) lines.push({ item: `public IPv4 address${ips > 1 ? "es" : ""} (Elastic IP, billed attached or not)`, monthlyUsd: ips * prices.publicIpv4Hour * HOURS_PER_MONTH, basis: `${ips} × ${prices.publicIpv4Hour} USD/hour × ${HOURS_PER_MONTH} h` });
  const alarms = all("aws_cloudwatch_metric_alarm").length;
  if (alarms > 0) lines.push({ item: `CloudWatch alarms (${alarms})`, monthlyUsd: alarms * prices.alarmMonth, basis: `${prices.alarmMonth} USD/alarm-month` });
  if (all("aws_instance").length > 0) lines.push({ item: "CloudWatch agent metrics (memory, disk)", monthlyUsd: AGENT_METRICS * prices.metricMonth, basis: `${AGENT_METRICS} × ${prices.metricMonth} USD/metric-month` });
  const byUse = [
    ...(all("aws_s3_bucket").length > 0 ? [`S3 backups: ${prices.s3GbMonth} USD/GB-month (Glacier after 30 days is cheaper)`] : []),
    ...(all("aws_cloudwatch_log_group").length > 0 ? [`container logs: ${prices.logsIngestGb} USD/GB ingested into CloudWatch Logs`] : []),
  ];
  const totalUsd = lines.reduce((sum, l) => sum + l.monthlyUsd, 0);
  const budgets = all("aws_budgets_budget").map((b) => Number(b.limit_amount));
  const budgetUsd = budgets.length > 0 ? budgets[0] : undefined;
  const budgetWarning =
    budgetUsd !== undefined && budgetUsd < totalUsd
      ? `the monthly budget (${usd(budgetUsd)}) is below this estimate (${usd(totalUsd)}${gaps.length ? " and more: see the gaps" : ""}): its alerts will fire every month; raise aws.monthly_budget_usd`
      : undefined;
  return { region, asOf: prices.asOf, lines, byUse, gaps, totalUsd, ...(budgetUsd !== undefined ? { budgetUsd } : {}), ...(budgetWarning ? { budgetWarning } : {}) };
}

/** The estimate as a section of the plan summary. */
export function costEstimateMarkdown(e: CostEstimate): string {
  const out = ["## Monthly cost estimate (AWS)", ""];
  if (e.budgetWarning) out.push(`**Warning:** ${e.budgetWarning}.`, "");
  if (e.lines.length > 0) {
    out.push(`List prices of ${e.region} as of ${e.asOf} (targets/aws/prices.ts; check the AWS Pricing Calculator), about ${HOURS_PER_MONTH} hours a month:`, "");
    out.push("| item | per month | basis |", "|---|---:|---|");
    for (const l of e.lines) out.push(`| ${l.item} | ${usd(l.monthlyUsd)} | ${l.basis} |`);
    out.push(`| **total** | **${usd(e.totalUsd)}** | |`, "");
  }
  if (e.byUse.length > 0) out.push("Billed by use, not included:", "", ...e.byUse.map((b) => `- ${b}`), "");
  if (e.gaps.length > 0) out.push("Not priced, so not in the total:", "", ...e.gaps.map((g) => `- ${g}`), "");
  if (e.budgetUsd !== undefined && !e.budgetWarning) out.push(`The monthly budget (${usd(e.budgetUsd)}) is above the estimate.`, "");
  return out.join("\n").trimEnd();
}
