import { resolve } from "cdktf/lib/_tokens";
import { extractTokenDouble } from "cdktf/lib/tokens/private/encoding";
import type { IConstruct } from "constructs";

/**
 * cdktf's resolve, with the plain parts of a value passed through untouched. cdktf's own
 * resolve builds a context (closures, a copied key path) for every value it visits, and a
 * deployment's thousands of rendered-file strings hold no token: each of those costs about
 * 10 µs for nothing. Whatever could hold a token goes to cdktf whole, in the same context
 * cdktf's walk would give it (its ancestors here are all plain objects and arrays, which
 * pass nothing down), so the result is cdktf's own: the test "synthesis skips cdktf's
 * redundant resolves" compares the two for every example.
 */
export function resolvePlain(scope: IConstruct, value: unknown): unknown {
  if (typeof value === "string") return mayHoldToken(value) ? resolve(scope, value) : value;
  if (value === undefined || value === null || typeof value === "boolean") return value;
  if (Array.isArray(value)) {
    // A list token is a string or number element; cdktf resolves such a list as a whole.
    if (value.some((x) => typeof x === "number" || (typeof x === "string" && x.includes(TOKEN_MARK)))) return resolve(scope, value);
    const list: unknown[] = [];
    for (const x of value) {
      const resolved = resolvePlain(scope, x);
      if (resolved !== undefined) list.push(resolved);
    }
    return list;
  }
  if (isPlainRecord(value)) {
    const result: Record<string, unknown> = {};
    for (const key in value) {
      const resolved = resolvePlain(scope, value[key]);
      if (resolved !== undefined) result[key] = resolved;
    }
    return result;
  }
  // Numbers (a token may be encoded as one), tokens, class instances: cdktf's walk.
  return resolve(scope, value);
}

/** What every string, list and map token cdktf encodes contains. */
const TOKEN_MARK = "{TfToken[";
/** cdktf's pattern for a number written into a string (encoding.ts), a token's among them. */
const NUMBER_IN_STRING = /[-|\d|.+]+(e[-|\d|.|e|E|+]+)/g;
/**
 * What a number as large as a token's (about -8e298) needs in that pattern: an exponent of
 * three digits or more, or, with two, some 200 digits before it. Hardly any text has it,
 * so the exact search below, slow on long texts full of digits, seldom runs.
 */
const HUGE_NUMBER = /e[-+]?\d{3}|\d{199}/;

/**
 * Whether cdktf could change this string: a token's marker, or a number in it that
 * decodes as a token's. Escapes ("${" and "}" outside a token) cdktf splits off and joins
 * back unchanged, and so does every number that is not a token's.
 */
function mayHoldToken(s: string): boolean {
  if (s.includes(TOKEN_MARK)) return true;
  if (!HUGE_NUMBER.test(s)) return false;
  for (const [n] of s.matchAll(NUMBER_IN_STRING)) if (extractTokenDouble(parseFloat(n), false) !== undefined) return true;
  return false;
}

/** A plain object literal whose keys are plain strings and which is not itself a token. */
function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  if (typeof (value as { resolve?: unknown }).resolve === "function") return false;
  return Object.keys(value).every((key) => !mayHoldToken(key));
}
