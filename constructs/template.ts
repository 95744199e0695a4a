import { readFileSync } from "node:fs";
import { join } from "node:path";
import Mustache from "mustache";
import { SECRET_VIEW } from "./markers";

export const TEMPLATES_DIR = join(__dirname, "..", "templates");

const cache = new Map<string, string>();

/**
 * Renders templates/<path> with mustache; no HTML escaping (these are config files).
 * Every template sees `secrets.<name>` as that secret's marker.
 */
export function renderTemplate(path: string, view: object): string {
  let template = cache.get(path);
  if (template === undefined) {
    template = readFileSync(join(TEMPLATES_DIR, path), "utf8");
    cache.set(path, template);
  }
  return Mustache.render(template, { ...view, secrets: SECRET_VIEW }, {}, { escape: (v: unknown) => String(v) });
}
