// Stage 1 of the flow: read a topology file and parse it into plain data plus a source map
// (JSON pointer → line/col). The only stage that reads the disk.
import { existsSync } from 'node:fs';
import { NotUtf8, NoWriter, readCapped, TooLarge } from '../user-files.js';
import { fsWords } from '../fs-words.js';
import { resolve } from 'node:path';
import { createRequire } from 'node:module';
import type * as YamlLib from 'yaml';
import type { LineCounter, Node, Document } from 'yaml';
import { BlockPositions, blockPosition } from './block-positions.js';
import { DdpError, error, pointer, splitPointer, type Diagnostic, type Position } from '../diagnostics.js';
import { fastParse } from './fast-yaml.js';
import { checkAliases } from '../yaml-aliases.js';
import { codeBrief } from './brief.js';
import { applyEdits, explainSlip, keyAt, Lines, offsetBefore, type Edit, type ParserError, type Slip } from './yaml-slips.js';

// `yaml` (positions, and every diagnostic of a bad document) is loaded on first use: ordinary
// documents take the fast path, and start-up does not pay for initialising it
let yamlLib: typeof YamlLib | undefined;
const yaml = (): typeof YamlLib => (yamlLib ??= createRequire(import.meta.url)('yaml') as typeof YamlLib);

export const DEFAULT_FILES = ['ddp.yaml', 'ddp.yml', 'topology.yaml'] as const;
/** The name `-` stands for standard input (`… | ddp generate - -o out`); diagnostics call it <stdin>. */
export const STDIN = '-';
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;
/** Nodes that YAML aliases may add to a topology in all (a billion-laughs document adds ~10^9). */
export const MAX_ALIAS_NODES = 250_000;
/** @deprecated the alias limit counts expanded nodes now: MAX_ALIAS_NODES. */
export const MAX_ALIAS_COUNT = MAX_ALIAS_NODES;
/** How deeply a topology may nest (mappings and lists, aliases expanded). */
export const MAX_DEPTH = 200;

export interface SourceMap {
  /** Where the value (or, with `key`, the key) at a JSON pointer starts; nearest ancestor if absent. */
  locate(ptr: string, which?: 'key' | 'value'): Position;
  /** True when the pointer names a node that is present in the source. */
  has(ptr: string): boolean;
}

export interface Loaded {
  file: string; // as the user named it
  data: unknown; // plain data, null-prototype objects (so __proto__/constructor keys are inert)
  source: SourceMap;
}

/** Resolve the topology file: the one given, or the first default name in `cwd`. */
export function findTopologyFile(file: string | undefined, cwd: string): string {
  if (file !== undefined) return file;
  for (const name of DEFAULT_FILES) if (existsSync(resolve(cwd, name))) return name;
  throw new DdpError(
    error('no-topology-file', `no topology file given and none of ${DEFAULT_FILES.join(', ')} in ${cwd}`, {
      hint: 'pass the file (ddp validate path/to/ddp.yaml) or create one with `ddp init`',
    }),
  );
}

/** Read and parse a topology file (`-`: standard input). Throws DdpError with positioned diagnostics on bad input. */
export function loadFile(file: string, cwd = process.cwd()): Loaded {
  const shown = file === STDIN ? '<stdin>' : file;
  let text: string;
  try {
    text = readCapped(file === STDIN ? 0 : resolve(cwd, file), MAX_INPUT_BYTES);
  } catch (e) {
    const cap = MAX_INPUT_BYTES / 1048576;
    const at = { file: shown, line: 1, col: 1, hint: 'split the topology, or check that this is the right file' };
    if (e instanceof NotUtf8) {
      throw new DdpError(error('not-utf8', e.describe(shown), {
        file: shown, line: e.line, col: e.col, hint: 'save the file as UTF-8 (YAML and JSON files are UTF-8; Latin-1 or UTF-16 are not read)',
      }));
    }
    if (e instanceof NoWriter) throw new DdpError(error('no-writer', e.describe(shown), { file: shown, hint: 'start what writes to it first (or in the same command line), or pass the file itself' }));
    if (e instanceof TooLarge) {
      throw new DdpError(error('file-too-large', e.bytes !== undefined ? `${shown} is ${(e.bytes / 1048576).toFixed(1)} MiB; ddp reads topologies of at most ${cap} MiB` : `${shown} goes on past ${cap} MiB, the most ddp reads of a topology`, at));
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DdpError(error('file-not-found', `${file}: no such file`, { file, hint: 'check the path, or create a topology with `ddp init`' }));
    if (code === 'ENOTDIR') throw new DdpError(error('file-not-found', `${file}: no such file (${fsWords(code)})`, { file, hint: 'check the path' }));
    if (code === 'EISDIR') {
      throw new DdpError(error('not-a-file', `${file} is a directory, not a topology file`, { file, hint: `pass a file inside it, e.g. ${file.replace(/\/$/, '')}/ddp.yaml` }));
    }
    throw new DdpError(error('file-unreadable', `${shown}: cannot read (${code ? fsWords(code) : String(e)})`, { file: shown, hint: 'check the path and its permissions' }));
  }
  return parseTopologyText(text, shown);
}

/** Parse topology text (YAML or JSON). Pure: no disk access. */
export function parseTopologyText(text: string, file = '<input>'): Loaded {
  if (text.length > MAX_INPUT_BYTES) {
    throw new DdpError(error('file-too-large', `${file} is larger than ${MAX_INPUT_BYTES / 1048576} MiB`, { file, line: 1, col: 1 }));
  }
  if (text.trim() === '') {
    throw new DdpError(error('empty-file', `${file} is empty`, { file, line: 1, col: 1, hint: 'a topology starts with `apiVersion: ddp/v1` and `kind: Topology`; `ddp init` writes one' }));
  }
  text = loneCrAsLf(text);
  const bad = notPrintable(text);
  if (bad) throw new DdpError(error('control-character', bad.message, { file, line: bad.line, col: bad.col, hint: bad.hint }));
  // the fast path (js-yaml, ~20× faster) for ordinary documents; positions are needed only for
  // diagnostics: a line scan reads those of a block-style document, and the full parse below runs
  // on first use only for the rest (src/topology/fast-yaml.ts, block-positions.ts)
  const fast = fastParse(text);
  if (fast !== undefined) return { file, data: inert(fast), source: scannedSourceMap(text, lazySourceMap(() => parseFull(text, file).source)) };
  return parseFull(text, file);
}

/** CR-only line ends (an old Mac editor) as LF: YAML reads a lone CR as a line break, and both
 *  parsers do once it is LF; one character for one, so every offset, line and column stays where
 *  it was. For topologies and for `ddp lint`. */
export const loneCrAsLf = (text: string): string => (text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text);

/** YAML 1.2's core tags and the values they take (a value that does not fit is a warning of the parser). */
const CORE_TAG_VALUES: Record<string, string> = {
  '!!bool': 'true or false',
  '!!int': 'an integer (digits, 0x.. or 0o..)',
  '!!float': 'a number with a point or an exponent (1.5, 2e3), .inf or .nan',
  '!!null': 'null, ~ or nothing',
};

/** YAML 1.1's types the parser still builds (a Buffer, a Date, a Set...): no topology field takes one. */
const YAML11_TAGS = new Set(['binary', 'timestamp', 'set', 'omap', 'pairs'].map((t) => `tag:yaml.org,2002:${t}`));

/** What YAML does not allow in a file and no YAML writer emits raw: C0 controls but tab, LF and
 *  CR (NUL, ESC, ...). DEL and the C1 controls are not printable in YAML 1.2 either, but the
 *  `yaml` library writes DEL as it is: such files are read, not refused. One native regex scan. */
const NOT_PRINTABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F]/;

/** The first character YAML does not allow, where it is and what to do; undefined when there is none.
 *  For topologies and for `ddp lint` (kubectl refuses such a file too). */
export function notPrintable(text: string): { offset: number; line: number; col: number; message: string; hint: string } | undefined {
  const m = NOT_PRINTABLE.exec(text);
  if (!m) return undefined;
  const before = text.slice(0, m.index);
  const line = before.split('\n').length;
  const col = m.index - before.lastIndexOf('\n');
  const code = `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  return {
    offset: m.index,
    line,
    col,
    message: `the file holds the control character ${code}, which YAML does not allow in a file`,
    hint: `remove it; to have it in a value, write it escaped in a double-quoted string ("\\u${code.slice(2).toLowerCase()}")`,
  };
}

/** Positions a line scan reads in a block-style document (src/topology/block-positions.ts), the
 *  full parse's for the rest: a warning no longer costs the full parse of the whole file. */
function scannedSourceMap(text: string, full: SourceMap): SourceMap {
  let scan: BlockPositions | undefined;
  const find = (ptr: string) => (scan ??= new BlockPositions(text)).find(ptr);
  return {
    locate: (ptr, which = 'value') => blockPosition(find(ptr), which) ?? full.locate(ptr, which),
    has: (ptr) => {
      const found = find(ptr);
      return found === 'absent' ? false : found === 'unknown' ? full.has(ptr) : true;
    },
  };
}

/** A source map built on first use. */
function lazySourceMap(build: () => SourceMap): SourceMap {
  let map: SourceMap | undefined;
  return { locate: (ptr, which) => (map ??= build()).locate(ptr, which), has: (ptr) => (map ??= build()).has(ptr) };
}

/** The full parse: `yaml` with a line counter, every diagnostic of a bad document, a source map. */
export function parseFull(text: string, file: string): Loaded {
  const { LineCounter, parseAllDocuments, isMap, isSeq, isScalar } = yaml();
  const at = (lc: LineCounter, offset: number) => lc.linePos(offset);
  const lineCounter = new LineCounter();
  // merge keys (`<<: *defaults`) as YAML 1.1 and compose files have them
  const options = { uniqueKeys: true, prettyErrors: false, strict: true, merge: true } as const;
  const docs = parseAllDocuments(text, { lineCounter, ...options });
  if (!Array.isArray(docs) || docs.length === 0) {
    // EmptyStream: only comments / directives
    throw new DdpError(error('empty-file', `${file} holds no YAML document`, { file, line: 1, col: 1, hint: 'a topology starts with `apiVersion: ddp/v1` and `kind: Topology`' }));
  }
  const diags: Diagnostic[] = [];
  // (where the parser lost its place, its line counter can miss line breaks: errors are placed by the text)
  let lines: Lines | undefined;
  for (const doc of docs) {
    for (const d of describeYamlErrors(doc, text, (t) => parseAllDocuments(t, options) as Document.Parsed[])) {
      const p = (lines ??= new Lines(text)).position(d.offset);
      diags.push(error(d.code, d.message, { file, line: p.line, col: p.col, hint: d.hint }));
    }
    // a tag YAML does not know (`!Ref`, `!!python/object:...`): the parser warns and drops it, and
    // the value would be taken as plain text -- a topology means values as written
    for (const w of doc.warnings) {
      if (w.code !== 'TAG_RESOLVE_FAILED') continue;
      const p = at(lineCounter, w.pos[0]);
      const tag = text.slice(w.pos[0], w.pos[1]).trim() || (/tag: (\S+)/.exec(w.message)?.[1] ?? 'here');
      // a core tag the value does not fit (`!!bool yes`), or a tag YAML does not define at all
      const takes = CORE_TAG_VALUES[tag];
      diags.push(
        takes
          ? error('yaml-tag', `the value tagged ${tag} is none: YAML 1.2 reads ${takes} there`, { file, line: p.line, col: p.col, hint: `write ${takes}, or drop the tag` })
          : error('yaml-tag', `the tag ${tag} is not one a topology knows (YAML's own !!str, !!int, ... are)`, { file, line: p.line, col: p.col, hint: 'remove the tag: write the value itself' }),
      );
    }
  }
  // (the parser may report one unclosed quote or bracket twice, at the same opener: said once;
  // what follows a nesting it gave up on is noise)
  const deep = diags.find((d) => d.code === 'too-deep');
  if (deep) throw new DdpError(deep);
  if (diags.length) throw new DdpError(diags.filter((d, i) => diags.findIndex((x) => x.line === d.line && x.col === d.col && x.code === d.code && x.message === d.message) === i));
  if (docs.length > 1) {
    const p = at(lineCounter, docs[1].range[0]);
    throw new DdpError(error('multiple-documents', `${file} holds ${docs.length} YAML documents; a topology is exactly one`, { file, line: p.line, col: p.col, hint: 'remove the `---` separator, or split the documents into separate files' }));
  }
  const doc = docs[0] as Document.Parsed;
  const contents = doc.contents as Node | null;
  if (!isMap(contents)) {
    const p = contents ? at(lineCounter, contents.range![0]) : { line: 1, col: 1 };
    const what = isSeq(contents) ? 'a list' : contents === null || (isScalar(contents) && contents.value === null) ? 'empty' : 'a single value';
    throw new DdpError(error('not-a-mapping', `the top level of ${file} is ${what}; a topology is a mapping (apiVersion, kind, metadata, services)`, { file, line: p.line, col: p.col, hint: 'start the file with `apiVersion: ddp/v1`' }));
  }
  const inlineAliases = checkExpansion(contents, lineCounter, file);
  // positions as written (a merged-in key is found at the mapping that merges it), then no aliases
  const source = buildSourceMap(contents, lineCounter);
  inlineAliases();
  let data: unknown;
  try {
    // checkExpansion has bounded what aliases add, and none is left
    data = doc.toJS({ maxAliasCount: -1 });
  } catch (e) {
    // (checkExpansion has said what it knows of; whatever else toJS finds, as it says it)
    throw new DdpError(error('yaml-syntax', `${file}: ${e instanceof Error ? e.message : String(e)}`, { file, line: 1, col: 1 }));
  }
  return { file, data: inert(data), source };
}

/**
 * Before anything is expanded: aliases may add at most MAX_ALIAS_NODES nodes in all (billion
 * laughs), may not refer to a node that contains them (a cycle), and nesting, aliases expanded,
 * stays within MAX_DEPTH (src/yaml-aliases.ts, shared with `ddp lint`). Each problem points at the
 * alias (or node) where the limit is crossed; so do a YAML 1.1 type tag and a merge key `<<` of
 * something else than mappings. Returns what inlines the aliases, for toJS.
 */
function checkExpansion(root: Node, lc: LineCounter, file: string): () => void {
  const y = yaml();
  const fail = (code: string, message: string, node: Node, hint: string): never => {
    const p = lc.linePos(node.range?.[0] ?? 0);
    throw new DdpError(error(code, message, { file, line: p.line, col: p.col, hint }));
  };
  const merges: { key: Node; value: unknown }[] = [];
  const visit = (node: Node) => {
    const tag = node.tag;
    if (tag && YAML11_TAGS.has(tag)) fail('yaml-tag', `the tag !!${tag.slice('tag:yaml.org,2002:'.length)} is one of YAML 1.1's types, which no topology field takes`, node, 'remove the tag: write the value as text');
    if (y.isMap(node)) for (const item of node.items) if (y.isScalar(item.key) && typeof item.key.value === 'symbol') merges.push({ key: item.key, value: item.value });
  };
  const checked = checkAliases(y, root, { maxAdded: MAX_ALIAS_NODES, maxDepth: MAX_DEPTH, visit });
  if (!checked.ok) {
    const { kind, at } = checked.problem;
    const aliasHint = 'write the values out, or use fewer anchors and aliases';
    if (!y.isAlias(at)) return fail('too-deep', `the topology nests more than ${MAX_DEPTH} levels deep here`, at, 'flatten the structure; no topology field nests this deep');
    const name = `*${at.source}`;
    if (kind === 'no-anchor') return fail('yaml-syntax', `the alias ${name} names no anchor: there is no &${at.source} before it`, at, `define &${at.source} on the node to repeat, before the alias`);
    if (kind === 'cycle') return fail('alias-cycle', `the alias ${name} refers to a node that contains it: it would expand forever`, at, 'an alias may only repeat a node defined before it, outside it');
    if (kind === 'limit') return fail('alias-limit', `YAML aliases expand this document past ${MAX_ALIAS_NODES} nodes at ${name} (a "billion laughs" document?)`, at, aliasHint);
    return fail('too-deep', `${name} here nests the topology more than ${MAX_DEPTH} levels deep`, at, aliasHint);
  }
  // a merge key `<<` takes a mapping (or an alias of one), or a list of them
  const map = (v: unknown) => y.isMap(y.isAlias(v) ? checked.targetOf(v) : v);
  for (const { key, value } of merges) {
    if (map(value) || (y.isSeq(value) && value.items.every(map))) continue;
    fail('bad-merge', 'a merge key `<<` takes a mapping (or an alias of one), or a list of them', key, 'merge a mapping: `<<: *defaults`, or `<<: [*a, *b]`');
  }
  // each alias replaced by the node it repeats, for toJS (which would resolve each by a scan)
  return checked.inline;
}

/** Deep copy into null-prototype objects: keys like __proto__ or constructor are plain data. */
export function inert(v: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new DdpError(error('too-deep', `the topology nests more than ${MAX_DEPTH} levels deep`));
  if (Array.isArray(v)) return v.map((x) => inert(x, depth + 1));
  if (v !== null && typeof v === 'object') {
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, x] of Object.entries(v as object)) out[k] = inert(x, depth + 1);
    return out;
  }
  return v;
}

export interface YamlErrorDescription {
  offset: number;
  code: 'yaml-syntax' | 'duplicate-key' | 'too-deep';
  message: string;
  hint: string;
}

/** How much text the repairs of slips may parse again in all (see describeYamlErrors): a
 *  hand-written topology up to 50 times, a big file once or not at all (the parse of a broken
 *  file is slow: 0.8 s for 130 KB of 5,000 slips). */
const REPARSE_BUDGET = 256 * 1024;

/**
 * What to say about the yaml parser's errors in one document: where (an unclosed quote or
 * bracket at its opener, not at the end of the file where the parser noticed; a mis-indented key
 * at its own line, not at the value above it), what is wrong in plain words, how to fix it
 * (src/topology/yaml-slips.ts). One slip is said once: a slip the parser reports several errors
 * for, or loses its place over and reports every later line of, is repaired as its hint says,
 * and `reparse` (the caller's parse, its options) reads the repaired text for what else is wrong.
 * `position` is the line and column of an offset of `text` in the file (when `text` is the file's
 * own, its lines), for a message that names another place. For topologies and for `ddp lint` alike.
 */
export function describeYamlErrors(doc: Document.Parsed, text: string, reparse?: (text: string) => Document.Parsed[], position?: (offset: number) => Position): YamlErrorDescription[] {
  let fileLines: Lines | undefined;
  const where = position ?? ((offset: number) => (fileLines ??= new Lines(text)).position(offset));
  const out: YamlErrorDescription[] = [];
  const said = new Set<string>();
  // the lines of slips repaired: what a later parse finds there is of the repair's making
  const repairedLines: [number, number][] = [];
  const say = (d: YamlErrorDescription, back: (offset: number) => number) => {
    const offset = back(d.offset);
    const key = `${offset} ${d.message}`;
    if (!said.has(key) && !repairedLines.some(([from, to]) => offset >= from && offset <= to)) out.push({ ...d, offset });
    said.add(key);
  };
  let current = { doc, text, back: (offset: number) => offset };
  let budget = REPARSE_BUDGET;
  let repairedTo = -1; // (in the original text) a repair only ever moves on
  // past a slip that wanted a repair and got none, the parser's errors are its lost place's:
  // said in its words, not read as slips of their own
  let blind = false;
  // (in the original text) where the first error the parser said in its own words is
  let lostAt = Infinity;
  for (let round = 0; ; round++) {
    const { doc: d, text: t, back } = current;
    const errors: ParserError[] = d.errors;
    const slips: Slip[] = [];
    let lines: Lines | undefined;
    let repeated: RepeatedKeys | undefined;
    let next: typeof current | undefined;
    const known = errors.map((e) => describeYamlError(d, e));
    // the text after an unclosed quote or bracket is inside it, wherever the parser gave up on it
    const inside = known.reduce((min, k) => Math.min(min, k?.offset ?? Infinity), Infinity);
    for (let i = 0; i < errors.length && !next; i++) {
      const e = errors[i];
      if (slips.some((s) => s.explains(e))) continue;
      if (known[i]) {
        say(known[i]!, back);
        continue;
      }
      if (e.pos[0] > inside) continue;
      const slip = blind ? undefined : explainSlip((lines ??= new Lines(t)), errors, i);
      if (slip && slip.offset > inside) continue;
      if (!slip) {
        // a key seen twice after a syntax error said in the parser's words (no slip repaired it) is
        // most often the parser's, lost since (block scalar text read as keys): said once the
        // syntax is right, if it is still there
        if (e.code === 'DUPLICATE_KEY') {
          if (back(e.pos[0]) <= lostAt) say(duplicateKey(t, keyAt(t, e.pos[0]), (repeated ??= repeatedKeys(d)), (o) => where(back(o))), back);
        } else {
          say({ offset: e.pos[0], code: 'yaml-syntax', message: yamlMessage(e.code, e.message), hint: yamlHint(e.code) }, back);
          lostAt = Math.min(lostAt, back(e.pos[0]));
        }
        continue;
      }
      say({ offset: slip.offset, code: 'yaml-syntax', message: slip.message, hint: slip.hint }, back);
      slips.push(slip);
      if (slip.fix?.length) {
        if (reparse && back(slip.offset) > repairedTo && budget >= t.length && round < 50) next = repaired(d, t, back, slip.fix, reparse);
        if (!next) blind = true;
      }
      if (next) {
        budget -= t.length;
        repairedTo = back(slip.offset);
        const end = text.indexOf('\n', repairedTo);
        repairedLines.push([text.lastIndexOf('\n', repairedTo - 1) + 1, end < 0 ? text.length : end]);
      }
    }
    if (!next) return out;
    current = next;
  }
}

/** The document again, from `text` with `fix` made; undefined when it cannot be found there. */
function repaired(doc: Document.Parsed, text: string, back: (offset: number) => number, fix: Edit[], reparse: (text: string) => Document.Parsed[]) {
  const t = applyEdits(text, fix);
  const docs = reparse(t);
  // (a repair is made inside the document: it starts where it did)
  const d = Array.isArray(docs) ? docs.find((x) => x.range[0] === doc.range[0]) : undefined;
  return d && { doc: d, text: t, back: (offset: number) => back(offsetBefore(offset, fix)) };
}

/**
 * One of the yaml parser's errors that is said the same whatever else is wrong: nesting too
 * deep, an unclosed quote, [ or { (yaml reports it where it gives up, often the end of the file;
 * the user needs the line where it was opened: the innermost such node around the error).
 * Undefined for the rest.
 */
function describeYamlError(doc: Document.Parsed, e: ParserError): YamlErrorDescription | undefined {
  // nesting past what the parser's recursion follows (~800 levels) ends in a RangeError it reports
  if (/maximum call stack size exceeded/i.test(e.message)) {
    return { offset: e.pos[0], code: 'too-deep', message: `the YAML nests more than ${MAX_DEPTH} levels deep here (so deep the parser gave up)`, hint: 'flatten the structure; no topology field nests this deep' };
  }
  const unclosed = unclosedOpener(doc, e.pos[0], e.message);
  if (unclosed) return { offset: unclosed.offset, code: 'yaml-syntax', message: `YAML syntax error: ${unclosed.what} opened here is never closed`, hint: unclosed.hint };
  return undefined;
}

function unclosedOpener(doc: Document.Parsed, pos: number, message: string): { offset: number; what: string; hint: string } | undefined {
  const { visit, isScalar, isMap, isSeq } = yaml();
  if (!/Missing closing|must be sufficiently indented and end with|must end with/.test(message)) return undefined;
  let best: Node | undefined;
  visit(doc, (_key, n) => {
    if (!n || typeof n !== 'object' || !('range' in n) || !n.range) return;
    const node = n as Node;
    const opens = (isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE')) || ((isMap(node) || isSeq(node)) && node.flow === true);
    if (opens && node.range![0] < pos && node.range![1] >= pos && (!best || node.range![0] > best.range![0])) best = node;
  });
  if (!best) return undefined;
  const b = best as Node;
  if (isScalar(b)) {
    const q = b.type === 'QUOTE_DOUBLE' ? '"' : "'";
    return { offset: b.range![0], what: `the ${q}-quoted string`, hint: `end the string with ${q} (a quoted string may span lines, but must be closed)` };
  }
  const [open, close, kind] = isSeq(b) ? ['[', ']', 'list'] : ['{', '}', 'mapping'];
  return { offset: b.range![0], what: `the ${open} ${kind}`, hint: `close it with ${close}, or write it in block style, one entry per line` };
}

/** Each key of a document that repeats a key before it in its mapping (by where it starts): its
 *  name, and where the first copy starts. */
type RepeatedKeys = Map<number, { name?: string; first: number }>;

/** The repeated keys of `doc`, compared as the parser compares them (`"a"` and `a` are one key;
 *  merge keys `<<` are not compared). One pass, made on a document's first duplicate key only. */
function repeatedKeys(doc: Document.Parsed): RepeatedKeys {
  const { visit, isScalar } = yaml();
  const out: RepeatedKeys = new Map();
  visit(doc, {
    Map(_key, map) {
      const firsts = new Map<unknown, number>();
      for (const { key } of map.items) {
        if (!isScalar(key) || !key.range || typeof key.value === 'symbol') continue;
        const first = firsts.get(key.value);
        if (first === undefined) firsts.set(key.value, key.range[0]);
        else out.set(key.range[0], { name: typeof key.value === 'string' ? key.value : undefined, first });
      }
    },
  });
  return out;
}

/** The key the parser found repeated at `offset` of `text`, named, and where its first copy is
 *  (`where`: an offset's line and column in the file). */
function duplicateKey(text: string, offset: number, repeated: RepeatedKeys, where: (offset: number) => Position): YamlErrorDescription {
  const r = repeated.get(offset);
  const name = r?.name ?? keyName(text, offset);
  return { offset, code: 'duplicate-key', ...duplicateKeyWords(name, where(offset), r && where(r.first)) };
}

/** The key written at `offset`, as the text has it (unquoted); undefined when it cannot be read. */
function keyName(text: string, offset: number): string | undefined {
  const m = /^(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\n]|'')*)'|([^:#,{}[\]\n]*?))[ \t]*:/.exec(text.slice(offset, offset + 300));
  return (m ? (m[1] ?? m[2]?.replace(/''/g, "'") ?? m[3]) : undefined) || undefined;
}

/** What to say of key `name`, at `at`, written before in its mapping at `first` (when known):
 *  where that is (its line; its column too where the two are not in line, as in `{ a: 1, a: 2 }`)
 *  and which to remove. */
function duplicateKeyWords(name: string | undefined, at: Position, first?: Position): { message: string; hint: string } {
  const key = name === undefined ? '' : ` ${codeBrief(name)}`;
  if (!first) return { message: `duplicate key${key}: a key may appear only once in a mapping`, hint: yamlHint('DUPLICATE_KEY') };
  const there = first.col === at.col ? `line ${first.line}` : `line ${first.line}, column ${first.col}`;
  return {
    message: `duplicate key${key}: already set at ${there} (a key may appear only once in a mapping)`,
    hint: `remove this${key || ' key'} or the one at ${there}, with its value: keep the one you mean, or rename one if it was meant to be another key`,
  };
}

function yamlMessage(code: string, raw: string): string {
  const first = raw.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return `YAML syntax error: ${first.charAt(0).toLowerCase()}${first.slice(1)}`;
}

function yamlHint(code: string): string {
  switch (code) {
    case 'DUPLICATE_KEY': return 'remove or rename one of the two keys';
    case 'BAD_INDENT': case 'MISSING_CHAR': return 'check the indentation and the `:` after each key';
    case 'TAB_AS_INDENT': return 'indent with spaces, not tabs';
    default: return 'check the YAML near this position';
  }
}

function buildSourceMap(root: Node, lc: LineCounter): SourceMap {
  const { isMap, isSeq, isPair, isScalar } = yaml();
  const values = new Map<string, number>();
  const keys = new Map<string, number>();
  const walk = (node: unknown, ptr: string) => {
    if (isMap(node)) {
      for (const item of node.items) {
        if (!isPair(item)) continue;
        const k = isScalar(item.key) ? String(item.key.value) : String(item.key);
        const child = ptr + pointer(k);
        const kn = item.key as Node | null;
        if (kn?.range) keys.set(child, kn.range[0]);
        const vn = item.value as Node | null;
        if (vn?.range) values.set(child, vn.range[0]);
        else if (kn?.range) values.set(child, kn.range[0]);
        walk(item.value, child);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const child = `${ptr}/${i}`;
        const n = item as Node;
        if (n?.range) values.set(child, n.range[0]);
        walk(item, child);
      });
    }
  };
  values.set('', root.range?.[0] ?? 0);
  walk(root, '');
  return {
    has: (ptr) => values.has(ptr),
    locate(ptr, which = 'value') {
      let parts = splitPointer(ptr);
      for (;;) {
        const p = pointer(...parts);
        const off = which === 'key' ? keys.get(p) ?? values.get(p) : values.get(p) ?? keys.get(p);
        if (off !== undefined) return lc.linePos(off);
        if (parts.length === 0) return { line: 1, col: 1 };
        parts = parts.slice(0, -1);
        which = 'key';
      }
    },
  };
}
