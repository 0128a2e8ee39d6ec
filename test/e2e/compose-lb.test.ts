// End to end: compose's load balancer (nginx/<name>-lb.conf) stands in for the Kubernetes Service
// on every port the Service serves, not only the main one. A replicated service with a cache (so
// compose runs the load balancer) declares a second TCP port (admin, 9000) and a UDP port (dns,
// 5353), and has a prometheus adapter (9121), which compose runs beside one replica only. Another
// service reaches `web:9000` through a proxy ambassador: the upstream validate accepts because the
// Service serves it, and which, before the load balancer listened there, compose refused.
//
//   client ──▶ ambassador api-admin (web:9000) ──▶ lb `web` :9000 (stream) ──▶ web-replica ×3 :9000
//   client ──▶ lb `web` :8080 (http) / :5353 (udp) / :9121 (stream) ──▶ web-replica ×3
//
// Each name has its own loopback address through a private hosts file; `web-replica` has three, as
// compose's DNS gives the three replicas. The only text changed in the generated configs is the
// listen address (the test's own instead of every address, or 127.0.0.1 for the ambassador).
import dgram from 'node:dgram';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBinaries } from '../helpers/binaries.js';
import { allocateAddresses, httpGet, startHttpBackend, startNginx, type HttpBackend } from '../helpers/proxies.js';
import { file, generate, streamModuleGate, TOPOLOGY_HEAD, withStreamModule } from '../patterns/single-node-helpers.js';

const TOPOLOGY =
  TOPOLOGY_HEAD +
  '  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.4.2\n' +
  '    ports:\n      - { name: http, port: 8080, protocol: TCP }\n      - { name: admin, port: 9000, protocol: TCP }\n      - { name: dns, port: 5353, protocol: UDP }\n' +
  '    replicas: 3\n    cache: { replicas: 1 }\n' +
  '    adapters:\n      - { name: metrics, kind: prometheus, image: "oliver006/redis_exporter:v1.62.0", port: 9121 }\n' +
  '  api:\n    pattern: replicated\n    image: ghcr.io/acme/api:1.0.0\n    port: 8080\n    replicas: 1\n' +
  '    ambassadors:\n      - { name: admin, kind: proxy, protocol: http, listen: 7000, upstream: "web:9000" }\n';

/** A UDP server on ip:port answering each datagram with `<name> <datagram>`. */
function startUdpEcho(ip: string, port: number, name: string): Promise<{ stop: () => Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, from) => socket.send(`${name} ${msg.toString()}`, from.port, from.address));
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, ip, () => resolve({ stop: () => new Promise((r) => socket.close(() => r())) }));
  });
}

/** Sends one datagram from a fresh socket and waits for the answer. */
function udpAsk(ip: string, port: number, text: string, timeoutMs = 5000): Promise<string> {
  const socket = dgram.createSocket('udp4');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (socket.close(), reject(new Error(`no UDP answer from ${ip}:${port}`))), timeoutMs);
    socket.on('message', (msg) => (clearTimeout(timer), socket.close(), resolve(msg.toString())));
    socket.on('error', (e) => (clearTimeout(timer), socket.close(), reject(e)));
    socket.send(text, port, ip);
  });
}

describeWithBinaries(['nginx', 'unshare', 'mount'], "compose's load balancer serves every port of the Service", () => {
  const gate = streamModuleGate();
  const replicas = ['replica-0', 'replica-1', 'replica-2'];
  const addr = allocateAddresses(['web', 'ambassador', ...replicas]);
  const stops: (() => Promise<void>)[] = [];
  const admin: HttpBackend[] = [];
  const metrics: HttpBackend[] = [];
  const pathMap = { '/tmp/': 'tmp/', '/dev/stdout': 'logs/access.log' };

  beforeAll(async () => {
    if (gate.skip) return;
    const { files } = await generate(TOPOLOGY);
    const lb = file(files, 'nginx/web-lb.conf');
    for (const [i, r] of replicas.entries()) {
      const ip = addr[r]!;
      const main = await startHttpBackend(ip, 8080, `${r} http`);
      admin.push(await startHttpBackend(ip, 9000, `${r} admin`));
      const dns = await startUdpEcho(ip, 5353, r);
      stops.push(() => main.stop(), () => admin[i]!.stop(), () => dns.stop());
    }
    // the adapter runs beside one replica only in compose: the others refuse its port
    metrics.push(await startHttpBackend(addr['replica-1']!, 9121, 'replica-1 metrics'));
    stops.push(() => metrics[0]!.stop());

    const balancer = await startNginx(withStreamModule(lb), { 'web-replica': replicas.map((r) => addr[r]!) }, {
      pathMap,
      rewrite: (t) => t.replace(/^(\s*listen )(\d+)/gm, `$1${addr.web}:$2`),
      waitFor: [8080, 9000, 9121].map((p) => `${addr.web}:${p}`),
    });
    stops.push(() => balancer.stop());
    const ambassador = await startNginx(file(files, 'nginx/api-admin.conf'), { web: addr.web! }, {
      pathMap,
      rewrite: (t) => t.replace('listen 127.0.0.1:7000;', `listen ${addr.ambassador}:7000;`),
    });
    stops.push(() => ambassador.stop());
  }, 60_000);

  afterAll(async () => {
    await Promise.all(stops.map((s) => s()));
  });

  it.skipIf(gate.skip)('a request to the second port reaches a replica on that port, and the requests spread over the replicas', async () => {
    const responses = await Promise.all(Array.from({ length: 9 }, (_, i) => httpGet(`http://${addr.web}:9000/admin/${i}`)));
    for (const [i, r] of responses.entries()) {
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toMatchObject({ url: `/admin/${i}` });
      expect(r.headers['x-backend']).toMatch(/^replica-\d admin$/);
    }
    expect(new Set(responses.map((r) => r.headers['x-backend'])).size).toBeGreaterThan(1);
    expect(admin.reduce((n, b) => n + b.requests.length, 0)).toBe(9);
  });

  it.skipIf(gate.skip)('the proxy ambassador to web:9000 reaches the replicas through it, as it reaches the Service in Kubernetes', async () => {
    const r = await httpGet(`http://${addr.ambassador}:7000/status`);
    expect(r.status).toBe(200);
    expect(r.headers['x-backend']).toMatch(/^replica-\d admin$/);
    expect(JSON.parse(r.body)).toMatchObject({ url: '/status', headers: { host: 'web:9000' } });
  });

  it.skipIf(gate.skip)('the main port still goes through the http block', async () => {
    const r = await httpGet(`http://${addr.web}:8080/home`);
    expect([r.status, r.headers['x-backend']]).toEqual([200, expect.stringMatching(/^replica-\d http$/)]);
    expect(JSON.parse(r.body).headers['x-forwarded-for']).toBeDefined(); // set by the http block, not a byte stream
  });

  it.skipIf(gate.skip)('a UDP port: a datagram reaches a replica and its answer comes back', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => udpAsk(addr.web!, 5353, `q${i}`)));
    for (const [i, a] of answers.entries()) expect(a).toMatch(new RegExp(`^replica-\\d q${i}$`));
  });

  it.skipIf(gate.skip)("the adapter's port, open beside one replica only: every connection ends there (the others refuse, nginx tries the next)", async () => {
    const responses = await Promise.all(Array.from({ length: 6 }, (_, i) => httpGet(`http://${addr.web}:9121/metrics?i=${i}`)));
    expect(responses.map((r) => [r.status, r.headers['x-backend']])).toEqual(Array.from({ length: 6 }, () => [200, 'replica-1 metrics']));
    expect(metrics[0]!.requests).toHaveLength(6);
  });
});

// sessionAffinity: client-ip in compose: the load balancer behind the cache sees varnish's address
// only; the client's is the first one of the X-Forwarded-For varnish sends (set_real_ip_from), so
// each client keeps to one replica and different clients spread, as the ClusterIP does by address.
describeWithBinaries(['nginx', 'unshare', 'mount'], "compose's load balancer keeps each client, not each varnish, to one replica", () => {
  const replicas = ['replica-0', 'replica-1', 'replica-2'];
  const addr = allocateAddresses(['web', ...replicas]);
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const { files } = await generate(TOPOLOGY_HEAD + '  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.4.2\n    port: 8080\n    replicas: 3\n    sessionAffinity: client-ip\n    cache: { replicas: 1 }\n');
    const lb = file(files, 'nginx/web-lb.conf');
    expect(lb).toContain('        ip_hash;');
    for (const r of replicas) {
      const b = await startHttpBackend(addr[r]!, 8080, r);
      stops.push(() => b.stop());
    }
    const balancer = await startNginx(lb, { 'web-replica': replicas.map((r) => addr[r]!) }, {
      pathMap: { '/tmp/': 'tmp/', '/dev/stdout': 'logs/access.log' },
      rewrite: (t) => t.replace(/^(\s*listen )(\d+)/gm, `$1${addr.web}:$2`),
    });
    stops.push(() => balancer.stop());
  }, 60_000);

  afterAll(async () => {
    await Promise.all(stops.map((s) => s()));
  });

  it('12 clients (ip_hash reads an IPv4 address by its /24), 3 requests each, all through one varnish at 127.0.0.1', async () => {
    const clients = Array.from({ length: 12 }, (_, i) => `198.51.${i * 20}.7`);
    const seen = new Map<string, Set<string>>();
    for (let round = 0; round < 3; round++) {
      for (const c of clients) {
        const r = await httpGet(`http://${addr.web}:8080/r${round}`, { headers: { 'X-Forwarded-For': `${c}, 127.0.0.1` } });
        expect(r.status).toBe(200);
        seen.set(c, (seen.get(c) ?? new Set()).add(r.headers['x-backend'] as string));
      }
    }
    for (const [c, backends] of seen) expect([c, backends.size]).toEqual([c, 1]);
    expect(new Set([...seen.values()].flatMap((b) => [...b])).size).toBeGreaterThan(1);
  });
});
