import { BudgetsBudget } from "@cdktf/provider-aws/lib/budgets-budget";
import { DlmLifecyclePolicy } from "@cdktf/provider-aws/lib/dlm-lifecycle-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Construct } from "constructs";

/** Budget alert e-mails at these percentages of the monthly amount (actual spend). */
export const BUDGET_ALERT_PERCENTS = [50, 80, 100] as const;
/** Tag that puts a volume under the weekly snapshot policy. */
export const SNAPSHOT_TAG = { key: "MatrixSnapshots", value: "weekly" } as const;

export interface MonthlyBudgetProps {
  readonly deploymentName: string;
  readonly amountUsd: number;
  readonly email: string;
}

/**
 * AWS Budgets: a monthly cost budget with e-mails at 50, 80 and 100 %. It counts the
 * whole account (a cost-allocation tag filter only works once the tag is activated in
 * Billing, which Terraform cannot do): give the proof of concept its own account.
 */
export class MonthlyBudget extends Construct {
  constructor(scope: Construct, id: string, props: MonthlyBudgetProps) {
    super(scope, id);
    new BudgetsBudget(this, "budget", {
      name: `${props.deploymentName}-matrix-monthly`,
      budgetType: "COST",
      limitAmount: props.amountUsd.toFixed(2),
      limitUnit: "USD",
      timeUnit: "MONTHLY",
      notification: BUDGET_ALERT_PERCENTS.map((threshold) => ({
        comparisonOperator: "GREATER_THAN",
        threshold,
        thresholdType: "PERCENTAGE",
        notificationType: "ACTUAL",
        subscriberEmailAddresses: [props.email],
      })),
    });
  }
}

export interface WeeklySnapshotsProps {
  readonly deploymentName: string;
  /** Snapshots kept; the oldest is deleted when a new one is taken. */
  readonly keep?: number;
}

/** Data Lifecycle Manager: weekly EBS snapshots of the tagged volumes, 4 kept. */
export class WeeklySnapshots extends Construct {
  constructor(scope: Construct, id: string, props: WeeklySnapshotsProps) {
    super(scope, id);
    const role = new IamRole(this, "role", {
      name: `${props.deploymentName}-matrix-dlm`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "dlm.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    });
    new IamRolePolicyAttachment(this, "policy", { role: role.name, policyArn: "arn:aws:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole" });
    new DlmLifecyclePolicy(this, "policy-weekly", {
      description: `${props.deploymentName} weekly snapshots`,
      executionRoleArn: role.arn,
      state: "ENABLED",
      policyDetails: {
        resourceTypes: ["VOLUME"],
        targetTags: { [SNAPSHOT_TAG.key]: `${props.deploymentName}-${SNAPSHOT_TAG.value}` },
        schedule: [
          {
            name: "weekly",
            copyTags: true,
            createRule: { cronExpression: "cron(0 3 ? * SUN *)" },
            retainRule: { count: props.keep ?? 4 },
          },
        ],
      },
    });
  }
}
