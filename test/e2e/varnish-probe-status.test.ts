// health.status: a health path that answers 204 (common: "healthy, nothing to say") is healthy to
// the kubelet, which takes any 2xx or 3xx, but a varnish probe counts only 200 unless told
// (`.expected_response`): every backend stayed sick, and the cache layer and the varnish router
// answered 503 to everything while every pod showed ready. Run here with the real varnishd and the
// generated VCL, in front of a backend whose /healthz answers 204.
import { afterAll, expect, it } from 'vitest';
import http from 'node:http';
import { prepareLoaded, renderTargets } from '../../src/flow.js';
import { parseTopologyText } from '../../src/topology/load.js';
import { describeWithBinaries } from '../helpers/binaries.js';
import { allocateAddresses, checkVarnish, httpGet, startVarnish, type HttpResponse, type Running } from '../helpers/proxies.js';

const topology = (status: string) => `apiVersion: ddp/v1
kind: Topology
metadata: { name: shop }
services:
  web:
    pattern: replicated
    image: ghcr.io/acme/web:1.0.0
    port: 8080
    replicas: 2
    health: { path: /healthz${status} }
    cache: {}
  pages:
    pattern: sharded
    image: ghcr.io/acme/pages:1.0.0
    port: 8080
    shards: 2
    health: { path: /healthz${status} }
    router: { kind: varnish }
`;

/** The VCLs generated for the topology: the cache layer's and the varnish router's. */
async function vcls(status: string): Promise<{ cache: string; router: string }> {
  const p = await prepareLoaded(parseTopologyText(topology(status), 'ddp.yaml'), undefined);
  const files = await renderTargets(p.model, ['varnish']);
  const text = (path: string) => files.find((f) => f.path === path)!.content;
  return { cache: text('varnish/web-cache.vcl'), router: text('varnish/pages-router.vcl') };
}

/** An HTTP backend whose /healthz answers 204 and everything else 200. */
function start204Backend(ip: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    req.resume();
    if (req.url === '/healthz') {
      res.writeHead(204);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3 });
    res.end('ok\n');
  });
  return new Promise((resolve) => server.listen(8080, ip, () => resolve(server)));
}

it('health.status sets what the generated varnish probes count as healthy: .expected_response, only when not 200', async () => {
  const with204 = await vcls(', status: 204');
  expect(with204.cache).toContain('        .url = "/healthz";\n        .expected_response = 204;  # health.status (varnish counts only this one)\n');
  expect(with204.router).toContain('    .url = "/healthz";\n    .expected_response = 204;  # health.status (varnish counts only this one)\n');
  for (const v of Object.values(await vcls(''))) expect(v).not.toContain('expected_response');
  for (const v of Object.values(await vcls(', status: 200'))) expect(v).not.toContain('expected_response');
});

describeWithBinaries(['varnishd', 'unshare', 'mount'], 'a health path answering 204, through the real varnishd', () => {
  const addr = allocateAddresses(['web', 'pages-0', 'pages-1', 'cache', 'router']);
  const servers: http.Server[] = [];
  const running: Running[] = [];
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  /** The status of GET / through varnish at `listen`, after waiting up to `ms` for a 200. */
  async function statusWithin(listen: string, ms: number): Promise<HttpResponse> {
    const deadline = Date.now() + ms;
    for (;;) {
      const r = await httpGet(`http://${listen}/`, { timeoutMs: 5_000 }).catch((e: Error) => ({ status: 0, headers: {}, body: e.message }) as HttpResponse);
      if (r.status === 200 || Date.now() > deadline) return r;
      await new Promise((res) => setTimeout(res, 250));
    }
  }

  it('with health.status: 204 the cache layer and the varnish router answer 200; without it, 503 (every backend sick)', async () => {
    for (const ip of [addr.web!, addr['pages-0']!, addr['pages-1']!]) servers.push(await start204Backend(ip));
    const hosts = { web: addr.web!, 'pages-0': addr['pages-0']!, 'pages-1': addr['pages-1']! };
    for (const [status, want] of [[', status: 204', 200], ['', 503]] as const) {
      const v = await vcls(status);
      for (const vcl of [v.cache, v.router]) expect((await checkVarnish(vcl, hosts)).ok).toBe(true);
      const cache = await startVarnish(v.cache, hosts, { listen: `${addr.cache}:8080` });
      const router = await startVarnish(v.router, hosts, { listen: `${addr.router}:8080` });
      running.push(cache, router);
      // a backend starts sick and turns healthy on its first good probe, sent as the VCL loads
      const wait = want === 200 ? 15_000 : 3_000;
      expect({ status, cache: (await statusWithin(`${addr.cache}:8080`, wait)).status, router: (await statusWithin(`${addr.router}:8080`, wait)).status }).toEqual({ status, cache: want, router: want });
      await cache.stop();
      await router.stop();
      running.length = 0;
    }
  }, 60_000);
});
