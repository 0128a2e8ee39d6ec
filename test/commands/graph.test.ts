// `ddp graph`: golden Mermaid and DOT per example (update on purpose:
// `npx vitest run test/commands/graph.test.ts -u`), plus exact checks of the edges that matter.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { exampleNames, ROOT } from '../examples.js';
import { runGraph } from '../../src/commands/graph.js';
import { DdpError } from '../../src/diagnostics.js';

const file = (name: string) => join('examples', name, 'ddp.yaml');

describe.each(exampleNames())('example %s', (name) => {
  it('golden Mermaid', async () => {
    const r = await runGraph({ file: file(name), cwd: ROOT });
    expect(r.text.startsWith('flowchart LR\n')).toBe(true);
    await expect(r.text).toMatchFileSnapshot(`../golden-graph/${name}.mmd`);
  });
  it('golden DOT', async () => {
    const r = await runGraph({ file: file(name), cwd: ROOT, format: 'dot' });
    expect(r.text.endsWith('}\n')).toBe(true);
    await expect(r.text).toMatchFileSnapshot(`../golden-graph/${name}.dot`);
  });
});

describe('what the graph shows', () => {
  it('the layers of a replicated service: clients → Ingress → TLS → cache → replicas', async () => {
    const r = await runGraph({ file: file('01-replicated'), cwd: ROOT });
    const edges = r.text.split('\n').filter((l) => l.includes('-->'));
    expect(edges).toEqual(['  web_tls -->|"https → http"| web_cache', '  web_cache --> web', '  clients --> web_ingress', '  web_ingress --> web_tls']);
    expect(r.text).toContain('web["<b>web</b><br/>server · Deployment ×3<br/>ghcr.io/acme/web:1.4.2"]');
  });

  it('applies --env (prod runs 6 replicas)', async () => {
    const r = await runGraph({ file: file('01-replicated'), cwd: ROOT, env: 'prod', format: 'dot' });
    expect(r.text).toContain('"web" [shape=box, label="web\\nserver · Deployment ×6\\nghcr.io/acme/web:1.4.2"];');
    expect(r.env).toBe('prod');
  });

  it.runIf(exampleNames().includes('07-pipeline'))('pipeline stages between their topics', async () => {
    const r = await runGraph({ file: file('07-pipeline'), cwd: ROOT, format: 'dot' });
    expect(r.text).toContain('"topic:photos/uploads" -> "photos-copy";');
    expect(r.text).toContain('"photos-copy" -> "topic:photos/to-blur";');
    expect(r.text).toContain('"photos-blur" -> "topic:photos/blur-2" [label="shard"];');
    expect(r.text).toContain('"topic:photos/blur-1" -> "photos-join";');
  });

  it.runIf(exampleNames().includes('03-sharded-cache'))('a router to every shard, each shard a pod of the StatefulSet', async () => {
    const r = await runGraph({ file: file('03-sharded-cache'), cwd: ROOT, format: 'dot' });
    expect(r.text).toContain('"sessions-2" [shape=box, label="sessions-2\\nshard 2 · pod of StatefulSet sessions\\nmemcached:1.6.29"];');
    for (const i of [0, 1, 2]) expect(r.text).toContain(`"sessions-router" -> "sessions-${i}" [label="hash(key)"];`);
    expect(r.text).not.toContain('"sessions" [');
  });

  it.runIf(exampleNames().includes('04-scatter-gather'))('the root scatters to every leaf', async () => {
    const r = await runGraph({ file: file('04-scatter-gather'), cwd: ROOT });
    expect(r.text.split('\n').filter((l) => l.includes('-->|"scatter"|'))).toEqual([0, 1, 2, 3].map((i) => `  search -->|"scatter"| search_leaf_${i}`));
  });

  it.runIf(exampleNames().includes('05-function'))('a decorator function sits between the TLS layer and the service it decorates', async () => {
    const r = await runGraph({ file: file('05-function'), cwd: ROOT });
    const edges = r.text.split('\n').filter((l) => /web_tls -->|add_defaults -->/.test(l));
    expect(edges).toEqual(['  web_tls -->|"https → http"| add_defaults', '  add_defaults -->|"UPSTREAM_URL"| web']);
  });

  it('the README shows the Mermaid of examples/01-replicated as it is generated', async () => {
    const { readFileSync } = await import('node:fs');
    const r = await runGraph({ file: file('01-replicated'), cwd: ROOT });
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('```mermaid\n' + r.text + '```\n');
  });

  it('--env merges lists of named items by name (a sidecar changed, none dropped)', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'ddp-graph-'));
    try {
      writeFileSync(
        join(dir, 'ddp.yaml'),
        [
          'apiVersion: ddp/v1',
          'kind: Topology',
          'metadata: { name: envs }',
          'services:',
          '  web:',
          '    pattern: replicated',
          '    image: ghcr.io/acme/web:1.0.0',
          '    port: 8080',
          '    sidecars:',
          '      - { name: sync, image: ghcr.io/acme/sync:1.0.0 }',
          '      - { name: stats, image: ghcr.io/acme/stats:1.0.0, port: 9000 }',
          'environments:',
          '  prod:',
          '    services:',
          '      web:',
          '        replicas: 4',
          '        sidecars: [{ name: stats, port: 9100 }, { name: audit, image: ghcr.io/acme/audit:2.0.0 }]',
          '',
        ].join('\n'),
      );
      const base = await runGraph({ file: 'ddp.yaml', cwd: dir, format: 'dot' });
      const prod = await runGraph({ file: 'ddp.yaml', cwd: dir, format: 'dot', env: 'prod' });
      const containers = (t: string) => [...t.matchAll(/^ +"web\/([a-z-]+)" \[shape/gm)].map((m) => m[1]);
      expect(containers(base.text)).toEqual(['sync', 'stats']);
      expect(containers(prod.text)).toEqual(['sync', 'stats', 'audit']);
      expect(prod.text).toContain('label="web\\nserver · Deployment ×4\\nghcr.io/acme/web:1.0.0"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("services named like Mermaid's keywords get ids Mermaid parses (n_call, not call)", async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'ddp-graph-'));
    try {
      const words = ['call', 'href', 'interpolate', 'end', 'click', 'default', 'style'];
      const services = words.flatMap((w) => [`  ${w}:`, '    pattern: replicated', '    image: ghcr.io/acme/web:1.0.0', '    port: 8080']);
      writeFileSync(join(dir, 'ddp.yaml'), ['apiVersion: ddp/v1', 'kind: Topology', 'metadata: { name: words }', 'services:', ...services, ''].join('\n'));
      const r = await runGraph({ file: 'ddp.yaml', cwd: dir });
      const ids = [...r.text.matchAll(/^ +([A-Za-z0-9_]+)\["<b>/gm)].map((m) => m[1]);
      expect(ids.sort()).toEqual(words.map((w) => `n_${w}`).sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unknown environment is a user error', async () => {
    await expect(runGraph({ file: file('01-replicated'), cwd: ROOT, env: 'staging' })).rejects.toBeInstanceOf(DdpError);
  });
});
