// Pinned (mutation testing of src/cli.ts and src/commands/, 2026-11-29, third round): exit codes,
// option handling and what the CLI says, through `main` with real files (no build needed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type Io } from '../../src/cli.js';

let base: string;
let n = 0;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ddp-pinned-cli-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const TOPOLOGY = (image: string, more = '') => `apiVersion: ddp/v1\nkind: Topology\nmetadata: { name: shop }\nservices:\n  web: { pattern: replicated, image: "${image}", port: 8080 }\n${more}`;

/** A fresh directory holding ddp.yaml; `ddp(...)` runs in it. */
function project(text: string) {
  const dir = join(base, `p${n++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'ddp.yaml'), text);
  const ddp = async (argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const io: Io = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), stderrStream: { isTTY: false } as NodeJS.WriteStream };
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const code = await main(argv, io);
      return { code, stdout, stderr };
    } finally {
      process.chdir(cwd);
    }
  };
  return { dir, ddp };
}

describe('options end at `--`', () => {
  it('options end at `--`: a file named --json after it does not make the error JSON', async () => {
    const { ddp } = project(TOPOLOGY('ghcr.io/acme/web:1.4.2'));
    const r = await ddp(['validate', '--', '--json']);
    expect([r.code, r.stdout, r.stderr]).toEqual([1, '', '--json: error[file-not-found]: --json: no such file\n  hint: check the path, or create a topology with `ddp init`\n1 error\n']);
  });
});

describe('what validate and generate say', () => {
  it('validate: one warning is "1 warning"', async () => {
    const { ddp } = project(TOPOLOGY('ghcr.io/acme/web:latest'));
    const r = await ddp(['validate', 'ddp.yaml']);
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n').at(-2)).toBe('ddp: ddp.yaml is valid (1 warning)');
  });

  it('generate -o: a run that drops a service says how many stale files it removed', async () => {
    const { dir, ddp } = project(TOPOLOGY('ghcr.io/acme/web:1.4.2', '  api: { pattern: replicated, image: "ghcr.io/acme/api:1.0.0", port: 9090 }\n'));
    expect((await ddp(['generate', 'ddp.yaml', '-o', 'out'])).code).toBe(0);
    writeFileSync(join(dir, 'ddp.yaml'), TOPOLOGY('ghcr.io/acme/web:1.4.2'));
    const r = await ddp(['generate', 'ddp.yaml', '-o', 'out', '--target', 'kubernetes']);
    expect([r.code, r.stderr]).toEqual([0, 'ddp: wrote 3 files to out/ (kubernetes 3); removed 2 stale\n']);
  });

  it('generate --check with --env: the command it tells you to run has the same --env', async () => {
    const { dir, ddp } = project(TOPOLOGY('ghcr.io/acme/web:1.4.2', 'environments:\n  prod: { services: { web: { replicas: 4 } } }\n'));
    expect((await ddp(['generate', 'ddp.yaml', '--env', 'prod', '-o', 'out'])).code).toBe(0);
    writeFileSync(join(dir, 'ddp.yaml'), TOPOLOGY('ghcr.io/acme/web:1.4.2', 'environments:\n  prod: { services: { web: { replicas: 5 } } }\n'));
    const r = await ddp(['generate', 'ddp.yaml', '--env', 'prod', '-o', 'out', '--check']);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').at(-2)).toBe('run `ddp generate ddp.yaml --env prod -o out` to update it');
  });

  // Bug found in this round (fixed): with --target, --check told you to run generate without it,
  // which wrote every target; the same --check then found the compose file stale and told you to
  // run the same command again, for ever.
  it('generate --check --target: the command it tells you to run has the same targets, and after it the check passes', async () => {
    const { dir, ddp } = project(TOPOLOGY('ghcr.io/acme/web:1.4.2'));
    expect((await ddp(['generate', 'ddp.yaml', '-o', 'out', '--target', 'kubernetes'])).code).toBe(0);
    writeFileSync(join(dir, 'ddp.yaml'), TOPOLOGY('ghcr.io/acme/web:1.4.2').replace('port: 8080', 'port: 8081'));
    const r = await ddp(['generate', 'ddp.yaml', '-o', 'out', '--target', 'kubernetes', '--check']);
    expect([r.code, r.stderr]).toEqual([1, 'ddp: out/ is out of date: 1 changed\n  changed: out/kubernetes/web.yaml\nrun `ddp generate ddp.yaml --target kubernetes -o out` to update it\n']);
    expect((await ddp(['generate', 'ddp.yaml', '--target', 'kubernetes', '-o', 'out'])).code).toBe(0);
    expect((await ddp(['generate', 'ddp.yaml', '-o', 'out', '--target', 'kubernetes', '--check'])).code).toBe(0);
    // compose brings the configs it mounts: those are the targets compared, and the ones to write
    expect((await ddp(['generate', 'ddp.yaml', '-o', 'cfg', '--target', 'compose'])).code).toBe(0);
    writeFileSync(join(dir, 'ddp.yaml'), TOPOLOGY('ghcr.io/acme/web:1.4.3'));
    const c = await ddp(['generate', 'ddp.yaml', '-o', 'cfg', '--target', 'compose', '--check']);
    expect([c.code, c.stderr.split('\n').at(-2)]).toEqual([1, 'run `ddp generate ddp.yaml --target compose,nginx,varnish,twemproxy,fluent-bit -o cfg` to update it']);
  });
});
