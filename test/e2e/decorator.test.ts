// End to end: example 05's decorator. The generated TLS layer of `web` (real nginx) sends its
// traffic to the function `add-defaults`; the function — a stand-in configured only from its
// generated environment (UPSTREAM_URL) — adds a default and calls `web` (a real HTTP server).
// Every name on its own loopback address: nginx resolves through a private hosts file, the
// stand-in through the same name → address map.
import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBinaries } from '../helpers/binaries.js';
import { allocateAddresses, httpGet, makeTempDir, selfSignedCert, startHttpBackend, startNginx } from '../helpers/proxies.js';
import { renderExample } from '../examples.js';
import { file } from '../patterns/single-node-helpers.js';
import { parseAllDocuments } from '../helpers/kubernetes.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The decorator stand-in: adds `x-defaults: applied` (unless set) and forwards to UPSTREAM_URL. */
function startDecorator(ip: string, port: number, upstreamUrl: string, resolve: (host: string) => string): Promise<{ seen: string[]; stop(): Promise<void> }> {
  const up = new URL(upstreamUrl);
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    const headers = { ...req.headers, 'x-defaults': req.headers['x-defaults'] ?? 'applied' };
    const out = http.request({ host: resolve(up.hostname), port: Number(up.port), path: req.url, method: req.method, headers, agent: false }, (r) => {
      res.writeHead(r.statusCode ?? 502, { ...r.headers, 'x-decorated-by': 'add-defaults' });
      r.pipe(res);
    });
    out.on('error', () => (res.writeHead(502), res.end()));
    req.pipe(out);
  });
  return new Promise((ok) => server.listen(port, ip, () => ok({ seen, stop: () => new Promise<void>((done) => server.close(() => done())) })));
}

describeWithBinaries(['nginx', 'openssl', 'unshare', 'mount'], 'decorator function (example 05) on loopback: TLS layer → function → web', () => {
  const addr = allocateAddresses(['web', 'add-defaults', 'web-tls']);
  const stops: (() => Promise<void>)[] = [];
  let ca = '';
  let decorator: Awaited<ReturnType<typeof startDecorator>>;

  beforeAll(async () => {
    const files = await renderExample('05-function');
    const deployment = (parseAllDocuments(file(files, 'kubernetes/add-defaults.yaml')) as Obj[]).find((o) => o.kind === 'Deployment')!;
    const env = Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((e: Obj) => [e.name, e.value]));
    expect(env.UPSTREAM_URL).toBe('http://web:8080');
    const web = await startHttpBackend(addr.web!, 8080, 'web');
    stops.push(() => web.stop());
    decorator = await startDecorator(addr['add-defaults']!, 8080, env.UPSTREAM_URL, (h) => addr[h]!);
    stops.push(() => decorator.stop());
    const certs = makeTempDir('certs');
    ca = (await selfSignedCert(certs, 'shop.example.com')).cert;
    const conf = file(files, 'nginx/web-tls.conf');
    const nginx = await startNginx(conf, { 'add-defaults': addr['add-defaults']! }, {
      pathMap: { '/etc/ddp-tls': certs, '/tmp/': 'tmp/', '/dev/stdout': 'logs/access.log' },
      rewrite: (t) => t.replace('listen 8443 ssl;', `listen ${addr['web-tls']}:8443 ssl;`),
    });
    stops.push(() => nginx.stop());
  }, 60_000);

  afterAll(async () => {
    await Promise.all(stops.map((s) => s()));
  });

  it('an HTTPS request reaches web through the function, which applied its default', async () => {
    const r = await httpGet(`https://${addr['web-tls']}:8443/cart?items=3`, { host: 'shop.example.com', ca });
    expect(r.status).toBe(200);
    expect(r.headers['x-decorated-by']).toBe('add-defaults');
    const body = JSON.parse(r.body) as { backend: string; url: string; headers: Record<string, string> };
    expect([body.backend, body.url, body.headers['x-defaults'], body.headers['x-forwarded-proto']]).toEqual(['web', '/cart?items=3', 'applied', 'https']);
    expect(decorator.seen).toContain('/cart?items=3');
  });

  it('every request takes the function: a value the client set is kept, and the function saw each one', async () => {
    const before = decorator.seen.length;
    for (let i = 0; i < 20; i++) {
      const r = await httpGet(`https://${addr['web-tls']}:8443/item/${i}`, { host: 'shop.example.com', ca, headers: i % 2 ? { 'x-defaults': 'client' } : {} });
      expect(JSON.parse(r.body).headers['x-defaults']).toBe(i % 2 ? 'client' : 'applied');
    }
    expect(decorator.seen.length - before).toBe(20);
  });
});
