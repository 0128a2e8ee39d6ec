// The bundle bin/ddp.js runs (scripts/bundle.mjs) behaves exactly as the unbundled program, and its
// V8 code cache is only ever a speed-up: accepted by the Node that built it, harmless when it is
// missing, stale or garbage.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
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

  it('compiles its main chunk from the code cache made at build time (same Node, no flags)', () => {
    const meta = JSON.parse(readFileSync(join(ROOT, 'dist', 'bundle', 'bundle.json'), 'utf8')) as { core: string; cache: string };
    expect(existsSync(join(ROOT, 'dist', 'bundle', meta.cache))).toBe(true);
    const r = node(['-e', `const p = require(${JSON.stringify(join(ROOT, 'bin', 'load.cjs'))}).loadProgram(${JSON.stringify(ROOT)}); console.log(p.script.cachedDataRejected)`]);
    expect(r.stdout.trim(), r.stderr).toBe('false');
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
