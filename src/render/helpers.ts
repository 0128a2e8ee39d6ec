// Template helpers. Every user value enters YAML through `q` (JSON quoting is valid YAML), so
// no value can change the document's structure or its type ("yes", "0755", "1e3" stay strings).

export const quote = (v: unknown): string => {
  if (typeof v !== 'string') return yamlSafeJson(JSON.stringify(v === undefined || v === null ? '' : String(v)));
  // a rendered topology quotes the same few hundred strings (labels, images, quantities) over and over
  let q = quoted.get(v);
  if (q === undefined) {
    q = yamlSafeJson(JSON.stringify(v));
    if (quoted.size >= 50_000) quoted.clear(); // bounded; what is used again is cached again
    quoted.set(v, q);
  }
  return q;
};
const quoted = new Map<string, string>();

/** JSON text, with the characters a YAML stream may not hold raw (DEL, C1 controls, BOM, U+FFFE/FFFF)
 *  and the Unicode line separators escaped as \uXXXX: the same string to JSON and to YAML parsers. */
export const yamlSafeJson = (json: string): string =>
  json.replace(/[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Quote for nginx config strings: double-quoted with \ and " escaped; no newlines. */
export const nginxQuote = (v: unknown): string => `"${String(v).replace(/[\\"$]/g, (c) => (c === '$' ? '${dollar}' : `\\${c}`)).replace(/[\r\n]/g, ' ')}"`;

/** Quote for VCL strings: "..." cannot hold " or newlines; use the long-string form {"..."}. */
export const vclQuote = (v: unknown): string => {
  const s = String(v).replace(/[\r\n]/g, ' ');
  return s.includes('"') ? `{"${s.replace(/"\}/g, '" }')}"}` : `"${s}"`;
};

/** A YAML literal block scalar holding `content` byte for byte, indented by `indent` spaces;
 *  JSON quoting where a block cannot hold the text exactly. */
export function yamlBlock(content: string, indent: number): string {
  const safe = content.length > 0 && !/[^\n\t\x20-\x7e\u00a0-\ud7ff\ue000-\ufffd]/u.test(content) && !/^[ \t]/.test(content) && !/[ \t]\n|[ \t]$/.test(content) && !/\r/.test(content);
  if (!safe) return quote(content);
  const pad = ' '.repeat(indent);
  const body = content.replace(/\n+$/, '');
  const trailing = content.length - body.length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const lines = (chomp === '+' ? content.slice(0, -1) : body).split('\n').map((l) => (l === '' ? '' : pad + l));
  return `|${chomp}\n${lines.join('\n')}`;
}

/** The helpers templates call, by name. Each gets `{ name, hash }` as its last argument (scripts/compile-templates.mjs). */
export const helpers: Record<string, (...args: any[]) => unknown> = {
  q: (v: unknown) => quote(v),
  // Kubernetes expands `$(VAR)` and turns `$$` into `$` in env values, command and args; every
  // `$` doubled reaches the container as written, as compose's `$$` does (targets/compose.ts)
  kubeLiteral: (v: unknown) => (Array.isArray(v) ? v.map(kubeLiteral) : kubeLiteral(String(v))),
  block: (v: unknown, indent: unknown) => yamlBlock(String(v), typeof indent === 'number' ? indent : 2),
  json: (v: unknown) => yamlSafeJson(JSON.stringify(v ?? null)),
  nq: (v: unknown) => nginxQuote(v),
  vq: (v: unknown) => vclQuote(v),
  eq: (a: unknown, b: unknown) => a === b,
  ne: (a: unknown, b: unknown) => a !== b,
  gt: (a: number, b: number) => a > b,
  gte: (a: number, b: number) => a >= b,
  lt: (a: number, b: number) => a < b,
  add: (a: number, b: number) => a + b,
  and: (...args: unknown[]) => args.slice(0, -1).every(Boolean),
  or: (...args: unknown[]) => args.slice(0, -1).some(Boolean),
  not: (a: unknown) => !a,
  len: (a: unknown) => (Array.isArray(a) ? a.length : a && typeof a === 'object' ? Object.keys(a).length : 0),
  isEmpty: (a: unknown) => (Array.isArray(a) ? a.length === 0 : !a || (typeof a === 'object' && Object.keys(a).length === 0)),
  join: (a: unknown[], sep: unknown) => (Array.isArray(a) ? a.join(typeof sep === 'string' ? sep : ',') : ''),
  /** Sorted [key, value] entries of a map, for deterministic iteration. */
  entries: (o: Record<string, unknown> | undefined) => Object.keys(o ?? {}).sort().map((k) => ({ key: k, value: (o as Record<string, unknown>)[k] })),
  /** Merge maps left to right (later wins): (merge a b c) */
  merge: (...args: unknown[]) => Object.assign({}, ...args.slice(0, -1).filter((x) => x && typeof x === 'object')),
  concat: (...args: unknown[]) => args.slice(0, -1).map(String).join(''),
  lookupKey: (o: Record<string, unknown>, k: string) => (o && Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined),
};

/** A string Kubernetes passes on as written: `$` doubled, so neither `$$` nor `$(VAR)` is expanded. */
export function kubeLiteral(s: string): string {
  return s.includes('$') ? s.replaceAll('$', '$$$$') : s;
}
