// The files the user names. Read with a cap: a regular file tells its size first; a pipe, a
// device or standard input (`<(…)`, /dev/stdin, `-`) does not, and /dev/zero never ends, so those
// are read a chunk at a time up to the cap and no input can hang ddp or fill its memory. Replaced
// in one step (ddp init, ddp add): a temporary file beside it, renamed over it.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DdpError, error } from './diagnostics.js';

/** Thrown when the input holds more than the cap; `bytes` is its size when known (a regular file). */
export class TooLarge extends Error {
  constructor(readonly bytes?: number) {
    super('input too large');
  }
}

/** The text (UTF-8) of the file at `path`, or of standard input for fd 0. File-system errors are thrown as they come. */
export function readCapped(path: string | 0, max: number): string {
  if (path === 0) return readFd(0, max);
  const st = statSync(path);
  if (st.isFile()) {
    if (st.size > max) throw new TooLarge(st.size);
    return readFileSync(path, 'utf8');
  }
  const fd = openSync(path, 'r');
  try {
    return readFd(fd, max);
  } finally {
    closeSync(fd);
  }
}

function readFd(fd: number, max: number): string {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(1 << 16);
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EOF') break; // Windows: the writer closed the pipe
      if (code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); // a non-blocking stdin with nothing yet
      continue;
    }
    if (n === 0) break;
    total += n;
    if (total > max) throw new TooLarge();
    chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

/**
 * Write `text` to the file at `abs` in one step: a temporary file beside it, renamed over it, so
 * that a failure leaves the file as it was. An existing file keeps its mode, and a symlink stays
 * a symlink (the file it points at is replaced). Its directory is made if missing. A failure is
 * the user's situation (a part of the path is a file, no permission, a full disk): file-unwritable
 * naming `shown`, with `hint`; no temporary file is left.
 */
export function replaceFile(abs: string, text: string, shown: string, hint: string): void {
  const target = existsSync(abs) ? realpathSync(abs) : abs;
  const tmp = `${target}.ddp-tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    mkdirSync(dirname(target), { recursive: true });
    const mode = existsSync(target) ? statSync(target).mode & 0o7777 : undefined;
    writeFileSync(tmp, text, { flag: 'wx', ...(mode !== undefined ? { mode: 0o600 } : {}) });
    if (mode !== undefined) chmodSync(tmp, mode);
    renameSync(tmp, target);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // never made (its directory is a file)
    }
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'a part of the path is a file, not a directory' : (code ?? String(e));
    throw new DdpError(error('file-unwritable', `cannot write ${shown}: ${why}`, { file: shown, hint }));
  }
}
