/**
 * Runs the real `bin/ddp.js` as a child process (what users run), after making sure dist/ is
 * built from the current sources.
 *
 *   ensureBuilt()                      → runs `npm run build` when dist/cli.js is older than any
 *                                        source, template or schema (one build at a time, across
 *                                        test files, through a lock directory)
 *   runDdp(args, { cwd, env, input })  → { code, stdout, stderr }
 *
 * `npm test` builds before vitest starts, so there ensureBuilt() finds dist fresh and does nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../examples.js';

export const BIN = join(ROOT, 'bin', 'ddp.js');
const DIST_ENTRY = join(ROOT, 'dist', 'cli.js');

function newestMtime(dir: string, accept: (name: string) => boolean): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'generated' || entry.name === 'node_modules') continue;
      newest = Math.max(newest, newestMtime(p, accept));
    } else if (accept(entry.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** True when dist/cli.js is missing or older than a source file, template, schema or the build script. */
export function distIsStale(): boolean {
  if (!existsSync(DIST_ENTRY)) return true;
  const built = statSync(DIST_ENTRY).mtimeMs;
  const sources = Math.max(
    newestMtime(join(ROOT, 'src'), (n) => n.endsWith('.ts')),
    newestMtime(join(ROOT, 'templates'), (n) => n.endsWith('.hbs')),
    newestMtime(join(ROOT, 'schemas'), (n) => n.endsWith('.json')),
    statSync(join(ROOT, 'scripts', 'build.mjs')).mtimeMs,
  );
  return sources > built;
}

const LOCK = join(tmpdir(), `ddp-build-${Buffer.from(ROOT).toString('hex').slice(-24)}.lock`);

/** Builds dist/ when stale. Throws with the build's output when the build fails. */
export function ensureBuilt(): void {
  if (!distIsStale()) return;
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // another test file is building; a lock older than 2 minutes is a leftover
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > 120_000) rmdirSync(LOCK);
      } catch {
        /* gone meanwhile */
      }
      if (Date.now() > deadline) throw new Error(`waited 2 minutes for the build lock ${LOCK}`);
      spawnSync('sleep', ['0.2']);
    }
  }
  try {
    if (!distIsStale()) return;
    const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0 || !existsSync(DIST_ENTRY)) {
      throw new Error(`npm run build failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    }
  } finally {
    rmdirSync(LOCK);
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  /** Added to a clean environment (no CI colour forcing, NO_COLOR unset unless given). */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

/** `node bin/ddp.js ARGS…` with stdout and stderr pipes (so: not a TTY). */
export function runDdp(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(NO_COLOR|FORCE_COLOR|DDP_DEBUG|CLICOLOR|CLICOLOR_FORCE)$/.test(k)) env[k] = v;
  }
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.once('error', (e) => (clearTimeout(timer), reject(e)));
    child.once('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
  });
}

/** A stack trace line (`    at fn (file:line:col)`) anywhere in the text. */
export const STACK_LINE = /^\s+at .+(:\d+:\d+\)?|\(node:)/m;
