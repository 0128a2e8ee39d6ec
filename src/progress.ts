// A progress line on stderr for runs that take more than a moment: only on a terminal (never on
// stdout, never when stderr is a pipe or a file, never under CI), shown once a run has taken
// `delayMs`, redrawn at most every `intervalMs`, and erased when the run ends. It is drawn from
// the caller's own updates (no timers), so it also works while synchronous work runs.

export interface Progress {
  /** the text, or a function that makes it (called only when the line is drawn: a caller may
   *  update once per file of a big run) */
  update(text: string | (() => string)): void;
  done(): void;
}

export interface ProgressOptions {
  delayMs?: number;
  intervalMs?: number;
  now?: () => number;
}

const noop: Progress = { update: () => undefined, done: () => undefined };

export function progressLine(stream: Pick<NodeJS.WriteStream, 'isTTY' | 'write'> & { columns?: number }, opts: ProgressOptions = {}): Progress {
  if (!stream.isTTY || process.env.CI) return noop;
  const now = opts.now ?? Date.now;
  const delay = opts.delayMs ?? 400;
  const interval = opts.intervalMs ?? 100;
  const start = now();
  let drawn = false;
  let last = -Infinity;
  return {
    update(text) {
      const t = now();
      if (t - start < delay || t - last < interval) return;
      last = t;
      const width = Math.max(20, (stream.columns ?? 80) - 1);
      const line = `ddp: ${typeof text === 'function' ? text() : text}`;
      stream.write(`\r\x1b[2K${line.length > width ? line.slice(0, width - 1) + '…' : line}`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
