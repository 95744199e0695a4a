// The monthly cost estimate `npm run plan` adds to an AWS deployment's summary: read from
// the synthesized stack, priced from targets/aws/prices.ts, compared with the budget.
import type { AwsDeployment } from "../constructs/deployment/model";
import { costEstimateMarkdown, estimateAwsCost, HOURS_PER_MONTH, type AwsStackJson } from "../targets/aws/cost-estimate";
import { AWS_PRICES } from "../targets/aws/prices";
import { loadExample } from "./helpers/examples";
import { synth } from "./helpers/synth";

const example = loadExample("aws-poc") as AwsDeployment;
const estimate = (aws: Partial<AwsDeployment["aws"]> = {}) => estimateAwsCost(synth({ ...example, aws: { ...example.aws, ...aws } }).config as AwsStackJson);

describe("monthly cost estimate of the AWS proof of concept", () => {
  const e = estimate();
  const frankfurt = AWS_PRICES["eu-central-1"];

  test("each billable resource of the stack, priced from the table of its region", () => {
    expect(e.region).toBe("eu-central-1");
    expect(e.lines.map((l) => l.item)).toEqual([
      "EC2 instance t3.large",
      "gp3 root volume, 30 GB",
      "EC2 detailed monitoring",
      "weekly EBS snapshots (upper bound: the first is the data on the volume, the others only what changed)",
      "public IPv4 address (Elastic IP, billed attached or not)",
      "CloudWatch alarms (5)",
      "CloudWatch agent metrics (memory, disk)",
    ]);
    expect(e.lines[0].monthlyUsd).toBeCloseTo(frankfurt.instanceHour["t3.large"] * HOURS_PER_MONTH, 6);
    expect(e.lines[1].monthlyUsd).toBeCloseTo(30 * frankfurt.gp3GbMonth, 6);
    expect(e.lines[4].monthlyUsd).toBeCloseTo(frankfurt.publicIpv4Hour * HOURS_PER_MONTH, 6);
    expect(e.totalUsd).toBeCloseTo(e.lines.reduce((s, l) => s + l.monthlyUsd, 0), 6);
    // help/aws.md and the example's comment say "roughly 80 USD"; the budget is 100.
    expect(e.totalUsd).toBeGreaterThan(75);
    expect(e.totalUsd).toBeLessThan(90);
    expect(e.byUse).toEqual([expect.stringMatching(/^S3 backups: /), expect.stringMatching(/^container logs: /)]);
    expect(e.gaps).toEqual([]);
  });

  test("the example's budget is above the estimate; a budget below it is warned about", () => {
    expect(e.budgetUsd).toBe(100);
    expect(e.budgetWarning).toBeUndefined();
    const low = estimate({ monthlyBudgetUsd: 50 });
    expect(low.budgetWarning).toMatch(/^the monthly budget \(50\.00 USD\) is below this estimate \(\d+\.\d\d USD\): its alerts will fire every month; raise aws\.monthly_budget_usd$/);
    expect(costEstimateMarkdown(low)).toContain(`**Warning:** ${low.budgetWarning}.`);
  });

  test("a bigger instance and volume cost more, by the table", () => {
    const big = estimate({ instanceType: "t3.xlarge", rootVolumeGb: 100 });
    expect(big.lines[0].monthlyUsd).toBeCloseTo(frankfurt.instanceHour["t3.xlarge"] * HOURS_PER_MONTH, 6);
    expect(big.lines[1]).toMatchObject({ item: "gp3 root volume, 100 GB" });
  });

  test("an instance type or a region the table lacks is a named gap, never a zero", () => {
    const unpriced = estimate({ instanceType: "c7i.large" });
    expect(unpriced.lines.map((l) => l.item)).not.toContain("EC2 instance c7i.large");
    expect(unpriced.gaps).toEqual([expect.stringMatching(/^no price for instance type c7i\.large in eu-central-1 in targets\/aws\/prices\.ts/)]);
    expect(costEstimateMarkdown(unpriced)).toContain("Not priced, so not in the total:");
    const region = estimate({ region: "ap-southeast-2" });
    expect(region.lines).toEqual([]);
    expect(region.gaps).toEqual(["no prices for region ap-southeast-2 in targets/aws/prices.ts (it has eu-central-1, eu-west-1, us-east-1): add the region's prices, with their source and date, for an estimate"]);
    expect(costEstimateMarkdown(region)).not.toMatch(/\*\*total\*\*|0\.00 USD/);
  });

  test("the summary section: the table with its date and source, what is billed by use", () => {
    const md = costEstimateMarkdown(e);
    expect(md).toContain(`List prices of eu-central-1 as of ${frankfurt.asOf} (targets/aws/prices.ts; check the AWS Pricing Calculator)`);
    expect(md).toMatch(/\| EC2 instance t3\.large \| 70\.08 USD \| 0\.096 USD\/hour × 730 h \|/);
    expect(md).toMatch(/\| \*\*total\*\* \| \*\*\d+\.\d\d USD\*\* \| \|/);
    expect(md).toContain("The monthly budget (100.00 USD) is above the estimate.");
  });
});
