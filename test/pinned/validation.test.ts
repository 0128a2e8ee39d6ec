// Pinned (mutations no other test caught, 2026-11-29) (semantic checks, src/topology/semantic.ts): behaviours of `ddp validate` no
// other test pinned down -- the privileged-port boundary, split weights that do not add up to 100,
// every env name Knative reserves, `shards` on a stage that is no sharder, and the "did you mean"
// hint for a reference that is a prefix of a service name. Exact code, message, position and hint.
import { describe, expect, it } from 'vitest';
import { parseTopologyText } from '../../src/topology/load.js';
import { validateAll } from '../../src/flow.js';
import type { Diagnostic } from '../../src/diagnostics.js';
import { lines } from '../helpers/topology.js';

const show = (d: Diagnostic) => `${d.line ?? '-'}:${d.col ?? '-'} ${d.severity} ${d.code}: ${d.message}`;
const diagnostics = async (text: string) => validateAll(parseTopologyText(text, 'ddp.yaml'));
const withCode = async (text: string, code: string) => (await diagnostics(text)).filter((d) => d.code === code);

describe('privileged-port: below 1024, and 1024 itself is fine', () => {
  it('a main port of 1024 is no privileged port; 1023 is', async () => {
    expect(await withCode(lines('    port: 1024'), 'privileged-port')).toEqual([]);
    expect((await withCode(lines('    port: 1023'), 'privileged-port')).map(show)).toEqual([
      '9:11 warning privileged-port: the container listens on port 1023, below 1024, running as a non-root user with no capabilities: it starts only where the container runtime lets any user bind low ports',
    ]);
  });

  it('a TLS layer and an ambassador listening on 1024: no warning', async () => {
    const text = lines('    port: 8080', '    tls: { secret: web-tls, port: 1024 }', '    ambassadors:', '      - { name: db, kind: proxy, listen: 1025, upstream: "db.example.com:5432" }');
    const ds = await diagnostics(text);
    expect(ds.filter((d) => d.severity === 'error').map(show)).toEqual([]);
    expect(ds.filter((d) => d.code === 'privileged-port')).toEqual([]);
  });
});

describe('bad-weights: the routes of a split ambassador add up to exactly 100', () => {
  const split = (a: number, b: number) =>
    lines('    port: 8080', '    ambassadors:', `      - { name: exp, kind: split, listen: 9000, key: "header:X-User-Id", routes: [{ to: web, weight: ${a} }, { to: next, weight: ${b} }] }`, '  next: { pattern: replicated, image: "ghcr.io/acme/web:1.5.0", port: 8080 }');

  it('weights below 100 are an error, said at routes, with the sum', async () => {
    const ds = await withCode(split(70, 10), 'bad-weights');
    expect(ds.map(show)).toEqual(['11:74 error bad-weights: the weights of ambassador `exp` add up to 80, not 100']);
    expect(ds[0].hint).toBe('make the route weights add up to 100');
    expect(ds[0].pointer).toBe('/services/web/ambassadors/0/routes');
  });

  it('weights above 100 are an error too; exactly 100 is none', async () => {
    expect((await withCode(split(90, 20), 'bad-weights')).map(show)).toEqual(['11:74 error bad-weights: the weights of ambassador `exp` add up to 110, not 100']);
    expect((await diagnostics(split(90, 10))).filter((d) => d.severity === 'error')).toEqual([]);
  });
});

describe('knative-reserved-env: every variable Knative sets itself', () => {
  it('PORT, K_SERVICE, K_CONFIGURATION and K_REVISION are each refused on a Knative function', async () => {
    const text = lines(
      '    port: 8080',
      '  fn:',
      '    pattern: function',
      '    image: ghcr.io/acme/fn:1.0.0',
      '    runtime: knative',
      '    env: { K_REVISION: a, K_CONFIGURATION: b, K_SERVICE: c, PORT: "1", OTHER: d }',
    );
    const ds = await withCode(text, 'knative-reserved-env');
    // (in the order they are written)
    expect(ds.map((d) => [d.message, d.pointer, d.hint])).toEqual([
      ['Knative sets K_REVISION itself and rejects a revision that sets it', '/services/fn/env/K_REVISION', 'rename K_REVISION'],
      ['Knative sets K_CONFIGURATION itself and rejects a revision that sets it', '/services/fn/env/K_CONFIGURATION', 'rename K_CONFIGURATION'],
      ['Knative sets K_SERVICE itself and rejects a revision that sets it', '/services/fn/env/K_SERVICE', 'rename K_SERVICE'],
      ['Knative sets PORT itself and rejects a revision that sets it', '/services/fn/env/PORT', 'rename PORT'],
    ]);
    expect(ds.every((d) => d.severity === 'error')).toBe(true);
  });
});

describe('shards-not-sharder: only a sharder stage takes `shards`', () => {
  it('a filter with shards: an error at its shards, naming its kind', async () => {
    const text = lines(
      '    port: 8080',
      'pipelines:',
      '  ingest:',
      '    sources: [raw]',
      '    stages:',
      '      clean: { kind: filter, input: raw, outputs: [ok], image: "ghcr.io/acme/clean:1.0", shards: 3 }',
    );
    const ds = await withCode(text, 'shards-not-sharder');
    expect(ds.map(show)).toEqual(['14:98 error shards-not-sharder: only sharder stages take `shards`; `clean` is a filter']);
    expect(ds[0].pointer).toBe('/pipelines/ingest/stages/clean/shards');
  });
});

describe('unknown-service: the hint finds a service the reference is the start of', () => {
  it('`we` for `web`: did you mean `web`?', async () => {
    const text = lines('    port: 8080', '  fn: { pattern: function, image: "ghcr.io/acme/fn:1.0.0", decorates: we }');
    const ds = await withCode(text, 'unknown-service');
    expect(ds.map(show)).toEqual(['10:71 error unknown-service: `we` is not a service of this topology']);
    expect(ds[0].hint).toBe('did you mean `web`?');
  });

  it('no name near it: the hint lists the services', async () => {
    const ds = await withCode(lines('    port: 8080', '  fn: { pattern: function, image: "ghcr.io/acme/fn:1.0.0", decorates: shop }'), 'unknown-service');
    expect(ds[0].hint).toBe('services: fn, web');
  });
});
