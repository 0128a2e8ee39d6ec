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

  it('the README shows the Mermaid of examples/01-replicated as it is generated', async () => {
    const { readFileSync } = await import('node:fs');
    const r = await runGraph({ file: file('01-replicated'), cwd: ROOT });
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('```mermaid\n' + r.text + '```\n');
  });

  it('an unknown environment is a user error', async () => {
    await expect(runGraph({ file: file('01-replicated'), cwd: ROOT, env: 'staging' })).rejects.toBeInstanceOf(DdpError);
  });
});
