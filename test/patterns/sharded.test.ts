// The sharded pattern (issue 3): objects, router configs for every router kind and key, compose,
// strict schemas, cross-references, validation messages, and the real proxies' own config checks.
import { describe, expect, it } from 'vitest';
import { validateKubernetes, parseAllDocuments } from '../helpers/kubernetes.js';
import { validateCompose } from '../helpers/compose.js';
import { describeWithBinaries, isCI } from '../helpers/binaries.js';
import { allocateAddresses, checkNginx, checkNutcracker, checkVarnish } from '../helpers/proxies.js';
import { TOPOLOGY_HEAD, composeDoc, failures, file, generate, kubeObject, kubeObjects, streamModuleProblem, withStreamModule, type Generated } from './single-node-helpers.js';
import { composeUpstreamProblems, configUpstreams, loadBalancerPortProblems, selectorProblems, upstreamProblems } from './serving-helpers.js';
import { makeContext, type Topology } from '../../src/patterns/context.js';
import { shardRouterConfig } from '../../src/patterns/sharded.js';
import { renderConfig } from '../../src/targets/configs.js';
import type { Sharded } from '../../src/generated/topology.js';

/** A topology of one sharded service `svc` with these YAML fields (one per line). */
const topo = (fields: string[], svc = 'pages') => TOPOLOGY_HEAD + `  ${svc}:\n    pattern: sharded\n` + fields.map((l) => `    ${l}\n`).join('');
const HTTP = ['image: ghcr.io/acme/pages:1.0.0', 'port: 8080'];

// every router kind, key and shard mode: each must render valid, self-consistent output
const VARIANTS: Record<string, string[]> = {
  'nginx, uri, StatefulSet': [...HTTP, 'shards: 3'],
  'nginx, header, hot shards': [...HTTP, 'shards: 2', 'replicasPerShard: 3', 'key: header:X-User-Id'],
  'nginx, query (plain name)': [...HTTP, 'shards: 2', 'key: query:user'],
  'nginx, query (name with a dash)': [...HTTP, 'shards: 2', 'key: query:user-id'],
  'nginx, cookie (plain name)': [...HTTP, 'shards: 2', 'key: cookie:sid'],
  'nginx, cookie (name with a dash), storage': [...HTTP, 'shards: 2', 'key: cookie:session-id', 'storage: { size: 2Gi, path: /data, storageClass: fast }'],
  'varnish, uri, probes': [...HTTP, 'shards: 3', 'health: { path: /healthz }', 'router: { kind: varnish }'],
  'varnish, header, hot shards': [...HTTP, 'shards: 3', 'replicasPerShard: 2', 'key: header:X-User-Id', 'router: { kind: varnish, port: 9000 }'],
  'varnish, query': [...HTTP, 'shards: 2', 'key: query:user-id', 'router: { kind: varnish }'],
  'varnish, cookie': [...HTTP, 'shards: 2', 'key: cookie:session-id', 'router: { kind: varnish }'],
  'twemproxy, memcache': ['image: memcached:1.6.29', 'port: 11211', 'protocol: memcache', 'shards: 4'],
  'twemproxy, memcache, hot shards': ['image: memcached:1.6.29', 'protocol: memcache', 'shards: 2', 'replicasPerShard: 2'],
  'twemproxy, redis, md5, storage': ['image: redis:7.4.1-alpine', 'port: 6379', 'protocol: redis', 'shards: 2', 'router: { hash: md5 }', 'storage: { size: 1Gi }'],
  'nginx stream, tcp': ['image: ghcr.io/acme/ledger:1.0.0', 'port: 7000', 'protocol: tcp', 'shards: 3'],
};

const cache = new Map<string, Promise<Generated>>();
const gen = (fields: string[]) => {
  const key = fields.join('\n');
  if (!cache.has(key)) cache.set(key, generate(topo(fields)));
  return cache.get(key)!;
};
const configsOf = (g: Generated) => g.files.filter((f) => /^(nginx|varnish|twemproxy)\//.test(f.path));

describe('sharded: StatefulSet shards (replicasPerShard 1)', () => {
  it('a StatefulSet and a headless Service publishing not-ready addresses; shard i knows its index', async () => {
    const g = await gen([...HTTP, 'shards: 3']);
    const sts = kubeObject(g.files, 'StatefulSet', 'pages');
    expect(sts.spec).toMatchObject({ serviceName: 'pages', replicas: 3, podManagementPolicy: 'Parallel' });
    const env = sts.spec.template.spec.containers[0].env;
    expect(env).toEqual([
      { name: 'DDP_SHARDS', value: '3' },
      { name: 'DDP_SHARD_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } } },
    ]);
    const svc = kubeObject(g.files, 'Service', 'pages');
    expect(svc.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, ports: [{ name: 'main', port: 8080, targetPort: 8080, protocol: 'TCP' }] });
    expect(kubeObject(g.files, 'PodDisruptionBudget', 'pages').spec.maxUnavailable).toBe(1);
    expect(kubeObjects(g.files).filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name)).toEqual(['pages-router']);
  });

  it("a ClusterIP Service per shard pod, named as the pod and selecting it alone: the routers' addresses outlive the pods'", async () => {
    const g = await gen(['image: ghcr.io/acme/pages:1.0.0', 'ports: [{ name: main, port: 8080 }, { name: admin, port: 9090 }]', 'shards: 3']);
    const objects = kubeObjects(g.files);
    expect(objects.filter((o) => o.kind === 'Service').map((o) => o.metadata.name)).toEqual(['pages', 'pages-0', 'pages-1', 'pages-2', 'pages-router']);
    for (let i = 0; i < 3; i++) {
      const s = kubeObject(g.files, 'Service', `pages-${i}`);
      expect(s.metadata.labels).toEqual(kubeObject(g.files, 'Service', 'pages').metadata.labels);
      expect(s.spec).toEqual({
        selector: { 'app.kubernetes.io/name': 'pages', 'app.kubernetes.io/part-of': 'shop', 'statefulset.kubernetes.io/pod-name': `pages-${i}` },
        ports: [
          { name: 'main', port: 8080, targetPort: 8080, protocol: 'TCP' },
          { name: 'admin', port: 9090, targetPort: 9090, protocol: 'TCP' },
        ],
      });
    }
    expect(selectorProblems(objects)).toEqual([]);
  });

  it('the nginx router hashes the URI consistently over the StatefulSet pods, counted from 0', async () => {
    const conf = file((await gen([...HTTP, 'shards: 3'])).files, 'nginx/pages-router.conf');
    expect(conf).toContain(
      [
        '    upstream shards {',
        '        hash $request_uri consistent;',
        '        server pages-0:8080 max_fails=0;',
        '        server pages-1:8080 max_fails=0;',
        '        server pages-2:8080 max_fails=0;',
        '        keepalive 16;',
        '    }',
      ].join('\n'),
    );
    expect(conf).toContain('        listen 8080;\n');
    expect(conf).toContain('        proxy_next_upstream off;\n');
  });

  it('storage: a volume claim template per shard, mounted at storage.path', async () => {
    const g = await gen([...HTTP, 'shards: 2', 'key: cookie:session-id', 'storage: { size: 2Gi, path: /data, storageClass: fast }']);
    const sts = kubeObject(g.files, 'StatefulSet', 'pages');
    expect(sts.spec.volumeClaimTemplates).toEqual([{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '2Gi' } } } }]);
    expect(sts.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(kubeObjects(g.files).filter((o) => o.kind === 'PersistentVolumeClaim')).toEqual([]);
    // compose: a named volume per shard
    const compose = composeDoc(g.files);
    expect(compose.services['pages-0'].volumes[0]).toEqual({ type: 'volume', source: 'pages-0-data', target: '/data' });
    expect(compose.services['pages-1'].volumes[0]).toEqual({ type: 'volume', source: 'pages-1-data', target: '/data' });
    expect(Object.keys(compose.volumes)).toEqual(['pages-0-data', 'pages-1-data']);
  });

  it('compose: one service per shard (the Service name), with the pod DNS name as a network alias; the router starts after them', async () => {
    const compose = composeDoc((await gen([...HTTP, 'shards: 3'])).files);
    expect(Object.keys(compose.services)).toEqual(['pages-0', 'pages-1', 'pages-2', 'pages-router']);
    for (let i = 0; i < 3; i++) {
      const s = compose.services[`pages-${i}`];
      expect(s.networks).toEqual({ default: { aliases: [`pages-${i}.pages`] } });
      expect(s.environment).toEqual({ DDP_SHARDS: '3', DDP_SHARD_INDEX: String(i) });
      expect(s.deploy.replicas).toBe(1);
    }
    expect(compose.services['pages-router'].depends_on).toEqual({
      'pages-0': { condition: 'service_started' },
      'pages-1': { condition: 'service_started' },
      'pages-2': { condition: 'service_started' },
    });
    expect(compose.services['pages-router'].volumes[0]).toEqual({ type: 'bind', source: '../nginx/pages-router.conf', target: '/etc/ddp/nginx.conf', read_only: true });
  });

  it('expose: the Ingress sends traffic to the router, and compose publishes the router port', async () => {
    const g = await generate(topo([...HTTP, 'shards: 2', 'expose: { host: pages.example.com }']));
    const ing = kubeObject(g.files, 'Ingress', 'pages');
    expect(ing.spec.rules[0].http.paths[0].backend).toEqual({ service: { name: 'pages-router', port: { number: 8080 } } });
    // two router replicas → a host-port range of two
    expect(composeDoc(g.files).services['pages-router'].ports).toEqual([{ target: 8080, published: '8080-8081', protocol: 'tcp' }]);
  });
});

describe('sharded: hot shards (replicasPerShard > 1)', () => {
  it('a Deployment and ClusterIP Service per shard, no StatefulSet; the router names the shard Services', async () => {
    const g = await gen([...HTTP, 'shards: 3', 'replicasPerShard: 2', 'key: header:X-User-Id', 'router: { kind: varnish, port: 9000 }']);
    const objs = kubeObjects(g.files);
    expect(objs.filter((o) => o.kind === 'StatefulSet')).toEqual([]);
    expect(objs.filter((o) => o.kind === 'Deployment').map((o) => [o.metadata.name, o.spec.replicas])).toEqual([
      ['pages-0', 2],
      ['pages-1', 2],
      ['pages-2', 2],
      ['pages-router', 2],
    ]);
    for (let i = 0; i < 3; i++) {
      const svc = kubeObject(g.files, 'Service', `pages-${i}`);
      expect(svc.spec.clusterIP).toBeUndefined();
      expect(svc.spec.selector).toEqual({ 'app.kubernetes.io/name': `pages-${i}`, 'app.kubernetes.io/part-of': 'shop' });
      expect(kubeObject(g.files, 'Deployment', `pages-${i}`).spec.template.spec.containers[0].env).toContainEqual({ name: 'DDP_SHARD_INDEX', value: String(i) });
    }
    const vcl = file(g.files, 'varnish/pages-router.vcl');
    expect(configUpstreams({ path: 'varnish/pages-router.vcl', content: vcl })).toEqual(['pages-0:8080', 'pages-1:8080', 'pages-2:8080']);
    expect(kubeObject(g.files, 'Service', 'pages-router').spec.ports).toEqual([{ name: 'http', port: 9000, targetPort: 9000, protocol: 'TCP' }]);
    expect(kubeObject(g.files, 'Deployment', 'pages-router').spec.template.spec.containers[0].args).toEqual(['-F', '-f', '/etc/ddp/default.vcl', '-a', ':9000', '-n', '/tmp/varnish', '-s', 'malloc,64m', '-p', 'fetch_maxchunksize=1m', '-p', 'pipe_timeout=3600']);
  });

  it('compose: http hot shards get a load balancer under the shard name (one address for the router)', async () => {
    const g = await gen([...HTTP, 'shards: 3', 'replicasPerShard: 2', 'key: header:X-User-Id', 'router: { kind: varnish, port: 9000 }']);
    const compose = composeDoc(g.files);
    expect(compose.services['pages-1'].image).toMatch(/^nginxinc\/nginx-unprivileged:/);
    expect(compose.services['pages-1-replica'].deploy.replicas).toBe(2);
    expect(file(g.files, 'nginx/pages-1-lb.conf')).toContain('server pages-1-replica:8080;');
    expect(g.files.some((f) => f.content.includes('pages-1-lb-nginx'))).toBe(false); // compose only: no ConfigMap
  });

  it("compose: a hot shard's load balancer serves every port of the shard's Service (a second port, an adapter's)", async () => {
    const g = await gen(['image: ghcr.io/acme/pages:1.0.0', 'ports: [{ name: http, port: 8080, protocol: TCP }, { name: admin, port: 9000, protocol: TCP }]', 'shards: 2', 'replicasPerShard: 2', 'adapters: [{ name: metrics, kind: prometheus, image: "oliver006/redis_exporter:v1.62.0" }]']);
    expect(kubeObject(g.files, 'Service', 'pages-1').spec.ports.map((p: Record<string, unknown>) => `${p.port}/${p.protocol}`)).toEqual(['8080/TCP', '9000/TCP', '9100/TCP']);
    const lb = file(g.files, 'nginx/pages-1-lb.conf');
    expect([...lb.matchAll(/^\s*listen (.+);/gm)].map((m) => m[1])).toEqual(['8080', '9000', '9100']);
    expect(configUpstreams({ path: 'nginx/pages-1-lb.conf', content: lb })).toEqual(['pages-1-replica:8080', 'pages-1-replica:9000', 'pages-1-replica:9100']);
    expect(loadBalancerPortProblems(g.files, kubeObjects(g.files))).toEqual([]);
  });

  it('hot redis or memcache shards: a warning, since nothing copies a write between the replicas (none for http)', async () => {
    const warned = async (fields: string[]) => (await gen(fields)).diagnostics.filter((d) => d.code === 'hot-shards-diverge').map((d) => `${d.line}:${d.col} ${d.message} | ${d.hint}`);
    expect(await warned(['image: redis:7.4.1', 'protocol: redis', 'args: ["--save", ""]', 'shards: 3', 'replicasPerShard: 2'])).toEqual([
      '11:23 each shard of pages is 2 independent redis servers behind one Service: a write lands on one of them and a read may ask another (ddp sets up no replication between them) | keep `replicasPerShard: 1` for redis (more shards spread the load), or run a replicated redis yourself',
    ]);
    expect(await warned(['image: memcached:1.6.29', 'protocol: memcache', 'shards: 2', 'replicasPerShard: 3'])).toEqual([
      '10:23 each shard of pages is 3 independent memcached servers behind one Service: a set or delete reaches one of them, and the others keep serving what they hold until it expires | keep `replicasPerShard: 1` unless your app tolerates stale values (more shards spread the load)',
    ]);
    expect(await warned([...HTTP, 'shards: 3', 'replicasPerShard: 2'])).toEqual([]);
  });

  it('compose: memcache hot shards run one replica each, and the report says so', async () => {
    const g = await gen(['image: memcached:1.6.29', 'protocol: memcache', 'shards: 2', 'replicasPerShard: 2']);
    const compose = composeDoc(g.files);
    expect(compose.services['pages-0'].deploy.replicas).toBe(1);
    expect(compose.services['pages-0-replica']).toBeUndefined();
    expect(g.model.notes).toContainEqual({
      severity: 'info',
      code: 'compose-one-replica-per-shard',
      message: 'compose: each shard of pages runs 1 replica, not 2 (compose has no ClusterIP to balance memcache connections over replicas)',
      pointer: '/services/pages/replicasPerShard',
    });
  });
});

describe('sharded: router configs by kind and key', () => {
  const nginxKey = async (key: string) => file((await gen([...HTTP, 'shards: 2', `key: ${key}`])).files, 'nginx/pages-router.conf');
  const vclKey = async (key: string) => file((await gen([...HTTP, 'shards: 2', `key: ${key}`, 'router: { kind: varnish }'])).files, 'varnish/pages-router.vcl');

  it('nginx: header, query and cookie keys; names nginx variables cannot hold are extracted by a map', async () => {
    expect(await nginxKey('header:X-User-Id')).toContain('hash $http_x_user_id consistent;');
    expect(await nginxKey('query:user')).toContain('hash $arg_user consistent;');
    expect(await nginxKey('cookie:sid')).toContain('hash $cookie_sid consistent;');
    const q = await nginxKey('query:user-id');
    expect(q).toContain('    map $args $ddp_shard_key {\n        "~(?:^|&)user-id=(?<ddp_v>[^&]*)" $ddp_v;\n        default "";\n    }');
    expect(q).toContain('hash $ddp_shard_key consistent;');
    const c = await nginxKey('cookie:session-id');
    expect(c).toContain('    map $http_cookie $ddp_shard_key {\n        "~(?:^|;\\s*)session-id=(?<ddp_v>[^;]*)" $ddp_v;');
  });

  it('varnish: a shard director by URL, by a header (cached per key), or by a value regsub extracts', async () => {
    const uri = file((await gen([...HTTP, 'shards: 3', 'health: { path: /healthz }', 'router: { kind: varnish }'])).files, 'varnish/pages-router.vcl');
    expect(uri).toContain('import directors;');
    expect(uri).toContain('    new shards = directors.shard();\n    shards.add_backend(shard_0, "pages-0");\n    shards.add_backend(shard_1, "pages-1");\n    shards.add_backend(shard_2, "pages-2");\n    shards.reconfigure();');
    expect(uri).toContain('    set req.backend_hint = shards.backend(by=URL);');
    expect(uri).toContain('probe shard_health {\n    .url = "/healthz";');
    expect(uri.match(/\.probe = shard_health;/g)).toHaveLength(3);
    expect(configUpstreams({ path: 'varnish/x.vcl', content: uri })).toEqual(['pages-0:8080', 'pages-1:8080', 'pages-2:8080']);
    const header = await vclKey('header:X-User-Id');
    expect(header).toContain('shards.backend(by=KEY, key=shards.key(req.http.X-User-Id));');
    expect(header).toContain('sub vcl_hash {\n    # responses differ by shard key: cache them per key (the built-in hash adds the URL and host)\n    hash_data(req.http.X-User-Id);\n}');
    expect(header).not.toContain('probe');
    const query = await vclKey('query:user-id');
    expect(query).toContain('    if (req.url ~ "[?&]user-id=") {\n        set req.http.X-Ddp-Shard-Key = regsub(req.url, "^.*[?&]user-id=([^&#]*).*$", "\\1");');
    expect(query).toContain('shards.backend(by=KEY, key=shards.key(req.http.X-Ddp-Shard-Key));\n    unset req.http.X-Ddp-Shard-Key;');
    const cookie = await vclKey('cookie:session-id');
    expect(cookie).toContain('regsub(req.http.Cookie, "^(.*;\\s*)?session-id=([^;]*).*$", "\\2")');
  });

  it('twemproxy: ketama over named servers, murmur by default, redis: true for redis, router.hash honoured', async () => {
    const mc = file((await gen(['image: memcached:1.6.29', 'port: 11211', 'protocol: memcache', 'shards: 4'])).files, 'twemproxy/pages-router.yml');
    expect(mc).toContain(
      [
        '"pages":',
        '  listen: "0.0.0.0:11211"',
        '  hash: "murmur"',
        '  distribution: ketama',
        '  timeout: 1000',
        '  preconnect: false',
        '  auto_eject_hosts: false',
        '  servers:',
        '    - "pages-0:11211:1 pages-0"',
        '    - "pages-1:11211:1 pages-1"',
        '    - "pages-2:11211:1 pages-2"',
        '    - "pages-3:11211:1 pages-3"',
      ].join('\n'),
    );
    expect(mc).not.toContain('redis');
    const rd = file((await gen(['image: redis:7.4.1-alpine', 'port: 6379', 'protocol: redis', 'shards: 2', 'router: { hash: md5 }', 'storage: { size: 1Gi }'])).files, 'twemproxy/pages-router.yml');
    expect(rd).toContain('  hash: "md5"\n');
    expect(rd).toContain('  redis: true\n');
    const hot = file((await gen(['image: memcached:1.6.29', 'protocol: memcache', 'shards: 2', 'replicasPerShard: 2'])).files, 'twemproxy/pages-router.yml');
    expect(hot).toContain('    - "pages-0:11211:1 pages-0"\n    - "pages-1:11211:1 pages-1"');
  });

  it('tcp: nginx stream hashes the client address consistently', async () => {
    const conf = file((await gen(VARIANTS['nginx stream, tcp']!)).files, 'nginx/pages-router.conf');
    expect(conf).toContain('stream {\n    upstream shards {\n        hash $remote_addr consistent;\n        server pages-0:7000 max_fails=0;');
    expect(conf).not.toContain('http {');
  });

  it('shardRouterConfig renders the same routing on a loopback listener (for a shard-router ambassador)', () => {
    const svc = { pattern: 'sharded', image: 'memcached:1.6.29', protocol: 'memcache', shards: 2 } as Sharded;
    const cfg = shardRouterConfig('app-cache', 'sessions', svc, { host: '127.0.0.1', port: 11211 });
    expect({ name: cfg.name, target: cfg.target, key: cfg.key }).toEqual({ name: 'app-cache', target: 'twemproxy', key: 'nutcracker.yml' });
    const text = renderConfig(cfg);
    expect(text).toContain('  listen: "127.0.0.1:11211"\n');
    expect(text).toContain('    - "sessions-0:11211:1 sessions-0"\n');
    const http = renderConfig(shardRouterConfig('app-pages', 'pages', { pattern: 'sharded', image: 'x:1', shards: 2, key: 'header:X-User-Id' } as Sharded, { host: '127.0.0.1', port: 8081 }));
    expect(http).toContain('listen 127.0.0.1:8081;');
    expect(http).toContain('hash $http_x_user_id consistent;');
    // an ambassador whose pod runs nginx: the nginx form of a varnish-routed service
    const viaNginx = shardRouterConfig('app-pages', 'pages', { pattern: 'sharded', image: 'x:1', shards: 2, key: 'query:user-id', router: { kind: 'varnish' } } as Sharded, { host: '127.0.0.1', port: 8081 }, 'nginx');
    expect({ target: viaNginx.target, template: viaNginx.template }).toEqual({ target: 'nginx', template: 'shard-router' });
    expect(renderConfig(viaNginx)).toContain('hash $ddp_shard_key consistent;');
  });
});

describe.each(Object.entries(VARIANTS))('sharded %s: output is valid and consistent', (_, fields) => {
  it('passes the strict Kubernetes and Compose schemas', async () => {
    const g = await gen(fields);
    for (const f of g.files.filter((x) => x.target === 'kubernetes')) expect({ path: f.path, problems: validateKubernetes(parseAllDocuments(f.content)) }).toEqual({ path: f.path, problems: [] });
    expect(validateCompose(composeDoc(g.files))).toEqual([]);
  });

  it('every router upstream is a Service or StatefulSet pod (one address, on its port); selectors match; serviceNames are headless', async () => {
    const g = await gen(fields);
    const objects = kubeObjects(g.files);
    const routers = configsOf(g).filter((f) => /-router\./.test(f.path));
    expect(routers).toHaveLength(1);
    expect(configUpstreams(routers[0]!).length).toBe(Number(/shards: (\d+)/.exec(fields.join('\n'))![1]));
    expect(upstreamProblems(routers, objects)).toEqual([]);
    expect(selectorProblems(objects)).toEqual([]);
  });

  it('compose: every config upstream is a compose service or alias, one address behind varnish', async () => {
    const g = await gen(fields);
    expect(composeUpstreamProblems(configsOf(g), composeDoc(g.files))).toEqual([]);
  });
});

describe('sharded: the cross-reference checks do fail', () => {
  it('a router naming a pod beyond the StatefulSet, or a headless Service, is reported', async () => {
    const g = await gen([...HTTP, 'shards: 3']);
    const objects = kubeObjects(g.files);
    const conf = file(g.files, 'nginx/pages-router.conf');
    const broken = [{ path: 'nginx/pages-router.conf', content: conf.replace('server pages-2:8080', 'server pages-3:8080').replace('server pages-1:8080', 'server pages:8080').replace('server pages-0:8080', 'server pages-0.pages:8080') }];
    expect(upstreamProblems(broken as never, objects)).toEqual([
      "nginx/pages-router.conf: pages-0.pages is a StatefulSet pod's own name (its address changes when the pod is made anew)",
      'nginx/pages-router.conf: pages is a headless Service (many addresses)',
      'nginx/pages-router.conf: pages-3 is no Service or StatefulSet pod',
    ]);
    const sts = objects.find((o) => o.kind === 'StatefulSet')!;
    const svc = objects.find((o) => o.kind === 'Service' && o.metadata?.name === 'pages')!;
    expect(selectorProblems([{ ...sts, spec: { ...sts.spec, serviceName: 'pages-router' } }, svc, objects.find((o) => o.kind === 'Service' && o.metadata?.name === 'pages-router')!, objects.find((o) => o.kind === 'Deployment')!])).toEqual([
      'StatefulSet pages: serviceName pages-router is not headless',
    ]);
  });
});

describe('sharded: validation', () => {
  const messages = async (fields: string[]) => (await failures(topo(fields))).map((d) => ({ code: d.code, message: d.message, hint: d.hint, pointer: d.pointer }));

  it('storage with hot shards', async () => {
    expect(await messages([...HTTP, 'shards: 2', 'replicasPerShard: 2', 'storage: { size: 1Gi }'])).toEqual([
      { code: 'storage-hot-shards', message: 'storage gives each shard one ReadWriteOnce claim, which the 2 replicas of a hot shard cannot share', hint: 'remove `storage`, or set `replicasPerShard: 1`', pointer: '/services/pages/storage' },
    ]);
  });

  it('expose on a memcache service, router.hash on an nginx router', async () => {
    expect(await messages(['image: memcached:1.6.29', 'protocol: memcache', 'shards: 2', 'expose: { host: x.example.com }'])).toEqual([
      { code: 'expose-needs-http', message: 'expose makes an HTTP Ingress, but pages speaks memcache', hint: 'remove `expose`', pointer: '/services/pages/expose' },
    ]);
    expect(await messages([...HTTP, 'shards: 2', 'router: { hash: md5 }'])).toEqual([
      { code: 'hash-needs-twemproxy', message: "router.hash picks twemproxy's hash function, but pages's router is nginx", hint: 'remove `router.hash`: nginx and varnish hash the key themselves', pointer: '/services/pages/router/hash' },
    ]);
  });

  it('a key on a tcp service, a varnish router for memcache', async () => {
    expect(await messages(['image: x/ledger:1.0.0', 'protocol: tcp', 'shards: 2', 'key: uri'])).toEqual([
      { code: 'key-needs-http', message: 'key applies to http sharding only; tcp shards by the client address', hint: 'remove `key`', pointer: '/services/pages/key' },
    ]);
    expect(await messages(['image: memcached:1.6.29', 'protocol: memcache', 'shards: 2', 'router: { kind: varnish }'])).toEqual([
      { code: 'bad-router', message: 'router.kind varnish cannot route memcache', hint: 'use twemproxy', pointer: '/services/pages/router/kind' },
    ]);
  });

  it('storage and a declared volume `data`', async () => {
    expect(await messages([...HTTP, 'shards: 2', 'storage: { size: 1Gi }', 'volumes: { data: { type: emptyDir } }'])).toEqual([
      { code: 'name-collision', message: "storage is pages's volume `data`, which `volumes` declares too", hint: 'rename the declared volume', pointer: '/services/pages/volumes/data' },
    ]);
  });

  it('hashes measured to spread badly are warnings', async () => {
    const g = await generate(topo(['image: memcached:1.6.29', 'protocol: memcache', 'shards: 2', 'router: { hash: fnv1a_64 }']));
    expect(g.diagnostics.map((d) => ({ severity: d.severity, code: d.code, message: d.message }))).toContainEqual({
      severity: 'warning',
      code: 'weak-hash',
      message: "twemproxy 0.5 with hash fnv1a_64 and ketama spreads short keys badly: in ddp's tests 200 sequential keys over 3 shards all landed on one",
    });
  });
});

describe('sharded: what the containers need to run', () => {
  const warningsOf = async (lines: string[]) => (await generate(topo(lines))).diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.code}: ${d.message}`);
  const REDIS = "redis writes its snapshots (dump.rdb) and append-only file into its working directory, /data, which ddp's non-root containers cannot write (read-only in Kubernetes; in compose the image's own volume, owned by its redis user): the first save fails, and from then on redis refuses every write (MISCONF)";

  it('redis shards without storage: a warning (redis-server as uid 10001 on a read-only /data refuses writes after its first save), none with storage or snapshots off', async () => {
    const redis = ['image: redis:7.4.1-alpine', 'protocol: redis', 'shards: 2'];
    expect(await warningsOf(redis)).toEqual([`redis-no-storage: ${REDIS}`]);
    expect(await warningsOf([...redis, 'storage: { size: 1Gi }'])).toEqual([]);
    expect(await warningsOf([...redis, "args: ['--save', '']"])).toEqual([]);
    expect(await warningsOf([...redis, "args: ['--save', '', '--appendonly', 'yes']"])).toEqual([`redis-no-storage: ${REDIS}`]);
    expect(await warningsOf([...redis, 'volumes: { d: {} }', 'mounts: [{ volume: d, path: /data/ }]'])).toEqual([]);
    expect(await warningsOf(['image: memcached:1.6.29', 'protocol: memcache', 'shards: 2'])).toEqual([]);
  });

  it('a memory limit or request below 6Mi: a warning (Docker refuses the container)', async () => {
    expect(await warningsOf(['image: memcached:1.6.29', 'protocol: memcache', 'shards: 2', 'resources: { memory: 2Mi, memoryLimit: 6Mi }'])).toEqual([
      'memory-below-docker-minimum: memory 2Mi is below 6Mi, the least Docker gives a container: compose cannot start it (and hardly any process starts in less)',
    ]);
    // a proxy's too (the router's)
    expect(await warningsOf(['image: memcached:1.6.29', 'protocol: memcache', 'shards: 2', 'router: { resources: { memory: 4Mi, memoryLimit: 8Mi } }'])).toEqual([
      'memory-below-docker-minimum: memory 4Mi is below 6Mi, the least Docker gives a container: compose cannot start it (and hardly any process starts in less)',
    ]);
  });
});

// ───────── the real proxies accept every router config ─────────

describeWithBinaries(['nginx', 'varnishd', 'cc', 'nutcracker', 'unshare', 'mount'], 'sharded: nginx -t, varnishd -C and nutcracker -t accept every router config', () => {
  const stream = streamModuleProblem();
  const all = async () => (await Promise.all(Object.values(VARIANTS).map(gen))).flatMap((g) => configsOf(g));
  const hostsOf = (content: string, path: string) => allocateAddresses([...new Set(configUpstreams({ path, content }).map((hp) => hp.slice(0, hp.lastIndexOf(':'))))]);
  const NGINX_PATHS = { '/tmp/': 'tmp/', '/dev/stdout': 'logs/access.log' };

  it('nginx -t', async () => {
    const confs = (await all()).filter((f) => f.path.startsWith('nginx/') && (!stream || !/^stream \{/m.test(f.content)));
    if (stream) {
      if (isCI()) throw new Error(stream);
      process.stderr.write(`skipping the tcp router's nginx -t: ${stream}\n`);
    }
    expect(confs.length).toBeGreaterThanOrEqual(12);
    for (const f of confs) {
      const r = await checkNginx(withStreamModule(f.content), hostsOf(f.content, f.path), { pathMap: NGINX_PATHS });
      expect({ path: f.path, ...r }).toEqual({ path: f.path, ok: true, output: '' });
    }
  }, 120_000);

  it('varnishd -C', async () => {
    const vcls = (await all()).filter((f) => f.path.startsWith('varnish/'));
    expect(vcls).toHaveLength(4);
    for (const f of vcls) {
      const r = await checkVarnish(f.content, hostsOf(f.content, f.path));
      expect({ path: f.path, ok: r.ok, output: r.ok ? '' : r.output }).toEqual({ path: f.path, ok: true, output: '' });
    }
  }, 120_000);

  it('nutcracker -t', async () => {
    const ymls = (await all()).filter((f) => f.path.startsWith('twemproxy/'));
    expect(ymls).toHaveLength(3);
    for (const f of ymls) {
      const r = await checkNutcracker(f.content, hostsOf(f.content, f.path));
      expect({ path: f.path, ok: r.ok }).toEqual({ path: f.path, ok: true });
    }
  });

  it('the checks do fail: varnish refuses a headless Service (two addresses) as a backend', async () => {
    const vcl = file((await gen(VARIANTS['varnish, uri, probes']!)).files, 'varnish/pages-router.vcl');
    const hosts = { ...hostsOf(vcl, 'varnish/x.vcl'), 'pages-0': ['127.0.0.2', '127.0.0.3'] };
    const r = await checkVarnish(vcl, hosts);
    expect(r.ok).toBe(false);
    expect(r.output).toContain('Backend host "pages-0": resolves to too many addresses.');
  });
});
