// End to end: a proxy ambassador to a host outside the topology follows a DNS change (a managed
// database's failover) without a restart. Before, nginx resolved `server db.prod.example.com:5432`
// once, when it loaded its config, and kept sending to the old address until the pod restarted.
//
// Real nginx, started by the very command line of the generated Deployment (the start-up shell
// that writes the `resolver` line from /etc/resolv.conf, then execs nginx), in a private mount
// namespace whose /etc/resolv.conf names a tiny DNS server of the test's (test/helpers/dns.ts) on
// its own loopback address. The test changes the server's answer from the first backend to the
// second and sends new requests and connections until they reach the second: within the
// resolver's `valid=` (10s) and a margin, nginx untouched. The old config (and command) never
// gets there: run against it, both tests fail at the deadline.
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBinaries } from '../helpers/binaries.js';
import { startDnsServer, type DnsServer } from '../helpers/dns.js';
import { allocateAddresses, httpGet, startHttpBackend, startNginxCommandLine } from '../helpers/proxies.js';
import { containerCommandLine, file, generate, streamModuleGate, TOPOLOGY_HEAD, withStreamModule } from '../patterns/single-node-helpers.js';
import { RESOLVER_VALID } from '../../src/patterns/single-node/upstream-dns.js';

const DB = 'db.prod.example.com';
const API = 'api.example.com';
const topology = `${TOPOLOGY_HEAD}  shop:
    pattern: replicated
    image: ghcr.io/acme/shop:3.1.0
    port: 8080
    ambassadors:
      - { name: db, kind: proxy, listen: 5432, upstream: "${DB}:5432" }
      - { name: api, kind: proxy, protocol: http, listen: 8082, upstream: "${API}:8081" }
`;

/** How long a switch may take: the resolver keeps an answer RESOLVER_VALID, then asks again. */
const SWITCH_DEADLINE_MS = parseInt(RESOLVER_VALID, 10) * 1000 + 5000;

/** A TCP server that says its name and closes. */
function startNamedTcpServer(name: string, ip: string, port: number): Promise<() => Promise<void>> {
  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.end(`${name}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => resolve(() => new Promise((r) => server.close(() => r()))));
  });
}

/** What a new connection to ip:port reads until the server closes it ('' when the proxy closes it at once). */
function readAll(ip: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const s = net.connect({ host: ip, port });
    const timer = setTimeout(() => (s.destroy(), reject(new Error(`timeout reading ${ip}:${port}`))), 10_000);
    s.setEncoding('utf8');
    s.on('data', (d: string) => (text += d));
    s.on('close', () => (clearTimeout(timer), resolve(text)));
    s.on('error', (e) => (clearTimeout(timer), reject(e)));
  });
}

/** Asks `ask` every 250 ms until it answers `want`; the answers on the way and the time it took. */
async function until(want: string, ask: () => Promise<string>): Promise<{ ms: number; seen: string[] }> {
  const start = Date.now();
  const seen: string[] = [];
  for (;;) {
    const got = await ask().catch((e: Error) => `error: ${e.message}`);
    if (seen.at(-1) !== got) seen.push(got);
    if (got === want) return { ms: Date.now() - start, seen };
    if (Date.now() - start > SWITCH_DEADLINE_MS) return { ms: Infinity, seen };
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** What was answered on the way other than either backend (an error, a 502): nothing, for a
 *  switch without a gap. (Each nginx worker keeps answers of its own, so until the last one asks
 *  again a new request may reach the first backend after another reached the second.) */
const onTheWay = (seen: string[]): string[] => seen.filter((s) => s !== 'first' && s !== 'second');

describeWithBinaries(['nginx', 'unshare', 'mount', 'sh'], 'proxy ambassadors to hosts outside the topology follow DNS changes', () => {
  const gate = streamModuleGate();
  const addr = allocateAddresses(['dns', 'first', 'second', 'ambassador']);
  const stops: (() => Promise<void>)[] = [];
  let dns: DnsServer;

  beforeAll(async () => {
    const { files } = await generate(topology);
    dns = await startDnsServer(addr.dns!, { [DB]: addr.first!, [API]: addr.first! }, { port: 53, ttl: 1 });
    stops.push(() => dns.stop());
    for (const name of ['first', 'second'] as const) {
      stops.push(await startNamedTcpServer(name, addr[name]!, 5432));
      const api = await startHttpBackend(addr[name]!, 8081, name);
      stops.push(() => api.stop());
    }
    const resolvConf = `# the pod's, as the kubelet writes it\nsearch shop.svc.cluster.local svc.cluster.local\nnameserver ${addr.dns}\noptions ndots:5\n`;
    const toLogFile = (t: string) => t.replace('/dev/stdout', '/tmp/access.log');
    if (!gate.skip) {
      const tcp = await startNginxCommandLine(file(files, 'nginx/shop-db.conf'), containerCommandLine(files, 'shop', 'db'), resolvConf, {
        rewrite: (t) => withStreamModule(toLogFile(t)).replace('listen 127.0.0.1:5432;', `listen ${addr.ambassador}:5432;`),
      });
      stops.push(() => tcp.stop());
    }
    const api = await startNginxCommandLine(file(files, 'nginx/shop-api.conf'), containerCommandLine(files, 'shop', 'api'), resolvConf, {
      rewrite: (t) => toLogFile(t).replace('listen 127.0.0.1:8082;', `listen ${addr.ambassador}:8082;`),
    });
    stops.push(() => api.stop());
  }, 60_000);

  afterAll(async () => {
    await Promise.all(stops.map((s) => s()));
  });

  it.skipIf(gate.skip)('the TCP proxy: new connections reach the second backend once the name points there', async () => {
    const ask = async () => (await readAll(addr.ambassador!, 5432)).trim();
    expect(await ask()).toBe('first');
    const asked = dns.queries(DB);
    dns.set(DB, addr.second!);
    const r = await until('second', ask);
    expect({ switched: r.ms <= SWITCH_DEADLINE_MS, onTheWay: onTheWay(r.seen) }).toEqual({ switched: true, onTheWay: [] });
    expect(dns.queries(DB)).toBeGreaterThan(asked);
  }, 60_000);

  it('the HTTP proxy: new requests reach the second backend once the name points there, a long-lived one too', async () => {
    const ask = (accept = '*/*') => async () => {
      const res = await httpGet(`http://${addr.ambassador}:8082/v1/rates`, { headers: { accept } });
      return res.status === 200 ? (JSON.parse(res.body) as { backend: string }).backend : `status ${res.status}`;
    };
    expect(await ask()()).toBe('first');
    const asked = dns.queries(API);
    dns.set(API, addr.second!);
    const r = await until('second', ask());
    expect({ switched: r.ms <= SWITCH_DEADLINE_MS, onTheWay: onTheWay(r.seen) }).toEqual({ switched: true, onTheWay: [] });
    expect(dns.queries(API)).toBeGreaterThan(asked);
    // an event stream takes the location @long_lived: the upstream's variable reaches it too
    const stream = await until('second', ask('text/event-stream'));
    expect({ switched: stream.ms <= SWITCH_DEADLINE_MS, onTheWay: onTheWay(stream.seen) }).toEqual({ switched: true, onTheWay: [] });
  }, 60_000);
});
