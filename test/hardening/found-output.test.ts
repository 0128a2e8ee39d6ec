// The output directory as ddp finds it: whatever stands there (a pipe where ddp wrote a file, a
// directory it may not read, a file system that takes no new files, the working directory itself)
// gives a diagnostic and exit 1 -- never a hang, never "internal error", never a swapped-out
// working directory. Each case runs the real bin/ddp.js in a child process with a timeout, so
// that a blocked read fails the test instead of stalling the suite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digest, readUnlocked, writeOutput } from '../../src/output/write.js';
import { DdpError } from '../../src/diagnostics.js';
import { ROOT } from '../examples.js';
import { BIN, ensureBuilt, STACK_LINE } from '../helpers/cli.js';
import { snapshot } from './snapshot.js';

const EXAMPLE = join(ROOT, 'examples', '01-replicated', 'ddp.yaml');
const DROP = ['--bounding-set=-dac_override,-dac_read_search'];

/**
 * `node bin/ddp.js ARGS`, killed after 20 s. `unprivileged`: root reads every directory whatever
 * its mode, so as root the run drops the two capabilities that allow it (util-linux setpriv) and
 * stays root otherwise -- it still reads the checkout, wherever CI put it.
 */
function ddp(args: string[], opts: { cwd?: string; unprivileged?: boolean } = {}) {
  const drop = opts.unprivileged && process.getuid?.() === 0;
  // (a container without CAP_SETPCAP cannot shrink its bounding set: there, run as nobody)
  const how = spawnSync('setpriv', [...DROP, 'true']).status === 0 ? DROP : ['--reuid=65534', '--regid=65534', '--clear-groups'];
  const [cmd, pre] = drop ? ['setpriv', [...how, process.execPath]] : [process.execPath, []];
  const r = spawnSync(cmd, [...pre, BIN, ...args], { cwd: opts.cwd ?? ROOT, encoding: 'utf8', timeout: 20_000, env: { ...process.env, NO_COLOR: '1' } });
  if (r.error) throw r.error;
  expect(r.signal, 'ddp was killed after 20 s: it hung').toBeNull();
  expect(r.stderr).not.toMatch(STACK_LINE);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** DIR/ddp.yaml: the bench's synthetic topology of `services` services. */
function synthetic(dir: string, services: number): string {
  const file = join(dir, 'ddp.yaml');
  writeFileSync(file, spawnSync(process.execPath, [join(ROOT, 'scripts', 'bench.mjs'), '--emit', String(services)], { encoding: 'utf8' }).stdout);
  return file;
}

let base: string;
let n = 0;
const fresh = () => {
  const d = join(base, `case${n++}`);
  mkdirSync(d);
  return d;
};
beforeAll(() => {
  ensureBuilt();
  base = mkdtempSync(join(tmpdir(), 'ddp-found-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('what stands in the output directory', () => {
  it('a pipe where ddp wrote a file: refused without --force, reported missing by --check, replaced with --force; never read', () => {
    const dir = fresh();
    const out = join(dir, 'out');
    expect(ddp(['generate', EXAMPLE, '-o', out]).code).toBe(0);
    const web = join(out, 'kubernetes', 'web.yaml');
    rmSync(web);
    expect(spawnSync('mkfifo', [web]).status).toBe(0);
    const refused = ddp(['generate', EXAMPLE, '-o', out]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('error[would-clobber]: refusing to overwrite: kubernetes/web.yaml is not a regular file (a pipe, a socket or a device)\n  hint: move it away, or pass --force to overwrite\n1 error\n');
    expect(lstatSync(web).isFIFO()).toBe(true);
    const check = ddp(['generate', '--check', EXAMPLE, '-o', out]);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain(`missing: ${out}/kubernetes/web.yaml (generate would add it)`);
    expect(ddp(['generate', EXAMPLE, '-o', out, '--force']).code).toBe(0);
    expect(lstatSync(web).isFile()).toBe(true);
    expect(ddp(['generate', '--check', EXAMPLE, '-o', out]).code).toBe(0);
  });

  it('a pipe in place of the manifest: the output counts as not ddp\'s, nothing blocks', () => {
    const dir = fresh();
    const out = join(dir, 'out');
    expect(ddp(['generate', EXAMPLE, '-o', out]).code).toBe(0);
    rmSync(join(out, '.ddp-manifest.json'));
    expect(spawnSync('mkfifo', [join(out, '.ddp-manifest.json')]).status).toBe(0);
    writeFileSync(join(out, 'compose', 'docker-compose.yml'), 'services: {}\n');
    const r = ddp(['generate', EXAMPLE, '-o', out]);
    expect(r.code).toBe(1);
    // the files that hold exactly what ddp would write are no loss; the one that differs is refused
    expect(r.stderr).toBe('error[would-clobber]: refusing to overwrite: compose/docker-compose.yml exists and was not written by ddp\n  hint: move it away, or pass --force to overwrite\n1 error\n');
    rmSync(join(out, 'compose', 'docker-compose.yml'));
    expect(ddp(['generate', EXAMPLE, '-o', out]).code).toBe(0);
    expect(lstatSync(join(out, '.ddp-manifest.json')).isFile()).toBe(true);
  });

  it('a directory inside the output that ddp may not read: output-unreadable naming it, exit 1, nothing changed', () => {
    const dir = fresh();
    const out = join(dir, 'out');
    mkdirSync(join(out, 'locked'), { recursive: true });
    writeFileSync(join(out, 'locked', 'mine.txt'), 'mine\n');
    chmodSync(join(out, 'locked'), 0o000);
    try {
      const r = ddp(['generate', EXAMPLE, '-o', out], { unprivileged: true });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `error[output-unreadable]: cannot read what is in ${out}: permission denied (${join(out, 'locked')})\n` +
          '  hint: ddp reads DIR before replacing it, to keep the files you put there and to never overwrite them; pass a directory of its own, or fix the permissions\n1 error\n',
      );
      const check = ddp(['generate', '--check', EXAMPLE, '-o', out], { unprivileged: true });
      expect(check.code).toBe(1);
      expect(check.stderr).toContain(`error[output-unreadable]: cannot compare with what is in ${out}: permission denied (${join(out, 'locked')})\n`);
    } finally {
      chmodSync(join(out, 'locked'), 0o755);
    }
    expect(snapshot(out)).toEqual({ locked: 'dir', 'locked/mine.txt': 'mine\n' });
    expect(readdirSync(dir)).toEqual(['out']);
  });

  it.runIf(process.platform === 'linux')('a file system that takes no new files (/proc): output-unwritable, not an internal error', () => {
    const r = ddp(['generate', EXAMPLE, '-o', '/proc/ddp-out']);
    expect(r.code).toBe(1);
    // root is told ENOENT by procfs; another user may hear "permission denied" first
    const why = process.getuid?.() === 0 ? 'no such file or directory, or a file system that takes no new files' : '(permission denied|operation not permitted)';
    expect(r.stderr).toMatch(
      new RegExp(`^error\\[output-unwritable\\]: cannot write the output to /proc/ddp-out: ${why} \\(/proc\\)\n  hint: pass -o a directory you can write \\(it is created if missing\\); the previous output, if any, is untouched\n1 error\n$`),
    );
    expect(existsSync('/proc/ddp-out')).toBe(false);
  });
});

describe('the working directory is never swapped out', () => {
  it('DIR and its directories keep their modes (and owners) across runs: a compose/secrets/ made 700 is not opened to 755', () => {
    const dir = fresh();
    const out = join(dir, 'out');
    expect(ddp(['generate', EXAMPLE, '-o', out]).code).toBe(0);
    mkdirSync(join(out, 'compose', 'secrets', 'web-tls'), { recursive: true });
    writeFileSync(join(out, 'compose', 'secrets', 'web-tls', 'tls.key'), 'key\n', { mode: 0o600 });
    chmodSync(join(out, 'compose', 'secrets'), 0o700);
    chmodSync(join(out, 'kubernetes'), 0o750);
    chmodSync(out, 0o1770);
    const root = process.geteuid?.() === 0;
    if (root) chownSync(join(out, 'nginx'), 65534, 65534);
    expect(ddp(['generate', EXAMPLE, '-o', out]).code).toBe(0);
    const mode = (p: string) => (lstatSync(join(out, p)).mode & 0o7777).toString(8);
    expect([mode(''), mode('compose/secrets'), mode('compose/secrets/web-tls/tls.key'), mode('kubernetes'), mode('compose')]).toEqual(['1770', '700', '600', '750', (0o777 & ~process.umask()).toString(8)]);
    if (root) expect(lstatSync(join(out, 'nginx')).uid).toBe(65534);
  });

  it('DIR is a mount point (a volume, a tmpfs, a bind mount): output-is-mount-point, not an internal error (EXDEV, EBUSY); its files untouched', () => {
    const dir = fresh();
    for (const how of ['mount -t tmpfs none "$1"', 'mkdir -p "$1.src" && mount --bind "$1.src" "$1"']) {
      const out = join(dir, how.startsWith('mkdir') ? 'bound' : 'volume');
      mkdirSync(out);
      // a mount namespace of its own (util-linux unshare; -r maps the user to root in it, so no privileges are needed)
      // (--check compares with it, and says why generate would not update it instead of telling you to run it)
      const r = spawnSync('unshare', ['-rm', 'sh', '-c', `${how} && echo mine > "$1/notes.txt" && "$2" "$3" generate "$4" -o "$1"; echo "exit $?"; ls -A "$1"; "$2" "$3" generate --check "$4" -o "$1" 2>&1 >/dev/null | tail -n 1`, 'sh', out, process.execPath, BIN, EXAMPLE], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      expect([r.stdout, r.stderr]).toEqual([
        `exit 1\nnotes.txt\n\`ddp generate ${EXAMPLE} -o ${out}\` would not update it: -o ${out} is a mount point (a volume, another file system); ddp replaces DIR as a whole by renaming a new one into place, which a mount point does not allow; pass a directory inside it, e.g. -o ${out}/deploy\n`,
        `error[output-is-mount-point]: -o ${out} is a mount point (a volume, another file system)\n  hint: ddp replaces DIR as a whole by renaming a new one into place, which a mount point does not allow; pass a directory inside it, e.g. -o ${out}/deploy\n1 error\n`,
      ]);
    }
    expect(readdirSync(dir).sort()).toEqual(['bound', 'bound.src', 'volume']);
  });

  it('DIR writable but its parent not: output-unwritable that names the parent and says why ddp writes there', () => {
    const dir = fresh();
    const out = join(dir, 'locked', 'out');
    mkdirSync(out, { recursive: true });
    chmodSync(out, 0o777);
    chmodSync(join(dir, 'locked'), 0o555);
    try {
      const r = ddp(['generate', EXAMPLE, '-o', out], { unprivileged: true });
      expect([r.code, r.stderr]).toEqual([
        1,
        `error[output-unwritable]: cannot write the output to ${out}: permission denied (${join(dir, 'locked')})\n` +
          `  hint: ddp makes the new DIR beside the old one and renames it into place, so it writes DIR's parent (${join(dir, 'locked')}) too; pass a DIR whose parent you can write; the previous output, if any, is untouched\n1 error\n`,
      ]);
    } finally {
      chmodSync(join(dir, 'locked'), 0o755);
    }
    expect(readdirSync(out)).toEqual([]);
  });

  it('-o . (or any directory that holds the working directory): refused, nothing moved; --check may compare with it', () => {
    const dir = fresh();
    const out = join(dir, 'proj');
    mkdirSync(join(out, 'src'), { recursive: true });
    writeFileSync(join(out, 'src', 'a.ts'), 'a\n');
    const before = snapshot(out);
    const here = ddp(['generate', EXAMPLE, '-o', '.'], { cwd: out });
    expect(here.code).toBe(1);
    expect(here.stderr).toBe(
      'error[output-holds-cwd]: -o . is the working directory\n' +
        '  hint: ddp replaces DIR as a whole on every run, which would leave your shell in a deleted directory and walk everything under it; pass a directory of its own, e.g. -o ./deploy\n1 error\n',
    );
    const up = ddp(['generate', EXAMPLE, '-o', '..'], { cwd: join(out, 'src') });
    expect(up.code).toBe(1);
    expect(up.stderr).toContain('error[output-holds-cwd]: -o .. is the working directory or holds it\n');
    expect(snapshot(out)).toEqual(before);
    expect(readdirSync(dir)).toEqual(['proj']);
    const check = ddp(['generate', '--check', EXAMPLE, '-o', '.'], { cwd: out });
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('missing: ./kubernetes/web.yaml (generate would add it)');
    expect(check.stderr.split('\n').at(-2)).toBe(
      `\`ddp generate ${EXAMPLE} -o .\` would not update it: -o . is the working directory; ddp replaces DIR as a whole on every run, which would leave your shell in a deleted directory and walk everything under it; pass a directory of its own, e.g. -o ./deploy`,
    );
    const json = JSON.parse(ddp(['generate', '--check', '--json', EXAMPLE, '-o', '.'], { cwd: out }).stdout);
    expect(json.cannotReplace).toEqual({ code: 'output-holds-cwd', message: '-o . is the working directory', hint: expect.stringContaining('pass a directory of its own') });
    // a directory beside or below the working directory is fine
    expect(ddp(['generate', EXAMPLE, '-o', 'deploy'], { cwd: out }).code).toBe(0);
  });

  it('writeOutput itself refuses, through a symlinked path too', () => {
    const dir = fresh();
    const out = join(dir, 'out');
    mkdirSync(join(out, 'deep'), { recursive: true });
    const alias = join(dir, 'alias');
    spawnSync('ln', ['-s', out, alias]);
    let err: unknown;
    try {
      writeOutput(join(alias, '..', 'out'), [{ path: 'x.conf', content: 'x\n', target: 'nginx' }], { cwd: join(alias, 'deep') });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DdpError);
    expect((err as DdpError).diagnostics.map((d) => [d.code, d.message])).toEqual([['output-holds-cwd', `-o ${join(alias, '..', 'out')} is the working directory or holds it`]]);
    expect(snapshot(out)).toEqual({ deep: 'dir' });
  });
});

describe('two runs at once on one output directory', () => {
  it('run one after the other (a lock beside DIR): six at once all succeed, with one complete output and nothing left beside it', { timeout: 120_000 }, async () => {
    const dir = fresh();
    const out = join(dir, 'out');
    const topology = synthetic(dir, 20);
    const run = () =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, 'generate', topology, '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.on('close', (code) => resolve({ code, stderr }));
      });
    for (let round = 0; round < 4; round++) {
      // even rounds create DIR (where the renames collided: ENOTEMPTY, "internal error"), odd ones replace it
      if (round % 2 === 0) rmSync(out, { recursive: true, force: true });
      const results = await Promise.all([run(), run(), run(), run(), run(), run()]);
      for (const r of results) expect([r.code, r.stderr.includes('error') ? r.stderr : '']).toEqual([0, '']);
      expect(ddp(['generate', '--check', topology, '-o', out]).code).toBe(0);
      expect(readdirSync(dir).sort()).toEqual(['ddp.yaml', 'out']);
    }
  });

  it('a lock left by a run that was killed is taken over; a live one is waited for, then output-busy', () => {
    const dir = fresh();
    const out = join(dir, 'out');
    const lock = join(dir, '.out.ddp-lock');
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim(); // exited: its pid is free
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), `${gone}\n`);
    writeOutput(out, [{ path: 'a.conf', content: 'a\n', target: 'nginx' }], { cwd: dir });
    expect(readdirSync(dir).sort()).toEqual(['out']);
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), `${process.pid}\n`); // alive: this test
    let err: unknown;
    const t0 = Date.now();
    try {
      writeOutput(out, [{ path: 'b.conf', content: 'b\n', target: 'nginx' }], { cwd: dir, lockWaitMs: 300 });
    } catch (e) {
      err = e;
    }
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect((err as DdpError).diagnostics.map((d) => [d.code, d.message, d.hint])).toEqual([
      ['output-busy', `another ddp (pid ${process.pid}) is writing ${out}; waited 0.3 s`, `run again when it is done; if no ddp is running, remove ${lock}`],
    ]);
    expect(snapshot(out)['a.conf']).toBe('a\n');
    expect(existsSync(join(out, 'b.conf'))).toBe(false);
    rmSync(lock, { recursive: true });
  });

  it('--check while a generate swaps DIR (moved aside, the new one not yet in place): waits for the writer, then compares -- not "every file missing"', async () => {
    const dir = fresh();
    const out = join(dir, 'out');
    expect(ddp(['generate', EXAMPLE, '-o', out]).code).toBe(0);
    // the writer's state between its two renames, held for 600 ms by a live process
    const writer = spawn('sleep', ['30']);
    const lock = join(dir, '.out.ddp-lock');
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), `${writer.pid}\n`);
    const aside = join(dir, `.out.ddp-old-${writer.pid}-x`);
    renameSync(out, aside);
    try {
      const check = spawn(process.execPath, [BIN, 'generate', '--check', EXAMPLE, '-o', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      check.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      const closed = new Promise<number | null>((r) => check.on('close', r));
      await new Promise((r) => setTimeout(r, 600));
      renameSync(aside, out); // the swap is done
      rmSync(lock, { recursive: true });
      expect([await closed, stdout]).toEqual([0, '']);
    } finally {
      writer.kill();
    }
  });

  it('a swap in the middle of a read (DIR replaced: its inode changed) makes the reader read again', () => {
    const dir = fresh();
    const out = join(dir, 'out');
    mkdirSync(out);
    let reads = 0;
    const seen = readUnlocked(out, 'out', () => {
      reads++;
      if (reads === 1) {
        // what a writer's two renames do, while the first read is under way
        renameSync(out, join(dir, 'old'));
        mkdirSync(out);
        writeFileSync(join(out, 'new.conf'), 'new\n');
      }
      return readdirSync(out);
    });
    expect([reads, seen]).toEqual([2, ['new.conf']]);
  });

  it('a file put into DIR while a run renders is kept: DIR is listed for carrying over only once the files are written', () => {
    const dir = fresh();
    const out = join(dir, 'out');
    writeOutput(out, [{ path: 'a.conf', content: 'a\n', target: 'nginx' }], { cwd: dir });
    function* files() {
      yield { path: 'a.conf', content: 'a2\n', target: 'nginx' as const };
      // DIR was read; the run is writing its temporary directory: an editor saves a file into DIR
      // (after the carry-over listing, in the moment before the swap, removePrevious puts such a file back)
      writeFileSync(join(out, 'late.txt'), 'late\n');
      mkdirSync(join(out, 'notes'));
      writeFileSync(join(out, 'notes', 'n.txt'), 'n\n');
      yield { path: 'b.conf', content: 'b\n', target: 'nginx' as const };
    }
    writeOutput(out, files(), { cwd: dir });
    const { '.ddp-manifest.json': _, ...rest } = snapshot(out);
    expect(rest).toEqual({ 'a.conf': 'a2\n', 'b.conf': 'b\n', 'late.txt': 'late\n', notes: 'dir', 'notes/n.txt': 'n\n' });
    expect(readdirSync(dir)).toEqual(['out']);
  });

  it('a lock without a pid (a run killed while making it, by an older ddp) does not hold anyone up; what a run left while making, taking over or letting go of a lock is swept', () => {
    const dir = fresh();
    const out = join(dir, 'out');
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim();
    mkdirSync(join(dir, '.out.ddp-lock')); // empty: before, every run waited 120 s on it, then output-busy
    for (const kind of ['new', 'stale', 'done']) {
      mkdirSync(join(dir, `.out.ddp-lock-${kind}-${gone}-x`));
      writeFileSync(join(dir, `.out.ddp-lock-${kind}-${gone}-x`, 'pid'), `${gone}\n`);
    }
    mkdirSync(join(dir, `.out.ddp-lock-new-${process.pid}-y`)); // a live run's, about to be its lock
    const t0 = Date.now();
    writeOutput(out, [{ path: 'a.conf', content: 'a\n', target: 'nginx' }], { cwd: dir, lockWaitMs: 5_000 });
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(readdirSync(dir).sort()).toEqual([`.out.ddp-lock-new-${process.pid}-y`, 'out']);
  });
});

describe('a run stopped half-way (Ctrl+C, kill)', () => {
  const exited = () => spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim(); // its pid is free now
  const beside = (dir: string, name: string) => readdirSync(dir).filter((n) => n.startsWith(`.${name}.`)).sort();

  it('leaves DIR whole, and the next run puts right what it left beside DIR', { timeout: 120_000 }, async () => {
    const dir = fresh();
    const out = join(dir, 'out');
    const topology = synthetic(dir, 400);
    expect(ddp(['generate', EXAMPLE, '-o', out]).code).toBe(0);
    const before = snapshot(out);
    // a real run killed while it writes -- or swaps, or cleans up, whenever the kill lands
    const child = spawn(process.execPath, [BIN, 'generate', topology, '-o', out, '--force'], { stdio: 'ignore' });
    const closed = new Promise((r) => child.on('close', r)); // listening from the start: a fast machine may finish first
    await new Promise((r) => setTimeout(r, 900));
    child.kill('SIGKILL');
    await closed;
    expect(ddp(['generate', EXAMPLE, '-o', out, '--force']).code).toBe(0);
    expect(snapshot(out)).toEqual(before);
    expect(beside(dir, 'out')).toEqual([]);
  });

  it('by how far the run got: generated files only, removed; your files carried half-way, put back; the swap done, its old output removed', () => {
    const dir = fresh();
    const out = join(dir, 'out');
    expect(ddp(['generate', EXAMPLE, '-o', out]).code).toBe(0);
    const before = snapshot(out);
    const gone = exited();
    mkdirSync(join(dir, `.out.ddp-tmp-${gone}-a-1`, 'kubernetes'), { recursive: true });
    writeFileSync(join(dir, `.out.ddp-tmp-${gone}-a-1`, 'kubernetes', 'web.yaml'), 'kind: Service\n');
    const carried = join(dir, `.out.ddp-tmp-${gone}-b-2`);
    mkdirSync(join(carried, 'compose', 'secrets'), { recursive: true });
    writeFileSync(join(carried, '.ddp-manifest.json'), JSON.stringify({ generator: 'ddp', files: { 'compose/compose.yaml': 'x' } }));
    writeFileSync(join(carried, 'compose', 'compose.yaml'), 'services: {}\n'); // generated: goes with it
    writeFileSync(join(carried, 'compose', 'secrets', 'tls.key'), 'yours\n'); // carried over from DIR: goes back
    symlinkSync('tls.key', join(carried, 'compose', 'secrets', 'current.key'));
    symlinkSync('nowhere', join(carried, 'compose', 'secrets', 'dangling')); // a link to nothing is yours too
    // and a run stopped the same way whose carried file has a new one in its place: left as it is
    const taken = join(dir, `.out.ddp-tmp-${gone}-f-6`);
    mkdirSync(taken);
    writeFileSync(join(taken, '.ddp-manifest.json'), JSON.stringify({ generator: 'ddp', files: {} }));
    writeFileSync(join(taken, 'README.md'), 'old notes\n');
    writeFileSync(join(out, 'README.md'), 'new notes\n');
    mkdirSync(join(dir, `.out.ddp-tmp-${process.pid}-c-3`)); // a live run's
    mkdirSync(join(dir, `.out.ddp-old-${gone}-d-4`, 'nginx'), { recursive: true });
    writeFileSync(join(dir, `.out.ddp-old-${gone}-d-4`, 'nginx', 'old.conf'), 'old\n');
    expect(ddp(['generate', EXAMPLE, '-o', out, '--force']).code).toBe(0);
    expect(snapshot(out)).toEqual({ ...before, 'README.md': 'new notes\n', 'compose/secrets': 'dir', 'compose/secrets/tls.key': 'yours\n', 'compose/secrets/current.key': 'link:tls.key', 'compose/secrets/dangling': 'link:nowhere' });
    expect(beside(dir, 'out')).toEqual([`.out.ddp-tmp-${gone}-f-6`, `.out.ddp-tmp-${process.pid}-c-3`].sort());
    expect(readFileSync(join(taken, 'README.md'), 'utf8')).toBe('old notes\n');
  });

  it('stopped between its two renames (DIR moved aside, the new one not yet in place): the next run finishes the swap, your files included', () => {
    const dir = fresh();
    const out = join(dir, 'out');
    const gone = exited();
    const old = join(dir, `.out.ddp-old-${gone}-e-5`);
    const tmp = join(dir, `.out.ddp-tmp-${gone}-e-5`);
    mkdirSync(old);
    writeFileSync(join(old, 'stale.conf'), 'stale\n');
    writeFileSync(join(old, '.ddp-manifest.json'), JSON.stringify({ generator: 'ddp', files: { 'stale.conf': 'x' } }));
    mkdirSync(join(tmp, 'notes'), { recursive: true });
    writeFileSync(join(tmp, 'x.conf'), 'x\n');
    writeFileSync(join(tmp, 'notes', 'mine.txt'), 'mine\n'); // carried over before the run stopped
    writeFileSync(join(tmp, '.ddp-manifest.json'), JSON.stringify({ generator: 'ddp', files: { 'x.conf': digest('x\n').hash } }));
    const r = writeOutput(out, [{ path: 'y.conf', content: 'y\n', target: 'nginx' }], { cwd: dir });
    expect(r.removed).toEqual(['x.conf']); // the finished swap's output was ddp's: replaced
    expect(r.kept).toEqual(['notes/mine.txt']);
    expect(snapshot(out)).toEqual({ '.ddp-manifest.json': readFileSync(join(out, '.ddp-manifest.json'), 'latin1'), notes: 'dir', 'notes/mine.txt': 'mine\n', 'y.conf': 'y\n' });
    expect(beside(dir, 'out')).toEqual([]);
  });
});
