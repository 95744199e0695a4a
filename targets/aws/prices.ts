/**
 * AWS list prices the cost estimate uses (USD, on-demand, Linux, shared tenancy), per
 * region. Entered by hand from AWS's public pricing pages, on the date given; this machine
 * cannot reach them, so nothing here is fetched or checked automatically. A region or
 * instance type missing here gives the estimate a clear gap, never a zero: add its prices
 * with their source and date.
 */
export interface RegionPrices {
  /** When these prices were read from the pages below (YYYY-MM-DD). */
  readonly asOf: string;
  /** EC2 on-demand, USD per hour, by instance type. */
  readonly instanceHour: Readonly<Record<string, number>>;
  /** EBS gp3 storage, USD per GB-month (3,000 IOPS and 125 MB/s included). */
  readonly gp3GbMonth: number;
  /** EBS snapshots (standard tier), USD per GB-month of data stored. */
  readonly snapshotGbMonth: number;
  /** A public IPv4 address (the Elastic IP), in use or not, USD per hour. */
  readonly publicIpv4Hour: number;
  /** CloudWatch: a standard-resolution alarm, USD per month. */
  readonly alarmMonth: number;
  /** CloudWatch: a custom metric (the agent's memory and disk), or a detailed-monitoring metric, USD per month. */
  readonly metricMonth: number;
  /** CloudWatch Logs ingestion, USD per GB. */
  readonly logsIngestGb: number;
  /** S3 Standard storage, USD per GB-month (first 50 TB). */
  readonly s3GbMonth: number;
}

export const PRICE_SOURCES = {
  ec2: "https://aws.amazon.com/ec2/pricing/on-demand/",
  ebs: "https://aws.amazon.com/ebs/pricing/",
  ipv4: "https://aws.amazon.com/vpc/pricing/ (public IPv4 addresses)",
  cloudwatch: "https://aws.amazon.com/cloudwatch/pricing/",
  s3: "https://aws.amazon.com/s3/pricing/",
} as const;

const t3 = (medium: number) => ({ "t3.medium": medium, "t3.large": medium * 2, "t3.xlarge": medium * 4, "t3.2xlarge": medium * 8 });

export const AWS_PRICES: Readonly<Record<string, RegionPrices>> = {
  "eu-central-1": {
    asOf: "2026-11-30",
    instanceHour: { ...t3(0.048), "m5.large": 0.115, "m5.xlarge": 0.23, "m6i.large": 0.115, "m6i.xlarge": 0.23 },
    gp3GbMonth: 0.0952,
    snapshotGbMonth: 0.054,
    publicIpv4Hour: 0.005,
    alarmMonth: 0.1,
    metricMonth: 0.3,
    logsIngestGb: 0.63,
    s3GbMonth: 0.0245,
  },
  "eu-west-1": {
    asOf: "2026-11-30",
    instanceHour: { ...t3(0.0456), "m5.large": 0.107, "m5.xlarge": 0.214, "m6i.large": 0.107, "m6i.xlarge": 0.214 },
    gp3GbMonth: 0.088,
    snapshotGbMonth: 0.05,
    publicIpv4Hour: 0.005,
    alarmMonth: 0.1,
    metricMonth: 0.3,
    logsIngestGb: 0.57,
    s3GbMonth: 0.023,
  },
  "us-east-1": {
    asOf: "2026-11-30",
    instanceHour: { ...t3(0.0416), "m5.large": 0.096, "m5.xlarge": 0.192, "m6i.large": 0.096, "m6i.xlarge": 0.192 },
    gp3GbMonth: 0.08,
    snapshotGbMonth: 0.05,
    publicIpv4Hour: 0.005,
    alarmMonth: 0.1,
    metricMonth: 0.3,
    logsIngestGb: 0.5,
    s3GbMonth: 0.023,
  },
};
