// `ddp explain`: every pattern of the book has its text (what for, when, what ddp generates per
// target, a snippet); unknown names get a suggestion.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runExplain, explainText } from '../../src/commands/explain.js';
import { PATTERNS } from '../../src/explain/patterns.js';
import { DdpError } from '../../src/diagnostics.js';

const plain = { red: (s: string) => s, yellow: (s: string) => s, cyan: (s: string) => s, dim: (s: string) => s, bold: (s: string) => s, green: (s: string) => s };

describe('ddp explain', () => {
  it('lists the eleven patterns by group', async () => {
    const r = await runExplain(undefined);
    expect('patterns' in r && r.patterns.map((p) => p.id)).toEqual(['replicated', 'sharded', 'scatter-gather', 'function', 'work-queue', 'batch', 'pipeline', 'sidecar', 'ambassador', 'adapter', 'election']);
    const text = explainText(r, plain);
    expect(text.split('\n').slice(0, 3)).toEqual(['Single-node patterns (on any service)', '  sidecar          Sidecar (ch. 2)', '  ambassador       Ambassador (ch. 3)']);
  });

  it.each(PATTERNS.map((p) => p.id))('%s: purpose, when, when not, every target, a snippet that parses', async (id) => {
    const r = await runExplain(id);
    if (!('pattern' in r)) throw new Error('expected one pattern');
    const p = r.pattern;
    expect(p.summary.length).toBeGreaterThan(40);
    expect(p.when.length).toBeGreaterThan(0);
    expect(p.avoid.length).toBeGreaterThan(0);
    for (const t of ['kubernetes', 'compose', 'configs'] as const) expect(p.generates[t].length).toBeGreaterThan(3);
    const snippet = parse(p.snippet) as Record<string, Record<string, unknown>>;
    const [name] = Object.keys(snippet);
    expect(Object.keys(snippet)).toHaveLength(1);
    if (p.section === 'services') expect(snippet[name].pattern).toBe(['sidecar', 'ambassador', 'adapter', 'election'].includes(id) ? 'replicated' : id);
    else expect(Object.keys(snippet[name].stages as object).length).toBeGreaterThan(1);
    const text = explainText(r, plain);
    for (const h of ['When to use it', 'When not to', 'What ddp generates', 'Minimal topology']) expect(text).toContain(`\n${h}\n`);
    expect(text).toContain(`  ${p.section}:\n    ${name}:\n`);
    expect(text).toContain(`Scaffold it: ddp init --pattern ${id} --name <name>   or   ddp add ${id} <name>`);
  });

  it('the replicated text, exactly, at its head', async () => {
    const text = explainText(await runExplain('replicated'), plain);
    expect(text.split('\n').slice(0, 3)).toEqual(['replicated — Replicated load-balanced service (Designing Distributed Systems, ch. 5)', '', '  Identical, stateless replicas behind one load-balanced address, optionally fronted by a']);
  });

  it('suggests the nearest pattern for a typo', async () => {
    const e = await runExplain('shardd').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DdpError);
    expect((e as DdpError).diagnostics[0]).toMatchObject({ code: 'unknown-pattern', message: 'no pattern `shardd`' });
    expect((e as DdpError).diagnostics[0].hint).toMatch(/^did you mean `sharded`\?/);
  });
});
