// Atomicity with injected failures (test-only mocks; the product has no hooks):
//  - a later target's template throws while rendering → nothing is written;
//  - the final swap fails after the user's files were carried over into the new output →
//    everything is put back: the previous output is byte-identical, no temporary directory.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as realFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../examples.js';
import { leftovers, snapshot } from './snapshot.js';

// renameSync fails for the rename chosen by a test (by a predicate on from/to); render throws for one template
const inject = vi.hoisted(() => ({ failRename: undefined as ((from: string, to: string) => boolean) | undefined, failTemplate: undefined as string | undefined, breakTemplate: undefined as string | undefined }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const renameSync = (from: realFs.PathLike, to: realFs.PathLike) => {
    if (inject.failRename?.(String(from), String(to))) throw Object.assign(new Error(`EIO: i/o error, rename '${from}' -> '${to}'`), { code: 'EIO', syscall: 'rename', path: String(from) });
    return fs.renameSync(from, to);
  };
  return { ...fs, renameSync, default: { ...fs, renameSync } };
});
vi.mock('../../src/render/engine.js', async (importOriginal) => {
  const engine = await importOriginal<typeof import('../../src/render/engine.js')>();
  return {
    ...engine,
    render: (id: string, data: unknown) => {
      if (inject.failTemplate && id.startsWith(inject.failTemplate)) throw new engine.TemplateError(`template ${id}.hbs failed: injected`);
      // a template bug that renders YAML no parser accepts
      if (inject.breakTemplate && id === inject.breakTemplate) return engine.render(id, data) + 'broken: [unclosed\n';
      return engine.render(id, data);
    },
  };
});

const { runGenerate } = await import('../../src/commands/generate.js');
const { writeOutput } = await import('../../src/output/write.js');

const EXAMPLE = join(ROOT, 'examples', '01-replicated', 'ddp.yaml');

let base: string;
let out: string;
let before: Record<string, string>;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ddp-atomic-inj-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
beforeEach(async () => {
  inject.failRename = undefined;
  inject.failTemplate = undefined;
  inject.breakTemplate = undefined;
  out = join(base, `out${n++}`);
  await runGenerate({ file: EXAMPLE, out });
  // the user's own files, which a run carries over into the new output
  mkdirSync(join(out, 'compose', 'secrets', 'web-tls'), { recursive: true });
  writeFileSync(join(out, 'compose', 'secrets', 'web-tls', 'tls.crt'), 'CERT\n');
  writeFileSync(join(out, 'NOTES.md'), 'mine\n');
  before = snapshot(out);
});

describe('a later target fails to render', () => {
  it('kubernetes rendered, then the compose template throws: nothing is written', async () => {
    inject.failTemplate = 'compose/';
    await expect(runGenerate({ file: EXAMPLE, out, force: true })).rejects.toThrow(/template compose\/.*injected/);
    expect(snapshot(out)).toEqual(before);
    expect(leftovers(base)).toEqual([]);
  });
});

describe('a streamed file turns out not to be YAML', () => {
  it('the compose file, written piece by piece, is parsed whole when the one-pass check gives up; the bug stops the run and nothing is written', async () => {
    inject.breakTemplate = 'compose/replicated';
    const e = await runGenerate({ file: EXAMPLE, out, force: true }).catch((x: unknown) => x);
    expect(String(e)).toMatch(/^Error: rendered compose\/docker-compose\.yml is not valid YAML: /);
    expect(snapshot(out)).toEqual(before);
    expect(leftovers(base)).toEqual([]);
  });
});

describe('the swap fails after the user files were carried over', () => {
  const files = [
    { path: 'kubernetes/web.yaml', content: 'a: 2\n', target: 'kubernetes' },
    { path: 'compose/docker-compose.yml', content: 'services: {}\n', target: 'compose' },
  ];

  it('moving the old output aside fails: the carried-over files go back, the previous output is byte-identical', () => {
    inject.failRename = (from, to) => from === out && /\.ddp-old-/.test(to);
    expect(() => writeOutput(out, files, { force: true })).toThrow();
    expect(snapshot(out)).toEqual(before);
    expect(leftovers(base)).toEqual([]);
  });

  it('moving the new output into place fails: the old one comes back with the user files', () => {
    inject.failRename = (from, to) => /\.ddp-tmp-/.test(from) && to === out;
    expect(() => writeOutput(out, files, { force: true })).toThrow();
    expect(snapshot(out)).toEqual(before);
    expect(leftovers(base)).toEqual([]);
  });

  it('without an injected failure the same write succeeds (the injection is what fails above)', () => {
    writeOutput(out, files, { force: true });
    const after = snapshot(out);
    expect(after['kubernetes/web.yaml']).toBe('a: 2\n');
    expect(after['NOTES.md']).toBe('mine\n');
    expect(after['compose/secrets/web-tls/tls.crt']).toBe('CERT\n');
    expect(leftovers(base)).toEqual([]);
  });
});
