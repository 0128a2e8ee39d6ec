// The few run-time pieces the compiled templates call (scripts/compile-templates.mjs writes
// them into src/generated/templates.js). Each is Handlebars' own rule, in strict mode.

/** @data of a template: @root, and inside `each` @index, @key, @first, @last. */
export type Data = Record<string, unknown>;

const hasOwn = Object.prototype.hasOwnProperty;

/** A field of an object: own properties only (Handlebars' prototype-access rule); throws on null/undefined like Handlebars. */
export function lookup(parent: unknown, name: string): unknown {
  const value = (parent as Record<string, unknown>)[name];
  if (value == null || hasOwn.call(parent, name)) return value;
  return undefined;
}

/** The last field of a plain `{{a.b}}`, which must exist (strict mode). */
export function strict(parent: unknown, name: string, at: string): unknown {
  if (!parent || !(name in (parent as object))) throw new TemplateFieldError(`"${name}" not defined (${at})`);
  return lookup(parent, name);
}

export class TemplateFieldError extends Error {}

/** A function found where a value is wanted is called with the context (Handlebars' lambdas). */
export function lambda(value: unknown, context: unknown, options?: object): unknown {
  return typeof value === 'function' ? (options ? value.call(context, options) : value.call(context)) : value;
}

/** False for `if`: false, 0, "", null, undefined, NaN and the empty list. */
export function empty(value: unknown): boolean {
  return !value || (Array.isArray(value) && value.length === 0);
}

/** A child @data frame for `each` (Handlebars' createFrame). */
export function frame(data: Data): Data {
  const f: Data = Object.assign({}, data);
  f._parent = data;
  return f;
}

/** Own enumerable fields of each source onto target, in order (Handlebars' Utils.extend, used for partial hashes). */
export function extend(target: Record<string, unknown>, ...sources: unknown[]): Record<string, unknown> {
  for (const src of sources) {
    for (const key in src as object) if (hasOwn.call(src, key)) target[key] = (src as Record<string, unknown>)[key];
  }
  return target;
}

/** A value written inside an indented partial: `pad` after each of its newlines but a final one. */
export function reindent(text: string, pad: string): string {
  return text.indexOf('\n') < 0 ? text : text.replace(/\n(?!$)/g, `\n${pad}`);
}

/**
 * `each`: the body once per element of a list (or iterable), or per own key of an object, with
 * @index/@key/@first/@last set on `data`; `otherwise` (the `else`) when there is nothing.
 */
export function iterate(list: unknown, data: Data, body: (item: unknown) => string, otherwise?: () => string): string {
  let out = '';
  let count = 0; // positions visited (a hole in a list counts, as in Handlebars)
  const step = (key: string | number, index: number, last: boolean, item: unknown) => {
    data.key = key;
    data.index = index;
    data.first = index === 0;
    data.last = last;
    out += body(item);
    count++;
  };
  if (list && typeof list === 'object') {
    if (Array.isArray(list)) {
      for (let i = 0; i < list.length; i++) if (i in list) step(i, i, i === list.length - 1, list[i]);
      count = list.length;
    } else if (typeof (list as Iterable<unknown>)[Symbol.iterator] === 'function') {
      const it = (list as Iterable<unknown>)[Symbol.iterator]();
      let cur = it.next();
      for (let i = 0; !cur.done; i++) {
        const next = it.next();
        step(i, i, !!next.done, cur.value);
        cur = next;
      }
    } else {
      const keys = Object.keys(list);
      for (let i = 0; i < keys.length; i++) step(keys[i]!, i, i === keys.length - 1, (list as Record<string, unknown>)[keys[i]!]);
    }
  }
  return count === 0 && otherwise ? otherwise() : out;
}
