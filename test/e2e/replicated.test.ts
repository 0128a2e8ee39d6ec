// End to end, issue 2: the configs `ddp generate examples/01-replicated` writes, run by the real
// programs on loopback, each under its own address and name as in the cluster:
//
//   client ──HTTPS──▶ nginx web-tls.conf (web-tls:8443) ──▶ varnish web-cache.vcl (web-cache:8080)
//          ──▶ `web` (a TCP round robin playing the ClusterIP Service) ──▶ 3 replicas (:8080)
//
// Names resolve through a private hosts file (web → the round robin, web-cache → varnish), so the
// generated configs run as generated. The only text changed is nginx's `listen 8443 ssl;` line,
// which gains the test address; the harness maps paths (/etc/ddp-tls/ → the test certificate,
// /tmp/ and /dev/stdout → the test's own directory), nothing else.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../examples.js';
import { runGenerate } from '../../src/commands/generate.js';
import { describeWithBinaries } from '../helpers/binaries.js';
import {
  allocateAddresses,
  httpGet,
  makeTempDir,
  selfSignedCert,
  startHttpBackend,
  startNginx,
  startTcpRoundRobin,
  startVarnish,
  type HttpBackend,
  type HttpResponse,
  type Running,
  type TcpRoundRobin,
} from '../helpers/proxies.js';

const HOST = 'shop.example.com'; // the Ingress host of the example

describeWithBinaries(['nginx', 'varnishd', 'openssl', 'unshare', 'mount', 'cc'], 'examples/01-replicated end to end: TLS → varnish → replicas', () => {
  const addr = allocateAddresses(['web', 'web-cache', 'web-tls', 'web-tls-public', 'replica-0', 'replica-1', 'replica-2']);
  let out: string;
  let backends: HttpBackend[] = [];
  let service: TcpRoundRobin | undefined;
  const running: Running[] = [];
  let ca: string;

  const get = (path: string): Promise<HttpResponse> => httpGet(`https://${addr['web-tls']}:8443${path}`, { host: HOST, ca, timeoutMs: 10_000 });
  /** Requests that reached any replica for this path (varnish's health probes go to /healthz). */
  const seenBackend = (path: string) => backends.flatMap((b) => b.requests.filter((r) => r.url === path).map(() => b.name));

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'ddp-e2e-replicated-'));
    await runGenerate({ file: 'examples/01-replicated/ddp.yaml', cwd: ROOT, out });
    const tlsConf = readFileSync(join(out, 'nginx', 'web-tls.conf'), 'utf8');
    const vcl = readFileSync(join(out, 'varnish', 'web-cache.vcl'), 'utf8');

    backends = await Promise.all([0, 1, 2].map((i) => startHttpBackend(addr[`replica-${i}`], 8080, `replica-${i}`)));
    service = await startTcpRoundRobin(addr.web, 8080, backends.map((_, i) => `${addr[`replica-${i}`]}:8080`));

    running.push(await startVarnish(vcl, { web: addr.web }, { listen: `${addr['web-cache']}:8080` }));

    const cert = await selfSignedCert(join(makeTempDir('e2e-tls'), 'cert'), HOST);
    ca = cert.cert;
    expect(tlsConf).toContain('\n        listen 8443 ssl;\n');
    running.push(
      await startNginx(tlsConf, { 'web-cache': addr['web-cache'] }, {
        files: { '/etc/ddp-tls/tls.crt': cert.cert, '/etc/ddp-tls/tls.key': cert.key },
        pathMap: { '/tmp/': 'tmp/', '/dev/stdout': 'logs/access.log' },
        // the one change to the generated text: bind the test address instead of every address
        rewrite: (conf) => conf.replace('listen 8443 ssl;', `listen ${addr['web-tls']}:8443 ssl;`),
      }),
    );
    // the same TLS layer, its peers (the test's loopback addresses) taken for outside ones: as a
    // client on the internet that reached it directly would be
    running.push(
      await startNginx(tlsConf, { 'web-cache': addr['web-cache'] }, {
        files: { '/etc/ddp-tls/tls.crt': cert.cert, '/etc/ddp-tls/tls.key': cert.key },
        pathMap: { '/tmp/': 'tmp/', '/dev/stdout': 'logs/access.log' },
        rewrite: (conf) => conf.replace('listen 8443 ssl;', `listen ${addr['web-tls-public']}:8443 ssl;`).replace('set_real_ip_from 127.0.0.0/8;\n', ''),
      }),
    );

    // varnish starts with its backend sick until the first health probe (/healthz) passes
    const deadline = Date.now() + 20_000;
    for (;;) {
      const r = await get('/ready').catch((e: Error) => ({ status: 0, headers: {}, body: e.message }) as HttpResponse);
      if (r.status === 200) break;
      if (Date.now() > deadline) throw new Error(`the chain never answered 200; last: ${r.status} ${r.body}\n${running.map((p) => p.output()).join('\n')}`);
      await new Promise((res) => setTimeout(res, 250));
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    await service?.stop();
    await Promise.all(backends.map((b) => b.stop()));
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('answers over TLS with the certificate from the Secret, and tells the replica it was HTTPS', async () => {
    const r = await get('/tls-check');
    expect(r.status).toBe(200);
    const seen = JSON.parse(r.body) as { backend: string; url: string; headers: Record<string, string> };
    expect(seen.url).toBe('/tls-check');
    expect(seen.headers['x-forwarded-proto']).toBe('https');
    expect(seen.headers.host).toBe(HOST);
    expect(r.headers['x-backend']).toBe(seen.backend);
  });

  it('distinct URLs reach more than one replica through the Service', async () => {
    const paths = Array.from({ length: 24 }, (_, i) => `/spread/${i}`);
    const responses = await Promise.all(paths.map((p) => get(p)));
    for (const r of responses) {
      expect(r.status).toBe(200);
      expect(r.headers['x-cache']).toBe('MISS');
    }
    const replicas = new Set(responses.map((r) => r.headers['x-backend']));
    expect(replicas.size, `replicas reached: ${[...replicas].join(', ')}; connections per replica: ${service!.counts.join(', ')}`).toBeGreaterThan(1);
    // every response came from the replica that actually served it, once
    for (const p of paths) expect(seenBackend(p)).toHaveLength(1);
  });

  it('the second request for a URL is a varnish HIT that never reaches a replica', async () => {
    const path = '/products/42?color=blue';
    const first = await get(path);
    expect([first.status, first.headers['x-cache']]).toEqual([200, 'MISS']);
    expect(seenBackend(path)).toEqual([first.headers['x-backend']]);

    const second = await get(path);
    expect([second.status, second.headers['x-cache']]).toEqual([200, 'HIT']);
    expect(second.body).toBe(first.body);
    expect(second.headers['x-backend']).toBe(first.headers['x-backend']);
    // still one request at the replicas: the HIT came from varnish's cache
    expect(seenBackend(path)).toEqual([first.headers['x-backend']]);

    // another URL is a MISS again: the cache is keyed by URL
    const other = await get('/products/43?color=blue');
    expect(other.headers['x-cache']).toBe('MISS');
  });

  it("the replica learns the client's address: X-Real-IP from the X-Forwarded-For the Ingress controller sent, each hop appended to X-Forwarded-For", async () => {
    const seen = async (url: string, headers: Record<string, string>) => JSON.parse((await httpGet(url, { host: HOST, ca, timeoutMs: 10_000, headers })).body).headers as Record<string, string>;
    const hop = String.raw`127\.\d+\.\d+\.\d+`;
    // from the controller (a private address) with the client's address in X-Forwarded-For
    const viaIngress = await seen(`https://${addr['web-tls']}:8443/client/1`, { 'X-Forwarded-For': '203.0.113.7', 'X-Real-IP': '10.2.0.9' });
    expect(viaIngress['x-real-ip']).toBe('203.0.113.7');
    // + the controller's own address (the TLS layer's peer), then the TLS layer's (varnish's peer)
    expect(viaIngress['x-forwarded-for']).toMatch(new RegExp(`^203\\.0\\.113\\.7, ${hop}, ${hop}$`));
    // no X-Forwarded-For: the peer is the client
    const direct = await seen(`https://${addr['web-tls']}:8443/client/2`, {});
    expect(direct['x-real-ip']).toMatch(new RegExp(`^${hop}$`));
    expect(direct['x-forwarded-for']).toMatch(new RegExp(`^${direct['x-real-ip']!.replace(/\./g, '\\.')}, ${hop}$`));
    // a peer at an outside address: what it says in X-Forwarded-For is kept but never believed
    const spoofed = await seen(`https://${addr['web-tls-public']}:8443/client/3`, { 'X-Forwarded-For': '203.0.113.7' });
    expect(spoofed['x-real-ip']).toMatch(new RegExp(`^${hop}$`));
    expect(spoofed['x-forwarded-for']).toMatch(new RegExp(`^203\\.0\\.113\\.7, ${spoofed['x-real-ip']!.replace(/\./g, '\\.')}, ${hop}$`));
  });
});
