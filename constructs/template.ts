import { readFileSync } from "node:fs";
import { join } from "node:path";
import Mustache from "mustache";
import { SECRET_VIEW } from "./markers";

export const TEMPLATES_DIR = join(__dirname, "..", "templates");

const cache = new Map<string, string>();

function templateText(path: string): string {
  let template = cache.get(path);
  if (template === undefined) {
    template = readFileSync(join(TEMPLATES_DIR, path), "utf8");
    cache.set(path, template);
  }
  return template;
}

/**
 * Renders templates/<path> with mustache; no HTML escaping (these are config files).
 * Every template sees `secrets.<name>` as that secret's marker; `{{> poc/x.mustache}}`
 * includes templates/poc/x.mustache with the same view.
 */
export function renderTemplate(path: string, view: object): string {
  return Mustache.render(templateText(path), { ...view, secrets: SECRET_VIEW }, templateText, { escape: (v: unknown) => String(v) });
}
