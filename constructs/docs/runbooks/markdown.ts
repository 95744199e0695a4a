/** A Markdown table; a cell's pipes are escaped and its line breaks become <br>. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", "<br>");
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)];
}
