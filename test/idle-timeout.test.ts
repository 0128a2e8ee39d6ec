// `idleTimeout`: how long a long-lived connection -- a connection upgrade (WebSocket), an event
// stream, a tcp proxy's connection -- stays open through the proxies ddp runs with no byte either
// way (src/patterns/idle-timeout.ts). The exact lines each proxy gets, that the real nginx and
// varnishd take them, and the exact diagnostics of a value ddp refuses or that sets nothing.
// (test/e2e/idle-timeout.test.ts: the real proxies honour them.)
import { describe, expect, it } from 'vitest';
import { parseTopologyText } from '../src/topology/load.js';
import { validateAll } from '../src/flow.js';
import type { Diagnostic } from '../src/diagnostics.js';
import type { OutputFile } from '../src/output/files.js';
import { describeWithBinaries } from './helpers/binaries.js';
import { allocateAddresses, checkNginx, checkVarnish, makeTempDir, RESOLVER_INCLUDE, selfSignedCert } from './helpers/proxies.js';
import { composeDoc, configHosts, file, generate, kubeObject, withStreamModule } from './patterns/single-node-helpers.js';
import { lines } from './helpers/topology.js';

const TOPOLOGY = `apiVersion: ddp/v1
kind: Topology
metadata: { name: shop }
services:
  web:
    pattern: replicated
    image: ghcr.io/acme/web:1.0.0
    port: 8080
    replicas: 3
    cache: {}
    tls: { secret: web-tls }
    idleTimeout: 2h
  api:
    pattern: replicated
    image: ghcr.io/acme/api:1.0.0
    port: 8080
    sidecars: [{ name: https, kind: tls, secret: api-tls }]
    idleTimeout: 90s
  pages:
    pattern: sharded
    image: ghcr.io/acme/pages:1.0.0
    port: 8080
    shards: 2
    replicasPerShard: 2
    idleTimeout: 10m
  room:
    pattern: sharded
    image: ghcr.io/acme/room:1.0.0
    port: 8080
    shards: 2
    router: { kind: varnish }
    idleTimeout: 1500ms
  line:
    pattern: sharded
    protocol: tcp
    image: ghcr.io/acme/line:1.0.0
    port: 7000
    shards: 2
    idleTimeout: 30m
  plain:
    pattern: replicated
    image: ghcr.io/acme/plain:1.0.0
    port: 8080
    cache: {}
  shop:
    pattern: replicated
    image: ghcr.io/acme/shop:1.0.0
    port: 8080
    ambassadors:
      - { name: split, kind: split, listen: 9001, key: header:X-User, routes: [{ to: web, weight: 50 }, { to: api, weight: 50 }] }
      - { name: rates, kind: proxy, protocol: http, listen: 9002, upstream: "rates.example.com:8081", idleTimeout: 5m }
      - { name: db, kind: proxy, listen: 9003, upstream: "db.example.com:5432", idleTimeout: 12h }
      - { name: pages, kind: shard-router, listen: 9004, target: pages }
      - { name: room, kind: shard-router, listen: 9005, target: room }
      - { name: plain, kind: proxy, protocol: http, listen: 9006, upstream: "plain.example.com:8080" }
`;

/** The nginx locations of an http proxy whose upstream is `pass`, for a timeout of `t`. */
const locations = (pass: string, t: string) => `
        location / {
            # nginx's timeouts are per location: a long-lived request goes to @long_lived
            error_page 418 = @long_lived;
            if ($ddp_long_lived) {
                return 418;
            }
            proxy_pass ${pass};
        }
        # a long-lived request stays open while a byte passes either way at least every ${t};
        # any other waits at most 60s (nginx's default) for each read from and write to the upstream
        location @long_lived {
            proxy_pass ${pass};
            proxy_read_timeout ${t};
            proxy_send_timeout ${t};
        }
    }
}
`;

const LONG_LIVED_MAPS = `
    # a long-lived request -- a connection upgrade (WebSocket), an event stream (server-sent events) --
    # takes the location @long_lived, with timeouts of its own (idleTimeout)
    map $http_accept $ddp_event_stream {
        "~*text/event-stream" 1;
        default "";
    }
    map $http_upgrade $ddp_long_lived {
        "" $ddp_event_stream;
        default 1;
    }
`;

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The args of container `container` of Deployment `name`, and of compose service `service`. */
function varnishdArgs(files: OutputFile[], name: string, container: string, service: string): { kubernetes: string[]; compose: string[] } {
  const pod = kubeObject(files, 'Deployment', name).spec.template.spec as Obj;
  const c = (pod.containers as Obj[]).find((x) => x.name === container)!;
  return { kubernetes: c.args as string[], compose: composeDoc(files).services[service].command as string[] };
}

describe('the lines each proxy gets', () => {
  it('nginx: every http proxy sends a long-lived request to @long_lived, with the idleTimeout of the service it fronts', async () => {
    const { files } = await generate(TOPOLOGY);
    const ends: [string, string, string][] = [
      ['nginx/web-tls.conf', 'http://backend', '2h'], // the TLS layer
      ['nginx/web-lb.conf', 'http://replicas', '2h'], // compose's load balancer behind the cache
      ['nginx/api-https.conf', 'http://app', '90s'], // a TLS sidecar
      ['nginx/pages-router.conf', 'http://shards', '10m'], // the router
      ['nginx/pages-0-lb.conf', 'http://replicas', '10m'], // compose's load balancer of a hot shard
      ['nginx/shop-pages.conf', 'http://shards', '10m'], // a shard-router ambassador: the target's
      ['nginx/shop-split.conf', 'http://$ddp_route', '2h'], // a split: the longest of its routes (web 2h, api 90s)
      ['nginx/shop-rates.conf', 'http://$ddp_upstream', '5m'], // a proxy ambassador: its own (an outside host, resolved per request)
      ['nginx/shop-plain.conf', 'http://$ddp_upstream', '1h'], // ... by default 1h
      ['nginx/plain-lb.conf', 'http://replicas', '1h'], // a service without idleTimeout: 1h
    ];
    for (const [path, pass, t] of ends) {
      const conf = file(files, path);
      expect({ path, end: conf.slice(conf.indexOf('\n        location / {') + 1) }).toEqual({ path, end: locations(pass, t).slice(1) });
      expect({ path, maps: conf.includes(LONG_LIVED_MAPS) }).toEqual({ path, maps: true });
    }
    // headers and the router's no-retry apply to both locations: they sit in the server block
    expect(file(files, 'nginx/pages-router.conf')).toContain('        listen 8080;\n        include /tmp/ddp-listen-8080.con[f];  # `listen [::]:8080;` where the container has IPv6, else empty: written at start\n        proxy_next_upstream off;\n        # the client\'s address');
    expect(file(files, 'nginx/pages-router.conf')).toContain('        real_ip_recursive on;\n        proxy_http_version 1.1;\n');
    expect(file(files, 'nginx/web-tls.conf')).toContain('        proxy_set_header X-Forwarded-Proto https;\n\n        location / {\n');
  });

  it('nginx stream: a tcp router and a tcp proxy ambassador idle out at theirs', async () => {
    const { files } = await generate(TOPOLOGY);
    expect(file(files, 'nginx/line-router.conf')).toContain('        proxy_connect_timeout 5s;\n        proxy_timeout 30m;\n');
    expect(file(files, 'nginx/shop-db.conf')).toContain('        proxy_connect_timeout 5s;\n        proxy_timeout 12h;\n');
  });

  it('varnish: a long-lived request is piped, and varnishd runs with pipe_timeout in seconds, in Kubernetes and in compose alike', async () => {
    const { files } = await generate(TOPOLOGY);
    const pipe = '    if (req.http.Upgrade ~ "(?i)websocket" || req.http.Accept ~ "(?i)text/event-stream") {\n        return (pipe);\n    }\n';
    expect(file(files, 'varnish/web-cache.vcl')).toContain(`    # backend as a pipe, never into the cache; open while a byte passes either way at least every\n    # 2h (varnishd -p pipe_timeout)\n${pipe}`);
    expect(file(files, 'varnish/room-router.vcl')).toContain(`    # shard as a pipe, never into the cache; open while a byte passes either way at least every\n    # 1500ms (varnishd -p pipe_timeout)\n${pipe}`);
    const cache = ['-F', '-f', '/etc/ddp/default.vcl', '-a', ':8080', '-n', '/tmp/varnish', '-s', 'malloc,256m', '-p', 'fetch_maxchunksize=1m', '-p', 'pipe_timeout=7200'];
    expect(varnishdArgs(files, 'web-cache', 'varnish', 'web-cache')).toEqual({ kubernetes: cache, compose: cache });
    const router = ['-F', '-f', '/etc/ddp/default.vcl', '-a', ':8080', '-n', '/tmp/varnish', '-s', 'malloc,64m', '-p', 'fetch_maxchunksize=1m', '-p', 'pipe_timeout=1.5'];
    expect(varnishdArgs(files, 'room-router', 'varnish', 'room-router')).toEqual({ kubernetes: router, compose: router });
    // behind the start-up shell, which adds -a [::1]:9005 where the pod has IPv6
    const ambassador = ['varnishd', '-F', '-f', '/etc/ddp/default.vcl', '-a', '127.0.0.1:9005', '-n', '/tmp/varnish', '-s', 'malloc,64m', '-p', 'fetch_maxchunksize=1m', '-p', 'pipe_timeout=1.5'];
    expect(varnishdArgs(files, 'shop', 'room', 'shop-room')).toEqual({ kubernetes: ambassador, compose: ambassador });
    expect(varnishdArgs(files, 'plain-cache', 'varnish', 'plain-cache').kubernetes.slice(-2)).toEqual(['-p', 'pipe_timeout=3600']);
  });
});

describeWithBinaries(['nginx', 'varnishd', 'cc', 'openssl', 'unshare', 'mount'], 'the real proxies take the lines', () => {
  it('nginx -t and varnishd -C accept every config of the topology', async () => {
    const { files } = await generate(TOPOLOGY);
    const certDir = makeTempDir('idle-certs');
    await selfSignedCert(certDir);
    const confs = files.filter((f) => f.path.startsWith('nginx/') || f.path.startsWith('varnish/'));
    expect(confs.map((c) => c.path)).toEqual([
      'nginx/api-https.conf', 'nginx/line-router.conf', 'nginx/pages-0-lb.conf', 'nginx/pages-1-lb.conf', 'nginx/pages-router.conf', 'nginx/plain-lb.conf',
      'nginx/shop-db.conf', 'nginx/shop-pages.conf', 'nginx/shop-plain.conf', 'nginx/shop-rates.conf', 'nginx/shop-split.conf', 'nginx/web-lb.conf', 'nginx/web-tls.conf',
      'varnish/plain-cache.vcl', 'varnish/room-router.vcl', 'varnish/shop-room.vcl', 'varnish/web-cache.vcl',
    ]);
    for (const c of confs) {
      const hosts = allocateAddresses(configHosts(c.content));
      const r = c.path.startsWith('nginx/')
        ? await checkNginx(withStreamModule(c.content), hosts, { files: RESOLVER_INCLUDE, pathMap: { '/etc/ddp-tls': certDir, '/tmp/': 'tmp/', '/dev/stdout': 'logs/access.log' } })
        : await checkVarnish(c.content, hosts);
      expect({ path: c.path, ok: r.ok, output: r.ok ? '' : r.output }).toEqual({ path: c.path, ok: true, output: '' });
    }
  });
});

/** `line:col code: message`, and the hint. */
const show = (d: Diagnostic) => `${d.line ?? '-'}:${d.col ?? '-'} ${d.severity} ${d.code}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`;
const diagnostics = async (text: string, code?: string) => (await validateAll(parseTopologyText(text, 'ddp.yaml'))).filter((d) => (code ? d.code === code : d.severity === 'error')).map(show);

describe('what validate says', () => {
  it('a value that is not a duration, and a bare number', async () => {
    expect(await diagnostics(lines('    port: 8080', '    cache: {}', '    idleTimeout: 1d'))).toEqual([
      '11:18 error bad-format: services.web.idleTimeout `1d` is not a duration (at most 9 digits and a unit, e.g. 500ms, 2s, 5m)',
    ]);
    expect(await diagnostics(lines('    port: 8080', '    cache: {}', '    idleTimeout: 60'))).toEqual([
      '11:18 error wrong-type: services.web.idleTimeout must be a string, not the number 60 (a duration has a unit: 60s (or ms, m, h))',
    ]);
  });

  it('from 1s to 24h, for a service and for a proxy ambassador', async () => {
    const text = lines(
      '    port: 8080',
      '    cache: {}',
      '    idleTimeout: 500ms',
      '    ambassadors:',
      '      - { name: db, kind: proxy, listen: 9003, upstream: "db.example.com:5432", idleTimeout: 25h }',
      '      - { name: api, kind: proxy, protocol: http, listen: 9004, upstream: "api.example.com:80", idleTimeout: 0s }',
      '      - { name: ok, kind: proxy, listen: 9005, upstream: "ok.example.com:80", idleTimeout: 1440m }',
    );
    expect(await diagnostics(text)).toEqual([
      '11:18 error out-of-range: services.web.idleTimeout must be at least 1s; got 500ms (shorter, a long-lived connection would close between a message and its answer)',
      '13:94 error out-of-range: services.web.ambassadors[0].idleTimeout must be at most 24h; got 25h (a client silent for longer keeps its connection with a ping (a WebSocket ping frame, an event-stream comment line); a longer timeout keeps the connections of clients long gone)',
      '14:110 error out-of-range: services.web.ambassadors[1].idleTimeout must be at least 1s; got 0s (shorter, a long-lived connection would close between a message and its answer)',
    ]);
  });

  it('a split or shard-router ambassador takes the idleTimeout of the services it reaches, not one of its own', async () => {
    const text = lines(
      '    port: 8080',
      '    ambassadors:',
      '      - { name: ab, kind: split, listen: 9001, key: header:X-User, routes: [{ to: web, weight: 50 }, { to: next, weight: 50 }], idleTimeout: 2h }',
      '      - { name: pages, kind: shard-router, listen: 9002, target: pages, idleTimeout: 2h }',
      '  next:',
      '    pattern: replicated',
      '    image: ghcr.io/acme/web:1.5.0',
      '  pages:',
      '    pattern: sharded',
      '    image: ghcr.io/acme/pages:1.0.0',
      '    shards: 2',
    );
    expect(await diagnostics(text)).toEqual([
      '11:142 error ambassador-field: a `split` ambassador takes the idleTimeout of the services it routes to (the longest of them): its own `idleTimeout` is not used (remove it, and set `idleTimeout` on `web`, `next`)',
      '12:86 error ambassador-field: a `shard-router` ambassador runs the router of `pages` and takes its idleTimeout: its own `idleTimeout` is not used (remove it, and set `idleTimeout` on `pages`)',
    ]);
  });

  it('an idleTimeout no proxy of ddp reads is a warning; one a split route reads is not', async () => {
    const text = lines(
      '    port: 8080',
      '    idleTimeout: 2h',
      '  sessions:',
      '    pattern: sharded',
      '    protocol: redis',
      '    image: redis:7.4.1',
      '    args: ["--save", ""]',
      '    shards: 2',
      '    idleTimeout: 2h',
      '  next:',
      '    pattern: replicated',
      '    image: ghcr.io/acme/web:1.5.0',
      '    port: 8080',
      '    idleTimeout: 2h',
      '  shop:',
      '    pattern: replicated',
      '    image: ghcr.io/acme/shop:1.0.0',
      '    ambassadors:',
      '      - { name: ab, kind: split, listen: 9001, key: header:X-User, routes: [{ to: next, weight: 50 }, { to: other, weight: 50 }] }',
      '  other:',
      '    pattern: replicated',
      '    image: ghcr.io/acme/other:1.0.0',
    );
    expect(await diagnostics(text, 'unused-idle-timeout')).toEqual([
      "10:18 warning unused-idle-timeout: idleTimeout of web sets nothing: no proxy ddp runs stands in front of it (a TLS or cache layer, an http or tcp router, a TLS sidecar, a split ambassador's route) (remove it: a connection that reaches web directly is for web itself to time out)",
      "17:18 warning unused-idle-timeout: idleTimeout of sessions sets nothing: no proxy ddp runs stands in front of it (a TLS or cache layer, an http or tcp router, a TLS sidecar, a split ambassador's route) (remove it: a connection that reaches sessions directly is for sessions itself to time out)",
    ]);
  });
});
