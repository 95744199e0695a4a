import type { ProviderSource } from "./tofu-env";

/** The saved plan's file name in a plan folder (`npm run plan` writes it). */
export const PLAN_FILE = "plan.tfplan";
/** Beside it: what `npm run apply` needs to apply it where it was made. */
export const PLAN_RECORD = "plan-record.json";

export interface PlanRecord {
  readonly deployment: string;
  readonly deploymentFile: string;
  /** The synthesized stack the plan was made in (its .terraform holds the providers). */
  readonly stackDir: string;
  readonly providers: ProviderSource;
  /** When it was planned (ISO 8601). */
  readonly planned: string;
}
