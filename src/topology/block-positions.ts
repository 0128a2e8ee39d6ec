// Where a JSON pointer's key or value starts in a block-style YAML document, found by reading
// its lines -- or "unknown", and the caller asks the full `yaml` parse (src/topology/load.ts).
// Why: a diagnostic needs a line and column, and the full parse costs ~40 ms for 10 services
// (loading `yaml` and composing the document) and ~170 MB for 10,000: a topology with a single
// warning paid that at every run. Most topologies are block mappings and sequences with plain
// keys, which a line scan reads exactly; anything else on the way (a flow collection, a quoted
// or complex key, an anchor, a tag, a block scalar, a tab, a document marker) is left to the full
// parse. Each mapping and sequence is indexed once, on first use.
// test/property/block-positions.test.ts holds it to the full parse on every pointer of the
// examples, of the bench's synthetic topologies and of random block documents.
import type { Position } from '../diagnostics.js';
import { splitPointer } from '../diagnostics.js';

/** Where a node starts: line index (0-based) and column (0-based). */
interface At {
  line: number;
  col: number;
}
/** An entry of a mapping or an item of a sequence: its key (none for an item) and its value,
 *  undefined when the scan cannot say where it is (an empty value, a block scalar, an anchor...). */
interface Slot {
  key?: At;
  value?: At;
}
type Index = Map<string, Slot> | Slot[] | undefined; // undefined: not a collection the scan reads

export type Found = { key?: Position; value: Position } | 'absent' | 'unknown';

const NOT_PLAIN_START = /^[\s:#'"{}[\],&*!|>%@`?-]/;
const KEY = /^([^:#\s][^:#]*?):(?=\s|$)/;
const SPECIAL_VALUE = /^[|>&*!%@`]/;

export class BlockPositions {
  private readonly lines: string[];
  private readonly index = new Map<string, Index>();

  constructor(text: string) {
    this.lines = text.split('\n');
  }

  find(ptr: string): Found {
    const root = this.firstContent(0);
    if (root === undefined || this.lines[root].startsWith('---') || this.lines[root].startsWith('%')) return 'unknown';
    let slot: Slot = { value: { line: root, col: 0 } };
    for (const part of splitPointer(ptr)) {
      if (!slot.value) return 'unknown';
      const idx = this.indexAt(slot.value);
      if (idx === undefined) return 'unknown';
      const next = Array.isArray(idx) ? (/^(0|[1-9][0-9]*)$/.test(part) ? idx[Number(part)] : undefined) : idx.get(part);
      if (!next) return 'absent';
      slot = next;
    }
    if (!slot.value) return 'unknown';
    const pos = (a: At): Position => ({ line: a.line + 1, col: a.col + 1 });
    return { ...(slot.key ? { key: pos(slot.key) } : {}), value: pos(slot.value) };
  }

  private indexAt(at: At): Index {
    const id = `${at.line}:${at.col}`;
    if (!this.index.has(id)) this.index.set(id, this.read(at));
    return this.index.get(id);
  }

  private read(at: At): Index {
    const text = this.lines[at.line].slice(at.col);
    if (text.startsWith('- ') || text.replace(/\s+$/, '') === '-') return this.readSequence(at);
    if (NOT_PLAIN_START.test(text) || !KEY.test(text)) return undefined;
    return this.readMapping(at);
  }

  /** The entries of the block mapping whose first key is at `at`; undefined if a line of it is not a plain `key:`. */
  private readMapping(at: At): Index {
    const out = new Map<string, Slot>();
    for (let i = at.line; i < this.lines.length; i++) {
      const l = this.lines[i];
      if (i > at.line) {
        if (!isContent(l)) continue;
        const ind = indentOf(l);
        if (ind < at.col) break; // the mapping ended
        if (ind > at.col) continue; // inside an entry's value
      }
      if (l.includes('\t')) return undefined;
      const text = l.slice(at.col);
      const m = KEY.exec(text);
      if (!m || NOT_PLAIN_START.test(text) || m[1] !== m[1].trimEnd()) return undefined;
      if (out.has(m[1])) return undefined; // a duplicate: the full parse reports it
      out.set(m[1], { key: { line: i, col: at.col }, value: this.valueAfter(i, at.col, at.col + m[0].length) });
    }
    return out;
  }

  /** The items of the block sequence whose first `-` is at `at`. */
  private readSequence(at: At): Index {
    const out: Slot[] = [];
    for (let i = at.line; i < this.lines.length; i++) {
      const l = this.lines[i];
      if (!isContent(l)) continue;
      const ind = indentOf(l);
      if (i > at.line && ind < at.col) break;
      if (i > at.line && ind > at.col) continue;
      if (l.includes('\t')) return undefined;
      const text = l.slice(at.col);
      if (!(text.startsWith('- ') || text.replace(/\s+$/, '') === '-')) {
        if (i === at.line) return undefined;
        break; // a key after the sequence (`key:` then `- item` at the key's indentation)
      }
      out.push({ value: this.valueAfter(i, at.col, at.col + 1) });
    }
    return out;
  }

  /** Where the value after `key:` or `-` (at column `at`, ending at column `end` of line `line`)
   *  starts: on that line, or on the next content line when it is nested under it. */
  private valueAfter(line: number, at: number, end: number): At | undefined {
    const rest = this.lines[line].slice(end);
    if (isContent(rest)) {
      const col = end + indentOf(rest);
      return SPECIAL_VALUE.test(this.lines[line][col]) || this.lines[line][col] === '\r' ? undefined : { line, col };
    }
    const next = this.firstContent(line + 1);
    if (next === undefined) return undefined;
    const ind = indentOf(this.lines[next]);
    const seq = /^-(\s|$)/.test(this.lines[next].slice(ind));
    const nested = ind > at || (seq && ind === at && this.lines[line][at] !== '-');
    return nested && !SPECIAL_VALUE.test(this.lines[next][ind]) ? { line: next, col: ind } : undefined;
  }

  private firstContent(from: number): number | undefined {
    for (let i = from; i < this.lines.length; i++) if (isContent(this.lines[i])) return i;
    return undefined;
  }
}

const indentOf = (l: string): number => l.length - l.trimStart().length;
const isContent = (l: string): boolean => l.trim() !== '' && !l.trimStart().startsWith('#');

/** The position `locate` gives: the value's (or the key's), or undefined when only the full parse knows. */
export function blockPosition(found: Found, which: 'key' | 'value'): Position | undefined {
  if (typeof found === 'string') return undefined;
  return which === 'key' && found.key ? found.key : found.value;
}
