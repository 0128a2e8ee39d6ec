// The fast YAML path. `yaml` (eemeli) gives exact positions and the diagnostics of load.ts, but
// composes about 0.3 MB/s: a 10,000-service topology (2.7 MB) would take 5–15 s, and re-parsing
// every rendered file (≈ 10 KB per service) far longer. js-yaml reads the same documents 20–50×
// faster. So js-yaml reads the ordinary document; anything unusual goes to the full `yaml` path,
// which stays the one source of diagnostics and positions:
//  - any js-yaml error (syntax, duplicate key, depth, unknown tag), more than one document, or a
//    top level that is not a mapping;
//  - a `%` directive (`%YAML 1.1` changes how scalars resolve);
//  - anchors and aliases (`yaml` bounds what aliases expand to), explicit `?` keys and flow
//    collections as keys, and a key that reads as null (`~:`): js-yaml and `yaml` turn such keys
//    into different strings.
// Scalars resolve by the YAML 1.2 core schema, exactly as `yaml` resolves them (the regular
// expressions below are the spec's and `yaml`'s): `yes`, `on` and `0b11` stay strings, 0755 is
// the number 755, "0755" the string. test/property/fast-yaml.test.ts holds both paths to the same
// data on random documents.
import jsyaml from 'js-yaml';
import { isPlainBlockYaml } from '../output/yaml-check.js';

const { Type, FAILSAFE_SCHEMA, load, loadAll } = jsyaml;

const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT = /^[-+]?[0-9]+$/;
const INT_OCT = /^0o[0-7]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** The YAML 1.2 core schema, resolved as `yaml` resolves it. */
export const CORE = FAILSAFE_SCHEMA.extend({
  implicit: [
    new Type('tag:yaml.org,2002:null', { kind: 'scalar', resolve: (s: string) => NULL.test(s), construct: () => null, predicate: (v) => v === null }),
    new Type('tag:yaml.org,2002:bool', { kind: 'scalar', resolve: (s: string) => BOOL.test(s), construct: (s: string) => s[0] === 't' || s[0] === 'T', predicate: (v) => typeof v === 'boolean' }),
    new Type('tag:yaml.org,2002:int', {
      kind: 'scalar',
      resolve: (s: string) => INT.test(s) || INT_OCT.test(s) || INT_HEX.test(s),
      construct: (s: string) => (INT_OCT.test(s) ? parseInt(s.slice(2), 8) : INT_HEX.test(s) ? parseInt(s.slice(2), 16) : parseInt(s, 10)),
      predicate: (v) => Number.isInteger(v),
    }),
    new Type('tag:yaml.org,2002:float', {
      kind: 'scalar',
      resolve: (s: string) => FLOAT_NAN.test(s) || FLOAT_EXP.test(s) || FLOAT.test(s),
      construct: (s: string) => (FLOAT_NAN.test(s) ? (s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? -Infinity : Infinity) : parseFloat(s)),
      predicate: (v) => typeof v === 'number',
    }),
  ],
});

/** Collections nest far less than this in any topology; deeper documents take the full path (and its `too-deep` diagnostic). */
const FAST_MAX_DEPTH = 64;
/**
 * A `%` directive, an anchor (an alias needs one) or a tag, an explicit `?` key, a flow
 * collection used as a key, or a merge key `<<:` (its mapping may be written in place, no anchor
 * needed; only the full path merges). Quoted text can match too: that only costs the fast path.
 */
const UNUSUAL = /^%|(?:^|[\s[{,])[&!]\S|(?:^|[\s[{,])\?(?:\s|$)|[\]}][ \t]*:(?:\s|$)|(?:^|[\s{,])<<[ \t]*:/m;

/**
 * The document's data (mappings as null-prototype objects), or undefined when the full `yaml`
 * path must decide (see above). Never throws.
 */
export function fastParse(text: string): Record<string, unknown> | undefined {
  if (UNUSUAL.test(text)) return undefined;
  let doc: unknown;
  try {
    doc = load(text, { schema: CORE, json: false });
  } catch {
    return undefined;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  return plain(doc, 0) as Record<string, unknown> | undefined;
}

/** Null-prototype copies; undefined on what `yaml` must handle (a null key, too deep). */
function plain(v: unknown, depth: number): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (depth > FAST_MAX_DEPTH) return undefined;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = plain(v[i], depth + 1);
      if (x === undefined) return undefined;
      out[i] = x;
    }
    return out;
  }
  const out = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(v)) {
    if (k === 'null') return undefined; // `~:` or `null:` — `yaml` makes that key ""
    const x = plain((v as Record<string, unknown>)[k], depth + 1);
    if (x === undefined) return undefined;
    out[k] = x;
  }
  return out;
}

/**
 * Why `text` is not well-formed YAML (every document, duplicate keys included), or undefined
 * when it is. For checking rendered output before it is written.
 */
export function yamlProblem(text: string): string | undefined {
  if (isPlainBlockYaml(text)) return undefined; // what ddp renders: a one-pass check, ~10× faster
  try {
    loadAll(text, undefined, { schema: CORE, json: false });
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message.split('\n')[0] : String(e);
  }
}
