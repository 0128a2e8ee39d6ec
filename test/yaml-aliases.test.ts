// src/yaml-aliases.ts: the one alias check of validate and lint -- what an alias adds, where a
// limit is crossed, which anchor an alias repeats, and that inlining changes nothing toJS gives.
import { describe, expect, it } from 'vitest';
import { isAlias, isMap, isPair, isSeq, parseDocument, type Node } from 'yaml';
import { checkAliases, type AliasCheck } from '../src/yaml-aliases.js';

const y = { isAlias, isMap, isSeq, isPair };
const check = (text: string, limits: Parameters<typeof checkAliases>[2] = { maxAdded: 1000 }) => {
  const doc = parseDocument(text, { merge: true });
  return { doc, r: checkAliases(y, doc.contents as Node, limits) };
};
const problem = (r: AliasCheck) => (r.ok ? undefined : { kind: r.problem.kind, at: r.problem.at.range?.[0] });

describe('checkAliases', () => {
  it('counts what each alias adds: the nodes it repeats, aliases inside them included', () => {
    const budget = { added: 0 };
    // &d holds a mapping of 2 pairs: 1 + 2 keys + 2 values = 5 nodes
    expect(check('d: &d { a: 1, b: 2 }\nx: { <<: *d }\n', { maxAdded: 1000, budget }).r.ok).toBe(true);
    expect(budget.added).toBe(5);
    budget.added = 0;
    // &a is 3 nodes; &b repeats it twice (1 + 3 + 3 = 7); *b adds 7: 3 + 3 + 7 in all
    expect(check('a: &a [1, 2]\nb: &b [*a, *a]\nc: *b\n', { maxAdded: 1000, budget }).r.ok).toBe(true);
    expect(budget.added).toBe(13);
  });

  it('stops at the alias that crosses the limit, counting what earlier documents added', () => {
    const text = 'a: &a [1, 2, 3, 4]\nb: *a\nc: *a\n'; // each *a adds 5
    expect(problem(check(text, { maxAdded: 10 }).r)).toBeUndefined();
    expect(problem(check(text, { maxAdded: 9 }).r)).toEqual({ kind: 'limit', at: text.indexOf('*a', text.indexOf('c:')) });
    const budget = { added: 6 };
    expect(problem(check(text, { maxAdded: 10, budget }).r)).toEqual({ kind: 'limit', at: text.indexOf('*a') });
  });

  it('refuses an alias with no anchor before it, and one inside what it repeats', () => {
    const later = 'a: *x\nb: &x 1\n';
    expect(problem(check(later).r)).toEqual({ kind: 'no-anchor', at: 3 });
    const cycle = 'a: &v [1, *v]\n';
    expect(problem(check(cycle).r)).toEqual({ kind: 'cycle', at: cycle.indexOf('*v') });
  });

  it('measures depth with aliases expanded: at the alias whose nodes would go too deep, or at a node written too deep', () => {
    const text = 'a: &a [[[1]]]\nb: [*a]\n'; // &a is 3 levels above its scalar; *a stands at depth 2
    expect(problem(check(text, { maxAdded: 100, maxDepth: 5 }).r)).toBeUndefined();
    expect(problem(check(text, { maxAdded: 100, maxDepth: 4 }).r)).toEqual({ kind: 'too-deep', at: text.indexOf('*a') });
    const written = 'a: [[[1]]]\n';
    expect(problem(check(written, { maxAdded: 100, maxDepth: 3 }).r)).toEqual({ kind: 'too-deep', at: written.indexOf('1') });
  });

  it('resolves an alias to the last node before it with that anchor, and visits each written node once, in order', () => {
    const seen: string[] = [];
    const { doc, r } = check('a: &x one\nb: *x\nc: &x two\nd: *x\n', { maxAdded: 100, visit: (n) => seen.push(String((n as { value?: unknown }).value ?? 'map')) });
    if (!r.ok) throw new Error('expected ok');
    r.inline();
    expect(doc.toJS()).toEqual({ a: 'one', b: 'one', c: 'two', d: 'two' });
    expect(seen).toEqual(['map', 'a', 'one', 'b', 'c', 'two', 'd']);
  });

  it('inlines so that toJS gives what it gives with the aliases, merges included', () => {
    const text = 'x-d: &d { image: "web:1", env: [&e { name: A, value: "1" }] }\nweb: { <<: *d, port: 80 }\nenv2: [*e, *e]\n';
    const expected = parseDocument(text, { merge: true }).toJS();
    const { doc, r } = check(text);
    if (!r.ok) throw new Error('expected ok');
    r.inline();
    expect(doc.toJS({ maxAliasCount: -1 })).toEqual(expected);
  });
});
