// Pinned (a mutation no other test caught, 2026-11-29) (`ddp generate --check`, src/commands/generate.ts): with changed, missing and
// kept files at once, stderr lists them in that order (changed, missing, stale, kept) and the last
// line sends you to the generate that updates DIR -- with the same targets. Files that are not
// ddp's are no difference: generate keeps them, and says so too.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, unlinkSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, runDdp } from '../helpers/cli.js';

const TOPOLOGY = 'apiVersion: ddp/v1\nkind: Topology\nmetadata: { name: shop }\nservices:\n  web: { pattern: replicated, image: "ghcr.io/acme/web:1.4.2", port: 8080, replicas: 3 }\n';

let dir: string;
beforeEach(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'ddp-mut-check-'));
  writeFileSync(join(dir, 'ddp.yaml'), TOPOLOGY);
  const r = await runDdp(['generate', 'ddp.yaml', '-o', 'out'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('generate --check: several kinds of difference at once', () => {
  it('changed, missing and kept: listed in that order; the last line sends you to generate', async () => {
    appendFileSync(join(dir, 'out', 'kubernetes', 'web.yaml'), '# edited\n');
    unlinkSync(join(dir, 'out', 'kubernetes', 'namespace.yaml'));
    writeFileSync(join(dir, 'out', 'kubernetes', 'debug.yaml'), 'kind: ConfigMap\n');
    const r = await runDdp(['generate', 'ddp.yaml', '-o', 'out', '--check'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'ddp: out/ is out of date: 1 changed, 1 to add\n' +
        '  changed: out/kubernetes/web.yaml\n' +
        '  missing: out/kubernetes/namespace.yaml (generate would add it)\n' +
        "  kept:    out/kubernetes/debug.yaml (not ddp's: generate keeps it)\n" +
        '`ddp generate ddp.yaml -o out` would refuse to overwrite: kubernetes/web.yaml was changed since ddp wrote it: move it away, or run `ddp generate ddp.yaml -o out --force`\n',
    );
    expect(r.stdout).not.toContain('debug.yaml');
  });

  it('files that are not ddp\'s alone: up to date (exit 0), as generate says; generate names them too', async () => {
    writeFileSync(join(dir, 'out', 'NOTES.md'), 'notes\n');
    writeFileSync(join(dir, 'out', 'kubernetes', 'b.yaml'), 'kind: ConfigMap\n');
    const c = await runDdp(['generate', 'ddp.yaml', '-o', 'out', '--check'], { cwd: dir });
    expect(c.code).toBe(0);
    expect(c.stdout).toBe('');
    expect(c.stderr).toBe("ddp: out/ is up to date (4 files)\n  kept:    out/NOTES.md (not ddp's: generate keeps it)\n  kept:    out/kubernetes/b.yaml (not ddp's: generate keeps it)\n");
    const g = await runDdp(['generate', 'ddp.yaml', '-o', 'out'], { cwd: dir });
    expect(g.code).toBe(0);
    expect(g.stderr.split('\n')[1]).toBe("ddp: left as they are (not ddp's): out/NOTES.md, out/kubernetes/b.yaml");
  });

  it('checked for some targets, it sends you to the generate of those targets (the others would be removed)', async () => {
    const r = await runDdp(['generate', 'ddp.yaml', '-o', 'out', '-t', 'kubernetes', '--check'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').at(-2)).toBe('run `ddp generate ddp.yaml --target kubernetes -o out` to update it');
    const all = await runDdp(['generate', 'ddp.yaml', '-o', 'out', '-t', 'all', '--check'], { cwd: dir });
    expect(all.code).toBe(0);
  });

  it('a file generate would refuse to overwrite (edited, or never ddp\'s): the last line says so, and how (move it, or --force)', async () => {
    appendFileSync(join(dir, 'out', 'kubernetes', 'web.yaml'), '# edited\n');
    const r = await runDdp(['generate', 'ddp.yaml', '-o', 'out', '--check'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').at(-2)).toBe('`ddp generate ddp.yaml -o out` would refuse to overwrite: kubernetes/web.yaml was changed since ddp wrote it: move it away, or run `ddp generate ddp.yaml -o out --force`');
    // as it says: generate refuses, and with --force the check passes
    expect((await runDdp(['generate', 'ddp.yaml', '-o', 'out'], { cwd: dir })).stderr).toContain('error[would-clobber]: refusing to overwrite: kubernetes/web.yaml was changed since ddp wrote it');
    expect((await runDdp(['generate', 'ddp.yaml', '-o', 'out', '--force'], { cwd: dir })).code).toBe(0);
    expect((await runDdp(['generate', 'ddp.yaml', '-o', 'out', '--check'], { cwd: dir })).code).toBe(0);
    // a file of yours where ddp writes one
    const json = join(dir, 'out', 'kubernetes', 'namespace.yaml');
    unlinkSync(join(dir, 'out', '.ddp-manifest.json'));
    writeFileSync(json, 'kind: Namespace\n');
    const j = await runDdp(['generate', 'ddp.yaml', '-o', 'out', '--check', '--json'], { cwd: dir });
    expect(JSON.parse(j.stdout).wouldClobber).toContain('kubernetes/namespace.yaml exists and was not written by ddp');
  });
});
