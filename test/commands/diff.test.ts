// The unified diff of `generate --check`: exact hunks for small cases, and (property) any diff
// applies with `git apply` and turns the old text into the new one.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { diffLines, unifiedDiff } from '../../src/output/diff.js';

describe('unifiedDiff', () => {
  it('one changed line with three lines of context', () => {
    const a = 'a\nb\nc\nd\ne\nf\ng\nh\n';
    const b = 'a\nb\nc\nd\nE\nf\ng\nh\n';
    expect(unifiedDiff(a, b, 'x.yaml')).toBe('--- a/x.yaml\n+++ b/x.yaml\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n');
  });

  it('a new file and a removed file', () => {
    expect(unifiedDiff(undefined, 'x\ny\n', 'n.yaml')).toBe('--- /dev/null\n+++ b/n.yaml\n@@ -0,0 +1,2 @@\n+x\n+y\n');
    expect(unifiedDiff('x\n', undefined, 'o.yaml')).toBe('--- a/o.yaml\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n');
  });

  it('two distant changes make two hunks', () => {
    const a = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n') + '\n';
    const b = a.replace('l1\n', 'L1\n').replace('l18\n', 'L18\n');
    expect(unifiedDiff(a, b, 'f')).toBe('--- a/f\n+++ b/f\n@@ -1,5 +1,5 @@\n l0\n-l1\n+L1\n l2\n l3\n l4\n@@ -16,5 +16,5 @@\n l15\n l16\n l17\n-l18\n+L18\n l19\n');
  });

  it('marks a missing final newline', () => {
    expect(unifiedDiff('a\nb', 'a\nb\n', 'f')).toBe('--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n');
  });

  it('finds a shortest edit script', () => {
    const ops = diffLines(['a', 'b', 'c', 'a', 'b', 'b', 'a'], ['c', 'b', 'a', 'b', 'a', 'c']);
    expect(ops.filter((o) => o.kind !== ' ').length).toBe(5); // the D of Myers' paper example
  });

  it('any diff applies with git apply (property)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ddp-diff-'));
    try {
      const line = fc.constantFrom('a', 'b', 'c', 'key: 1', '', '  - x');
      const text = fc.tuple(fc.array(line, { maxLength: 30 }), fc.boolean()).map(([ls, nl]) => (ls.length ? ls.join('\n') + (nl ? '\n' : '') : ''));
      fc.assert(
        fc.property(text, text, (a, b) => {
          if (a === b) return;
          writeFileSync(join(dir, 'f'), a);
          writeFileSync(join(dir, 'p.diff'), unifiedDiff(a, b, 'f'));
          execFileSync('git', ['apply', '--unsafe-paths', '-p1', 'p.diff'], { cwd: dir, stdio: 'pipe' });
          expect(readFileSync(join(dir, 'f'), 'utf8')).toBe(b);
        }),
        { numRuns: 60 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
