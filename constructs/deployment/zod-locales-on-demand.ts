/**
 * zod loads every one of its sixty-odd locales when it loads (its `locales` export), though
 * the schema's messages are its own and zod's English fallback comes from a file zod loads
 * directly: about 45 ms of each synth, a tenth of the app's own time, for nothing read.
 * Imported before zod, this module leaves a stand-in for the locales' index in Node's module
 * cache that loads the real index on first use, so `z.locales` still works as documented.
 * If zod's layout changes (no such index), zod loads as it always did.
 */
import Module from "node:module";

const index = locateIndex();
if (index !== undefined && require.cache[index] === undefined) {
  const target: Record<PropertyKey, unknown> = {};
  let loaded = false;
  const load = (): void => {
    if (loaded) return;
    loaded = true;
    delete require.cache[index];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    Object.defineProperties(target, Object.getOwnPropertyDescriptors(require(index) as object));
  };
  const standIn = new Module(index);
  standIn.filename = index;
  standIn.loaded = true;
  standIn.exports = new Proxy(target, {
    // Answered without loading: zod asks it of every module it imports (TypeScript's __importStar).
    get: (t, key) => (key === "__esModule" && !loaded ? true : (load(), Reflect.get(t, key))),
    has: (t, key) => (load(), Reflect.has(t, key)),
    ownKeys: (t) => (load(), Reflect.ownKeys(t)),
    getOwnPropertyDescriptor: (t, key) => (load(), Reflect.getOwnPropertyDescriptor(t, key)),
  });
  require.cache[index] = standIn;
}

function locateIndex(): string | undefined {
  try {
    return require.resolve("zod/v4/locales");
  } catch {
    return undefined;
  }
}
