// What compose cannot do (the compose-* notes) is said with the compose file only: a run for
// Kubernetes alone reports none of it (src/commands/generate.ts).
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runGenerate } from '../src/commands/generate.js';
import { ROOT } from './examples.js';

describe('notes by target', () => {
  const file = join(ROOT, 'examples', '11-election', 'ddp.yaml');
  it('compose-no-election with compose among the targets, and not for --target kubernetes', async () => {
    const all = await runGenerate({ file, stdout: true });
    expect(all.notes.map((n) => n.code)).toContain('compose-no-election');
    const kube = await runGenerate({ file, stdout: true, target: 'kubernetes' });
    expect(kube.notes.filter((n) => n.code.startsWith('compose-'))).toEqual([]);
    const compose = await runGenerate({ file, stdout: true, target: 'compose' });
    expect(compose.notes.map((n) => n.code)).toContain('compose-no-election');
  });
});
