// The one writer. Writes all files into a fresh temporary directory beside OUT, then swaps it
// into place: a failed run leaves the previous output untouched and no temporary directory
// behind. Files ddp did not write (e.g. the TLS keys you put in compose/secrets/) are carried
// over; files it wrote last time but no longer generates are removed. Symlinks are never followed.
import { mkdirSync, writeFileSync, renameSync, rmSync, lstatSync, readdirSync, readFileSync, existsSync, linkSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { createHash } from 'node:crypto';
import { DdpError, error } from '../diagnostics.js';
import { isSafePath, type OutputFile } from './files.js';

export const MANIFEST = '.ddp-manifest.json';

export interface Manifest {
  generator: 'ddp';
  files: Record<string, string>; // path → sha256 of what ddp wrote
}

export interface WriteResult {
  outDir: string;
  written: string[];
  removed: string[]; // stale files of an earlier run
  kept: string[]; // files ddp did not write, carried over
}

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

export function readManifest(outDir: string): Manifest | undefined {
  try {
    const m = JSON.parse(readFileSync(join(outDir, MANIFEST), 'utf8')) as Manifest;
    return m && m.generator === 'ddp' && typeof m.files === 'object' ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Every regular file under dir (relative POSIX paths), not following symlinks. */
export function listFiles(dir: string): { path: string; link: boolean }[] {
  const out: { path: string; link: boolean }[] = [];
  // the relative path is built along the way (path.relative per entry costs more than the lstat)
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p, `${rel}${name}/`);
      else out.push({ path: `${rel}${name}`, link: st.isSymbolicLink() });
    }
  };
  walk(dir, '');
  return out;
}

/** The directories the files go into (`a/b/c.yaml` → `a`, `a/b`). */
function directoriesOf(paths: Iterable<string>): Set<string> {
  const dirs = new Set<string>();
  for (const p of paths) for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) dirs.add(p.slice(0, i));
  return dirs;
}

/** An existing entry that sits where ddp writes a directory, or inside where ddp writes a file. */
function inTheWay(path: string, generated: Set<string>, dirs: Set<string>): boolean {
  if (dirs.has(path)) return true;
  for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) if (generated.has(path.slice(0, i))) return true;
  return false;
}

/** What stands in the way of writing `files` into outDir (without --force). */
export function clobberCheck(outDir: string, files: OutputFile[]): string[] {
  return inspect(outDir, files).problems;
}

/** The clobber check, and which generated paths hold exactly what ddp wrote there last time. */
function inspect(outDir: string, files: OutputFile[]): { problems: string[]; intact: Set<string> } {
  const intact = new Set<string>();
  if (!existsSync(outDir)) return { problems: [], intact };
  const manifest = readManifest(outDir);
  const ours = new Set(Object.keys(manifest?.files ?? {}));
  const listed = listFiles(outDir);
  const existing = new Map(listed.map((f) => [f.path, f]));
  const problems: string[] = [];
  for (const f of files) {
    const cur = existing.get(f.path);
    if (!cur) continue;
    if (cur.link) problems.push(`${f.path} is a symlink`);
    else if (!ours.has(f.path)) problems.push(`${f.path} exists and was not written by ddp`);
    else if (sha(readFileSync(join(outDir, f.path))) !== manifest!.files[f.path]) problems.push(`${f.path} was changed since ddp wrote it`);
    else intact.add(f.path);
  }
  // a symlink or a file where ddp writes a directory, or something inside where it writes a file:
  // never followed, never written through
  const generated = new Set(files.map((f) => f.path));
  const dirs = directoriesOf(generated);
  for (const e of listed) {
    if (!inTheWay(e.path, generated, dirs)) continue;
    if (dirs.has(e.path)) problems.push(e.link ? `${e.path} is a symlink (ddp writes files in ${e.path}/ and does not follow symlinks)` : `${e.path} is a file where ddp writes a directory`);
    else problems.push(`${e.path} is inside ${e.path.split('/').slice(0, -1).join('/')}, where ddp writes a file`);
  }
  return { problems, intact };
}

/**
 * A file of the previous output that holds exactly `hash` (= the new content) and may be
 * hard-linked into the new output instead of written again: creating a file costs ~50× a link on
 * some file systems, and a regenerated output is mostly unchanged.
 */
function reusable(outDir: string, path: string, hash: string, previous: Manifest | undefined, intact: Set<string> | undefined, bytes: number): boolean {
  if (!previous || !Object.prototype.hasOwnProperty.call(previous.files, path) || previous.files[path] !== hash) return false;
  if (intact) return intact.has(path); // checked against the manifest by inspect()
  // --force skipped that check: look at the file itself
  const p = join(outDir, ...path.split('/'));
  try {
    const st = lstatSync(p);
    return st.isFile() && st.size === bytes && sha(readFileSync(p)) === hash;
  } catch {
    return false;
  }
}

export function writeOutput(outDirArg: string, files: OutputFile[], opts: { force?: boolean; cwd?: string } = {}): WriteResult {
  const outDir = resolve(opts.cwd ?? process.cwd(), outDirArg);
  for (const f of files) if (!isSafePath(f.path)) throw new DdpError(error('unsafe-path', `refusing to write ${JSON.stringify(f.path)} outside ${outDirArg}`));
  let st;
  try {
    st = lstatSync(outDir);
  } catch {
    st = undefined;
  }
  if (st?.isSymbolicLink()) throw new DdpError(error('output-is-symlink', `-o ${outDirArg} is a symlink`, { hint: 'pass the directory it points to; ddp does not write through symlinks' }));
  if (st && !st.isDirectory()) throw new DdpError(error('output-not-directory', `-o ${outDirArg} is a file, not a directory`, { hint: 'pass a directory (it is created if missing)' }));
  let intact: Set<string> | undefined;
  if (!opts.force) {
    const { problems, intact: unchanged } = inspect(outDir, files);
    intact = unchanged;
    if (problems.length) {
      throw new DdpError(problems.map((p) => error('would-clobber', `refusing to overwrite: ${p}`, { hint: 'move it away, or pass --force to overwrite' })));
    }
  }
  const parent = dirname(outDir);
  try {
    mkdirSync(parent, { recursive: true });
  } catch (e) {
    throw cannotWrite(outDirArg, e);
  }
  const tag = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const tmp = join(parent, `.${basename(outDir)}.ddp-tmp-${tag}`);
  const old = join(parent, `.${basename(outDir)}.ddp-old-${tag}`);
  const manifest: Manifest = { generator: 'ddp', files: {} };
  const previous = st ? readManifest(outDir) : undefined;
  const generated = new Set(files.map((f) => f.path));
  const dirs = directoriesOf(generated);
  const kept: string[] = [];
  const removed: string[] = [];
  try {
    mkdirSync(tmp);
    const made = new Set<string>();
    for (const f of files) {
      const p = join(tmp, ...f.path.split('/'));
      const d = dirname(p);
      if (!made.has(d)) {
        mkdirSync(d, { recursive: true });
        made.add(d);
      }
      const hash = sha(f.content);
      manifest.files[f.path] = hash;
      if (st && reusable(outDir, f.path, hash, previous, intact, Buffer.byteLength(f.content))) {
        try {
          linkSync(join(outDir, ...f.path.split('/')), p);
          continue;
        } catch {
          // no hard links here (another device, a file system without them): write it
        }
      }
      writeFileSync(p, f.content, { flag: 'wx' });
    }
    writeFileSync(join(tmp, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    if (st) {
      // carry over what the user put there (not ours, not about to be replaced)
      for (const f of listFiles(outDir)) {
        // (with --force, what stands in the way of a generated file or directory goes with the old output)
        if (f.path === MANIFEST || generated.has(f.path) || inTheWay(f.path, generated, dirs)) continue;
        if (previous && Object.prototype.hasOwnProperty.call(previous.files, f.path)) {
          removed.push(f.path);
          continue;
        }
        const dest = join(tmp, ...f.path.split('/'));
        mkdirSync(dirname(dest), { recursive: true });
        renameSync(join(outDir, ...f.path.split('/')), dest);
        kept.push(f.path);
      }
      renameSync(outDir, old);
    }
    renameSync(tmp, outDir);
  } catch (e) {
    // put back whatever was carried over, then drop the temporary directory
    if (existsSync(old) && !existsSync(outDir)) renameSync(old, outDir);
    for (const k of kept) {
      const from = join(tmp, ...k.split('/'));
      if (existsSync(from) && existsSync(outDir)) {
        mkdirSync(dirname(join(outDir, k)), { recursive: true });
        renameSync(from, join(outDir, ...k.split('/')));
      }
    }
    rmSync(tmp, { recursive: true, force: true });
    throw FS_CONDITIONS.has((e as NodeJS.ErrnoException).code ?? '') ? cannotWrite(outDirArg, e) : e;
  }
  rmSync(old, { recursive: true, force: true });
  return { outDir, written: [...generated].sort(), removed: removed.sort(), kept: kept.sort() };
}

/** What the file system says when OUT cannot be written: the user's situation, not ddp's bug (exit 1). */
const FS_CONDITIONS = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENOTDIR', 'EEXIST', 'ENAMETOOLONG', 'EISDIR', 'ELOOP', 'EMFILE', 'ENFILE', 'EIO']);
const FS_WORDS: Record<string, string> = {
  EACCES: 'permission denied', EPERM: 'operation not permitted', EROFS: 'read-only file system', ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded', ENOTDIR: 'a part of the path is a file, not a directory', EEXIST: 'a part of the path is a file, not a directory',
  ENAMETOOLONG: 'the path is too long', ELOOP: 'too many symbolic links in the path',
};

function cannotWrite(outDirArg: string, e: unknown): Error {
  const x = e as NodeJS.ErrnoException;
  if (!x || typeof x.code !== 'string') return e as Error;
  // name the user's path, not ddp's temporary directory beside it
  const path = x.path && /\.ddp-(tmp|old)-/.test(x.path) ? dirname(x.path.split(/\/\.[^/]*\.ddp-(?:tmp|old)-/)[0] + '/x') : x.path;
  const where = path ? ` (${path})` : '';
  return new DdpError(error('output-unwritable', `cannot write the output to ${outDirArg}: ${FS_WORDS[x.code] ?? x.code.toLowerCase()}${where}`, {
    hint: 'pass -o a directory you can write (it is created if missing); the previous output, if any, is untouched',
  }));
}

function basename(p: string): string {
  return p.split(sep).filter(Boolean).pop() ?? 'out';
}
