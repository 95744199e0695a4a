/**
 * The app runs under tsx (cdktf.json), which takes over how Node loads every `.js` and
 * `.cjs` file: for each, tsx reads it and, when its text mentions "import" or "export"
 * (every compiled CommonJS file does: `exports`), parses it to see whether it is an ES module
 * to transform. A synth loads about 260 such files of its dependencies (cdktf, the AWS
 * provider's classes, yaml, zod), all CommonJS, and that parsing is about 6 % of it. From the
 * moment this module loads, a dependency's `.cjs` file, and its `.js` file unless its package
 * is `"type": "module"`, is loaded as Node loads it without tsx (which includes Node's own
 * detection of ES module syntax); the project's TypeScript and ES module packages still go
 * through tsx. Entry points import it first.
 */
import { readFileSync } from "node:fs";
import Module from "node:module";
import { dirname, join, sep } from "node:path";

type Loader = (module: Module, filename: string) => void;
interface CompilingModule extends Module {
  _compile(content: string, filename: string): void;
}

/** How many files were loaded each way in this process (for the tests). */
export const dependencyLoads = { node: 0, tsx: 0 };

const NODE_MODULES = `${sep}node_modules${sep}`;
const extensions = (Module as unknown as { _extensions: Record<string, Loader | undefined> })._extensions;
const packageTypes = new Map<string, boolean>();

/** Whether `dir` is in an ES module package, as Node decides it: the nearest package.json's "type". */
function inModulePackage(dir: string): boolean {
  let known = packageTypes.get(dir);
  if (known === undefined) {
    try {
      known = (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { type?: unknown }).type === "module";
    } catch (e) {
      const parent = dirname(dir);
      known = (e as NodeJS.ErrnoException).code === "ENOENT" && parent !== dir && inModulePackage(parent);
    }
    packageTypes.set(dir, known);
  }
  return known;
}

const tsxLoader = extensions[".js"];
// Only where tsx has taken over (it registers `.ts`); plain Node and Jest need nothing.
if (tsxLoader !== undefined && extensions[".ts"] !== undefined) {
  extensions[".js"] = function nodeLoadsDependencies(this: unknown, module: Module, filename: string): void {
    if (filename.includes(NODE_MODULES) && !filename.includes("?") && (filename.endsWith(".cjs") || !inModulePackage(dirname(filename)))) {
      dependencyLoads.node++;
      (module as CompilingModule)._compile(readFileSync(filename, "utf8"), filename);
    } else {
      dependencyLoads.tsx++;
      tsxLoader.call(this, module, filename);
    }
  };
}
