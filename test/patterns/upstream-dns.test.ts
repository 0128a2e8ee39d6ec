// A proxy ambassador's upstream outside the cluster is resolved per request, behind a start-up
// shell that writes nginx's `resolver` line from /etc/resolv.conf (src/patterns/single-node/upstream-dns.ts);
// a name of the cluster keeps the config resolved once. The shell is run here for real (sh, in a
// private mount namespace with a resolv.conf of the test's over /etc/resolv.conf and a fresh /tmp),
// in front of the real `nginx -t`, which accepts the line it wrote. The switch itself:
// test/e2e/proxy-dns.test.ts.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolverStep, resolvesPerRequest } from '../../src/patterns/single-node/upstream-dns.js';
import { listenStep, bind, START_SCRIPT_NAME } from '../../src/patterns/startup.js';
import { ambassadorRuntime } from '../../src/patterns/single-node/ambassadors.js';
import { binaryPath, describeWithBinaries } from '../helpers/binaries.js';
import { makeTempDir, run, withHosts } from '../helpers/proxies.js';
import { composeDoc, file, generate, kubeObject, TOPOLOGY_HEAD } from './single-node-helpers.js';

/** The start-up script of a proxy ambassador to `host` on loopback port `listen`: the resolver
 *  line, then the ::1 listener, then exec. */
const resolverScript = (host: string, listen: number, scratch = '/tmp') =>
  [resolverStep(host, `${scratch}/ddp-resolver.conf`), listenStep(scratch, bind({ port: listen, loopback: true })), 'exec "$@"'].join('; ');
const listenScript = (listen: number) => [listenStep('/tmp', bind({ port: listen, loopback: true })), 'exec "$@"'].join('; ');

describe('which upstreams nginx resolves per request', () => {
  it('a name outside the cluster: yes; an address, a Service of the topology or another name of the cluster: no', () => {
    const perRequest = (hosts: string[]) => hosts.filter((h) => resolvesPerRequest(h));
    expect(perRequest([
      'db.prod.example.com', 'payments.example.com', 'api.db.internal', 'DB.Prod.Example.COM', // outside
      '10.0.0.5', 'web', 'web-cache', 'carts-router', 'localhost', // an address, a one-label name
      // two labels: a Service of any namespace, found through the search path as before (an
      // outside name of two labels, `example.com`, is resolved once, as before)
      'web.shop', 'web.other-ns', 'example.com',
      'web.shop.svc', 'web.shop.svc.cluster.local', 'db.other-ns.svc', 'db.other-ns.svc.corp.example', // Services
    ])).toEqual(['db.prod.example.com', 'payments.example.com', 'api.db.internal', 'DB.Prod.Example.COM']);
  });

  it('the config, command and args of each kind of upstream', async () => {
    const { files } = await generate(`${TOPOLOGY_HEAD}  web: { pattern: replicated, image: ghcr.io/acme/web:1.0.0, port: 8080 }
  shop:
    pattern: replicated
    image: ghcr.io/acme/shop:3.1.0
    port: 8080
    ambassadors:
      - { name: db, kind: proxy, listen: 5432, upstream: "db.prod.example.com:5432" }
      - { name: api, kind: proxy, protocol: http, listen: 8082, upstream: "api.example.com:8081" }
      - { name: web, kind: proxy, protocol: http, listen: 8083, upstream: "web:8080" }
      - { name: ip, kind: proxy, listen: 5433, upstream: "10.0.0.5:5432" }
`);
    const lines = (path: string) => file(files, path).split('\n').map((l) => l.trim()).filter((l) => /^(upstream|server|include|resolver_timeout|set|proxy_pass|keepalive) /.test(l) && l !== 'server {' && !l.includes('ddp-listen'));
    expect(lines('nginx/shop-db.conf')).toEqual(['include /tmp/ddp-resolver.conf;', 'resolver_timeout 5s;', 'set $ddp_upstream db.prod.example.com:5432;', 'proxy_pass $ddp_upstream;']);
    expect(lines('nginx/shop-api.conf')).toEqual(['include /tmp/ddp-resolver.conf;', 'resolver_timeout 5s;', 'set $ddp_upstream api.example.com:8081;', 'proxy_pass http://$ddp_upstream;', 'proxy_pass http://$ddp_upstream;']);
    expect(lines('nginx/shop-web.conf')).toEqual(['upstream backend {', 'server web:8080;', 'keepalive 16;', 'proxy_pass http://backend;', 'proxy_pass http://backend;']);
    expect(lines('nginx/shop-ip.conf')).toEqual(['upstream backend {', 'server 10.0.0.5:5432;', 'proxy_pass backend;']);

    const containers = kubeObject(files, 'Deployment', 'shop').spec.template.spec.containers as { name: string; command: string[]; args?: string[] }[];
    const shown = (c: { command: string[]; args?: string[] }) => (c.command[0] === 'sh' ? { command: c.command.map((a, i) => (i === 2 ? 'SCRIPT' : a)), args: c.args } : { command: c.command, ...(c.args ? { args: c.args } : {}) });
    const kube = Object.fromEntries(containers.slice(1).map((c) => [c.name, shown(c)]));
    // every nginx starts behind the shell (its IPv6 listener); those that resolve per request write the resolver first
    const start = { command: ['sh', '-c', 'SCRIPT', 'ddp-start'], args: ['nginx', '-c', '/etc/ddp/nginx.conf'] };
    expect(kube).toEqual({ db: start, api: start, web: start, ip: start });
    // `$` doubled, as for every command (the kubelet and compose turn `$$` into `$`)
    expect(containers.slice(1).map((c) => c.command[2])).toEqual([resolverScript('db.prod.example.com', 5432), resolverScript('api.example.com', 8082), listenScript(8083), listenScript(5433)].map((x) => x.replaceAll('$', '$$$$')));
    const compose = composeDoc(files).services as Record<string, { entrypoint?: string[]; command?: string[] }>;
    expect([compose['shop-db'].entrypoint, compose['shop-db'].command]).toEqual([['sh', '-c', resolverScript('db.prod.example.com', 5432).replaceAll('$', '$$$$'), 'ddp-start'], ['nginx', '-c', '/etc/ddp/nginx.conf']]);
    expect([compose['shop-web'].entrypoint, compose['shop-web'].command]).toEqual([['sh', '-c', listenScript(8083).replaceAll('$', '$$$$'), 'ddp-start'], ['nginx', '-c', '/etc/ddp/nginx.conf']]);
  });

  it('ambassadorRuntime: one shell in front of nginx, the resolver step only for a config that resolves per request', () => {
    const binds = (port: number) => [bind({ port, loopback: true })];
    const resolved = ambassadorRuntime({ target: 'nginx', key: 'nginx.conf', binds: binds(5432), data: { host: 'db.example.com', resolve: { valid: '10s' } } }, 5432);
    expect(resolved).toEqual({ image: 'nginxinc/nginx-unprivileged:1.27.3-alpine', command: ['sh', '-c', resolverScript('db.example.com', 5432), 'ddp-start'], args: ['nginx', '-c', '/etc/ddp/nginx.conf'] });
    // in a Knative pod, the scratch directory is /var/tmp: both files are written there
    expect(ambassadorRuntime({ target: 'nginx', key: 'nginx.conf', scratch: '/var/tmp', binds: binds(5432), data: { host: 'db.example.com', resolve: { valid: '10s' } } }, 5432).command[2]).toBe(resolverScript('db.example.com', 5432, '/var/tmp'));
    expect(ambassadorRuntime({ target: 'nginx', key: 'nginx.conf', binds: binds(8083), data: { host: 'web' } }, 8083)).toEqual({ image: 'nginxinc/nginx-unprivileged:1.27.3-alpine', command: ['sh', '-c', listenScript(8083), 'ddp-start'], args: ['nginx', '-c', '/etc/ddp/nginx.conf'] });
  });
});

describeWithBinaries(['nginx', 'unshare', 'mount', 'sh'], 'the start-up shell, run by sh in front of the real nginx -t', () => {
  const CONF = 'events {}\nhttp {\n    server {\n        listen 127.0.0.1:8082;\n        include /tmp/ddp-resolver.conf;\n    }\n}\n';

  /** Runs the generated script with `resolvConf` as /etc/resolv.conf and a fresh /tmp: what it wrote, how it ended. */
  async function startUp(resolvConf: string): Promise<{ code: number | null; stderr: string; written?: string }> {
    const dir = makeTempDir('resolver');
    writeFileSync(join(dir, 'resolv.conf'), resolvConf);
    writeFileSync(join(dir, 'nginx.conf'), CONF);
    const nginx = [binaryPath('nginx'), '-t', '-q', '-p', '/tmp/', '-c', '/tmp/nginx.conf', '-e', 'stderr'];
    const [cmd, args] = withHosts('sh', ['-c', `${resolverStep('api.example.com', '/tmp/ddp-resolver.conf')}; exec "$@"`, START_SCRIPT_NAME, ...nginx], {}, dir, [[join(dir, 'resolv.conf'), '/etc/resolv.conf'], [dir, '/tmp']]);
    const r = await run(cmd, args);
    const out = join(dir, 'ddp-resolver.conf');
    return { code: r.code, stderr: r.stderr.trim(), ...(existsSync(out) ? { written: readFileSync(out, 'utf8') } : {}) };
  }

  it('an IPv4 nameserver (a cluster\'s kube-dns, with the search path and options the kubelet writes)', async () => {
    expect(await startUp('search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n'))
      .toEqual({ code: 0, stderr: '', written: 'resolver 10.96.0.10 valid=10s;\n' });
  });

  it('IPv6 nameservers in brackets, beside IPv4 ones; one with a zone (nginx refuses it) left out; tabs, comments, no final newline', async () => {
    expect(await startUp('# written by hand\nnameserver\tfd00:10:96::a\nnameserver fe80::1%eth0\n  nameserver 127.0.0.11  # compose\nnameserver ::1'))
      .toEqual({ code: 0, stderr: '', written: 'resolver [fd00:10:96::a] 127.0.0.11 [::1] valid=10s;\n' });
  });

  it('no nameserver: the container stops at once and says why, nginx never starts', async () => {
    expect(await startUp('search example.com\noptions ndots:5\n'))
      .toEqual({ code: 1, stderr: 'ddp-start: no nameserver in /etc/resolv.conf: nginx cannot resolve api.example.com' });
  });
});
