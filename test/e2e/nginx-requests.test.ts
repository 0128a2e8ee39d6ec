// End to end: a request passes ddp's nginx as the app behind it would take it directly.
//  - A body of any size, streamed: the app decides what it takes. nginx's own default
//    (client_max_body_size 1m) answered 413 to a 2 MiB PUT that the shard itself accepted; and a
//    body nginx buffers goes to a file in /tmp, an emptyDir on the node's disk, before the app
//    sees a byte of it.
//  - The Host header as the client sent it, port included: `$host` dropped the port, so an app
//    that builds an absolute URL (a redirect) from Host sent its client to another port -- e.g.
//    compose, which publishes the TLS layer on localhost:8443.
// Real nginx on loopback, names through a private hosts file.
import http from 'node:http';
import https from 'node:https';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { join } from 'node:path';
import { describeWithBinaries } from '../helpers/binaries.js';
import { allocateAddresses, makeTempDir, selfSignedCert, startNginx, type Running } from '../helpers/proxies.js';
import { file, generate, TOPOLOGY_HEAD } from '../patterns/single-node-helpers.js';

const BODY = Buffer.alloc(2 * 1024 * 1024 + 1, 0x61); // 2 MiB and a byte

/** An HTTP server answering every request with the number of body bytes it received (x-got) and its Host (x-host). */
function startCounter(ip: string, port: number): Promise<() => Promise<void>> {
  const server = http.createServer((req, res) => {
    let n = 0;
    req.on('data', (d: Buffer) => (n += d.length));
    req.on('end', () => res.writeHead(200, { 'x-got': String(n), 'x-host': req.headers.host ?? '(none)', 'content-length': '0' }).end());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => resolve(() => new Promise((r) => server.close(() => r()))));
  });
}

/** PUT BODY; the status and what the backend says it received. */
function put(url: string, ca?: string): Promise<{ status: number; got: string | undefined }> {
  const lib = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method: 'PUT', agent: false, headers: { 'content-length': BODY.length }, ...(ca ? { ca, servername: 'shop.example.com' } : {}) }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, got: res.headers['x-got'] as string | undefined }));
    });
    req.on('error', reject);
    req.end(BODY);
  });
}

/** GET with this Host header; the Host the backend saw. */
function hostSeen(url: string, host: string, ca?: string): Promise<string | undefined> {
  const lib = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { agent: false, headers: { host }, ...(ca ? { ca, servername: 'shop.example.com' } : {}) }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.headers['x-host'] as string | undefined));
    });
    req.on('error', reject);
    req.end();
  });
}

describeWithBinaries(['nginx', 'openssl', 'unshare', 'mount'], "requests through ddp's nginx", () => {
  const addr = allocateAddresses(['store-0', 'store-1', 'router', 'web', 'web-tls']);
  const stops: (() => Promise<void>)[] = [];
  const proxies: Running[] = [];
  let ca = '';

  beforeAll(async () => {
    const topology = `${TOPOLOGY_HEAD}  store:\n    pattern: sharded\n    image: ghcr.io/acme/store:1.0.0\n    port: 8080\n    shards: 2\n  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.0.0\n    port: 8080\n    tls: { secret: web-tls }\n`;
    const files = (await generate(topology)).files;
    for (const h of ['store-0', 'store-1', 'web']) stops.push(await startCounter(addr[h]!, 8080));
    const pathMap = { '/tmp/': 'tmp/', '/dev/stdout': 'logs/access.log' };
    const router: Running = await startNginx(file(files, 'nginx/store-router.conf'), { 'store-0': addr['store-0']!, 'store-1': addr['store-1']! }, {
      pathMap,
      rewrite: (t) => t.replace('listen 8080;', `listen ${addr.router}:8080;`),
    });
    stops.push(() => router.stop());
    proxies.push(router);
    const cert = await selfSignedCert(join(makeTempDir('bodies-tls'), 'cert'), 'shop.example.com');
    ca = cert.cert;
    const tls: Running = await startNginx(file(files, 'nginx/web-tls.conf'), { web: addr.web! }, {
      files: { '/etc/ddp-tls/tls.crt': cert.cert, '/etc/ddp-tls/tls.key': cert.key },
      pathMap,
      rewrite: (t) => t.replace('listen 8443 ssl;', `listen ${addr['web-tls']}:8443 ssl;`),
    });
    stops.push(() => tls.stop());
    proxies.push(tls);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(stops.map((s) => s()));
  });

  it('the shard router passes a 2 MiB PUT to the shard', async () => {
    expect(await put(`http://${addr.router}:8080/objects/a`)).toEqual({ status: 200, got: String(BODY.length) });
  });

  it('the TLS layer passes a 2 MiB PUT to the replicas', async () => {
    expect(await put(`https://${addr['web-tls']}:8443/upload`, ca)).toEqual({ status: 200, got: String(BODY.length) });
  });

  it('a body streams to the app: nginx never spools it to a file in /tmp (an emptyDir on the node\'s disk)', async () => {
    expect(await put(`http://${addr.router}:8080/objects/b`)).toEqual({ status: 200, got: String(BODY.length) });
    for (const p of proxies) expect(p.output()).not.toContain('a client request body is buffered to a temporary file');
  });

  it('the shard router and the TLS layer send Host on as the client sent it, port and all', async () => {
    expect(await hostSeen(`http://${addr.router}:8080/a`, 'store-router:8080')).toBe('store-router:8080');
    expect(await hostSeen(`https://${addr['web-tls']}:8443/a`, 'localhost:8443', ca)).toBe('localhost:8443');
    expect(await hostSeen(`https://${addr['web-tls']}:8443/a`, 'shop.example.com', ca)).toBe('shop.example.com');
  });
});
