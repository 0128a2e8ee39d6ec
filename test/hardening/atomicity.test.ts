// Atomicity with real failures: a run that fails mid-way leaves the previous output directory
// byte-identical (the user's own files in it included) and no temporary directory behind.
//  - a full disk: the output's parent is a 512 KiB tmpfs (mounted as root; skipped, with the
//    reason, where mounting is not allowed)
//  - a write that fails half-way through (a file where the next file needs a directory)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOutput } from '../../src/output/write.js';
import { DdpError } from '../../src/diagnostics.js';
import { main, type Io } from '../../src/cli.js';
import { ROOT } from '../examples.js';
import { leftovers, snapshot } from './snapshot.js';

const EXAMPLE = join(ROOT, 'examples', '01-replicated', 'ddp.yaml');

async function ddp(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), stderrStream: { isTTY: false } as NodeJS.WriteStream };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}


/** A topology whose output (~160 files, ~1.4 MB) cannot fit in 512 KiB. */
function bigTopology(): string {
  const services = Array.from({ length: 40 }, (_, i) => `  web${i}:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.${i}.0\n    port: 8080\n    cache: { replicas: 2 }\n    tls: { secret: web${i}-tls }\n    env: { PAD: "${'x'.repeat(8000)}" }\n`).join('');
  return `apiVersion: ddp/v1\nkind: Topology\nmetadata:\n  name: big\nservices:\n${services}`;
}

let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ddp-atomic-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('a full disk in the middle of the write', () => {
  const mnt = () => join(base, 'tiny');
  let mounted = false;
  let why = '';
  beforeAll(() => {
    mkdirSync(mnt(), { recursive: true });
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mnt()], { encoding: 'utf8' });
    mounted = r.status === 0;
    why = r.error ? String(r.error) : r.stderr.trim();
  });
  afterAll(() => {
    if (mounted) spawnSync('umount', [mnt()]);
  });

  it('leaves the previous output (and the user\'s files in it) byte-identical, and no temporary directory', async (ctx) => {
    if (!mounted) {
      if (process.env.CI) throw new Error(`cannot mount a tmpfs (as root: mount -t tmpfs -o size=512k tmpfs DIR): ${why}`);
      ctx.skip(`cannot mount a 512 KiB tmpfs here (${why}); run as root to simulate a full disk`);
    }
    const out = join(mnt(), 'out');
    const first = await ddp(['generate', EXAMPLE, '-o', out]);
    expect(first.code, first.stderr).toBe(0);
    mkdirSync(join(out, 'compose', 'secrets', 'web-tls'), { recursive: true });
    writeFileSync(join(out, 'compose', 'secrets', 'web-tls', 'tls.key'), 'KEY\n');
    const before = snapshot(out);
    const topo = join(base, 'big.yaml');
    writeFileSync(topo, bigTopology());
    const r = await ddp(['generate', topo, '-o', out, '--force']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[output-unwritable]');
    expect(r.stderr).toContain('no space left on the device');
    expect(r.stderr).toContain('the previous output, if any, is untouched');
    expect(snapshot(out)).toEqual(before);
    expect(leftovers(mnt())).toEqual([]);
    // and the disk has room again: nothing of the failed run is left on it
    const again = await ddp(['generate', EXAMPLE, '-o', out]);
    expect(again.code, again.stderr).toBe(0);
    expect(snapshot(out)).toEqual(before);
  });
});

describe('a write that fails half-way through', () => {
  it('some files written, then one cannot be: the previous output is untouched, the temporary directory gone', () => {
    const out = join(base, 'half');
    writeOutput(out, [
      { path: 'kubernetes/web.yaml', content: 'a: 1\n', target: 'kubernetes' },
      { path: 'nginx/web.conf', content: 'events {}\n', target: 'nginx' },
    ]);
    writeFileSync(join(out, 'NOTES.md'), 'mine\n');
    const before = snapshot(out);
    const files = [
      { path: 'compose/docker-compose.yml', content: 'services: {}\n', target: 'compose' },
      { path: 'kubernetes/web.yaml', content: 'a: 2\n', target: 'kubernetes' },
      // the next file needs kubernetes/web.yaml to be a directory: the write fails here
      { path: 'kubernetes/web.yaml/inner.yaml', content: 'b: 1\n', target: 'kubernetes' },
      { path: 'z/last.yaml', content: 'c: 1\n', target: 'kubernetes' },
    ];
    expect(() => writeOutput(out, files)).toThrow(DdpError);
    expect(snapshot(out)).toEqual(before);
    expect(leftovers(base)).toEqual([]);
    expect(existsSync(join(base, 'half', 'compose'))).toBe(false);
  });
});
