/**
 * Defers a module that a dependency loads when it loads but that a synth never uses: a
 * stand-in goes into Node's module cache, and the real module loads on first use (any
 * property read, call or `new`), so code that does use it sees no difference. Must run
 * before the dependency that requires it. A module that cannot be resolved (a dependency's
 * layout changed) is left alone: it then loads as it always did.
 */
import Module from "node:module";
import { dirname } from "node:path";

export interface OnDemandOptions {
  /** What the module exports: a plain object, or a function (called, maybe with `new`). */
  readonly exports: "object" | "function";
  /** The answer to `__esModule` before the module loads: TypeScript's `__importStar` asks it of every module it imports, and loading for that question would defeat the point. */
  readonly esModule?: boolean;
  /** The package whose dependency it is, when that package has its own copy (resolved from there, as its `require` does). */
  readonly dependencyOf?: string;
}

/** True when a stand-in for `specifier` is now in place. */
export function loadOnDemand(specifier: string, options: OnDemandOptions): boolean {
  let path: string;
  try {
    const from = options.dependencyOf === undefined ? undefined : [dirname(require.resolve(options.dependencyOf))];
    path = require.resolve(specifier, from && { paths: from });
  } catch {
    return false;
  }
  if (require.cache[path] !== undefined) return false;
  // The target takes the real module's own properties once loaded, which keeps the Proxy's
  // invariants (a function target for a function, so `apply` and `construct` are allowed).
  const target: object = options.exports === "function" ? function standIn() {} : {};
  let real: unknown;
  const load = (): unknown => {
    if (real === undefined) {
      delete require.cache[path];
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      real = require(path) as unknown;
      Object.defineProperties(target, Object.getOwnPropertyDescriptors(real));
    }
    return real;
  };
  const standIn = new Module(path);
  standIn.filename = path;
  standIn.loaded = true;
  standIn.exports = new Proxy(target, {
    get: (t, key) => (key === "__esModule" && real === undefined && options.esModule !== undefined ? options.esModule : (load(), Reflect.get(t, key))),
    has: (t, key) => (load(), Reflect.has(t, key)),
    ownKeys: (t) => (load(), Reflect.ownKeys(t)),
    getOwnPropertyDescriptor: (t, key) => (load(), Reflect.getOwnPropertyDescriptor(t, key)),
    apply: (_t, self, args) => Reflect.apply(load() as (...a: unknown[]) => unknown, self, args),
    construct: (_t, args, newTarget) => Reflect.construct(load() as new (...a: unknown[]) => object, args, newTarget === standIn.exports ? (load() as new (...a: unknown[]) => object) : newTarget),
  });
  require.cache[path] = standIn;
  return true;
}
