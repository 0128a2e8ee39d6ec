// The line scan of src/topology/block-positions.ts against the full `yaml` parse: wherever the
// scan answers (a position, or "absent"), it answers what the full parse does -- for every key
// and value of the examples, of the bench's synthetic topology and of random block documents;
// and it answers for most pointers of a block-style topology (else a warning pays the full parse).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { BlockPositions, blockPosition } from '../../src/topology/block-positions.js';
import { parseFull } from '../../src/topology/load.js';
import { pointer } from '../../src/diagnostics.js';
import { exampleNames, ROOT } from '../examples.js';

/** Every JSON pointer of the data, and beside each one that is not there. */
function pointers(data: unknown, at = ''): string[] {
  if (Array.isArray(data)) return [`${at}/${data.length}`, ...data.flatMap((v, i) => [`${at}/${i}`, ...pointers(v, `${at}/${i}`)])];
  if (data !== null && typeof data === 'object') return [at + pointer('no-such-key'), ...Object.entries(data).flatMap(([k, v]) => [at + pointer(k), ...pointers(v, at + pointer(k))])];
  return [];
}

/** The share of present pointers the scan placed; throws on the first answer that differs from the full parse. */
function agree(text: string): number {
  const full = parseFull(text, 'ddp.yaml');
  const scan = new BlockPositions(text);
  let placed = 0;
  let present = 0;
  for (const p of pointers(full.data)) {
    const found = scan.find(p);
    if (found === 'absent') expect(full.source.has(p), `${p} absent`).toBe(false);
    if (typeof found !== 'string') expect(full.source.has(p), `${p} present`).toBe(true);
    if (full.source.has(p)) present++;
    for (const which of ['key', 'value'] as const) {
      const got = blockPosition(found, which);
      if (got !== undefined) expect(got, `${which} of ${p}`).toEqual(full.source.locate(p, which));
    }
    if (typeof found !== 'string') placed++;
  }
  return placed / present;
}

describe('block positions: the line scan agrees with the full parse', () => {
  it.each(exampleNames())('examples/%s', (name) => {
    // flow collections (`{ kind: filter, ... }`) are left to the full parse
    expect(agree(readFileSync(join(ROOT, 'examples', name, 'ddp.yaml'), 'utf8'))).toBeGreaterThan(0.3);
  });

  it("the bench's synthetic topology (every pattern, every variant)", async () => {
    const { synthesize, VARIANTS } = (await import(join(ROOT, 'scripts', 'synthetic.mjs'))) as { synthesize: (n: number, enabled: Set<string>, pipelines: boolean) => string; VARIANTS: { id: string }[] };
    expect(agree(synthesize(60, new Set(VARIANTS.map((v) => v.id)), true))).toBeGreaterThan(0.3);
  });

  it('random block documents: nested mappings, sequences, comments, blank lines, empty, quoted, flow and block-scalar values', () => {
    const key = fc.constantFrom('a', 'b', 'web', 'image', 'x.y/z', 'port', 'k-1');
    const scalar = fc.constantFrom('1', 'text', '"quoted: x"', "'single'", '{ a: 1 }', '[1, 2]', '', '# c', 'x # c', '|\n  block', '&a v', 'null', 'a b');
    const node: fc.Memo<string[]> = fc.memo((depth) =>
      depth <= 1
        ? scalar.map((s) => [s])
        : fc.oneof(
            scalar.map((s) => [s]),
            fc.uniqueArray(fc.tuple(key, node(depth - 1)), { minLength: 1, maxLength: 3, selector: ([k]) => k }).map((es) => ['{MAP}', ...es.flatMap(([k, v]) => renderEntry(k, v))]),
            fc.array(node(depth - 1), { minLength: 1, maxLength: 3 }).map((items) => ['{SEQ}', ...items.flatMap((v) => renderItem(v))]),
          ),
    );
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(key, node(3)), { minLength: 1, maxLength: 4, selector: ([k]) => k }), fc.boolean(), (entries, blank) => {
        const text = entries.flatMap(([k, v]) => renderEntry(k, v)).join(blank ? '\n\n' : '\n') + '\n';
        let valid = true;
        try {
          parseFull(text, 'ddp.yaml');
        } catch {
          valid = false; // not a document the loader takes: nothing to compare
        }
        if (valid) agree(text);
      }),
      { numRuns: 400 },
    );
  });
});

/** `k: v` as block lines (a nested node indented by two). */
function renderEntry(k: string, v: string[]): string[] {
  if (v[0] === '{MAP}' || v[0] === '{SEQ}') return [`${k}:`, ...v.slice(1).map((l) => `  ${l}`)];
  const [first, ...rest] = v[0].split('\n');
  return [`${k}: ${first}`.trimEnd(), ...rest];
}

/** `- v` as block lines: a mapping's first entry on the dash line. */
function renderItem(v: string[]): string[] {
  if (v[0] === '{MAP}') {
    const [first, ...rest] = v.slice(1);
    return [`- ${first}`, ...rest.map((l) => `  ${l}`)];
  }
  if (v[0] === '{SEQ}') return ['-', ...v.slice(1).map((l) => `  ${l}`)];
  const [first, ...rest] = v[0].split('\n');
  return [`- ${first}`.trimEnd(), ...rest.map((l) => `  ${l}`)];
}
