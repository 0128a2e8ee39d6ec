// ddp's own output lints clean: every example, with and without each of its environments,
// every Kubernetes and compose file — no error and no warning.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EXAMPLES_DIR, exampleNames, renderExample } from '../examples.js';
import { lintInputs } from '../../src/lint/lint.js';

const cases = exampleNames().flatMap((name) => {
  const doc = parse(readFileSync(join(EXAMPLES_DIR, name, 'ddp.yaml'), 'utf8')) as { environments?: Record<string, unknown> };
  return [[name, undefined], ...Object.keys(doc.environments ?? {}).sort().map((env) => [name, env])] as [string, string | undefined][];
});

describe.each(cases)('example %s (env %s)', (name, env) => {
  it('lints clean', async () => {
    const files = (await renderExample(name, env)).filter((f) => /\.ya?ml$/.test(f.path) && (f.target === 'kubernetes' || f.target === 'compose'));
    const r = lintInputs(files.map((f) => ({ file: f.path, text: f.content, explicit: true })));
    expect(r.findings.map((f) => `${f.file}:${f.line}:${f.col} ${f.rule}: ${f.message}`)).toEqual([]);
    // the only suppression ddp writes itself: compose's one-shot ddp-volume-init runs as root
    // (holding CAP_CHOWN alone) to hand named volumes to the non-root services
    const compose = files.find((f) => f.target === 'compose')!.content;
    expect(r.suppressed).toBe(compose.includes('"ddp-volume-init":\n    image:') ? 1 : 0);
    // it really linted something: every Kubernetes file holds objects, the compose file services
    for (const s of r.files) expect(s.kubernetes + s.compose, s.file).toBeGreaterThan(0);
    expect(r.files.some((s) => s.compose > 0)).toBe(true);
    expect(r.files.some((s) => s.kubernetes > 1)).toBe(true);
  });
});
