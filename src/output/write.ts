// The one writer. Writes the files, as they come, into a fresh temporary directory beside OUT,
// then swaps it into place: a failed run (here or in whatever produces the files) leaves the
// previous output untouched and no temporary directory behind. Files ddp did not write (e.g. the
// TLS keys you put in compose/secrets/) are carried over; files it wrote last time but no longer
// generates are removed. Symlinks are never followed.
import { chmodSync, chownSync, constants, copyFileSync, fchmodSync, fstatSync, mkdirSync, realpathSync, writeFileSync, renameSync, rmSync, rmdirSync, unlinkSync, lstatSync, readdirSync, readFileSync, readSync, existsSync, linkSync, openSync, writeSync, closeSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import type { Stats } from 'node:fs';
import { sha256 } from '../sha256.js';
import { DdpError, error } from '../diagnostics.js';
import { fsWords } from '../fs-words.js';
import { byPath, isSafePath, type OutputFile } from './files.js';
import { pause } from '../pause.js';

export const MANIFEST = '.ddp-manifest.json';

export interface Manifest {
  generator: 'ddp';
  files: Record<string, string>; // path → sha256 of what ddp wrote
}

/** A file as written: no content (it is on disk). */
export interface WrittenFile {
  path: string;
  target: string;
  bytes: number;
}

export interface WriteResult {
  outDir: string;
  written: string[];
  files: WrittenFile[]; // sorted by path
  removed: string[]; // stale files of an earlier run
  kept: string[]; // files ddp did not write, carried over
  /** DIR held exactly this output already and was left as it was (nothing written, no swap) */
  untouched: boolean;
}

export function readManifest(outDir: string): Manifest | undefined {
  return readManifestText(outDir)?.manifest;
}

/** The manifest of outDir and its text, or undefined when there is none (or it is not ddp's). */
function readManifestText(outDir: string): { manifest: Manifest; text: string } | undefined {
  try {
    const path = join(outDir, MANIFEST);
    if (!lstatSync(path).isFile()) return undefined; // a pipe would block the read for ever
    const text = readFileSync(path, 'utf8');
    const m = JSON.parse(text) as Manifest;
    return m && m.generator === 'ddp' && typeof m.files === 'object' ? { manifest: m, text } : undefined;
  } catch {
    return undefined;
  }
}

/** The manifest's text: the same files and hashes give the same bytes. */
const manifestText = (m: Manifest): string => JSON.stringify(m, null, 2) + '\n';

/** An entry of a directory tree: a regular file, a symlink, or something else (a pipe, a socket, a device: never read). */
export interface Listed {
  path: string;
  link: boolean;
  special: boolean;
}

/** Every entry under dir but the directories (relative POSIX paths), not following symlinks;
 *  the empty directories under it go into `empty` when given. */
export function listFiles(dir: string, empty?: string[]): Listed[] {
  const out: Listed[] = [];
  // the relative path is built along the way (path.relative per entry costs more than the lstat)
  const walk = (d: string, rel: string) => {
    const names = readdirSync(d);
    if (!names.length && rel) empty?.push(rel.slice(0, -1));
    for (const name of names.sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p, `${rel}${name}/`);
      else out.push({ path: `${rel}${name}`, link: st.isSymbolicLink(), special: !st.isFile() && !st.isSymbolicLink() });
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

/** One buffer for reading back the previous output (~120 MB at 10,000 services) instead of a buffer per file. */
const READ_BUFFER = Buffer.allocUnsafe(1 << 16);

/**
 * Every file ddp writes is readable by all (0644), whatever the umask: none holds a secret (you
 * supply those), and compose bind-mounts the configs into containers that run as another user
 * (10001) -- under `umask 077` they were 0600, and no proxy could read its config.
 */
const FILE_MODE = 0o644;
let umaskHidesRead: boolean | undefined;

/** Create `path` (never overwrite: flag wx), mode FILE_MODE; its descriptor. */
function createFile(path: string): number {
  const fd = openSync(path, 'wx', FILE_MODE);
  umaskHidesRead ??= (process.umask() & 0o044) !== 0;
  if (umaskHidesRead) fchmodSync(fd, FILE_MODE);
  return fd;
}

/** Create `path` holding `data`. */
function createWith(path: string, data: Buffer | string): void {
  const b = typeof data === 'string' ? Buffer.from(data) : data;
  const fd = createFile(path);
  try {
    for (let off = 0; off < b.length; ) off += writeSync(fd, b, off);
  } finally {
    closeSync(fd);
  }
}

/** sha256 of a file's bytes; with `ours`, the hash ddp wrote it with: a file that still holds those
 *  bytes gets FILE_MODE back if it lost it (written under an earlier ddp and a umask of 077). */
function hashFile(path: string, ours?: string): string {
  const h = sha256();
  const fd = openSync(path, 'r');
  try {
    for (let n; (n = readSync(fd, READ_BUFFER, 0, READ_BUFFER.length, null)) > 0; ) h.update(READ_BUFFER.subarray(0, n));
    const hash = h.digest('hex');
    if (hash === ours && (fstatSync(fd).mode & 0o777) !== FILE_MODE) {
      try {
        fchmodSync(fd, FILE_MODE);
      } catch {
        // not the owner: left as it is
      }
    }
    return hash;
  } finally {
    closeSync(fd);
  }
}

/** sha256 of a file, or undefined when it cannot be read (then it is not known to match). */
function hashIfReadable(path: string): string | undefined {
  try {
    return hashFile(path);
  } catch {
    return undefined;
  }
}

/** An existing entry that sits where ddp writes a directory, or inside where ddp writes a file. */
function inTheWay(path: string, generated: { has(path: string): boolean }, dirs: Set<string>): boolean {
  if (dirs.has(path)) return true;
  for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) if (generated.has(path.slice(0, i))) return true;
  return false;
}

/** What the output directory holds now: its entries, ddp's manifest, and which of ddp's files are untouched. */
interface Existing {
  listed: Map<string, Listed>;
  manifest?: Manifest;
  /** the manifest file's text */
  manifestText?: string;
  /** empty directories in it (the user's: ddp makes none) */
  empty: string[];
  /** files that still hold exactly what ddp wrote there last time (symlinks never count) */
  intact: Set<string>;
  /** sha256 of the files of the manifest as they are now */
  hashes?: Map<string, string>;
}

function existing(outDir: string): Existing {
  if (!existsSync(outDir)) return { listed: new Map(), intact: new Set(), empty: [] };
  const read = readManifestText(outDir);
  const manifest = read?.manifest;
  const empty: string[] = [];
  const listed = new Map(listFiles(outDir, empty).map((f) => [f.path, f]));
  const intact = new Set<string>();
  const hashes = new Map<string, string>();
  for (const [path, hash] of Object.entries(manifest?.files ?? {})) {
    const e = listed.get(path);
    if (!e || e.link || e.special) continue;
    const now = hashFile(join(outDir, ...path.split('/')), hash);
    hashes.set(path, now);
    if (now === hash) intact.add(path);
  }
  return { listed, manifest, manifestText: read?.text, intact, hashes, empty };
}

/**
 * Generated paths that would overwrite something not ddp's (or changed since), or write through
 * a symlink. A file that already holds exactly the new bytes is no loss to overwrite, whoever
 * wrote it: `--check`'s diff applied by hand, or an output copied from elsewhere, is up to date.
 */
function problems(ex: Existing, generated: Map<string, string>, outDir: string): string[] {
  const ours = ex.manifest?.files ?? {};
  const out: string[] = [];
  for (const path of [...generated.keys()].sort()) {
    const cur = ex.listed.get(path);
    if (!cur) continue;
    if (cur.link) out.push(`${path} is a symlink`);
    else if (cur.special) out.push(`${path} is not a regular file (a pipe, a socket or a device)`);
    else if (ex.intact.has(path) || (ex.hashes?.get(path) ?? hashIfReadable(join(outDir, ...path.split('/')))) === generated.get(path)) continue;
    else if (!Object.prototype.hasOwnProperty.call(ours, path)) out.push(`${path} exists and was not written by ddp`);
    else out.push(`${path} was changed since ddp wrote it`);
  }
  // a symlink or a file where ddp writes a directory, or something inside where it writes a file:
  // never followed, never written through
  const dirs = directoriesOf(generated.keys());
  for (const e of ex.listed.values()) {
    if (!inTheWay(e.path, generated, dirs)) continue;
    if (dirs.has(e.path)) out.push(e.link ? `${e.path} is a symlink (ddp writes files in ${e.path}/ and does not follow symlinks)` : `${e.path} is a file where ddp writes a directory`);
    else out.push(`${e.path} is inside ${e.path.split('/').slice(0, -1).join('/')}, where ddp writes a file`);
  }
  return out;
}

/**
 * Write `files` into outDir atomically. The files are taken one at a time and written into a
 * temporary directory beside outDir as they come (a big output is never held in memory); then
 * the clobber check (without --force), the manifest, and one swap. Anything thrown on the way —
 * by the writer or by whatever produces `files` — removes the temporary directory and leaves
 * the previous output as it was.
 *
 * A file of the previous output that is untouched and holds exactly the new bytes is hard-linked
 * instead of written again: creating a file costs ~50× a link on some file systems, and a
 * regenerated output is mostly unchanged. When every file is such a file and the manifest would
 * not change, DIR is already what this run would make: it is left as it is (no temporary
 * directory, no swap), so that watchers, build tools and a shell inside DIR see nothing happen.
 */
export function writeOutput(outDirArg: string, files: Iterable<OutputFile>, opts: WriteOptions = {}): WriteResult {
  if (outDirArg === '') throw new DdpError(error('output-empty', '-o is empty', { hint: 'pass the directory to write, e.g. -o out (it is created if missing)' }));
  const outDir = resolve(opts.cwd ?? process.cwd(), outDirArg);
  checkOutDir(outDir, outDirArg, opts.cwd); // what is wrong with DIR itself shows before anything is made
  const parent = dirname(outDir);
  try {
    mkdirSync(parent, { recursive: true });
  } catch (e) {
    throw cannotWrite(outDirArg, e);
  }
  const unlock = lockOutput(parent, outDir, outDirArg, opts.lockWaitMs ?? LOCK_WAIT_MS);
  try {
    removeAbandoned(parent, outDir);
    return writeLocked(outDirArg, outDir, parent, files, opts);
  } finally {
    unlock();
  }
}

export interface WriteOptions {
  force?: boolean;
  cwd?: string;
  /** how long to wait for another ddp writing the same directory (tests shorten it) */
  lockWaitMs?: number;
}

/** How long a second `ddp generate -o DIR` waits for the first (10,000 services take ~12 s). */
const LOCK_WAIT_MS = 120_000;

/**
 * One writer per output directory at a time: without it, two runs at once (a file watcher, a
 * parallel make) swap directories under each other -- one fails half-way, or reads the other's
 * files as changed. The lock is a directory beside DIR holding the writer's pid; a second run
 * waits for it, and takes over a lock whose process is gone (killed mid-run). The lock is made
 * whole (pid written) under a name of its own and renamed into place: a rename onto a directory
 * that has files fails, so one run wins, and no lock is ever seen without its pid -- even if a
 * run is killed while making it (that leaves a `-new-` directory, swept by a later run).
 */
function lockOutput(parent: string, outDir: string, outDirArg: string, waitMs: number): () => void {
  const lock = join(parent, `.${basename(outDir)}.ddp-lock`);
  const mine = `${lock}-new-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    mkdirSync(mine);
    writeFileSync(join(mine, 'pid'), `${process.pid}\n`);
  } catch (e) {
    rmSync(mine, { recursive: true, force: true });
    throw outputError(outDirArg, e);
  }
  const deadline = Date.now() + waitMs;
  try {
    for (;;) {
      try {
        renameSync(mine, lock);
        // moved aside before it is removed: removing it in place would leave it empty for a
        // moment, and a rename onto an empty directory succeeds -- another run's lock removed with it
        return () => releaseLock(lock);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw outputError(outDirArg, e);
      }
      const holder = lockHolder(lock);
      if (holder !== undefined && !processAlive(holder)) {
        takeOverStale(lock, holder); // its writer is gone
        continue;
      }
      if (Date.now() > deadline) throw busy(outDirArg, holder, waitMs, lock);
      pause(50);
    }
  } finally {
    if (existsSync(mine)) rmSync(mine, { recursive: true, force: true }); // not taken: waited in vain, or failed
  }
}

/**
 * For a reader of DIR (--check, which takes no lock: it must work on a read-only checkout): `read`
 * while no live ddp holds DIR's lock, and read again if DIR was swapped meanwhile (its inode
 * changed, or a writer took the lock) -- a swap in the middle would show files as missing.
 */
export function readUnlocked<T>(outDir: string, outDirArg: string, read: () => T, waitMs = LOCK_WAIT_MS): T {
  const lock = join(dirname(outDir), `.${basename(outDir)}.ddp-lock`);
  const writer = () => {
    const holder = lockHolder(lock);
    return holder !== undefined && processAlive(holder) ? holder : undefined;
  };
  const identity = () => {
    const st = lstatSync(outDir, { throwIfNoEntry: false });
    return st ? `${st.dev}:${st.ino}` : 'missing';
  };
  const deadline = Date.now() + waitMs;
  for (;;) {
    const holder = writer();
    if (holder === undefined) {
      const before = identity();
      let result: { value: T } | { error: unknown };
      try {
        result = { value: read() };
      } catch (e) {
        result = { error: e }; // a file gone in the middle of a swap, perhaps
      }
      if (identity() === before && writer() === undefined) {
        if ('error' in result) throw result.error;
        return result.value;
      }
    } else if (Date.now() > deadline) throw busy(outDirArg, holder, waitMs, lock);
    pause(50);
  }
}

/** DIR is a mount point (a docker volume, a tmpfs): it cannot be renamed, so it cannot be replaced as a whole. */
function mountPoint(outDirArg: string): DdpError {
  return new DdpError(error('output-is-mount-point', `-o ${outDirArg} is a mount point (a volume, another file system)`, {
    hint: `ddp replaces DIR as a whole by renaming a new one into place, which a mount point does not allow; pass a directory inside it, e.g. -o ${outDirArg.replace(/\/+$/, '')}/deploy`,
  }));
}

function busy(outDirArg: string, holder: number | undefined, waitMs: number, lock: string): DdpError {
  return new DdpError(error('output-busy', `another ddp${holder ? ` (pid ${holder})` : ''} is writing ${outDirArg}; waited ${waitMs / 1000} s`, {
    hint: `run again when it is done; if no ddp is running, remove ${lock}`,
  }));
}

function releaseLock(lock: string): void {
  const aside = `${lock}-done-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    renameSync(lock, aside);
  } catch {
    return; // gone already
  }
  removeLockDirectory(aside);
}

/** Remove a lock directory: the pid file and the directory; whatever else is in it, recursively
 *  (rmSync's recursion loads Node's rimraf, ~1 ms of a short run, for what is one file). */
function removeLockDirectory(dir: string): void {
  try {
    unlinkSync(join(dir, 'pid'));
    rmdirSync(dir);
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The pid in a lock directory; undefined when it has none (gone meanwhile, or not a lock ddp made). */
function lockHolder(lock: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(lock, 'pid'), 'utf8'), 10);
    return Number.isInteger(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Remove a lock whose process is gone -- unless another waiter has replaced it meanwhile: the
 *  lock is moved aside first (atomic), and put back if what was moved is not the dead one's. */
function takeOverStale(lock: string, deadPid: number): void {
  const aside = `${lock}-stale-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    renameSync(lock, aside);
  } catch {
    return; // gone or replaced already: look again
  }
  if (lockHolder(aside) !== deadPid) {
    try {
      renameSync(aside, lock); // a live run's lock: give it back
      return;
    } catch {
      // a third run took the place meanwhile; the live one's lock goes (vanishingly rare)
    }
  }
  removeLockDirectory(aside);
}

/**
 * A run stopped half-way (Ctrl+C, kill) leaves its directories beside DIR. Under the lock no other
 * run is writing, so those of a process that is gone are abandoned, and each is put right by how
 * far its run got (writeLocked's order: files into tmp, manifest, your files carried over, DIR
 * moved to old, tmp moved to DIR, old removed):
 *  - old, and DIR is there: the swap was done; old is what removePrevious had still to remove;
 *  - old, and DIR is missing: stopped between the two renames; its tmp is complete: finish the swap;
 *  - tmp without a manifest: only generated files; removed;
 *  - tmp with a manifest and no old: stopped while carrying your files over: the files its
 *    manifest does not list (yours) go back into DIR, then it is removed -- left as it is when
 *    DIR is gone or one of them cannot go back (its place in DIR taken meanwhile);
 *  - a lock directory being made, taken over or let go (lock-new/-stale/-done): removed.
 */
function removeAbandoned(parent: string, outDir: string): void {
  const base = `.${basename(outDir)}.ddp-`;
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  const abandoned = (name: string, kind: 'old' | 'tmp' | 'lock-new' | 'lock-stale' | 'lock-done'): boolean => {
    if (!name.startsWith(`${base}${kind}-`)) return false;
    const pid = Number.parseInt(name.slice(base.length + kind.length + 1), 10);
    return pid !== process.pid && !processAlive(pid);
  };
  try {
    for (const name of names.filter((n) => abandoned(n, 'old'))) {
      const tmp = join(parent, name.replace(`${base}old-`, `${base}tmp-`));
      if (!existsSync(outDir) && existsSync(join(tmp, MANIFEST))) renameSync(tmp, outDir);
      if (existsSync(outDir)) rmSync(join(parent, name), { recursive: true, force: true });
    }
    for (const name of names.filter((n) => abandoned(n, 'tmp'))) {
      const dir = join(parent, name);
      if (!existsSync(dir) || !lstatSync(dir).isDirectory()) continue;
      if (!existsSync(join(dir, MANIFEST))) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      // stopped while carrying your files over: they go back into DIR, where they were
      const manifest = readManifest(dir);
      if (!manifest || !existsSync(outDir)) continue;
      const carried = listFiles(dir).map((f) => f.path).filter((p) => p !== MANIFEST && !Object.prototype.hasOwnProperty.call(manifest.files, p));
      if (carryBack(dir, outDir, carried)) rmSync(dir, { recursive: true, force: true });
    }
    // a lock being made, taken over or let go when its run stopped: never the lock itself
    for (const name of names.filter((n) => abandoned(n, 'lock-new') || abandoned(n, 'lock-stale') || abandoned(n, 'lock-done'))) rmSync(join(parent, name), { recursive: true, force: true });
  } catch {
    // not this run's to worry about: it goes on
  }
}

/**
 * The new DIR's directories get the mode (and, for root, the owner) of the same directories in
 * the old one: made afresh, they would have the umask's -- a `compose/secrets/` you made 700, or
 * DIR itself, would open to everyone at the next run.
 */
function keepDirectoryModes(outDir: string, tmp: string): void {
  const asRoot = process.geteuid?.() === 0;
  const walk = (rel: string) => {
    const was = lstatSync(join(outDir, rel), { throwIfNoEntry: false });
    if (was?.isDirectory()) {
      const now = lstatSync(join(tmp, rel));
      if ((now.mode & 0o7777) !== (was.mode & 0o7777)) chmodSync(join(tmp, rel), was.mode & 0o7777);
      if (asRoot && (now.uid !== was.uid || now.gid !== was.gid)) chownSync(join(tmp, rel), was.uid, was.gid);
    }
    for (const e of readdirSync(join(tmp, rel), { withFileTypes: true })) if (e.isDirectory()) walk(rel ? `${rel}/${e.name}` : e.name);
  };
  walk('');
}

/** Move the user's files at `paths` from tmp back into DIR; false when one could not go back (its place taken). */
function carryBack(tmp: string, outDir: string, paths: Iterable<string>): boolean {
  let all = true;
  for (const k of paths) {
    const from = join(tmp, ...k.split('/'));
    const to = join(outDir, ...k.split('/'));
    if (!lstatSync(from, { throwIfNoEntry: false })) continue; // not carried yet: still in DIR
    if (lstatSync(to, { throwIfNoEntry: false })) {
      all = false;
      continue;
    }
    mkdirSync(dirname(to), { recursive: true });
    renameSync(from, to);
  }
  return all;
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/** DIR as it stands (undefined when missing); a symlink, a file, or the working directory is refused. */
function checkOutDir(outDir: string, outDirArg: string, cwd: string | undefined): Stats | undefined {
  let st: Stats | undefined;
  try {
    st = lstatSync(outDir);
  } catch {
    st = undefined;
  }
  if (st?.isSymbolicLink()) throw new DdpError(error('output-is-symlink', `-o ${outDirArg} is a symlink`, { hint: 'pass the directory it points to; ddp does not write through symlinks' }));
  if (st && !st.isDirectory()) throw new DdpError(error('output-not-directory', `-o ${outDirArg} is a file, not a directory`, { hint: 'pass a directory (it is created if missing)' }));
  if (st && isMountPoint(outDir, st)) throw mountPoint(outDirArg);
  const cwdRelation = st ? relationToWorkingDirectory(outDir, cwd ?? process.cwd()) : undefined;
  if (cwdRelation) {
    throw new DdpError(error('output-holds-cwd', `-o ${outDirArg} is the working directory${cwdRelation === 'holds' ? ' or holds it' : ''}`, {
      hint: `ddp replaces DIR as a whole on every run, which would leave your shell in a deleted directory and walk everything under it; pass a directory of its own, e.g. -o ${outDirArg.replace(/\/+$/, '') || '.'}/deploy`,
    }));
  }
  return st;
}

/**
 * What keeps `generate` from replacing DIR (a symlink, a file, a mount point, the working
 * directory), or undefined. For `--check`, which compares with such a DIR but must not tell you to
 * run a `generate` that would refuse.
 */
export function replaceRefusal(outDirArg: string, cwd?: string): DdpError | undefined {
  try {
    checkOutDir(resolve(cwd ?? process.cwd(), outDirArg), outDirArg, cwd);
    return undefined;
  } catch (e) {
    if (e instanceof DdpError) return e;
    return undefined; // unreadable: the comparison itself says so
  }
}

/**
 * DIR is a mount point: on another device than its parent (a tmpfs, a volume), or listed in the
 * mount table (a bind mount of a directory of the same file system, which only the table shows;
 * without this, it showed only at the final rename, EBUSY, after the whole output was written).
 */
function isMountPoint(dir: string, st: Stats): boolean {
  if (st.dev !== lstatSync(dirname(dir)).dev) return true;
  let table: string;
  try {
    table = readFileSync('/proc/self/mountinfo', 'utf8'); // Linux; elsewhere the rename still refuses
  } catch {
    return false;
  }
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    return false;
  }
  // field 5 of each line is the mount point, with space, tab, newline and backslash as \ooo
  const unescape = (p: string) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
  for (const line of table.split('\n')) {
    const point = line.split(' ')[4];
    if (point !== undefined && unescape(point) === real) return true;
  }
  return false;
}

function writeLocked(outDirArg: string, outDir: string, parent: string, files: Iterable<OutputFile>, opts: WriteOptions): WriteResult {
  const st = checkOutDir(outDir, outDirArg, opts.cwd); // again, under the lock: another run may have made it meanwhile
  let before: Existing;
  try {
    before = st ? existing(outDir) : { listed: new Map(), intact: new Set(), empty: [] };
  } catch (e) {
    throw outputError(outDirArg, e, 'read what is in');
  }
  const previous = before.manifest;
  const tag = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const tmp = join(parent, `.${basename(outDir)}.ddp-tmp-${tag}`);
  const old = join(parent, `.${basename(outDir)}.ddp-old-${tag}`);
  const hashes = new Map<string, string>();
  const summary: WrittenFile[] = [];
  const kept: string[] = [];
  const removed: string[] = [];
  const emptyKept: string[] = []; // the user's empty directories, made in tmp too
  // files that hold exactly the previous output's bytes: linked into tmp only once the output changes
  const same: string[] = [];
  let tmpMade = false;
  const made = new Set<string>();
  /** Where `path` goes in the temporary directory, made (with the file's directory) on first use. */
  const place = (path: string): string => {
    if (!tmpMade) {
      mkdirSync(tmp);
      tmpMade = true;
    }
    const p = join(tmp, ...path.split('/'));
    const d = dirname(p);
    if (!made.has(d)) {
      mkdirSync(d, { recursive: true });
      made.add(d);
    }
    return p;
  };
  const inOutDir = (path: string) => join(outDir, ...path.split('/'));
  try {
    for (const f of files) {
      if (!isSafePath(f.path)) throw new DdpError(error('unsafe-path', `refusing to write ${JSON.stringify(f.path)} outside ${outDirArg}`));
      if (hashes.has(f.path)) throw new Error(`two outputs at one path: ${f.path}`);
      if (f.pieces) {
        // streamed: compared with the previous file as it is rendered, written from the first difference on
        const previousBytes = before.intact.has(f.path) ? inOutDir(f.path) : undefined;
        const { hash, bytes, written } = writePiecesUnlessSame(() => place(f.path), f.pieces(), previousBytes);
        hashes.set(f.path, hash);
        summary.push({ path: f.path, target: f.target, bytes });
        if (!written) same.push(f.path);
        continue;
      }
      // a file of ordinary size is encoded once, for its hash and for the disk; a big one a slice at a time
      const encoded = f.content.length <= CHUNK ? Buffer.from(f.content) : undefined;
      const { hash, bytes } = encoded ? { hash: sha256().update(encoded).digest('hex'), bytes: encoded.length } : digest(f.content);
      hashes.set(f.path, hash);
      summary.push({ path: f.path, target: f.target, bytes });
      if (before.intact.has(f.path) && previous?.files[f.path] === hash) {
        same.push(f.path); // (these very bytes were checked when ddp wrote them)
        continue;
      }
      f.verify?.();
      const p = place(f.path);
      if (encoded) createWith(p, encoded);
      else writePieces(p, [f.content]);
    }
    const generated = new Set([...hashes.keys()].sort());
    if (!opts.force) {
      const found = problems(before, hashes, outDir);
      if (found.length) throw new DdpError(found.map((p) => error('would-clobber', `refusing to overwrite: ${p}`, { hint: 'move it away, or pass --force to overwrite' })));
    }
    const manifest: Manifest = { generator: 'ddp', files: {} };
    for (const path of generated) manifest.files[path] = hashes.get(path)!;
    const text = manifestText(manifest);
    if (st && !tmpMade && before.manifestText === text) {
      // every file as it was, the manifest too (so nothing to remove): DIR stays as it is
      for (const f of before.listed.values()) if (f.path !== MANIFEST && !generated.has(f.path)) kept.push(f.path);
      kept.push(...before.empty.map((d) => `${d}/`));
      return { outDir, written: [...generated], files: summary.sort(byPath), removed, kept: kept.sort(), untouched: true };
    }
    for (const path of same) {
      const p = place(path);
      try {
        linkSync(inOutDir(path), p);
      } catch {
        // no hard links here (another device, a file system without them): the same bytes, copied
        copyFileSync(inOutDir(path), p, constants.COPYFILE_EXCL);
      }
    }
    createWith(place(MANIFEST), text);
    if (st) {
      // carry over what the user put there (not ours, not about to be replaced)
      const dirs = directoriesOf(generated);
      const empty: string[] = [];
      for (const f of listFiles(outDir, empty)) {
        // (with --force, what stands in the way of a generated file or directory goes with the old output)
        if (f.path === MANIFEST || generated.has(f.path) || inTheWay(f.path, generated, dirs)) continue;
        if (previous && Object.prototype.hasOwnProperty.call(previous.files, f.path)) {
          removed.push(f.path);
          continue;
        }
        const dest = join(tmp, ...f.path.split('/'));
        mkdirSync(dirname(dest), { recursive: true });
        renameSync(inOutDir(f.path), dest);
        kept.push(f.path);
      }
      // an empty directory of the user's (a compose/secrets/ made 700 for the keys to come): made
      // anew, its mode copied below; the old one goes with the old output
      for (const d of empty) {
        if (dirs.has(d) || generated.has(d) || inTheWay(d, generated, dirs)) continue;
        mkdirSync(join(tmp, ...d.split('/')), { recursive: true });
        kept.push(`${d}/`);
        emptyKept.push(d);
      }
      keepDirectoryModes(outDir, tmp);
      renameSync(outDir, old);
    }
    renameSync(tmp, outDir);
  } catch (e) {
    // put back whatever was carried over, then drop the temporary directory
    if (existsSync(old) && !existsSync(outDir)) renameSync(old, outDir);
    // (a file that cannot go back keeps the temporary directory, for the next run to try again)
    // (an empty directory, `d/`, was made anew in tmp, not moved: nothing of it to put back)
    const moved = kept.filter((k) => !k.endsWith('/'));
    if (tmpMade && (!moved.length || (existsSync(outDir) && carryBack(tmp, outDir, moved)))) rmSync(tmp, { recursive: true, force: true });
    throw outputError(outDirArg, e);
  }
  if (st) removePrevious(old, [...before.listed.keys()], outDir, emptyKept);
  return { outDir, written: [...hashes.keys()].sort(), files: summary.sort(byPath), removed: removed.sort(), kept: kept.sort(), untouched: false };
}

/** Whether `dir` is the working directory `cwd` ('is') or one of its parents ('holds'), symlinks resolved: swapping it would pull the working directory away. */
function relationToWorkingDirectory(dir: string, cwd: string): 'is' | 'holds' | undefined {
  let real: string;
  let here: string;
  try {
    real = realpathSync(dir);
    here = realpathSync(cwd);
  } catch {
    return undefined;
  }
  if (here === real) return 'is';
  return here.startsWith(real.endsWith(sep) ? real : real + sep) ? 'holds' : undefined;
}

/**
 * Remove the previous output, moved aside to `dir`: the entries listed before the run (those
 * carried over are gone already), then their directories, deepest first. Anything else found
 * there -- a file put into DIR while the run wrote -- goes into the new DIR (if its place there is
 * free), the rest to rmSync. (rmSync
 * would lstat every entry again; at 1,000 services that walk was ~70 ms of the run.)
 */
function removePrevious(dir: string, listed: readonly string[], outDir: string, emptyDirs: readonly string[] = []): void {
  try {
    for (const path of listed) {
      try {
        unlinkSync(join(dir, ...path.split('/')));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    // a directory's path is longer than its parent's: by length, children come first
    // (directoriesOf(`d/-`): the empty directory d and its parents)
    const dirs = new Set([...directoriesOf(listed), ...directoriesOf(emptyDirs.map((d) => `${d}/-`))]);
    for (const d of [...dirs].sort((a, b) => b.length - a.length)) rmdirSync(join(dir, ...d.split('/')));
    rmdirSync(dir);
  } catch {
    // something not listed when the run read DIR: put there while it ran -- it goes into the new DIR
    try {
      const known = new Set(listed);
      carryBack(dir, outDir, listFiles(dir).map((f) => f.path).filter((p) => !known.has(p)));
    } catch {
      // DIR itself gone meanwhile: nowhere to put them
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A big file (the compose file of 10,000 services is ~25 MB) is encoded, hashed and written a
 * slice at a time, so that no second copy of it is ever held; a slice never ends inside a UTF-16
 * surrogate pair.
 */
const CHUNK = 1 << 20;

function slices(text: string): string[] {
  if (text.length <= CHUNK) return [text];
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    let end = Math.min(i + CHUNK, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--; // keep the pair together
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}

/** sha256 and UTF-8 length of pieces of text, encoded a slice at a time — and written to `fd` when given. */
function encode(pieces: Iterable<string>, fd?: number): { hash: string; bytes: number } {
  const h = sha256();
  let bytes = 0;
  for (const piece of pieces) {
    for (const s of slices(piece)) {
      const b = Buffer.from(s);
      h.update(b);
      bytes += b.length;
      if (fd !== undefined) for (let off = 0; off < b.length; ) off += writeSync(fd, b, off);
    }
  }
  return { hash: h.digest('hex'), bytes };
}

/** sha256 and UTF-8 length of `text`. */
export function digest(text: string): { hash: string; bytes: number } {
  return encode([text]);
}

/** Create `path` (never overwrite: flag wx) from pieces of text; their sha256 and length. */
function writePieces(path: string, pieces: Iterable<string>): { hash: string; bytes: number } {
  const fd = createFile(path);
  try {
    return encode(pieces, fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * writePieces for a file whose previous version, `previous` (a file ddp wrote and nobody changed
 * since), may hold the very bytes: the pieces are compared with it as they come, and nothing is
 * written while they agree. At the first difference the file is made (`create()` gives its
 * path), the bytes that agreed so far copied from the previous version, and the rest written.
 */
function writePiecesUnlessSame(create: () => string, pieces: Iterable<string>, previous: string | undefined): { hash: string; bytes: number; written: boolean } {
  let old: number | undefined;
  if (previous !== undefined) {
    try {
      old = openSync(previous, 'r');
    } catch {
      old = undefined; // gone or unreadable: not the same
    }
  }
  let fd = old === undefined ? createFile(create()) : undefined;
  let agreed = 0; // bytes of the previous version the pieces match so far
  /** From here on the file differs: make it, with the bytes that agreed. */
  const diverge = () => {
    const out = createFile(create());
    for (let pos = 0; pos < agreed; ) {
      const n = readSync(old!, READ_BUFFER, 0, Math.min(READ_BUFFER.length, agreed - pos), pos);
      if (n <= 0) throw new Error(`${previous} shrank while it was read`);
      for (let off = 0; off < n; ) off += writeSync(out, READ_BUFFER, off, n - off);
      pos += n;
    }
    return out;
  };
  const h = sha256();
  let bytes = 0;
  try {
    for (const piece of pieces) {
      for (const s of slices(piece)) {
        const b = Buffer.from(s);
        h.update(b);
        bytes += b.length;
        if (fd === undefined) {
          if (readsAs(old!, agreed, b)) {
            agreed += b.length;
            continue;
          }
          fd = diverge();
        }
        for (let off = 0; off < b.length; ) off += writeSync(fd, b, off);
      }
    }
    // the same so far: the same only if the previous version ends here too
    if (fd === undefined && readSync(old!, READ_BUFFER, 0, 1, agreed) !== 0) fd = diverge();
    return { hash: h.digest('hex'), bytes, written: fd !== undefined };
  } finally {
    if (old !== undefined) closeSync(old);
    if (fd !== undefined) closeSync(fd);
  }
}

/** Whether the file `fd` holds the bytes `b` at `pos`. */
function readsAs(fd: number, pos: number, b: Buffer): boolean {
  const buf = b.length <= READ_BUFFER.length ? READ_BUFFER : Buffer.allocUnsafe(b.length);
  let n = 0;
  while (n < b.length) {
    const got = readSync(fd, buf, n, b.length - n, pos + n);
    if (got <= 0) return false;
    n += got;
  }
  return buf.compare(b, 0, b.length, 0, b.length) === 0;
}

/** What the file system says when OUT cannot be written: the user's situation, not ddp's bug (exit 1). */
// (ENOENT: a directory that went away during the run, or a file system such as /proc that takes
// no new entries; the renderers touch no file, so it is never ddp's own bug)
const FS_CONDITIONS = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENOTDIR', 'EEXIST', 'ENAMETOOLONG', 'EISDIR', 'ELOOP', 'EMFILE', 'ENFILE', 'EIO', 'ENOENT']);
/** In words; ENOENT on a path being made: procfs and the like answer mkdir with it. */
const writeWords = (code: string) => (code === 'ENOENT' ? 'no such file or directory, or a file system that takes no new files' : fsWords(code));

/** A file-system error met on DIR as the user's condition (exit 1); anything else as it is (ddp's bug). */
export function outputError(outDirArg: string, e: unknown, doing = 'write'): unknown {
  const code = (e as NodeJS.ErrnoException)?.code ?? '';
  if (doing === 'write' && (code === 'EBUSY' || code === 'EXDEV')) return mountPoint(outDirArg);
  return FS_CONDITIONS.has(code) ? cannotWrite(outDirArg, e, doing) : e;
}

/** `doing`: what ddp could not do with DIR ("write", or "read what is in" before replacing it or comparing with it). */
function cannotWrite(outDirArg: string, e: unknown, doing = 'write'): Error {
  const x = e as NodeJS.ErrnoException;
  if (!x || typeof x.code !== 'string') return e as Error;
  // name the user's path, not ddp's temporary directory beside it
  const path = x.path && /\.ddp-(tmp-|old-|lock)/.test(x.path) ? dirname(x.path.split(/\/\.[^/]*\.ddp-(?:tmp-|old-|lock)/)[0] + '/x') : x.path;
  const where = path ? ` (${path})` : '';
  if (doing !== 'write') {
    return new DdpError(error('output-unreadable', `cannot ${doing} ${outDirArg}: ${writeWords(x.code)}${where}`, {
      hint: 'ddp reads DIR before replacing it, to keep the files you put there and to never overwrite them; pass a directory of its own, or fix the permissions',
    }));
  }
  // refused a name beside DIR (the lock, the new DIR, the old one): it is DIR's parent that cannot be written
  const parentRefused = (x.code === 'EACCES' || x.code === 'EPERM') && !!x.path && /\/\.[^/]*\.ddp-(?:tmp|old|lock)[^/]*$/.test(x.path);
  return new DdpError(error('output-unwritable', `cannot write the output to ${outDirArg}: ${writeWords(x.code)}${where}`, {
    hint: parentRefused
      ? `ddp makes the new DIR beside the old one and renames it into place, so it writes DIR's parent${path ? ` (${path})` : ''} too; pass a DIR whose parent you can write; the previous output, if any, is untouched`
      : 'pass -o a directory you can write (it is created if missing); the previous output, if any, is untouched',
  }));
}

function basename(p: string): string {
  return p.split(sep).filter(Boolean).pop() ?? 'out';
}
