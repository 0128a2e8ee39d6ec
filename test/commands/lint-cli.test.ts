// `ddp lint` as a user runs it: exit codes, formats, directories, standard input, --topology.
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { ROOT } from '../examples.js';
import { progressLine } from '../../src/progress.js';
import { runGenerate } from '../../src/commands/generate.js';

const BIN = join(ROOT, 'bin', 'ddp.js');
const FIX = join('test', 'fixtures', 'lint');
const ddp = (args: string[], input?: string, cwd = ROOT) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', input, env: { ...process.env, NO_COLOR: '1' } });

describe('ddp lint (CLI)', () => {
  it('a generated output directory lints clean: exit 0, the summary on stderr, nothing on stdout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ddp-lint-'));
    try {
      expect(ddp(['generate', 'examples/01-replicated/ddp.yaml', '-o', join(dir, 'out')]).status).toBe(0);
      const p = ddp(['lint', join(dir, 'out')]);
      expect(p.status).toBe(0);
      expect(p.stdout).toBe('');
      expect(p.stderr).toBe('ddp lint: 14 Kubernetes objects and 4 compose services in 4 files: no problems\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('errors: exit 1, file:line:col, rule id, message and hint', () => {
    const p = ddp(['lint', `${FIX}/service-targets/fail.yaml`]);
    expect(p.status).toBe(1);
    expect(p.stderr).toBe(
      `${FIX}/service-targets/fail.yaml:52:3: error[service-targets]: Service/api: targets nothing: no pod template in the linted manifests has the labels app=apii\n` +
        "  hint: make spec.selector a subset of the pod template labels of the workload it fronts (or lint that workload's file too)\n1 error\n" +
        'ddp lint: 3 Kubernetes objects and 0 compose services in 1 file: 1 error\n',
    );
  });

  it('warnings only: exit 0, or 1 with --strict', () => {
    expect(ddp(['lint', `${FIX}/pdb/fail.yaml`]).status).toBe(0);
    expect(ddp(['lint', `${FIX}/pdb/fail.yaml`, '--strict']).status).toBe(1);
  });

  it('--json: the findings on stdout', () => {
    const p = ddp(['lint', `${FIX}/image-tag/fail.yaml`, '--json']);
    const j = JSON.parse(p.stdout);
    expect(p.status).toBe(0);
    expect(j).toMatchObject({ ok: true, errors: 0, warnings: 1, suppressed: 0, files: [{ file: `${FIX}/image-tag/fail.yaml`, kubernetes: 3, compose: 0 }] });
    expect(j.findings[0]).toEqual({
      rule: 'image-tag',
      severity: 'warning',
      message: 'Deployment/api: container `api`: image `ghcr.io/acme/api:latest` uses the `latest` tag',
      hint: 'pin a version (name:1.4.2) or a digest (name@sha256:...) so every node runs the same image',
      file: `${FIX}/image-tag/fail.yaml`,
      line: 28,
      col: 11,
      object: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', namespace: 'shop' },
      path: 'spec.template.spec.containers[0].image',
    });
  });

  it('--format sarif and --format github on stdout', () => {
    const s = ddp(['lint', `${FIX}/k8s-schema/fail.yaml`, '--format', 'sarif']);
    expect(s.status).toBe(1);
    const log = JSON.parse(s.stdout);
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0].results[0]).toMatchObject({ ruleId: 'k8s-schema', level: 'error', locations: [{ physicalLocation: { region: { startLine: 40, startColumn: 11 } } }] });
    const g = ddp(['lint', `${FIX}/job-ttl/fail.yaml`, '--format', 'github']);
    expect(g.stdout).toBe(
      `::warning file=${FIX}/job-ttl/fail.yaml,line=6,col=1,title=ddp job-ttl::Job/reindex: has no ttlSecondsAfterFinished: the finished Job and its pods stay until someone deletes them (hint: set spec.ttlSecondsAfterFinished (e.g. 3600) long enough to read the logs)\n`,
    );
  });

  it('reads standard input with -', () => {
    const p = ddp(['lint', '-', '--json'], readFileSync(join(ROOT, FIX, 'privileged/fail-compose.yaml'), 'utf8'));
    expect(p.status).toBe(1);
    expect(JSON.parse(p.stdout).findings.map((f: { file: string; rule: string; line: number }) => `${f.file}:${f.line} ${f.rule}`)).toEqual(['<stdin>:6 privileged']);
  });

  it('--topology lints what a topology generates, with --env', () => {
    const p = ddp(['lint', '--topology', 'examples/01-replicated/ddp.yaml', '--env', 'prod', '--json']);
    expect(p.status).toBe(0);
    expect(JSON.parse(p.stdout)).toMatchObject({ ok: true, topology: 'examples/01-replicated/ddp.yaml', errors: 0, warnings: 0 });
  });

  it('user errors: a missing path, nothing to lint, --env without --topology', () => {
    const a = ddp(['lint', 'no/such/dir']);
    expect(a.status).toBe(1);
    expect(a.stderr).toContain('no/such/dir: error[file-not-found]: no/such/dir: no such file or directory');
    expect(ddp(['lint']).stderr).toContain('error[nothing-to-lint]');
    expect(ddp(['lint', FIX, '--env', 'prod']).stderr).toContain('error[env-without-topology]');
  });

  it('a directory tree with a symbolic link back up it, a link to nothing and a pipe: each directory read once, no hang, no internal error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ddp-lint-tree-'));
    try {
      mkdirSync(join(dir, 'k8s', 'sub'), { recursive: true });
      writeFileSync(join(dir, 'k8s', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  a: "1"\n');
      symlinkSync('..', join(dir, 'k8s', 'sub', 'up')); // k8s/sub/up/sub/up/... for ever, were links followed blindly
      symlinkSync('k8s', join(dir, 'again')); // the same directory by a second name
      symlinkSync('nowhere.yaml', join(dir, 'k8s', 'dangling.yaml'));
      symlinkSync('loop.yaml', join(dir, 'k8s', 'loop.yaml'));
      execFileSync('mkfifo', [join(dir, 'k8s', 'pipe.yaml')]);
      const p = spawnSync(process.execPath, [BIN, 'lint', '.', '--json'], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
      expect([p.status, JSON.parse(p.stdout).files.map((f: { file: string }) => f.file)]).toEqual([0, ['again/cm.yaml']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('unreadable files and directories: every one reported (file-unreadable, not-utf8), exit 1, not an internal error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ddp-lint-unreadable-'));
    try {
      mkdirSync(join(dir, 'locked'));
      writeFileSync(join(dir, 'locked', 'a.yaml'), 'kind: ConfigMap\n');
      writeFileSync(join(dir, 'secret.yaml'), 'kind: ConfigMap\n');
      writeFileSync(join(dir, 'latin1.yaml'), Buffer.from('kind: ConfigMap\nmetadata:\n  name: caf\xe9\n', 'latin1'));
      chmodSync(join(dir, 'locked'), 0o000);
      chmodSync(join(dir, 'secret.yaml'), 0o000);
      // root reads anything: drop the capabilities that let it, as an ordinary user would run
      const p = spawnSync('setpriv', ['--inh-caps=-dac_override,-dac_read_search', '--bounding-set=-dac_override,-dac_read_search', process.execPath, BIN, 'lint', '.'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      const asUser = process.getuid?.() !== 0 ? spawnSync(process.execPath, [BIN, 'lint', '.'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } }) : p;
      expect([asUser.status, asUser.stderr]).toEqual([
        1,
        'latin1.yaml:3:12: error[not-utf8]: latin1.yaml is not UTF-8 text: byte 0xE9 cannot start or continue a UTF-8 character\n  hint: save the file as UTF-8\n' +
          'locked: error[file-unreadable]: locked: cannot read the directory (permission denied)\n  hint: fix its permissions, or lint the files around it by name\n' +
          'secret.yaml: error[file-unreadable]: secret.yaml: cannot read (permission denied)\n  hint: check its permissions\n3 errors\n',
      ]);
    } finally {
      chmodSync(join(dir, 'locked'), 0o755);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('standard input that is not UTF-8: not-utf8 at the byte, not a U+FFFD carried into the findings', () => {
    const p = spawnSync(process.execPath, [BIN, 'lint', '-'], { input: Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n', 'latin1'), encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect([p.status, p.stderr]).toEqual([1, '<stdin>:4:12: error[not-utf8]: <stdin> is not UTF-8 text: byte 0xE9 cannot start or continue a UTF-8 character\n  hint: save the file as UTF-8\n1 error\n']);
  });

  it('a ddp topology is not a manifest: skipped in a directory (so `ddp lint --strict .` passes beside ddp.yaml), named with what to run instead', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ddp-lint-topology-'));
    try {
      const out = join(dir, 'out');
      expect(ddp(['generate', join(ROOT, 'examples', '01-replicated', 'ddp.yaml'), '-o', out]).status).toBe(0);
      const tree = ddp(['lint', '--strict', 'examples/01-replicated', out]);
      expect([tree.status, tree.stderr]).toEqual([0, 'ddp lint: 14 Kubernetes objects and 4 compose services in 4 files: no problems; skipped 1 file that holds no manifest\n']);
      const named = ddp(['lint', 'examples/01-replicated/ddp.yaml']);
      expect([named.status, named.stderr.split('\n').slice(0, 2)]).toEqual([
        0,
        [
          'examples/01-replicated/ddp.yaml:1:1: warning[not-a-manifest]: examples/01-replicated/ddp.yaml is a ddp topology, not a manifest; nothing in it was linted',
          '  hint: `ddp validate examples/01-replicated/ddp.yaml` checks it; `ddp lint --topology examples/01-replicated/ddp.yaml` lints what it generates',
        ],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--list-rules names every rule; as text, in aligned columns (the longest id included)', () => {
    const p = ddp(['lint', '--list-rules', '--json']);
    const rules = JSON.parse(p.stdout) as { id: string; severity: string; description: string }[];
    expect(rules.map((r) => r.id)).toContain('statefulset-service');
    const text = ddp(['lint', '--list-rules']).stdout.trimEnd().split('\n');
    expect(text).toHaveLength(rules.length);
    const col = (line: string, what: string) => line.indexOf(what);
    for (const [i, r] of rules.entries()) {
      expect(text[i].startsWith(`${r.id} `), r.id).toBe(true);
      expect([col(text[i], ` ${r.severity} `) + 1, text[i].endsWith(`  ${r.description}`)], r.id).toEqual([col(text[0], ` ${rules[0].severity} `) + 1, true]);
    }
  });
});

describe('progress line', () => {
  const stream = (tty: boolean) => {
    const writes: string[] = [];
    return { writes, s: { isTTY: tty, columns: 40, write: (x: string) => (writes.push(x), true) } };
  };

  it('never when stderr is not a terminal', () => {
    const { writes, s } = stream(false);
    const p = progressLine(s, { delayMs: 0, intervalMs: 0 });
    p.update('linting');
    p.done();
    expect(writes).toEqual([]);
  });

  it('on a terminal: only after the delay, throttled, erased at the end', () => {
    const ci = process.env.CI;
    delete process.env.CI;
    try {
      let t = 0;
      const { writes, s } = stream(true);
      const p = progressLine(s, { delayMs: 400, intervalMs: 100, now: () => t });
      let made = 0;
      p.update(() => `early ${++made}`); // not drawn: not even made
      p.update('early');
      t = 500;
      p.update('validating ddp.yaml');
      t = 550;
      p.update('throttled');
      t = 700;
      p.update('rendering a very long list of targets that does not fit');
      p.done();
      expect(writes).toEqual(['\r\x1b[2Kddp: validating ddp.yaml', '\r\x1b[2Kddp: rendering a very long list of tar…', '\r\x1b[2K']);
      expect(made).toBe(0);
    } finally {
      if (ci !== undefined) process.env.CI = ci;
    }
  });

  it('generate -o keeps it moving while it writes (a count per file), its text made only when drawn', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ddp-progress-'));
    try {
      const topology = join(dir, 't.yaml');
      writeFileSync(topology, execFileSync(process.execPath, [join(ROOT, 'scripts/bench.mjs'), '--emit', '20'], { encoding: 'utf8' }));
      const updates: (string | (() => string))[] = [];
      const r = await runGenerate({ file: topology, out: join(dir, 'out'), onProgress: (u) => updates.push(u) });
      const lazy = updates.filter((u): u is () => string => typeof u === 'function');
      expect(updates.filter((u) => typeof u === 'string').slice(0, 2)).toEqual([`validating ${topology}`, `rendering kubernetes, compose, nginx, varnish, twemproxy, fluent-bit into ${join(dir, 'out')}/`]);
      expect(lazy.map((f) => f())).toEqual(r.files.map((_, i) => `writing ${join(dir, 'out')}/: ${i + 1} files`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
