// End to end: example 09's split ambassador (nginx split_clients, 90% web / 10% web-next, keyed on
// X-User-Id, request by request when there is none) in front of two real HTTP backends, each name
// on its own loopback address through a private hosts file; and a split with no key, which keys
// on the client address the app passes on (X-Forwarded-For's first address).
import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBinaries } from '../helpers/binaries.js';
import { allocateAddresses, httpGet, startHttpBackend, startNginx, type HttpBackend, type Running } from '../helpers/proxies.js';
import { renderExample } from '../examples.js';
import { file, generate, TOPOLOGY_HEAD } from '../patterns/single-node-helpers.js';

const KEYS = 2000;

describeWithBinaries(['nginx', 'unshare', 'mount'], 'split ambassador (example 09) on loopback', () => {
  const addr = allocateAddresses(['web', 'web-next', 'ambassador']);
  const stops: (() => Promise<void>)[] = [];
  let url = '';

  beforeAll(async () => {
    const conf = file(await renderExample('09-ambassadors'), 'nginx/shop-experiment.conf');
    expect(conf).toContain('listen 127.0.0.1:8081;');
    const backends: HttpBackend[] = [await startHttpBackend(addr.web!, 8080, 'web'), await startHttpBackend(addr['web-next']!, 8080, 'web-next')];
    stops.push(...backends.map((b) => () => b.stop()));
    // the only change: the ambassador's 127.0.0.1 becomes an address of its own (others test at the same time)
    const nginx: Running = await startNginx(conf, { web: addr.web!, 'web-next': addr['web-next']! }, {
      pathMap: { '/tmp/': 'tmp/', '/dev/stdout': 'logs/access.log' },
      rewrite: (text) => text.replace('listen 127.0.0.1:8081;', `listen ${addr.ambassador}:8081;`),
    });
    stops.push(() => nginx.stop());
    url = `http://${addr.ambassador}:8081/`;
  });

  afterAll(async () => {
    await Promise.all(stops.map((s) => s()));
  });

  /** The route (backend name) one request takes. */
  async function route(headers: Record<string, string>, localAddress?: string): Promise<string> {
    if (!localAddress) {
      const r = await httpGet(url, { headers });
      expect(r.status).toBe(200);
      return String(r.headers['x-backend']);
    }
    return new Promise((resolve, reject) => {
      const req = http.request(url, { headers, localAddress, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.headers['x-backend'])));
      });
      req.on('error', reject);
      req.end();
    });
  }

  async function routesOf(keys: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < keys.length; i += 25) {
      const batch = keys.slice(i, i + 25);
      const routes = await Promise.all(batch.map((k) => route({ 'X-User-Id': k })));
      batch.forEach((k, j) => out.set(k, routes[j]!));
    }
    return out;
  }

  it(`sends 10% ± 3% of ${KEYS} distinct keys to the 10% route, and one key always to one route`, async () => {
    const keys = Array.from({ length: KEYS }, (_, i) => `user-${i}`);
    const first = await routesOf(keys);
    const next = [...first.values()].filter((r) => r === 'web-next').length;
    process.stderr.write(`split ambassador: ${next} of ${KEYS} keys (${((100 * next) / KEYS).toFixed(1)}%) went to web-next\n`);
    expect([...new Set(first.values())].sort()).toEqual(['web', 'web-next']);
    expect(next / KEYS).toBeGreaterThanOrEqual(0.07);
    expect(next / KEYS).toBeLessThanOrEqual(0.13);
    // sticky: the same key again (twice, in another order) lands on the same route
    const again = await routesOf([...keys].reverse().slice(0, 500));
    for (const [k, r] of again) expect({ k, r }).toEqual({ k, r: first.get(k) });
    const third = await routesOf(keys.filter((_, i) => i % 7 === 0));
    for (const [k, r] of third) expect({ k, r }).toEqual({ k, r: first.get(k) });
  }, 120_000);

  it('without the header, requests from one address (as every request in a pod comes from 127.0.0.1) are split by the weights, not all sent one way', async () => {
    // (a client-address key sent every one of them to the same route)
    const n = 1000;
    const routes: string[] = [];
    for (let i = 0; i < n; i += 25) routes.push(...(await Promise.all(Array.from({ length: Math.min(25, n - i) }, () => route({})))));
    const next = routes.filter((r) => r === 'web-next').length;
    process.stderr.write(`split ambassador, no header: ${next} of ${n} requests (${((100 * next) / n).toFixed(1)}%) went to web-next\n`);
    expect(next / n).toBeGreaterThanOrEqual(0.06);
    expect(next / n).toBeLessThanOrEqual(0.14);
  }, 60_000);
});

describeWithBinaries(['nginx', 'unshare', 'mount'], 'split ambassador without a key: the client address the app passes on', () => {
  const addr = allocateAddresses(['web', 'web-next', 'ambassador']);
  const stops: (() => Promise<void>)[] = [];
  let url = '';

  beforeAll(async () => {
    const { files } = await generate(`${TOPOLOGY_HEAD}  web: { pattern: replicated, image: acme/web:1.0.0, port: 8080 }
  web-next: { pattern: replicated, image: acme/web:1.1.0, port: 8080 }
  shop:
    pattern: replicated
    image: acme/shop:1.0.0
    port: 8080
    ambassadors:
      - { name: experiment, kind: split, listen: 9001, routes: [{ to: web, weight: 90 }, { to: web-next, weight: 10 }] }
`);
    const conf = file(files, 'nginx/shop-experiment.conf');
    const backends: HttpBackend[] = [await startHttpBackend(addr.web!, 8080, 'web'), await startHttpBackend(addr['web-next']!, 8080, 'web-next')];
    stops.push(...backends.map((b) => () => b.stop()));
    const nginx: Running = await startNginx(conf, { web: addr.web!, 'web-next': addr['web-next']! }, {
      pathMap: { '/tmp/': 'tmp/', '/dev/stdout': 'logs/access.log' },
      rewrite: (text) => text.replace('listen 127.0.0.1:9001;', `listen ${addr.ambassador}:9001;`),
    });
    stops.push(() => nginx.stop());
    url = `http://${addr.ambassador}:9001/`;
  });

  afterAll(async () => {
    await Promise.all(stops.map((s) => s()));
  });

  async function routes(headers: Record<string, string>[]): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < headers.length; i += 25) {
      const batch = await Promise.all(headers.slice(i, i + 25).map((h) => httpGet(url, { headers: h })));
      out.push(...batch.map((r) => String(r.headers['x-backend'])));
    }
    return out;
  }

  it('sticks each client address to one route, whatever proxies follow it in X-Forwarded-For, 10% ± 3% of them to the 10% route', async () => {
    const clients = Array.from({ length: KEYS }, (_, i) => `198.${18 + (i >> 8)}.${i & 255}.7`);
    const first = await routes(clients.map((c) => ({ 'X-Forwarded-For': c })));
    const next = first.filter((r) => r === 'web-next').length;
    process.stderr.write(`split ambassador, no key: ${next} of ${KEYS} client addresses (${((100 * next) / KEYS).toFixed(1)}%) went to web-next\n`);
    expect(next / KEYS).toBeGreaterThanOrEqual(0.07);
    expect(next / KEYS).toBeLessThanOrEqual(0.13);
    // the same client through more proxies (and with stray spaces) takes the same route
    const some = clients.filter((_, i) => i % 5 === 0);
    const via = await routes(some.map((c, i) => ({ 'X-Forwarded-For': `${i % 2 ? ' ' : ''}${c}, 10.0.0.${i % 250}, 10.1.2.3` })));
    expect(via).toEqual(some.map((c) => first[clients.indexOf(c)]));
  }, 120_000);

  it('without X-Forwarded-For, requests (all from the app at one address) are split by the weights', async () => {
    const n = 1000;
    const got = await routes(Array.from({ length: n }, () => ({})));
    const next = got.filter((r) => r === 'web-next').length;
    expect(next / n).toBeGreaterThanOrEqual(0.06);
    expect(next / n).toBeLessThanOrEqual(0.14);
  }, 60_000);
});
