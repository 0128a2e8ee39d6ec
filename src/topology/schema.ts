// Stage 2a: validate plain data against the precompiled topology schema and turn ajv's
// errors into human diagnostics (file:line:col, pointer, code, message, hint).
import type { ErrorObject } from 'ajv';
import validateTopology from '../generated/validate-topology.js';
import { didYouMean, error, pointer, splitPointer, type Diagnostic } from '../diagnostics.js';
import type { SourceMap } from './load.js';
import { topologySchema } from './schema-json.js';
import { BRIEF_JSON, codeBrief, collectionBrief, quotedBrief } from './brief.js';

/** How the schema's pattern for label and annotation keys (a Kubernetes qualified name) starts: its optional DNS-1123 subdomain prefix. */
const QUALIFIED_KEY_START = '^((?=[^/]{1,253}/)[a-z0-9]';
/** How the schema's pattern for a memory quantity starts. */
const MEMORY_PATTERN_START = '^[0-9]+(\\.[0-9]+)?(Ki';
const QUALIFIED_KEY_HINT = "a Kubernetes key: letters, digits, '-', '_' and '.' between them (at most 63), after an optional DNS subdomain (at most 253) and / (example.com/team)";

/** Human path for messages: /services/web/replicas → services.web.replicas */
export const dotted = (ptr: string): string =>
  splitPointer(ptr).reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '') || '(top level)';

/** `sidecars[0].mounts[1]`: `ptr` dotted, relative to `base` above it, for a message that names `base` already. */
export const dottedUnder = (base: string, ptr: string): string => dotted(ptr).slice(dotted(base).length + 1);

export function schemaDiagnostics(data: unknown, file: string, source: SourceMap, locateOverride?: (ptr: string, which: 'key' | 'value') => { line: number; col: number }): Diagnostic[] {
  if (validateTopology(data)) return [];
  const errors = pruneErrors(validateTopology.errors ?? [], data);
  const locate = locateOverride ?? ((p: string, w: 'key' | 'value') => source.locate(p, w));
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  // a key's own error (bad pattern, too long) says more than the summary `propertyNames` error
  const specific = new Set(errors.filter((e) => e.keyword !== 'propertyNames' && (e as ErrorObject & { propertyName?: string }).propertyName !== undefined).map((e) => e.instancePath + pointer(String((e as ErrorObject & { propertyName?: string }).propertyName))));
  for (const e of errors) {
    if (e.keyword === 'propertyNames' && specific.has(e.instancePath + pointer(String((e.params as { propertyName?: unknown }).propertyName)))) continue;
    const d = describe(e, data);
    const pos = locate(d.locateAt ?? d.pointer, d.at);
    const key = `${d.pointer}|${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(error(d.code, d.message, { file, pointer: d.pointer, line: pos.line, col: pos.col, ...(d.hint ? { hint: d.hint } : {}) }));
  }
  return out;
}

/** Drop the noise ajv produces for anyOf/oneOf branches and discriminator mismatches. */
function pruneErrors(errors: ErrorObject[], data: unknown): ErrorObject[] {
  // an anyOf over a mapping whose fault lies inside it (`broker: { url: ... }` with a bad url): the
  // errors there say what is wrong, the summary ("a name or { url: ... }") does not; env
  // references have their own (envKeyProblem)
  const inside = new Set<string>();
  for (const a of errors) {
    if (a.keyword !== 'anyOf' || /\/env\/[^/]+$/.test(a.instancePath)) continue;
    const v = valueAt(data, a.instancePath);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) continue;
    if (errors.some((e) => e.keyword !== 'anyOf' && /\/anyOf\/\d+/.test(e.schemaPath) && e.instancePath.startsWith(a.instancePath + '/'))) inside.add(a.instancePath);
  }
  const seen = new Set<string>();
  errors = errors.filter((e) => {
    // the summary, and what the other branches say of the mapping itself (not a string, ...)
    if (inside.has(e.instancePath) && (e.keyword === 'anyOf' || /\/anyOf\/\d+/.test(e.schemaPath))) return false;
    // (two branches may fault the same property alike)
    const key = `${e.instancePath}\0${e.keyword}\0${e.message}`;
    if ([...inside].some((p) => e.instancePath.startsWith(p + '/'))) {
      if (seen.has(key)) return false;
      seen.add(key);
    }
    return true;
  });
  const anyOfPaths = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath);
  const badPattern = new Set(errors.filter((e) => e.keyword === 'enum' && e.instancePath.endsWith('/pattern')).map((e) => e.instancePath.slice(0, -'/pattern'.length)));
  // a missing `pattern` is said once, by the `required` error (the discriminator says it again)
  const noPattern = new Set(errors.filter((e) => e.keyword === 'required' && (e.params as { missingProperty?: string }).missingProperty === 'pattern').map((e) => e.instancePath));
  return errors.filter((e) => {
    if (e.keyword === 'discriminator') return !badPattern.has(e.instancePath) && !noPattern.has(e.instancePath) && e.params.error !== 'mapping';
    if (e.keyword === 'if' || e.keyword === 'oneOf') return false;
    // errors inside an anyOf's branches are summarised by the anyOf error itself
    if (e.keyword !== 'anyOf' && /\/anyOf\/\d+/.test(e.schemaPath) && anyOfPaths.some((p) => e.instancePath === p || e.instancePath.startsWith(p + '/'))) return false;
    return true;
  });
}

interface Described {
  code: string;
  message: string;
  hint?: string;
  pointer: string;
  at: 'key' | 'value';
  /** where to look for it first, when that differs from `pointer` */
  locateAt?: string;
}

const NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/** A Secret or ConfigMap key as the API server takes it; the schema's `key` pattern and length (test/bad-input.test.ts holds them equal). */
export const CONFIG_KEY_PATTERN = '^(?!\\.\\.)(?!\\.$)[-._a-zA-Z0-9]+$';

/** An env reference ({ secret, key } / { configMap, key }) whose fault is its key: said at the key, which the anyOf summary would hide. */
function envKeyProblem(path: string, value: unknown): Described | undefined {
  if (!/\/env\/[^/]+$/.test(path) || value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const kind = typeof v.secret === 'string' ? 'Secret' : typeof v.configMap === 'string' ? 'ConfigMap' : undefined;
  if (!kind || typeof v.key !== 'string' || (v.key.length <= 253 && new RegExp(CONFIG_KEY_PATTERN).test(v.key))) return undefined;
  return {
    code: 'bad-format',
    message: `${dotted(path)}.key ${show(v.key)} is not a ${kind} key: letters, digits, '-', '_' and '.', at most 253, not \`.\` and not starting with \`..\``,
    pointer: `${path}/key`,
    at: 'value',
  };
}

function describe(e: ErrorObject, data: unknown): Described {
  const path = e.instancePath;
  const where = dotted(path);
  const value = valueAt(data, path);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const missing = String(p.missingProperty);
      // (located at the key itself where it is written: an environment that sets it to null)
      return { code: 'missing-key', message: `${path === '' ? 'the topology' : where} is missing the required key \`${missing}\``, hint: `add \`${missing}:\` ${requiredHint(missing)}`, pointer: path, at: 'key', locateAt: path + pointer(missing) };
    }
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const key = String(p.additionalProperty ?? p.unevaluatedProperty);
      const allowed = allowedKeys(data, path);
      const guess = didYouMean(key, allowed);
      return {
        code: 'unknown-key',
        message: `unknown key ${codeBrief(key)} ${path === '' ? 'at the top level' : `in ${where}`}`,
        hint: guess ? `did you mean \`${guess}\`?` : allowed.length ? `allowed keys here: ${allowed.join(', ')}` : 'remove it',
        pointer: path + pointer(key),
        at: 'key',
      };
    }
    case 'type': {
      const want = String(p.type).split(',').map((t) => TYPE_NAMES[t] ?? t).join(' or ');
      const got = describeType(value);
      // a bare number where a duration goes: quoting it (the usual hint) gives `"60"`, no duration either
      const hint = typeof value === 'number' && e.schemaPath.includes('/duration/') ? durationHint(value) : want.includes('string') ? quoteHint(value) : unquoteHint(value, want);
      return { code: 'wrong-type', message: `${where} must be ${article(want)}, not ${got}`, ...(hint ? { hint } : {}), pointer: path, at: 'value' };
    }
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(String);
      const guess = typeof value === 'string' ? didYouMean(value, allowed) : undefined;
      return { code: 'bad-value', message: `${where} must be one of ${allowed.join(', ')}; got ${show(value)}`, hint: guess ? `did you mean \`${guess}\`?` : `use one of: ${allowed.join(', ')}`, pointer: path, at: 'value' };
    }
    case 'const':
      return { code: 'bad-value', message: `${where} must be ${show(p.allowedValue)}; got ${show(value)}`, hint: `write \`${lastKey(path)}: ${String(p.allowedValue)}\``, pointer: path, at: 'value' };
    case 'propertyNames':
      return { code: 'bad-name', message: `${show(p.propertyName)} in ${where} is not a valid name`, hint: 'names are DNS-1123 labels: lowercase letters, digits and -, starting and ending with a letter or digit, at most 63 characters', pointer: path + pointer(String(p.propertyName)), at: 'key' };
    case 'pattern': {
      const pat = String(p.pattern);
      const prop = (e as ErrorObject & { propertyName?: string }).propertyName;
      if (prop !== undefined) {
        // propertyNames sub-errors: reported once by the propertyNames error
        const qualified = pat.startsWith(QUALIFIED_KEY_START);
        const hint = qualified ? QUALIFIED_KEY_HINT : nameHint(prop, pat);
        return { code: 'bad-name', message: `${show(prop)} in ${where} is not a valid ${qualified ? 'key' : 'name'}`, ...(hint ? { hint } : {}), pointer: path + pointer(prop), at: 'key' };
      }
      return { code: 'bad-format', message: `${where} ${patternMessage(pat, value)}`, hint: nameHint(String(value), pat), pointer: path, at: 'value' };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { code: 'out-of-range', message: `${where} must be ${p.comparison} ${p.limit}; got ${show(value)}`, pointer: path, at: 'value' };
    case 'uniqueItems': {
      // (Ajv: items i and j are equal; said at the repeat, the later one)
      const [first, again] = [Math.min(Number(p.i), Number(p.j)), Math.max(Number(p.i), Number(p.j))];
      return { code: 'duplicate-item', message: `${where} lists ${show((value as unknown[])[again])} twice (items ${first + 1} and ${again + 1})`, hint: 'remove the repeated entry', pointer: `${path}/${again}`, at: 'value' };
    }
    case 'minItems':
      return { code: 'too-few', message: `${where} needs at least ${p.limit} item${p.limit === 1 ? '' : 's'}`, pointer: path, at: 'value' };
    case 'minProperties':
      return { code: 'too-few', message: `${where} needs at least ${p.limit} entr${p.limit === 1 ? 'y' : 'ies'}`, pointer: path, at: 'value' };
    case 'maxLength':
    case 'minLength': {
      const prop = (e as ErrorObject & { propertyName?: string }).propertyName;
      const subject = prop !== undefined ? show(prop) : where;
      const ptr = prop !== undefined ? path + pointer(prop) : path;
      return { code: 'bad-length', message: `${subject} must be ${e.keyword === 'maxLength' ? 'at most' : 'at least'} ${p.limit} character${p.limit === 1 ? '' : 's'} long`, pointer: ptr, at: prop !== undefined ? 'key' : 'value' };
    }
    case 'anyOf': {
      const badKey = envKeyProblem(path, value);
      if (badKey) return badKey;
      const hint = /\/env\/[^/]+$/.test(path) ? quoteHint(value) : undefined;
      return { code: 'bad-value', message: `${where} ${anyOfMessage(path)}; got ${show(value)}`, ...(hint ? { hint } : {}), pointer: path, at: 'value' };
    }
    case 'discriminator':
      return { code: 'missing-key', message: `${where} needs a \`pattern\``, hint: 'one of replicated, sharded, scatter-gather, function, work-queue, batch', pointer: path, at: 'key' };
    default:
      return { code: 'invalid', message: `${where} ${e.message ?? 'is invalid'}`, pointer: path, at: 'value' };
  }
}

function anyOfMessage(path: string): string {
  if (/\/env\/[^/]+$/.test(path)) return 'must be a string, or { secret: NAME, key: KEY }, or { configMap: NAME, key: KEY }';
  if (path.endsWith('/trigger')) return 'must be `http`, { schedule: "CRON" } or { queue: WORK-QUEUE-SERVICE }';
  if (path.endsWith('/broker')) return 'must be a broker name or { url: ... }';
  return 'does not match any allowed form';
}

function requiredHint(key: string): string {
  const examples: Record<string, string> = {
    apiVersion: '(ddp/v1)', kind: '(Topology)', metadata: 'with a `name`', services: 'with at least one service',
    name: '(a DNS-1123 label)', image: '(e.g. ghcr.io/acme/web:1.4.2)', pattern: '(replicated, sharded, scatter-gather, function, work-queue or batch)',
    shards: '(2 or more)', secret: '(the name of a TLS secret)', lock: '(a Lease name)', host: '(e.g. shop.example.com)',
  };
  return examples[key] ?? '';
}

function patternMessage(pat: string, value: unknown): string {
  if (pat === NAME_PATTERN) return `${show(value)} is not a DNS-1123 label`;
  if (pat.startsWith('^([0-9]+m|')) return `${show(value)} is not a CPU quantity (e.g. 250m, 0.5, 1)`;
  if (pat.startsWith(MEMORY_PATTERN_START)) return `${show(value)} is not a memory quantity (e.g. 128Mi, 1Gi)`;
  if (pat.startsWith('^[0-9]{1,9}(ms|s|m|h)')) return `${show(value)} is not a duration (at most 9 digits and a unit, e.g. 500ms, 2s, 5m)`;
  if (pat.startsWith('^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.')) return `${show(value)} is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', e.g. fast-ssd)`;
  if (pat.startsWith('^([A-Za-z0-9]([-A-Za-z0-9_.]*')) return `${show(value)} is not a Kubernetes label value (letters, digits, '-', '_' and '.' between them, at most 63)`;
  if (pat.startsWith('^/')) {
    if (typeof value !== 'string' || !value.startsWith('/')) return `must be an absolute path starting with /; got ${show(value)}`;
    return pat.includes('\\s') ? `${show(value)} has a space or a control character (percent-encode it, e.g. %20)` : `${show(value)} has a control character (a newline, a tab, ...)`;
  }
  if (pat.startsWith('^(uri|header')) return `${show(value)} is not a shard key (uri, header:NAME, query:NAME or cookie:NAME; a header name starts with a letter)`;
  if (pat.startsWith('^(client|header')) return `${show(value)} is not a split key (client, header:NAME, cookie:NAME or query:NAME; a header name starts with a letter)`;
  if (pat.startsWith('^[^\\s]')) return `${show(value)} is not an image reference (no spaces)`;
  if (pat.startsWith('^(?=[-a-z0-9]*[a-z])')) return `${show(value)} is not a port name (lowercase letters, digits and single '-', with at least one letter, at most 15)`;
  if (pat.startsWith('^(\\*\\.)?')) return `${show(value)} is not a host name (lowercase letters, digits, '-' and '.', each part between dots at most 63 characters, e.g. shop.example.com)`;
  if (pat.startsWith('^(@(yearly')) return `${show(value)} is not a schedule (five fields: minute hour day-of-month month day-of-week, e.g. "30 2 * * *", or @daily)`;
  if (pat.startsWith('^(redis|')) return `${show(value)} is not a broker URL (${pat.slice(2, pat.indexOf(')')).split('|').map((s) => `${s}://`).join(', ')}; no spaces or control characters)`;
  if (pat.startsWith('^[A-Za-z0-9.-]+:')) return `${show(value)} is not host:port with a port from 1 to 65535 (e.g. db.example.com:5432)`;
  if (pat.startsWith('^[A-Za-z0-9._:-]')) return `${show(value)} is not a queue name (letters, digits, '.', '_', ':' and '-')`;
  if (pat.startsWith('^[a-z0-9]([-a-z0-9._]')) return `${show(value)} is not a topic name (lowercase letters, digits, '-', '.' and '_', starting and ending with a letter or digit)`;
  if (pat.startsWith('^(?!\\.\\.)')) return `${show(value)} is not a key Kubernetes takes (letters, digits, '-', '_' and '.', not . or starting with ..)`;
  return `${show(value)} does not match ${pat}`;
}

function nameHint(value: string, pat: string): string | undefined {
  // a memory quantity with Kubernetes' units in the wrong case (128K, 1gi): say the right one
  if (pat.startsWith(MEMORY_PATTERN_START)) {
    const m = /^([0-9]+(?:\.[0-9]+)?)([a-zA-Z]+)$/.exec(value);
    const unit = m ? ['Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'k', 'M', 'G', 'T', 'P'].find((u) => u.toLowerCase() === m[2].toLowerCase()) : undefined;
    return unit ? `Kubernetes writes that unit \`${unit}\`: ${m![1]}${unit}${unit === 'k' ? ` (or ${m![1]}Ki, 1024 bytes to the unit)` : ''}` : 'a number and one of Ki, Mi, Gi, Ti, Pi (powers of 1024) or k, M, G, T, P (of 1000), e.g. 128Mi';
  }
  if (pat !== NAME_PATTERN) return undefined;
  const fixed = value.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
  return `use lowercase letters, digits and '-'${fixed && fixed !== value ? `, e.g. \`${fixed}\`` : ''}`;
}

/** JSON Schema type names in the words of YAML users. */
const TYPE_NAMES: Record<string, string> = { object: 'mapping', array: 'list', boolean: 'boolean (true or false)' };

/** A number or boolean where text is wanted: YAML read `8080` or `true`, the user meant the text. */
function quoteHint(value: unknown): string | undefined {
  return typeof value === 'number' || typeof value === 'boolean' ? `quote it: "${String(value)}"` : undefined;
}

/** A number where a duration is wanted: the same number of seconds, with its unit. */
function durationHint(value: number): string {
  return Number.isInteger(value) && value >= 0 ? `a duration has a unit: ${value}s (or ms, m, h)` : 'a duration is whole digits and a unit: 500ms, 2s, 5m, 1h';
}

/** Quoted digits where a number is wanted. */
function unquoteHint(value: unknown, want: string): string | undefined {
  if (typeof value !== 'string' || !/^(integer|number)/.test(want)) return undefined;
  const t = value.trim();
  if (want.startsWith('integer') ? !/^-?\d+$/.test(t) : !/^-?\d+(\.\d+)?$/.test(t)) return undefined;
  return `write the number without quotes: ${t}`;
}

const article = (t: string) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);
const lastKey = (ptr: string) => splitPointer(ptr).pop() ?? '';

/** What a value is, for a `wrong-type` message: a long string cut (src/topology/brief.ts). */
function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'string') return `the string ${quotedBrief(v)}`;
  return `${typeof v} ${String(v)}`;
}

/** A value in a message: a string between backticks, else as JSON; a long string cut, a long
 *  mapping or list described (src/topology/brief.ts). */
export function show(v: unknown): string {
  if (typeof v === 'string') return codeBrief(v);
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > BRIEF_JSON && v !== null && typeof v === 'object' ? collectionBrief(v) : s;
}

export function valueAt(data: unknown, ptr: string): unknown {
  let cur = data;
  for (const part of splitPointer(ptr)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = Object.prototype.hasOwnProperty.call(cur, part) ? (cur as Record<string, unknown>)[part] : undefined;
  }
  return cur;
}

// ---- which keys the schema allows at a place (for "did you mean") -------------------------
type S = Record<string, unknown>;
function deref(s: S): S {
  let cur = s;
  for (let i = 0; i < 20 && typeof cur.$ref === 'string'; i++) {
    const name = (cur.$ref as string).replace('#/$defs/', '');
    cur = ((topologySchema.$defs as S)[name] ?? {}) as S;
  }
  return cur;
}
function branches(s: S, data: unknown): S[] {
  const r = deref(s);
  const out = [r];
  for (const sub of (r.allOf as S[] | undefined) ?? []) out.push(...branches(sub, data));
  if (r.oneOf && data && typeof data === 'object') {
    const pat = (data as S).pattern;
    const hit = (r.oneOf as S[]).map(deref).find((b) => ((b.properties as S | undefined)?.pattern as S | undefined)?.const === pat);
    if (hit) out.push(...branches(hit, data));
  }
  return out;
}
function child(s: S, data: unknown, key: string): S | undefined {
  for (const b of branches(s, data)) {
    const props = b.properties as S | undefined;
    if (props && Object.prototype.hasOwnProperty.call(props, key)) return props[key] as S;
  }
  for (const b of branches(s, data)) if (b.additionalProperties && typeof b.additionalProperties === 'object') return b.additionalProperties as S;
  for (const b of branches(s, data)) if (b.items && typeof b.items === 'object') return b.items as S;
  return undefined;
}
export function allowedKeys(data: unknown, ptr: string): string[] {
  let s: S | undefined = topologySchema as S;
  let cur: unknown = data;
  for (const part of splitPointer(ptr)) {
    s = s && child(s, cur, part);
    cur = cur && typeof cur === 'object' ? (cur as S)[part] : undefined;
  }
  if (!s) return [];
  const keys = new Set<string>();
  for (const b of branches(s, cur)) for (const k of Object.keys((b.properties as S | undefined) ?? {})) keys.add(k);
  return [...keys].sort();
}
