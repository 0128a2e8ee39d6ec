// Manifests as `ddp lint` reads them: a file's YAML documents as plain data plus, per document, a
// map from an object path (["spec","template","spec","containers",0]) to its line and column
// (yaml's LineCounter and node ranges, as src/topology/load.ts does for the topology).
import { LineCounter, parseAllDocuments, isMap, isSeq, isPair, isScalar, type Node } from 'yaml';
import type { Position } from '../diagnostics.js';
import type { Seg } from './kubernetes-schema.js';

export const MAX_MANIFEST_BYTES = 32 * 1024 * 1024;
const MAX_ALIAS_COUNT = 1000;

export interface SourceDoc {
  index: number; // 0-based position in the file's document stream
  data: unknown;
  /** Where the value (or, with `key`, the key) at `path` starts; the nearest present ancestor otherwise. */
  locate(path: readonly Seg[], which?: 'key' | 'value'): Position;
}

export interface SourceError {
  message: string;
  line: number;
  col: number;
}

export interface ParsedSource {
  docs: SourceDoc[];
  errors: SourceError[];
}

const keyOf = (path: readonly Seg[]) => path.map((s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** Parse a YAML (or JSON) stream. Empty documents (after a trailing `---`, comments only) are dropped. */
export function parseSource(text: string): ParsedSource {
  const lc = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const list = Array.isArray(parsed) ? parsed : [];
  const errors: SourceError[] = [];
  const docs: SourceDoc[] = [];
  list.forEach((doc, index) => {
    for (const e of doc.errors) {
      const p = lc.linePos(e.pos[0]);
      errors.push({ message: e.code === 'DUPLICATE_KEY' ? 'duplicate key: a key may appear only once in a mapping' : `YAML syntax error: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`, line: p.line, col: p.col });
    }
    if (doc.errors.length) return;
    const contents = doc.contents as Node | null;
    if (contents === null || (isScalar(contents) && contents.value === null)) return;
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      const p = lc.linePos(contents.range?.[0] ?? 0);
      errors.push({ message: /alias/i.test(String(e)) ? `more than ${MAX_ALIAS_COUNT} YAML alias expansions` : `YAML error: ${e instanceof Error ? e.message : String(e)}`, line: p.line, col: p.col });
      return;
    }
    const values = new Map<string, number>();
    const keys = new Map<string, number>();
    const walk = (node: unknown, path: Seg[]) => {
      if (isMap(node)) {
        for (const item of node.items) {
          if (!isPair(item)) continue;
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
