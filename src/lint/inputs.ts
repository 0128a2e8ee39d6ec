// What `ddp lint` reads: files, directories (every .yaml/.yml/.json below, hidden directories and
// node_modules skipped), `-` for standard input, or a topology's generated output (in memory).
// A directory reached twice (a symbolic link back up the tree, or two links to one place) is read
// once; links that lead nowhere are skipped like other non-manifests. A file or directory that
// cannot be read is a diagnostic, and every such problem is reported at once.
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { NotUtf8, NoWriter, readCapped, TooLarge } from '../user-files.js';
import { join, relative, resolve, sep } from 'node:path';
import { DdpError, error, sortDiagnostics, type Diagnostic } from '../diagnostics.js';
import { fsWords } from '../fs-words.js';
import type { LintInput } from './lint.js';
import { MAX_MANIFEST_BYTES } from './source.js';

const MANIFEST_EXT = /\.(ya?ml|json)$/i;

export function readInputs(paths: readonly string[], opts: { cwd: string }): LintInput[] {
  const out: LintInput[] = [];
  const problems: Diagnostic[] = [];
  const read = (from: string | 0, shown: string, explicit: boolean) => {
    const text = readText(from, shown, problems);
    if (text !== undefined) out.push({ file: shown, text, explicit });
  };
  let stdinUsed = false;
  for (const p of paths) {
    if (p === '-') {
      if (!stdinUsed) read(0, '<stdin>', true);
      stdinUsed = true;
      continue;
    }
    const abs = resolve(opts.cwd, p);
    let st;
    try {
      st = statSync(abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const what = code === 'ENOENT' ? 'no such file or directory' : `cannot read (${fsWords(code)})`;
      problems.push(error('file-not-found', `${p}: ${what}`, { file: p, hint: 'check the path; pass files, directories or - for standard input' }));
      continue;
    }
    if (st.isDirectory()) {
      for (const f of walk(abs, p, abs, new Set([realpathSync(abs)]), problems)) read(f.abs, f.shown, false);
    } else read(abs, p, true);
  }
  if (problems.length) throw new DdpError(sortDiagnostics(problems));
  // one file named twice (a file and its directory) is linted once
  const seen = new Set<string>();
  return out.filter((i) => (seen.has(i.file) ? false : (seen.add(i.file), true)));
}

/** The manifest files below `dir`, sorted; `visited` holds the real paths of the directories read so far. */
function walk(dir: string, arg: string, top: string, visited: Set<string>, problems: Diagnostic[]): { abs: string; shown: string }[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    const shown = display(arg, top, dir);
    problems.push(error('file-unreadable', `${shown}: cannot read the directory (${fsWords((e as NodeJS.ErrnoException).code)})`, { file: shown, hint: 'fix its permissions, or lint the files around it by name' }));
    return [];
  }
  const out: { abs: string; shown: string }[] = [];
  for (const name of names) {
    if (name.startsWith('.') || name === 'node_modules') continue;
    const p = join(dir, name);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue; // a link to nothing, or one that loops: not a manifest
    }
    if (st.isDirectory()) {
      const real = realpathSync(p);
      if (visited.has(real)) continue;
      visited.add(real);
      out.push(...walk(p, arg, top, visited, problems));
    } else if (st.isFile() && MANIFEST_EXT.test(name)) out.push({ abs: p, shown: display(arg, top, p) });
  }
  return out;
}

/** `absFile` as the user would write it: below the directory argument `arg` (absolute: `absDir`). */
function display(arg: string, absDir: string, absFile: string): string {
  const rel = relative(absDir, absFile).split(sep).join('/');
  const base = arg.replace(/\/+$/, '');
  if (!rel) return arg;
  return base === '.' ? rel : `${base}/${rel}`;
}

/** The text of the file (0: standard input), or undefined with the problem added to `problems`. */
function readText(from: string | 0, shown: string, problems: Diagnostic[]): string | undefined {
  try {
    return readCapped(from, MAX_MANIFEST_BYTES); // a pipe or a device is read up to the cap, never for ever
  } catch (e) {
    if (e instanceof NotUtf8) {
      problems.push(error('not-utf8', e.describe(shown), { file: shown, line: e.line, col: e.col, hint: 'save the file as UTF-8' }));
    } else if (e instanceof NoWriter) {
      problems.push(error('no-writer', e.describe(shown), { file: shown, hint: 'start what writes to it first (or in the same command line), or pass the file itself' }));
    } else if (e instanceof TooLarge) {
      const size = e.bytes !== undefined ? `is ${(e.bytes / 1048576).toFixed(1)} MiB` : `goes on past ${MAX_MANIFEST_BYTES / 1048576} MiB`;
      problems.push(error('file-too-large', `${shown} ${size}; ddp lints files of at most ${MAX_MANIFEST_BYTES / 1048576} MiB`, { file: shown }));
    } else {
      problems.push(error('file-unreadable', `${shown}: cannot read (${fsWords((e as NodeJS.ErrnoException).code)})`, { file: shown, hint: 'check its permissions' }));
    }
    return undefined;
  }
}
