// A fast, conservative check of rendered YAML. Every rendered YAML file is parsed again before it
// is written (DESIGN.md); at 10,000 services that is ~120 MB, which takes js-yaml ~3 s and `yaml`
// far longer. ddp's templates emit a small block subset of YAML, and this scanner recognises that
// subset in one pass, about 10× faster than a full parse. It answers `true` only when the text is
// beyond doubt well-formed YAML whose mappings have no duplicate keys; on anything outside the
// subset it answers `false`, and the caller falls back to a full parser (which then decides, and
// names the problem). test/property/yaml-check.test.ts holds `true` to agreement with both `yaml`
// and js-yaml on random documents.
//
// The subset, line by line (LF line breaks, spaces for indentation, no tabs):
//   blank lines; `#` comment lines; `---` at column 0 (a new document);
//   `key: value`, `key:` (a nested block follows or the value is null), `- value`, `- key: value`
//   keys: `[A-Za-z_][A-Za-z0-9_./-]*` (not true/false/null…) or a JSON string without escapes;
//   values: a JSON string, a plain word (`[A-Za-z0-9_./+=@%-]`, `:` only inside), `[]` or a flow
//   list of those on one line, `{}`, or a block scalar `|`, `|-`, `|+`, `>`, `>-`, `>+` (in a
//   mapping); an optional ` # comment` after a value.
//   Nested blocks are indented deeper than their key or dash.

/** Characters YAML does not allow, or that parsers treat differently (tabs, CR, NEL, LS, PS, BOM). */
const UNSAFE = /[\x00-\x09\x0B-\x1F\x7F-\x9F\u2028\u2029\uFEFF\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]/;

const MAP = 1;
const SEQ = 2;
const MAX_IMPLICIT_KEY = 1024;
/** Up to this many keys a mapping compares a new key with each; beyond, a Set. */
const SMALL_MAP = 32;

interface Level {
  indent: number;
  kind: typeof MAP | typeof SEQ;
  keys: string[]; // the keys so far (without quotes)
  set?: Set<string>;
}

// Tokens are matched by sticky regular expressions rather than char by char: V8 runs a regular
// expression as native code after its first use, while a char loop runs in the interpreter until
// the optimizing compiler has caught up -- all of a short run. (Each is linear: no nested
// quantifier can backtrack.)
/** A plain key: a word that is not a YAML 1.1/1.2 boolean or null (checked apart). */
const PLAIN_KEY = /[A-Za-z_][A-Za-z0-9_./-]*/y;
/** A quoted key: a JSON string without escapes. */
const QUOTED_KEY = /"[^"\\\n]*"/y;
/** A JSON string (standard escapes only) on one line. */
const JSON_STRING = /"[^"\\\n]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\n]*)*"/y;
/** A plain word in block context: value characters, `:` only between two of them; not starting with `@` or `%`. */
const PLAIN_BLOCK = /[A-Za-z0-9_./+=-](?:[A-Za-z0-9_./+=@%-]|:(?=[A-Za-z0-9_./+=@%-]))*/y;
/** A plain word inside a flow list: no `:` at all. */
const PLAIN_FLOW = /[A-Za-z0-9_./+=-][A-Za-z0-9_./+=@%-]*/y;

/** The end of the match of sticky `re` at `at`, or -1. */
function matchAt(re: RegExp, text: string, at: number): number {
  re.lastIndex = at;
  return re.test(text) ? re.lastIndex : -1;
}

const NON_STRING_KEYS = new Set(['true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'null', 'Null', 'NULL']);

/** True when `text` is, beyond doubt, well-formed YAML without duplicate keys (see above). */
export function isPlainBlockYaml(text: string): boolean {
  const check = new PlainBlockYamlCheck();
  return check.feed(text) && check.end();
}

/**
 * The same check, fed a document a piece at a time (a big file is never joined to be checked).
 * Every piece but the last ends with a newline; the keys of the mappings still open at the end of
 * a piece stay with the state for the next.
 */
export class PlainBlockYamlCheck {
  private ok = true;
  private open = false; // the previous piece did not end with a newline
  private readonly state: ScanState = { stack: [], rooted: false, pending: -1, block: -1, blockIndent: -1 };

  /** Check the next piece; false (for good) once the document is outside the subset. */
  feed(text: string): boolean {
    if (!this.ok) return false;
    // a line split between two pieces is not for this check
    if (this.open || !scan(text, this.state)) return (this.ok = false);
    this.open = text.length > 0 && text.charCodeAt(text.length - 1) !== 10;
    return true;
  }

  /** The verdict on the whole document. */
  end(): boolean {
    return this.ok;
  }
}

interface ScanState {
  stack: Level[];
  rooted: boolean; // the current document has its root node
  pending: number; // after `key:` or `-` with nothing else: a child must be indented deeper than this
  block: number; // inside a block scalar: indentation of its mapping
  blockIndent: number; // the block scalar's content indentation, once known
}

/** One piece of the document; `st` carries the state from piece to piece. */
function scan(text: string, st: ScanState): boolean {
  if (UNSAFE.test(text)) return false;
  const n = text.length;
  let { stack, rooted, pending, block, blockIndent } = st;
  let pos = 0;
  while (pos < n) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = n;
    let s = pos;
    while (s < eol && text.charCodeAt(s) === 32) s++;
    const indent = s - pos;
    const blank = s === eol;
    if (block >= 0) {
      if (blockIndent < 0) {
        if (blank) {
          if (indent > 0) return false; // leading all-space lines: their length matters; not in the subset
          pos = eol + 1;
          continue;
        }
        if (indent > block) {
          blockIndent = indent;
          pos = eol + 1;
          continue;
        }
        block = -1; // an empty block scalar; this line is structure again
      } else if (blank || indent >= blockIndent) {
        pos = eol + 1;
        continue;
      } else {
        block = -1;
        blockIndent = -1;
      }
    }
    if (blank || text.charCodeAt(s) === 35 /* # */) {
      pos = eol + 1;
      continue;
    }
    if (indent === 0 && eol - pos >= 3 && text.startsWith('---', pos)) {
      if (eol - pos !== 3) return false;
      stack = [];
      rooted = false;
      pending = -1;
      pos = eol + 1;
      continue;
    }
    if (indent === 0 && (text.charCodeAt(s) === 37 /* % */ || text.startsWith('...', s))) return false;

    // where does this line belong?
    let top: Level | undefined;
    const isDash = text.charCodeAt(s) === 45 && (s + 1 === eol || text.charCodeAt(s + 1) === 32);
    if (pending >= 0 && indent > pending) {
      top = { indent, kind: isDash ? SEQ : MAP, keys: [] };
      stack.push(top);
    } else {
      while (stack.length && stack[stack.length - 1].indent > indent) stack.pop();
      top = stack[stack.length - 1];
      if (!top) {
        if (rooted) return false; // a second root node
        top = { indent, kind: isDash ? SEQ : MAP, keys: [] };
        stack.push(top);
      } else if (top.indent !== indent) return false;
    }
    rooted = true;
    pending = -1;

    let at = s; // start of the mapping entry, if any
    let mapIndent = indent;
    if (isDash) {
      if (top.kind !== SEQ) return false;
      if (s + 1 === eol) return false; // `-` alone, the item on the lines below: parsers disagree on its indentation
      at = s + 2;
      while (at < eol && text.charCodeAt(at) === 32) at++;
      if (at === eol) return false; // `- ` then trailing spaces: leave to the parser
      const c = text.charCodeAt(at);
      if (c === 45 /* - */ && (at + 1 === eol || text.charCodeAt(at + 1) === 32)) return false; // `- - x`
      const keyEnd = scanKey(text, at, eol);
      if (keyEnd < 0) {
        // a scalar item
        const end = scanValue(text, at, eol);
        if (end < 0 || !restIsComment(text, end, eol)) return false;
        pos = eol + 1;
        continue;
      }
      // a compact mapping `- key: value`: its indentation is the key's column
      mapIndent = at - pos;
      top = { indent: mapIndent, kind: MAP, keys: [] };
      stack.push(top);
    } else if (top.kind !== MAP) return false;

    // a mapping entry at `at`
    const keyEnd = scanKey(text, at, eol);
    if (keyEnd < 0) return false;
    const quoted = text.charCodeAt(at) === 34;
    const kStart = quoted ? at + 1 : at;
    const kEnd = quoted ? keyEnd - 1 : keyEnd;
    if (!addKey(text, top, kStart, kEnd)) return false;
    let v = keyEnd + 1; // after the ':'
    if (v === eol) {
      pending = mapIndent;
      pos = eol + 1;
      continue;
    }
    if (text.charCodeAt(v) !== 32) return false;
    while (v < eol && text.charCodeAt(v) === 32) v++;
    if (v === eol || text.charCodeAt(v) === 35 /* # */) {
      pending = mapIndent;
      pos = eol + 1;
      continue;
    }
    const c = text.charCodeAt(v);
    if (c === 124 /* | */ || c === 62 /* > */) {
      let h = v + 1;
      const ind = text.charCodeAt(h);
      if (ind === 45 /* - */ || ind === 43 /* + */) h++;
      if (!restIsComment(text, h, eol)) return false;
      block = mapIndent;
      blockIndent = -1;
      pos = eol + 1;
      continue;
    }
    const end = scanValue(text, v, eol);
    if (end < 0 || !restIsComment(text, end, eol)) return false;
    pos = eol + 1;
  }
  Object.assign(st, { stack, rooted, pending, block, blockIndent });
  return true;
}

/** The index of the ':' ending an implicit key at `at`, or -1 when there is none in the subset. */
function scanKey(text: string, at: number, eol: number): number {
  const quoted = text.charCodeAt(at) === 34; /* " */
  const i = matchAt(quoted ? QUOTED_KEY : PLAIN_KEY, text, at);
  if (i < 0 || i - at > MAX_IMPLICIT_KEY) return -1;
  if (!quoted && (i - at === 4 || i - at === 5) && NON_STRING_KEYS.has(text.slice(at, i))) return -1;
  if (i >= eol || text.charCodeAt(i) !== 58 /* : */) return -1;
  if (i + 1 < eol && text.charCodeAt(i + 1) !== 32) return -1;
  return i;
}

/** The end of a scalar value (or one-line flow list) at `v`, or -1 when it is not in the subset. */
function scanValue(text: string, v: number, eol: number): number {
  const c = text.charCodeAt(v);
  if (c === 34) return matchAt(JSON_STRING, text, v);
  if (c === 123 /* { */) return text.charCodeAt(v + 1) === 125 /* } */ ? v + 2 : -1;
  if (c === 91 /* [ */) {
    let i = v + 1;
    while (i < eol && text.charCodeAt(i) === 32) i++;
    if (text.charCodeAt(i) === 93 /* ] */) return i + 1;
    for (;;) {
      const e = text.charCodeAt(i) === 34 ? matchAt(JSON_STRING, text, i) : scanPlain(text, i, false);
      if (e < 0) return -1;
      i = e;
      while (i < eol && text.charCodeAt(i) === 32) i++;
      const d = text.charCodeAt(i);
      if (d === 93) return i + 1;
      if (d !== 44 /* , */) return -1;
      i++;
      while (i < eol && text.charCodeAt(i) === 32) i++;
    }
  }
  return scanPlain(text, v, true);
}

/** A plain word at `v` (block context: `:` allowed between value characters), or -1. */
function scanPlain(text: string, v: number, block: boolean): number {
  const i = matchAt(block ? PLAIN_BLOCK : PLAIN_FLOW, text, v);
  if (i < 0) return -1;
  const c = text.charCodeAt(v);
  if (c === 45 /* - */ && i === v + 1) return -1; // a lone `-`
  if ((c === 45 || c === 46) && i - v >= 3 && (text.startsWith('---', v) || text.startsWith('...', v))) return -1; // looks like a document marker
  return i;
}

/** Nothing but spaces and an optional ` # comment` from `i` to the end of the line. */
function restIsComment(text: string, i: number, eol: number): boolean {
  if (i === eol) return true;
  if (text.charCodeAt(i) !== 32) return false;
  while (i < eol && text.charCodeAt(i) === 32) i++;
  return i === eol || text.charCodeAt(i) === 35;
}

/** Record a key of a mapping; false when it is there already. The key is kept as a copy of its
 *  own: a slice of 13 characters or more is V8's view into `text`, and would keep the whole piece
 *  alive for as long as its mapping stays open -- compose's `services:`, open through every piece of
 *  the file, kept all of them (~25 MB of a 10,000-service run's peak). */
function addKey(text: string, level: Level, start: number, end: number): boolean {
  const k = end - start < 13 ? text.slice(start, end) : (' ' + text.slice(start, end)).slice(1);
  if (level.set) {
    if (level.set.has(k)) return false;
    level.set.add(k);
    return true;
  }
  const keys = level.keys;
  for (let j = 0; j < keys.length; j++) if (keys[j] === k) return false;
  keys.push(k);
  if (keys.length > SMALL_MAP) level.set = new Set(keys);
  return true;
}
