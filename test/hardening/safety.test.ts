// Safety of the output directory: no path escapes -o; `generate` refuses to overwrite what it did
// not write (or what was changed since) unless --force; symlinks inside the output directory are
// never followed out of it, with or without --force; -o itself may not be a symlink.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { isSafePath, checkOutputFiles, type OutputFile } from '../../src/output/files.js';
import { writeOutput, MANIFEST } from '../../src/output/write.js';
import { DdpError } from '../../src/diagnostics.js';
import { main, type Io } from '../../src/cli.js';
import { ROOT } from '../examples.js';
import { fcParams, SEED } from '../arbitraries.js';

const EXAMPLE = join(ROOT, 'examples', '01-replicated', 'ddp.yaml');

async function ddp(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), stderrStream: { isTTY: false } as NodeJS.WriteStream };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** Every entry under dir (relative path → 'dir' | 'link:<target>' | file bytes), symlinks not followed. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      const rel = relative(dir, p);
      if (st.isSymbolicLink()) out[rel] = `link:${readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[rel] = 'dir';
        walk(p);
      } else out[rel] = readFileSync(p, 'latin1');
    }
  };
  walk(dir);
  return out;
}

let base: string;
let dir: string;
let outside: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ddp-safety-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
beforeEach(() => {
  dir = join(base, `case${n++}`);
  outside = join(dir, 'outside');
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'precious.txt'), 'do not touch\n');
});
const leftovers = () => readdirSync(dir).filter((f) => /\.ddp-(tmp|old)-/.test(f));

describe('no output path escapes -o', () => {
  const segment = fc.oneof(fc.constantFrom('..', '.', '', '...', '~', 'a', 'kubernetes', 'web.yaml', '..a', 'a..', ' ', 'C:', '\\..', 'a\\..\\..', '\0', '%2e%2e', 'é', '/'), fc.string({ maxLength: 6 }));
  const path = fc.oneof(fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('/')), fc.string({ maxLength: 20 }), fc.constantFrom('/etc/passwd', '../x', 'a/../../x', 'a/./b', 'a//b', '\\\\server\\share', 'C:\\x'));

  it(`a path isSafePath accepts always resolves inside the output directory (seed ${SEED})`, () => {
    fc.assert(
      fc.property(path, (p) => {
        if (!isSafePath(p)) return;
        const out = '/srv/out';
        const rel = relative(out, resolve(out, p));
        expect(rel === '' || rel.startsWith('..') || isAbsolute(rel), p).toBe(false);
        expect(p.split('/').every((s) => s !== '..' && s !== '.' && s !== ''), p).toBe(true);
      }),
      fcParams(3000),
    );
  });

  it('unsafe paths are refused before anything is written, by the check and by the writer', () => {
    for (const p of ['../escape.yaml', '/etc/passwd', 'kubernetes/../../x', 'a/./b', 'a//b', 'a\\..\\b', 'nul\0', '', '.hidden/../..']) {
      expect(isSafePath(p), p).toBe(false);
      expect(() => checkOutputFiles([{ path: p, content: 'x', target: 'kubernetes' }]), p).toThrow(DdpError);
      const out = join(dir, 'out');
      expect(() => writeOutput(out, [{ path: 'kubernetes/ok.yaml', content: 'a: 1\n', target: 'kubernetes' }, { path: p, content: 'x', target: 'kubernetes' }])).toThrow(DdpError);
      expect(existsSync(out)).toBe(false);
      expect(leftovers()).toEqual([]);
    }
    expect(snapshot(outside)).toEqual({ 'precious.txt': 'do not touch\n' });
  });
});

describe('generate refuses to overwrite files it did not write, unless --force', () => {
  it('a file ddp did not write, at a path it generates: refused, untouched; --force overwrites it', async () => {
    const out = join(dir, 'out');
    mkdirSync(join(out, 'kubernetes'), { recursive: true });
    writeFileSync(join(out, 'kubernetes', 'web.yaml'), 'mine\n');
    const before = snapshot(out);
    const r = await ddp(['generate', EXAMPLE, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[would-clobber]: refusing to overwrite: kubernetes/web.yaml exists and was not written by ddp');
    expect(snapshot(out)).toEqual(before);
    expect(leftovers()).toEqual([]);
    const f = await ddp(['generate', EXAMPLE, '-o', out, '--force']);
    expect(f.code, f.stderr).toBe(0);
    expect(readFileSync(join(out, 'kubernetes', 'web.yaml'), 'utf8')).toMatch(/^# Generated by ddp/);
  });

  it('a generated file changed since: refused; files the user added elsewhere are kept across runs', async () => {
    const out = join(dir, 'out');
    expect((await ddp(['generate', EXAMPLE, '-o', out])).code).toBe(0);
    mkdirSync(join(out, 'compose', 'secrets', 'web-tls'), { recursive: true });
    writeFileSync(join(out, 'compose', 'secrets', 'web-tls', 'tls.key'), 'KEY\n');
    writeFileSync(join(out, 'NOTES.md'), 'mine\n');
    writeFileSync(join(out, 'kubernetes', 'web.yaml'), 'edited by hand\n');
    const before = snapshot(out);
    const r = await ddp(['generate', EXAMPLE, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('kubernetes/web.yaml was changed since ddp wrote it');
    expect(snapshot(out)).toEqual(before);
    const f = await ddp(['generate', EXAMPLE, '-o', out, '--force']);
    expect(f.code, f.stderr).toBe(0);
    expect(readFileSync(join(out, 'compose', 'secrets', 'web-tls', 'tls.key'), 'utf8')).toBe('KEY\n');
    expect(readFileSync(join(out, 'NOTES.md'), 'utf8')).toBe('mine\n');
    const manifest = JSON.parse(readFileSync(join(out, MANIFEST), 'utf8')) as { files: Record<string, string> };
    expect(Object.keys(manifest.files)).not.toContain('NOTES.md');
    expect(leftovers()).toEqual([]);
  });
});

describe('symlinks inside the output directory are not followed out of it', () => {
  it('a generated file that is a symlink to a file outside: refused; --force replaces the link, the target is untouched', async () => {
    const out = join(dir, 'out');
    expect((await ddp(['generate', EXAMPLE, '-o', out])).code).toBe(0);
    rmSync(join(out, 'kubernetes', 'web.yaml'));
    symlinkSync(join(outside, 'precious.txt'), join(out, 'kubernetes', 'web.yaml'));
    const before = snapshot(out);
    const r = await ddp(['generate', EXAMPLE, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('kubernetes/web.yaml is a symlink');
    expect(snapshot(out)).toEqual(before);
    const f = await ddp(['generate', EXAMPLE, '-o', out, '--force']);
    expect(f.code, f.stderr).toBe(0);
    expect(lstatSync(join(out, 'kubernetes', 'web.yaml')).isSymbolicLink()).toBe(false);
    expect(snapshot(outside)).toEqual({ 'precious.txt': 'do not touch\n' });
    expect(leftovers()).toEqual([]);
  });

  it('a generated directory that is a symlink to a directory outside: refused; --force makes it a real directory; outside untouched', async () => {
    const out = join(dir, 'out');
    expect((await ddp(['generate', EXAMPLE, '-o', out])).code).toBe(0);
    rmSync(join(out, 'kubernetes'), { recursive: true });
    symlinkSync(outside, join(out, 'kubernetes'));
    const before = snapshot(out);
    const r = await ddp(['generate', EXAMPLE, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('kubernetes is a symlink');
    expect(r.stderr).not.toMatch(/internal error/);
    expect(snapshot(out)).toEqual(before);
    const f = await ddp(['generate', EXAMPLE, '-o', out, '--force']);
    expect(f.code, f.stderr).toBe(0);
    expect(lstatSync(join(out, 'kubernetes')).isDirectory()).toBe(true);
    expect(existsSync(join(out, 'kubernetes', 'web.yaml'))).toBe(true);
    expect(snapshot(outside)).toEqual({ 'precious.txt': 'do not touch\n' });
    expect(leftovers()).toEqual([]);
  });

  it('a file where ddp needs a directory: refused; --force replaces it', async () => {
    const out = join(dir, 'out');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'nginx'), 'a file, not a directory\n');
    const r = await ddp(['generate', EXAMPLE, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nginx is a file where ddp writes a directory');
    expect(readFileSync(join(out, 'nginx'), 'utf8')).toBe('a file, not a directory\n');
    const f = await ddp(['generate', EXAMPLE, '-o', out, '--force']);
    expect(f.code, f.stderr).toBe(0);
    expect(statSync(join(out, 'nginx')).isDirectory()).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  it('a symlink of the user elsewhere in the output directory is kept as a symlink, never followed', async () => {
    const out = join(dir, 'out');
    expect((await ddp(['generate', EXAMPLE, '-o', out])).code).toBe(0);
    symlinkSync(outside, join(out, 'my-link'));
    symlinkSync(join(outside, 'precious.txt'), join(out, 'compose', 'my-file-link'));
    const f = await ddp(['generate', EXAMPLE, '-o', out]);
    expect(f.code, f.stderr).toBe(0);
    expect(readlinkSync(join(out, 'my-link'))).toBe(outside);
    expect(readlinkSync(join(out, 'compose', 'my-file-link'))).toBe(join(outside, 'precious.txt'));
    expect(snapshot(outside)).toEqual({ 'precious.txt': 'do not touch\n' });
    expect(leftovers()).toEqual([]);
  });

  it('-o itself a symlink: refused, nothing written through it', async () => {
    const link = join(dir, 'out-link');
    symlinkSync(outside, link);
    const r = await ddp(['generate', EXAMPLE, '-o', link]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[output-is-symlink]');
    expect(snapshot(outside)).toEqual({ 'precious.txt': 'do not touch\n' });
    expect(leftovers()).toEqual([]);
  });
});

describe('writeOutput on its own', () => {
  it('writes only inside the directory it is given and records what it wrote', () => {
    const out = join(dir, 'w');
    const files: OutputFile[] = [
      { path: 'a/b/c.yaml', content: 'c: 1\n', target: 'kubernetes' },
      { path: 'z.conf', content: 'z\n', target: 'nginx' },
    ];
    const r = writeOutput(out, files);
    expect(r.written).toEqual(['a/b/c.yaml', 'z.conf']);
    expect(Object.keys(snapshot(dir)).filter((p) => !p.startsWith('outside')).sort()).toEqual(['w', 'w/.ddp-manifest.json', 'w/a', 'w/a/b', 'w/a/b/c.yaml', 'w/z.conf']);
  });
});
