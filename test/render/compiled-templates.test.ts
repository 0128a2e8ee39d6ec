// The templates run as JavaScript compiled at build time (scripts/compile-templates.mjs), not
// through the Handlebars runtime. This file holds that compiler to Handlebars itself: the same
// bytes for every template on every example and on random topologies, the same bytes (or an
// error on both sides) for crafted templates covering each rule it implements, and a build error
// for what it does not support.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import Handlebars from 'handlebars';
import { compileTemplates, readTemplates } from '../../scripts/compile-templates.mjs';
import * as runtime from '../../src/render/runtime.js';
import { helpers } from '../../src/render/helpers.js';
import { ROOT, exampleNames, renderExample } from '../examples.js';
import { environmentNames } from '../../src/topology/overlay.js';
import { loadFile, parseTopologyText } from '../../src/topology/load.js';
import { prepareLoaded, renderTargets, TARGETS } from '../../src/flow.js';
import { validTopology, toYamlText, fcParams } from '../arbitraries.js';

const OPTIONS = { strict: true, noEscape: true } as const;

/** A Handlebars environment over `sources` as Handlebars itself runs them (the reference). */
function reference(sources: Record<string, string>) {
  const hb = Handlebars.create();
  for (const [name, fn] of Object.entries(helpers)) hb.registerHelper(name, fn as Handlebars.HelperDelegate);
  const top: Record<string, HandlebarsTemplateDelegate> = {};
  for (const [id, text] of Object.entries(sources)) {
    const m = /^([^/]+)\/_partials\/(.+)$/.exec(id);
    if (m) hb.registerPartial(`${m[1]}/${m[2]}`, hb.compile(text, OPTIONS));
    else top[id] = hb.compile(text, OPTIONS);
  }
  return top;
}

/** The same sources through ddp's compiler. */
function compiled(sources: Record<string, string>): Record<string, (c: unknown) => string> {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('rt', 'h', compileTemplates(sources))(runtime, helpers);
}

type Outcome = { out: string } | { error: true };
const run = (fn: (c: unknown) => string, ctx: unknown): Outcome => {
  try {
    return { out: fn(ctx) };
  } catch {
    return { error: true };
  }
};

/** Render `main` of `sources` both ways on each context; the outcomes must be equal. Returns ddp's outcomes. */
function same(sources: Record<string, string>, ...contexts: unknown[]): Outcome[] {
  const ref = reference(sources);
  const ours = compiled(sources);
  return contexts.map((ctx) => {
    const want = run(ref.main!, ctx);
    const got = run(ours.main!, ctx);
    expect(got, `${JSON.stringify(sources.main)} on ${JSON.stringify(ctx)}`).toEqual(want);
    return got;
  });
}

describe('compiled templates behave as Handlebars (crafted cases)', () => {
  it('fields, nested fields, this, literals and helpers', () => {
    const [r] = same(
      { main: 'a={{a}} b.c={{b.c}} q={{q a}} json={{json list}} n={{add 1 2}} s={{concat "x" a 3}} this={{#each list}}[{{this}}]{{/each}} t={{t}} f={{f}}\n' },
      { a: 'x: y', b: { c: 0 }, list: [1, 'two', null], t: true, f: false },
    );
    expect(r).toEqual({ out: 'a=x: y b.c=0 q="x: y" json=[1,"two",null] n=3 s=xx: y3 this=[1][two][] t=true f=false\n' });
  });

  it('strict mode: a plain {{x}} or {{x.y}} that does not exist throws; helper arguments may be missing', () => {
    const [missing, missingNested, nullValue] = same({ main: '{{a.b}}' }, { a: {} }, {}, { a: { b: null } });
    expect(missing).toEqual({ error: true });
    expect(missingNested).toEqual({ error: true });
    expect(nullValue).toEqual({ out: '' });
    same({ main: '{{nope}}' }, {}, { nope: undefined }, { nope: 'x' });
    same({ main: '[{{q a}}][{{q a.b}}]' }, {}, { a: { b: 'x' } }, { a: null });
    same({ main: '{{#if a.b}}yes{{/if}}' }, {}, { a: {} }, { a: { b: 1 } });
  });

  it('only own properties are read (nothing from a prototype)', () => {
    const warn = vi.spyOn(console, 'error').mockImplementation(() => undefined); // Handlebars reports the denied access
    const proto = { inherited: 'secret' };
    const ctx = Object.assign(Object.create(proto), { own: 'mine' });
    const [r] = same({ main: '{{own}}{{q inherited}}{{#if inherited}}leak{{/if}}{{q constructor}}' }, ctx);
    expect(r).toEqual({ out: 'mine""""' });
    const nullProto = Object.assign(Object.create(null), { k: 'v' });
    same({ main: '{{k}}{{#each this}}{{@key}}={{this}}{{/each}}' }, nullProto);
    warn.mockRestore();
  });

  it('if/unless truthiness, else and else-if chains', () => {
    const src = { main: '{{#if v}}T{{else if w}}W{{else}}F{{/if}}|{{#unless v}}U{{else}}u{{/unless}}' };
    same(src, ...[0, 1, '', 'x', [], [0], {}, null, undefined, false, true, Number.NaN].flatMap((v) => [{ v, w: 1 }, { v, w: 0 }]));
    same({ main: '{{#if v}}T{{/if}}' }, { v: () => false }, { v: () => 'x' });
  });

  it('each over lists, iterables and objects, with @index @key @first @last, else, and nesting', () => {
    const src = {
      main: '{{#each xs}}{{@index}}:{{@key}}:{{#if @first}}F{{/if}}{{#if @last}}L{{/if}}={{this}}{{#each ../ys}}<{{this}}{{@index}}>{{/each}};{{else}}none{{/each}}\n',
    };
    same(src, { xs: ['a', 'b', 'c'], ys: [1, 2] }, { xs: [], ys: [] }, { xs: { k1: 1, k2: 2 }, ys: ['z'] }, { xs: new Set(['s1', 's2']), ys: [] }, { xs: 'str', ys: [] }, { xs: null, ys: [] }, { xs: [undefined, null, 0], ys: [] });
    same({ main: '{{#each xs}}{{#each this}}{{@../index}}{{/each}}{{/each}}' }, { xs: [[1]] });
  });

  it('../ follows Handlebars: a block that keeps the context adds no level', () => {
    same(
      { main: '{{#each items}}{{#if on}}{{../name}}/{{name}}{{#each tags}}({{../name}}|{{../../name}}){{/each}}{{/if}};{{/each}}' },
      { name: 'root', items: [{ name: 'i1', on: true, tags: ['t'] }, { name: 'i2', on: false, tags: [] }, { name: 'i3', on: 1, tags: ['u', 'v'] }] },
    );
  });

  it('partials: context argument, hash arguments over the context, shared @data, and @root', () => {
    const sources = {
      main: '{{#each xs}}{{> t/p this extra=../top n=@index}}{{/each}}{{> t/p}}{{> t/p name="lit" extra=(concat "a" "b")}}',
      't/_partials/p': '[{{name}}|{{q extra}}|{{q n}}|{{@index}}|{{@root.top}}]\n',
    };
    same(sources, { top: 'T', name: 'rootname', xs: [{ name: 'x0' }, { name: 'x1', extra: 'overridden' }] });
  });

  it('standalone partials indent every line of their output, nested partials compound', () => {
    const sources = {
      main: 'a:\n  {{> t/outer}}\nb:\n    {{> t/lines}}\nc: 1\n',
      't/_partials/outer': 'x: 1\ny:\n  {{> t/lines}}\nz: {{q z}}\n',
      't/_partials/lines': '{{#each rows}}\n- {{this}}\n{{/each}}\n',
    };
    same(sources, { rows: ['r1', '', 'multi\nline', 'trailing\n'], z: 'zed' }, { rows: [], z: '' }, { rows: ['only'], z: 'x\ny' });
  });

  it('whitespace control and comments', () => {
    same({ main: 'a  {{~x~}}  b\n{{!-- a comment --}}\n  {{#if x}}\n  in\n  {{/if}}\nend {{! short }}\n' }, { x: 'X' }, { x: '' });
  });

  it('a function of the context can serve as a helper; a missing helper throws', () => {
    const [r] = same({ main: '{{#each (pairs 2)}}{{this}},{{/each}}{{greet "x"}}' }, { pairs: (n: number) => Array.from({ length: n }, (_, i) => i), greet: (s: string) => `hi ${s}` });
    expect(r).toEqual({ out: '0,1,hi x' });
    const [missing] = same({ main: '{{nohelper "x"}}' }, {});
    expect(missing).toEqual({ error: true });
  });

  it('a strict-mode failure names the template file, line and column', () => {
    const ours = compiled({ main: 'line one\n  {{a.missing}}\n' });
    expect(() => ours.main!({ a: {} })).toThrow('"missing" not defined (templates/main.hbs:2:4)');
  });

  it('what the compiler does not support is a build error with file, line and column', () => {
    expect(() => compileTemplates({ main: 'x\n{{#with a}}{{b}}{{/with}}' })).toThrow('templates/main.hbs:2:0: unknown block helper #with (supported: if, unless, each)');
    expect(() => compileTemplates({ main: '{{> t/missing}}' })).toThrow('templates/main.hbs:1:0: no partial t/missing (templates/<target>/_partials/<name>.hbs)');
    expect(() => compileTemplates({ main: '{{#each xs as |x|}}{{x}}{{/each}}' })).toThrow('templates/main.hbs:1:0: block parameters (as |x|) are not supported');
    expect(() => compileTemplates({ main: '{{#if a b}}x{{/if}}' })).toThrow('templates/main.hbs:1:0: #if requires exactly one argument');
  });
});

// ---------------------------------------------------------------------------------------------
// every template of templates/, on real data: each render call of ddp is replayed through Handlebars

const seen = vi.hoisted(() => ({ ids: new Set<string>(), calls: 0, mismatches: [] as string[], reference: undefined as undefined | Record<string, (c: unknown) => string> }));
vi.mock('../../src/render/engine.js', async (importOriginal) => {
  const engine = await importOriginal<typeof import('../../src/render/engine.js')>();
  return {
    ...engine,
    render: (id: string, data: unknown) => {
      const got = engine.render(id, data);
      const want = seen.reference![id]!(data);
      seen.ids.add(id);
      seen.calls++;
      if (got !== want && seen.mismatches.length < 3) seen.mismatches.push(`${id}:\n--- handlebars\n${want}\n--- ddp\n${got}`);
      return got;
    },
  };
});

describe('compiled templates equal Handlebars on real data', () => {
  const sources = readTemplates(join(ROOT, 'templates'));
  seen.reference = reference(sources);
  afterAll(() => expect(seen.mismatches).toEqual([]));

  it('every example, with each of its environments: same bytes for every render call; every template is exercised', async () => {
    for (const name of exampleNames()) {
      const loaded = loadFile(join(ROOT, 'examples', name, 'ddp.yaml'), ROOT);
      for (const env of [undefined, ...environmentNames(loaded.data)]) await renderExample(name, env);
    }
    expect(seen.mismatches).toEqual([]);
    expect(seen.calls).toBeGreaterThan(100);
  });

  it("the benchmark's synthetic topology (every pattern and single-node variant): same bytes; with the examples, every template is exercised", async () => {
    const doc = parseYaml(execFileSync(process.execPath, [join(ROOT, 'scripts/bench.mjs'), '--emit', '40'], { encoding: 'utf8' })) as { services: Record<string, unknown> };
    doc.services.ledger = { pattern: 'sharded', image: 'ghcr.io/acme/ledger:1.0.0', port: 7000, protocol: 'tcp', shards: 3 }; // the nginx stream router
    const prepared = await prepareLoaded(parseTopologyText(toYamlText(doc, 'block'), 'bench.yaml'), undefined);
    await renderTargets(prepared.model, TARGETS);
    expect(seen.mismatches).toEqual([]);
    const top = Object.keys(sources).filter((id) => !id.includes('/_partials/'));
    expect(top.filter((id) => !seen.ids.has(id))).toEqual([]);
  });

  it('random valid topologies: same bytes for every render call', async () => {
    await fc.assert(
      fc.asyncProperty(validTopology({ maxServices: 4 }), async (t) => {
        const prepared = await prepareLoaded(parseTopologyText(toYamlText(t.doc, 'block'), 'random.yaml'), undefined);
        await renderTargets(prepared.model, TARGETS);
        expect(seen.mismatches).toEqual([]);
      }),
      fcParams(40),
    );
  });
});
