// Property: a random invalid topology (broken YAML, wrong types, unknown keys, dangling
// references, bad names, port clashes, cycles, bad environments) always gives diagnostics with a
// line number and exit 1 — never a stack trace, never an internal error — for `ddp validate`
// and for `ddp generate`, which then writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type Io } from '../../src/cli.js';
import { invalidTopologyText, fcParams, SEED } from '../arbitraries.js';
import { runDdp, STACK_LINE, ensureBuilt } from '../helpers/cli.js';

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), stderrStream: { isTTY: false } as NodeJS.WriteStream };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ddp-invalid-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function checkJson(stdout: string): void {
  const r = JSON.parse(stdout) as { ok: boolean; diagnostics: { severity: string; line?: number; col?: number; code: string; message: string }[] };
  expect(r.ok).toBe(false);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  expect(errors.length).toBeGreaterThan(0);
  for (const d of errors) {
    expect(d.line, `${d.code}: ${d.message} has no line`).toBeGreaterThanOrEqual(1);
    expect(d.col).toBeGreaterThanOrEqual(1);
    expect(d.message.length).toBeGreaterThan(0);
  }
}

describe('random invalid topologies', () => {
  it(`ddp validate: exit 1, every error with file:line:col, no stack trace (seed ${SEED})`, async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(invalidTopologyText, async (text) => {
        const file = join(dir, `t${n++}.yaml`);
        writeFileSync(file, text);
        const json = await run(['validate', file, '--json']);
        expect(json.code, json.stdout + json.stderr).toBe(1);
        checkJson(json.stdout);
        const human = await run(['validate', file]);
        expect(human.code).toBe(1);
        expect(human.stdout).toBe('');
        expect(human.stderr).not.toMatch(STACK_LINE);
        expect(human.stderr).not.toMatch(/internal error/);
        // every error line names the file and a position
        const errorLines = human.stderr.split('\n').filter((l) => /\berror\[/.test(l));
        expect(errorLines.length).toBeGreaterThan(0);
        for (const l of errorLines) expect(l.startsWith(`${file}:`) && /^[^:]+:\d+:\d+: error\[/.test(l), l).toBe(true);
      }),
      fcParams(80),
    );
  });

  it(`ddp generate: exit 1 and nothing written (seed ${SEED})`, async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(invalidTopologyText, async (text) => {
        const file = join(dir, `g${n}.yaml`);
        const out = join(dir, `out${n++}`);
        writeFileSync(file, text);
        // an environment is checked when it is applied (validate checks them all)
        const env = /"?environments"?\s*:/.test(text) ? ['--env', 'prod'] : [];
        const r = await run(['generate', file, '-o', out, ...env]);
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).not.toMatch(STACK_LINE);
        expect(r.stderr).toMatch(/^.+:\d+:\d+: error\[/m);
        expect(existsSync(out)).toBe(false);
      }),
      fcParams(40),
    );
  });

  it(`the real bin/ddp.js agrees (a few samples, seed ${SEED})`, async () => {
    ensureBuilt();
    const samples = fc.sample(invalidTopologyText, { seed: SEED, numRuns: 5 });
    for (const [i, text] of samples.entries()) {
      const file = join(dir, `bin${i}.yaml`);
      writeFileSync(file, text);
      const r = await runDdp(['validate', file]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).not.toMatch(STACK_LINE);
      expect(r.stderr).toMatch(/^.+:\d+:\d+: error\[/m);
    }
  });
});
