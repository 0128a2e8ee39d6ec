// Property: a value a message quotes is whole when short and, when long, its start (never half a
// character), `…` and its length -- so a `wrong-type` message about a pasted certificate or a
// 10,000-character string is one short line (src/topology/brief.ts, src/topology/schema.ts).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BRIEF_CHARS, characters, codeBrief, collectionBrief, quotedBrief } from '../../src/topology/brief.js';
import { errorsOf, lines } from '../helpers/topology.js';
import { fcParams, SEED } from '../arbitraries.js';

/** Strings of every kind of character: ASCII, newlines, quotes, astral (two UTF-16 units). */
const unit = fc.oneof(fc.constantFrom('\n', '"', '\\', '`', '😀', 'é'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }));
/** Strings up to `maxLength` units long, and as often of about BRIEF_CHARS (where the cut starts). */
const text = (maxLength: number) => fc.oneof(fc.string({ unit, maxLength, size: 'max' }), fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n'), minLength: BRIEF_CHARS - 2, maxLength: BRIEF_CHARS + 2 }));

describe('brief values', () => {
  it(`a short string as before, a long one cut at ${BRIEF_CHARS} characters with its length (seed ${SEED})`, () => {
    fc.assert(
      fc.property(text(120), (s) => {
        const n = [...s].length;
        expect(characters(s)).toBe(n);
        if (n <= BRIEF_CHARS) {
          expect(quotedBrief(s)).toBe(JSON.stringify(s));
          expect(codeBrief(s)).toBe(`\`${s}\``);
          return;
        }
        const start = [...s].slice(0, BRIEF_CHARS).join('');
        expect(quotedBrief(s)).toBe(`${JSON.stringify(`${start}…`)} (${n} characters)`);
        expect(codeBrief(s)).toBe(`\`${start}…\` (${n} characters)`);
        // (JSON quoting: one line whatever the value holds)
        expect(quotedBrief(s)).not.toMatch(/\n/);
      }),
      fcParams(500),
    );
  });

  it('a list by its length, a mapping by its size and first three keys', () => {
    expect(collectionBrief([1])).toBe('a list of 1 item');
    expect(collectionBrief(Array.from({ length: 40 }, (_, i) => i))).toBe('a list of 40 items');
    expect(collectionBrief({ a: 1 })).toBe('a mapping (1 key: a)');
    expect(collectionBrief({ a: 1, b: 2, c: 3 })).toBe('a mapping (3 keys: a, b, c)');
    expect(collectionBrief({ a: 1, b: 2, c: 3, d: 4 })).toBe('a mapping (4 keys: a, b, c, …)');
    expect(collectionBrief({ [`${'k'.repeat(50)}`]: 1 })).toBe(`a mapping (1 key: ${'k'.repeat(40)}…)`);
  });

  it(`a wrong-type message is one line of bounded length, whatever string is where a number goes (seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(text(400), async (s) => {
        const [d] = await errorsOf(lines(`    replicas: ${JSON.stringify(s)}`));
        expect(d.code).toBe('wrong-type');
        expect(d.message.startsWith('services.web.replicas must be an integer, not the string ')).toBe(true);
        expect(d.message).toContain(quotedBrief(s));
        expect(d.message).not.toMatch(/\n/);
        // (at most 40 characters, each at most 6 as JSON escapes it, and the length)
        expect(characters(d.message)).toBeLessThanOrEqual('services.web.replicas must be an integer, not the string '.length + 6 * BRIEF_CHARS + 30);
      }),
      fcParams(100),
    );
  });
});
