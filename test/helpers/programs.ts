import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./examples";

export { program, run, runAsync, type RunOptions, type RunResult } from "../../tools/programs";

/** Where scripts/deps/validators.sh installs checkov. */
export const TOOLS_VENV = join(ROOT, ".cache", "venv-tools");

/** A fresh temporary folder, removed by the returned function. */
export function tempDir(prefix: string): { readonly dir: string; readonly remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
