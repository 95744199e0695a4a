/** A Markdown table; a cell's pipes are escaped and its line breaks become <br>. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", "<br>");
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)];
}

/**
 * A shell block the lab runs from the generated text (its info string names it), so a
 * procedure that stops working fails a test instead of an operator.
 */
export function runnableBlock(id: string, commands: readonly string[]): string[] {
  return [`\`\`\`sh runnable=${id}`, ...commands, "```"];
}

/** The runnable blocks of a runbook by name, their commands as one script. */
export function runnableBlocks(markdown: string): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const m of markdown.matchAll(/^```sh runnable=([\w-]+)\n([\s\S]*?)^```$/gm)) blocks.set(m[1], m[2]);
  return blocks;
}
