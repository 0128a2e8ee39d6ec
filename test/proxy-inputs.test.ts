// Inputs `ddp validate` accepted whose generated proxy configs could never work, found by running
// the real proxies on them (see each case): refused, or warned about, with an exact diagnostic.
import { describe, expect, it } from 'vitest';
import { parseTopologyText } from '../src/topology/load.js';
import { validateAll } from '../src/flow.js';
import type { Diagnostic } from '../src/diagnostics.js';
import { lines } from './helpers/topology.js';

const show = (d: Diagnostic) => `${d.line ?? '-'}:${d.col ?? '-'} ${d.severity} ${d.code}: ${d.message}`;
const withCode = async (text: string, code: string) => (await validateAll(parseTopologyText(text, 'ddp.yaml'))).filter((d) => d.code === code);

describe('udp-main-port: a proxy ddp runs speaks TCP to the main port, which must not be UDP', () => {
  // the first of `ports` is the main port; varnish, nginx and twemproxy connect to it over TCP
  const UDP_FIRST = '    ports: [{ name: dns, port: 5353, protocol: UDP }, { name: http, port: 8080 }]';
  const HINT = 'put a TCP port first in `ports` (the first of them is the main port)';

  it('a cache layer, a TLS layer or an Ingress in front of a replicated service', async () => {
    const ds = await withCode(lines(UDP_FIRST, '    cache: {}', '    tls: { secret: web-tls }', '    expose: { host: shop.example.com }'), 'udp-main-port');
    expect(ds.map(show)).toEqual(['9:13 error udp-main-port: the varnish cache layer of `web` connects to its main port 5353 over TCP, and it is UDP: no request would reach web']);
    expect([ds[0].pointer, ds[0].hint]).toEqual(['/services/web/ports/0', HINT]);
    expect((await withCode(lines(UDP_FIRST, '    tls: { secret: web-tls }'), 'udp-main-port')).map(show)).toEqual([
      '9:13 error udp-main-port: the nginx TLS layer of `web` connects to its main port 5353 over TCP, and it is UDP: no request would reach web',
    ]);
    expect((await withCode(lines(UDP_FIRST, '    expose: { host: shop.example.com }'), 'udp-main-port')).map(show)).toEqual([
      '9:13 error udp-main-port: the Ingress of `web` connects to its main port 5353 over TCP, and it is UDP: no request would reach web',
    ]);
  });

  it('the shards of a sharded service, behind their router', async () => {
    const text = lines('    port: 8080', '  dns:', '    pattern: sharded', '    image: ghcr.io/acme/dns:1.0.0', '    shards: 2', UDP_FIRST);
    expect((await withCode(text, 'udp-main-port')).map(show)).toEqual([
      '14:13 error udp-main-port: the router of `dns` connects to its main port 5353 over TCP, and it is UDP: no request would reach dns',
    ]);
  });

  it('a TLS sidecar, which forwards to the main container on localhost', async () => {
    const ds = await withCode(lines(UDP_FIRST, '    sidecars:', '      - { name: https, kind: tls, secret: web-tls }'), 'udp-main-port');
    expect(ds.map(show)).toEqual(['11:9 error udp-main-port: the TLS sidecar `https` of `web` connects to its main port 5353 over TCP, and it is UDP: no request would reach web']);
    expect(ds[0].pointer).toBe('/services/web/sidecars/0');
  });

  it('a split route to a service whose entry is its main port', async () => {
    const text = lines(
      '    port: 8080',
      '    ambassadors:',
      '      - { name: exp, kind: split, listen: 9000, key: "header:X-User-Id", routes: [{ to: web, weight: 50 }, { to: dns, weight: 50 }] }',
      '  dns:',
      '    pattern: replicated',
      '    image: ghcr.io/acme/dns:1.0.0',
      UDP_FIRST,
    );
    const ds = await withCode(text, 'udp-main-port');
    expect(ds.map(show)).toEqual(['11:114 error udp-main-port: the split ambassador `exp` of `web` connects to the main port 5353 of `dns` over TCP, and it is UDP: no request would reach dns']);
    expect(ds[0].pointer).toBe('/services/web/ambassadors/0/routes/1/to');
  });

  it('none where nothing ddp runs connects to it, or the main port is TCP', async () => {
    expect(await withCode(lines(UDP_FIRST), 'udp-main-port')).toEqual([]);
    expect(await withCode(lines('    ports: [{ name: http, port: 8080 }, { name: dns, port: 5353, protocol: UDP }]', '    cache: {}', '    tls: { secret: web-tls }'), 'udp-main-port')).toEqual([]);
  });
});

describe('a proxy ambassador upstream nginx can reach', () => {
  const proxy = (upstream: string, extra = '') => lines('    port: 8080', '    ambassadors:', `      - { name: db, kind: proxy, listen: 5432, upstream: "${upstream}"${extra} }`);

  it('proxy-loop: an upstream that is the ambassador itself (nginx connected to itself: one request became 745, then a 400)', async () => {
    for (const host of ['localhost', '127.0.0.1', 'LocalHost']) {
      const ds = await withCode(proxy(`${host}:5432`), 'proxy-loop');
      expect(ds.map(show)).toEqual([`11:58 error proxy-loop: proxy ambassador \`db\` listens on 127.0.0.1:5432 and forwards to ${host}:5432, that is to itself: every connection would loop through nginx until it runs out of connections`]);
      expect([ds[0].pointer, ds[0].hint]).toEqual(['/services/web/ambassadors/0/upstream', 'give `upstream` the host and port of what the app should reach (or another `listen`)']);
    }
    // another port on localhost is another container of the pod: fine
    expect(await withCode(proxy('localhost:5433'), 'proxy-loop')).toEqual([]);
    expect(await withCode(proxy('127.0.0.2:5432'), 'proxy-loop')).toEqual([]);
  });

  it('bad-upstream: a host that is neither a DNS name nor an IPv4 address (nginx: host not found in upstream, or glibc takes 10.0.0 for 10.0.0.0)', async () => {
    for (const host of ['-db.example.com', 'db..example.com', 'db-.example.com', '.example.com', 'db.example.com..', '10.0.0', '300.1.2.3', '1.2.3.4.5']) {
      const ds = await withCode(proxy(`${host}:5432`), 'bad-upstream');
      expect(ds.map(show)).toEqual([`11:58 error bad-upstream: upstream host \`${host}\` is neither a DNS name nor an IPv4 address`]);
      expect(ds[0].hint).toBe('use a host name such as db.prod.example.com (labels of letters, digits and inner -, joined by single dots) or an address such as 10.0.0.5');
    }
    // (a numeric label is fine in a name: `db.123` is Service db in namespace 123)
    for (const host of ['db', 'db.prod.example.com', 'db.prod.example.com.', 'DB-1.Example.COM', '10.0.0.5', '1db.example.com', 'xn--bcher-kva.example', 'db.123']) {
      expect(await withCode(proxy(`${host}:5432`), 'bad-upstream')).toEqual([]);
    }
  });

  it('proxy-http-to-tls: HTTP in clear to port 443 (the upstream answers 400, "plain HTTP request was sent to HTTPS port", or resets)', async () => {
    const ds = await withCode(proxy('api.example.com:443', ', protocol: http'), 'proxy-http-to-tls');
    expect(ds.map(show)).toEqual(['11:9 warning proxy-http-to-tls: proxy ambassador `db` speaks plain HTTP to api.example.com:443, the HTTPS port: a TLS server answers it with an error or closes the connection']);
    expect([ds[0].pointer, ds[0].hint]).toEqual(['/services/web/ambassadors/0', 'use `protocol: tcp` and let the app speak TLS through it, or an upstream port that serves plain HTTP']);
    expect(await withCode(proxy('api.example.com:443'), 'proxy-http-to-tls')).toEqual([]);
    expect(await withCode(proxy('api.example.com:8443', ', protocol: http'), 'proxy-http-to-tls')).toEqual([]);
  });
});

describe('affinity-behind-proxy: client-ip affinity behind a layer ddp runs sticks to that layer, not to the client', () => {
  it('behind the cache layer, the TLS layer or a decorator function: a warning naming the layer', async () => {
    const cache = await withCode(lines('    port: 8080', '    sessionAffinity: client-ip', '    cache: {}', '    tls: { secret: web-tls }'), 'affinity-behind-proxy');
    expect(cache.map(show)).toEqual([
      '10:22 warning affinity-behind-proxy: sessionAffinity client-ip keeps each address the Service sees on one replica, and every request reaches web from a pod of its varnish cache layer: each of those pods, not each client, keeps to one replica',
    ]);
    expect([cache[0].pointer, cache[0].hint]).toEqual(['/services/web/sessionAffinity', 'drop sessionAffinity, or keep a user on one replica by a key the layers pass on (a cookie or a header the app reads)']);
    expect((await withCode(lines('    port: 8080', '    sessionAffinity: client-ip', '    tls: { secret: web-tls }'), 'affinity-behind-proxy')).map((d) => d.message)).toEqual([
      'sessionAffinity client-ip keeps each address the Service sees on one replica, and every request reaches web from a pod of its nginx TLS layer: each of those pods, not each client, keeps to one replica',
    ]);
    const decorated = lines('    port: 8080', '    sessionAffinity: client-ip', '  fill:', '    pattern: function', '    image: ghcr.io/acme/fill:1.0.0', '    port: 8080', '    decorates: web');
    expect((await withCode(decorated, 'affinity-behind-proxy')).map((d) => d.message)).toEqual([
      'sessionAffinity client-ip keeps each address the Service sees on one replica, and every request reaches web from a pod of its decorator function `fill`: each of those pods, not each client, keeps to one replica',
    ]);
  });

  it('none for clients that reach the Service themselves, or without affinity', async () => {
    expect(await withCode(lines('    port: 8080', '    sessionAffinity: client-ip'), 'affinity-behind-proxy')).toEqual([]);
    expect(await withCode(lines('    port: 8080', '    sessionAffinity: none', '    cache: {}'), 'affinity-behind-proxy')).toEqual([]);
  });
});

describe('upstream-port: a proxy ambassador to a Service of the topology connects to a port it serves', () => {
  const topology = (upstream: string) =>
    lines(
      '    port: 8080',
      '    cache: {}',
      '    ambassadors:',
      `      - { name: db, kind: proxy, listen: 5432, upstream: "${upstream}" }`,
      '  carts:',
      '    pattern: sharded',
      '    image: redis:7.4.1-alpine',
      '    protocol: redis',
      '    shards: 2',
      "    args: ['--save', '']",
    );

  it('a port the Service does not serve: every connection would be refused', async () => {
    const ds = await withCode(topology('carts-router:6380'), 'upstream-port');
    expect(ds.map(show)).toEqual(['12:58 error upstream-port: proxy ambassador `db` connects to carts-router:6380, and the Service carts-router serves port 6379 only']);
    expect([ds[0].pointer, ds[0].hint]).toEqual(['/services/web/ambassadors/0/upstream', 'use `upstream: carts-router:6379`']);
    expect((await withCode(topology('web:80'), 'upstream-port')).map((d) => d.message)).toEqual(['proxy ambassador `db` connects to web:80, and the Service web serves port 8080 only']);
    expect((await withCode(topology('web-cache:8081'), 'upstream-port')).map((d) => d.message)).toEqual(['proxy ambassador `db` connects to web-cache:8081, and the Service web-cache serves port 8080 only']);
  });

  it('none for a port it serves, or a host that is no Service of the topology', async () => {
    for (const upstream of ['carts-router:6379', 'web:8080', 'web-cache:8080', 'db.example.com:5432', 'other:1234']) expect(await withCode(topology(upstream), 'upstream-port')).toEqual([]);
  });
});
