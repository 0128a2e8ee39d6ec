// The one-pass check of rendered YAML (src/output/yaml-check.ts) may say "valid" only when the
// real parsers agree: differential tests against `yaml` (uniqueKeys) and js-yaml on random
// documents, plus exact cases. A `false` only costs speed (the caller parses fully), so the
// tests also hold the check to accepting what ddp renders (else the fast path would be dead code).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import jsyaml from 'js-yaml';
import { isPlainBlockYaml, PlainBlockYamlCheck } from '../../src/output/yaml-check.js';
import { yamlProblem } from '../../src/topology/fast-yaml.js';
import { quote } from '../../src/render/helpers.js';

const SEED = Number(process.env.DDP_FC_SEED ?? Date.now() % 2 ** 31);
// DDP_FC_SEED replays a failure; DDP_FC_SCALE=100 searches longer
const params = (numRuns: number) => ({ seed: SEED, numRuns: numRuns * Number(process.env.DDP_FC_SCALE ?? 1) });

/** Both real parsers read `text` without an error (duplicate keys are errors). */
function parsersAccept(text: string): boolean {
  const docs = parseAllDocuments(text, { uniqueKeys: true, strict: true });
  const list = Array.isArray(docs) ? docs : [docs];
  if (list.some((d) => d.errors.length > 0)) return false;
  try {
    jsyaml.loadAll(text, undefined, { json: false });
  } catch {
    return false;
  }
  return true;
}

// ---- random YAML-ish text: lines of the subset and outside it, at random indentations --------
const keyPool = ['a', 'b', 'name', 'app.kubernetes.io/name', 'x-y', '"a"', '"b c"', '"q\\"x"', 'true', 'null', '1', 'on', '"é"', '_k', 'a b', '-k', '"a"x', '"": '];
const valuePool = ['1', '-1', '0755', '"0755"', 'yes', 'null', 'x', 'a:b', 'a: b', '--port=8080', '-', '---', '...', '.inf', '@x', '%x', 'a #c', 'a#c', '"s"', '"s" #c', '"s"x', '"\\u00e9\\n"', '"\\x41"', '"unterminated', "'single'", '[]', '[a, "b"]', '[a,]', '[[a]]', '{}', '{a: 1}', '|', '|-', '|+', '>', '|2', '&x a', '*x', '!!str x', '~', 'a\tb', 'http://h:80/p', 'é', '"tab\there"', '?', ':', 'a:'];
const line = fc.oneof(
  fc.tuple(fc.nat(8), fc.constantFrom(...keyPool), fc.constantFrom(...valuePool)).map(([i, k, v]) => `${' '.repeat(i)}${k}: ${v}`),
  fc.tuple(fc.nat(8), fc.constantFrom(...keyPool)).map(([i, k]) => `${' '.repeat(i)}${k}:`),
  fc.tuple(fc.nat(8), fc.constantFrom(...valuePool)).map(([i, v]) => `${' '.repeat(i)}- ${v}`),
  fc.tuple(fc.nat(8), fc.constantFrom(...keyPool), fc.constantFrom(...valuePool)).map(([i, k, v]) => `${' '.repeat(i)}- ${k}: ${v}`),
  fc.tuple(fc.nat(8)).map(([i]) => `${' '.repeat(i)}-`),
  fc.constantFrom('---', '--- x', '# comment', '', '   ', '  # indented comment', '%YAML 1.2', '\t- a', 'a:\r', '  text of a block', '    more text', '\u00a0a: 1'),
);
const randomText = fc.array(line, { minLength: 1, maxLength: 14 }).map((ls) => ls.join('\n') + '\n');

// ---- documents in ddp's style, from random data: these must be accepted -----------------------
const scalar = fc.oneof(
  fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 })).map(quote),
  fc.integer({ min: -5000, max: 5000 }).map(String),
  fc.constantFrom('true', 'false', 'null', 'RuntimeDefault', 'kubernetes.io/hostname', 'apps/v1', 'shared:SSL:10m', '--port=8080', '[]', '{}', '["ALL"]', '["a", "b c"]'),
);
const plainKey = fc.stringMatching(/^[a-z_][a-zA-Z0-9_.\/-]{0,10}$/).filter((k) => !['true', 'null', 'false'].includes(k));
// quoted keys as the templates write them; with escapes they leave the fast subset (still valid)
const anyKey = fc.oneof(plainKey, fc.string({ unit: 'grapheme', maxLength: 10 }).map(quote).filter((k) => !k.includes('\\')));
type Tree = string | { map: [string, Tree][] } | { seq: Tree[] } | { block: string[] };
const tree: fc.Arbitrary<Tree> = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.record({ map: fc.uniqueArray(fc.tuple(anyKey, tie('node')), { minLength: 1, maxLength: 4, selector: ([k]) => (k.startsWith('"') ? JSON.parse(k) : k) }) }),
    fc.record({ seq: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }),
    // config text as ddp embeds it: lines may be empty; the first line is not indented
    fc.record({ block: fc.tuple(fc.stringMatching(/^[a-z{};#:"'$-][a-z {};#:"'$-]{0,19}$/), fc.array(fc.stringMatching(/^(|[ ]{0,4}[a-z{};#:"'$-][a-z {};#:"'$-]{0,15})$/), { maxLength: 3 })).map(([a, rest]) => [a, ...rest]) }),
  ),
})).node;

/** ddp's layout: block collections, compact `- key:` entries, `|` block scalars in mappings. */
function emit(t: Tree, indent: number, out: string[], lead: string): void {
  const pad = ' '.repeat(indent);
  if (typeof t === 'string') out.push(`${lead}${t}`);
  else if ('block' in t) out.push(`${lead}|`, ...t.block.map((l) => (l.trim() === '' ? '' : `${pad}  ${l}`)));
  else if ('map' in t) {
    t.map.forEach(([k, v], i) => {
      const first = i === 0 && lead.endsWith('- ') ? lead : pad;
      const child = first === pad ? indent : indent;
      if (typeof v === 'string' || 'block' in v) {
        if (typeof v !== 'string' && 'block' in v) {
          out.push(`${first}${k}: |`, ...v.block.map((l) => (l.trim() === '' ? '' : `${' '.repeat(child + 2)}${l}`)));
        } else out.push(`${first}${k}: ${v}`);
      } else {
        out.push(`${first}${k}:`);
        emit(v, indent + 2, out, ' '.repeat(indent + 2));
      }
    });
  } else {
    for (const item of t.seq) {
      if (typeof item === 'string') out.push(`${' '.repeat(indent)}- ${item}`);
      else if ('map' in item) emit(item, indent + 2, out, `${' '.repeat(indent)}- `);
      else if ('block' in item) out.push(`${' '.repeat(indent)}- "block in a sequence is written quoted"`);
      else out.push(`${' '.repeat(indent)}- []`); // ddp writes no list directly in a list
    }
  }
}
const ddpStyle = fc.array(fc.record({ map: fc.uniqueArray(fc.tuple(plainKey, tree), { minLength: 1, maxLength: 4, selector: ([k]) => k }) }), { minLength: 1, maxLength: 3 }).map((docs) => {
  const out = ['# Generated by ddp'];
  for (const d of docs) {
    out.push('---');
    emit(d, 0, out, '');
  }
  return out.join('\n') + '\n';
});

describe('isPlainBlockYaml', () => {
  it(`says "valid" only when yaml and js-yaml both parse it (seed ${SEED})`, () => {
    let accepted = 0;
    fc.assert(
      fc.property(randomText, (text) => {
        if (isPlainBlockYaml(text)) {
          accepted++;
          expect(parsersAccept(text), text).toBe(true);
        }
      }),
      params(3000),
    );
    expect(accepted).toBeGreaterThan(50); // the generator reaches the subset
  });

  it(`accepts documents laid out as ddp renders them, which both parsers accept (seed ${SEED})`, () => {
    fc.assert(
      fc.property(ddpStyle, (text) => {
        expect(parsersAccept(text), text).toBe(true);
        expect(isPlainBlockYaml(text), text).toBe(true);
      }),
      params(300),
    );
  });

  it(`fed in pieces at line boundaries, gives the verdict it gives on the whole text (seed ${SEED})`, () => {
    const inPieces = (text: string, cuts: number[]) => {
      const lines = text.split(/(?<=\n)/);
      const at = [...new Set(cuts.map((c) => c % (lines.length + 1)))].sort((a, b) => a - b);
      const check = new PlainBlockYamlCheck();
      let from = 0;
      for (const to of [...at, lines.length]) {
        check.feed(lines.slice(from, to).join(''));
        from = Math.max(from, to);
      }
      return check.end();
    };
    fc.assert(
      fc.property(fc.oneof(randomText, ddpStyle), fc.array(fc.nat(), { maxLength: 6 }), (text, cuts) => {
        expect(inPieces(text, cuts), JSON.stringify({ text, cuts })).toBe(isPlainBlockYaml(text));
      }),
      params(2000),
    );
    // a duplicate key of a mapping left open across pieces is still found; a line split between pieces is refused
    const check = new PlainBlockYamlCheck();
    expect(check.feed('services:\n  a:\n    image: x\n')).toBe(true);
    expect(check.feed('  b:\n    image: y\n')).toBe(true);
    expect(check.feed('  a:\n    image: z\n')).toBe(false);
    expect(check.end()).toBe(false);
    const split = new PlainBlockYamlCheck();
    expect(split.feed('a: 1\nb: ')).toBe(true);
    expect(split.feed('2\n')).toBe(false);
  });

  it('rejects duplicate keys, however they are quoted, and bad structure', () => {
    const bad = [
      'a: 1\na: 2\n',
      'a: 1\n"a": 2\n',
      '- name: x\n  name: y\n',
      'm:\n  k: 1\n  j: 2\n  k: 3\n',
      'a: 1\n  b: 2\n', // a deeper line after a scalar value
      'a:\n  b: 1\n c: 2\n', // an indentation that matches no level
      'a: "x\n', // unterminated
      'a: "\\x41"\n', // not a JSON escape
      'a: b: c\n',
      'a:b\n',
      '- a\nb: 1\n', // a mapping entry where the sequence is
      'a: 1\n- b\n',
      'a: |\n   x\n  y\n', // less-indented block content that is not structure
      'a:\t1\n',
      'a: 1\r\nb: 2\r\n',
      'x\n', // a scalar document: not in the subset
      '    -\n     -\n    -\n     a:\n', // `-` alone: yaml reads it, js-yaml does not
      'a: 1\n---\na: 1\na: 2\n',
    ];
    for (const t of bad) expect(isPlainBlockYaml(t), JSON.stringify(t)).toBe(false);
    // many keys switch to a Set; duplicates are still found
    const many = Array.from({ length: 100 }, (_, i) => `k${i}: ${i}`);
    expect(isPlainBlockYaml(many.join('\n') + '\n')).toBe(true);
    expect(isPlainBlockYaml([...many, 'k42: again'].join('\n') + '\n')).toBe(false);
  });

  it('accepts the forms ddp writes', () => {
    const good = [
      '# Generated by ddp\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "web"\n  labels:\n    "app.kubernetes.io/name": "web"\ndata:\n  "nginx.conf": |\n    events {\n        worker_connections 1024;\n    }\n\n    http {}\n---\napiVersion: apps/v1\n',
      'spec:\n  containers:\n    - name: "web"\n      args: ["--x", "y z"]\n      ports:\n        - containerPort: 8080\n          protocol: TCP\n      securityContext:\n        capabilities:\n          drop: ["ALL"]\n  volumes:\n    - name: "tmp"\n      emptyDir: {}\n',
      'a: |-\n  x\nb: >\n  folded\n  text\nc: |+\n  kept\n\nd: 1 # comment\n',
      'x: []\ny: {}\nz: null\n',
      'k:\n   - a\n   - b\nj:\n     deep: 1\n',
    ];
    for (const t of good) {
      expect(parsersAccept(t), t).toBe(true);
      expect(isPlainBlockYaml(t), t).toBe(true);
    }
  });
});

describe('yamlProblem (the re-parse of rendered files)', () => {
  it('names the problem of invalid YAML, in or outside the fast subset', () => {
    expect(yamlProblem('a: 1\na: 2\n')).toMatch(/duplicated mapping key/);
    expect(yamlProblem('a: [1, 2\n')).toBeDefined();
    expect(yamlProblem('a: "x\n')).toBeDefined();
    expect(yamlProblem('a: 1\nb: 2\n')).toBeUndefined();
    expect(yamlProblem("a: 'single'\nb: &x [1]\nc: *x\n")).toBeUndefined(); // outside the subset, still valid
  });
});
