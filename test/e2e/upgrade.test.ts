// End to end: a connection upgrade (WebSocket) passes ddp's proxies -- nginx (a shard router, the
// TLS layer in front of a varnish cache layer) and varnish (a shard router, the cache layer: both
// pipe it). The
// proxies dropped `Upgrade` and `Connection`, so the app saw a plain GET and no WebSocket ever
// opened. Real nginx and varnishd on loopback; the backend answers 101 and then echoes bytes.
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBinaries } from '../helpers/binaries.js';
import { allocateAddresses, makeTempDir, selfSignedCert, startNginx, startVarnish, type Running } from '../helpers/proxies.js';
import { file, generate, TOPOLOGY_HEAD } from '../patterns/single-node-helpers.js';

/** Answers an upgrade with 101 and echoes every byte back upper-cased (so the echo is the server's); a plain request with 426. */
function startUpgradeServer(ip: string, port: number): Promise<() => Promise<void>> {
  const server = http.createServer((_req, res) => res.writeHead(426, { 'content-length': '0' }).end());
  const upgraded = new Set<Duplex>(); // the server lets go of an upgraded socket: closed here
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex) => {
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\n\r\n`);
    socket.on('data', (d: Buffer) => socket.write(d.toString().toUpperCase()));
    socket.on('error', () => socket.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => resolve(() => new Promise((r) => {
      for (const socket of upgraded) socket.destroy();
      server.closeAllConnections();
      server.close(() => r());
    })));
  });
}

/** Upgrades a request to `url`, sends `hello`, returns the status and what came back. */
function upgrade(url: string, ca?: string): Promise<{ status: number; echo: string }> {
  const lib = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), 10_000);
    const req = lib.request(url, { agent: false, headers: { connection: 'Upgrade', upgrade: 'websocket' }, ...(ca ? { ca, servername: 'shop.example.com' } : {}) });
    req.on('upgrade', (res, socket) => {
      socket.once('data', (d: Buffer) => {
        clearTimeout(timer);
        socket.destroy();
        resolve({ status: res.statusCode ?? 0, echo: d.toString() });
      });
      socket.write('hello');
    });
    req.on('response', (res) => {
      clearTimeout(timer);
      res.resume();
      resolve({ status: res.statusCode ?? 0, echo: '' });
    });
    req.on('error', (e) => (clearTimeout(timer), reject(e)));
    req.end();
  });
}

describeWithBinaries(['nginx', 'varnishd', 'cc', 'openssl', 'unshare', 'mount'], "a WebSocket upgrade through ddp's proxies", () => {
  const addr = allocateAddresses(['chat-0', 'chat-1', 'router', 'room-0', 'room-1', 'room-router', 'web', 'web-cache', 'web-tls']);
  const stops: (() => Promise<void>)[] = [];
  let ca = '';

  beforeAll(async () => {
    const topology = `${TOPOLOGY_HEAD}  chat:\n    pattern: sharded\n    image: ghcr.io/acme/chat:1.0.0\n    port: 8080\n    shards: 2\n  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.0.0\n    port: 8080\n    replicas: 1\n    cache: {}\n    tls: { secret: web-tls }\n  room:\n    pattern: sharded\n    image: ghcr.io/acme/room:1.0.0\n    port: 8080\n    shards: 2\n    key: header:X-Room\n    router: { kind: varnish }\n`;
    const files = (await generate(topology)).files;
    for (const h of ['chat-0', 'chat-1', 'room-0', 'room-1', 'web']) stops.push(await startUpgradeServer(addr[h]!, 8080));
    const pathMap = { '/tmp/': 'tmp/', '/dev/stdout': 'logs/access.log' };
    const router: Running = await startNginx(file(files, 'nginx/chat-router.conf'), { 'chat-0': addr['chat-0']!, 'chat-1': addr['chat-1']! }, {
      pathMap,
      rewrite: (t) => t.replace('listen 8080;', `listen ${addr.router}:8080;`),
    });
    stops.push(() => router.stop());
    const roomRouter = await startVarnish(file(files, 'varnish/room-router.vcl'), { 'room-0': addr['room-0']!, 'room-1': addr['room-1']! }, { listen: `${addr['room-router']}:8080` });
    stops.push(() => roomRouter.stop());
    const cache = await startVarnish(file(files, 'varnish/web-cache.vcl'), { web: addr.web! }, { listen: `${addr['web-cache']}:8080` });
    stops.push(() => cache.stop());
    const cert = await selfSignedCert(join(makeTempDir('upgrade-tls'), 'cert'), 'shop.example.com');
    ca = cert.cert;
    const tls: Running = await startNginx(file(files, 'nginx/web-tls.conf'), { 'web-cache': addr['web-cache']! }, {
      files: { '/etc/ddp-tls/tls.crt': cert.cert, '/etc/ddp-tls/tls.key': cert.key },
      pathMap,
      rewrite: (t) => t.replace('listen 8443 ssl;', `listen ${addr['web-tls']}:8443 ssl;`),
    });
    stops.push(() => tls.stop());
  }, 60_000);

  afterAll(async () => {
    await Promise.all(stops.map((s) => s()));
  });

  it('the nginx shard router', async () => {
    expect(await upgrade(`http://${addr.router}:8080/socket`)).toEqual({ status: 101, echo: 'HELLO' });
  });

  it('the varnish shard router', async () => {
    expect(await upgrade(`http://${addr['room-router']}:8080/socket`)).toEqual({ status: 101, echo: 'HELLO' });
  });

  it('the varnish cache layer', async () => {
    expect(await upgrade(`http://${addr['web-cache']}:8080/socket`)).toEqual({ status: 101, echo: 'HELLO' });
  });

  it('the TLS layer, then the cache layer', async () => {
    expect(await upgrade(`https://${addr['web-tls']}:8443/socket`, ca)).toEqual({ status: 101, echo: 'HELLO' });
  });
});
