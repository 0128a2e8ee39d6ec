// A synchronous pause, for the synchronous code that waits: the writer for another run's lock
// (src/output/write.ts), the reader of a non-blocking standard input (src/user-files.ts).

let cell: Int32Array | undefined;

/** Block this thread for `ms` milliseconds; nothing else runs meanwhile. */
export function pause(ms: number): void {
  cell ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(cell, 0, 0, ms); // nobody notifies the cell: it always times out
}
