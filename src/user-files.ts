// The files the user names. Read with a cap: a regular file tells its size first; a pipe, a
// device or standard input (`<(…)`, /dev/stdin, `-`) does not, and /dev/zero never ends, so those
// are read a chunk at a time up to the cap and no input can hang ddp or fill its memory. Replaced
// in one step (ddp init, ddp add): a temporary file beside it, renamed over it.
import { chmodSync, closeSync, constants, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DdpError, error } from './diagnostics.js';
import { fsWords } from './fs-words.js';
import { pause } from './pause.js';

/** Thrown when the input holds more than the cap; `bytes` is its size when known (a regular file). */
export class TooLarge extends Error {
  constructor(readonly bytes?: number) {
    super('input too large');
  }
}

/** Thrown when the input is not UTF-8: where the first byte that cannot be is (line and column count bytes). */
export class NotUtf8 extends Error {
  constructor(readonly byte: number, readonly line: number, readonly col: number) {
    super('not UTF-8');
  }

  /** What is wrong, for a diagnostic about the file shown as `shown`. */
  describe(shown: string): string {
    return `${shown} is not UTF-8 text: byte 0x${this.byte.toString(16).toUpperCase().padStart(2, '0')} cannot start or continue a UTF-8 character`;
  }
}

/** Thrown when a named pipe (FIFO) had no writer for `waitedMs`: opening it the usual way waits
 *  for one for ever. */
export class NoWriter extends Error {
  constructor(readonly waitedMs: number) {
    super('no writer');
  }

  describe(shown: string): string {
    return `${shown} is a named pipe (FIFO) that nothing wrote to in ${this.waitedMs / 1000} s`;
  }
}

/** How long a named pipe may go without a writer before NoWriter. */
export const FIFO_WAIT_MS = 10_000;

/** The text (UTF-8) of the file at `path`, or of standard input for fd 0. File-system errors are thrown as they come. */
export function readCapped(path: string | 0, max: number, opts: { fifoWaitMs?: number } = {}): string {
  return utf8(readBytes(path, max, opts.fifoWaitMs ?? FIFO_WAIT_MS));
}

function readBytes(path: string | 0, max: number, fifoWaitMs: number): Buffer {
  if (path === 0) return readFd(0, max);
  const st = statSync(path);
  if (st.isFile()) {
    if (st.size > max) throw new TooLarge(st.size);
    return readFileSync(path);
  }
  // a named pipe itself (mkfifo), not one reached through a link: /dev/fd/63 of `<(...)` is an
  // anonymous pipe whose writer came with it, read below as any pipe
  if (st.isFIFO() && lstatSync(path).isFIFO()) return readFifo(path, max, fifoWaitMs);
  const fd = openSync(path, 'r');
  try {
    return readFd(fd, max);
  } finally {
    closeSync(fd);
  }
}

/** The bytes as text; NotUtf8 where a byte is not UTF-8 (decoding would silently make it U+FFFD, and carry that into the output). */
function utf8(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  if (!text.includes('\uFFFD')) return text;
  const bad = firstInvalidUtf8(bytes);
  if (bad < 0) return text; // a U+FFFD written in the file itself
  let line = 1;
  let lineStart = 0;
  for (let i = bytes.indexOf(10); i >= 0 && i < bad; i = bytes.indexOf(10, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  throw new NotUtf8(bytes[bad]!, line, bad - lineStart + 1);
}

/** The offset of the first byte that is not part of a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    // the length of the sequence and the range its second byte must be in (no overlongs, no surrogates, at most U+10FFFF)
    const [n, lo, hi] = c >= 0xc2 && c <= 0xdf ? [2, 0x80, 0xbf] : c === 0xe0 ? [3, 0xa0, 0xbf] : c === 0xed ? [3, 0x80, 0x9f] : c >= 0xe1 && c <= 0xef ? [3, 0x80, 0xbf] : c === 0xf0 ? [4, 0x90, 0xbf] : c >= 0xf1 && c <= 0xf3 ? [4, 0x80, 0xbf] : c === 0xf4 ? [4, 0x80, 0x8f] : [0, 0, 0];
    if (n === 0 || i + n > b.length) return i;
    if (b[i + 1]! < lo || b[i + 1]! > hi) return i;
    for (let k = 2; k < n; k++) if (b[i + k]! < 0x80 || b[i + k]! > 0xbf) return i;
    i += n;
  }
  return -1;
}

/**
 * A named pipe, opened without waiting for a writer (a plain open waits for one, for ever when
 * none comes): read as a pipe from its first byte on; a writer that is there but has written
 * nothing yet is waited for, as a pipe is; no writer at all for `waitMs` is NoWriter.
 */
function readFifo(path: string, max: number, waitMs: number): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const first = Buffer.allocUnsafe(1 << 16);
    let writer = false; // a writer has been there (EAGAIN): an end of file is then its end
    for (let waited = 0; ; ) {
      let n: number;
      try {
        n = readSync(fd, first, 0, first.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        n = -1; // a writer, nothing written yet
        writer = true;
      }
      if (n > 0) {
        const rest = readFd(fd, max);
        if (n + rest.length > max) throw new TooLarge();
        return Buffer.concat([first.subarray(0, n), rest]);
      }
      if (n === 0 && writer) return Buffer.alloc(0); // it wrote nothing and went away
      if (n === 0 && waited >= waitMs) throw new NoWriter(waitMs);
      pause(20);
      if (n === 0) waited += 20;
    }
  } finally {
    closeSync(fd);
  }
}

function readFd(fd: number, max: number): Buffer {
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
      pause(5); // a non-blocking stdin with nothing yet
      continue;
    }
    if (n === 0) break;
    total += n;
    if (total > max) throw new TooLarge();
    chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
  }
  return Buffer.concat(chunks, total);
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
    throw new DdpError(error('file-unwritable', `cannot write ${shown}: ${code ? fsWords(code) : String(e)}`, { file: shown, hint }));
  }
}
