import { posix } from "node:path";

/** Where `npm run plan` writes a deployment's plan by default: <name>.plan beside its file (as the runbooks name it). */
export const planFolder = (file: string, name: string): string => posix.join(posix.dirname(file), `${name}.plan`);

/** A Markdown table; a cell's pipes are escaped and its line breaks become <br>. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", "<br>");
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)];
}

/** Where a runnable block runs: on these hosts as root, or on the operator's machine. */
export type RunsOn = { readonly hosts: readonly string[] } | "operator";

/** A runbook's shell block, as the lab reads it back from the generated text. */
export interface RunnableBlock {
  readonly commands: string;
  /** Empty when the text names the hosts in its own words (each role's checks run on that role's hosts). */
  readonly on: readonly string[] | "operator";
}

/**
 * A shell block the lab runs from the generated text (its info string names it, and where
 * it runs), so a procedure that stops working fails a test instead of an operator.
 */
export function runnableBlock(id: string, commands: readonly string[], on?: RunsOn): string[] {
  const where = on === undefined ? "" : on === "operator" ? " on=operator" : ` on=${on.hosts.join(",")}`;
  return [`\`\`\`sh runnable=${id}${where}`, ...commands, "```"];
}

/** The runnable blocks of a runbook by name. */
export function runnableBlocks(markdown: string): Map<string, RunnableBlock> {
  const blocks = new Map<string, RunnableBlock>();
  // A block inside a numbered step is indented with it; its commands lose that indentation.
  for (const m of markdown.matchAll(/^( *)```sh runnable=([\w-]+)(?: on=(\S+))?\n([\s\S]*?)^\1```$/gm)) {
    const commands = m[4].replace(new RegExp(`^${m[1]}`, "gm"), "");
    blocks.set(m[2], { commands, on: m[3] === "operator" ? "operator" : (m[3]?.split(",") ?? []) });
  }
  return blocks;
}
