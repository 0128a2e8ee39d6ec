// End to end: what a generated varnish cache layer does with its backend, run by the real varnishd
// on loopback (the backend's name resolved through a private hosts file):
//  - its health probe asks the very request target the kubelet's readiness probe asks, percent
//    escapes included (a probe on another path fails, and varnish answers 503 for a healthy backend);
//  - it keeps a response only as long as the backend lets it: `ttl` replaces a freshness the
//    backend gave, never a "stale at once" (max-age=0, s-maxage=0, an Expires in the past).
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithBinaries } from '../helpers/binaries.js';
import { allocateAddresses, httpGet, startVarnish, type HttpResponse, type Running } from '../helpers/proxies.js';
import { file, generate, kubeObject, TOPOLOGY_HEAD } from '../patterns/single-node-helpers.js';
import { kubeletRequestTarget } from '../../src/patterns/probe-path.js';

/** A backend answering 200 on `health` (the request target, byte for byte) and on /page/*, 404 on anything else. */
function startBackend(ip: string, port: number, health: string, headers: (url: string) => Record<string, string>) {
  const seen: string[] = [];
  let served = 0;
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    seen.push(url);
    req.resume();
    if (url === health) return void res.writeHead(200, { 'content-length': '3' }).end('ok\n');
    if (!url.startsWith('/page/')) return void res.writeHead(404, { 'content-length': '0' }).end();
    const body = `response ${++served}\n`;
    res.writeHead(200, { 'content-length': Buffer.byteLength(body), ...headers(url) }).end(body);
  });
  return new Promise<{ seen: string[]; stop: () => Promise<void> }>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => resolve({ seen, stop: () => new Promise((r) => server.close(() => r())) }));
  });
}

describe('the request target of a readiness path (as the kubelet sends it)', () => {
  it.each([
    ['/healthz', '/healthz'],
    ['/health/db%20pool', '/health/db%20pool'], // a valid escape stays as written
    ['/health/db pool', '/health/db%20pool'],
    ['/héalth', '/h%C3%A9alth'],
    ['/a"b{c}', '/a%22b%7Bc%7D'],
    ['/keep/!$&\'()*+,;=:@[]~', '/keep/!$&\'()*+,;=:@[]~'],
    ['/h%2Fx y', '/h/x%20y'], // one character to escape: Go escapes the path again from its decoded form (%2F is /)
    ['/q?x=%41&y=b', '/q?x=%41&y=b'], // the query as written
    ['/q?x=a b', '/q?x=a%20b'], // ...but never a space in the request line
    ['/h#frag', '/h'], // the fragment is never sent
    ['/bad%zz', '/bad%25zz'], // not an escape: the % itself is escaped
  ])('%s → %s', (path, target) => {
    expect(kubeletRequestTarget(path)).toBe(target);
  });
});

describeWithBinaries(['varnishd', 'cc', 'unshare', 'mount'], 'a varnish cache layer and its backend, on loopback', () => {
  const addr = allocateAddresses(['web', 'web-cache']);
  let varnish: Running | undefined;
  let backend: Awaited<ReturnType<typeof startBackend>> | undefined;
  let vcl = '';
  let warmUp: HttpResponse | undefined;
  const get = (path: string): Promise<HttpResponse> => httpGet(`http://${addr['web-cache']}:8080${path}`, { timeoutMs: 10_000 });

  beforeAll(async () => {
    const topology = `${TOPOLOGY_HEAD}  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.4.2\n    port: 8080\n    replicas: 1\n    health: { path: "/health/db%20pool" }\n    cache: { ttl: 120s }\n`;
    vcl = file((await generate(topology)).files, 'varnish/web-cache.vcl');
    const cacheControl: Record<string, Record<string, string>> = {
      '/page/zero': { 'cache-control': 'max-age=0' },
      '/page/shared-zero': { 'cache-control': 'public, s-maxage=0' },
      '/page/expired': { expires: 'Sat, 01 Jan 2000 00:00:00 GMT' },
      '/page/short': { 'cache-control': 'max-age=5' },
    };
    backend = await startBackend(addr.web, 8080, '/health/db%20pool', (url) => cacheControl[url] ?? {});
    varnish = await startVarnish(vcl, { web: addr.web }, { listen: `${addr['web-cache']}:8080` });
    // the backend starts sick; the first probe that passes makes it healthy (varnish probes at once, then every 5 s)
    const deadline = Date.now() + 12_000;
    do {
      warmUp = await get('/page/warm-up');
      if (warmUp.status === 200) break;
      await new Promise((res) => setTimeout(res, 250));
    } while (Date.now() < deadline);
  }, 60_000);

  afterAll(async () => {
    await varnish?.stop();
    await backend?.stop();
  });

  it('probes the path the readiness probe asks, as the kubelet escapes it: the backend is healthy', async () => {
    expect(vcl).toContain('        .url = "/health/db%20pool";\n');
    expect(warmUp?.status, varnish!.output()).toBe(200);
    const probes = backend!.seen.filter((u) => !u.startsWith('/page/'));
    expect(probes.length).toBeGreaterThan(0);
    expect([...new Set(probes)]).toEqual(['/health/db%20pool']);
  });

  it.each(['/page/zero', '/page/shared-zero', '/page/expired'])('%s: a response the backend says is stale at once is never served from the cache', async (path) => {
    const first = await get(path);
    const second = await get(path);
    expect([first.status, first.headers['x-cache'], second.status, second.headers['x-cache']]).toEqual([200, 'MISS', 200, 'MISS']);
    expect(second.body).not.toBe(first.body);
  });

  it('a response with a freshness of its own, or none, is kept for the ttl', async () => {
    for (const path of ['/page/short', '/page/plain']) {
      const first = await get(path);
      const second = await get(path);
      expect([path, first.headers['x-cache'], second.headers['x-cache'], second.body]).toEqual([path, 'MISS', 'HIT', first.body]);
    }
  });
});

/** GET with the body's length and the X-Cache header (a truncated body shows as a short length or an error). */
function getLength(url: string): Promise<{ status: number; length: number; cache: string | undefined; complete: boolean }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let length = 0;
        res.on('data', (d: Buffer) => (length += d.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, length, cache: res.headers['x-cache'] as string | undefined, complete: res.complete }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0, length, cache: res.headers['x-cache'] as string | undefined, complete: false }));
      })
      .on('error', reject);
  });
}

/** Writes `total` bytes of `byte` to `res` in 64 KiB chunks, as fast as the reader takes them, and ends it. */
function stream(res: http.ServerResponse, total: number, byte: number): void {
  const chunk = Buffer.alloc(64 * 1024, byte);
  let sent = 0;
  const pump = (): void => {
    while (sent < total) {
      const part = total - sent < chunk.length ? chunk.subarray(0, total - sent) : chunk;
      sent += part.length;
      if (!res.write(part)) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
}

describeWithBinaries(['varnishd', 'cc', 'unshare', 'mount'], 'a response larger than the storage of a varnish cache layer or router', () => {
  const addr = allocateAddresses(['web', 'web-cache', 'files-0', 'files-1', 'files-router']);
  const BIG = 24 * 1024 * 1024; // above the cache layer's 16 MiB storage
  const HUGE = 72 * 1024 * 1024; // above the router's 64 MiB
  const stops: (() => Promise<void>)[] = [];
  const fetches: string[] = [];
  /** /live's responses, each held open after its first chunk until the test ends it. */
  const live: http.ServerResponse[] = [];

  beforeAll(async () => {
    const topology = `${TOPOLOGY_HEAD}  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.4.2\n    port: 8080\n    replicas: 1\n    cache: { memory: 16Mi }\n  files:\n    pattern: sharded\n    image: ghcr.io/acme/files:1.0.0\n    port: 8080\n    shards: 2\n    router: { kind: varnish }\n`;
    const files = (await generate(topology)).files;
    const [big, huge] = [Buffer.alloc(BIG, 0x62), Buffer.alloc(HUGE, 0x68)];
    for (const h of ['web', 'files-0', 'files-1']) {
      const server = http.createServer((req, res) => {
        req.resume();
        const url = req.url ?? '';
        fetches.push(url);
        // no Content-Length: chunked, as a streamed export or download is sent
        const chunked = /^\/chunked\/(\d+)/.exec(url);
        if (chunked) return void (res.writeHead(200, { 'cache-control': 'max-age=60' }), stream(res, Number(chunked[1]), 0x63));
        if (url === '/live') return void (res.writeHead(200, { 'cache-control': 'no-store' }), res.write('first\n'), live.push(res));
        const b = url.startsWith('/small') ? Buffer.from('small\n') : url.startsWith('/huge') ? huge : big;
        res.writeHead(200, { 'content-length': b.length, 'cache-control': 'max-age=60' }).end(b);
      });
      await new Promise<void>((r) => server.listen(8080, addr[h], () => r()));
      stops.push(() => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))));
    }
    const cache = await startVarnish(file(files, 'varnish/web-cache.vcl'), { web: addr.web! }, { listen: `${addr['web-cache']}:8080`, storage: 'malloc,16m' });
    stops.push(() => cache.stop());
    const router = await startVarnish(file(files, 'varnish/files-router.vcl'), { 'files-0': addr['files-0']!, 'files-1': addr['files-1']! }, { listen: `${addr['files-router']}:8080`, storage: 'malloc,64m' });
    stops.push(() => router.stop());
  }, 60_000);

  afterAll(async () => {
    for (const res of live) res.end();
    await Promise.all(stops.map((s) => s()));
  });

  it('the cache layer (storage as -s malloc in its Deployment) passes it whole, every time, and still keeps a small one', async () => {
    const files = (await generate(`${TOPOLOGY_HEAD}  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.4.2\n    port: 8080\n    cache: { memory: 16Mi }\n`)).files;
    expect(file(files, 'kubernetes/web.yaml')).toContain('"malloc,16m"');
    for (let i = 0; i < 2; i++) expect(await getLength(`http://${addr['web-cache']}:8080/download`)).toEqual({ status: 200, length: BIG, cache: 'MISS', complete: true });
    await getLength(`http://${addr['web-cache']}:8080/small`);
    expect((await getLength(`http://${addr['web-cache']}:8080/small`)).cache).toBe('HIT');
  });

  it('the router (64 MiB) passes it whole, every time', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await getLength(`http://${addr['files-router']}:8080/huge`);
      expect([r.status, r.length, r.complete]).toEqual([200, HUGE, true]);
    }
  }, 30_000);

  // Without a Content-Length varnish cannot tell the size before it stores the body: streamed into
  // the storage, the client got a 200 and the first ~16 MiB of 48 (FetchError "Could not get
  // storage"). Now fetched whole first, it fails before a byte is sent and is fetched again as a
  // pass; the URL is then passed (hit-for-pass): one fetch, not two, the next time.
  it.each([
    ['the cache layer', 'web-cache', 3 * 16],
    ['the router', 'files-router', 3 * 64],
  ])('%s: a chunked response 3x its storage comes whole, every time', async (_, host, mib) => {
    const path = `/chunked/${mib * 1024 * 1024}`;
    const got = [];
    for (let i = 0; i < 2; i++) got.push(await getLength(`http://${addr[host]}:8080${path}`));
    expect(got.map((r) => [r.status, r.length, r.complete])).toEqual([
      [200, mib * 1024 * 1024, true],
      [200, mib * 1024 * 1024, true],
    ]);
    expect(fetches.filter((u) => u === path)).toHaveLength(3);
  }, 60_000);

  it.each([
    ['the cache layer', 'web-cache'],
    ['the router', 'files-router'],
  ])('%s: a chunked response that fits is still kept', async (_, host) => {
    const path = `/chunked/${1024 * 1024 + host.length}`;
    const first = await getLength(`http://${addr[host]}:8080${path}`);
    const second = await getLength(`http://${addr[host]}:8080${path}`);
    expect([first.length, first.complete, second.length, second.complete]).toEqual([1024 * 1024 + host.length, true, 1024 * 1024 + host.length, true]);
    expect(fetches.filter((u) => u === path)).toHaveLength(1);
    if (host === 'web-cache') expect([first.cache, second.cache]).toEqual(['MISS', 'HIT']);
  });

  it('a chunked response that is not kept (no-store) still streams: its first chunk arrives while the backend holds the rest', async () => {
    const first = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no byte of /live within 5 s: varnish held the response back')), 5_000);
      const req = http.get(`http://${addr['web-cache']}:8080/live`, { agent: false }, (res) => res.once('data', (d: Buffer) => (clearTimeout(timer), resolve(d.toString()), req.destroy())));
      req.on('error', () => undefined);
    });
    expect(first).toBe('first\n');
  });
});

/** The worker process of a varnishd whose manager is `manager` (its only child once it listens). */
function varnishWorker(manager: number): number {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${d}/status`, 'utf8'))?.[1] === String(manager)) return Number(d);
    } catch {
      /* gone */
    }
  }
  throw new Error(`varnishd ${manager} has no worker process`);
}

/** VmRSS or VmHWM (the high-water mark of VmRSS) of a process, in MiB. */
function vm(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  const kb = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (kb === undefined) throw new Error(`no ${key} for ${pid}`);
  return Number(kb) / 1024;
}

/** Writes `total` bytes to `res` no faster than `rate` bytes a second, and ends it. */
function paced(res: http.ServerResponse, total: number, rate: number): void {
  const chunk = Buffer.alloc(1024 * 1024, 0x64);
  const start = Date.now();
  let sent = 0;
  const pump = (): void => {
    while (sent < total) {
      const wait = start + (sent / rate) * 1000 - Date.now();
      if (wait > 0) return void setTimeout(pump, wait);
      const part = total - sent < chunk.length ? chunk.subarray(0, total - sent) : chunk;
      sent += part.length;
      if (!res.write(part)) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
}

// A response above half the storage is passed (too-large.hbs) through varnish's Transient storage,
// stored in pieces of at most fetch_maxchunksize, each freed once the client has it. By default a
// piece is up to 256 MiB, and a response with a Content-Length is one piece of its length: a
// 256 MiB download took +256 MiB of the worker's RSS even to a client faster than the backend
// (the pod's limit for a 16 MiB cache is 160 Mi). With the generated `-p fetch_maxchunksize=1m`
// it took +5-7 MiB here (varnishd 7.1; +8-40 MiB for 512 MiB from an unpaced backend to curl). A client slower than the backend is another matter: varnish
// 7.1 reads ahead of it without a bound (README).
describeWithBinaries(['varnishd', 'cc', 'unshare', 'mount'], "a passed download's memory in the cache layer's varnishd", () => {
  const addr = allocateAddresses(['web', 'web-cache', 'web-cache-before']);
  const SIZE = 256 * 1024 * 1024; // 16x the 16 MiB storage, and varnish's default largest piece
  const RATE = 256 * 1024 * 1024; // the backend's bytes a second: the client, reading as it comes, keeps up
  const stops: (() => Promise<void>)[] = [];
  let params: string[] = [];
  let vcl = '';

  beforeAll(async () => {
    const files = (await generate(`${TOPOLOGY_HEAD}  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.4.2\n    port: 8080\n    replicas: 1\n    cache: { memory: 16Mi }\n`)).files;
    vcl = file(files, 'varnish/web-cache.vcl');
    const args = kubeObject(files, 'Deployment', 'web-cache').spec.template.spec.containers[0].args as string[];
    params = args.flatMap((a, i) => (args[i - 1] === '-p' ? [a] : []));
    const server = http.createServer((req, res) => {
      req.resume();
      if (req.url !== '/download') return void res.writeHead(200, { 'content-length': '6' }).end('small\n');
      res.writeHead(200, { 'content-length': SIZE, 'cache-control': 'max-age=60' });
      paced(res, SIZE, RATE);
    });
    await new Promise<void>((r) => server.listen(8080, addr.web, () => r()));
    stops.push(() => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(stops.map((s) => s()));
  });

  /** A fresh varnishd with `params`: the download's status, length, and the worker's RSS high-water growth over it. */
  async function download(host: 'web-cache' | 'web-cache-before', withParams: string[]) {
    const varnish = await startVarnish(vcl, { web: addr.web! }, { listen: `${addr[host]}:8080`, storage: 'malloc,16m', params: withParams });
    stops.push(() => varnish.stop());
    try {
      expect((await getLength(`http://${addr[host]}:8080/small`)).status, varnish.output()).toBe(200);
      const worker = varnishWorker(varnish.pid);
      const before = vm(worker, 'VmRSS');
      const got = await getLength(`http://${addr[host]}:8080/download`);
      return { got, growthMiB: Math.round(vm(worker, 'VmHWM') - before) };
    } finally {
      await varnish.stop();
    }
  }

  it('with the generated -p fetch_maxchunksize, 256 MiB passes whole and the worker grows by under 64 MiB, not by the download', async () => {
    expect(params).toContain('fetch_maxchunksize=1m');
    const now = await download('web-cache', params);
    expect(now.got).toEqual({ status: 200, length: SIZE, cache: 'MISS', complete: true });
    expect(now.growthMiB, `the worker's RSS high-water mark grew by ${now.growthMiB} MiB`).toBeLessThan(64);
    // the measure sees the download: without the parameter, the same download takes its whole size
    const before = await download('web-cache-before', params.filter((p) => !p.startsWith('fetch_maxchunksize=')));
    expect(before.got).toEqual({ status: 200, length: SIZE, cache: 'MISS', complete: true });
    expect(before.growthMiB, `without fetch_maxchunksize the worker grew by ${before.growthMiB} MiB`).toBeGreaterThan(192);
  }, 30_000);
});
