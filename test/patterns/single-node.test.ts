// Single-node patterns (sidecars, ambassadors, adapters, election) on the model and in the
// rendered Kubernetes, compose and proxy configs.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { portNameProblem } from '../../src/k8s-names.js';
import { applySingleNode } from '../../src/patterns/single-node.js';
import { makeContext, type Topology } from '../../src/patterns/context.js';
import { emptyPod } from '../../src/patterns/containers.js';
import { ambassadorRuntime, splitBuckets, splitKey, serviceAddress } from '../../src/patterns/single-node/ambassadors.js';
import { portName } from '../../src/patterns/single-node/attach.js';
import { shardRouterConfig } from '../../src/patterns/single-node/shard-router.js';
import { shardRouterConfig as routerConfig } from '../../src/patterns/sharded.js';
import { bind } from '../../src/patterns/startup.js';
import type { Component, Unit } from '../../src/model.js';
import type { SingleNode } from '../../src/generated/topology.js';
import { composeDoc, failures, file, generate, kubeObject, TOPOLOGY_HEAD } from './single-node-helpers.js';

const podSpec = (d: Record<string, any>) => d.spec.template.spec; // eslint-disable-line @typescript-eslint/no-explicit-any
const names = (xs: { name: string }[] | undefined) => (xs ?? []).map((x) => x.name);

/** A bare component of `workload`, its main container listening on 8080, for calling applySingleNode directly. */
function bareComponent(workload: Component['workload'], port?: number): { unit: Unit; c: Component } {
  const pod = emptyPod();
  pod.containers.push({ name: 'app', image: 'acme/app:1', imagePullPolicy: 'IfNotPresent', ports: port ? [{ name: 'main', port, protocol: 'TCP' }] : [], env: [], resources: { cpu: '100m', memory: '128Mi', cpuLimit: '500m', memoryLimit: '256Mi' }, mounts: [], runAsUser: 10001, role: 'main' });
  const c: Component = { name: 'app', role: 'worker', workload, replicas: 1, pod, compose: {} };
  return { unit: { name: 'app', pattern: 'test', pointer: '/services/app', components: [c], configs: [], extra: {} }, c };
}

const ctxFor = (services: Record<string, unknown> = {}) => makeContext({ apiVersion: 'ddp/v1', kind: 'Topology', metadata: { name: 't' }, services } as unknown as Topology);

describe('sidecars', () => {
  it('join the main pod, share the declared volume, and share the process namespace pod-wide', async () => {
    const { files } = await generate(`${TOPOLOGY_HEAD}  site:
    pattern: replicated
    image: acme/site:1.0.0
    port: 8080
    volumes: { content: { type: emptyDir } }
    mounts: [{ volume: content, path: /srv, readOnly: true }]
    sidecars:
      - { name: git-sync, image: acme/git-sync:4.2.4, mounts: [{ volume: content, path: /git }] }
      - { name: topz, image: acme/topz:1.0.0, port: 8081, shareProcessNamespace: true }
`);
    const spec = podSpec(kubeObject(files, 'Deployment', 'site'));
    expect(names(spec.containers)).toEqual(['site', 'git-sync', 'topz']);
    expect(spec.shareProcessNamespace).toBe(true);
    expect(spec.initContainers).toBeUndefined();
    expect(spec.volumes.find((v: { name: string }) => v.name === 'content')).toEqual({ name: 'content', emptyDir: {} });
    expect(spec.containers[1].volumeMounts[0]).toEqual({ name: 'content', mountPath: '/git' });
    // the sidecar's own port gets its own name in the pod (the app's is "main")
    expect(spec.containers[2].ports).toEqual([{ name: 'topz', containerPort: 8081, protocol: 'TCP' }]);
    // a sidecar with a port and no health: TCP readiness on it (DESIGN.md, every container), liveness derived; one without a port: none
    expect([spec.containers[2].readinessProbe.tcpSocket, spec.containers[2].livenessProbe.tcpSocket]).toEqual([{ port: 8081 }, { port: 8081 }]);
    expect([spec.containers[1].readinessProbe, spec.containers[1].livenessProbe]).toEqual([undefined, undefined]);
    const compose = composeDoc(files);
    expect(compose.services['site-git-sync']).toMatchObject({ network_mode: 'service:site', pid: 'service:site' });
    expect(compose.services['site-git-sync'].volumes[0]).toEqual({ type: 'volume', source: 'site-content', target: '/git' });
    expect(compose.services.site.volumes[0]).toEqual({ type: 'volume', source: 'site-content', target: '/srv', read_only: true });
    expect(compose.volumes).toEqual({ 'site-content': {} });
  });

  it('kind tls: an nginx in the pod terminates TLS on its port and forwards to the app on localhost', async () => {
    const { files, model } = await generate(`${TOPOLOGY_HEAD}  site:
    pattern: replicated
    image: acme/site:1.0.0
    port: 9000
    sidecars: [{ name: https, kind: tls, secret: site-tls }]
`);
    const conf = file(files, 'nginx/site-https.conf');
    // on IPv6 too where the pod has it: the start-up shell writes the include (test/e2e/ipv6.test.ts)
    expect(conf).toContain('        listen 8443 ssl;\n        include /tmp/ddp-listen-8443.con[f];  # `listen [::]:8443 ssl;` where the container has IPv6, else empty: written at start\n');
    expect(conf).toContain('        server 127.0.0.1:9000;\n');
    expect(conf).toContain('        ssl_certificate /etc/ddp-tls/tls.crt;\n');
    const spec = podSpec(kubeObject(files, 'Deployment', 'site'));
    const nginx = spec.containers[1];
    expect(nginx).toMatchObject({ name: 'https', image: 'nginxinc/nginx-unprivileged:1.27.3-alpine', command: ['sh', '-c', "if grep -q . /proc/net/if_inet6 2>/dev/null; then echo 'listen [::]:8443 ssl;'; fi > /tmp/ddp-listen-8443.conf || exit 1; exec \"$$@\"", 'ddp-start'], args: ['nginx', '-c', '/etc/ddp/nginx.conf'], ports: [{ name: 'https', containerPort: 8443, protocol: 'TCP' }] });
    expect(nginx.volumeMounts.slice(0, 2)).toEqual([
      { name: 'https-config', mountPath: '/etc/ddp', readOnly: true },
      { name: 'https-tls', mountPath: '/etc/ddp-tls', readOnly: true },
    ]);
    expect(spec.volumes).toContainEqual({ name: 'https-config', configMap: { name: 'site-https-nginx' } });
    expect(spec.volumes).toContainEqual({ name: 'https-tls', secret: { secretName: 'site-tls' } });
    // the ConfigMap carries the very bytes of OUT/nginx/site-https.conf
    expect(kubeObject(files, 'ConfigMap', 'site-https-nginx').data['nginx.conf']).toBe(conf);
    // clients reach HTTPS through the Service
    expect(kubeObject(files, 'Service', 'site').spec.ports.map((p: { name: string; port: number }) => [p.name, p.port])).toEqual([['main', 9000], ['https', 8443]]);
    expect(model.supplied.map((s) => `${s.secret}/${s.key}`)).toEqual(['site-tls/tls.crt', 'site-tls/tls.key']);
    const compose = composeDoc(files);
    expect(compose.services['site-https'].secrets).toEqual([
      { source: 'site-tls-tls-crt', target: '/etc/ddp-tls/tls.crt' },
      { source: 'site-tls-tls-key', target: '/etc/ddp-tls/tls.key' },
    ]);
    expect(compose.services['site-https'].volumes[0]).toEqual({ type: 'bind', source: '../nginx/site-https.conf', target: '/etc/ddp/nginx.conf', read_only: true });
  });

  it('a TLS sidecar needs a main port to forward to', () => {
    const { unit, c } = bareComponent('Deployment');
    const ctx = ctxFor();
    applySingleNode(unit, c, { sidecars: [{ name: 'https', kind: 'tls', secret: 'x' }] } as SingleNode, ctx, '/services/app');
    expect(ctx.notes).toEqual([{ severity: 'error', code: 'tls-sidecar-no-port', message: 'the TLS sidecar `https` has nothing to proxy to: the main container has no port', pointer: '/services/app/sidecars/0', hint: 'give the service a `port:` (the TLS sidecar forwards to it on localhost)' }]);
    expect(names(c.pod.containers)).toEqual(['app']);
  });

  it('on a Job every attached container is a native sidecar, so none keeps the batch pod alive', () => {
    const { unit, c } = bareComponent('Job', 8080);
    const ctx = ctxFor({ db: { pattern: 'replicated', image: 'x:1', port: 5432 } });
    applySingleNode(unit, c, {
      sidecars: [{ name: 'helper', image: 'acme/helper:1' }],
      ambassadors: [{ name: 'db', kind: 'proxy', listen: 5432, upstream: 'db.example.com:5432' }],
      adapters: [{ name: 'metrics', kind: 'prometheus', image: 'acme/exporter:1', port: 9100 }],
      election: { lock: 'app-leader' },
    } as SingleNode, ctx, '/services/app');
    expect(names(c.pod.containers)).toEqual(['app']);
    expect(c.pod.initContainers.map((x) => [x.name, x.restartPolicy])).toEqual([['helper', 'Always'], ['db', 'Always'], ['metrics', 'Always'], ['elector', 'Always']]);
  });

  it('`native: true` makes a native sidecar on a Deployment too', () => {
    const { unit, c } = bareComponent('Deployment', 8080);
    applySingleNode(unit, c, { sidecars: [{ name: 'early', image: 'acme/early:1', native: true }, { name: 'late', image: 'acme/late:1' }] } as SingleNode, ctxFor(), '/services/app');
    expect(c.pod.initContainers.map((x) => [x.name, x.restartPolicy])).toEqual([['early', 'Always']]);
    expect(names(c.pod.containers)).toEqual(['app', 'late']);
  });
});

describe('ambassadors', () => {
  it('split keys: a header, cookie or query value (regex-extracted when nginx cannot name it); the client address the app passes on (X-Forwarded-For) -- never the connection\'s, 127.0.0.1 in a pod', () => {
    const client = { variable: '$ddp_user_key', describe: 'the client address the app passes on, the first of X-Forwarded-For', extract: { source: '$http_x_forwarded_for', regex: '~^[\\s,]*(?<ddp_v>[^\\s,]+)' } };
    expect(splitKey(undefined)).toEqual(client);
    expect(splitKey('client')).toEqual(client);
    expect(splitKey('header:X-User-Id')).toEqual({ variable: '$http_x_user_id', describe: 'the X-User-Id header' });
    expect(splitKey('cookie:uid')).toEqual({ variable: '$cookie_uid', describe: 'the uid cookie' });
    expect(splitKey('query:user_id')).toEqual({ variable: '$arg_user_id', describe: 'the user_id query parameter' });
    expect(splitKey('cookie:session-id')).toEqual({ variable: '$ddp_user_key', describe: 'the session-id cookie', extract: { source: '$http_cookie', regex: '~(?:^|;\\s*)session-id=(?<ddp_v>[^;]*)' } });
    expect(splitKey('query:user-id')).toEqual({ variable: '$ddp_user_key', describe: 'the user-id query parameter', extract: { source: '$args', regex: '~(?:^|&)user-id=(?<ddp_v>[^&]*)' } });
  });

  it('split buckets: each weight a percentage, the last positive one the remainder; zero weights get nothing', () => {
    expect(splitBuckets([{ to: 'a', weight: 90 }, { to: 'b', weight: 10 }])).toEqual([{ percent: '90%', upstream: 'route_0' }, { percent: '*', upstream: 'route_1' }]);
    expect(splitBuckets([{ to: 'a', weight: 50 }, { to: 'b', weight: 25 }, { to: 'c', weight: 25 }])).toEqual([{ percent: '50%', upstream: 'route_0' }, { percent: '25%', upstream: 'route_1' }, { percent: '*', upstream: 'route_2' }]);
    expect(splitBuckets([{ to: 'a', weight: 100 }, { to: 'b', weight: 0 }])).toEqual([{ percent: '*', upstream: 'route_0' }]);
  });

  it('routes go where in-cluster HTTP enters the routed service: its Service and main port, a cache layer, a sharded router', () => {
    const ctx = ctxFor({
      web: { pattern: 'replicated', image: 'x:1', port: 9090 },
      search: { pattern: 'scatter-gather', root: { image: 'r:1', port: 7070 }, leaves: { image: 'l:1', port: 8080, count: 2 } },
      plain: { pattern: 'replicated', image: 'x:1' },
      cached: { pattern: 'replicated', image: 'x:1', port: 9090, cache: {} },
      pages: { pattern: 'sharded', image: 'x:1', port: 8080, shards: 2 },
      hot: { pattern: 'sharded', image: 'x:1', port: 8080, shards: 2, replicasPerShard: 2, router: { kind: 'varnish', port: 9999 } },
    });
    expect(serviceAddress(ctx, 'web')).toEqual({ host: 'web', port: 9090 });
    expect(serviceAddress(ctx, 'search')).toEqual({ host: 'search', port: 7070 });
    expect(serviceAddress(ctx, 'plain')).toEqual({ host: 'plain', port: 8080 });
    expect(serviceAddress(ctx, 'cached')).toEqual({ host: 'cached-cache', port: 8080 });
    // not the headless Service `pages` (shards round-robin, router bypassed; no such name in compose)
    expect(serviceAddress(ctx, 'pages')).toEqual({ host: 'pages-router', port: 8080 });
    expect(serviceAddress(ctx, 'hot')).toEqual({ host: 'hot-router', port: 9999 });
  });

  it('a split without a user key keys on X-Forwarded-For\'s first address, else request by request, with a warning that says why (every request comes from 127.0.0.1)', async () => {
    const { files, diagnostics } = await generate(`${TOPOLOGY_HEAD}  web: { pattern: replicated, image: acme/web:1.0.0, port: 8080 }
  web-next: { pattern: replicated, image: acme/web:1.1.0, port: 8081 }
  shop:
    pattern: replicated
    image: acme/shop:1.0.0
    port: 8080
    ambassadors:
      - { name: experiment, kind: split, listen: 9001, routes: [{ to: web, weight: 80 }, { to: web-next, weight: 20 }] }
`);
    const split = file(files, 'nginx/shop-experiment.conf');
    expect(split).toContain('    map $http_x_forwarded_for $ddp_user_key {\n        "~^[\\s,]*(?<ddp_v>[^\\s,]+)" $ddp_v;\n        default "";\n    }\n');
    expect(split).toContain('    map $ddp_user_key $ddp_split_key {\n        "" $request_id;\n        default $ddp_user_key;\n    }\n');
    expect(split).toContain('    split_clients "${ddp_split_key}" $ddp_route {\n        80% route_0;\n        * route_1;\n    }\n');
    expect(split).not.toMatch(/map \$remote_addr|split_clients "\$\{remote_addr\}"/);
    expect(diagnostics.filter((d) => d.code === 'split-per-request').map((d) => `${d.line}:${d.col} ${d.severity} ${d.message} | ${d.hint}`)).toEqual([
      '12:9 warning split ambassador `experiment` has no user key: every request comes from the app at 127.0.0.1, so it keys on the client address the app passes on in X-Forwarded-For, and splits a request without that header on its own (the weights hold; one user may see both routes) | have the app pass on X-Forwarded-For from the request it serves, or set `key: header:X-User-Id` (or cookie:NAME, query:NAME) to keep each user on one route',
    ]);
  });

  it('a proxy ambassador to a sharded service by its own name (its headless Service): a warning pointing to its router', async () => {
    const { diagnostics } = await generate(`${TOPOLOGY_HEAD}  pages: { pattern: sharded, image: acme/pages:1.0.0, port: 8080, shards: 2 }
  shop:
    pattern: replicated
    image: acme/shop:1.0.0
    port: 8080
    ambassadors:
      - { name: pages, kind: proxy, listen: 9001, upstream: pages:8080 }
      - { name: router, kind: proxy, listen: 9002, upstream: pages-router:8080 }
`);
    expect(diagnostics.filter((d) => d.code === 'proxy-to-shards').map((d) => `${d.line} ${d.severity} ${d.message} | ${d.hint}`)).toEqual([
      '11 warning proxy ambassador `pages` connects to `pages`, the headless Service of a sharded service: each connection goes to some shard, past the router (and compose has no such name) | connect to its router, `pages-router`, or use `kind: shard-router` with `target: pages`',
    ]);
  });

  it('split, tcp proxy and http proxy: nginx containers in the pod, listening on 127.0.0.1 only', async () => {
    const { files } = await generate(`${TOPOLOGY_HEAD}  web: { pattern: replicated, image: acme/web:1.0.0, port: 8080 }
  web-next: { pattern: replicated, image: acme/web:1.1.0, port: 8081 }
  shop:
    pattern: replicated
    image: acme/shop:1.0.0
    port: 8080
    ambassadors:
      - { name: experiment, kind: split, listen: 9001, key: cookie:uid, routes: [{ to: web, weight: 80 }, { to: web-next, weight: 20 }] }
      - { name: db, kind: proxy, listen: 5432, upstream: db.example.com:5432 }
      - { name: api, kind: proxy, protocol: http, listen: 9002, upstream: api.example.com:8000 }
`);
    const split = file(files, 'nginx/shop-experiment.conf');
    expect(split).toContain('    map $cookie_uid $ddp_split_key {\n        "" $request_id;\n        default $cookie_uid;\n    }\n');
    expect(split).not.toMatch(/split_clients "\$\{remote_addr\}"|"" \$remote_addr;/);
    expect(split).toContain('    split_clients "${ddp_split_key}" $ddp_route {\n        80% route_0;\n        * route_1;\n    }\n');
    expect(split).toContain('    upstream route_0 {\n        server web:8080;\n');
    expect(split).toContain('    upstream route_1 {\n        server web-next:8081;\n');
    expect(split).toContain('        listen 127.0.0.1:9001;\n        include /tmp/ddp-listen-9001.con[f];  # `listen [::1]:9001;` where the container has IPv6, else empty: written at start\n');
    expect(split).not.toContain('ip_hash');
    const tcp = file(files, 'nginx/shop-db.conf');
    // an outside host: resolved per connection (test/patterns/upstream-dns.test.ts)
    expect(tcp).toContain('stream {\n    server {\n        listen 127.0.0.1:5432;\n        include /tmp/ddp-listen-5432.con[f];  # `listen [::1]:5432;` where the container has IPv6, else empty: written at start\n        include /tmp/ddp-resolver.conf;\n');
    expect(tcp).toContain('        set $ddp_upstream db.example.com:5432;\n        proxy_pass $ddp_upstream;\n');
    expect(tcp).not.toMatch(/^\s*load_module/m); // the nginx image has the stream module built in
    expect(tcp).not.toContain('http {');
    const http = file(files, 'nginx/shop-api.conf');
    expect(http).toContain('        set $ddp_upstream api.example.com:8000;\n');
    expect(http).toContain('        proxy_set_header Host api.example.com:8000;\n');
    const spec = podSpec(kubeObject(files, 'Deployment', 'shop'));
    expect(names(spec.containers)).toEqual(['shop', 'experiment', 'db', 'api']);
    for (const a of spec.containers.slice(1)) {
      expect(a.ports).toBeUndefined(); // nothing outside the pod reaches a 127.0.0.1 listener
      expect(a.volumeMounts[0]).toEqual({ name: `${a.name}-config`, mountPath: '/etc/ddp', readOnly: true });
    }
    expect(kubeObject(files, 'Service', 'shop').spec.ports).toHaveLength(1);
    const compose = composeDoc(files);
    for (const a of ['experiment', 'db', 'api']) {
      // nginx, behind the shell that adds its ::1 listener and writes its resolver for an outside host (test/patterns/upstream-dns.test.ts)
      const nginx = { entrypoint: ['sh', '-c', expect.stringContaining(`> /tmp/ddp-listen-${a === 'experiment' ? 9001 : a === 'db' ? 5432 : 9002}.conf || exit 1; exec "$$@"`), 'ddp-start'], command: ['nginx', '-c', '/etc/ddp/nginx.conf'] };
      expect(compose.services[`shop-${a}`]).toMatchObject({ network_mode: 'service:shop', ...nginx });
      expect(compose.services[`shop-${a}`].volumes[0]).toEqual({ type: 'bind', source: `../nginx/shop-${a}.conf`, target: '/etc/ddp/nginx.conf', read_only: true });
    }
  });

  it('shard-router: the sharded pattern\'s own router config, listening on 127.0.0.1 in the pod', () => {
    const services = {
      sessions: { pattern: 'sharded', image: 'memcached:1.6.29', port: 11211, protocol: 'memcache', shards: 3 },
      carts: { pattern: 'sharded', image: 'redis:7', protocol: 'redis', shards: 2, replicasPerShard: 2 },
      pages: { pattern: 'sharded', image: 'acme/pages:1', port: 8080, shards: 2, key: 'header:X-Tenant' },
      cached: { pattern: 'sharded', image: 'acme/pages:1', port: 8080, shards: 2, router: { kind: 'varnish' } },
      stream: { pattern: 'sharded', image: 'acme/tcp:1', port: 7000, protocol: 'tcp', shards: 2 },
      web: { pattern: 'replicated', image: 'x:1' },
    };
    const ctx = ctxFor(services);
    const amb = (target: string, listen: number) => ({ name: 'r', kind: 'shard-router' as const, target, listen });
    // the same routing as the service's router (same servers, hash and template), another listen address
    expect(shardRouterConfig('app-r', amb('sessions', 11211), ctx)).toEqual(routerConfig('app-r', 'sessions', services.sessions as never, { host: '127.0.0.1', port: 11211 }));
    expect(shardRouterConfig('app-r', amb('sessions', 11211), ctx)).toMatchObject({ target: 'twemproxy', data: { listen: '127.0.0.1:11211', hash: 'murmur', redis: false, servers: [{ name: 'sessions-0', host: 'sessions-0', port: 11211 }, { name: 'sessions-1', host: 'sessions-1', port: 11211 }, { name: 'sessions-2', host: 'sessions-2', port: 11211 }] } });
    expect(shardRouterConfig('app-r', amb('carts', 6379), ctx)).toMatchObject({ target: 'twemproxy', data: { redis: true, servers: [{ host: 'carts-0', port: 6379 }, { host: 'carts-1', port: 6379 }] } });
    expect(shardRouterConfig('app-r', amb('pages', 9000), ctx)).toMatchObject({ target: 'nginx', template: 'shard-router', data: { bind: { ipv4: '127.0.0.1:9000', ipv6: '[::1]:9000', params: '', file: 'ddp-listen-9000', loopback: true }, key: { variable: '$http_x_tenant' } } });
    expect(shardRouterConfig('app-r', amb('cached', 9000), ctx)).toMatchObject({ target: 'varnish', template: 'shard-router' });
    expect(shardRouterConfig('app-r', amb('stream', 7000), ctx)).toEqual({
      message: 'ambassador `r` cannot shard the tcp service `stream`: a byte stream carries no key, and in a pod every client address is 127.0.0.1',
      hint: 'give `stream` protocol http, memcache or redis, or reach its router through a `proxy` ambassador',
    });
    expect(shardRouterConfig('app-r', amb('web', 7000), ctx)).toEqual({ message: 'ambassador `r` routes to `web`, which is not a sharded service', hint: 'a shard-router targets a `pattern: sharded` service' });
  });

  it('each router kind runs in the pod on 127.0.0.1:<listen>, nginx and varnish on ::1 too where the pod has IPv6', () => {
    expect(ambassadorRuntime({ target: 'twemproxy', key: 'nutcracker.yml' }, 11211)).toEqual({ image: 'malexer/twemproxy:0.5.0', command: ['nutcracker', '-c', '/etc/ddp/nutcracker.yml', '-a', '127.0.0.1', '-s', '22222'] });
    expect(ambassadorRuntime({ target: 'twemproxy', key: 'nutcracker.yml' }, 6379, 22223).command.slice(-4)).toEqual(['-a', '127.0.0.1', '-s', '22223']);
    expect(ambassadorRuntime({ target: 'nginx', key: 'nginx.conf', binds: [bind({ port: 9000, loopback: true })] }, 9000)).toEqual({
      image: 'nginxinc/nginx-unprivileged:1.27.3-alpine',
      command: ['sh', '-c', "if grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then echo 'listen [::1]:9000;'; fi > /tmp/ddp-listen-9000.conf || exit 1; exec \"$@\"", 'ddp-start'],
      args: ['nginx', '-c', '/etc/ddp/nginx.conf'],
    });
    expect(ambassadorRuntime({ target: 'varnish', key: 'default.vcl', data: { idleTimeout: '1h' } }, 9000)).toEqual({
      image: 'varnish:7.6.1',
      // varnishd takes several -a: ::1 is added where the pod has it (-a localhost:9000 would stop varnishd where it has not)
      command: ['sh', '-c', "if grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then set -- \"$@\" -a '[::1]:9000'; fi; exec \"$@\"", 'ddp-start'],
      args: ['varnishd', '-F', '-f', '/etc/ddp/default.vcl', '-a', '127.0.0.1:9000', '-n', '/tmp/varnish', '-s', 'malloc,64m', '-p', 'fetch_maxchunksize=1m', '-p', 'pipe_timeout=3600'],
    });
  });

  it('an unroutable shard-router is an error at its target', async () => {
    const ds = await failures(`${TOPOLOGY_HEAD}  stream: { pattern: sharded, image: acme/tcp:1.0.0, port: 7000, protocol: tcp, shards: 2 }
  app:
    pattern: replicated
    image: acme/app:1.0.0
    ambassadors: [{ name: s, kind: shard-router, target: stream, listen: 7000 }]
`);
    expect(ds.map((d) => [d.code, d.pointer])).toEqual([['bad-reference', '/services/app/ambassadors/0/target']]);
  });
});

describe('adapters', () => {
  it('prometheus: exporter container, scrape port on the Service, prometheus.io annotations on the pod template', async () => {
    const { files } = await generate(`${TOPOLOGY_HEAD}  cache:
    pattern: replicated
    image: redis:7.4.1-alpine
    port: 6379
    adapters: [{ name: metrics, kind: prometheus, image: oliver006/redis_exporter:v1.62.0, port: 9121, env: { REDIS_ADDR: "redis://localhost:6379" } }]
`);
    const d = kubeObject(files, 'Deployment', 'cache');
    expect(d.spec.template.metadata.annotations).toEqual({ 'prometheus.io/path': '/metrics', 'prometheus.io/port': '9121', 'prometheus.io/scrape': 'true' });
    expect(d.metadata.annotations).toBeUndefined();
    const exporter = podSpec(d).containers[1];
    expect(exporter).toMatchObject({ name: 'metrics', image: 'oliver006/redis_exporter:v1.62.0', ports: [{ name: 'metrics', containerPort: 9121, protocol: 'TCP' }], env: [{ name: 'REDIS_ADDR', value: 'redis://localhost:6379' }], readinessProbe: { tcpSocket: { port: 9121 } } });
    expect(kubeObject(files, 'Service', 'cache').spec.ports).toEqual([
      { name: 'main', port: 6379, targetPort: 6379, protocol: 'TCP' },
      { name: 'metrics', port: 9121, targetPort: 9121, protocol: 'TCP' },
    ]);
    expect(composeDoc(files).services['cache-metrics']).toMatchObject({ image: 'oliver006/redis_exporter:v1.62.0', network_mode: 'service:cache', environment: { REDIS_ADDR: 'redis://localhost:6379' } });
  });

  it('logging: fluent-bit tails the app logs from a volume both mount and prints JSON lines', async () => {
    const { files } = await generate(`${TOPOLOGY_HEAD}  web:
    pattern: replicated
    image: acme/web:1.0.0
    port: 8080
    adapters: [{ name: logs, kind: logging, path: /var/log/web }]
`);
    const conf = file(files, 'fluent-bit/web-logs.conf');
    expect(conf).toContain('    Path              /var/log/web/*.log\n');
    expect(conf).toContain('    Name              stdout\n    Match             app\n    Format            json_lines\n');
    expect(conf).toContain('    Rename            log message\n    Add               service web\n');
    const spec = podSpec(kubeObject(files, 'Deployment', 'web'));
    expect(spec.volumes).toContainEqual({ name: 'logs-logs', emptyDir: {} });
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'logs-logs', mountPath: '/var/log/web' });
    expect(spec.containers[1]).toMatchObject({ name: 'logs', image: 'fluent/fluent-bit:3.1.9', command: ['/fluent-bit/bin/fluent-bit'], args: ['-c', '/etc/ddp/fluent-bit.conf'] });
    expect(spec.containers[1].volumeMounts.slice(0, 2)).toEqual([
      { name: 'logs-config', mountPath: '/etc/ddp', readOnly: true },
      { name: 'logs-logs', mountPath: '/var/log/web', readOnly: true },
    ]);
    expect(kubeObject(files, 'ConfigMap', 'web-logs-fluentbit').data['fluent-bit.conf']).toBe(conf);
    const compose = composeDoc(files);
    expect(compose.services.web.volumes).toContainEqual({ type: 'volume', source: 'web-logs-logs', target: '/var/log/web' });
    expect(compose.services['web-logs'].volumes).toContainEqual({ type: 'volume', source: 'web-logs-logs', target: '/var/log/web', read_only: true });
  });

  it('logging reuses the volume the app already mounts at the log path', async () => {
    const { files } = await generate(`${TOPOLOGY_HEAD}  web:
    pattern: replicated
    image: acme/web:1.0.0
    volumes: { logs: { type: emptyDir } }
    mounts: [{ volume: logs, path: /var/log/app }]
    adapters: [{ name: shipper, kind: logging }]
`);
    const spec = podSpec(kubeObject(files, 'Deployment', 'web'));
    expect(spec.volumes.map((v: { name: string }) => v.name).filter((n: string) => n.includes('logs'))).toEqual(['logs']);
    expect(spec.containers[1].volumeMounts[1]).toEqual({ name: 'logs', mountPath: '/var/log/app', readOnly: true });
    expect(file(files, 'fluent-bit/web-shipper.conf')).toContain('    Path              /var/log/app/*.log\n');
  });
});

describe('election', () => {
  it('a Lease elector sidecar with its ServiceAccount; the app learns the leader from localhost:4040', async () => {
    const { files, model } = await generate(`${TOPOLOGY_HEAD}  scheduler:
    pattern: replicated
    image: acme/scheduler:2.0.0
    port: 8080
    replicas: 3
    election: { lock: scheduler-leader }
`);
    const spec = podSpec(kubeObject(files, 'Deployment', 'scheduler'));
    expect(spec.serviceAccountName).toBe('scheduler-elector');
    expect(spec.automountServiceAccountToken).toBe(true);
    const elector = spec.containers[1];
    expect(elector).toMatchObject({ name: 'elector', image: 'kkosmrli/leader-elector:v0.3.0', ports: [{ name: 'leader', containerPort: 4040, protocol: 'TCP' }], readinessProbe: { tcpSocket: { port: 4040 } } });
    expect(elector.env).toEqual([
      { name: 'ELECTION_NAME', value: 'scheduler-leader' },
      { name: 'ELECTION_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'ELECTION_PORT', value: '4040' },
      { name: 'ELECTION_TYPE', value: 'leases' },
    ]);
    expect(spec.containers[0].env).toEqual([{ name: 'DDP_LEADER_URL', value: 'http://localhost:4040' }]);
    expect(kubeObject(files, 'ServiceAccount', 'scheduler-elector').automountServiceAccountToken).toBe(false);
    expect(kubeObject(files, 'RoleBinding', 'scheduler-elector')).toMatchObject({ roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'scheduler-elector' }, subjects: [{ kind: 'ServiceAccount', name: 'scheduler-elector', namespace: 'shop' }] });
    // the elector answers only behind the Kubernetes API, never on the Service
    expect(kubeObject(files, 'Service', 'scheduler').spec.ports).toHaveLength(1);
    // compose: no elector, and a warning both in the report and in the file
    const compose = composeDoc(files);
    expect(Object.keys(compose.services)).toEqual(['scheduler']);
    const warning = 'compose: scheduler runs without its leader elector (Lease `scheduler-leader`): compose has no Kubernetes API, so nothing answers on http://localhost:4040';
    expect(model.notes.filter((n) => n.code === 'compose-no-election')).toEqual([{ severity: 'warning', code: 'compose-no-election', message: warning, pointer: '/services/scheduler/election', hint: 'run one replica of scheduler in compose (it is then the only candidate), or deploy to Kubernetes for a real election' }]);
    expect(file(files, 'compose/docker-compose.yml')).toContain(`\n# WARNING: ${warning.replace('compose: ', '')}\n`);
  });

  it('the Lease name is a DNS-1123 subdomain, as Kubernetes names Leases: dots are fine, capitals are not', async () => {
    const topo = (lock: string) => `${TOPOLOGY_HEAD}  scheduler:\n    pattern: replicated\n    image: acme/scheduler:2.0.0\n    port: 8080\n    election: { lock: ${lock} }\n`;
    const { files } = await generate(topo('scheduler.leader'));
    expect(kubeObject(files, 'Role', 'scheduler-elector').rules[0].resourceNames).toEqual(['scheduler.leader']);
    expect((await failures(topo('Scheduler_Leader'))).map((d) => `${d.code}: ${d.message}`)).toEqual([
      "bad-format: services.scheduler.election.lock `Scheduler_Leader` is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', e.g. fast-ssd)",
    ]);
  });

  it('a custom elector port moves both the elector and DDP_LEADER_URL', async () => {
    const { files } = await generate(`${TOPOLOGY_HEAD}  s:
    pattern: replicated
    image: acme/s:1.0.0
    election: { lock: s-lock, port: 4141, image: acme/elector:2.0.0 }
`);
    const spec = podSpec(kubeObject(files, 'Deployment', 's'));
    expect(spec.containers[1]).toMatchObject({ image: 'acme/elector:2.0.0', ports: [{ containerPort: 4141 }] });
    expect(spec.containers[1].env[2]).toEqual({ name: 'ELECTION_PORT', value: '4141' });
    expect(spec.containers[0].env).toEqual([{ name: 'DDP_LEADER_URL', value: 'http://localhost:4141' }]);
  });
});

describe('semantic checks', () => {
  it('a prometheus adapter names its exporter image, and a pod has at most one', async () => {
    const ds = await failures(`${TOPOLOGY_HEAD}  web:
    pattern: replicated
    image: acme/web:1.0.0
    adapters:
      - { name: m1, kind: prometheus }
      - { name: m2, kind: prometheus, image: acme/exporter:1.0.0, port: 9101 }
`);
    expect(ds.map((d) => [d.code, d.message, d.pointer])).toEqual([
      ['missing-key', 'prometheus adapter `m1` needs an `image` (the exporter for your app)', '/services/web/adapters/0'],
      ['duplicate-scrape', 'web has two prometheus adapters; the prometheus.io annotations name one scrape port', '/services/web/adapters/1'],
    ]);
  });

  it('a logging path is a plain directory', async () => {
    const ds = await failures(`${TOPOLOGY_HEAD}  web:
    pattern: replicated
    image: acme/web:1.0.0
    adapters: [{ name: logs, kind: logging, path: "/var/log/my app" }]
`);
    expect(ds.map((d) => [d.code, d.message, d.pointer])).toEqual([['bad-path', 'logging path `/var/log/my app` must be a plain directory (letters, digits, ., _, - and /)', '/services/web/adapters/0/path']]);
  });
});

describe('names', () => {
  it('a container whose compose service would shadow another workload of the service is an error, not broken YAML', async () => {
    const ds = await failures(`${TOPOLOGY_HEAD}  web:
    pattern: replicated
    image: acme/web:1.0.0
    cache: { replicas: 1 }
    sidecars: [{ name: cache, image: acme/cache-warmer:1.0.0 }]
`);
    expect(ds.map((d) => [d.code, d.message, d.hint])).toEqual([
      ['name-collision', "services.web generates `web-cache` twice: as a workload and as the compose service of container `cache` in web's pod", 'rename the sidecar, ambassador or adapter `cache`'],
    ]);
  });
});

describe('port names', () => {
  it('stay unique in the pod and within 15 characters', () => {
    const p = (name: string) => ({ name, port: 1, protocol: 'TCP' as const });
    expect(portName('https', [p('main')])).toBe('https');
    expect(portName('https', [p('main'), p('https')])).toBe('https-2');
    expect(portName('a-very-long-sidecar-name', [])).toBe('a-very-long-sid');
    expect(portName('a-very-long-sidecar-name', [p('a-very-long-sid')])).toBe('a-very-long-s-2');
  });

  it('are names Kubernetes takes (IANA_SVC_NAME) whatever the container is called', () => {
    const p = (name: string) => ({ name, port: 1, protocol: 'TCP' as const });
    expect(portName('ab--cd', [])).toBe('ab-cd');
    expect(portName('1234567890123456', [])).toBe('p-1234567890123');
    expect(portName('1234567890abc', [p('p-1234567890abc')])).toBe('p-1234567890a-2');
    const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    fc.assert(
      fc.property(label, fc.array(label, { maxLength: 12 }), (base, others) => {
        const taken: ReturnType<typeof p>[] = [];
        for (const o of [...others, base, base, base]) taken.push(p(portName(o, taken)));
        for (const t of taken) expect(portNameProblem(t.name)).toBeUndefined();
        expect(new Set(taken.map((t) => t.name)).size).toBe(taken.length);
      }),
    );
  });
});
