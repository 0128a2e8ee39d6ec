// Pinned (mutation testing, 2026-11-29, src/topology/semantic.ts shardedChecks): port 22222 is
// refused on a router only where the router is twemproxy (its stats port); an nginx or varnish
// router may listen there. The hint names redis's port for redis shards. bad-input.test.ts has only a
// memcache router; checking every router's port made no test fail.
import { describe, expect, it } from 'vitest';
import { errorsOf, BASE } from '../helpers/topology.js';
import type { Diagnostic } from '../../src/diagnostics.js';

const show = (d: Diagnostic) => `${d.line}:${d.col} ${d.code}: ${d.message}`;
/** `web` (lines 6-9) and then a sharded service `cache` from line 10 on, its router on line 16. */
const sharded = (...ls: string[]) => BASE + '    port: 8080\n' + ['  cache:', '    pattern: sharded', ...ls].join('\n') + '\n';

describe('port-clash at twemproxy\'s stats port, 22222', () => {
  it('an http router (nginx by default, or varnish) on 22222: no error', async () => {
    expect(await errorsOf(sharded('    image: ghcr.io/acme/pages:1.0', '    port: 8080', '    shards: 2', '    protocol: http', '    router: { port: 22222 }'))).toEqual([]);
    expect(await errorsOf(sharded('    image: ghcr.io/acme/pages:1.0', '    port: 8080', '    shards: 2', '    protocol: http', '    router: { kind: varnish, port: 22222 }'))).toEqual([]);
  });

  it('a redis router (twemproxy by default) on 22222: an error, the hint says 6379', async () => {
    const ds = await errorsOf(sharded('    image: redis:7.2', '    port: 6379', '    shards: 2', '    protocol: redis', '    storage: { size: 1Gi }', '    router: { port: 22222 }'));
    expect(ds.map(show)).toEqual(['17:21 port-clash: router.port 22222 is the port twemproxy serves its stats on: it would fail to bind and restart for ever']);
    expect([ds[0].pointer, ds[0].hint]).toEqual(['/services/cache/router/port', 'use another port, e.g. 6379']);
  });
});
