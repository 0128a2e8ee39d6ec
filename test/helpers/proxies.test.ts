import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { describeWithBinaries } from './binaries.js';
import {
  allocateAddresses,
  checkNginx,
  checkNutcracker,
  checkVarnish,
  freePort,
  httpGet,
  makeTempDir,
  memcacheGet,
  memcacheSet,
  nginxMainConf,
  redisCommand,
  selfSignedCert,
  startHttpBackend,
  startMemcached,
  startNginx,
  startNutcracker,
  startRedis,
  startTcpRoundRobin,
  startVarnish,
} from './proxies.js';

/** Everything a test started; stopped after each test even when it fails. */
const cleanups: Array<() => Promise<void>> = [];
function track<T extends { stop(): Promise<void> }>(x: T): T {
  cleanups.push(() => x.stop());
  return x;
}
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((f) => f()));
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function canConnect(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: ip, port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

describe('addresses', () => {
  it('gives each name its own random 127.x.y.z, and those bind without setup', async () => {
    const a = allocateAddresses(['one', 'two', 'three']);
    const ips = Object.values(a);
    expect(new Set(ips).size).toBe(3);
    for (const ip of ips) expect(ip).toMatch(/^127\.([1-9]\d?|1\d\d|2[0-4]\d|25[0-4])\.\d{1,3}\.[1-3]$/);
    expect(ips[0]!.split('.').slice(0, 3)).toEqual(ips[2]!.split('.').slice(0, 3));
    const b = allocateAddresses(['one']);
    const c = allocateAddresses(['one']);
    const d = allocateAddresses(['one']);
    expect(new Set([a.one, b.one, c.one, d.one]).size).toBeGreaterThan(1); // randomised per call
    const backend = track(await startHttpBackend(a.two!, await freePort(a.two), 'two'));
    const res = await httpGet(backend.url + '/x');
    expect(res.status).toBe(200);
    expect(res.headers['x-backend']).toBe('two');
    expect(JSON.parse(res.body)).toMatchObject({ backend: 'two', url: '/x' });
  });
});

describeWithBinaries(['nginx', 'unshare', 'mount', 'openssl'], 'nginx', () => {
  const upstreamConf = nginxMainConf(`
  upstream web { server web-0.shop:8080; server web-1.shop:8080; }
  server { listen 127.0.0.1:1; location / { proxy_pass http://web; } }`);

  it('checkNginx accepts a valid conf whose upstream names resolve through the private hosts file', async () => {
    const hosts = allocateAddresses(['web-0.shop', 'web-1.shop']);
    expect(await checkNginx(upstreamConf, hosts)).toEqual({ ok: true, output: '' });
  });

  it('checkNginx fails when a name does not resolve (the hosts file is really private)', async () => {
    const r = await checkNginx(upstreamConf, allocateAddresses(['web-0.shop']));
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/host not found in upstream "web-1\.shop:8080"/);
  });

  it('checkNginx rejects a missing ";" (the book\'s `hash $key consistent`)', async () => {
    const bad = nginxMainConf(`
  upstream shards { hash $arg_key consistent server shard-0:11211; }
  server { listen 127.0.0.1:1; location / { proxy_pass http://shards; } }`);
    const r = await checkNginx(bad, {});
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/invalid number of arguments in "hash" directive|unexpected/);
  });

  it('checkNginx places referenced files: absolute TLS paths are mirrored under the prefix dir', async () => {
    const dir = makeTempDir('cert');
    const { cert, key } = await selfSignedCert(dir);
    const conf = nginxMainConf(`
  server { listen 127.0.0.1:1 ssl; ssl_certificate /etc/nginx/tls/tls.crt; ssl_certificate_key /etc/nginx/tls/tls.key; }`);
    const withFiles = await checkNginx(conf, {}, { files: { '/etc/nginx/tls/tls.crt': cert, '/etc/nginx/tls/tls.key': key } });
    expect(withFiles).toEqual({ ok: true, output: '' });
    const withoutFiles = await checkNginx(conf, {}, { pathMap: { '/etc/nginx/tls/': 'nowhere/' } });
    expect(withoutFiles.ok).toBe(false);
    expect(withoutFiles.output).toMatch(/nowhere\/tls\.crt/);
  });

  it('end to end: nginx balances over two backends named in the hosts file, over http and https', async () => {
    const hosts = allocateAddresses(['web-0.shop', 'web-1.shop', 'proxy.shop']);
    const b0 = track(await startHttpBackend(hosts['web-0.shop']!, 8080, 'web-0'));
    const b1 = track(await startHttpBackend(hosts['web-1.shop']!, 8080, 'web-1'));
    const dir = makeTempDir('cert');
    const { cert, key } = await selfSignedCert(dir, 'proxy.shop');
    const ip = hosts['proxy.shop']!;
    const conf = nginxMainConf(`
  upstream web { server web-0.shop:8080; server web-1.shop:8080; }
  server {
    listen ${ip}:8080;
    listen ${ip}:8443 ssl;
    ssl_certificate /etc/nginx/tls/tls.crt;
    ssl_certificate_key /etc/nginx/tls/tls.key;
    location / { proxy_pass http://web; proxy_set_header Host $host; }
  }`);
    const nginx = track(
      await startNginx(conf, hosts, { files: { '/etc/nginx/tls/tls.crt': cert, '/etc/nginx/tls/tls.key': key } }),
    );
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const r = await httpGet(`http://${ip}:8080/item/${i}`, { host: 'proxy.shop' });
      expect(r.status).toBe(200);
      seen.add(String(r.headers['x-backend']));
    }
    expect([...seen].sort()).toEqual(['web-0', 'web-1']);
    expect(b0.requests.length + b1.requests.length).toBe(4);
    expect(b0.requests[0]!.headers.host).toBe('proxy.shop');

    const tls = await httpGet(`https://${ip}:8443/secure`, { host: 'proxy.shop' });
    expect(tls.status).toBe(200);
    expect(['web-0', 'web-1']).toContain(tls.headers['x-backend']);
    await expect(httpGet(`https://${ip}:8443/`, { host: 'proxy.shop', insecure: false })).rejects.toThrow(/self.signed|certificate/i);
    expect(await httpGet(`https://${ip}:8443/`, { host: 'proxy.shop', ca: cert })).toMatchObject({ status: 200 });

    // stop() takes the whole process group (master and workers) down
    await nginx.stop();
    expect(alive(nginx.pid)).toBe(false);
    expect(() => process.kill(-nginx.pid, 0)).toThrow();
    expect(await canConnect(ip, 8080)).toBe(false);
  });

  it('startNginx reports the stderr of an nginx that cannot start', async () => {
    const conf = nginxMainConf(`upstream u { server nowhere.invalid:1; } server { listen 127.0.0.1:1; location / { proxy_pass http://u; } }`);
    await expect(startNginx(conf, { other: '127.0.0.9' })).rejects.toThrow(/nginx did not come up[\s\S]*host not found/);
  });
});

describeWithBinaries(['varnishd', 'cc', 'unshare', 'mount'], 'varnish', () => {
  const vcl = (host: string, port = 8080) => `vcl 4.1;
backend default { .host = "${host}"; .port = "${port}"; }
sub vcl_deliver { if (obj.hits > 0) { set resp.http.x-cache = "HIT"; } else { set resp.http.x-cache = "MISS"; } }
`;

  it('checkVarnish compiles a VCL whose backend resolves through the hosts file', async () => {
    const r = await checkVarnish(vcl('api.shop'), allocateAddresses(['api.shop']));
    expect(r.ok, r.output).toBe(true);
  });

  it('checkVarnish fails on a syntax error and on an unresolvable backend', async () => {
    const syntax = await checkVarnish(vcl('api.shop').replace('.port = "8080";', '.port = "8080"'), allocateAddresses(['api.shop']));
    expect(syntax.ok).toBe(false);
    expect(syntax.output).toMatch(/VCL compilation failed|Expected/);
    const unresolved = await checkVarnish(vcl('api.shop'), {});
    expect(unresolved.ok).toBe(false);
    expect(unresolved.output).toMatch(/could not be resolved/);
    // a name with several addresses (a headless Service) is refused too
    const { a, b } = allocateAddresses(['a', 'b']);
    const headless = await checkVarnish(vcl('api.shop'), { 'api.shop': [a!, b!] });
    expect(headless.ok).toBe(false);
    expect(headless.output).toMatch(/resolves to too many addresses/);
  });

  it('end to end: varnish in front of a ClusterIP-like round robin serves a HIT', async () => {
    const hosts = allocateAddresses(['api-0', 'api-1', 'api.shop', 'cache']);
    const b0 = track(await startHttpBackend(hosts['api-0']!, 8080, 'api-0'));
    const b1 = track(await startHttpBackend(hosts['api-1']!, 8080, 'api-1'));
    track(await startTcpRoundRobin(hosts['api.shop']!, 8080, [`${hosts['api-0']}:8080`, `${hosts['api-1']}:8080`]));
    const listen = `${hosts.cache}:6081`;
    track(await startVarnish(vcl('api.shop'), hosts, { listen }));
    const first = await httpGet(`http://${listen}/page`);
    const second = await httpGet(`http://${listen}/page`);
    expect(first.status).toBe(200);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(String(first.headers['x-varnish'])).toMatch(/^\d+$/);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(String(second.headers['x-varnish'])).toMatch(/^\d+ \d+$/); // two ids = served from cache
    expect(second.body).toBe(first.body);
    expect(b0.requests.length + b1.requests.length).toBe(1);
  });
});

describeWithBinaries(['nutcracker', 'memcached', 'redis-server', 'unshare', 'mount'], 'twemproxy', () => {
  it('checkNutcracker accepts a valid pool and rejects an invalid one with a reason', async () => {
    const good = `cache:\n  listen: 127.0.0.1:22121\n  hash: murmur\n  distribution: ketama\n  servers:\n    - mc-0.shop:11211:1\n    - mc-1.shop:11211:1\n`;
    expect((await checkNutcracker(good, allocateAddresses(['mc-0.shop', 'mc-1.shop']))).ok).toBe(true);
    const bad = await checkNutcracker(good.replace('murmur', 'fnv1a_65'), {});
    expect(bad.ok).toBe(false);
    expect(bad.output).toMatch(/syntax is invalid/);
    expect(bad.output).toMatch(/hash/);
  });

  it('end to end: nutcracker shards keys over two memcached and reads them back', async () => {
    const hosts = allocateAddresses(['mc-0.shop', 'mc-1.shop', 'proxy']);
    const mc = ['mc-0.shop', 'mc-1.shop'].map((n) => `${hosts[n]}:11211`);
    for (const addr of mc) {
      const [ip, port] = addr.split(':');
      track(await startMemcached(ip!, Number(port)));
    }
    const listen = `${hosts.proxy}:22121`;
    const yml = `cache:\n  listen: ${listen}\n  hash: murmur\n  distribution: ketama\n  servers:\n    - mc-0.shop:11211:1\n    - mc-1.shop:11211:1\n`;
    track(await startNutcracker(yml, hosts));
    const keys = Array.from({ length: 20 }, (_, i) => `user:${i}`);
    for (const k of keys) await memcacheSet(listen, k, `value of ${k}`);
    for (const k of keys) expect(await memcacheGet(listen, k)).toBe(`value of ${k}`);
    expect(await memcacheGet(listen, 'never-set')).toBeUndefined();
    const perShard = await Promise.all(
      mc.map(async (addr) => (await Promise.all(keys.map((k) => memcacheGet(addr, k)))).filter((v) => v !== undefined).length),
    );
    expect(perShard[0]! + perShard[1]!).toBe(20); // every key on exactly one shard …
    expect(Math.min(...perShard)).toBeGreaterThan(0); // … and both shards used
  });

  it('end to end: redis behind nutcracker (redis: true)', async () => {
    const hosts = allocateAddresses(['redis-0', 'proxy']);
    track(await startRedis(hosts['redis-0']!, 6379));
    const direct = `${hosts['redis-0']}:6379`;
    expect(await redisCommand(direct, 'PING')).toBe('PONG');
    const listen = `${hosts.proxy}:6380`;
    const yml = `store:\n  listen: ${listen}\n  redis: true\n  hash: murmur\n  distribution: ketama\n  servers:\n    - redis-0:6379:1\n`;
    track(await startNutcracker(yml, hosts));
    expect(await redisCommand(listen, 'SET', 'k', 'v 1')).toBe('OK');
    expect(await redisCommand(listen, 'GET', 'k')).toBe('v 1');
    expect(await redisCommand(direct, 'GET', 'k')).toBe('v 1');
    expect(await redisCommand(direct, 'GET', 'missing')).toBeNull();
    await expect(redisCommand(direct, 'NOSUCHCOMMAND')).rejects.toThrow(/unknown command/i);
  });
});

describeWithBinaries(['memcached'], 'cleanup', () => {
  it('kills started processes and removes scratch dirs even when the test process is SIGKILLed', async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const probe = join(makeTempDir('probe'), 'started.json');
    const env: NodeJS.ProcessEnv = { ...process.env, DDP_LEAK_PROBE: probe, NO_COLOR: '1' };
    for (const k of ['VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID']) delete env[k];
    const vitest = join(here, '..', '..', 'node_modules', 'vitest', 'vitest.mjs');
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [vitest, 'run', '--config', join(here, 'fixtures', 'vitest.config.mjs'), 'leak'], {
        env,
        stdio: 'ignore',
      });
      child.once('error', reject);
      child.once('close', () => resolve());
    });
    expect(existsSync(probe)).toBe(true);
    const started = JSON.parse(readFileSync(probe, 'utf8')) as { pid: number; ip: string; port: number; dir: string };
    const deadline = Date.now() + 6000;
    while ((alive(started.pid) || existsSync(started.dir)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive(started.pid)).toBe(false);
    expect(existsSync(started.dir)).toBe(false);
    expect(await canConnect(started.ip, started.port)).toBe(false);
  }, 20_000);
}, { root: false });
