// Reading what the user names, with a cap. A regular file tells its size first; a pipe, a device
// or standard input (`<(…)`, /dev/stdin, `-`) does not, and /dev/zero never ends: those are read
// a chunk at a time up to the cap, so that no input can hang ddp or fill its memory.
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';

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
