// Plain words for the slips people make in a hand-written YAML file. The `yaml` parser reports
// what it could not read, where it gave up, in its own terms: a key indented one column too far
// under `port: 8080` is "nested mappings are not allowed in compact mappings" and "implicit keys
// need to be on a single line", both at `8080`, while the slip is the next line. Here each of the
// parser's errors is read against the lines of the file: which line is wrong, what is wrong with
// it in the user's words (the key, its column, the column it should be at) and how to fix it.
// One slip is one error: the parser, having lost its place, goes on to report the lines after a
// slip too (every later key of the mapping, when one key is a column off), so a slip comes with
// the edit that repairs it, and describeYamlErrors (src/topology/load.ts) parses the repaired
// text again for what else is wrong; what the repair cannot reach, `explains` drops. For
// topologies and for `ddp lint`; an error not recognised here keeps the parser's message. Pure
// string work: `yaml` is not loaded here.

/** One of the parser's errors (`yaml`'s YAMLError: offsets into the text). */
export interface ParserError {
  pos: [number, number];
  code: string;
  message: string;
}

/** Text from `from` to `to` replaced by `text` (offsets in the text the slip was found in). */
export interface Edit {
  from: number;
  to: number;
  text: string;
}

/** What to say about a slip, and which of the parser's other errors it explains. */
export interface Slip {
  offset: number;
  message: string;
  hint: string;
  /** true for another of the parser's errors (of the same document) that this slip caused */
  explains: (e: ParserError) => boolean;
  /** what the hint says to do, as edits of the text (none when the hint leaves a choice to make) */
  fix?: Edit[];
}

/** The text with `edits` (in order, not overlapping) made. */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  let out = '';
  let at = 0;
  for (const e of edits) {
    out += text.slice(at, e.from) + e.text;
    at = e.to;
  }
  return out + text.slice(at);
}

/** Where an offset of the edited text was before `edits` were made (inside an edit: as near as the edit allows). */
export function offsetBefore(offset: number, edits: readonly Edit[]): number {
  let shift = 0;
  for (const e of edits) {
    const from = e.from + shift;
    if (offset < from) break;
    if (offset < from + e.text.length) return e.from + Math.min(offset - from, e.to - e.from);
    shift += e.text.length - (e.to - e.from);
  }
  return offset - shift;
}

/** A line of the file as block-style YAML sees it. Columns are 0-based offsets in the line. */
interface Line {
  start: number; // offset of the line in the text
  text: string; // without the line break (and a CR before it)
  indent: number; // spaces before the content (a BOM on the first line is not indentation)
  body: number; // where the content starts after the indentation and any `- ` list markers
  dash: boolean; // the line starts a list item
  key?: string; // the key, when the line reads `key: ...` (or `- key: ...`)
  keyEnd?: number; // where the key's `:` is (in the line)
  value?: string; // what follows `key: ` (or `- `), comment dropped
  blank: boolean; // empty, or only a comment
  boundary: boolean; // `---` or `...`: documents do not share their lines
  blockText: boolean; // a line of a block scalar's text (after `key: |`)
}

// (a plain key runs to the first `: `, and not into a comment)
const KEY = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"{[,\]}](?:(?![ \t]#).)*?)[ \t]*:(?=[ \t]|$)/;
const BLOCK_HEADER = /^[|>][-+1-9]*$/;

/** The lines of a text, read when the first of its errors needs them. */
export class Lines {
  private readonly starts: number[] = [0];
  private all: Line[] | undefined;
  private indentStep: number | undefined;
  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  get count(): number {
    return this.starts.length;
  }

  /** The 0-based line of an offset. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Line and column (1-based) of an offset. */
  position(offset: number): { line: number; col: number } {
    const n = this.lineOf(offset);
    return { line: n + 1, col: offset - this.starts[n] + 1 };
  }

  /** Offset just past the end of line n's text. */
  end(n: number): number {
    const l = this.at(n);
    return l.start + l.text.length;
  }

  at(n: number): Line {
    return (this.all ??= this.read())[n];
  }

  /** Every line; those of a block scalar's text marked (they are not keys, however they read). */
  private read(): Line[] {
    const all: Line[] = [];
    let header: number | undefined; // indentation of the line that holds `|` or `>`
    for (let n = 0; n < this.starts.length; n++) {
      const l = readLine(this.text, this.starts[n], n + 1 < this.starts.length ? this.starts[n + 1] : this.text.length + 1);
      all.push(l);
      if (header !== undefined) {
        if (l.text.trim() === '' || l.indent > header) {
          l.blockText = true;
          continue;
        }
        header = undefined;
      }
      if (l.value !== undefined && BLOCK_HEADER.test(l.value)) header = l.indent;
    }
    return all;
  }

  /** Where line n's indentation starts (after a BOM). */
  indentStart(n: number): number {
    const l = this.at(n);
    return l.start + (l.start === 0 && l.text.startsWith('\ufeff') ? 1 : 0);
  }

  /** Edits that move line n `delta` columns (left when negative), and with it the lines after it
   *  at its column (a whole block a column off), and what those hold (the deeper lines after a
   *  `key:` with no value on its line, a block scalar's header or a list item) where they would
   *  no longer be under it: a list item's keys stay in line with its first key. */
  shift(n: number, delta: number): Edit[] {
    const edits: Edit[] = [];
    const move = (r: number, by: number) => {
      const at = this.indentStart(r);
      if (by !== 0 && this.at(r).text.trim() !== '') edits.push(by > 0 ? { from: at, to: at, text: ' '.repeat(by) } : { from: at, to: at + Math.min(-by, this.at(r).indent), text: '' });
    };
    const depth = this.at(n).indent;
    const dash = this.at(n).dash;
    let holder: Line | undefined; // the last line at `depth`, when it holds the deeper lines after it
    let inside = Infinity; // the column of what it holds (its first line's)
    let by = 0; // how far what it holds moves
    for (let r = n; r < this.count; r++) {
      const l = this.at(r);
      if (l.boundary) break;
      if (l.blank && !l.blockText) continue;
      // (a block of one column is lines of one kind: at a list item's column, a key is one of
      // the item's keys when the item is a mapping, else the end of the list)
      if (r > n && l.indent === depth && l.dash !== dash && !(dash && holder?.key !== undefined)) break;
      if (r > n && (l.indent !== depth || l.dash !== dash)) {
        if (l.indent < depth || !holder) break;
        if (inside === Infinity) {
          inside = l.indent;
          const item = holder.dash && holder.key !== undefined;
          by = item ? (l.indent === holder.body + delta ? 0 : delta) : l.indent > depth + delta ? 0 : delta;
        }
        if (l.indent < inside && !l.blockText) break;
        move(r, by);
        continue;
      }
      holder = l.dash || (l.value !== undefined && (l.value === '' || BLOCK_HEADER.test(l.value))) ? l : undefined;
      inside = Infinity;
      move(r, delta);
    }
    return edits;
  }

  /** How far this file indents what a key holds (the most common step; 2 when it says nothing). */
  step(): number {
    if (this.indentStep !== undefined) return this.indentStep;
    const counts = new Map<number, number>();
    let last: Line | undefined;
    for (let n = 0; n < this.count; n++) {
      const l = this.at(n);
      if (l.blank || l.blockText || (l.key === undefined && !l.dash)) continue;
      if (last && last.value === '' && !last.dash && l.indent > last.indent) counts.set(l.indent - last.indent, (counts.get(l.indent - last.indent) ?? 0) + 1);
      last = l;
    }
    let best = 2;
    for (const [step, count] of counts) if (count > (counts.get(best) ?? 0)) best = step;
    return (this.indentStep = best);
  }

  /** The nearest line before n that holds a key or a list item (within the document). */
  previous(n: number): { n: number; line: Line } | undefined {
    for (let r = n - 1; r >= 0; r--) {
      const l = this.at(r);
      if (l.boundary) return undefined;
      if (l.blank || l.blockText || (l.key === undefined && !l.dash)) continue;
      return { n: r, line: l };
    }
    return undefined;
  }
}

function readLine(text: string, start: number, next: number): Line {
  let raw = text.slice(start, next - 1);
  if (raw.endsWith('\r')) raw = raw.slice(0, -1);
  const bom = start === 0 && raw.startsWith('\ufeff') ? 1 : 0;
  const indent = /^ */.exec(raw.slice(bom))![0].length;
  // (a tab in the indentation is an error of its own; what follows it is still read)
  let body = bom + /^[ \t]*/.exec(raw.slice(bom))![0].length;
  let dash = false;
  for (let m; (m = /^-(?:[ \t]+|$)/.exec(raw.slice(body))); ) {
    dash = true;
    body += m[0].length;
  }
  const rest = raw.slice(body);
  const blank = !dash && (rest.trim() === '' || rest.startsWith('#'));
  const boundary = /^(?:---|\.\.\.)(?:\s|$)/.test(raw);
  const line: Line = { start, text: raw, indent, body, dash, blank, boundary, blockText: false };
  const k = KEY.exec(rest);
  if (k) {
    line.key = unquote(k[1]);
    line.keyEnd = body + k[0].length - 1;
    line.value = valueText(raw.slice(line.keyEnd + 1));
  } else if (dash) {
    line.value = valueText(rest);
  }
  return line;
}

/** A value as written, without the comment after it. */
function valueText(s: string): string {
  const t = s.trim();
  const q = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')/.exec(t);
  if (q) return q[1];
  const hash = /(?:^|[ \t])#/.exec(t);
  return (hash ? t.slice(0, hash.index) : t).trim();
}

const unquote = (k: string): string =>
  k.startsWith('"') ? k.slice(1, -1).replace(/\\"/g, '"') : k.startsWith("'") ? k.slice(1, -1).replace(/''/g, "'") : k;

/** Text for a message: short enough to read in one line. */
const shown = (s: string, max = 40): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** YAML for a string, in double quotes (JSON's quoting is YAML's). */
const quoted = (s: string): string => JSON.stringify(s);

/** Text in a message, between backticks (doubled, with spaces, when the text has one). */
const code = (s: string): string => (s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``);

/** What a line is, for a message: the key it sets, or the list item it starts. */
function named(l: Line, item = 'the list item '): string {
  if (l.dash) return `${item}${code(`- ${shown(valueText(l.text.slice(l.body)))}`)}`;
  return code(shown(l.key ?? ''));
}

const PREFIX = 'YAML syntax error: ';
const col = (c: number): number => c + 1;

/**
 * Plain words for `errors[i]`, when it is one of the slips this knows; undefined otherwise.
 * `errors` are the parser's errors of one document, in the order it reported them.
 */
export function explainSlip(lines: Lines, errors: readonly ParserError[], i: number): Slip | undefined {
  const e = errors[i];
  const X = e.pos[0];
  const L = lines.lineOf(X);
  const line = lines.at(L);
  const sameLine = (lo: number, hi: number) => (x: ParserError) => x.pos[0] >= lines.at(lo).start && x.pos[0] <= lines.end(hi);
  const streamNoise = (x: ParserError) => x.pos[0] >= X && x.code === 'UNEXPECTED_TOKEN' && /in YAML stream/.test(x.message);
  switch (e.code) {
    case 'TAB_AS_INDENT': {
      // what the tab then does to the rest of the line is not a second slip; the repair indents
      // the line as the one before it (or under it, when that one opens a mapping or list)
      const prev = lines.previous(L);
      let indent = !prev ? 0 : prev.line.value === '' ? prev.line.body + lines.step() : prev.line.dash && prev.line.key !== undefined ? prev.line.body : prev.line.indent;
      if (line.dash) {
        // a list item goes in line with the item before it
        for (let p = prev; p; p = lines.previous(p.n)) {
          if (p.line.dash) {
            indent = p.line.indent;
            break;
          }
        }
      }
      // a line that opens a mapping or list goes out of what comes after it
      const next = line.value === '' ? nextLine(lines, L) : undefined;
      if (next && next.indent <= indent) {
        indent = 0;
        for (let r = prev?.n; r !== undefined; r = lines.previous(r)?.n) {
          if (lines.at(r).indent < next.indent) {
            indent = lines.at(r).indent;
            break;
          }
        }
      }
      const from = lines.indentStart(L);
      const to = from + /^[ \t]*/.exec(line.text.slice(from - line.start))![0].length;
      return { offset: X, message: `${PREFIX}tabs are not allowed as indentation`, hint: 'indent with spaces, not tabs', explains: sameLine(L, L), fix: [{ from, to, text: ' '.repeat(indent) }] };
    }
    case 'BAD_SCALAR_START':
      return reservedStart(line, X, sameLine(L, L));
    case 'BAD_INDENT':
      return /same column/.test(e.message) ? misaligned(lines, L) : undefined;
    case 'UNEXPECTED_TOKEN': {
      // once the parser has lost its place, every token after it is "unexpected in YAML stream"
      if (/flow-(map|seq)-end token/.test(e.message)) return strayCloser(X, lines.text[X], streamNoise);
      if (/^Unexpected scalar token$/.test(e.message)) return afterQuote(lines, line, X);
      if (/at node end/.test(e.message)) {
        const slip = X === line.start + line.body ? misaligned(lines, L) : afterQuote(lines, line, X);
        return slip && { ...slip, explains: (x) => slip.explains(x) || streamNoise(x) };
      }
      return undefined;
    }
    case 'MISSING_CHAR':
      if (/without - indicator/.test(e.message)) return misaligned(lines, L);
      if (/followed by map values/.test(e.message)) return keyLine(lines, errors, i);
      return undefined;
    case 'BLOCK_AS_IMPLICIT_KEY':
      if (/block sequence/.test(e.message)) return misaligned(lines, L);
      return keyLine(lines, errors, i);
    case 'MULTILINE_IMPLICIT_KEY':
      return keyLine(lines, errors, i);
    case 'DUPLICATE_KEY':
      // (said at the end of the line before the key, at times)
      return openerInLine(lines, lines.lineOf(keyAt(lines.text, X)));
    default:
      return undefined;
  }
}

/**
 * A line at a column where no mapping or list above it is: between the keys of a mapping and
 * the key that holds them (`replicas` at column 4 under `web:` at 3, whose keys are at 5), or a
 * list item's `-` between two lists.
 */
function misaligned(lines: Lines, n: number): Slip | undefined {
  const c = lines.at(n);
  if (c.blank || c.blockText) return undefined;
  const moved = movedItem(lines, n);
  if (moved) return moved;
  const above = linesAbove(lines, n);
  if ('decided' in above) return above.decided;
  const { inner, outer } = above;
  const slip =
    (outer ? undefined : indentedFirstKey(lines, n)) ??
    keyUnderValue(lines, n, inner, outer) ??
    (outer && !c.dash && c.key !== undefined ? keyBeside(lines, n, inner, outer) : undefined);
  if (slip) return slip;
  const keys = keysLevel(c, inner, outer);
  const names = namesBeside(c);
  const columns = columnsFor(c, keys, outer, names);
  if (columns.length === 0) return outer?.dash ? underItem(lines, n, inner, outer) : undefined;
  return inLineWithNone(lines, n, keys, outer, columns, names);
}

/**
 * The lines above line n that say where it belongs: `outer`, the nearest one less indented than
 * n (or, at n's column, one n is out of line with all the same), and `inner`, the shallowest one
 * deeper than n since `outer`. `decided` when a line above settles it: one without the colon
 * that would make it hold n (its slip), or one n is in line with (not this slip).
 */
function linesAbove(lines: Lines, n: number): { inner?: Line; outer?: Line } | { decided: Slip | undefined } {
  const c = lines.at(n);
  const i = c.indent;
  let inner: Line | undefined;
  for (let r = n - 1; r >= 0; r--) {
    const l = lines.at(r);
    if (l.boundary) break;
    if (l.blank || l.blockText) continue;
    if (l.key === undefined && !l.dash) {
      // `pages` above its keys, without the colon that would make it hold them
      if (l.indent < i && !inner) return { decided: noColon(lines, r, (x) => x.pos[0] >= l.start && x.pos[0] <= lines.end(n)) };
      continue;
    }
    if (l.indent < i) return { inner, outer: l };
    if (l.indent === i) {
      const outer = outOfLineAtColumn(lines, r, c, inner);
      return outer ? { inner, outer } : { decided: undefined };
    }
    if (!inner || l.indent < inner.indent) inner = l;
  }
  return { inner };
}

/** Line r, at line c's column above it (`inner` between them), when c is out of line with it all
 *  the same: the line c's column then belongs to (r, or the list item r is a key of). */
function outOfLineAtColumn(lines: Lines, r: number, c: Line, inner: Line | undefined): Line | undefined {
  const l = lines.at(r);
  // a key in line with the `-` of the list item above it, not with the item's keys
  if (l.dash && !c.dash && l.key !== undefined && (!inner || inner.indent === l.body)) return l;
  if (!c.dash || l.dash) return undefined;
  // a `-` in line with the key that holds the list, not with the list's items
  if (inner?.dash) return l;
  // a `-` in line with the keys of the list item above it
  return itemOf(lines, r);
}

/** The document's first key is indented and the next one, line n, is not: the first line is the slip. */
function indentedFirstKey(lines: Lines, n: number): Slip | undefined {
  const above = lines.previous(n);
  if (lines.at(n).indent !== 0 || !above || lines.previous(above.n) !== undefined) return undefined;
  const top = above.line;
  return {
    offset: lines.indentStart(above.n) + top.indent,
    message: `${PREFIX}${named(top)} is indented (column ${col(top.indent)}), but the top-level keys after it start at column 1`,
    hint: `move ${named(top)} to column 1`,
    explains: () => true, // the parser read nothing after it
    fix: lines.shift(above.n, -top.indent),
  };
}

/** Line n's key under one that has a value on its line (`health: { path: / }`). */
function keyUnderValue(lines: Lines, n: number, inner: Line | undefined, outer: Line | undefined): Slip | undefined {
  const c = lines.at(n);
  if (outer?.key === undefined || outer.dash || c.dash || c.key === undefined || inner || !outer.value || BLOCK_HEADER.test(outer.value)) return undefined;
  return overIndented(lines, n, outer, outer.value, (x) => x.pos[0] >= c.start && x.pos[0] <= lines.end(n));
}

/** Line n, a key, out of line with `outer` above it: which of the keys around is the one a column off. */
function keyBeside(lines: Lines, n: number, inner: Line | undefined, outer: Line): Slip | undefined {
  // the keys around `outer` are at n's column: `outer` is the one out of line (when it holds
  // nothing: `  volumes:` with keys under it deeper than n could be a key of the mapping around
  // whose first key is a column off, as below)
  const m = lines.lineOf(outer.start);
  return (inner ? undefined : outOfLine(lines, m, n))
    ?? firstKeyUnder(lines, n, inner, outer)
    // the keys around `outer` and what it holds are at n's column: `outer` is out of line
    ?? (inner ? outOfLine(lines, m, n) : undefined)
    ?? firstKeyOff(lines, m, n);
}

/** The first key under `outer:` is a column off, and the keys after it, line n among them, are in line. */
function firstKeyUnder(lines: Lines, n: number, inner: Line | undefined, outer: Line): Slip | undefined {
  const c = lines.at(n);
  const i = c.indent;
  const first = nextLine(lines, lines.lineOf(outer.start));
  if (!first || inner !== first || first.dash || outer.dash || outer.value !== '' || i <= outer.indent) return undefined;
  let alone = true;
  for (let p = lines.previous(n); p && p.line !== first; p = lines.previous(p.n)) if (p.line.indent <= first.indent) alone = false;
  let after = nextAtOrAbove(lines, n, i);
  if (after?.indent !== i || after.dash || after.key === undefined) after = undefined;
  // (c the last key: the file's own indentation says which of the two is off)
  const step = lines.step();
  if (!alone || first.key === undefined || !(after || (i - outer.indent === step && first.indent - outer.indent !== step))) return undefined;
  const f = lines.lineOf(first.start);
  const others = after ? `${code(shown(c.key!))} and ${code(shown(after.key!))} are` : `${code(shown(c.key!))} is`;
  return {
    offset: lines.indentStart(f) + first.indent,
    message: `${PREFIX}${code(shown(first.key))} at column ${col(first.indent)} is not in line with the keys after it under ${code(shown(outer.key ?? ''))}: ${others} at column ${col(i)}`,
    hint: `move ${code(shown(first.key))} to column ${col(i)}`,
    explains: (x) => x.pos[0] >= first.start && x.pos[0] <= lines.end(n),
    fix: lines.shift(f, i - first.indent),
  };
}

/** Line n, a key, under the list item `outer` and in line with nothing: its `-` line lacks a colon, or has a value n is indented under. */
function underItem(lines: Lines, n: number, inner: Line | undefined, outer: Line): Slip | undefined {
  const c = lines.at(n);
  if (c.dash || c.key === undefined || inner) return undefined;
  const at = lines.previous(n)!;
  const explains = (from: number) => (x: ParserError) => x.pos[0] >= from && x.pos[0] <= lines.end(n);
  // `- name:git-sync` or `- name git-sync` above the item's other keys
  if (outer.key === undefined && outer.body === c.indent && at.line === outer) return keyWithoutColon(lines, at.n, explains(outer.start));
  // a key indented under the item's first key, which has a value
  if (outer.key !== undefined && outer.value !== '' && outer.body < c.indent) return overIndented(lines, n, outer, outer.value ?? '', explains(c.start));
  return undefined;
}

/** A column keys are at: of the mapping `line` starts, or (`item`) of the list item it is. */
type Level = { at: number; line: Line; item?: boolean };

/** The column of the keys line c is out of line with: `inner`'s, or those after `outer`'s `-`. */
function keysLevel(c: Line, inner: Line | undefined, outer: Line | undefined): Level | undefined {
  let keys: Level | undefined = inner && { at: inner.indent, line: inner };
  // the keys of a list item start after its `-`
  if (outer?.dash && outer.key !== undefined && outer.body > c.indent && (!keys || outer.body < keys.at)) keys = { at: outer.body, line: outer, item: true };
  // (a `-` lines up with other items, not with keys)
  return c.dash && keys && !keys.line.dash ? undefined : keys;
}

interface Names {
  level: (lv: Level) => string;
  outer: (l: Line) => string;
}

/** How a message about line c names the lines around it (beside a list item, its fellow items need no "the list item"). */
function namesBeside(c: Line): Names {
  const item = c.dash ? '' : 'the list item ';
  return {
    level: (lv) => (lv.item ? code(shown(lv.line.key!)) : named(lv.line, item)),
    outer: (l) => (l.dash && !c.dash ? 'the `-` of its list item' : named(l, item)),
  };
}

/** The columns line c could move to, each with what it is then in line with. */
function columnsFor(c: Line, keys: Level | undefined, outer: Line | undefined, names: Names): { at: number; beside: string }[] {
  const columns: { at: number; beside: string }[] = [];
  if (c.dash) {
    if (keys?.line.dash && !keys.item) columns.push({ at: keys.at, beside: `in line with ${names.level(keys)}` });
    if (outer?.dash) columns.push({ at: outer.indent, beside: `in line with ${names.outer(outer)}` });
  } else {
    if (keys && (keys.item || !keys.line.dash)) columns.push({ at: keys.at, beside: `beside ${names.level(keys)}` });
    if (outer && !outer.dash) columns.push({ at: outer.indent, beside: `beside ${names.outer(outer)}` });
  }
  return columns;
}

/** Line n is in line with no key or list item above it: where those are, and the columns it could move to. */
function inLineWithNone(lines: Lines, n: number, keys: Level | undefined, outer: Line | undefined, columns: { at: number; beside: string }[], names: Names): Slip {
  const c = lines.at(n);
  const i = c.indent;
  const what = c.dash ? named(c) : code(shown(c.key ?? c.text.slice(c.body)));
  const levels = [keys && `${names.level(keys)} is at column ${col(keys.at)}`, outer && `${names.outer(outer)} ${keys ? '' : 'is '}at column ${col(outer.indent)}`].filter(Boolean);
  const mover = c.dash ? 'the `-`' : what;
  return {
    offset: lines.indentStart(n) + c.indent,
    message: `${PREFIX}${what} at column ${col(i)} is in line with no ${c.dash ? 'list item' : 'key'} above it: ${levels.join(', ')}`,
    hint: `move ${mover} to ${columns.map((o) => `column ${col(o.at)}, ${o.beside}`).join(', or to ')}`,
    explains: (x) => x.pos[0] >= c.start && x.pos[0] <= lines.end(n),
    // (either column reads; the first is taken to read on)
    fix: lines.shift(n, columns[0].at - i),
  };
}

/** The list item whose keys line n is one of (`- name: x` above `image: y`), if it is. */
function itemOf(lines: Lines, n: number): Line | undefined {
  const i = lines.at(n).indent;
  for (let p = lines.previous(n); p; p = lines.previous(p.n)) {
    if (p.line.indent < i) return p.line.dash && p.line.key !== undefined && p.line.body === i ? p.line : undefined;
  }
  return undefined;
}

/**
 * Line n, a key, is not in line with the keys of the list item above it, and the list's other
 * items have their keys at n's column: the item's own line, its `-`, is the one a column off.
 */
function movedItem(lines: Lines, n: number): Slip | undefined {
  const c = lines.at(n);
  const i = c.indent;
  if (c.dash || c.key === undefined) return undefined;
  let item: { n: number; line: Line } | undefined;
  for (let p = lines.previous(n); p; p = lines.previous(p.n)) {
    if (p.line.indent <= i) {
      item = p;
      break;
    }
  }
  if (!item?.line.dash || item.line.key === undefined || item.line.body === i) return undefined;
  const it = item.line;
  // another item of the list: the first line out of n's column, after n or before the item
  let other: Line | undefined;
  for (let r = n + 1; r < lines.count && !other; r++) {
    const l = lines.at(r);
    if (l.boundary) break;
    if (!l.blank && !l.blockText && (l.key !== undefined || l.dash) && l.indent < i) other = l;
  }
  if (!other?.dash) {
    other = undefined;
    for (let p = lines.previous(item.n); p && !other; p = lines.previous(p.n)) if (p.line.indent < i) other = p.line;
  }
  if (!other?.dash || other.indent === it.indent || other.indent + (it.body - it.indent) !== i) return undefined;
  const from = lines.indentStart(item.n);
  const delta = other.indent - it.indent;
  let end = n;
  while (end + 1 < lines.count && !lines.at(end + 1).boundary && (lines.at(end + 1).blank || lines.at(end + 1).indent >= i)) end++;
  return {
    offset: from + it.indent,
    message: `${PREFIX}${named(it)} at column ${col(it.indent)} is not in line with the other items of its list: ${named(other, '')} is at column ${col(other.indent)}`,
    hint: `move the \`-\` to column ${col(other.indent)}, so that ${code(shown(it.key!))} lines up with the keys under it`,
    explains: (x) => x.pos[0] >= it.start && x.pos[0] <= lines.end(end),
    fix: [delta > 0 ? { from, to: from, text: ' '.repeat(delta) } : { from, to: from - delta, text: '' }],
  };
}

/**
 * The parser took a line for (part of) a key it could not read: `image:nginx` (no space after
 * the colon), `port 8080` (no colon), the text of a block scalar not indented, a value with `: `
 * in it, or the next line indented under a key that already has a value.
 */
function keyLine(lines: Lines, errors: readonly ParserError[], i: number): Slip | undefined {
  const e = errors[i];
  const X = e.pos[0];
  const L = lines.lineOf(X);
  const l = lines.at(L);
  // how far the key the parser was reading goes: the last line of it is where a slip may be
  let endAt = e.pos[1];
  for (const x of errors) if (x.pos[0] === X && x.code === 'MULTILINE_IMPLICIT_KEY') endAt = Math.max(endAt, x.pos[1]);
  const C = Math.max(L, lines.lineOf(Math.max(X, endAt - 1)));
  const c = lines.at(C);
  const covers = (x: ParserError) => x.pos[0] >= l.start && x.pos[0] <= lines.end(C);
  const prev = lines.previous(L)?.line;
  const quote = lines.text[X];
  // `trigger:{ ... }`, `trigger { ... }`: a flow mapping or list with no space or no colon before it
  const flow = /^([^\s:#'"{[,\]}][^\s:]*)(:|[ \t]+)([{[].*)$/.exec(valueText(l.text.slice(l.body)));
  if (flow && !l.dash) {
    const [, key, sep, value] = flow;
    const at = l.start + l.body + key.length;
    const covers = (x: ParserError) => x.pos[0] >= l.start && x.pos[0] <= lines.end(L);
    return sep === ':'
      ? noSpaceSlip(l.start + l.body, key, value, covers)
      : { offset: l.start + l.body, message: `${PREFIX}${code(shown(`${key}${sep}${value}`))} has no \`:\` after the key; a line of a mapping is \`key: value\``, hint: `write ${code(shown(`${key}: ${value}`))}`, explains: covers, fix: [{ from: at, to: at + sep.length, text: ': ' }] };
  }
  if ((quote === '"' || quote === "'") && C > L) return runsOn(lines, X, C);
  if (X === l.start + l.body) {
    // the parser's key starts the line
    if (C > L && c.key !== undefined && !c.dash) {
      // a value on a line of its own under `key:`, then a key indented under that key
      if (c.indent < l.indent && prev?.key !== undefined && prev.value === '' && prev.body < c.indent) return overIndented(lines, C, prev, l.text.slice(l.body).trim(), covers);
      // a list item that is a plain value, then a key indented under it
      if (l.dash && c.indent > l.indent && l.key === undefined) {
        return {
          offset: c.start + c.body,
          message: `${PREFIX}${code(shown(c.key))} is indented under the list item ${code(`- ${shown(l.value ?? '')}`)}, which is a plain value and cannot hold keys`,
          hint: `move ${code(shown(c.key))} out to the column of the mapping it belongs to; to give the item keys, write it as a mapping (${code(`- name: ${shown(l.value ?? '')}`)})`,
          explains: covers,
        };
      }
    }
    if (prev?.key !== undefined && prev.value !== undefined && BLOCK_HEADER.test(prev.value) && l.indent <= prev.indent && !/^ *\t/.test(l.text)) {
      // the repair indents the text's lines: up to a key or item as far out as the header's
      const fix: Edit[] = [];
      for (let r = L; r < lines.count; r++) {
        const t = lines.at(r);
        if (t.boundary || (r > L && !t.blank && (t.key !== undefined || t.dash) && t.indent <= prev.indent)) break;
        if (t.text.trim() !== '') fix.push({ from: lines.indentStart(r), to: lines.indentStart(r), text: ' '.repeat(prev.body + lines.step() - l.indent) });
      }
      return {
        fix,
        offset: X,
        message: `${PREFIX}the text of ${code(`${shown(prev.key)}: ${prev.value}`)} must be indented more than ${code(shown(prev.key))}`,
        hint: `indent its lines to column ${col(prev.body) + lines.step()}, ${lines.step()} columns in from ${code(shown(prev.key))}`,
        explains: covers,
      };
    }
    return keyWithoutColon(lines, L, covers);
  }
  // the parser's key is the value of the line's key
  if (l.key === undefined || l.keyEnd === undefined || X - l.start <= l.keyEnd) return undefined;
  const value = valueText(l.text.slice(X - l.start));
  if (quote === '"' || quote === "'") {
    // `"nginx":1.25` or `"{ a: "1" }"`: text after the closing quote
    const q = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')[ \t]*/.exec(l.text.slice(X - l.start));
    const rest = q ? X + q[0].length : X;
    if (q && rest < lines.end(L) && lines.text[rest] !== '#') return afterQuote(lines, l, rest);
    return undefined;
  }
  if (/:(?:[ \t]|$)/.test(value) && !/^["']/.test(value)) {
    const inner = value.endsWith(':') && !/:[ \t]/.test(value) ? 'ends with `:`' : 'holds `: ` (a colon and a space)';
    return {
      offset: X,
      message: `${PREFIX}the value of ${code(shown(l.key))}, ${code(shown(value))}, ${inner}, which YAML reads as the start of another key`,
      hint: `quote the value: ${code(`${shown(l.key)}: ${quoted(value)}`)}`,
      explains: covers,
      fix: [{ from: X, to: X + value.length, text: quoted(value) }],
    };
  }
  if (C > L && c.key !== undefined && !c.dash && c.indent > l.body) return overIndented(lines, C, l, value, covers);
  return undefined;
}

/** The offset of the first character at or after `offset` that is not white space. */
export function keyAt(text: string, offset: number): number {
  let o = offset;
  while (o < text.length && /\s/.test(text[o])) o++;
  return o < text.length ? o : offset;
}

/** The next line after n that holds a key or a list item (within the document). */
function nextLine(lines: Lines, n: number): Line | undefined {
  for (let r = n + 1; r < lines.count; r++) {
    const l = lines.at(r);
    if (l.boundary) return undefined;
    if (!l.blank && !l.blockText && (l.key !== undefined || l.dash)) return l;
  }
  return undefined;
}

/** `image:nginx`: a key at X and its value with no space between. */
function noSpaceSlip(X: number, key: string, value: string, explains: (e: ParserError) => boolean): Slip {
  return {
    offset: X,
    message: `${PREFIX}${code(`${shown(key)}:${shown(value)}`)} has no space after the colon, so YAML reads it as one word, not as the key ${code(shown(key))} and its value`,
    hint: `write ${code(`${shown(key)}: ${shown(value)}`)} (a space after the \`:\`)`,
    explains,
    fix: [{ from: X + key.length + 1, to: X + key.length + 1, text: ' ' }],
  };
}

/** Line n (after its `- `, if any) was to be a key and its value: `image:nginx` or `image nginx`. */
function keyWithoutColon(lines: Lines, n: number, explains: (e: ParserError) => boolean): Slip | undefined {
  const l = lines.at(n);
  const X = l.start + l.body;
  const noSpace = /^([^\s:#'"{[][^\s:]*):(\S.*)$/.exec(valueText(l.text.slice(l.body)));
  if (noSpace && !/:(?:\s|$)/.test(noSpace[2])) {
    const [, key, value] = noSpace;
    // `services:}`: the slip is the `}`
    if (/^[}\]]/.test(value)) return strayCloser(X + key.length + 1, value[0], (x) => explains(x) || (x.code === 'UNEXPECTED_TOKEN' && x.pos[0] >= X));
    return noSpaceSlip(X, key, value, explains);
  }
  return noColon(lines, n, explains);
}

/** `port 8080`, `image nginx:1.27`, or `env` with its keys under it: a key line without its colon. */
function noColon(lines: Lines, n: number, explains: (e: ParserError) => boolean): Slip | undefined {
  const l = lines.at(n);
  const X = l.start + l.body;
  const words = valueText(l.text.slice(l.body));
  // (a colon in the value, `image nginx:1.27`, is text; one after the key would have made it a key)
  if (words === '' || /:(?:[ \t]|$)/.test(words) || /^["'[{]/.test(words) || /^[^\s]*:/.test(words)) return undefined;
  const [key, ...value] = words.split(/[ \t]+/);
  const gap = /^[ \t]*/.exec(words.slice(key.length))![0].length;
  return {
    offset: X,
    message: value.length ? `${PREFIX}${code(shown(words))} has no \`:\` after the key; a line of a mapping is \`key: value\`` : `${PREFIX}${code(shown(key))} has no \`:\` after it; a line of a mapping is \`key: value\``,
    hint: value.length ? `write ${code(`${shown(key)}: ${shown(value.join(' '))}`)}` : `write ${code(`${shown(key)}:`)} (with its value after it, or its keys indented below it)`,
    explains,
    fix: [{ from: X + key.length, to: X + key.length + gap, text: value.length ? ': ' : ':' }],
  };
}

/**
 * A key that opens a mapping (`profiles:`, nothing after it) at the column of the keys that were
 * to go under it: they are keys of the mapping around it again, and repeat its keys.
 */
function openerInLine(lines: Lines, n: number): Slip | undefined {
  const d = lines.at(n);
  const p = lines.previous(n);
  if (!p || d.dash || p.line.dash || p.line.key === undefined || p.line.value !== '' || p.line.indent !== d.indent) return undefined;
  const opener = p.line;
  let around: Line | undefined;
  for (let r = lines.previous(p.n)?.n; r !== undefined; r = lines.previous(r)?.n) {
    if (lines.at(r).indent < opener.indent) {
      around = lines.at(r);
      break;
    }
  }
  if (around?.key === undefined || around.dash) return undefined;
  let end = n;
  while (end + 1 < lines.count && !lines.at(end + 1).boundary && (lines.at(end + 1).blank || lines.at(end + 1).indent >= opener.indent)) end++;
  const key = code(shown(opener.key!));
  const from = lines.indentStart(p.n);
  return {
    offset: from + opener.indent,
    message: `${PREFIX}${key} (column ${col(opener.indent)}) is in line with the keys after it, so it holds none of them: they are read as keys of ${code(shown(around.key))}, whose ${code(shown(d.key ?? ''))} they repeat`,
    hint: `move ${key} to column ${col(around.indent)}, beside ${code(shown(around.key))}, if the keys after it are its own; or indent them under it`,
    explains: (x) => x.code === 'DUPLICATE_KEY' && x.pos[0] > from && x.pos[0] <= lines.end(end),
    fix: [{ from, to: from + opener.indent - around.indent, text: '' }],
  };
}

/** A `}` or `]` with nothing open for it to close. */
function strayCloser(X: number, close: string, explains: (e: ParserError) => boolean): Slip {
  const open = close === '}' ? '{' : '[';
  return { offset: X, message: `${PREFIX}this ${code(close)} closes nothing: no ${code(open)} is open before it`, hint: `remove it, or add the ${code(open)} it should close`, explains, fix: [{ from: X, to: X + 1, text: ' ' }] };
}

/** The first line after n, at column `i` or out of it (what n holds skipped). */
function nextAtOrAbove(lines: Lines, n: number, i: number): Line | undefined {
  for (let r = n + 1; r < lines.count; r++) {
    const l = lines.at(r);
    if (l.boundary) return undefined;
    if (!l.blank && !l.blockText && (l.key !== undefined || l.dash) && l.indent <= i) return l;
  }
  return undefined;
}

/**
 * Line m, a key, interrupts the keys of a mapping: the key before it and line n after it are at
 * one column (`pattern` and `port` at 5), m out of it (`image` at 3, where it reads as a key of
 * the mapping around, and `port` as indented under it).
 */
function outOfLine(lines: Lines, m: number, n: number): Slip | undefined {
  const o = lines.at(m);
  const c = lines.at(n);
  // the key before it at c's column or out of it (what that one holds skipped)
  let p: Line | undefined;
  for (let q = lines.previous(m); q && !p; q = lines.previous(q.n)) if (q.line.indent <= c.indent) p = q.line;
  if (!p || o.dash || p.dash || c.dash || o.key === undefined || p.key === undefined || c.key === undefined) return undefined;
  if (p.indent !== c.indent || o.indent >= c.indent) return undefined;
  return {
    offset: lines.indentStart(m) + o.indent,
    message: `${PREFIX}${code(shown(o.key))} at column ${col(o.indent)} is not in line with the keys around it: ${code(shown(p.key))} above it and ${code(shown(c.key))} below it are at column ${col(c.indent)}`,
    hint: `move ${code(shown(o.key))} to column ${col(c.indent)}`,
    explains: (x) => x.pos[0] >= o.start && x.pos[0] <= lines.end(n),
    fix: lines.shift(m, c.indent - o.indent),
  };
}

/**
 * Line m is the first key under the `key:` before it, and line n, at the column this file
 * indents by, the next one: m is off (at that key's own column, it leaves it empty).
 */
function firstKeyOff(lines: Lines, m: number, n: number): Slip | undefined {
  const o = lines.at(m);
  const c = lines.at(n);
  const g = lines.previous(m)?.line;
  const i = c.indent;
  if (g?.key === undefined || g.dash || g.value !== '' || o.dash || o.key === undefined || c.dash || c.key === undefined) return undefined;
  const step = lines.step();
  if (i - g.indent !== step || !(o.indent === g.indent || (o.indent > g.indent && o.indent - g.indent !== step))) return undefined;
  const at = lines.indentStart(m);
  return {
    offset: at + o.indent,
    message: `${PREFIX}${code(shown(o.key))} at column ${col(o.indent)} is not in line with the keys after it under ${code(shown(g.key))}: ${code(shown(c.key))} is at column ${col(i)}`,
    hint: `move ${code(shown(o.key))} to column ${col(i)}`,
    explains: (x) => x.pos[0] >= o.start && x.pos[0] <= lines.end(n),
    // (that line only: what it holds is deeper than n already)
    fix: [i > o.indent ? { from: at, to: at, text: ' '.repeat(i - o.indent) } : { from: at, to: at + o.indent - i, text: '' }],
  };
}

/** Line n's key is indented under `owner`, which has a value and so cannot hold keys. */
function overIndented(lines: Lines, n: number, owner: Line, value: string, explains: (e: ParserError) => boolean): Slip {
  const m = lines.lineOf(owner.start);
  const around = outOfLine(lines, m, n) ?? firstKeyOff(lines, m, n) ?? movedItem(lines, n);
  if (around) return around;
  const c = lines.at(n);
  const key = code(shown(c.key!));
  const ownerKey = code(shown(owner.key!));
  return {
    offset: c.start + c.body,
    message: `${PREFIX}${key} is indented more than ${ownerKey} above it (column ${col(c.indent)}, not ${col(owner.body)}), but ${ownerKey} has a value, ${code(shown(value))}, so nothing can nest under it`,
    hint: `move ${key} to column ${col(owner.body)}, in line with ${ownerKey}`,
    explains,
    fix: lines.shift(n, owner.body - c.indent),
  };
}

/** `@port`, `` `cmd` ``, `%x`: characters YAML reserves at the start of a plain key or value. */
function reservedStart(l: Line, X: number, explains: (e: ParserError) => boolean): Slip | undefined {
  const from = X - l.start;
  const ch = l.text[from];
  if (ch === undefined) return undefined;
  const m = /^(.*?)[ \t]*:(?=[ \t]|$)/.exec(l.text.slice(from));
  const isKey = m !== null && from === l.body;
  // (inside `{ }` or `[ ]` a value ends at `,`)
  const flow = /[{[]/.test(l.text.slice(0, from));
  const word = isKey ? m![1] : flow ? /^[^,\]}]*/.exec(l.text.slice(from))![0].trim() : valueText(l.text.slice(from));
  const what = isKey ? 'key' : 'value';
  return {
    offset: X,
    message: `${PREFIX}the ${what} ${code(shown(word))} starts with ${ch === '`' ? 'a backtick' : code(ch)}, which YAML reserves: a ${what} that starts with it must be quoted`,
    hint: `write ${isKey ? code(`${quoted(word)}:`) : l.key !== undefined ? code(`${shown(l.key)}: ${quoted(word)}`) : code(quoted(word))}`,
    explains,
    // (a lone `@` is taken for a slip of the finger, not for a value)
    fix: [{ from: X, to: X + word.length, text: word.length === 1 ? '' : quoted(word) }],
  };
}

/**
 * A quoted value whose closing quote is missing ends at the next quote, lines further on (line
 * C), where what follows it makes no sense: said at the quote that opened it.
 */
function runsOn(lines: Lines, X: number, C: number): Slip {
  const quote = lines.text[X];
  return {
    offset: X,
    message: `${PREFIX}the ${quote}-quoted string opened here runs on to line ${C + 1}, where YAML reads the rest as a key`,
    hint: `end the string with ${quote} on this line (a string may span lines, but then what follows its closing quote must be \`: \` and a value)`,
    explains: (x) => x.pos[0] >= X && x.pos[0] <= lines.end(C),
    // (the quote taken for a slip: what follows reads as it was meant)
    fix: [{ from: X, to: X + 1, text: ' ' }],
  };
}

/** `image: "nginx":1.25`: text after a quoted value's closing quote. */
function afterQuote(lines: Lines, l: Line, X: number): Slip | undefined {
  const before = l.text.slice(0, X - l.start).trimEnd();
  const m = /("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')$/.exec(before);
  if (!m) {
    // the string closed here opened lines before: where?
    const q = before[before.length - 1];
    if (q !== '"' && q !== "'") return undefined;
    const close = l.start + before.length - 1;
    let open = close - 1;
    for (; open >= 0; open--) {
      if (lines.text[open] !== q) continue;
      if (q === '"' && /(?:^|[^\\])(?:\\\\)*\\$/.test(lines.text.slice(Math.max(0, open - 16), open))) continue;
      if (q === "'" && lines.text[open - 1] === "'") {
        open--;
        continue;
      }
      break;
    }
    const from = lines.lineOf(Math.max(0, open));
    return open >= 0 && from < lines.lineOf(close) ? runsOn(lines, open, lines.lineOf(close)) : undefined;
  }
  const q = m[1];
  const gap = l.text.slice(before.length, X - l.start);
  const after = valueText(l.text.slice(X - l.start));
  const whole = unquote(q) + gap + after;
  return {
    offset: X,
    message: `${PREFIX}${code(shown(after))} follows the closing quote of ${code(shown(q))}; a quoted value ends at its closing quote`,
    hint: `put the whole value inside the quotes: ${code(shown(quoted(whole), 60))}`,
    explains: (x) => x.pos[0] >= l.start && x.pos[0] <= l.start + l.text.length,
    fix: [{ from: l.start + m.index, to: X + after.length, text: quoted(whole) }],
  };
}
