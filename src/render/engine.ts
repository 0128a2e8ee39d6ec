// One isolated Handlebars environment (strict, no HTML escaping) over the templates that
// scripts/build.mjs precompiled from templates/. Templates under a `_partials/` folder are
// registered as partials named `<target>/<file>` (e.g. `kubernetes/container`).
import HandlebarsRuntime from 'handlebars/runtime.js';
import type HandlebarsNS from 'handlebars';

const Handlebars = HandlebarsRuntime as unknown as typeof HandlebarsNS;
import { templates } from '../generated/templates.js';
import { registerHelpers } from './helpers.js';

type Tpl = (data: unknown) => string;
let env: { hb: typeof Handlebars; compiled: Map<string, Tpl> } | undefined;

function environment() {
  if (env) return env;
  const hb = Handlebars.create();
  registerHelpers(hb);
  const compiled = new Map<string, Tpl>();
  for (const [id, spec] of Object.entries(templates)) {
    const fn = hb.template(spec as Parameters<typeof hb.template>[0]) as Tpl;
    const m = /^([^/]+)\/_partials\/(.+)$/.exec(id);
    if (m) hb.registerPartial(`${m[1]}/${m[2]}`, fn as unknown as HandlebarsNS.Template);
    else compiled.set(id, fn);
  }
  env = { hb, compiled };
  return env;
}

export function hasTemplate(id: string): boolean {
  return environment().compiled.has(id);
}

export class TemplateError extends Error {}

/** Render templates/<id>.hbs with data. Throws TemplateError (an internal error) when missing. */
export function render(id: string, data: unknown): string {
  const fn = environment().compiled.get(id);
  if (!fn) throw new TemplateError(`no template ${id}.hbs in templates/`);
  try {
    return fn(data);
  } catch (e) {
    throw new TemplateError(`template ${id}.hbs failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
