// The replicated pattern (book ch. 5): exact key fields of examples/01-replicated (the golden test
// compares whole files; this says which fields matter and why), plus autoscale and session affinity.
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { renderExample } from './examples.js';
import { parseTopologyText } from '../src/topology/load.js';
import { prepareLoaded, renderTargets, TARGETS, validateAll } from '../src/flow.js';
import type { OutputFile } from '../src/output/files.js';
import { parseAllDocuments, validateKubernetes } from './helpers/kubernetes.js';
import { validateCompose } from './helpers/compose.js';
import { describeWithBinaries } from './helpers/binaries.js';
import { allocateAddresses, checkNginx } from './helpers/proxies.js';
import { streamModuleGate, withStreamModule } from './patterns/single-node-helpers.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const content = (files: OutputFile[], path: string) => {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`no ${path} in ${files.map((x) => x.path).join(', ')}`);
  return f.content;
};
const objects = (files: OutputFile[]) => files.filter((f) => f.target === 'kubernetes').flatMap((f) => parseAllDocuments(f.content) as Obj[]);
const find = (objs: Obj[], kind: string, name: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata?.name === name);
  if (!o) throw new Error(`no ${kind}/${name}; have ${objs.map((x) => `${x.kind}/${x.metadata?.name}`).join(', ')}`);
  return o;
};
const names = (objs: Obj[], kind: string) => objs.filter((o) => o.kind === kind).map((o) => o.metadata.name).sort();

async function generate(yaml: string): Promise<OutputFile[]> {
  const p = await prepareLoaded(parseTopologyText(yaml, 'ddp.yaml'), undefined);
  return renderTargets(p.model, TARGETS);
}

describe('examples/01-replicated, key fields', async () => {
  const files = await renderExample('01-replicated');
  const prod = await renderExample('01-replicated', 'prod');
  const objs = objects(files);

  it('three layers, each a Deployment + Service + PodDisruptionBudget; one Ingress; no HPA', () => {
    expect(names(objs, 'Deployment')).toEqual(['web', 'web-cache', 'web-tls']);
    expect(names(objs, 'Service')).toEqual(['web', 'web-cache', 'web-tls']);
    expect(names(objs, 'PodDisruptionBudget')).toEqual(['web', 'web-cache', 'web-tls']);
    expect(names(objs, 'Ingress')).toEqual(['web']);
    expect(names(objs, 'ConfigMap')).toEqual(['web-cache-varnish', 'web-tls-nginx']);
    expect(names(objs, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(names(objs, 'Namespace')).toEqual(['storefront']);
  });

  it('replicas: web 3, cache 2, tls 2; --env prod gives web 6', () => {
    expect(['web', 'web-cache', 'web-tls'].map((n) => find(objs, 'Deployment', n).spec.replicas)).toEqual([3, 2, 2]);
    const p = objects(prod);
    expect(['web', 'web-cache', 'web-tls'].map((n) => find(p, 'Deployment', n).spec.replicas)).toEqual([6, 2, 2]);
    expect(parseYaml(content(prod, 'compose/docker-compose.yml')).services['web-replica'].deploy.replicas).toBe(6);
  });

  it('Service ports equal container ports; the main Service selects the app pods', () => {
    const ports = (n: string) => find(objs, 'Service', n).spec.ports.map((p: Obj) => [p.name, p.port, p.targetPort, p.protocol]);
    expect(ports('web')).toEqual([['main', 8080, 8080, 'TCP']]);
    expect(ports('web-cache')).toEqual([['http', 8080, 8080, 'TCP']]);
    expect(ports('web-tls')).toEqual([['https', 8443, 8443, 'TCP']]);
    expect(find(objs, 'Service', 'web').spec.selector).toEqual({ 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/part-of': 'storefront' });
    expect(find(objs, 'Service', 'web').spec.sessionAffinity).toBeUndefined();
    expect(find(objs, 'Deployment', 'web').spec.template.spec.containers[0].ports).toEqual([{ name: 'main', containerPort: 8080, protocol: 'TCP' }]);
  });

  it('PodDisruptionBudgets allow one pod down and select their layer', () => {
    for (const n of ['web', 'web-cache', 'web-tls']) {
      const pdb = find(objs, 'PodDisruptionBudget', n);
      expect(pdb.spec.maxUnavailable).toBe(1);
      expect(pdb.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': n, 'app.kubernetes.io/part-of': 'storefront' });
    }
  });

  it('readiness from health, liveness derived and different', () => {
    const c = find(objs, 'Deployment', 'web').spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 8080 });
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 8080 });
    expect(c.livenessProbe.periodSeconds).toBeGreaterThan(c.readinessProbe.periodSeconds);
    expect(c.livenessProbe.failureThreshold).toBeGreaterThan(c.readinessProbe.failureThreshold);
  });

  it('the Ingress sends shop.example.com to web-tls:8443 over HTTPS, and serves it with the TLS Secret web-tls', () => {
    const ing = find(objs, 'Ingress', 'web');
    // no class: the cluster's default, told in the words of each NGINX controller
    expect(ing.metadata.annotations).toEqual({ 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS', 'nginx.org/ssl-services': 'web-tls' });
    expect(ing.spec.tls).toEqual([{ hosts: ['shop.example.com'], secretName: 'web-tls' }]);
    expect(ing.spec.rules).toEqual([
      { host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web-tls', port: { number: 8443 } } } }] } },
    ]);
  });

  it('varnish: backend host "web" port "8080", probe /healthz, TTL 120s, X-Cache header', () => {
    const vcl = content(files, 'varnish/web-cache.vcl');
    expect(vcl).toMatch(/^vcl 4\.1;\n/);
    expect(vcl).toContain('backend default {\n    .host = "web";\n    .port = "8080";\n');
    expect(vcl).toContain('        .url = "/healthz";\n');
    expect(vcl).toContain('        set beresp.ttl = 120s;\n');
    expect(vcl).toContain('set resp.http.X-Cache = "HIT";');
    const args = find(objs, 'Deployment', 'web-cache').spec.template.spec.containers[0].args;
    expect(args).toEqual(['-F', '-f', '/etc/ddp/default.vcl', '-a', ':8080', '-n', '/tmp/varnish', '-s', 'malloc,256m', '-p', 'fetch_maxchunksize=1m', '-p', 'pipe_timeout=7200']); // idleTimeout: 2h
    expect(find(objs, 'Deployment', 'web-cache').spec.template.spec.containers[0].resources.limits.memory).toBe('640Mi');
  });

  it('nginx TLS layer: `listen 8443 ssl;` (not `ssl on`), certificate from the Secret, upstream web-cache:8080', () => {
    const conf = content(files, 'nginx/web-tls.conf');
    expect(conf).toContain('\n        listen 8443 ssl;\n');
    expect(conf).not.toMatch(/ssl on;/);
    expect(conf).toContain('        ssl_certificate /etc/ddp-tls/tls.crt;\n        ssl_certificate_key /etc/ddp-tls/tls.key;\n');
    expect(conf).toContain('    upstream backend {\n        server web-cache:8080;\n');
    const pod = find(objs, 'Deployment', 'web-tls').spec.template.spec;
    expect(pod.volumes.find((v: Obj) => v.name === 'tls')).toEqual({ name: 'tls', secret: { secretName: 'web-tls' } });
    expect(pod.containers[0].volumeMounts.find((m: Obj) => m.name === 'tls')).toEqual({ name: 'tls', mountPath: '/etc/ddp-tls', readOnly: true });
  });

  it('compose: nginx under `web` balances the replicas, which run as web-replica (varnish needs one address)', () => {
    const compose = parseYaml(content(files, 'compose/docker-compose.yml'));
    expect(Object.keys(compose.services)).toEqual(['web', 'web-replica', 'web-cache', 'web-tls']);
    expect(compose.services.web.deploy.replicas).toBe(1);
    expect(compose.services['web-replica'].deploy.replicas).toBe(3);
    expect(content(files, 'nginx/web-lb.conf')).toContain('    upstream replicas {\n        server web-replica:8080;\n');
    // two TLS replicas, one host port each: a range, or the second replica could not bind
    expect(compose.services['web-tls'].ports).toEqual([{ target: 8443, published: '8443-8444', protocol: 'tcp' }]);
    expect(compose.secrets).toEqual({ 'web-tls-tls-crt': { file: './secrets/web-tls/tls.crt' }, 'web-tls-tls-key': { file: './secrets/web-tls/tls.key' } });
  });
});

const HEAD = 'apiVersion: ddp/v1\nkind: Topology\nmetadata: { name: shop }\nservices:\n  api:\n    pattern: replicated\n    image: ghcr.io/acme/api:2.0.1\n    port: 9000\n';

describe('replicated options', () => {
  it('$ in env values, command and args reaches the container as written: doubled for the kubelet ($$ and $(VAR) expand there) as for compose', async () => {
    const files = await generate(HEAD + '    args: ["echo $$ $(HOME)"]\n    env: { X: "$(HOME)", Y: "a$$b" }\n');
    const c = find(objects(files), 'Deployment', 'api').spec.template.spec.containers[0];
    expect(c.args).toEqual(['echo $$$$ $$(HOME)']);
    expect(c.env).toEqual([{ name: 'X', value: '$$(HOME)' }, { name: 'Y', value: 'a$$$$b' }]);
    const svc = (parseYaml(content(files, 'compose/docker-compose.yml')) as { services: Record<string, { command: string[]; environment: Record<string, string> }> }).services.api;
    expect([svc.command, svc.environment]).toEqual([['echo $$$$ $$(HOME)'], { X: '$$(HOME)', Y: 'a$$$$b' }]);
  });

  it('$ in an exec health check too: the kubelet expands $(VAR) and $$ in a probe\'s command as in args', async () => {
    const files = await generate(HEAD + '    env: { P: x }\n    health: { exec: [sh, -c, "test $$ -gt 0 && echo $(P)"] }\n');
    const c = find(objects(files), 'Deployment', 'api').spec.template.spec.containers[0];
    expect(c.readinessProbe.exec.command).toEqual(['sh', '-c', 'test $$$$ -gt 0 && echo $$(P)']);
    expect(c.livenessProbe.exec.command).toEqual(['sh', '-c', 'test $$$$ -gt 0 && echo $$(P)']);
  });

  it('a UDP main port and no health: no probes (a TCP one never succeeds: the pod was never ready), and a warning saying so', async () => {
    const yaml = HEAD.replace('    port: 9000\n', '    ports: [{ name: dns, port: 5353, protocol: UDP }]\n');
    const p = await prepareLoaded(parseTopologyText(yaml, 'ddp.yaml'), undefined);
    expect(p.diagnostics.filter((d) => d.code === 'udp-no-probe').map((d) => `${d.line}:${d.col} ${d.severity}`)).toEqual(['8:13 warning']);
    const c = find(objects(await renderTargets(p.model, TARGETS)), 'Deployment', 'api').spec.template.spec.containers[0];
    expect([c.readinessProbe, c.livenessProbe, c.ports]).toEqual([undefined, undefined, [{ name: 'dns', containerPort: 5353, protocol: 'UDP' }]]);
  });

  it("a request raised above a proxy's default limit raises that limit (a limit below its request is refused by the API server), in Kubernetes and compose", async () => {
    const files = await generate(HEAD + '    tls: { secret: api-tls, resources: { memory: 512Mi } }\n    cache: { resources: { memory: 1Gi, cpu: "2" } }\n');
    const resources = (name: string) => find(objects(files), 'Deployment', name).spec.template.spec.containers[0].resources;
    expect(resources('api-tls')).toEqual({ requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
    expect(resources('api-cache')).toEqual({ requests: { cpu: '2', memory: '1Gi' }, limits: { cpu: '2', memory: '1Gi' } });
    const compose = parseYaml(content(files, 'compose/docker-compose.yml')) as { services: Record<string, { deploy: { resources: unknown } }> };
    expect(compose.services['api-cache'].deploy.resources).toEqual({ limits: { cpus: '2', memory: '1g' }, reservations: { cpus: '2', memory: '1g' } });
  });

  it('a health check on another port than the one varnish fetches from: no varnish probe (it would fail and answer 503), readiness keeps it', async () => {
    const files = await generate(HEAD.replace('    port: 9000\n', '    ports: [{ name: http, port: 9000 }, { name: admin, port: 9100 }]\n') + '    health: { path: /healthz, port: 9100 }\n    cache: {}\n');
    const vcl = content(files, 'varnish/api-cache.vcl');
    expect(vcl).toContain('    .port = "9000";\n');
    expect(vcl).not.toContain('.probe');
    expect(find(objects(files), 'Deployment', 'api').spec.template.spec.containers[0].readinessProbe.httpGet).toEqual({ path: '/healthz', port: 9100 });
    const same = content(await generate(HEAD + '    health: { path: /healthz, port: 9000 }\n    cache: {}\n'), 'varnish/api-cache.vcl');
    expect(same).toContain('        .url = "/healthz";\n');
    // the request line varnish sends: escaped as the kubelet escapes the readiness path
    const odd = content(await generate(HEAD + '    health: { path: "/health check/\\"}é?x=1" }\n    cache: {}\n'), 'varnish/api-cache.vcl');
    expect(odd).toContain('        .url = "/health%20check/%22%7D%C3%A9?x=1";\n');
  });

  it('autoscale: an HPA on the Deployment, and no replicas field', async () => {
    const files = await generate(HEAD + '    autoscale: { min: 3, max: 12, cpu: 70 }\n');
    const objs = objects(files);
    expect(validateKubernetes(objs)).toEqual([]);
    const hpa = find(objs, 'HorizontalPodAutoscaler', 'api');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([3, 12]);
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
    const dep = find(objs, 'Deployment', 'api');
    expect('replicas' in dep.spec).toBe(false);
    expect(find(objs, 'PodDisruptionBudget', 'api').spec.maxUnavailable).toBe(1);
    // compose has no autoscaler: it runs the minimum
    expect(parseYaml(content(files, 'compose/docker-compose.yml')).services.api.deploy.replicas).toBe(3);
  });

  it('autoscale without min starts from replicas (default 2); cpu defaults to 70', async () => {
    const objs = objects(await generate(HEAD + '    replicas: 4\n    autoscale: { max: 8 }\n'));
    const hpa = find(objs, 'HorizontalPodAutoscaler', 'api');
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas, hpa.spec.metrics[0].resource.target.averageUtilization]).toEqual([4, 8, 70]);
    expect('replicas' in find(objs, 'Deployment', 'api').spec).toBe(false);
  });

  it('autoscale without min or replicas starts from 2, or from max when it is lower (an HPA with min above max is refused)', async () => {
    const min = async (max: number) => find(objects(await generate(HEAD + `    autoscale: { max: ${max} }\n`)), 'HorizontalPodAutoscaler', 'api').spec.minReplicas;
    expect([await min(1), await min(2), await min(5)]).toEqual([1, 2, 2]);
  });

  it("a TLS sidecar takes imagePullPolicy, for an image of yours in place of ddp's nginx (it was ignored)", async () => {
    const objs = objects(await generate(HEAD + '    sidecars: [{ name: https, kind: tls, secret: api-tls, image: ghcr.io/acme/nginx:1.27, imagePullPolicy: Always }]\n'));
    const containers = find(objs, 'Deployment', 'api').spec.template.spec.containers as { name: string; image: string; imagePullPolicy: string }[];
    expect(containers.filter((c) => c.name === 'https').map((c) => [c.image, c.imagePullPolicy])).toEqual([['ghcr.io/acme/nginx:1.27', 'Always']]);
  });

  it('the official redis image without a volume at /data: a redis-no-storage warning at its image (its snapshots cannot be written); none with snapshots off, a volume at /data, or another image', async () => {
    const warnings = async (extra: string, image = 'redis:7.4.1-alpine') =>
      (await validateAll(parseTopologyText(HEAD.replace('ghcr.io/acme/api:2.0.1', image) + extra, 'ddp.yaml'))).filter((d) => d.code === 'redis-no-storage').map((d) => `${d.pointer} ${d.hint}`);
    const hint = "mount a volume at /data (`volumes:` and `mounts:`), or turn snapshots off: `args: ['--save', '']`";
    expect(await warnings('')).toEqual([`/services/api/image ${hint}`]);
    expect(await warnings('', 'docker.io/library/redis:7.4@sha256:' + 'a'.repeat(64))).toEqual([`/services/api/image ${hint}`]);
    expect(await warnings("    args: ['--save', '']\n")).toEqual([]);
    expect(await warnings("    args: ['--save', '', '--appendonly', 'yes']\n")).toEqual([`/services/api/image ${hint}`]);
    expect(await warnings('    volumes: { d: {} }\n    mounts: [{ volume: d, path: /data }]\n')).toEqual([]);
    expect(await warnings('', 'bitnami/redis:7.4')).toEqual([]);
    expect(await warnings('', 'ghcr.io/acme/redis-proxy:1.0')).toEqual([]);
    // a sidecar running redis is a container like any other
    expect(await warnings('    sidecars: [{ name: cache, image: redis:7.4.1-alpine }]\n', 'ghcr.io/acme/api:2.0.1')).toEqual([`/services/api/sidecars/0/image ${hint}`]);
  });

  it('sessionAffinity: client-ip sets ClientIP on the Service', async () => {
    const objs = objects(await generate(HEAD + '    sessionAffinity: client-ip\n'));
    expect(validateKubernetes(objs)).toEqual([]);
    expect(find(objs, 'Service', 'api').spec.sessionAffinity).toBe('ClientIP');
    const none = objects(await generate(HEAD + '    sessionAffinity: none\n'));
    expect(find(none, 'Service', 'api').spec.sessionAffinity).toBeUndefined();
  });

  it('defaults: 2 replicas, a PDB and a topology spread; one replica gets neither', async () => {
    const two = objects(await generate(HEAD));
    expect(find(two, 'Deployment', 'api').spec.replicas).toBe(2);
    expect(names(two, 'PodDisruptionBudget')).toEqual(['api']);
    expect(find(two, 'Deployment', 'api').spec.template.spec.topologySpreadConstraints).toHaveLength(1);
    const one = objects(await generate(HEAD + '    replicas: 1\n'));
    expect(find(one, 'Deployment', 'api').spec.replicas).toBe(1);
    expect(names(one, 'PodDisruptionBudget')).toEqual([]);
    expect(find(one, 'Deployment', 'api').spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  it('a cache TTL is whole seconds, rounded up: 1ms caches for 1s (0s would cache nothing), 1500ms for 2s', async () => {
    const ttl = async (t: string) => /set beresp\.ttl = (\w+);/.exec(content(await generate(HEAD + `    cache: { ttl: ${t} }\n`), 'varnish/api-cache.vcl'))![1];
    expect([await ttl('1ms'), await ttl('1500ms'), await ttl('2m'), await ttl('999999999h')]).toEqual(['1s', '2s', '120s', '3599999996400s']);
  });

  it('a cache in front of a single replica needs no compose load balancer', async () => {
    const files = await generate(HEAD + '    replicas: 1\n    cache: { ttl: 30s }\n');
    expect(files.map((f) => f.path)).toEqual(['compose/docker-compose.yml', 'kubernetes/api.yaml', 'kubernetes/kustomization.yaml', 'kubernetes/namespace.yaml', 'varnish/api-cache.vcl']);
    const compose = parseYaml(content(files, 'compose/docker-compose.yml'));
    expect(Object.keys(compose.services)).toEqual(['api', 'api-cache']);
    expect(validateCompose(compose)).toEqual([]);
    expect(content(files, 'varnish/api-cache.vcl')).toContain('    .host = "api";\n    .port = "9000";\n');
    expect(content(files, 'varnish/api-cache.vcl')).toContain('        set beresp.ttl = 30s;\n');
  });
});

// a cache in front of 3 replicas (so compose runs its load balancer) of a service with a second TCP
// port, a UDP port, a TLS sidecar and a prometheus adapter (both add their port to the Service), and
// a proxy ambassador elsewhere to the second port
const MULTI_PORT =
  'apiVersion: ddp/v1\nkind: Topology\nmetadata: { name: shop }\nservices:\n' +
  '  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.4.2\n' +
  '    ports:\n      - { name: http, port: 8080, protocol: TCP }\n      - { name: admin, port: 9000, protocol: TCP }\n      - { name: dns, port: 5353, protocol: UDP }\n' +
  '    replicas: 3\n    cache: {}\n' +
  '    sidecars:\n      - { name: https, kind: tls, secret: web-tls }\n' +
  '    adapters:\n      - { name: metrics, kind: prometheus, image: "oliver006/redis_exporter:v1.62.0", port: 9121 }\n' +
  '  api:\n    pattern: replicated\n    image: ghcr.io/acme/api:1.0.0\n    port: 8080\n    replicas: 1\n' +
  '    ambassadors:\n      - { name: admin, kind: proxy, listen: 7000, upstream: "web:9000" }\n';

/** `listen` lines of an nginx config, and the `server host:port` lines, in order. */
const listens = (conf: string) => [...conf.matchAll(/^\s*listen (.+);/gm)].map((m) => m[1]);
const servers = (conf: string) => [...conf.matchAll(/^\s*server (\S+:\d+);/gm)].map((m) => m[1]);

describe("compose's load balancer serves every port of the Service it stands in for", async () => {
  const files = await generate(MULTI_PORT);
  const lb = content(files, 'nginx/web-lb.conf');

  it('listens on each port of the Service and passes it on to that port of the replicas: the main port over http, the others through stream, UDP as UDP', () => {
    expect(find(objects(files), 'Service', 'web').spec.ports.map((p: Obj) => `${p.name} ${p.port}/${p.protocol}`)).toEqual(['http 8080/TCP', 'admin 9000/TCP', 'dns 5353/UDP', 'https 8443/TCP', 'metrics 9121/TCP']);
    expect(listens(lb)).toEqual(['8080', '9000', '5353 udp reuseport', '8443', '9121']);
    expect(servers(lb)).toEqual(['web-replica:8080', 'web-replica:9000', 'web-replica:5353', 'web-replica:8443', 'web-replica:9121']);
    expect(lb).toContain('# the shard routers need exactly one), on every port the Service serves:\n#   8080 over HTTP, 9000/tcp (admin), 5353/udp (dns), 8443/tcp (https), 9121/tcp (metrics)\n');
    // the http block keeps the main port alone; everything else is a stream server
    expect(lb.slice(lb.indexOf('\nhttp {'), lb.indexOf('\nstream {'))).not.toMatch(/listen (9000|5353|8443|9121)/);
    expect(lb).toContain(
      '    # admin\n    upstream tcp-9000 {\n        server web-replica:9000;\n    }\n\n    server {\n        listen 9000;\n        include /tmp/ddp-listen-9000.con[f];  # `listen [::]:9000;` where the container has IPv6, else empty: written at start\n        proxy_pass tcp-9000;\n        proxy_connect_timeout 5s;\n        proxy_timeout 1h;  # idleTimeout: open while a byte passes either way\n    }\n',
    );
    expect(lb).toContain('    upstream udp-5353 {\n        server web-replica:5353;\n    }\n\n    server {\n        listen 5353 udp reuseport;\n        include /tmp/ddp-listen-5353-udp.con[f];  # `listen [::]:5353 udp reuseport;` where the container has IPv6, else empty: written at start\n        proxy_pass udp-5353;\n');
    // the sidecar's and the adapter's ports are open beside one replica only in compose: said where they pass
    expect(lb).toContain('    # https: a port of a container compose runs beside one replica only; a connection the\n');
    expect(lb).toContain('    # metrics: a port of a container compose runs beside one replica only; a connection the\n');
    expect(lb).not.toContain('# admin: a port of a container');
  });

  it("a TCP port's connection stays open for the service's idleTimeout, as on the main port", async () => {
    const lb2 = content(await generate(MULTI_PORT.replace('  web:\n    pattern: replicated\n', '  web:\n    pattern: replicated\n    idleTimeout: 2h\n')), 'nginx/web-lb.conf');
    expect(lb2).toContain('        listen 9000;\n        include /tmp/ddp-listen-9000.con[f];  # `listen [::]:9000;` where the container has IPv6, else empty: written at start\n        proxy_pass tcp-9000;\n        proxy_connect_timeout 5s;\n        proxy_timeout 2h;  # idleTimeout: open while a byte passes either way\n');
    expect(lb2).toContain('    proxy_read_timeout 2h;\n');
  });

  it('compose: the ambassador to web:9000 reaches the load balancer under `web`, which mounts the config that listens there; the replicas run as web-replica', () => {
    const compose = parseYaml(content(files, 'compose/docker-compose.yml'));
    expect(validateCompose(compose)).toEqual([]);
    const web = compose.services.web;
    expect([web.image, web.entrypoint, web.command, web.deploy.replicas]).toEqual([expect.stringMatching(/^nginxinc\/nginx-unprivileged:/), ['sh', '-c', expect.any(String), 'ddp-start'], ['nginx', '-c', '/etc/ddp/nginx.conf'], 1]);
    // every port it answers on, on IPv6 too where the container has IPv6: one file each (TCP and UDP apart)
    expect([...web.entrypoint[2].matchAll(/echo '(listen [^']+)'; fi > (\S+) /g)].map((m) => `${m[2]}: ${m[1]}`)).toEqual([
      '/tmp/ddp-listen-8080.conf: listen [::]:8080;', '/tmp/ddp-listen-9000.conf: listen [::]:9000;', '/tmp/ddp-listen-5353-udp.conf: listen [::]:5353 udp reuseport;',
      '/tmp/ddp-listen-8443.conf: listen [::]:8443;', '/tmp/ddp-listen-9121.conf: listen [::]:9121;',
    ]);
    expect(web.volumes[0]).toEqual({ type: 'bind', source: '../nginx/web-lb.conf', target: '/etc/ddp/nginx.conf', read_only: true });
    expect(web.depends_on).toEqual({ 'web-replica': { condition: 'service_started' } });
    expect(web.ports).toBeUndefined(); // nothing on the host: other services reach it by name
    expect(compose.services['web-replica'].deploy.replicas).toBe(3);
    expect(compose.services['web-metrics'].network_mode).toBe('service:web-replica');
    expect(compose.services['api-admin'].depends_on).toEqual({ api: { condition: 'service_started' }, web: { condition: 'service_started' } });
    expect(content(files, 'nginx/api-admin.conf')).toContain('        server web:9000;\n');
    // what `web` runs in compose answers on 9000: the file it mounts listens there
    expect(listens(content(files, web.volumes[0].source.replace('../', '')))).toContain('9000');
  });

  it('sessionAffinity client-ip: the other ports keep a client on one replica too (hash of its address, as ip_hash does for http)', async () => {
    const affine = content(await generate(MULTI_PORT.replace('    replicas: 3\n', '    replicas: 3\n    sessionAffinity: client-ip\n')), 'nginx/web-lb.conf');
    expect([...affine.matchAll(/^\s*(ip_hash|hash \$remote_addr);/gm)].map((m) => m[1])).toEqual(['ip_hash', 'hash $remote_addr', 'hash $remote_addr', 'hash $remote_addr', 'hash $remote_addr']);
    expect(lb).not.toMatch(/hash \$remote_addr|ip_hash/);
  });
});

describeWithBinaries(['nginx', 'unshare', 'mount'], "nginx -t takes compose's load balancer with every port of the Service", () => {
  const gate = streamModuleGate();
  it.skipIf(gate.skip)('http, tcp and udp servers, with and without session affinity', async () => {
    for (const text of [MULTI_PORT, MULTI_PORT.replace('    replicas: 3\n', '    replicas: 3\n    sessionAffinity: client-ip\n')]) {
      const lb = content(await generate(text), 'nginx/web-lb.conf');
      expect(listens(lb)).toEqual(['8080', '9000', '5353 udp reuseport', '8443', '9121']);
      const r = await checkNginx(withStreamModule(lb), allocateAddresses(['web-replica']), { pathMap: { '/tmp/': 'tmp/', '/dev/stdout': 'logs/access.log' } });
      expect({ ok: r.ok, output: r.ok ? '' : r.output }).toEqual({ ok: true, output: '' });
    }
  });
});

describeWithBinaries(['nginx', 'unshare', 'mount'], 'the compose load balancer keeps session affinity', () => {
  it('sessionAffinity: client-ip → ip_hash in compose, as the Service pins ClientIP in Kubernetes; nginx -t takes it', async () => {
    const lb = content(await generate(HEAD + '    replicas: 3\n    sessionAffinity: client-ip\n    cache: {}\n'), 'nginx/api-lb.conf');
    expect(lb).toContain('    upstream replicas {\n        ip_hash;');
    const r = await checkNginx(lb, allocateAddresses(['api-replica']), { pathMap: { '/tmp/': 'tmp/', '/dev/stdout': 'logs/access.log' } });
    expect({ ok: r.ok, output: r.ok ? '' : r.output }).toEqual({ ok: true, output: '' });
    expect(content(await generate(HEAD + '    replicas: 3\n    cache: {}\n'), 'nginx/api-lb.conf')).not.toContain('ip_hash');
  });
});
