// End to end: every listener answers on IPv6 too where the pod has IPv6, and starts as before where
// it has none (src/patterns/startup.ts). Before, the TLS layer listened on 0.0.0.0 only and an
// ambassador on 127.0.0.1 only: a Service's IPv6 traffic, or an app that dials localhost and tries
// ::1 first, was refused.
//
// Each case runs the generated container command line as generated (the start-up shell, then the
// real nginx or varnishd), in a network namespace of its own as a pod has (runInNetns), with a
// fresh directory over /tmp (the scratch emptyDir), a backend answering `app` on 127.0.0.1:8080,
// and curl inside the namespace: once with IPv6 (lo has ::1, as on this machine), once with IPv6
// turned off as a CNI does (disable_ipv6: /proc/net/if_inet6 empty, a bind to [::1] refused).
// Without IPv6 a fixed `listen [::1]:PORT` stops nginx, which the shell's check avoids. (The sysctl
// does not refuse a bind to [::] -- only a kernel without IPv6 does -- so for a wildcard listener
// the case without IPv6 shows that nginx starts and answers on IPv4, and that the include is empty.)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { binaryPath, describeWithBinaries } from '../helpers/binaries.js';
import { makeTempDir, runInNetns, selfSignedCert } from '../helpers/proxies.js';
import { containerCommandLine, file, generate, TOPOLOGY_HEAD } from '../patterns/single-node-helpers.js';
import type { OutputFile } from '../../src/output/files.js';

const topology = `${TOPOLOGY_HEAD}  web:
    pattern: replicated
    image: ghcr.io/acme/web:1.0.0
    port: 8080
    tls: { secret: web-tls }
  pages:
    pattern: sharded
    image: ghcr.io/acme/pages:1.0.0
    port: 8080
    shards: 2
    router: { kind: varnish }
  shop:
    pattern: replicated
    image: ghcr.io/acme/shop:1.0.0
    port: 9000
    ambassadors:
      - { name: api, kind: proxy, protocol: http, listen: 8082, upstream: "web:8080" }
      - { name: pages, kind: shard-router, target: pages, listen: 8083 }
`;

/** The pod's /etc/hosts as the kubelet writes it (localhost both ways), and the names the configs resolve at start. */
const HOSTS = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.0.1\tweb\n127.0.0.2\tpages-0\n127.0.0.3\tpages-1\n';

/** The command line with the test's binaries and paths: nginx with `-p /tmp/ -e stderr`, configs in /tmp. */
const local = (argv: readonly string[]): string[] =>
  argv.flatMap((a) => (a === 'nginx' ? [binaryPath('nginx'), '-p', '/tmp/', '-e', 'stderr'] : a === 'varnishd' ? [binaryPath('varnishd')] : [a.replace('/etc/ddp/', '/tmp/')]));

/**
 * Starts the backend and `argv` (config `conf` at /tmp/<key>) in a pod-like namespace, waits until
 * `urls[0]` answers 200, then asks every url: `<url> <status> exit=<curl's exit code>` each
 * (exit 7: connection refused), the include files the shell wrote, and nginx's own words on failure.
 */
async function inPod(opts: { ipv6: boolean; conf: string; key: string; argv: readonly string[]; urls: string[] }): Promise<{ answers: string[]; includes: string[]; log: string }> {
  const dir = makeTempDir('ipv6');
  writeFileSync(join(dir, opts.key), opts.conf.replaceAll('/etc/ddp-tls/', '/tmp/tls/').replace('access_log /dev/stdout;', 'access_log off;'));
  writeFileSync(join(dir, 'hosts'), HOSTS);
  writeFileSync(join(dir, 'backend.js'), "require('http').createServer((q, r) => r.end('app')).listen(8080, '0.0.0.0');\n");
  await selfSignedCert(join(dir, 'tls'));
  const [first, ...rest] = opts.urls;
  const script = [
    `"${process.execPath}" /tmp/backend.js & b=$!`,
    '"$@" > /tmp/proxy.log 2>&1 & p=$!',
    'trap \'kill $p $b 2>/dev/null; wait\' EXIT',
    `i=0; until curl -skf -m 1 -o /dev/null '${first}'; do i=$((i+1)); [ $i -ge 100 ] && break; sleep 0.1; done`,
    `for u in ${[first, ...rest].map((u) => `'${u}'`).join(' ')}; do code=$(curl -sk -m 3 -o /dev/null -w '%{http_code}' "$u"); echo "$u $code exit=$?"; done`,
    'for f in /tmp/ddp-listen-*.conf; do [ -e "$f" ] && echo "include $f: [$(cat "$f")]"; done; true',
    'echo ---; cat /tmp/proxy.log',
  ].join('\n');
  const r = await runInNetns(script, local(opts.argv), { ipv6: opts.ipv6, binds: [[join(dir, 'hosts'), '/etc/hosts'], [dir, '/tmp']], timeoutMs: 40_000 });
  const [out, log] = r.stdout.split('---\n');
  const lines = (out ?? '').trim().split('\n').filter(Boolean);
  return { answers: lines.filter((l) => !l.startsWith('include ')), includes: lines.filter((l) => l.startsWith('include ')), log: (log ?? '') + r.stderr };
}

/** The config and command line ddp wrote before: no include, nginx (or varnishd) without the shell. */
const before = (conf: string) => conf.replace(/^\s*include \S+ddp-listen-\S+;.*\n/gm, '');
const withoutShell = (argv: string[]) => argv.slice(argv.indexOf('ddp-start') + 1);

describeWithBinaries(['nginx', 'varnishd', 'cc', 'curl', 'openssl', 'unshare', 'mount', 'ip', 'sysctl', 'sh'], 'listeners on IPv6 where the pod has it, as before where it has not', () => {
  let files: OutputFile[];
  beforeAll(async () => {
    ({ files } = await generate(topology));
  });

  const tls = () => ({ conf: file(files, 'nginx/web-tls.conf'), key: 'nginx.conf', argv: containerCommandLine(files, 'web-tls', 'nginx') });
  const TLS_URLS = ['https://127.0.0.1:8443/', 'https://[::1]:8443/'];

  it('the TLS layer (every address): with IPv6 it answers over IPv6 too; without, it starts and answers over IPv4', async () => {
    expect(await inPod({ ipv6: true, ...tls(), urls: TLS_URLS })).toMatchObject({
      answers: ['https://127.0.0.1:8443/ 200 exit=0', 'https://[::1]:8443/ 200 exit=0'],
      includes: ['include /tmp/ddp-listen-8443.conf: [listen [::]:8443 ssl;]'],
    });
    expect(await inPod({ ipv6: false, ...tls(), urls: TLS_URLS })).toMatchObject({
      answers: ['https://127.0.0.1:8443/ 200 exit=0', 'https://[::1]:8443/ 000 exit=7'],
      includes: ['include /tmp/ddp-listen-8443.conf: []'],
    });
  }, 90_000);

  it('the TLS layer as ddp wrote it before: IPv4 only, IPv6 refused where the pod has it', async () => {
    const t = tls();
    expect((await inPod({ ipv6: true, ...t, conf: before(t.conf), argv: withoutShell(t.argv), urls: TLS_URLS })).answers)
      .toEqual(['https://127.0.0.1:8443/ 200 exit=0', 'https://[::1]:8443/ 000 exit=7']);
  }, 60_000);

  const api = () => ({ conf: file(files, 'nginx/shop-api.conf'), key: 'nginx.conf', argv: containerCommandLine(files, 'shop', 'api') });
  const API_URLS = ['http://127.0.0.1:8082/', 'http://[::1]:8082/', 'http://localhost:8082/'];

  it('an nginx ambassador (loopback): on ::1 too where the pod has it, so `localhost` answers whichever family the app tries; without IPv6 it starts on 127.0.0.1', async () => {
    expect(await inPod({ ipv6: true, ...api(), urls: API_URLS })).toMatchObject({
      answers: ['http://127.0.0.1:8082/ 200 exit=0', 'http://[::1]:8082/ 200 exit=0', 'http://localhost:8082/ 200 exit=0'],
      includes: ['include /tmp/ddp-listen-8082.conf: [listen [::1]:8082;]'],
    });
    expect(await inPod({ ipv6: false, ...api(), urls: API_URLS })).toMatchObject({
      answers: ['http://127.0.0.1:8082/ 200 exit=0', 'http://[::1]:8082/ 000 exit=7', 'http://localhost:8082/ 200 exit=0'],
      includes: ['include /tmp/ddp-listen-8082.conf: []'],
    });
  }, 90_000);

  it('an nginx ambassador as before refuses ::1; a fixed `listen [::1]` in its place would stop nginx where the pod has no IPv6', async () => {
    const a = api();
    expect((await inPod({ ipv6: true, ...a, conf: before(a.conf), argv: withoutShell(a.argv), urls: API_URLS.slice(0, 2) })).answers)
      .toEqual(['http://127.0.0.1:8082/ 200 exit=0', 'http://[::1]:8082/ 000 exit=7']);
    const fixed = await inPod({ ipv6: false, ...a, conf: a.conf.replace(/include \S+ddp-listen-8082\S+;.*/, 'listen [::1]:8082;'), argv: withoutShell(a.argv), urls: API_URLS.slice(0, 1) });
    expect(fixed.answers).toEqual(['http://127.0.0.1:8082/ 000 exit=7']);
    expect(fixed.log).toContain('bind() to [::1]:8082 failed (99: Cannot assign requested address)');
  }, 90_000);

  const pages = () => ({ conf: file(files, 'varnish/shop-pages.vcl'), key: 'default.vcl', argv: containerCommandLine(files, 'shop', 'pages') });
  const PAGES_URLS = ['http://127.0.0.1:8083/p/1', 'http://[::1]:8083/p/1'];

  it('a varnish ambassador: -a [::1] added where the pod has ::1, not where it has none (and as before, without the shell, ::1 refused)', async () => {
    expect((await inPod({ ipv6: true, ...pages(), urls: PAGES_URLS })).answers).toEqual(['http://127.0.0.1:8083/p/1 200 exit=0', 'http://[::1]:8083/p/1 200 exit=0']);
    expect((await inPod({ ipv6: false, ...pages(), urls: PAGES_URLS })).answers).toEqual(['http://127.0.0.1:8083/p/1 200 exit=0', 'http://[::1]:8083/p/1 000 exit=7']);
    const p = pages();
    expect((await inPod({ ipv6: true, ...p, argv: withoutShell(p.argv), urls: PAGES_URLS })).answers).toEqual(['http://127.0.0.1:8083/p/1 200 exit=0', 'http://[::1]:8083/p/1 000 exit=7']);
  }, 120_000);
});
