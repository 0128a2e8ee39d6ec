// Pinned (mutations no other test caught, 2026-11-29) (environment overlays, src/topology/overlay.ts): a null inside a list item
// the overlay adds (a sidecar the document does not have) removes nothing -- the same
// `overlay-removes-nothing` as for a new service; and an unknown --env with no name near it lists
// the environments there are.
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics.js';
import { ensureBuilt, runDdp } from '../helpers/cli.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorsOf, lines, show } from '../helpers/topology.js';


describe('overlay-removes-nothing inside a list item the environment adds', () => {
  it('a new sidecar (no such name in the document) with a key set to null: said at that key', async () => {
    const text = lines(
      '    port: 8080',
      '    sidecars: [{ name: sync, image: "busybox:1.36" }]',
      'environments:',
      '  prod:',
      '    services:',
      '      web: { sidecars: [{ name: extra, image: "busybox:1.36", port: null }] }',
    );
    const errors = await errorsOf(text, 'prod');
    expect(errors.map(show)).toEqual([
      '14:69 overlay-removes-nothing: services.web.sidecars[extra].port: null removes it, and the document has no services.web.sidecars[extra].port (environment prod)',
    ]);
    expect(errors[0].pointer).toBe('/environments/prod/services/web/sidecars/0/port');
  });

  it('the same sidecar without the null key is fine', async () => {
    const text = lines('    port: 8080', '    sidecars: [{ name: sync, image: "busybox:1.36" }]', 'environments:', '  prod:', '    services:', '      web: { sidecars: [{ name: extra, image: "busybox:1.36" }] }');
    expect(await errorsOf(text, 'prod')).toEqual([]);
  });
});

describe('unknown --env with no name near it', () => {
  it('the hint lists the environments of the topology (real CLI, exit 1)', async () => {
    ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'ddp-mut-env-'));
    try {
      writeFileSync(join(dir, 'ddp.yaml'), lines('    port: 8080', 'environments:', '  prod:', '    services:', '      web: { replicas: 4 }', '  dev:', '    services:', '      web: { replicas: 1 }'));
      const r = await runDdp(['validate', 'ddp.yaml', '--env', 'staging', '--json'], { cwd: dir });
      expect(r.code).toBe(1);
      const d = (JSON.parse(r.stdout) as { diagnostics: Diagnostic[] }).diagnostics;
      expect(d.map((x) => [x.code, x.message, x.hint])).toEqual([['unknown-environment', '--env staging: the topology has no environment `staging`', 'environments: dev, prod']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
