/**
 * The Markdown summary of a saved plan (`tofu show -json`) that an approver reads in a
 * minute: counts per action, replacements and deletions first with their reasons, the
 * changes by host and role with the diff of every rendered file that changes, other
 * resources, drift apart, outputs. Values OpenTofu marks sensitive are never printed.
 */
import { createTwoFilesPatch } from "diff";

type Action = "no-op" | "create" | "read" | "update" | "delete" | "forget";

interface Change {
  readonly actions: readonly Action[];
  readonly before?: unknown;
  readonly after?: unknown;
  readonly after_unknown?: unknown;
  readonly before_sensitive?: unknown;
  readonly after_sensitive?: unknown;
  readonly replace_paths?: ReadonlyArray<ReadonlyArray<string | number>>;
}

interface ResourceChange {
  readonly address: string;
  readonly previous_address?: string;
  readonly type: string;
  readonly name: string;
  readonly change: Change;
  readonly action_reason?: string;
}

/** The parts of OpenTofu's JSON plan representation the summary reads. */
export interface PlanJson {
  readonly terraform_version?: string;
  readonly timestamp?: string;
  readonly resource_changes?: readonly ResourceChange[];
  readonly resource_drift?: readonly ResourceChange[];
  readonly output_changes?: Readonly<Record<string, Change>>;
}

export interface SummaryContext {
  /** The deployment's name (the stack's). */
  readonly deployment: string;
  /** Where the saved plan is, for the apply command. */
  readonly planFile: string;
}

/** What a change does, in the words of OpenTofu's own plan output. */
type Kind = "create" | "update" | "replace" | "delete" | "forget" | "read" | "no-op";

function kindOf(actions: readonly Action[]): Kind {
  if (actions.includes("delete") && actions.includes("create")) return "replace";
  return actions[0] ?? "no-op";
}

const VERB: Record<Kind, string> = { create: "add", update: "change", replace: "replace", delete: "destroy", forget: "forget", read: "read", "no-op": "unchanged" };

/** OpenTofu's action_reason values, for people. */
const REASONS: Record<string, string> = {
  replace_because_tainted: "tainted: an earlier apply failed part-way (a provisioner failed)",
  replace_because_cannot_update: "an attribute that cannot change in place changed",
  replace_by_request: "replacement asked for (-replace)",
  replace_by_triggers: "replace_triggered_by",
  delete_because_no_resource_config: "no longer in the configuration",
  delete_because_no_module: "its module is no longer in the configuration",
  delete_because_wrong_repetition: "count/for_each changed",
  delete_because_count_index: "its count index is gone",
  delete_because_each_key: "its for_each key is gone",
  delete_because_no_move_target: "moved to an address that does not exist",
};

/** What a role's re-provisioning key says changed (targets/onprem/role-provisioner.ts). */
const TRIGGER_MEANING: Record<string, string> = {
  content_sha256: "its rendered files, script or packages changed",
  certificates_sha256: "a certificate (or key) it installs was re-issued",
  bundle_sha256: "the offline bundle changed",
  host: "it moved to another host",
  role: "its role changed",
};

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isObject = (v: unknown): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A value with every part OpenTofu marks sensitive (or unknown) replaced by a word. */
function masked(value: unknown, sensitive: unknown, unknown: unknown = false): unknown {
  if (sensitive === true) return "(sensitive)";
  if (unknown === true) return "(known after apply)";
  if (Array.isArray(value)) return value.map((v, i) => masked(v, Array.isArray(sensitive) ? sensitive[i] : false, Array.isArray(unknown) ? unknown[i] : false));
  if (isObject(value)) {
    const s = isObject(sensitive) ? sensitive : {};
    const u = isObject(unknown) ? unknown : {};
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v, s[k], u[k])]));
  }
  return value;
}

/** Top-level attributes that differ, before -> after; sensitive ones by name only, long values abridged. */
function changedAttributes(c: Change): string[] {
  const raw = (v: unknown) => (isObject(v) ? v : {});
  const [before, after, unknown] = [raw(c.before), raw(c.after), raw(c.after_unknown)];
  const [beforeShown, afterShown] = [raw(masked(before, c.before_sensitive)), raw(masked(after, c.after_sensitive, unknown))];
  const sensitive = (k: string) => [c.before_sensitive, c.after_sensitive].some((s) => isObject(s) && s[k] === true);
  const show = (v: unknown) => {
    const text = JSON.stringify(v ?? null);
    return text.length <= 80 ? `\`${text}\`` : "(long value)";
  };
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)])].sort();
  return keys
    .filter((k) => unknown[k] === true || JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .filter((k) => !(c.before == null && unknown[k] === true))
    .map((k) => (sensitive(k) ? `\`${k}\`: (sensitive value changed)` : `\`${k}\`: ${show(beforeShown[k])} → ${show(afterShown[k])}`));
}

/** The host and role of a resource the on-prem target makes, if it is one. */
interface RoleKey {
  readonly host: string;
  readonly role: string;
}

/** Roles are terraform_data whose triggers_replace names host and role; their review copies are <host>_<role>_<path>. */
function roleOf(rc: ResourceChange): RoleKey | undefined {
  if (rc.type !== "terraform_data") return undefined;
  const triggers = [rc.change.after, rc.change.before].map((v) => (isObject(v) && isObject(v.triggers_replace) ? v.triggers_replace : undefined)).find(Boolean);
  if (triggers && typeof triggers.host === "string" && typeof triggers.role === "string") return { host: triggers.host, role: triggers.role };
  return undefined;
}

interface ReviewCopy {
  readonly host: string;
  readonly path: string;
  readonly before?: string;
  readonly after?: string;
}

function reviewCopyOf(rc: ResourceChange): ReviewCopy | undefined {
  if (rc.type !== "terraform_data") return undefined;
  const input = (v: unknown) => (isObject(v) && isObject(v.input) ? v.input : undefined);
  const [b, a] = [input(rc.change.before), input(rc.change.after)];
  const any = a ?? b;
  if (!any || typeof any.host !== "string" || typeof any.path !== "string" || typeof any.content !== "string") return undefined;
  // A review copy's content is never a secret (markers only), but respect the plan's marks all the same.
  const text = (v: Record<string, Json> | undefined, sensitive: unknown) => (v && typeof v.content === "string" ? (isObject(sensitive) && isObject(sensitive.input) && sensitive.input.content === true ? "(sensitive)\n" : v.content) : undefined);
  return { host: any.host, path: any.path, ...(b ? { before: text(b, rc.change.before_sensitive) } : {}), ...(a ? { after: text(a, rc.change.after_sensitive) } : {}) };
}

function fileDiff(copy: ReviewCopy): string {
  const patch = createTwoFilesPatch(copy.path, copy.path, copy.before ?? "", copy.after ?? "", "", "", { context: 2 });
  // Drop jsdiff's "Index:" and separator lines; keep ---/+++ and the hunks.
  return patch.split("\n").filter((l, i) => i > 1 || !/^(Index: |=+$)/.test(l)).join("\n").trimEnd();
}

function reasonOf(rc: ResourceChange): string {
  const parts: string[] = [];
  if (rc.action_reason) parts.push(REASONS[rc.action_reason] ?? rc.action_reason);
  const paths = (rc.change.replace_paths ?? []).map((p) => p.join("."));
  if (paths.length > 0) {
    // OpenTofu names the whole map when a terraform_data's triggers change: which keys did.
    const triggerMaps = [rc.change.before, rc.change.after].map((v) => (isObject(v) && isObject(v.triggers_replace) ? v.triggers_replace : {}));
    const changedTriggers = Object.keys({ ...triggerMaps[0], ...triggerMaps[1] }).filter((k) => JSON.stringify(triggerMaps[0][k]) !== JSON.stringify(triggerMaps[1][k]));
    const triggers = [...paths.filter((p) => p.startsWith("triggers_replace.")).map((p) => p.split(".")[1]), ...(paths.includes("triggers_replace") ? changedTriggers : [])];
    const meanings = triggers.map((t) => TRIGGER_MEANING[t]).filter(Boolean);
    parts.push(`forced by \`${paths.join("`, `")}\`${meanings.length ? ` (${meanings.join("; ")})` : ""}`);
  }
  return parts.join("; ");
}

/** The summary, in Markdown. */
export function summarizePlan(plan: PlanJson, ctx: SummaryContext): string {
  const changes = plan.resource_changes ?? [];
  const kinds = new Map<Kind, number>();
  for (const rc of changes) kinds.set(kindOf(rc.change.actions), (kinds.get(kindOf(rc.change.actions)) ?? 0) + 1);
  const acting = changes.filter((rc) => kindOf(rc.change.actions) !== "no-op" || rc.previous_address);
  const count = (k: Kind) => kinds.get(k) ?? 0;
  const out: string[] = [];
  out.push(`# Plan of ${ctx.deployment}`, "");
  out.push(`OpenTofu ${plan.terraform_version ?? "?"}, planned ${plan.timestamp ?? "?"}. Apply exactly this plan with \`npm run apply -- ${ctx.planFile}\`.`, "");
  const totals = (["create", "update", "replace", "delete", "forget"] as const).map((k) => `${count(k)} to ${VERB[k]}`);
  const moved = changes.filter((rc) => rc.previous_address).length;
  out.push(`**${totals.join(", ")}**${moved ? `, ${moved} moved` : ""}; ${count("no-op")} unchanged.`, "");
  if (acting.length === 0) out.push("No changes: the hosts and the cloud resources match the configuration.", "");

  const destructive = acting.filter((rc) => ["replace", "delete"].includes(kindOf(rc.change.actions)));
  if (destructive.length > 0) {
    out.push("## Replacements and deletions", "");
    for (const rc of destructive) {
      const role = roleOf(rc);
      const what = role ? ` (role ${role.role} on ${role.host}: it runs again)` : "";
      out.push(`- **${VERB[kindOf(rc.change.actions)]}** \`${rc.address}\`${what}${reasonOf(rc) ? `: ${reasonOf(rc)}` : ""}`);
    }
    out.push("");
  }

  // Roles and their review copies, grouped by host, then role.
  const roleChanges = acting.map((rc) => ({ rc, role: roleOf(rc) })).filter((x): x is { rc: ResourceChange; role: RoleKey } => x.role !== undefined);
  const allRoles = changes.map(roleOf).filter((r): r is RoleKey => r !== undefined);
  const copies = acting.map((rc) => ({ rc, copy: reviewCopyOf(rc) })).filter((x): x is { rc: ResourceChange; copy: ReviewCopy } => x.copy !== undefined);
  // The longest role prefix of the review copy's name is its role (names are <host>_<role>_<path>).
  const roleOfCopy = (rc: ResourceChange, copy: ReviewCopy) =>
    allRoles.filter((r) => r.host === copy.host && rc.name.startsWith(`${r.host}_${r.role}_`)).sort((a, b) => b.role.length - a.role.length)[0]?.role ?? "?";
  const hosts = [...new Set([...roleChanges.map((x) => x.role.host), ...copies.map((x) => x.copy.host)])].sort();
  const grouped = new Set<string>();
  if (hosts.length > 0) {
    out.push("## Changes by host and role", "");
    for (const host of hosts) {
      out.push(`### ${host}`, "");
      const roles = [...new Set([...roleChanges.filter((x) => x.role.host === host).map((x) => x.role.role), ...copies.filter((x) => x.copy.host === host).map((x) => roleOfCopy(x.rc, x.copy))])].sort();
      for (const role of roles) {
        const unit = roleChanges.find((x) => x.role.host === host && x.role.role === role);
        const files = copies.filter((x) => x.copy.host === host && roleOfCopy(x.rc, x.copy) === role);
        const action = unit ? `${kindOf(unit.rc.change.actions) === "replace" ? "runs again" : VERB[kindOf(unit.rc.change.actions)]}${unit.rc.previous_address ? ` (moved from \`${unit.rc.previous_address}\`)` : ""}` : "files only";
        out.push(`#### ${role}: ${action}`, "");
        if (unit) grouped.add(unit.rc.address);
        for (const { rc, copy } of files) {
          grouped.add(rc.address);
          const kind = kindOf(rc.change.actions);
          const lines = (t?: string) => {
            const n = t ? t.replace(/\n$/, "").split("\n").length : 0;
            return `${n} line${n === 1 ? "" : "s"}`;
          };
          // A changed file shows its diff; a new or removed one only its size (a first plan stays short).
          if (kind === "update" || (kind === "replace" && copy.before !== copy.after)) out.push(`\`${copy.path}\` (changed):`, "", "```diff", fileDiff(copy), "```", "");
          else if (kind === "create" || kind === "replace") out.push(`- \`${copy.path}\`: new, ${lines(copy.after)}${rc.previous_address ? ` (moved from \`${rc.previous_address}\`)` : ""}`);
          else if (kind === "delete") out.push(`- \`${copy.path}\`: removed`);
          else out.push(`- \`${copy.path}\`: ${VERB[kind]}${rc.previous_address ? ` (moved from \`${rc.previous_address}\`)` : ""}`);
        }
        if (out[out.length - 1] !== "") out.push("");
      }
    }
  }

  const others = acting.filter((rc) => !grouped.has(rc.address));
  if (others.length > 0) {
    out.push("## Other resources", "");
    for (const rc of others) {
      const kind = kindOf(rc.change.actions);
      const attrs = kind === "update" || kind === "replace" ? changedAttributes(rc.change) : [];
      out.push(`- **${VERB[kind]}** \`${rc.address}\`${rc.previous_address ? ` (moved from \`${rc.previous_address}\`)` : ""}${attrs.length ? `: ${attrs.join("; ")}` : ""}`);
    }
    out.push("");
  }

  const drift = plan.resource_drift ?? [];
  if (drift.length > 0) {
    out.push("## Changed outside OpenTofu (drift)", "", "The state was refreshed to these; the plan above already accounts for them.", "");
    for (const rc of drift) {
      const attrs = changedAttributes(rc.change);
      out.push(`- \`${rc.address}\` ${kindOf(rc.change.actions) === "delete" ? "was deleted" : "changed"}${attrs.length ? `: ${attrs.join("; ")}` : ""}`);
    }
    out.push("");
  }

  const outputs = Object.entries(plan.output_changes ?? {}).filter(([, c]) => kindOf(c.actions) !== "no-op");
  if (outputs.length > 0) {
    out.push("## Outputs", "");
    for (const [name, c] of outputs) out.push(`- \`${name}\`: ${VERB[kindOf(c.actions)]}`);
    out.push("");
  }
  return `${out.join("\n").trimEnd()}\n`;
}
