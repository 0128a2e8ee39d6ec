// `ddp graph`: golden Mermaid and DOT per example (update on purpose:
// `npx vitest run test/commands/graph.test.ts -u`), plus exact checks of the edges that matter:
// each one a connection the generated Ingress, configs and environment make.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { exampleNames, renderExample, ROOT } from '../examples.js';
import { runGraph } from '../../src/commands/graph.js';
import { DdpError } from '../../src/diagnostics.js';
import { prepareLoaded } from '../../src/flow.js';
import { parseTopologyText } from '../../src/topology/load.js';
import { buildGraph } from '../../src/graph/build.js';
import { toDot, toMermaid } from '../../src/graph/render.js';

const file = (name: string) => join('examples', name, 'ddp.yaml');

/** The graph of a topology text (services given as YAML lines under `services:`). */
async function graphOf(services: string[], format: 'mermaid' | 'dot' = 'mermaid'): Promise<string> {
  const text = ['apiVersion: ddp/v1', 'kind: Topology', 'metadata: { name: g }', 'services:', ...services, ''].join('\n');
  const { topology, model } = await prepareLoaded(parseTopologyText(text, 'ddp.yaml'), undefined);
  const g = buildGraph(topology, model);
  return format === 'dot' ? toDot(g) : toMermaid(g);
}

/** The edge lines of a Mermaid chart (solid and dashed), in order. */
const mermaidEdges = (text: string) => text.split('\n').filter((l) => / -->| -\.->/.test(l));
/** The edge lines of a DOT graph, in order. */
const dotEdges = (text: string) => text.split('\n').filter((l) => l.includes('" -> "'));

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
    expect(mermaidEdges(r.text)).toEqual(['  ext_clients --> ingress_web', '  ingress_web --> web_tls', '  web_cache --> web', '  web_tls -->|"https → http"| web_cache']);
    expect(r.text).toContain('web["<b>web</b><br/>server · Deployment ×3<br/>ghcr.io/acme/web:1.4.2"]');
  });

  it.runIf(exampleNames().includes('02-sharded-http'))('an exposed sharded service: clients → Ingress → its router (example 02)', async () => {
    const r = await runGraph({ file: file('02-sharded-http'), cwd: ROOT });
    expect(r.text).toContain('    ingress_pages("<b>Ingress pages.example.com/</b>")\n');
    expect(mermaidEdges(r.text).filter((l) => l.includes('ingress'))).toEqual(['  ext_clients --> ingress_pages', '  ingress_pages --> pages_router']);
  });

  it.runIf(exampleNames().includes('04-scatter-gather'))('an exposed scatter-gather service: clients → Ingress → its root (example 04)', async () => {
    const r = await runGraph({ file: file('04-scatter-gather'), cwd: ROOT, format: 'dot' });
    expect(r.text).toContain('    "ingress:search" [shape=box, style=rounded, label="Ingress search.example.com/"];\n');
    expect(dotEdges(r.text).filter((l) => l.includes('ingress'))).toEqual(['  "ext:clients" -> "ingress:search";', '  "ingress:search" -> "search";']);
  });

  it.each(exampleNames())('%s: clients → Ingress → the backend of each Ingress generated for Kubernetes, and no other Ingress', async (name) => {
    const objects = (await renderExample(name)).filter((f) => f.target === 'kubernetes').flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()));
    const backends = objects.filter((o) => o?.kind === 'Ingress').map((o) => [o.metadata.name, o.spec.rules[0].http.paths[0].backend.service.name] as const);
    const r = await runGraph({ file: file(name), cwd: ROOT, format: 'dot' });
    const drawn = dotEdges(r.text).filter((l) => l.includes('"ingress:'));
    expect(drawn.sort()).toEqual(backends.flatMap(([ing, svc]) => [`  "ext:clients" -> "ingress:${ing}";`, `  "ingress:${ing}" -> "${svc}";`]).sort());
  });

  it('the Ingress backends the examples generate, as the check above compares them', async () => {
    const backends: string[] = [];
    for (const name of exampleNames()) {
      const objects = (await renderExample(name)).filter((f) => f.target === 'kubernetes').flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()));
      for (const o of objects.filter((x) => x?.kind === 'Ingress')) backends.push(`${name}: ${o.metadata.name} → ${o.spec.rules[0].http.paths[0].backend.service.name}`);
    }
    expect(backends).toEqual(['01-replicated: web → web-tls', '02-sharded-http: pages → pages-router', '04-scatter-gather: search → search', '05-function: web → web-tls']);
  });

  it.runIf(exampleNames().includes('09-ambassadors'))("a shard-router ambassador's own twemproxy reaches the shards, not the service's router (Mermaid and DOT)", async () => {
    const mmd = await runGraph({ file: file('09-ambassadors'), cwd: ROOT });
    expect(mermaidEdges(mmd.text).filter((l) => l.startsWith('  shop_cache '))).toEqual([0, 1, 2].map((i) => `  shop_cache -->|"hash(key)"| sessions_${i}`));
    const dot = await runGraph({ file: file('09-ambassadors'), cwd: ROOT, format: 'dot' });
    expect(dotEdges(dot.text).filter((l) => l.startsWith('  "shop/cache" '))).toEqual([0, 1, 2].map((i) => `  "shop/cache" -> "sessions-${i}" [label="hash(key)"];`));
    // what the ambassador's config connects to
    const config = (await renderExample('09-ambassadors')).find((f) => f.path === 'twemproxy/shop-cache.yml')!.content;
    expect(config.split('\n').filter((l) => l.includes(':11211:'))).toEqual([0, 1, 2].map((i) => `    - "sessions-${i}:11211:1 sessions-${i}"`));
  });

  it('a decorator in front of an exposed sharded or scatter-gather service: clients → Ingress → the function → the router or root', async () => {
    const text = await graphOf([
      '  pages:', '    pattern: sharded', '    image: ghcr.io/acme/pages:1.0.0', '    port: 8080', '    shards: 2', '    expose: { host: pages.example.com }',
      '  front:', '    pattern: function', '    image: ghcr.io/acme/front:1.0.0', '    decorates: pages',
      '  search:', '    pattern: scatter-gather', '    root: { image: ghcr.io/acme/root:1.0.0, port: 8080 }', '    leaves: { image: ghcr.io/acme/leaf:1.0.0, port: 9090, count: 2 }', '    expose: { host: search.example.com }',
      '  lens:', '    pattern: function', '    image: ghcr.io/acme/lens:1.0.0', '    decorates: search',
    ]);
    expect(mermaidEdges(text)).toEqual([
      '  front -->|"UPSTREAM_URL"| pages_router',
      '  lens -->|"UPSTREAM_URL"| search',
      '  ext_clients --> ingress_pages',
      '  ingress_pages --> front',
      '  pages_router -->|"hash(uri)"| pages_0',
      '  pages_router -->|"hash(uri)"| pages_1',
      '  ext_clients --> ingress_search',
      '  ingress_search --> lens',
      '  search -->|"scatter"| search_leaf_0',
      '  search -->|"scatter"| search_leaf_1',
    ]);
  });

  it('an exposed function: clients → Ingress → the function, or the function that decorates it', async () => {
    const text = await graphOf([
      '  hello:', '    pattern: function', '    image: ghcr.io/acme/hello:1.0.0', '    expose: { host: hello.example.com, path: /hi }',
      '  greet:', '    pattern: function', '    image: ghcr.io/acme/greet:1.0.0', '    decorates: hello',
      '  plain:', '    pattern: function', '    image: ghcr.io/acme/plain:1.0.0', '    expose: { host: plain.example.com }',
    ]);
    expect(text).toContain('    ingress_hello("<b>Ingress hello.example.com/hi</b>")\n');
    expect(mermaidEdges(text)).toEqual(['  greet -->|"UPSTREAM_URL"| hello', '  ext_clients --> ingress_hello', '  ingress_hello --> greet', '  ext_clients --> ingress_plain', '  ingress_plain --> plain']);
  });

  it('ambassadors and electors in the pods of a StatefulSet: each pod draws its own; a proxy to a service of the topology reaches it', async () => {
    const text = await graphOf([
      '  pages:', '    pattern: sharded', '    image: ghcr.io/acme/pages:1.0.0', '    port: 8080', '    shards: 2',
      '    ambassadors: [{ name: peers, kind: proxy, listen: 9000, upstream: "web:8080" }]', '    election: { lock: pages-leader }',
      '  web:', '    pattern: replicated', '    image: ghcr.io/acme/web:1.0.0', '    port: 8080',
    ], 'dot');
    expect(dotEdges(text).filter((l) => !l.includes('same pod'))).toEqual([
      '  "pages-0/peers" -> "web" [label="tcp"];',
      '  "pages-0/elector" -> "lease:pages-leader" [label="campaigns", style=dashed];',
      '  "pages-1/peers" -> "web" [label="tcp"];',
      '  "pages-1/elector" -> "lease:pages-leader" [label="campaigns", style=dashed];',
      '  "pages-router" -> "pages-0" [label="hash(uri)"];',
      '  "pages-router" -> "pages-1" [label="hash(uri)"];',
    ]);
    expect(text).not.toContain('"ext:');
  });

  it('a split route reaches what its config names (the cache layer of a cached service); a route of weight 0 is not drawn', async () => {
    const text = await graphOf([
      '  web:', '    pattern: replicated', '    image: ghcr.io/acme/web:1.0.0', '    port: 8080', '    cache: {}',
      '  next:', '    pattern: replicated', '    image: ghcr.io/acme/web:1.1.0', '    port: 8080',
      '  shop:', '    pattern: replicated', '    image: ghcr.io/acme/shop:1.0.0', '    port: 8080',
      '    ambassadors: [{ name: exp, kind: split, listen: 8081, key: "header:X-User-Id", routes: [{ to: web, weight: 100 }, { to: next, weight: 0 }] }]',
    ]);
    expect(mermaidEdges(text)).toEqual(['  shop -.->|"same pod"| shop_exp', '  shop_exp -->|"100%"| web_cache', '  web_cache --> web']);
  });

  it('consumers of a queue on an outside broker, a queue-triggered function among them, are drawn from that broker', async () => {
    const text = await graphOf([
      '  jobs:', '    pattern: work-queue', '    broker: { url: "redis://queues.example.com:6379/1" }', '    queue: outbox', '    worker: { image: ghcr.io/acme/w:1.0.0, replicas: 1 }',
      '  consume:', '    pattern: function', '    image: ghcr.io/acme/c:1.0.0', '    trigger: { queue: jobs }',
    ]);
    expect(text).toContain('  ext_redis_queues_example_com_6379_1[/"<b>redis://queues.example.com:6379/1</b><br/>outside broker"/]\n');
    expect(mermaidEdges(text)).toEqual(['  ext_redis_queues_example_com_6379_1 -->|"queue outbox"| consume', '  ext_redis_queues_example_com_6379_1 -->|"queue outbox"| jobs']);
  });

  it('a router says what it hashes: the request URI when no key is given, the client address for tcp', async () => {
    const text = await graphOf([
      '  pages:', '    pattern: sharded', '    image: ghcr.io/acme/pages:1.0.0', '    port: 8080', '    shards: 2',
      '  raw:', '    pattern: sharded', '    image: ghcr.io/acme/raw:1.0.0', '    port: 7000', '    protocol: tcp', '    shards: 2',
    ]);
    expect(mermaidEdges(text)).toEqual([
      '  pages_router -->|"hash(uri)"| pages_0',
      '  pages_router -->|"hash(uri)"| pages_1',
      '  raw_router -->|"hash(client address)"| raw_0',
      '  raw_router -->|"hash(client address)"| raw_1',
    ]);
  });

  it('the Ingress of `web` and the clients are nodes of their own beside services named `web-ingress` and `clients`', async () => {
    const services = (...names: string[]) => names.flatMap((n) => [`  ${n}:`, '    pattern: replicated', '    image: ghcr.io/acme/web:1.0.0', '    port: 8080', '    sidecars: [{ name: sync, image: ghcr.io/acme/sync:1.0.0 }]']);
    const text = await graphOf(['  web:', '    pattern: replicated', '    image: ghcr.io/acme/web:1.0.0', '    port: 8080', '    expose: { host: web.example.com }', ...services('web-ingress', 'clients')], 'dot');
    expect(dotEdges(text)).toEqual([
      '  "clients" -> "clients/sync" [label="same pod", style=dashed];',
      '  "web-ingress" -> "web-ingress/sync" [label="same pod", style=dashed];',
      '  "ext:clients" -> "ingress:web";',
      '  "ingress:web" -> "web";',
    ]);
    expect(text).toContain('  "ext:clients" [shape=parallelogram, label="clients"];\n');
    expect(text).toContain('    "clients" [shape=box, label="clients\\nserver · Deployment ×2\\nghcr.io/acme/web:1.0.0"];\n');
    expect(text).toContain('    "web-ingress" [shape=box, label="web-ingress\\nserver · Deployment ×2\\nghcr.io/acme/web:1.0.0"];\n');
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
    expect(edges).toEqual(['  add_defaults -->|"UPSTREAM_URL"| web', '  web_tls -->|"https → http"| add_defaults']);
  });

  it.runIf(exampleNames().includes('05-function'))('a queue-triggered function takes the queue the work-queue service names (outbox), as its DDP_QUEUE says', async () => {
    const r = await runGraph({ file: file('05-function'), cwd: ROOT });
    expect(mermaidEdges(r.text).filter((l) => l.includes('emails_broker'))).toEqual(['  emails_broker -->|"queue outbox"| emails', '  emails_broker -->|"queue outbox"| send_email']);
  });

  it.runIf(exampleNames().includes('08-sidecars'))('a TLS sidecar passes what it decrypts to the main container of its pod', async () => {
    const r = await runGraph({ file: file('08-sidecars'), cwd: ROOT, format: 'dot' });
    expect(dotEdges(r.text)).toEqual([
      '  "site" -> "site/git-sync" [label="same pod", style=dashed];',
      '  "site" -> "site/topz" [label="same pod", style=dashed];',
      '  "site" -> "site/https" [label="same pod", style=dashed];',
      '  "site/https" -> "site" [label="https → http"];',
    ]);
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
