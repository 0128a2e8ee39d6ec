// The single-node examples (08-11) and every ambassador config against the real checkers: strict
// Kubernetes API schemas, the Compose Specification, `nginx -t` and `nutcracker -t` — names in the
// configs resolved through a private hosts file, each on its own loopback address.
import { describe, expect, it } from 'vitest';
import { renderExample } from '../examples.js';
import { validateKubernetes, parseAllDocuments } from '../helpers/kubernetes.js';
import { validateCompose } from '../helpers/compose.js';
import { describeWithBinaries } from '../helpers/binaries.js';
import { allocateAddresses, checkNginx, checkNutcracker, checkVarnish, makeTempDir, RESOLVER_INCLUDE, selfSignedCert } from '../helpers/proxies.js';
import { makeContext, type Topology } from '../../src/patterns/context.js';
import { shardRouterConfig } from '../../src/patterns/single-node/shard-router.js';
import { renderConfig } from '../../src/targets/configs.js';
import type { ConfigFile } from '../../src/model.js';
import { parse as parseYaml } from 'yaml';
import { configHosts, streamModuleGate, withStreamModule } from './single-node-helpers.js';

const EXAMPLES = ['08-sidecars', '09-ambassadors', '10-adapters', '11-election'];

describe.each(EXAMPLES)('example %s', (name) => {
  it('is valid Kubernetes (strict, unknown fields included) and a valid compose file', async () => {
    const files = await renderExample(name);
    const docs = files.filter((f) => f.target === 'kubernetes').flatMap((f) => parseAllDocuments(f.content));
    expect(docs.length).toBeGreaterThan(3);
    expect(validateKubernetes(docs)).toEqual([]);
    const compose = files.find((f) => f.path === 'compose/docker-compose.yml')!;
    expect(validateCompose(parseYaml(compose.content))).toEqual([]);
  });
});

/** Shard-router ambassador configs for every protocol it routes (the sharded pattern's shards). */
function shardRouterConfigs(): ConfigFile[] {
  const ctx = makeContext({
    apiVersion: 'ddp/v1', kind: 'Topology', metadata: { name: 't' },
    services: {
      sessions: { pattern: 'sharded', image: 'memcached:1.6.29', port: 11211, protocol: 'memcache', shards: 3 },
      carts: { pattern: 'sharded', image: 'redis:7.4.1', protocol: 'redis', shards: 2, replicasPerShard: 2 },
      pages: { pattern: 'sharded', image: 'acme/pages:1.0.0', port: 8080, shards: 4, key: 'cookie:tenant' },
      cached: { pattern: 'sharded', image: 'acme/pages:1.0.0', port: 8080, shards: 2, key: 'header:X-Tenant', router: { kind: 'varnish' } },
    },
  } as unknown as Topology);
  return [
    shardRouterConfig('app-cache', { name: 'cache', kind: 'shard-router', target: 'sessions', listen: 11211 }, ctx),
    shardRouterConfig('app-carts', { name: 'carts', kind: 'shard-router', target: 'carts', listen: 6379 }, ctx),
    shardRouterConfig('app-pages', { name: 'pages', kind: 'shard-router', target: 'pages', listen: 9000 }, ctx),
    shardRouterConfig('app-cached', { name: 'cached', kind: 'shard-router', target: 'cached', listen: 9001 }, ctx),
  ].map((c) => {
    if ('message' in c) throw new Error(c.message);
    return { ...c, content: renderConfig(c) };
  });
}

async function ambassadorConfigs(): Promise<{ path: string; content: string }[]> {
  const out: { path: string; content: string }[] = [];
  for (const name of EXAMPLES) for (const f of await renderExample(name)) if (f.target === 'nginx' || f.target === 'twemproxy' || f.target === 'varnish') out.push(f);
  for (const c of shardRouterConfigs()) out.push({ path: `${c.target}/${c.name}`, content: c.content! });
  return out;
}

describeWithBinaries(['nginx', 'nutcracker', 'varnishd', 'cc', 'openssl', 'unshare', 'mount'], 'every generated sidecar and ambassador config passes its own checker', () => {
  const gate = streamModuleGate();

  it.skipIf(gate.skip)('nginx -t', async () => {
    const confs = (await ambassadorConfigs()).filter((c) => c.path.startsWith('nginx/'));
    expect(confs.map((c) => c.path).sort()).toEqual(['nginx/app-pages', 'nginx/shop-db.conf', 'nginx/shop-experiment.conf', 'nginx/shop-payments.conf', 'nginx/site-https.conf']);
    const certDir = makeTempDir('tls');
    await selfSignedCert(certDir);
    for (const c of confs) {
      const hosts = allocateAddresses(configHosts(c.content));
      const r = await checkNginx(withStreamModule(c.content), hosts, { files: RESOLVER_INCLUDE, pathMap: { '/etc/ddp-tls': certDir, '/tmp/': 'tmp/', '/dev/stdout': 'logs/access.log' } });
      expect({ path: c.path, ...r }).toEqual({ path: c.path, ok: true, output: '' });
    }
  });

  it('nutcracker -t', async () => {
    const confs = (await ambassadorConfigs()).filter((c) => c.path.startsWith('twemproxy/'));
    expect(confs.map((c) => c.path)).toEqual(['twemproxy/sessions-router.yml', 'twemproxy/shop-cache.yml', 'twemproxy/app-cache', 'twemproxy/app-carts']);
    for (const c of confs) {
      const r = await checkNutcracker(c.content, allocateAddresses(configHosts(c.content)));
      expect({ path: c.path, ok: r.ok }).toEqual({ path: c.path, ok: true });
    }
  });

  it('varnishd -C', async () => {
    const confs = (await ambassadorConfigs()).filter((c) => c.path.startsWith('varnish/'));
    expect(confs.map((c) => c.path)).toEqual(['varnish/app-cached']);
    for (const c of confs) {
      const r = await checkVarnish(c.content, allocateAddresses(configHosts(c.content)));
      expect({ path: c.path, ok: r.ok, output: r.ok ? '' : r.output }).toEqual({ path: c.path, ok: true, output: '' });
    }
  });

  it('the checkers do fail: a broken split config is refused', async () => {
    const conf = (await ambassadorConfigs()).find((c) => c.path === 'nginx/shop-experiment.conf')!.content.replace('* route_1;', '* route_1');
    const r = await checkNginx(conf, allocateAddresses(configHosts(conf)), { pathMap: { '/tmp/': 'tmp/', '/dev/stdout': 'logs/access.log' } });
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/\[emerg\] .*invalid number of arguments in "split_clients"|\[emerg\] .*unexpected "}"/);
  });
});
