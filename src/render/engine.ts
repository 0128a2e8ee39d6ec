// The templates of templates/, compiled to JavaScript functions at build time
// (scripts/compile-templates.mjs → src/generated/templates.js): Handlebars templates in strict
// mode with no HTML escaping, run without the Handlebars runtime. A template under a
// `_partials/` folder is the partial `<target>/<file>` (e.g. `kubernetes/container`).
import * as runtime from './runtime.js';
import { helpers } from './helpers.js';
import { makeTemplates } from '../generated/templates.js';

type Tpl = (data: unknown) => string;
let compiled: Record<string, Tpl> | undefined;

function templates(): Record<string, Tpl> {
  return (compiled ??= makeTemplates(runtime, helpers));
}

export function hasTemplate(id: string): boolean {
  return Object.prototype.hasOwnProperty.call(templates(), id);
}

export class TemplateError extends Error {}

/** Render templates/<id>.hbs with data. Throws TemplateError (an internal error) when missing. */
export function render(id: string, data: unknown): string {
  const all = templates();
  const fn = Object.prototype.hasOwnProperty.call(all, id) ? all[id] : undefined;
  if (!fn) throw new TemplateError(`no template ${id}.hbs in templates/`);
  try {
    return fn(data);
  } catch (e) {
    throw new TemplateError(`template ${id}.hbs failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
