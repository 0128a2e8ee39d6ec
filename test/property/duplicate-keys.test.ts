// Property: a key written twice in one mapping is one `duplicate-key` error at the repeat, naming
// the line of the first copy (and its column, where the two are not in line: a flow mapping on one
// line) -- in block and flow mappings, at any depth, however each copy is quoted (`"a"`, `'a'`
// and `a` are one key); `ddp lint` says the same of a manifest (src/topology/load.ts).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseSource } from '../../src/lint/source.js';
import { parseDiagnostics } from '../helpers/topology.js';
import { fcParams, SEED } from '../arbitraries.js';

/** Keys that read as strings however they are quoted (no `null`, `true`, `no`, ...), none of them `z…` (the nesting keys). */
const key = fc.stringMatching(/^[a-k][a-z0-9-]{0,6}$/).filter((k) => !/^(null|true|false|yes|no|on|off|y|n)$/i.test(k));
const quote = fc.constantFrom((k: string) => k, (k: string) => `"${k}"`, (k: string) => `'${k}'`);

const written = fc
  .record({
    keys: fc.uniqueArray(key, { minLength: 1, maxLength: 6 }),
    which: fc.nat(),
    at: fc.nat(),
    depth: fc.integer({ min: 0, max: 3 }),
    flow: fc.boolean(),
    first: quote,
    repeat: quote,
  })
  .map(({ keys, which, at, depth, flow, first, repeat }) => {
    const i = which % keys.length;
    const j = i + 1 + (at % (keys.length - i)); // where the repeat goes: after the first copy
    const entries = keys.map((k, n) => `${n === i ? first(k) : k}: v${n}`);
    entries.splice(j, 0, `${repeat(keys[i])}: again`);
    const nest = Array.from({ length: depth }, (_, d) => `${'  '.repeat(d)}z${d}:`);
    const indent = '  '.repeat(depth);
    let text: string;
    let firstAt: { line: number; col: number };
    let repeatAt: { line: number; col: number };
    if (flow) {
      const head = `${indent}zz: { `;
      const cols = entries.map((_, n) => head.length + entries.slice(0, n).reduce((sum, e) => sum + e.length + 2, 0) + 1);
      text = [...nest, `${head}${entries.join(', ')} }`].join('\n') + '\n';
      firstAt = { line: depth + 1, col: cols[i] };
      repeatAt = { line: depth + 1, col: cols[j] };
    } else {
      text = [...nest, ...entries.map((e) => indent + e)].join('\n') + '\n';
      firstAt = { line: depth + 1 + i, col: indent.length + 1 };
      repeatAt = { line: depth + 1 + j, col: indent.length + 1 };
    }
    const there = firstAt.col === repeatAt.col ? `line ${firstAt.line}` : `line ${firstAt.line}, column ${firstAt.col}`;
    return { text, repeatAt, message: `duplicate key \`${keys[i]}\`: already set at ${there} (a key may appear only once in a mapping)` };
  });

describe('duplicate keys', () => {
  it(`said at the repeat, with the line (and column) of the first copy: validate and lint alike (seed ${SEED})`, () => {
    fc.assert(
      fc.property(written, ({ text, repeatAt, message }) => {
        expect(parseDiagnostics(text).map((d) => [d.line, d.col, d.code, d.message]), text).toEqual([[repeatAt.line, repeatAt.col, 'duplicate-key', message]]);
        expect(parseSource(text).errors.map((d) => [d.line, d.col, d.message]), text).toEqual([[repeatAt.line, repeatAt.col, message]]);
      }),
      fcParams(300),
    );
  });
});
