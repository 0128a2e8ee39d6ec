// `expose` in front of a TLS layer, for any ingress controller: ddp's HTTPS-backend annotations
// only for the NGINX controllers (no class, or a class with `nginx` in its name), your own
// `expose.annotations` over them, and a warning where the controller must be told by you --
// or where clients would reach the Ingress over plain HTTP.
import { describe, expect, it } from 'vitest';
import { generate, kubeObject, kubeObjects } from './single-node-helpers.js';
import { validateKubernetes } from '../helpers/kubernetes.js';
import { errorsOf } from '../helpers/topology.js';

const topology = (expose: string, extra: string[] = []) =>
  [
    'apiVersion: ddp/v1', //                                1
    'kind: Topology', //                                    2
    'metadata: { name: shop, annotations: { owner: web-team } }', // 3
    'services:', //                                         4
    '  web:', //                                            5
    '    pattern: replicated', //                           6
    '    image: ghcr.io/acme/web:1.4.2', //                 7
    '    port: 8080', //                                    8
    ...extra, //                                            9...
    `    expose: ${expose}`,
  ].join('\n') + '\n';
const TLS = ['    tls: { secret: web-tls }'];
const show = (d: { line?: number; col?: number; code: string; message: string; hint?: string }) => `${d.line}:${d.col} ${d.code}: ${d.message} | ${d.hint}`;
const warnings = async (text: string, code: string) => (await generate(text)).diagnostics.filter((d) => d.code === code).map(show);

describe('the Ingress in front of a TLS layer', () => {
  it.each([
    ['no class (the cluster default)', '{ host: shop.example.com, tlsSecret: web-tls }'],
    ['class nginx', '{ host: shop.example.com, tlsSecret: web-tls, className: nginx }'],
    ['class nginx-internal', '{ host: shop.example.com, tlsSecret: web-tls, className: nginx-internal }'],
  ])('%s: told in the words of both NGINX controllers, no warning', async (_, expose) => {
    const { files, diagnostics } = await generate(topology(expose, TLS));
    expect(kubeObject(files, 'Ingress', 'web').metadata.annotations).toEqual({
      owner: 'web-team',
      'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS',
      'nginx.org/ssl-services': 'web-tls',
    });
    expect(diagnostics).toEqual([]);
  });

  it('another class gets no nginx annotation, but your own, and a warning saying what to add', async () => {
    const text = topology('{ host: shop.example.com, tlsSecret: web-tls, className: alb, annotations: { alb.ingress.kubernetes.io/scheme: internet-facing } }', TLS);
    const { files } = await generate(text);
    expect(kubeObject(files, 'Ingress', 'web').metadata.annotations).toEqual({ owner: 'web-team', 'alb.ingress.kubernetes.io/scheme': 'internet-facing' });
    expect(kubeObject(files, 'Ingress', 'web').spec.ingressClassName).toBe('alb');
    expect(await warnings(text, 'ingress-backend-https')).toEqual([
      '10:70 ingress-backend-https: the Ingress (class `alb`) sends its requests to web-tls, which speaks only HTTPS on port 8443; ddp tells the NGINX controllers so, not `alb`, which may send plain HTTP and get an error for every request | add your controller\'s setting to `expose.annotations`, e.g. AWS Load Balancer Controller: `alb.ingress.kubernetes.io/backend-protocol: HTTPS`; HAProxy: `haproxy.org/server-ssl: "true"`; ingress-nginx under another class name: `nginx.ingress.kubernetes.io/backend-protocol: HTTPS`',
    ]);
  });

  it.each([
    ['alb', 'alb.ingress.kubernetes.io/backend-protocol: HTTPS'],
    ['haproxy', 'haproxy.org/server-ssl: "true"'],
    ['public', 'nginx.ingress.kubernetes.io/backend-protocol: HTTPS'],
  ])('class %s with its backend-HTTPS annotation in expose.annotations: no warning, the annotation on the Ingress', async (cls, annotation) => {
    const text = topology(`{ host: shop.example.com, tlsSecret: web-tls, className: ${cls}, annotations: { ${annotation} } }`, TLS);
    const { files, diagnostics } = await generate(text);
    expect(diagnostics).toEqual([]);
    const [key, value] = annotation.split(': ');
    expect(kubeObject(files, 'Ingress', 'web').metadata.annotations[key]).toBe(JSON.parse(value.startsWith('"') ? value : JSON.stringify(value)));
  });

  it('Traefik: it speaks HTTPS to a port named https, but checks the certificate -- its own warning', async () => {
    const text = topology('{ host: shop.example.com, tlsSecret: web-tls, className: traefik }', TLS);
    expect(kubeObject((await generate(text)).files, 'Service', 'web-tls').spec.ports).toEqual([{ name: 'https', port: 8443, targetPort: 8443, protocol: 'TCP' }]);
    expect(await warnings(text, 'ingress-backend-https')).toEqual([
      "10:70 ingress-backend-https: the Ingress (class `traefik`) sends its requests to web-tls, which speaks only HTTPS on port 8443: Traefik does use HTTPS there (the Service port is named `https`), but it checks web-tls's certificate, which names your host, not the pod address it connects to, and answers with an error | create a Traefik ServersTransport that trusts your certificate (rootCAs and serverName, or insecureSkipVerify) and name it in `tls.serviceAnnotations`: `traefik.ingress.kubernetes.io/service.serverstransport: <namespace>-<name>@kubernetescrd`",
    ]);
  });

  it('tls.serviceAnnotations go on the TLS layer\'s Service; a ServersTransport named there is what Traefik needs: no warning', async () => {
    const text = topology('{ host: shop.example.com, tlsSecret: web-tls, className: traefik }', [
      '    tls: { secret: web-tls, serviceAnnotations: { traefik.ingress.kubernetes.io/service.serverstransport: shop-web-tls@kubernetescrd } }',
    ]);
    const { files, diagnostics } = await generate(text);
    expect(diagnostics).toEqual([]);
    expect(kubeObject(files, 'Service', 'web-tls').metadata.annotations).toEqual({ owner: 'web-team', 'traefik.ingress.kubernetes.io/service.serverstransport': 'shop-web-tls@kubernetescrd' });
    expect(kubeObject(files, 'Service', 'web').metadata.annotations).toEqual({ owner: 'web-team' });
    expect(validateKubernetes(kubeObjects(files))).toEqual([]);
    // the backend-protocol of the AWS Load Balancer Controller is read from the Service too
    const alb = topology('{ host: shop.example.com, tlsSecret: web-tls, className: alb }', ['    tls: { secret: web-tls, serviceAnnotations: { alb.ingress.kubernetes.io/backend-protocol: HTTPS } }']);
    expect((await generate(alb)).diagnostics).toEqual([]);
  });

  it('your annotations win over ddp\'s', async () => {
    const { files } = await generate(topology('{ host: shop.example.com, tlsSecret: web-tls, annotations: { nginx.ingress.kubernetes.io/backend-protocol: GRPCS, owner: ingress-team } }', TLS));
    expect(kubeObject(files, 'Ingress', 'web').metadata.annotations).toEqual({ owner: 'ingress-team', 'nginx.ingress.kubernetes.io/backend-protocol': 'GRPCS', 'nginx.org/ssl-services': 'web-tls' });
  });

  it('without tlsSecret clients reach the Ingress over plain HTTP: a warning', async () => {
    const text = topology('{ host: shop.example.com }', ['    tls: { secret: web-tls, port: 9443 }']);
    expect(await warnings(text, 'ingress-plain-http')).toEqual([
      "10:5 ingress-plain-http: `tls:` encrypts only the hop from the Ingress to web-tls: the Ingress has no `tlsSecret`, so clients reach shop.example.com over plain HTTP (or over HTTPS with the controller's default certificate, not yours) | add `tlsSecret: <a TLS Secret for shop.example.com>` to `expose` (it may be web-tls, the TLS layer's)",
    ]);
    expect(kubeObject((await generate(text)).files, 'Ingress', 'web').spec.rules[0].http.paths[0].backend.service.port.number).toBe(9443);
  });

  it('no TLS layer: no HTTPS annotation and no warning, whatever the class', async () => {
    const { files, diagnostics } = await generate(topology('{ host: shop.example.com, className: traefik, annotations: { traefik.ingress.kubernetes.io/router.entrypoints: websecure } }'));
    expect(kubeObject(files, 'Ingress', 'web').metadata.annotations).toEqual({ owner: 'web-team', 'traefik.ingress.kubernetes.io/router.entrypoints': 'websecure' });
    expect(diagnostics).toEqual([]);
    expect(validateKubernetes(kubeObjects(files))).toEqual([]);
  });

  it('annotation keys are qualified names, as every annotation key', async () => {
    const ds = await errorsOf(topology('{ host: shop.example.com, annotations: { "bad key": x, "-x.io/y": z } }'));
    expect(ds.map((d) => `${d.line}:${d.col} ${d.code}: ${d.message}`)).toEqual([
      '9:54 bad-name: `bad key` in services.web.expose.annotations is not a valid key',
      '9:68 bad-name: `-x.io/y` in services.web.expose.annotations is not a valid key',
    ]);
  });
});
