// `ddp generate --check -o DIR`: 0 when DIR holds exactly what would be generated; 1 with a unified
// diff and the files to add or remove otherwise; nothing is ever written.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, unlinkSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runGenerate, checkReport } from '../../src/commands/generate.js';
import { listFiles } from '../../src/output/write.js';
import { ROOT } from '../examples.js';

const BIN = join(ROOT, 'bin', 'ddp.js');
const TOPOLOGY = (services: string) => `apiVersion: ddp/v1\nkind: Topology\nmetadata: { name: shop }\nservices:\n${services}`;
const WEB = '  web: { pattern: replicated, image: "ghcr.io/acme/web:1.4.2", port: 8080, replicas: 3 }\n';
const API = '  api: { pattern: replicated, image: "ghcr.io/acme/api:2.0.0", port: 9090 }\n';

let dir: string;
const snapshot = () => listFiles(join(dir, 'out')).map((f) => `${f.path}:${readFileSync(join(dir, 'out', f.path), 'utf8').length}`);
const check = () => runGenerate({ file: 'ddp.yaml', out: 'out', cwd: dir, check: true });

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ddp-check-'));
  writeFileSync(join(dir, 'ddp.yaml'), TOPOLOGY(WEB));
  await runGenerate({ file: 'ddp.yaml', out: 'out', cwd: dir });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('generate --check', () => {
  it('clean: up to date, exit 0, no diff', async () => {
    const r = await check();
    expect(r.check).toMatchObject({ upToDate: true, changed: [], added: [], removed: [], extra: [], diff: '' });
    expect(r.write).toBeUndefined();
    const p = spawnSync(process.execPath, [BIN, 'generate', 'ddp.yaml', '-o', 'out', '--check'], { cwd: dir, encoding: 'utf8' });
    expect(p.status).toBe(0);
    expect(p.stdout).toBe('');
    expect(p.stderr).toBe(`ddp: out/ is up to date (${r.files.length} files)\n`);
  });

  it('one byte changed: exit 1 and the hunk', async () => {
    const f = join(dir, 'out', 'kubernetes', 'web.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace('replicas: 3', 'replicas: 4'));
    const before = snapshot();
    const r = await check();
    expect(r.check).toMatchObject({ upToDate: false, changed: ['kubernetes/web.yaml'], added: [], removed: [], extra: [] });
    const lines = readFileSync(f, 'utf8').split('\n');
    const at = lines.indexOf('  replicas: 4') + 1;
    expect(r.check!.diff).toBe(
      `--- a/kubernetes/web.yaml\n+++ b/kubernetes/web.yaml\n@@ -${at - 3},7 +${at - 3},7 @@\n${lines.slice(at - 4, at - 1).map((l) => ` ${l}\n`).join('')}-  replicas: 4\n+  replicas: 3\n${lines.slice(at, at + 3).map((l) => ` ${l}\n`).join('')}`,
    );
    expect(snapshot()).toEqual(before); // nothing written
    const p = spawnSync(process.execPath, [BIN, 'generate', 'ddp.yaml', '-o', 'out', '--check'], { cwd: dir, encoding: 'utf8' });
    expect(p.status).toBe(1);
    expect(p.stdout).toBe(r.check!.diff);
    // edited by hand: generate would refuse it, and the last line says so
    expect(p.stderr).toBe('ddp: out/ is out of date: 1 changed\n  changed: out/kubernetes/web.yaml\n`ddp generate ddp.yaml -o out` would refuse to overwrite: kubernetes/web.yaml was changed since ddp wrote it: move it away, or run `ddp generate ddp.yaml -o out --force`\n');
  });

  it('one file removed from DIR: generate would add it back', async () => {
    const gone = readFileSync(join(dir, 'out', 'kubernetes', 'namespace.yaml'), 'utf8');
    unlinkSync(join(dir, 'out', 'kubernetes', 'namespace.yaml'));
    const r = await check();
    expect(r.check).toMatchObject({ upToDate: false, changed: [], added: ['kubernetes/namespace.yaml'], removed: [], extra: [] });
    const n = gone.split('\n').length - 1;
    expect(r.check!.diff).toBe(`--- /dev/null\n+++ b/kubernetes/namespace.yaml\n@@ -0,0 +1,${n} @@\n${gone.replace(/^/gm, '+').replace(/\+$/, '')}`);
    expect(checkReport(r, 'text').stderr).toBe('ddp: out/ is out of date: 1 to add\n  missing: out/kubernetes/namespace.yaml (generate would add it)\nrun `ddp generate ddp.yaml -o out` to update it\n');
  });

  it('one file added to DIR: kept, as generate keeps it, so no difference (and a file of a removed service is stale)', async () => {
    writeFileSync(join(dir, 'out', 'kubernetes', 'debug.yaml'), 'apiVersion: v1\nkind: ConfigMap\n');
    let r = await check();
    expect(r.check).toMatchObject({ upToDate: true, changed: [], added: [], removed: [], extra: ['kubernetes/debug.yaml'] });
    // generate would leave it there: a patch made of the diff must not delete it
    expect(r.check!.diff).toBe('');
    expect(checkReport(r, 'text').stderr).toBe(`ddp: out/ is up to date (${r.files.length} files)\n  kept:    out/kubernetes/debug.yaml (not ddp's: generate keeps it)\n`);
    unlinkSync(join(dir, 'out', 'kubernetes', 'debug.yaml'));
    // a service removed from the topology: the files ddp wrote for it are stale
    writeFileSync(join(dir, 'ddp.yaml'), TOPOLOGY(WEB + API));
    await runGenerate({ file: 'ddp.yaml', out: 'out', cwd: dir });
    writeFileSync(join(dir, 'ddp.yaml'), TOPOLOGY(WEB));
    r = await check();
    expect(r.check!.removed).toEqual(['kubernetes/api.yaml']);
    expect(r.check!.changed).toEqual(['compose/docker-compose.yml', 'kubernetes/kustomization.yaml']);
    expect(r.check!.diff).toContain('--- a/kubernetes/api.yaml\n+++ /dev/null\n');
    const out = checkReport(r, 'json');
    expect(JSON.parse(out.stdout)).toMatchObject({ ok: false, upToDate: false, removed: ['kubernetes/api.yaml'], extra: [] });
  });

  it('what you supply (compose/secrets/) is never a difference; a missing DIR is all to add', async () => {
    mkdirSync(join(dir, 'out', 'compose', 'secrets', 'web-tls'), { recursive: true });
    writeFileSync(join(dir, 'out', 'compose', 'secrets', 'web-tls', 'tls.key'), 'secret');
    expect((await check()).check!.upToDate).toBe(true);
    const r = await runGenerate({ file: 'ddp.yaml', out: 'nowhere', cwd: dir, check: true });
    expect(r.check!.added).toEqual(r.files.map((f) => f.path));
  });

  it('--json carries what generate --json reports besides the files: notes, what you supply, the host ports', async () => {
    const TLS = '  web: { pattern: replicated, image: "ghcr.io/acme/web:1.4.2", port: 8080, replicas: 2, expose: { host: shop.example.com }, tls: { secret: web-cert } }\n';
    writeFileSync(join(dir, 'ddp.yaml'), TOPOLOGY(TLS));
    await runGenerate({ file: 'ddp.yaml', out: 'out', cwd: dir, force: true });
    const p = spawnSync(process.execPath, [BIN, 'generate', 'ddp.yaml', '-o', 'out', '--check', '--json'], { cwd: dir, encoding: 'utf8' });
    expect(p.status).toBe(0);
    const json = JSON.parse(p.stdout);
    const g = JSON.parse(spawnSync(process.execPath, [BIN, 'generate', 'ddp.yaml', '-o', 'out', '--json'], { cwd: dir, encoding: 'utf8' }).stdout);
    expect(json.hostPorts).toEqual(g.hostPorts);
    expect(json.hostPorts).toEqual([{ published: '8443-8444', protocol: 'tcp', service: 'web-tls', target: 8443, replicas: 2, ingress: 'shop.example.com/' }]);
    expect(json.supplied).toEqual(g.supplied);
    expect(json.supplied.map((s: { key: string }) => s.key)).toEqual(['tls.crt', 'tls.key']);
    expect(json.notes).toEqual(g.notes);
  });

  it('GitHub annotations name the files', async () => {
    copyFileSync(join(dir, 'ddp.yaml'), join(dir, 'copy.yaml'));
    unlinkSync(join(dir, 'out', 'kubernetes', 'web.yaml'));
    const p = spawnSync(process.execPath, [BIN, 'generate', 'ddp.yaml', '-o', 'out', '--check', '--format', 'github'], { cwd: dir, encoding: 'utf8' });
    expect(p.status).toBe(1);
    expect(p.stdout.split('\n')[0]).toBe('::error file=out/,title=ddp generate --check::out/kubernetes/web.yaml is missing; run `ddp generate ddp.yaml -o out`');
  });

  it('--check with --stdout is a user error', async () => {
    const p = spawnSync(process.execPath, [BIN, 'generate', 'ddp.yaml', '--check', '--stdout'], { cwd: dir, encoding: 'utf8' });
    expect(p.status).toBe(1);
    expect(p.stderr).toContain('error[conflicting-options]: --check and --stdout do not go together');
  });
});
