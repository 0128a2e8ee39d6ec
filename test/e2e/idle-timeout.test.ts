// End to end: long-lived connections -- a WebSocket (any connection upgrade), an event stream, a
// tcp router's connections -- through ddp's proxies live as long as the service's `idleTimeout`
// lets them stay silent, not as long as an ordinary request may. Before, nginx closed an idle
// WebSocket after its 60s proxy_read_timeout and varnish after its 60s pipe_timeout (reproduced
// with the real binaries: every path closed at 60.06s).
//
// No test idles a minute: the ordinary timeouts are shortened to 1s here -- nginx's
// proxy_read_timeout/proxy_send_timeout put in its `http` block, varnishd's pipe_timeout and
// between_bytes_timeout given before the generated command line's own `-p` (a later one wins) --
// and the services' idleTimeout is 3s. A connection that survives 2s of silence does not run on
// the ordinary timeouts; one that then closes 3s after its last byte runs on idleTimeout.
// Real nginx and varnishd on loopback, started with the generated configs and, for varnishd, the
// `-p` parameters of the generated Kubernetes Deployment.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBinaries } from '../helpers/binaries.js';
import { allocateAddresses, makeTempDir, selfSignedCert, startNginx, startVarnish, type Running } from '../helpers/proxies.js';
import { file, generate, kubeObject, streamModuleGate, TOPOLOGY_HEAD, withStreamModule } from '../patterns/single-node-helpers.js';
import type { OutputFile } from '../../src/output/files.js';

const IDLE_S = 3; // the services' idleTimeout
const SILENCE_MS = 2000; // longer than the ordinary 1s, shorter than idleTimeout
/** The ordinary timeouts, shortened from 60s (see the top of the file). */
const SHORT_NGINX = (conf: string) => conf.replace(/^http \{$/m, 'http {\n    proxy_read_timeout 1s;\n    proxy_send_timeout 1s;');
const SHORT_VARNISH = ['pipe_timeout=1', 'between_bytes_timeout=1'];

const topology = `${TOPOLOGY_HEAD}  chat:
    pattern: sharded
    image: ghcr.io/acme/chat:1.0.0
    port: 8080
    shards: 2
    idleTimeout: ${IDLE_S}s
  room:
    pattern: sharded
    image: ghcr.io/acme/room:1.0.0
    port: 8080
    shards: 2
    key: header:X-Room
    router: { kind: varnish }
    idleTimeout: ${IDLE_S}s
  web:
    pattern: replicated
    image: ghcr.io/acme/web:1.0.0
    port: 8080
    replicas: 1
    cache: {}
    tls: { secret: web-tls }
    idleTimeout: ${IDLE_S}s
  line:
    pattern: sharded
    protocol: tcp
    image: ghcr.io/acme/line:1.0.0
    port: 7000
    shards: 2
    idleTimeout: ${IDLE_S}s
`;

/** An app named `name` (its X-App header): an upgrade gets 101 and its bytes echoed upper-cased;
 *  /events is an event stream with 2s of silence between its two events; /slow answers after 2s;
 *  /teapot is the app's own 418; anything else 426 (Upgrade Required). */
function startApp(name: string, ip: string, port: number): Promise<() => Promise<void>> {
  const server = http.createServer((req, res) => {
    if (req.url === '/slow') return void setTimeout(() => res.end('slow\n'), SILENCE_MS);
    if (req.url === '/teapot') return void res.writeHead(418, { 'content-type': 'text/plain' }).end('the app is a teapot\n');
    if (req.url === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('data: first\n\n');
      return void setTimeout(() => res.end('data: second\n\n'), SILENCE_MS);
    }
    res.writeHead(426, { 'content-length': '0', 'x-app': name }).end();
  });
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex) => {
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\nX-App: ${name}\r\n\r\n`);
    socket.on('data', (d: Buffer) => socket.write(d.toString().toUpperCase()));
    socket.on('error', () => socket.destroy());
  });
  return listening(server, ip, port, upgraded);
}

/** A tcp shard: echoes every byte upper-cased. */
function startTcpShard(ip: string, port: number): Promise<() => Promise<void>> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (d: Buffer) => socket.write(d.toString().toUpperCase()));
    socket.on('error', () => socket.destroy());
  });
  return listening(server, ip, port, sockets);
}

function listening(server: net.Server, ip: string, port: number, open: Set<Duplex>): Promise<() => Promise<void>> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () =>
      resolve(() => new Promise((r) => {
        for (const s of open) s.destroy();
        if (server instanceof http.Server) server.closeAllConnections();
        server.close(() => r());
      })),
    );
  });
}

/** A connection that answers each write with its echo, and says when it closed. */
interface Conn {
  /** The X-App header of the 101 (an upgraded connection). */
  app?: string;
  echo(text: string): Promise<string>;
  /** Seconds from now until the proxy closes the connection (rejects after 10s). */
  closesIn(): Promise<number>;
  destroy(): void;
}

function conn(socket: Duplex, first = '', app?: string): Conn {
  let buffered = first;
  let waiter: ((s: string) => void) | undefined;
  let closed = false;
  const onClose: (() => void)[] = [];
  socket.on('data', (d: Buffer) => {
    buffered += d.toString();
    waiter?.(buffered);
  });
  socket.on('close', () => ((closed = true), onClose.forEach((f) => f())));
  socket.on('error', () => undefined);
  return {
    app,
    echo: (text) =>
      new Promise((resolve, reject) => {
        if (closed) return reject(new Error('closed before the write'));
        buffered = '';
        const timer = setTimeout(() => reject(new Error('no echo')), 5000);
        onClose.push(() => (clearTimeout(timer), reject(new Error(`closed, got ${JSON.stringify(buffered)}`))));
        waiter = (s) => s.length >= text.length && (clearTimeout(timer), resolve(s));
        socket.write(text);
      }),
    closesIn: () =>
      new Promise((resolve, reject) => {
        const t0 = Date.now();
        if (closed) return resolve(0);
        const timer = setTimeout(() => reject(new Error('still open after 10s')), 10_000);
        onClose.push(() => (clearTimeout(timer), resolve((Date.now() - t0) / 1000)));
      }),
    destroy: () => socket.destroy(),
  };
}

/** An upgraded connection through `url` (101 expected). */
function upgrade(url: string, ca?: string): Promise<Conn> {
  const lib = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { agent: false, headers: { connection: 'Upgrade', upgrade: 'websocket' }, ...(ca ? { ca, servername: 'shop.example.com' } : {}) });
    req.on('upgrade', (res, socket, head) => (res.statusCode === 101 ? resolve(conn(socket, head.toString(), res.headers['x-app'] as string)) : reject(new Error(`status ${res.statusCode}`))));
    req.on('response', (res) => (res.resume(), reject(new Error(`no upgrade: ${res.statusCode}`))));
    req.on('error', reject);
    req.end();
  });
}

function tcpConnect(ip: string, port: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: ip, port }, () => resolve(conn(s)));
    s.once('error', reject);
  });
}

/** Idles SILENCE_MS, echoes (alive past the ordinary timeout), then times the close (idleTimeout). */
async function idleThenClose(c: Conn): Promise<{ echoAfterSilence: string; closedAfter: number }> {
  expect(await c.echo('hello')).toBe('HELLO');
  await new Promise((r) => setTimeout(r, SILENCE_MS));
  const echoAfterSilence = await c.echo('still there');
  const closedAfter = await c.closesIn();
  c.destroy();
  return { echoAfterSilence, closedAfter };
}

/** A GET read to its end, or to where the proxy cut it (`app`: the X-App header). */
function read(url: string, headers: Record<string, string> = {}, ca?: string): Promise<{ status: number; body: string; complete: boolean; app?: string }> {
  const lib = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { agent: false, headers, ...(ca ? { ca, servername: 'shop.example.com' } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, complete: res.complete, ...(res.headers['x-app'] ? { app: res.headers['x-app'] as string } : {}) }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body, complete: false }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

/** The `-p` parameters of a generated varnishd command line (a Kubernetes Deployment's container). */
function varnishParams(files: OutputFile[], deployment: string): string[] {
  const args = kubeObject(files, 'Deployment', deployment).spec.template.spec.containers[0].args as string[];
  return args.flatMap((a, i) => (args[i - 1] === '-p' ? [a] : []));
}

/** Alive after SILENCE_MS of silence, closed about idleTimeout after the last byte. */
function expectIdleTimeout(r: { echoAfterSilence: string; closedAfter: number }): void {
  expect(r.echoAfterSilence).toBe('STILL THERE');
  expect(r.closedAfter, `closed ${r.closedAfter}s after the last byte`).toBeGreaterThanOrEqual(IDLE_S - 0.3);
  expect(r.closedAfter, `closed ${r.closedAfter}s after the last byte`).toBeLessThanOrEqual(IDLE_S + 1.5);
}

describeWithBinaries(['nginx', 'varnishd', 'cc', 'openssl', 'unshare', 'mount'], "long-lived connections through ddp's proxies live for idleTimeout", () => {
  const gate = streamModuleGate();
  const addr = allocateAddresses(['chat-0', 'chat-1', 'router', 'room-0', 'room-1', 'room-router', 'web', 'web-cache', 'web-tls', 'line-0', 'line-1', 'line-router']);
  const stops: (() => Promise<void>)[] = [];
  const params: Record<string, string[]> = {};
  let ca = '';

  beforeAll(async () => {
    const files = (await generate(topology)).files;
    params.cache = varnishParams(files, 'web-cache');
    params.room = varnishParams(files, 'room-router');
    for (const h of ['chat-0', 'chat-1', 'room-0', 'room-1', 'web']) stops.push(await startApp(h, addr[h]!, 8080));
    for (const h of ['line-0', 'line-1']) stops.push(await startTcpShard(addr[h]!, 7000));
    const pathMap = { '/tmp/': 'tmp/', '/dev/stdout': 'logs/access.log' };
    const router: Running = await startNginx(file(files, 'nginx/chat-router.conf'), { 'chat-0': addr['chat-0']!, 'chat-1': addr['chat-1']! }, {
      pathMap,
      rewrite: (t) => SHORT_NGINX(t).replace('listen 8080;', `listen ${addr.router}:8080;`),
    });
    stops.push(() => router.stop());
    const room = await startVarnish(file(files, 'varnish/room-router.vcl'), { 'room-0': addr['room-0']!, 'room-1': addr['room-1']! }, { listen: `${addr['room-router']}:8080`, params: [...SHORT_VARNISH, ...params.room] });
    stops.push(() => room.stop());
    const cache = await startVarnish(file(files, 'varnish/web-cache.vcl'), { web: addr.web! }, { listen: `${addr['web-cache']}:8080`, params: [...SHORT_VARNISH, ...params.cache] });
    stops.push(() => cache.stop());
    const cert = await selfSignedCert(join(makeTempDir('idle-tls'), 'cert'), 'shop.example.com');
    ca = cert.cert;
    const tls: Running = await startNginx(file(files, 'nginx/web-tls.conf'), { 'web-cache': addr['web-cache']! }, {
      files: { '/etc/ddp-tls/tls.crt': cert.cert, '/etc/ddp-tls/tls.key': cert.key },
      pathMap,
      rewrite: (t) => SHORT_NGINX(t).replace('listen 8443 ssl;', `listen ${addr['web-tls']}:8443 ssl;`),
    });
    stops.push(() => tls.stop());
    if (!gate.skip) {
      const line: Running = await startNginx(withStreamModule(file(files, 'nginx/line-router.conf')), { 'line-0': addr['line-0']!, 'line-1': addr['line-1']! }, {
        pathMap,
        rewrite: (t) => t.replace('listen 7000;', `listen ${addr['line-router']}:7000;`),
      });
      stops.push(() => line.stop());
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(stops.map((s) => s()));
  });

  it('varnishd runs with the pipe timeout of idleTimeout, on the generated command line', () => {
    expect(params).toEqual({ cache: ['fetch_maxchunksize=1m', 'pipe_timeout=3'], room: ['fetch_maxchunksize=1m', 'pipe_timeout=3'] });
  });

  it.concurrent("the nginx router: an idle WebSocket outlives the ordinary timeout, and closes at idleTimeout, on its key's shard; the app's own 418 still reaches the client", async () => {
    expectIdleTimeout(await idleThenClose(await upgrade(`http://${addr.router}:8080/socket`)));
    // @long_lived hashes the same $request_uri over the same shards as location /: each URI's
    // WebSocket lands where its plain requests do
    const uris = Array.from({ length: 8 }, (_, i) => `http://${addr.router}:8080/room/${i}`);
    const upgraded = await Promise.all(uris.map(async (u) => { const c = await upgrade(u); c.destroy(); return c.app; }));
    const plain = await Promise.all(uris.map(async (u) => (await read(u)).app));
    expect(upgraded).toEqual(plain);
    expect(new Set(plain)).toEqual(new Set(['chat-0', 'chat-1']));
    // (nginx's own 418 only sends a long-lived request to @long_lived)
    expect(await read(`http://${addr.router}:8080/teapot`)).toEqual({ status: 418, body: 'the app is a teapot\n', complete: true });
  });

  it.concurrent('the varnish router (a pipe)', async () => {
    expectIdleTimeout(await idleThenClose(await upgrade(`http://${addr['room-router']}:8080/socket`)));
  });

  it.concurrent('the varnish cache layer (a pipe)', async () => {
    expectIdleTimeout(await idleThenClose(await upgrade(`http://${addr['web-cache']}:8080/socket`)));
  });

  it.concurrent('the TLS layer, then the cache layer', async () => {
    expectIdleTimeout(await idleThenClose(await upgrade(`https://${addr['web-tls']}:8443/socket`, ca)));
  });

  it.skipIf(gate.skip).concurrent('the tcp router (nginx stream): every connection, at idleTimeout', async () => {
    expectIdleTimeout(await idleThenClose(await tcpConnect(addr['line-router']!, 7000)));
  });

  it.concurrent('an event stream (Accept: text/event-stream) is long-lived too: nginx, varnish, and both; an ordinary request is not', async () => {
    const events = { accept: 'text/event-stream' };
    const whole = { status: 200, body: 'data: first\n\ndata: second\n\n', complete: true };
    const [router, room, cache, tls, plain, slow] = await Promise.all([
      read(`http://${addr.router}:8080/events`, events),
      read(`http://${addr['room-router']}:8080/events`, events),
      read(`http://${addr['web-cache']}:8080/events`, events),
      read(`https://${addr['web-tls']}:8443/events`, events, ca),
      read(`http://${addr.router}:8080/events`), // the same stream, not asked for as one
      read(`http://${addr.router}:8080/slow`),
    ]);
    expect({ router, room, cache, tls }).toEqual({ router: whole, room: whole, cache: whole, tls: whole });
    // the ordinary timeout (1s here) still holds for every other request
    expect(plain).toEqual({ status: 200, body: 'data: first\n\n', complete: false });
    expect(slow.status).toBe(504);
  });
});
