// `ddp generate --check`: compare what would be generated with what an output directory holds,
// and describe the difference as a unified diff (git-style a/ b/ paths, /dev/null for files that
// would be added or removed). Reads, never writes.
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { OutputFile } from './files.js';
import { DdpError, error } from '../diagnostics.js';
import { sha256 } from '../sha256.js';
import { listFiles, readManifest, outputError, readUnlocked, replaceRefusal, MANIFEST } from './write.js';

export interface CheckResult {
  outDir: string;
  upToDate: boolean;
  changed: string[]; // on disk, with other content
  added: string[]; // generated but missing from the directory: generate would add them
  removed: string[]; // ddp wrote them there before, no longer generated: generate would remove them
  extra: string[]; // in the directory, not generated and not ddp's: generate keeps them, so they are no difference
  diff: string; // unified diff from the directory (a/) to the generated output (b/)
  /** files `generate -o DIR` would refuse to overwrite without --force: in the way, not written by
   *  ddp, or changed since it wrote them (the words of its would-clobber error) */
  wouldClobber: string[];
  /** why `generate -o DIR` would refuse to replace DIR (a mount point, the working directory, ...) */
  cannotReplace?: { code: string; message: string; hint?: string };
}

/** What only the user supplies (TLS keys, secret values under compose/secrets/): never a difference. */
const isUserSupplied = (p: string) => p.startsWith('compose/secrets/');

export function checkOutput(outDirArg: string, files: readonly OutputFile[], opts: { cwd?: string } = {}): CheckResult {
  if (outDirArg === '') throw new DdpError(error('output-empty', '-o is empty', { hint: 'pass the directory to compare with, e.g. -o out' }));
  const outDir = resolve(opts.cwd ?? process.cwd(), outDirArg);
  const reading = <T>(read: () => T): T => {
    try {
      return read();
    } catch (e) {
      throw outputError(outDirArg, e, 'compare with what is in');
    }
  };
  const generated = new Set(files.map((f) => f.path));
  // what DIR holds, read when no ddp is writing it (its swap would cut the reading short)
  const { present, ours, recorded, onDisk } = readUnlocked(outDir, outDirArg, () => {
    const onDisk = new Map<string, string>();
    if (!existsSync(outDir) || !lstatSync(outDir).isDirectory()) return { present: [], ours: new Set<string>(), recorded: {} as Record<string, string>, onDisk };
    const recorded = readManifest(outDir)?.files ?? {};
    const ours = new Set(Object.keys(recorded));
    // symlinks are not followed, pipes and devices not read (a pipe would block for ever)
    const present = reading(() => listFiles(outDir)).filter((f) => !f.link && !f.special && f.path !== MANIFEST).map((f) => f.path);
    for (const p of present) if (generated.has(p) || ours.has(p)) onDisk.set(p, reading(() => readFileSync(join(outDir, ...p.split('/')), 'utf8')));
    return { present, ours, recorded, onDisk };
  });
  const changed: string[] = [];
  const added: string[] = [];
  const leftover = present.filter((p) => !generated.has(p) && !isUserSupplied(p));
  const removed = leftover.filter((p) => ours.has(p)).sort();
  const extra = leftover.filter((p) => !ours.has(p)).sort();
  const parts: { path: string; text: string }[] = [];
  for (const f of files) {
    const old = onDisk.get(f.path);
    if (old === undefined) {
      added.push(f.path);
      parts.push({ path: f.path, text: unifiedDiff(undefined, f.content, f.path) });
    } else if (old !== f.content) {
      changed.push(f.path);
      parts.push({ path: f.path, text: unifiedDiff(old, f.content, f.path) });
    }
  }
  for (const p of removed) parts.push({ path: p, text: unifiedDiff(onDisk.get(p), undefined, p) });
  parts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // what generate would refuse to overwrite: a changed file that is not as ddp wrote it
  const wouldClobber = changed
    .filter((p) => !ours.has(p) || sha256().update(onDisk.get(p)!, 'utf8').digest('hex') !== recorded[p])
    .sort()
    .map((p) => (ours.has(p) ? `${p} was changed since ddp wrote it` : `${p} exists and was not written by ddp`));
  const refusal = replaceRefusal(outDirArg, opts.cwd)?.diagnostics[0];
  return {
    ...(refusal ? { cannotReplace: { code: refusal.code, message: refusal.message, ...(refusal.hint ? { hint: refusal.hint } : {}) } } : {}),
    outDir: outDirArg,
    upToDate: !changed.length && !added.length && !removed.length,
    changed: changed.sort(),
    added: added.sort(),
    removed,
    extra,
    wouldClobber,
    diff: parts.map((p) => p.text).join(''),
  };
}

type Op = { kind: ' ' | '-' | '+'; line: string };

function splitLines(text: string): { lines: string[]; finalNewline: boolean } {
  if (text === '') return { lines: [], finalNewline: true };
  const finalNewline = text.endsWith('\n');
  const lines = (finalNewline ? text.slice(0, -1) : text).split('\n');
  return { lines, finalNewline };
}

/** Beyond this many differing lines, a change is shown as a whole replacement (bounded memory). */
const MAX_EDIT = 2000;

/** Myers' O(ND) shortest edit script between two line arrays (common prefix and suffix trimmed first). */
export function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const mid = myers(a.slice(pre, a.length - suf), b.slice(pre, b.length - suf));
  return [...a.slice(0, pre).map((line): Op => ({ kind: ' ', line })), ...mid, ...a.slice(a.length - suf).map((line): Op => ({ kind: ' ', line }))];
}

function myers(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const replace = (): Op[] => [...a.map((line): Op => ({ kind: '-', line })), ...b.map((line): Op => ({ kind: '+', line }))];
  if (n === 0 || m === 0) return replace();
  // trace[d][k + d] = furthest x on diagonal k after d edits
  const trace: Int32Array[] = [];
  let prev = new Int32Array(1); // d = 0
  let done = -1;
  for (let d = 0; d <= Math.min(n + m, MAX_EDIT); d++) {
    const cur = new Int32Array(2 * d + 1);
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && prev[k - 1 + (d - 1)] < prev[k + 1 + (d - 1)]);
      let x = d === 0 ? 0 : down ? prev[k + 1 + (d - 1)] : prev[k - 1 + (d - 1)] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      cur[k + d] = x;
      if (x >= n && y >= m) {
        done = d;
        break;
      }
    }
    trace.push(cur);
    prev = cur;
    if (done >= 0) break;
  }
  if (done < 0) return replace();
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = done; d > 0; d--) {
    const pv = trace[d - 1];
    const k = x - y;
    const down = k === -d || (k !== d && pv[k - 1 + (d - 1)] < pv[k + 1 + (d - 1)]);
    const prevK = down ? k + 1 : k - 1;
    const prevX = pv[prevK + (d - 1)];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) ops.push({ kind: ' ', line: a[--x] }), y--;
    if (down) ops.push({ kind: '+', line: b[--y] });
    else ops.push({ kind: '-', line: a[--x] });
  }
  while (x > 0 && y > 0) ops.push({ kind: ' ', line: a[--x] }), y--;
  return ops.reverse();
}

/** A unified diff of one file (3 lines of context). `undefined` = the file does not exist on that side. */
export function unifiedDiff(oldText: string | undefined, newText: string | undefined, path: string, context = 3): string {
  const a = splitLines(oldText ?? '');
  const b = splitLines(newText ?? '');
  const ops = diffLines(a.lines, b.lines);
  // "\ No newline at end of file" markers: the last line of a side without a final newline
  const aNoNl = oldText !== undefined && oldText !== '' && !a.finalNewline;
  const bNoNl = newText !== undefined && newText !== '' && !b.finalNewline;
  // a context line must end the same way on both sides: where one side's last line lacks the
  // newline and the other's does not, show it as removed and added
  if (aNoNl || bNoNl) {
    let ai = 0;
    let bi = 0;
    for (let k = 0; k < ops.length; k++) {
      const o = ops[k];
      if (o.kind === ' ') {
        ai++;
        bi++;
        const aOpen = aNoNl && ai === a.lines.length;
        const bOpen = bNoNl && bi === b.lines.length;
        if (aOpen !== bOpen) {
          ops.splice(k, 1, { kind: '-', line: o.line }, { kind: '+', line: o.line });
          k++;
        }
      } else if (o.kind === '-') ai++;
      else bi++;
    }
  }
  const header = oldText === undefined ? `--- /dev/null\n+++ b/${path}\n` : newText === undefined ? `--- a/${path}\n+++ /dev/null\n` : `--- a/${path}\n+++ b/${path}\n`;
  const noNl = '\\ No newline at end of file\n';
  let out = '';
  // positions of every op in a and b (1-based line numbers after it)
  const changes = ops.map((o, i) => (o.kind === ' ' ? -1 : i)).filter((i) => i >= 0);
  let i = 0;
  while (i < changes.length) {
    const start = Math.max(0, changes[i] - context);
    let end = Math.min(ops.length, changes[i] + context + 1);
    let j = i + 1;
    while (j < changes.length && changes[j] - context <= end) {
      end = Math.min(ops.length, changes[j] + context + 1);
      j++;
    }
    let aLine = 0;
    let bLine = 0;
    for (let k = 0; k < start; k++) {
      if (ops[k].kind !== '+') aLine++;
      if (ops[k].kind !== '-') bLine++;
    }
    const aStart = aLine;
    const bStart = bLine;
    let body = '';
    for (let k = start; k < end; k++) {
      const o = ops[k];
      body += `${o.kind}${o.line}\n`;
      if (o.kind !== '+') aLine++;
      if (o.kind !== '-') bLine++;
      const aLast = o.kind !== '+' && aLine === a.lines.length && aNoNl;
      const bLast = o.kind !== '-' && bLine === b.lines.length && bNoNl;
      if (aLast || bLast) body += noNl;
    }
    const range = (s: number, l: number) => (l === 0 ? `${s},0` : l === 1 ? `${s + 1}` : `${s + 1},${l}`);
    out += `@@ -${range(aStart, aLine - aStart)} +${range(bStart, bLine - bStart)} @@\n${body}`;
    i = j;
  }
  return header + out;
}
