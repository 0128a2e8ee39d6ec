// End to end: example 08's built-in TLS sidecar (nginx) terminating HTTPS in front of a real HTTP
// app, with a throwaway self-signed certificate in place of the TLS Secret.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBinaries } from '../helpers/binaries.js';
import { allocateAddresses, httpGet, makeTempDir, selfSignedCert, startHttpBackend, startNginx } from '../helpers/proxies.js';
import { renderExample } from '../examples.js';
import { file } from '../patterns/single-node-helpers.js';

describeWithBinaries(['nginx', 'openssl', 'unshare', 'mount'], 'TLS sidecar (example 08) on loopback', () => {
  const addr = allocateAddresses(['app', 'pod']);
  const stops: (() => Promise<void>)[] = [];
  let ca = '';

  beforeAll(async () => {
    const conf = file(await renderExample('08-sidecars'), 'nginx/site-https.conf');
    const certs = makeTempDir('certs');
    ca = (await selfSignedCert(certs, 'site.example.com')).cert;
    const app = await startHttpBackend(addr.app!, 8080, 'site');
    stops.push(() => app.stop());
    // in the pod both share one network namespace; here the app and the pod address differ
    const nginx = await startNginx(conf, {}, {
      pathMap: { '/etc/ddp-tls': certs, '/tmp/': 'tmp/', '/dev/stdout': 'logs/access.log' },
      rewrite: (t) => t.replace('server 127.0.0.1:8080;', `server ${addr.app}:8080;`).replace('listen 8443 ssl;', `listen ${addr.pod}:8443 ssl;`),
    });
    stops.push(() => nginx.stop());
  }, 60_000);

  afterAll(async () => {
    await Promise.all(stops.map((s) => s()));
  });

  it('answers HTTPS with the certificate from the Secret and forwards to the app, saying it was https', async () => {
    const r = await httpGet(`https://${addr.pod}:8443/index.html`, { host: 'site.example.com', ca }); // verified against that certificate
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body) as { backend: string; url: string; headers: Record<string, string> };
    expect([body.backend, body.url, body.headers['x-forwarded-proto'], body.headers.host]).toEqual(['site', '/index.html', 'https', 'site.example.com']);
  });

  it('speaks only TLS on its port', async () => {
    await expect(httpGet(`http://${addr.pod}:8443/`)).resolves.toMatchObject({ status: 400 });
  });
});
