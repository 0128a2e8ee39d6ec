// Adding to a topology without disturbing it: the yaml Document API finds where a collection
// ends (node ranges), and the new lines are spliced into the original text there, so every
// existing byte — comments, their alignment, blank lines, quoting, key order — stays as it was.
// A flow collection (`services: { ... }`) has no lines to add to: then the Document API edits the
// tree (doc.addIn / createNode) and prints it, which keeps comments and order.
import { parseDocument, visit, isAlias, isMap, isSeq, isPair, isScalar, YAMLMap, type Document, type Node, type Pair } from 'yaml';

const lineEnd = (text: string, offset: number) => {
  const i = text.indexOf('\n', offset);
  return i < 0 ? text.length : i + 1;
};
const lineStart = (text: string, offset: number) => text.lastIndexOf('\n', offset - 1) + 1;
const column = (text: string, offset: number) => offset - lineStart(text, offset);

type Coll = YAMLMap | import('yaml').YAMLSeq;

function isBlock(node: unknown): node is Coll {
  return (isMap(node) || isSeq(node)) && !node.flow && node.items.length > 0;
}

/** Where a collection's items start (their column) and where a new last item goes (an offset). */
function blockEnd(text: string, node: Coll): { col: number; at: number } {
  const first = node.items[0] as Pair | Node;
  const firstStart = isPair(first) ? (first.key as Node).range![0] : (first as Node).range![0];
  // a seq item's range starts after its "- ": the item column is the dash's
  const col = isSeq(node) ? column(text, text.lastIndexOf('-', firstStart)) : column(text, firstStart);
  const last = node.items[node.items.length - 1] as Pair | Node;
  const lastNode = (isPair(last) ? (last.value as Node | null) ?? (last.key as Node) : last) as Node;
  let at = lineEnd(text, Math.max(lastNode.range![1] - 1, lastNode.range![0]));
  // keep the comment lines that trail the last item (indented at least as deep) above the new one
  let probe = at;
  while (probe < text.length) {
    const end = lineEnd(text, probe);
    const line = text.slice(probe, end).replace(/\r?\n$/, '');
    if (line.trim() === '') {
      probe = end;
      continue;
    }
    const indent = line.length - line.trimStart().length;
    if (line.trimStart().startsWith('#') && indent >= col) {
      at = end;
      probe = end;
      continue;
    }
    break;
  }
  return { col, at };
}

/** An empty flow collection (`[]`, `{}`) in a block parent: replaced by the block lines, its
 *  key's line (and the comment after it) kept as it was -- the Document API would print the
 *  whole file again and move comments. Undefined when `node` is not one. */
function replaceEmptyFlow(text: string, node: unknown, block: string): string | undefined {
  if (!(isMap(node) || isSeq(node)) || !node.flow || node.items.length > 0 || !node.range) return undefined;
  const [start, end] = node.range;
  if (text.slice(start, end).replace(/\s+/g, '') !== (isSeq(node) ? '[]' : '{}')) return undefined;
  const eol = lineEnd(text, end);
  const rest = text.slice(end, eol).replace(/\r?\n$/, ''); // `  # a comment` after the brackets
  if (rest.trim() !== '' && !rest.trimStart().startsWith('#')) return undefined;
  return `${text.slice(0, start).replace(/[ \t]+$/, '')}${rest}\n${block}${text.slice(eol)}`;
}

/** A value shared through YAML anchors (`&sc` used by a `*sc`): adding to it would change every place that uses it. */
function shared(node: unknown, doc: Document): string | undefined {
  if (isAlias(node)) return `*${node.source}`;
  if (!(isMap(node) || isSeq(node)) || !node.anchor) return undefined;
  let used = false;
  visit(doc, { Alias: (_, a) => void (used ||= a.source === node.anchor) });
  return used ? `&${node.anchor}` : undefined;
}

/** The merge key (`<<: *defaults`, `<<: [*a, *b]`, `<<: { ... }`) through which `map` gets `key`,
 *  as written (`*defaults`), or undefined when it gets none that way. */
function mergedFrom(map: YAMLMap, key: string, doc: Document): string | undefined {
  for (const p of map.items) {
    if (!isScalar(p.key) || p.key.value !== '<<') continue;
    const sources = isSeq(p.value) ? p.value.items : [p.value];
    for (const src of sources) {
      const m = isAlias(src) ? src.resolve(doc) : src;
      if (isMap(m) && getPair(m, key)) return isAlias(src) ? `*${src.source}` : '<< { ... }';
    }
  }
  return undefined;
}

function splice(text: string, at: number, block: string): string {
  const before = text.slice(0, at);
  return (before === '' || before.endsWith('\n') ? before : before + '\n') + block + text.slice(at);
}

/** Indentation step of the file: the column of the first item under a top-level block map. */
function indentUnit(text: string, doc: Document.Parsed): number {
  const root = doc.contents;
  if (isMap(root)) {
    for (const p of root.items) if (isBlock(p.value)) return Math.max(1, blockEnd(text, p.value).col);
  }
  return 2;
}

const getPair = (map: YAMLMap, key: string): Pair | undefined => map.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === key) as Pair | undefined;

/**
 * Lines of `snippet` (2-space steps) re-indented to steps of `unit` and shifted to column `base`.
 * The map of a list item stays two columns right of its dash (YAML wants `- a: 1` / `  b: 2`).
 */
export function indentLines(snippet: string, unit: number, base: number): string {
  const stack: { old: number; now: number; dash: boolean }[] = [];
  return (
    snippet
      .replace(/\n$/, '')
      .split('\n')
      .map((line) => {
        if (line.trim() === '') return '';
        const lead = line.length - line.trimStart().length;
        while (stack.length && stack[stack.length - 1].old > lead) stack.pop();
        let top = stack[stack.length - 1];
        if (!top || top.old < lead) {
          const now = !top ? base + (lead / 2) * unit : top.now + (top.dash && lead === top.old + 2 ? 2 : unit);
          top = { old: lead, now, dash: false };
          stack.push(top);
        }
        top.dash = line.trimStart().startsWith('- ');
        return ' '.repeat(top.now) + line.trimStart();
      })
      .join('\n') + '\n'
  );
}

/** A list item from map text: `- first: line` and the rest two columns deeper. */
function seqItem(item: string, dashCol: number, unit: number): string {
  const lines = indentLines(item, unit, 0).replace(/\n$/, '').split('\n');
  return lines.map((l, i) => (i === 0 ? `${' '.repeat(dashCol)}- ${l}` : `${' '.repeat(dashCol + 2)}${l}`)).join('\n') + '\n';
}

export interface EditError {
  code: string;
  message: string;
  hint: string;
}

export type EditResult = { ok: true; text: string; method: 'splice' | 'document' } | { ok: false; error: EditError };

/** Add entry `name` (snippet: `name:` and its body, 2-space steps) under top-level `section`. */
export function addEntry(text: string, section: 'services' | 'pipelines', name: string, snippet: string): EditResult {
  const doc = parseDocument(text, { keepSourceTokens: false });
  const root = doc.contents;
  if (!isMap(root)) return { ok: false, error: { code: 'not-a-mapping', message: 'the topology is not a mapping', hint: 'a topology starts with `apiVersion: ddp/v1`' } };
  const unit = indentUnit(text, doc);
  const pair = getPair(root, section);
  const coll = pair?.value;
  if (isMap(coll) && coll.items.some((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === name)) {
    return { ok: false, error: { code: 'entry-exists', message: `${section}.${name} exists already`, hint: `pick another name, or edit ${section}.${name} by hand` } };
  }
  if (coll !== undefined && coll !== null && !isMap(coll) && !(isScalar(coll) && coll.value === null)) {
    return { ok: false, error: { code: 'not-a-mapping', message: `\`${section}\` is not a mapping`, hint: `${section} maps names to entries` } };
  }
  const anchor = shared(coll, doc);
  if (anchor) return { ok: false, error: { code: 'shared-value', message: `\`${section}\` is a YAML ${anchor.startsWith('*') ? 'alias' : 'anchor'} (${anchor}): ddp add does not edit shared values`, hint: `write ${section} out in full, then run ddp add again` } };
  const emptied = replaceEmptyFlow(text, coll, indentLines(snippet, unit, unit));
  if (emptied !== undefined) return { ok: true, text: emptied, method: 'splice' };
  if (isBlock(coll)) {
    // a top-level section: its items' column is the file's step there
    const { col, at } = blockEnd(text, coll);
    return { ok: true, text: splice(text, at, indentLines(snippet, Math.max(1, col), col)), method: 'splice' };
  }
  if (!pair && section === 'pipelines') {
    const services = getPair(root, 'services');
    if (services && isBlock(services.value)) {
      const { col, at } = blockEnd(text, services.value);
      return { ok: true, text: splice(text, at, `pipelines:\n${indentLines(snippet, Math.max(1, col), col)}`), method: 'splice' };
    }
  }
  // a flow collection, or none yet: edit the tree
  const entry = parseDocument(snippet).contents as YAMLMap;
  if (!pair || !isMap(coll)) doc.set(section, new YAMLMap());
  (doc.get(section) as YAMLMap).items.push(entry.items[0]);
  return { ok: true, text: doc.toString({ lineWidth: 0, indent: unit }), method: 'document' };
}

/** Add `item` (map text) to service `service`'s list `key` (sidecars, ambassadors, adapters) or set its `election`. */
export function attachToService(text: string, service: string, key: 'sidecars' | 'ambassadors' | 'adapters' | 'election', itemName: string, item: string): EditResult {
  const doc = parseDocument(text);
  const root = doc.contents;
  const services = isMap(root) ? getPair(root, 'services')?.value : undefined;
  const svcPair = isMap(services) ? getPair(services, service) : undefined;
  if (!svcPair) {
    const names = isMap(services) ? services.items.map((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key))) : [];
    return { ok: false, error: { code: 'unknown-service', message: `--to ${service}: the topology has no service \`${service}\``, hint: names.length ? `services: ${names.join(', ')}` : 'add the service first' } };
  }
  const svc = svcPair.value;
  if (!isMap(svc)) return { ok: false, error: { code: 'not-a-mapping', message: `services.${service} is not a mapping`, hint: 'a service is a mapping with a `pattern`' } };
  const unit = indentUnit(text, doc);
  const existing = getPair(svc, key);
  if (key === 'election') {
    if (existing) return { ok: false, error: { code: 'entry-exists', message: `services.${service} has an election already`, hint: 'a service has one election lock' } };
  } else if (isSeq(existing?.value) && existing.value.items.some((x) => isMap(x) && String(x.get('name')) === itemName)) {
    return { ok: false, error: { code: 'entry-exists', message: `services.${service}.${key} has \`${itemName}\` already`, hint: 'pick another name' } };
  }
  const anchor = shared(existing?.value, doc);
  if (anchor) {
    return { ok: false, error: { code: 'shared-value', message: `services.${service}.${key} is a YAML ${anchor.startsWith('*') ? 'alias' : 'anchor'} (${anchor}): adding to it would change every service that shares it`, hint: `write services.${service}.${key} out as a list of its own, then run ddp add again` } };
  }
  // the list comes through a merge key: one written here would replace it, not add to it
  const merged = existing ? undefined : mergedFrom(svc, key, doc);
  if (merged && key === 'election') {
    return { ok: false, error: { code: 'entry-exists', message: `services.${service} has an election already, through a merge key (<<: ${merged})`, hint: 'a service has one election lock' } };
  }
  if (merged) {
    return {
      ok: false,
      error: {
        code: 'shared-value',
        message: `services.${service} gets its ${key} through a merge key (<<: ${merged}): a list written here would replace them, not add to them`,
        hint: `write services.${service}.${key} out in full (what it merges in, and the new one), then run ddp add again`,
      },
    };
  }
  if (key !== 'election' && existing && !isSeq(existing.value) && !(isScalar(existing.value) && existing.value.value === null)) {
    return { ok: false, error: { code: 'not-a-list', message: `services.${service}.${key} is not a list`, hint: `${key} is a list of { name, ... } items; fix it by hand, then run ddp add again` } };
  }
  if (isBlock(svc) && isBlock(services)) {
    // the file's step inside a service: its body's column minus the service key's
    const step = Math.max(1, blockEnd(text, svc).col - blockEnd(text, services).col);
    const unit = step;
    if (existing && key !== 'election') {
      const keyCol = column(text, (existing.key as Node).range![0]);
      const emptied = replaceEmptyFlow(text, existing.value, seqItem(item, keyCol + unit, unit));
      if (emptied !== undefined) return { ok: true, text: emptied, method: 'splice' };
    }
    if (existing && isBlock(existing.value) && isSeq(existing.value)) {
      const { col, at } = blockEnd(text, existing.value);
      return { ok: true, text: splice(text, at, seqItem(item, col, unit)), method: 'splice' };
    }
    if (!existing) {
      const { col, at } = blockEnd(text, svc);
      const body = key === 'election' ? indentLines(item, unit, col + unit) : seqItem(item, col + unit, unit);
      return { ok: true, text: splice(text, at, `${' '.repeat(col)}${key}:\n${body}`), method: 'splice' };
    }
  }
  const node = parseDocument(item).contents as Node;
  if (key === 'election') svc.set(key, node);
  else if (existing && isSeq(existing.value)) existing.value.items.push(node);
  else svc.set(key, doc.createNode([node]));
  return { ok: true, text: doc.toString({ lineWidth: 0, indent: unit }), method: 'document' };
}

/**
 * A JSON topology stays JSON: the edit above (which reads JSON as the YAML it also is, and checks
 * what it adds) prints YAML flow style with comments; its data is printed again as JSON, indented
 * as the file was (one line stays one line). JSON has no comments to keep.
 */
export function asJsonLike(original: string, edit: EditResult): EditResult {
  if (!edit.ok || !isJsonObjectText(original)) return edit;
  const body = original.replace(/^\uFEFF/, '');
  const indent = /\n([ \t]+)"/.exec(body)?.[1] ?? (body.trim().includes('\n') ? '  ' : '');
  const json = JSON.stringify(parseDocument(edit.text).toJS(), null, indent);
  return { ok: true, text: (body !== original ? '\uFEFF' : '') + json + (/\n\s*$/.test(body) ? '\n' : ''), method: 'document' };
}

function isJsonObjectText(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text.replace(/^\uFEFF/, ''));
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** The edited text with the original's line endings: a file written with CRLF throughout keeps them. */
export function withLineEndingsOf(original: string, edit: EditResult): EditResult {
  if (!edit.ok || !original.includes('\r\n') || /(^|[^\r])\n/.test(original)) return edit;
  return { ...edit, text: edit.text.replace(/\r?\n/g, '\r\n') };
}
