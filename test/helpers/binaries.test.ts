import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isCI, missingBinaries, missingMessage, needBinary, requirementProblem, whichBinary } from './binaries.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');

/** Runs vitest on test/helpers/fixtures/*.check.ts with the given CI value. */
function runFixture(ci: string | undefined): Promise<{ code: number | null; out: string }> {
  const env = { ...process.env };
  delete env.CI;
  delete env.VITEST; // a nested vitest must not think it runs inside this one
  delete env.VITEST_WORKER_ID;
  delete env.VITEST_POOL_ID;
  if (ci !== undefined) env.CI = ci;
  env.NO_COLOR = '1';
  delete env.FORCE_COLOR;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(repo, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', join(here, 'fixtures', 'vitest.config.mjs'), '--reporter', 'verbose'],
      { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out: out.replace(/\x1b\[[0-9;]*m/g, '') }));
  });
}

describe('binaries', () => {
  it('finds installed binaries, also in sbin, and not made-up ones', () => {
    expect(needBinary('sh')).toBe(true);
    expect(whichBinary('sh')).toMatch(/\/sh$/);
    expect(needBinary('ddp-no-such-binary')).toBe(false);
    expect(missingBinaries(['sh', 'ddp-no-such-binary'])).toEqual(['ddp-no-such-binary']);
  });

  it('says which apt package to install', () => {
    expect(missingMessage(['nginx'])).toBe('missing binary nginx: apt-get install -y nginx-light');
    expect(missingMessage(['varnishd', 'redis-cli'])).toBe(
      'missing binary varnishd: apt-get install -y varnish; missing binary redis-cli: apt-get install -y redis-tools',
    );
    expect(requirementProblem(['sh'], { root: false })).toBeUndefined();
    expect(requirementProblem(['ddp-no-such-binary'], { root: false })).toBe(
      'missing binary ddp-no-such-binary: apt-get install -y ddp-no-such-binary',
    );
  });

  it('reads CI like CI systems set it', () => {
    const saved = process.env.CI;
    try {
      process.env.CI = 'true';
      expect(isCI()).toBe(true);
      process.env.CI = 'false';
      expect(isCI()).toBe(false);
      delete process.env.CI;
      expect(isCI()).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.CI;
      else process.env.CI = saved;
    }
  });

  it('describeWithBinaries fails under CI and skips with an install hint elsewhere', async () => {
    const [ci, local] = await Promise.all([runFixture('true'), runFixture(undefined)]);
    // CI: the run fails, naming the binary and the package; the suite with present binaries still runs.
    expect(ci.code, ci.out).toBe(1);
    expect(ci.out).toContain('missing binary ddp-no-such-binary: apt-get install -y ddp-no-such-binary');
    expect(ci.out).toMatch(/1 failed \| 1 passed|1 passed \| 1 failed/);
    // elsewhere: green, the suite is skipped and a line says what to install.
    expect(local.code, local.out).toBe(0);
    expect(local.out).toContain('skipping "needs a missing binary": missing binary ddp-no-such-binary: apt-get install -y ddp-no-such-binary');
    expect(local.out).toMatch(/1 passed \| 1 skipped/);
  }, 30_000);
});
