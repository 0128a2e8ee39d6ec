// What `ddp lint` reads: files, directories (every .yaml/.yml/.json below, hidden directories and
// node_modules skipped), `-` for standard input, or a topology's generated output (in memory).
import { readdirSync, statSync } from 'node:fs';
import { NotUtf8, readCapped, TooLarge } from '../user-files.js';
import { join, relative, resolve, sep } from 'node:path';
import { DdpError, error } from '../diagnostics.js';
import type { LintInput } from './lint.js';
import { MAX_MANIFEST_BYTES } from './source.js';

const MANIFEST_EXT = /\.(ya?ml|json)$/i;

export async function readInputs(paths: readonly string[], opts: { cwd: string; stdin: () => Promise<string> }): Promise<LintInput[]> {
  const out: LintInput[] = [];
  const problems = [];
  let stdinUsed = false;
  for (const p of paths) {
    if (p === '-') {
      if (stdinUsed) continue;
      stdinUsed = true;
      out.push({ file: '<stdin>', text: await opts.stdin(), explicit: true });
      continue;
    }
    const abs = resolve(opts.cwd, p);
    let st;
    try {
      st = statSync(abs);
    } catch {
      problems.push(error('file-not-found', `${p}: no such file or directory`, { file: p, hint: 'check the path; pass files, directories or - for standard input' }));
      continue;
    }
    if (st.isDirectory()) {
      const found = walk(abs).map((f) => display(p, abs, f));
      for (const f of found) out.push({ file: f.shown, text: readText(f.abs, f.shown), explicit: false });
    } else out.push({ file: p, text: readText(abs, p), explicit: true });
  }
  if (problems.length) throw new DdpError(problems);
  // one file named twice (a file and its directory) is linted once
  const seen = new Set<string>();
  return out.filter((i) => (seen.has(i.file) ? false : (seen.add(i.file), true)));
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.') || name === 'node_modules') continue;
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) out.push(...walk(p));
    else if (st.isFile() && MANIFEST_EXT.test(name)) out.push(p);
  }
  return out;
}

function display(arg: string, absDir: string, absFile: string): { abs: string; shown: string } {
  const rel = relative(absDir, absFile).split(sep).join('/');
  const base = arg.replace(/\/+$/, '');
  return { abs: absFile, shown: base === '.' ? rel : `${base}/${rel}` };
}

function readText(abs: string, shown: string): string {
  try {
    return readCapped(abs, MAX_MANIFEST_BYTES); // a pipe or a device is read up to the cap, never for ever
  } catch (e) {
    if (e instanceof NotUtf8) {
      throw new DdpError(error('not-utf8', e.describe(shown), { file: shown, line: e.line, col: e.col, hint: 'save the file as UTF-8' }));
    }
    if (e instanceof TooLarge) {
      const size = e.bytes !== undefined ? `is ${(e.bytes / 1048576).toFixed(1)} MiB` : `goes on past ${MAX_MANIFEST_BYTES / 1048576} MiB`;
      throw new DdpError(error('file-too-large', `${shown} ${size}; ddp lints files of at most ${MAX_MANIFEST_BYTES / 1048576} MiB`, { file: shown }));
    }
    throw new DdpError(error('file-unreadable', `${shown}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file: shown }));
  }
}

/** Read all of standard input. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of process.stdin) {
    const b = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
    size += b.length;
    if (size > MAX_MANIFEST_BYTES) throw new DdpError(error('file-too-large', `standard input is larger than ${MAX_MANIFEST_BYTES / 1048576} MiB`));
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
