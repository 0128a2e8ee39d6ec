// Pinned (mutation testing of src/output/, 2026-11-29, third round): behaviours of the writer and of
// `--check`'s diff that no other test held.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outputError, writeOutput, MANIFEST } from '../../src/output/write.js';
import type { DdpError } from '../../src/diagnostics.js';
import { checkOutput, unifiedDiff } from '../../src/output/diff.js';
import type { OutputFile } from '../../src/output/files.js';

let base: string;
let n = 0;
const fresh = () => {
  const d = join(base, `case${n++}`);
  mkdirSync(d);
  return d;
};
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ddp-pinned-output-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const FILES: OutputFile[] = [{ path: 'k/web.yaml', content: 'kind: Service\n', target: 'kubernetes' }];

describe('the working directory beside DIR', () => {
  it('a working directory whose name starts with DIR\'s (out-work beside out) is not inside DIR: generate writes, --check has nothing to refuse', () => {
    const dir = fresh();
    const cwd = join(dir, 'out-work');
    mkdirSync(cwd);
    writeOutput('../out', FILES, { cwd }); // DIR made
    const r = writeOutput('../out', [{ ...FILES[0], content: 'kind: Deployment\n' }], { cwd }); // DIR exists: checked against the working directory
    expect(r.untouched).toBe(false);
    expect(readFileSync(join(dir, 'out', 'k', 'web.yaml'), 'utf8')).toBe('kind: Deployment\n');
    const c = checkOutput('../out', FILES, { cwd });
    expect(c.cannotReplace).toBeUndefined();
    expect(c.changed).toEqual(['k/web.yaml']);
  });
});

describe('a big file cut into write slices', () => {
  it('a character whose high surrogate is U+DBFF (plane 16, U+10FFFF) across the slice boundary is written whole, not as two U+FFFD', () => {
    const out = join(fresh(), 'big');
    const MiB = 1 << 20;
    const content = 'x'.repeat(MiB - 1) + '\u{10FFFF}' + 'y\n'.repeat(10) ;
    const r = writeOutput(out, [{ path: 'compose/big.yml', content, target: 'compose' }]);
    expect(readFileSync(join(out, 'compose', 'big.yml')).equals(Buffer.from(content))).toBe(true);
    expect(r.files).toEqual([{ path: 'compose/big.yml', target: 'compose', bytes: MiB - 1 + 4 + 20 }]);
  });
});

describe('a parent directory that refuses the names ddp makes beside DIR', () => {
  it('EPERM (an immutable parent, chattr +i; a rule of a security module) names the parent and says why ddp writes there, as EACCES does', () => {
    const refusal = (code: string) => {
      const e = Object.assign(new Error(`${code}: mkdir`), { code, path: '/srv/deploy/.out.ddp-lock-new-4242-abc123' });
      const d = (outputError('out', e) as DdpError).diagnostics[0];
      return [d.code, d.message, d.hint];
    };
    const hint = "ddp makes the new DIR beside the old one and renames it into place, so it writes DIR's parent (/srv/deploy) too; pass a DIR whose parent you can write; the previous output, if any, is untouched";
    expect(refusal('EPERM')).toEqual(['output-unwritable', 'cannot write the output to out: operation not permitted (/srv/deploy)', hint]);
    expect(refusal('EACCES')).toEqual(['output-unwritable', 'cannot write the output to out: permission denied (/srv/deploy)', hint]);
  });
});

describe("--check's unified diff", () => {
  const lines = (edit: Record<number, string>) => Array.from({ length: 20 }, (_, i) => edit[i + 1] ?? `l${i + 1}`).join('\n') + '\n';

  it('two changes six unchanged lines apart make one hunk (their contexts meet), seven apart two -- as diff -u', () => {
    expect(unifiedDiff(lines({}), lines({ 3: 'X3', 10: 'X10' }), 'f')).toBe(
      '--- a/f\n+++ b/f\n@@ -1,13 +1,13 @@\n l1\n l2\n-l3\n+X3\n l4\n l5\n l6\n l7\n l8\n l9\n-l10\n+X10\n l11\n l12\n l13\n',
    );
    expect(unifiedDiff(lines({}), lines({ 3: 'X3', 11: 'X11' }), 'f')).toBe(
      '--- a/f\n+++ b/f\n@@ -1,6 +1,6 @@\n l1\n l2\n-l3\n+X3\n l4\n l5\n l6\n@@ -8,7 +8,7 @@\n l8\n l9\n l10\n-l11\n+X11\n l12\n l13\n l14\n',
    );
  });

  // (the property test of test/commands/diff.test.ts finds this too, on some seeds only)
  it('the new side without a final newline: its last line removed and added, the marker after the added one', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb', 'f')).toBe('--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file\n');
  });

  it("the files' diffs in path order, a stale file's among them; a file beside compose/secrets/ is no file of yours, and one not ddp's is kept, out of the diff", () => {
    const out = join(fresh(), 'out');
    const files: OutputFile[] = [
      { path: 'kubernetes/web.yaml', content: 'kind: Service\n', target: 'kubernetes' },
      { path: 'compose/docker-compose.yml', content: 'services: {}\n', target: 'compose' },
      { path: 'compose/secrets-old.txt', content: 'x\n', target: 'compose' },
      { path: 'a-old.txt', content: 'o\n', target: 'compose' },
    ];
    writeOutput(out, files);
    mkdirSync(join(out, 'compose', 'secrets'));
    writeFileSync(join(out, 'compose', 'secrets', 'web.env'), 'A=1\n'); // yours: never a difference
    writeFileSync(join(out, 'a-notes.txt'), 'n\n'); // not ddp's: generate keeps it
    const c = checkOutput(out, [{ ...files[0], content: 'kind: Deployment\n' }, files[1]]);
    expect([c.upToDate, c.changed, c.added, c.removed, c.extra]).toEqual([false, ['kubernetes/web.yaml'], [], ['a-old.txt', 'compose/secrets-old.txt'], ['a-notes.txt']]);
    expect(c.diff).toBe(
      '--- a/a-old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-o\n' +
        '--- a/compose/secrets-old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n' +
        '--- a/kubernetes/web.yaml\n+++ b/kubernetes/web.yaml\n@@ -1 +1 @@\n-kind: Service\n+kind: Deployment\n',
    );
    expect(existsSync(join(out, MANIFEST))).toBe(true);
  });
});
