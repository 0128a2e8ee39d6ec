// Determinism: the same topology gives the same bytes, run after run and process after process;
// the order of keys in the input does not matter (lists keep their order: it is meaningful).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseTopologyText } from '../../src/topology/load.js';
import { prepareLoaded, renderStream, renderTargets, TARGETS } from '../../src/flow.js';
import type { OutputFile } from '../../src/output/files.js';
import { validTopology, toYamlText, shuffleKeys, textStyle, fcParams, SEED } from '../arbitraries.js';
import { ensureBuilt, runDdp } from '../helpers/cli.js';
import { exampleNames, ROOT } from '../examples.js';

async function renderText(text: string): Promise<OutputFile[]> {
  const prepared = await prepareLoaded(parseTopologyText(text, 'random.yaml'), undefined);
  return renderTargets(prepared.model, TARGETS);
}

const asMap = (files: OutputFile[]) => Object.fromEntries(files.map((f) => [f.path, f.content]));

/** path → bytes of every file under dir. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'latin1');
    }
  };
  walk(dir);
  return out;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ddp-determinism-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('determinism', () => {
  it(`two renderings of a random topology are byte-identical (seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(validTopology(), textStyle, async (t, style) => {
        const text = toYamlText(t.doc, style);
        expect(asMap(await renderText(text))).toEqual(asMap(await renderText(text)));
      }),
      fcParams(25),
    );
  });

  it('one model rendered twice, streamed then whole, gives the same files: a config target lets go of its texts as it goes, and they are rendered again', async () => {
    for (const name of exampleNames()) {
      const prepared = await prepareLoaded(parseTopologyText(readFileSync(join(ROOT, 'examples', name, 'ddp.yaml'), 'utf8'), 'ddp.yaml'), undefined);
      const configs = prepared.model.units.flatMap((u) => u.configs);
      const streamed: Record<string, string> = {};
      for (const f of await renderStream(prepared.model, TARGETS)) streamed[f.path] = f.pieces ? [...f.pieces()].join('') : f.content;
      // every config's text was let go once its file was passed on
      expect(configs.filter((c) => c.content !== undefined).map((c) => c.name), name).toEqual([]);
      expect(asMap(await renderTargets(prepared.model, TARGETS)), name).toEqual(streamed);
    }
  });

  it(`reordering the keys of every mapping in the input gives the same output (seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(validTopology(), fc.integer(), textStyle, textStyle, async (t, seed, styleA, styleB) => {
        let s = seed >>> 0 || 1;
        const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
        const a = await renderText(toYamlText(t.doc, styleA));
        const b = await renderText(toYamlText(shuffleKeys(t.doc, rand), styleB));
        expect(asMap(b)).toEqual(asMap(a));
      }),
      fcParams(40),
    );
  });

  it('two processes write byte-identical output directories (manifest included), for every example', async () => {
    ensureBuilt();
    for (const name of exampleNames()) {
      const file = join(ROOT, 'examples', name, 'ddp.yaml');
      const a = join(dir, `${name}-a`);
      const b = join(dir, `${name}-b`);
      for (const out of [a, b]) {
        const r = await runDdp(['generate', file, '-o', out]);
        expect(r.code, r.stderr).toBe(0);
      }
      expect(tree(b)).toEqual(tree(a));
      // and a third run over an existing output changes nothing
      const again = await runDdp(['generate', file, '-o', a]);
      expect(again.code, again.stderr).toBe(0);
      expect(tree(a)).toEqual(tree(b));
    }
  });

  it('a random topology generated twice by the real CLI, once with shuffled keys, is byte-identical', async () => {
    ensureBuilt();
    const [t] = fc.sample(validTopology({ everyPattern: true }), { seed: SEED, numRuns: 1 });
    let s = 7;
    const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const fa = join(dir, 'cli-a.yaml');
    const fb = join(dir, 'cli-b.yaml');
    writeFileSync(fa, toYamlText(t.doc, 'block'));
    writeFileSync(fb, toYamlText(shuffleKeys(t.doc, rand), 'flow'));
    for (const [f, out] of [[fa, 'cli-out-a'], [fb, 'cli-out-b']]) {
      const r = await runDdp(['generate', f, '-o', join(dir, out)]);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(tree(join(dir, 'cli-out-b'))).toEqual(tree(join(dir, 'cli-out-a')));
  });
});
