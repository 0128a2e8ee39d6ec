// Manifests as `ddp lint` reads them: a file's YAML documents as plain data plus, per document, a
// map from an object path (["spec","template","spec","containers",0]) to its line and column
// (yaml's LineCounter and node ranges, as src/topology/load.ts does for the topology).
import { LineCounter, parseAllDocuments, isAlias, isMap, isSeq, isPair, isScalar, type Alias, type Document, type Node } from 'yaml';
import type { Position } from '../diagnostics.js';
import { describeYamlErrors, loneCrAsLf, notPrintable } from '../topology/load.js';
import type { Seg } from './kubernetes-schema.js';
import { checkAliases } from '../yaml-aliases.js';

export const MAX_MANIFEST_BYTES = 32 * 1024 * 1024;
/** Nodes that YAML aliases may add to one file in all, its documents together (src/yaml-aliases.ts). */
export const MAX_ALIAS_NODES = 1_000_000;

export interface SourceDoc {
  index: number; // 0-based position in the file's document stream
  data: unknown;
  /** Where the value (or, with `key`, the key) at `path` starts; the nearest present ancestor otherwise. */
  locate(path: readonly Seg[], which?: 'key' | 'value'): Position;
}

export interface SourceError {
  message: string;
  hint?: string;
  line: number;
  col: number;
}

export interface ParsedSource {
  docs: SourceDoc[];
  errors: SourceError[];
}

const keyOf = (path: readonly Seg[]) => path.map((s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

// `<<: *common` merge keys resolved as docker compose and kubectl (go-yaml) resolve them; keys
// must be unique, as the API server and compose require.
const PARSE_OPTIONS = { uniqueKeys: true, merge: true, prettyErrors: false } as const;

/**
 * go-yaml (so kubectl and docker compose) takes `\'` in a double-quoted scalar as `'` (a libyaml
 * extension); YAML and the `yaml` library do not (BAD_DQ_ESCAPE). The text with each such escape,
 * as the first parse found them, spelt `\x27`, and a map from its offsets back to `text`'s.
 */
function quoteEscapes(text: string): { text: string; toSource: (offset: number) => number } {
  const same = { text, toSource: (offset: number) => offset };
  if (!text.includes("\\'")) return same;
  const at = parseAllDocuments(text, PARSE_OPTIONS)
    .flatMap((doc) => doc.errors)
    .filter((e) => e.code === 'BAD_DQ_ESCAPE' && text.startsWith("\\'", e.pos[0]))
    .map((e) => e.pos[0])
    .sort((a, b) => a - b);
  if (!at.length) return same;
  let out = '';
  let from = 0;
  for (const p of at) {
    out += `${text.slice(from, p)}\\x27`;
    from = p + 2;
  }
  out += text.slice(from);
  // each escape before an offset of the new text made it 2 characters longer
  return { text: out, toSource: (offset) => offset - 2 * at.filter((p, i) => p + 2 * i + 4 <= offset).length };
}

/** What is wrong with an alias (src/yaml-aliases.ts; lint sets no depth limit), and what to do. */
function aliasProblem(kind: 'no-anchor' | 'cycle' | 'limit' | 'too-deep', name: string): { message: string; hint: string } {
  if (kind === 'no-anchor') return { message: `the alias *${name} names no anchor: there is no &${name} before it in this document`, hint: `define &${name} on the node to repeat, before the alias (anchors do not cross \`---\`)` };
  if (kind === 'cycle') return { message: `the alias *${name} repeats a node that contains it: it would expand forever`, hint: 'an alias may only repeat a node that ends before it' };
  return { message: `YAML aliases expand this file past ${MAX_ALIAS_NODES} nodes at *${name} (a "billion laughs" document?)`, hint: 'write the values out, or use fewer anchors and aliases: each alias repeats everything its anchor holds, aliases inside it included' };
}

/** Parse a YAML (or JSON) stream. Empty documents (after a trailing `---`, comments only) are dropped. */
export function parseSource(raw: string): ParsedSource {
  // CR-only line ends are line breaks (YAML, kubectl)
  const source = loneCrAsLf(raw);
  // a raw control character (NUL, ESC, ...): kubectl refuses the file, and so does ddp, at its place
  const bad = notPrintable(source);
  if (bad) return { docs: [], errors: [{ message: bad.message, hint: bad.hint, line: bad.line, col: bad.col }] };
  const { text, toSource } = quoteEscapes(source);
  const sourceLines = new LineCounter();
  sourceLines.addNewLine(0);
  for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) sourceLines.addNewLine(i + 1);
  // positions in `source`, whatever quoteEscapes changed
  const lc = { linePos: (offset: number) => sourceLines.linePos(toSource(offset)) };
  const parsed = parseAllDocuments(text, PARSE_OPTIONS);
  const list = Array.isArray(parsed) ? parsed : [];
  const errors: SourceError[] = [];
  const docs: SourceDoc[] = [];
  const expansion = { added: 0 }; // what the aliases of the file's documents have added so far
  list.forEach((doc, index) => {
    for (const d of describeYamlErrors(doc, text, (t) => parseAllDocuments(t, PARSE_OPTIONS) as Document.Parsed[], lc.linePos)) {
      const p = lc.linePos(d.offset);
      // (the parser may report one unclosed quote or bracket twice: said once)
      if (!errors.some((x) => x.line === p.line && x.col === p.col && x.message === d.message)) errors.push({ message: d.message, hint: d.hint, line: p.line, col: p.col });
    }
    if (doc.errors.length) return;
    const contents = doc.contents as Node | null;
    if (contents === null || (isScalar(contents) && contents.value === null)) return;
    const aliases = checkAliases({ isAlias, isMap, isSeq, isPair }, contents, { maxAdded: MAX_ALIAS_NODES, budget: expansion });
    if (!aliases.ok) {
      const { kind, at } = aliases.problem;
      const p = lc.linePos(at.range?.[0] ?? 0);
      errors.push({ ...aliasProblem(kind, (at as Alias).source), line: p.line, col: p.col });
      return;
    }
    // where each path is written, before the aliases are inlined
    const values = new Map<string, number>();
    const keys = new Map<string, number>();
    const walk = (node: unknown, path: Seg[]) => {
      if (isMap(node)) {
        for (const item of node.items) {
          // a `<<` merge key: the keys it merges in are located at this mapping (locate's fallback)
          if (!isPair(item) || (isScalar(item.key) && typeof item.key.value === 'symbol')) continue;
          const k = isScalar(item.key) ? String(item.key.value) : String(item.key);
          const child = [...path, k];
          const kn = item.key as Node | null;
          const vn = item.value as Node | null;
          if (kn?.range) keys.set(keyOf(child), kn.range[0]);
          if (vn?.range) values.set(keyOf(child), vn.range[0]);
          else if (kn?.range) values.set(keyOf(child), kn.range[0]);
          walk(item.value, child);
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, i) => {
          const n = item as Node;
          if (n?.range) values.set(keyOf([...path, i]), n.range[0]);
          walk(item, [...path, i]);
        });
      }
    };
    values.set('', contents.range?.[0] ?? 0);
    walk(contents, []);
    aliases.inline();
    let data: unknown;
    try {
      // (no alias is left)
      data = doc.toJS({ maxAliasCount: -1 });
    } catch (e) {
      const p = lc.linePos(contents.range?.[0] ?? 0);
      // (a merge, `<<`, of something else than mappings says why itself)
      errors.push({ message: `YAML error: ${e instanceof Error ? e.message : String(e)}`, line: p.line, col: p.col });
      return;
    }
    docs.push({
      index,
      data,
      locate(path, which = 'value') {
        let parts = [...path];
        for (;;) {
          const k = keyOf(parts);
          const off = which === 'key' ? keys.get(k) ?? values.get(k) : values.get(k) ?? keys.get(k);
          if (off !== undefined) return lc.linePos(off);
          if (parts.length === 0) return { line: 1, col: 1 };
          parts = parts.slice(0, -1);
          which = 'key';
        }
      },
    });
  });
  return { docs, errors };
}
