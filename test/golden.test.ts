// Golden files: every example's whole output, byte for byte, under test/golden/<example>/.
// Update on purpose with `npx vitest run test/golden.test.ts -u` (never in CI) and review the diff.
import { describe, it, expect } from 'vitest';
import { exampleNames, renderExample } from './examples.js';

describe.each(exampleNames())('example %s', (name) => {
  it('renders byte-identical golden files', async () => {
    const files = await renderExample(name);
    await expect(files.map((f) => f.path).join('\n') + '\n').toMatchFileSnapshot(`golden/${name}/FILES`);
    for (const f of files) await expect(f.content).toMatchFileSnapshot(`golden/${name}/${f.path}`);
  });

  it('is deterministic: two renders give the same bytes', async () => {
    const a = await renderExample(name);
    const b = await renderExample(name);
    expect(b).toEqual(a);
  });
});
