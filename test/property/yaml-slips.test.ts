// Property: one slip of the hand is one error, at the line that is wrong (src/topology/yaml-slips.ts).
// Every line of every example, with each slip people make (a key a column or two in or out, no
// space after the colon, no colon, a tab, a `: ` in a value, a stray `}` or quote, an `@`, a list
// item's `-` a column off): the file is either still valid YAML, or it gives exactly one error,
// on the slipped line or the one next to it -- not the parser's cascade over every line after it.
// And on random topologies, a random slip never ends in anything but diagnostics with positions.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { exampleNames, ROOT } from '../examples.js';
import { parseDiagnostics } from '../helpers/topology.js';
import { fcParams, SEED, toYamlText, validTopology } from '../arbitraries.js';

const SLIPS: Record<string, (line: string) => string> = {
  'one column in': (l) => ' ' + l,
  'two columns in': (l) => '  ' + l,
  'one column out': (l) => l.replace(/^ /, ''),
  'two columns out': (l) => l.replace(/^ {2}/, ''),
  'no space after the colon': (l) => l.replace(/: /, ':'),
  'no colon': (l) => l.replace(/: ?/, ' '),
  'a tab for a space': (l) => l.replace(/^ /, '\t'),
  '`: ` in the value': (l) => l.replace(/: (\S.*)$/, ': $1: x'),
  'a stray }': (l) => l + '}',
  'a stray quote': (l) => l.replace(/: /, ': "'),
  'an @ before the value': (l) => l.replace(/: /, ': @'),
  "a list item's - a column out": (l) => l.replace(/^( *)- /, (_m, s: string) => s.slice(1) + '- '),
  "a list item's - a column in": (l) => l.replace(/^( *)- /, (_m, s: string) => s + ' - '),
};

describe('one slip, one error, at its line', () => {
  it('every line of every example, each slip', () => {
    let slipped = 0;
    for (const name of exampleNames()) {
      const lines = readFileSync(join(ROOT, 'examples', name, 'ddp.yaml'), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (/^\s*(#|$)/.test(line)) return;
        for (const [slip, make] of Object.entries(SLIPS)) {
          const changed = make(line);
          if (changed === line) continue;
          const ds = parseDiagnostics([...lines.slice(0, i), changed, ...lines.slice(i + 1)].join('\n'));
          if (ds.length === 0) continue;
          slipped++;
          const where = `${name} line ${i + 1}, ${slip}: ${JSON.stringify(changed)}\n${ds.map((d) => `${d.line}:${d.col} ${d.code}: ${d.message}`).join('\n')}`;
          expect(ds.length, where).toBe(1);
          expect(Math.abs(ds[0].line! - (i + 1)), where).toBeLessThanOrEqual(1);
          expect(ds[0].hint, where).toBeTruthy();
        }
      });
    }
    expect(slipped).toBeGreaterThan(2000);
  });

  it(`random topologies, a random slip: diagnostics with positions in the file, never anything else (seed ${SEED})`, () => {
    const slipped = fc
      .tuple(validTopology({ maxServices: 3 }), fc.nat(), fc.constantFrom(...Object.values(SLIPS)))
      .map(([t, at, make]) => {
        const lines = toYamlText(t.doc, 'block').split('\n');
        const i = at % lines.length;
        return [...lines.slice(0, i), make(lines[i]), ...lines.slice(i + 1)].join('\n');
      });
    fc.assert(
      fc.property(slipped, (text) => {
        const count = text.split('\n').length;
        for (const d of parseDiagnostics(text)) {
          expect(d.line, d.message).toBeGreaterThanOrEqual(1);
          expect(d.line, d.message).toBeLessThanOrEqual(count);
          expect(d.col, d.message).toBeGreaterThanOrEqual(1);
          // never the parser's own "… at line 3, column 5:" and its excerpt (ddp's own words may name a line)
          expect(d.message).not.toMatch(/\bat line \d+, column \d+:/);
        }
      }),
      fcParams(300),
    );
  });
});
