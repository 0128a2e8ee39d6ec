// End to end: example 09's proxy ambassadors — the TCP one (nginx stream) in front of a real TCP
// server standing in for the database, the HTTP one in front of an HTTP API — each name on its own
// loopback address. Both upstreams are outside the topology: nginx resolves them per connection
// with its own resolver, so they are names of the test's DNS server (test/helpers/dns.ts), which
// /etc/resolv.conf names in the private mount namespace the generated command line runs in (the
// start-up shell writes the `resolver` line from it). That they follow a DNS change:
// test/e2e/proxy-dns.test.ts.
//
// The generated TCP config has no `load_module`: the nginx image ddp runs has the stream module
// built in. Debian's nginx-light loads it as a dynamic module (package libnginx-mod-stream), so this
// test — and only this test — puts `load_module` in front of the config (withStreamModule).
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBinaries } from '../helpers/binaries.js';
import { startDnsServer } from '../helpers/dns.js';
import { allocateAddresses, httpGet, startHttpBackend, startNginxCommandLine, type Running } from '../helpers/proxies.js';
import { renderExample } from '../examples.js';
import { containerCommandLine, file, generate, streamModuleGate, TOPOLOGY_HEAD, withStreamModule } from '../patterns/single-node-helpers.js';

/** The pod's /etc/resolv.conf, its nameserver the test's DNS server. */
const resolvConf = (dns: string) => `search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver ${dns}\noptions ndots:5\n`;
/** The access log to a file in the container's /tmp (the test's stdout is a socket nginx cannot open). */
const toLogFile = (conf: string) => conf.replace('/dev/stdout', '/tmp/access.log');

const GREETING = 'db: hello\n';

/** A TCP server that speaks first (server → client), then answers every byte XOR 0xff — so what
 *  comes back was produced by the server, not looped back by the proxy. */
function startTcpServer(ip: string, port: number): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.write(GREETING);
    socket.on('data', (d: Buffer) => socket.write(Buffer.from(d.map((b) => b ^ 0xff))));
    socket.on('error', () => socket.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => resolve(server));
  });
}

/** Connects, reads the greeting, sends `payload`, collects GREETING + payload.length bytes; then closes. */
function exchange(ip: string, port: number, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect({ host: ip, port });
    const timer = setTimeout(() => (s.destroy(), reject(new Error('timeout'))), 20_000);
    let sent = false;
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      const all = Buffer.concat(chunks);
      if (!sent && all.length >= GREETING.length) {
        sent = true;
        s.write(payload);
      }
      if (all.length >= GREETING.length + payload.length) {
        clearTimeout(timer);
        s.end();
        resolve(all);
      }
    });
    s.on('error', (e) => (clearTimeout(timer), reject(e)));
  });
}

describeWithBinaries(['nginx', 'unshare', 'mount'], 'proxy ambassadors (example 09) on loopback', () => {
  const gate = streamModuleGate();
  const addr = allocateAddresses(['db.prod.example.com', 'payments.example.com', 'ambassador', 'dns']);
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const files = await renderExample('09-ambassadors');
    const dns = await startDnsServer(addr.dns!, { 'db.prod.example.com': addr['db.prod.example.com']!, 'payments.example.com': addr['payments.example.com']! }, { port: 53 });
    stops.push(() => dns.stop());
    const db = await startTcpServer(addr['db.prod.example.com']!, 5432);
    stops.push(() => new Promise((r) => db.close(() => r())));
    const payments = await startHttpBackend(addr['payments.example.com']!, 80, 'payments');
    stops.push(() => payments.stop());
    if (!gate.skip) {
      const tcp: Running = await startNginxCommandLine(file(files, 'nginx/shop-db.conf'), containerCommandLine(files, 'shop', 'db'), resolvConf(addr.dns!), {
        rewrite: (t) => withStreamModule(toLogFile(t)).replace('listen 127.0.0.1:5432;', `listen ${addr.ambassador}:5432;`),
      });
      stops.push(() => tcp.stop());
    }
    const httpProxy: Running = await startNginxCommandLine(file(files, 'nginx/shop-payments.conf'), containerCommandLine(files, 'shop', 'payments'), resolvConf(addr.dns!), {
      rewrite: (t) => toLogFile(t).replace('listen 127.0.0.1:8082;', `listen ${addr.ambassador}:8082;`),
    });
    stops.push(() => httpProxy.stop());
  }, 60_000);

  afterAll(async () => {
    await Promise.all(stops.map((s) => s()));
  });

  it.skipIf(gate.skip)('the TCP proxy passes bytes both ways: the server speaks first, then answers 1 MiB', async () => {
    const payload = randomBytes(1 << 20);
    const reply = await exchange(addr.ambassador!, 5432, payload);
    expect(reply.subarray(0, GREETING.length).toString()).toBe(GREETING);
    expect(reply.subarray(GREETING.length).equals(Buffer.from(payload.map((b) => b ^ 0xff)))).toBe(true);
    // several clients at once each get their own upstream connection
    const replies = await Promise.all([1, 2, 3].map((n) => exchange(addr.ambassador!, 5432, Buffer.from(`client ${n}`))));
    expect(replies.map((r) => Buffer.from(r.subarray(GREETING.length).map((b) => b ^ 0xff)).toString())).toEqual(['client 1', 'client 2', 'client 3']);
  }, 60_000);

  it('the HTTP proxy forwards to the upstream with its Host header', async () => {
    const r = await httpGet(`http://${addr.ambassador}:8082/charge?id=7`, { method: 'GET' });
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body) as { backend: string; url: string; headers: Record<string, string> };
    expect([body.backend, body.url, body.headers.host]).toEqual(['payments', '/charge?id=7', 'payments.example.com']);
  });
});

describeWithBinaries(['nginx', 'unshare', 'mount'], 'an HTTP proxy ambassador to an upstream on another port than 80', () => {
  const addr = allocateAddresses(['api.example.com', 'ambassador', 'dns']);
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const topology = `${TOPOLOGY_HEAD}  shop:\n    pattern: replicated\n    image: ghcr.io/acme/shop:3.1.0\n    port: 8080\n    ambassadors:\n      - { name: api, kind: proxy, protocol: http, listen: 8082, upstream: "api.example.com:8081" }\n`;
    const { files } = await generate(topology);
    const dns = await startDnsServer(addr.dns!, { 'api.example.com': addr['api.example.com']! }, { port: 53 });
    stops.push(() => dns.stop());
    const api = await startHttpBackend(addr['api.example.com']!, 8081, 'api');
    stops.push(() => api.stop());
    const proxy = await startNginxCommandLine(file(files, 'nginx/shop-api.conf'), containerCommandLine(files, 'shop', 'api'), resolvConf(addr.dns!), {
      rewrite: (t) => toLogFile(t).replace('listen 127.0.0.1:8082;', `listen ${addr.ambassador}:8082;`),
    });
    stops.push(() => proxy.stop());
  }, 60_000);

  afterAll(async () => {
    await Promise.all(stops.map((s) => s()));
  });

  it('sends Host with the port, as a client of that upstream would (RFC 9110: the port goes with any but the default one)', async () => {
    const r = await httpGet(`http://${addr.ambassador}:8082/v1/rates`, { method: 'GET' });
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body) as { backend: string; url: string; headers: Record<string, string> };
    expect([body.backend, body.url, body.headers.host]).toEqual(['api', '/v1/rates', 'api.example.com:8081']);
  });
});
