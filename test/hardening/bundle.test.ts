// The bundle bin/ddp.js runs (scripts/bundle.mjs) behaves exactly as the unbundled program, and its
// V8 code cache is only ever a speed-up: accepted by the Node that built it, harmless when it is
// missing, stale or garbage.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from '../helpers/cli.js';
import { exampleNames, ROOT } from '../examples.js';

const node = (args: string[], cwd = ROOT) => spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });

let base: string;
beforeAll(() => {
  ensureBuilt();
  base = mkdtempSync(join(tmpdir(), 'ddp-bundle-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('the bundle', () => {
  it('loads node:crypto only when something is hashed: generate -o (the manifest), not validate or --stdout', () => {
    // node:crypto brings ~30 of Node's internal modules (~8 ms of a start): src/sha256.ts loads it on first use
    const hook = join(base, 'crypto-hook.cjs');
    writeFileSync(hook, "process.on('exit', () => process.stderr.write('\\ncrypto loaded: ' + process.moduleLoadList.includes('NativeModule crypto') + '\\n'));\n");
    const loaded = (args: string[]) => {
      const r = node(['--require', hook, join(ROOT, 'bin', 'ddp.js'), ...args]);
      expect(r.status, r.stderr).toBe(0);
      return /crypto loaded: (true|false)\n$/.exec(r.stderr)?.[1];
    };
    const example = join(ROOT, 'examples', '01-replicated', 'ddp.yaml');
    expect(loaded(['validate', example])).toBe('false');
    expect(loaded(['generate', example, '--stdout'])).toBe('false');
    expect(loaded(['generate', example, '-o', join(base, 'crypto-out')])).toBe('true');
  });

  it('is pure ASCII (V8 then holds each chunk as a one-byte string), and a message with non-ASCII characters still prints them', () => {
    const dir = join(ROOT, 'dist', 'bundle');
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.cjs'))) expect(/[^\x00-\x7f]/.test(readFileSync(join(dir, f), 'latin1')), f).toBe(false);
    // explain's texts (src/explain/patterns.ts, in the bundle) use arrows: they survive the escaping
    const r = node([join(ROOT, 'bin', 'ddp.js'), 'explain', 'replicated']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('→');
  });

  it('prints for every example exactly what the unbundled program prints (generate --stdout, validate --json)', () => {
    const unbundled = "const { main } = await import(process.argv[1]); process.exitCode = await main(process.argv.slice(2));";
    for (const name of exampleNames()) {
      const file = join('examples', name, 'ddp.yaml');
      for (const args of [['generate', file, '--stdout'], ['validate', file, '--json'], ['graph', file]]) {
        const a = node([join(ROOT, 'bin', 'ddp.js'), ...args]);
        const b = node(['--input-type=module', '-e', unbundled, join(ROOT, 'dist', 'cli.js'), ...args]);
        expect([a.status, a.stdout], `${args.join(' ')}`).toEqual([b.status, b.stdout]);
      }
    }
  });

  it('runs every command from its code cache: init, add, validate, generate, graph, explain, lint, schema', () => {
    // a script compiled from a V8 code cache loses its dynamic-import hook: an `import()` left in the
    // main chunk failed at run time ("A dynamic import callback was not specified") -- init and add did
    const cwd = join(base, 'commands');
    const ddp = (...args: string[]) => {
      const r = node([join(ROOT, 'bin', 'ddp.js'), ...args], cwd);
      expect([r.status, r.stderr.includes('internal error') ? r.stderr : ''], args.join(' ')).toEqual([0, '']);
      return r;
    };
    cpSync(join(ROOT, 'examples', '01-replicated'), join(cwd, 'given'), { recursive: true });
    ddp('init', 'shop', '--pattern', 'work-queue', '--name', 'jobs');
    ddp('add', 'sidecar', 'logs', '--to', 'jobs', '--file', join('shop', 'ddp.yaml'));
    ddp('add', 'replicated', 'web', '--file', join('shop', 'ddp.yaml'));
    ddp('validate', join('shop', 'ddp.yaml'));
    ddp('generate', join('shop', 'ddp.yaml'), '-o', 'out');
    ddp('generate', '--check', join('shop', 'ddp.yaml'), '-o', 'out');
    ddp('graph', join('given', 'ddp.yaml'));
    ddp('explain', 'sharded');
    ddp('lint', 'out');
    ddp('schema');
    expect(readFileSync(join(cwd, 'shop', 'ddp.yaml'), 'utf8')).toMatch(/^ {2}web:\n {4}pattern: replicated\n/m);
    expect(readFileSync(join(cwd, 'shop', 'ddp.yaml'), 'utf8')).toMatch(/^ {4}sidecars:\n {6}- name: logs\n/m);
  });

  it('asks its questions on a terminal from the bundle too (node:readline, loaded on demand); the input ending at a question stops it cleanly', async () => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'CI') env[k] = v; // CI turns the questions off
    /** `ddp init` on a terminal (util-linux `script`), typing each answer when its question shows; the input ends after the last. */
    const session = (cwd: string, answers: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve, reject) => {
        mkdirSync(cwd);
        const child = spawn('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, 'bin', 'ddp.js'))} init`, '/dev/null'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        let asked = 0;
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          const questions = out.split(']: ').length - 1;
          for (; asked < questions; asked++) {
            if (asked < answers.length) child.stdin.write(`${answers[asked]}\n`);
            if (asked + 1 >= answers.length) child.stdin.end();
          }
        });
        child.once('error', reject);
        child.once('close', (code) => (clearTimeout(timer), resolve({ code, out })));
      });
    const ok = await session(join(base, 'interactive'), ['sharded', 'cache']);
    expect(ok.out).not.toContain('internal error');
    expect(ok.code, ok.out).toBe(0);
    expect(readFileSync(join(base, 'interactive', 'ddp.yaml'), 'utf8')).toMatch(/^ {2}cache:\n {4}pattern: sharded\n/m);
    const stopped = await session(join(base, 'interactive-eof'), ['sharded']);
    expect(stopped.code, stopped.out).toBe(1);
    expect(stopped.out.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')).toContain('error[cancelled]: ddp init stopped: the input ended at a question; nothing was written');
    expect(existsSync(join(base, 'interactive-eof', 'ddp.yaml'))).toBe(false);
  });

  it('compiles its main chunk from the code cache made at build time (same Node, no flags)', () => {
    const meta = JSON.parse(readFileSync(join(ROOT, 'dist', 'bundle', 'bundle.json'), 'utf8')) as { core: string; cache: string };
    expect(existsSync(join(ROOT, 'dist', 'bundle', meta.cache))).toBe(true);
    const r = node(['-e', `const p = require(${JSON.stringify(join(ROOT, 'bin', 'load.cjs'))}).loadProgram(${JSON.stringify(ROOT)}); console.log(p.script.cachedDataRejected)`]);
    expect(r.stdout.trim(), r.stderr).toBe('false');
  });

  it('holds in its code cache all that validate and generate run (to --stdout, into a new directory, into an up-to-date one)', async () => {
    // what a run compiles that the cache lacks is compiled at every start; createCachedData after
    // such runs would then hold more than the cache made at build time (29 KB more when the cache
    // was made from --stdout runs only: the writer's code)
    const topology = join(base, 'one-of-each.yaml');
    const { oneOfEach } = (await import(join(ROOT, 'scripts', 'synthetic.mjs'))) as { oneOfEach: () => string };
    writeFileSync(topology, oneOfEach());
    const run = `(async () => {
      const p = require(${JSON.stringify(join(ROOT, 'bin', 'load.cjs'))}).loadProgram(${JSON.stringify(ROOT)});
      const cached = require('node:fs').readFileSync(require('node:path').join(p.dir, p.meta.cache)).length;
      const io = { stdout() {}, stderr() {}, stderrStream: { isTTY: false } };
      const t = ${JSON.stringify(topology)}, out = ${JSON.stringify(join(base, 'cache-cover-out'))};
      const codes = [];
      for (const args of [['validate', t], ['generate', t, '--stdout'], ['generate', t, '-o', out], ['generate', t, '-o', out]]) codes.push(await p.main(args, io));
      console.log(JSON.stringify({ codes, rejected: p.script.cachedDataRejected, cached, after: p.script.createCachedData().length }));
    })()`;
    const r = node(['-e', run]);
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as { codes: number[]; rejected: boolean; cached: number; after: number };
    expect(got.codes).toEqual([0, 0, 0, 0]);
    expect(got.rejected).toBe(false);
    expect(got.after).toBeLessThanOrEqual(got.cached + 1024);
  });

  it('reads nothing from node_modules as it runs validate, generate and lint, but the `yaml` library for an unusual topology', () => {
    // a createRequire into node_modules (ajv's runtime helpers used to be) costs a package.json walk at
    // every start; `yaml` (~70 modules) is loaded on demand, only for what the fast reader leaves to it
    const hook = join(base, 'modules-hook.cjs');
    writeFileSync(hook, "process.on('exit', () => process.stderr.write('\\nfrom node_modules: ' + JSON.stringify(Object.keys(require.cache).filter((f) => f.includes('node_modules'))) + '\\n'));\n");
    const loaded = (args: string[]) => {
      const r = node(['--require', hook, join(ROOT, 'bin', 'ddp.js'), ...args]);
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(/from node_modules: (.*)\n$/.exec(r.stderr)?.[1] ?? 'null') as string[];
    };
    const example = join(ROOT, 'examples', '01-replicated', 'ddp.yaml');
    const out = join(base, 'modules-out');
    expect(loaded(['validate', example])).toEqual([]);
    expect(loaded(['generate', example, '-o', out])).toEqual([]);
    expect(loaded(['generate', example, '-o', out])).toEqual([]);
    // the compose schema check (ajv's deep-equal helper for uniqueItems) and the Kubernetes one
    expect(loaded(['lint', join(out, 'compose'), join(out, 'kubernetes')])).toEqual([]);
    const anchored = join(base, 'anchored.yaml');
    writeFileSync(anchored, readFileSync(example, 'utf8').replace(/^services:/m, 'x-defaults: &d { a: 1 }\nservices:'));
    const yamlOnly = loaded(['validate', anchored]);
    expect(yamlOnly.length).toBeGreaterThan(0);
    expect(yamlOnly.filter((f) => !/[\\/]node_modules[\\/]yaml[\\/]/.test(f))).toEqual([]);
  });

  it('runs the same without a cache, and with a garbage one', () => {
    const install = join(base, 'install');
    for (const p of ['bin', 'dist', 'schemas', 'templates', 'package.json']) cpSync(join(ROOT, p), join(install, p), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(install, 'node_modules'));
    const meta = JSON.parse(readFileSync(join(install, 'dist', 'bundle', 'bundle.json'), 'utf8')) as { cache: string };
    const example = join(ROOT, 'examples', exampleNames()[0], 'ddp.yaml');
    const expected = node([join(ROOT, 'bin', 'ddp.js'), 'generate', example, '--stdout']);
    writeFileSync(join(install, 'dist', 'bundle', meta.cache), Buffer.alloc(4096, 7));
    const garbage = node([join(install, 'bin', 'ddp.js'), 'generate', example, '--stdout']);
    expect([garbage.status, garbage.stdout]).toEqual([0, expected.stdout]);
    rmSync(join(install, 'dist', 'bundle', meta.cache));
    const none = node([join(install, 'bin', 'ddp.js'), 'generate', example, '--stdout']);
    expect([none.status, none.stdout]).toEqual([0, expected.stdout]);
  });
});
