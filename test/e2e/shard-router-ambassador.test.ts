// End to end: the shard-router ambassador's twemproxy config (example 09's `shop` → `sessions`) in
// front of real memcached shards — and one for redis shards — each shard host (`<svc>-<i>.<svc>`,
// as the sharded pattern names StatefulSet pods) on its own loopback address through a private
// hosts file. The service's own router, started beside it, finds every key on the same shard.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBinaries } from '../helpers/binaries.js';
import { allocateAddresses, memcacheGet, memcacheSet, redisCommand, startMemcached, startNutcracker, startRedis, type Running } from '../helpers/proxies.js';
import { makeContext, type Topology } from '../../src/patterns/context.js';
import { shardRouterConfig } from '../../src/patterns/single-node/shard-router.js';
import { renderConfig } from '../../src/targets/configs.js';
import { renderExample } from '../examples.js';
import { file } from '../patterns/single-node-helpers.js';

const ctx = makeContext({
  apiVersion: 'ddp/v1', kind: 'Topology', metadata: { name: 'shop' },
  services: {
    sessions: { pattern: 'sharded', image: 'memcached:1.6.29', port: 11211, protocol: 'memcache', shards: 3 },
    carts: { pattern: 'sharded', image: 'redis:7.4.1-alpine', port: 6379, protocol: 'redis', shards: 2 },
    app: {
      pattern: 'replicated', image: 'acme/app:1.0.0', port: 8080,
      ambassadors: [
        { name: 'cache', kind: 'shard-router', target: 'sessions', listen: 11211 },
        { name: 'carts', kind: 'shard-router', target: 'carts', listen: 6379 },
      ],
    },
  },
} as unknown as Topology);

function twemproxyConf(ambassador: 'carts'): string {
  const a = (ctx.topology.services.app as { ambassadors: Parameters<typeof shardRouterConfig>[1][] }).ambassadors.find((x) => x.name === ambassador)!;
  const cfg = shardRouterConfig(`app-${ambassador}`, a, ctx);
  if ('message' in cfg) throw new Error(cfg.message);
  return renderConfig(cfg);
}

describeWithBinaries(['nutcracker', 'memcached', 'redis-server', 'unshare', 'mount'], 'shard-router ambassador (twemproxy) on loopback', () => {
  const shards = ['sessions-0', 'sessions-1', 'sessions-2'];
  const addr = allocateAddresses([...shards, 'carts-0', 'carts-1', 'ambassador', 'router']);
  const running: Running[] = [];
  const mc = `${addr.ambassador}:11211`;
  const rd = `${addr.ambassador}:6379`;

  beforeAll(async () => {
    for (const s of shards) running.push(await startMemcached(addr[s]!, 11211));
    for (const s of ['carts-0', 'carts-1']) running.push(await startRedis(addr[s]!, 6379));
    const hosts = Object.fromEntries(Object.entries(addr).filter(([n]) => n !== 'ambassador'));
    // the only change: the ambassador's 127.0.0.1 becomes an address of its own
    const files = await renderExample('09-ambassadors');
    const confs: [string, string, string][] = [
      [file(files, 'twemproxy/shop-cache.yml'), '"127.0.0.1:11211"', `"${addr.ambassador}:11211"`],
      [file(files, 'twemproxy/sessions-router.yml'), '"0.0.0.0:11211"', `"${addr.router}:11211"`],
      [twemproxyConf('carts'), '"127.0.0.1:6379"', `"${addr.ambassador}:6379"`],
    ];
    for (const [conf, listen, mine] of confs) {
      expect(conf).toContain(`listen: ${listen}`);
      running.push(await startNutcracker(conf, hosts, { rewrite: (t) => t.replace(listen, mine) }));
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop()));
  });

  it('reaches real memcached shards: every key set through the ambassador reads back, and lives on exactly one shard', async () => {
    const keys = Array.from({ length: 300 }, (_, i) => `session:${i}`);
    for (const k of keys) await memcacheSet(mc, k, `v-${k}`);
    for (const k of keys) expect(await memcacheGet(mc, k)).toBe(`v-${k}`);
    const perShard: number[] = [];
    for (const s of shards) {
      let n = 0;
      for (const k of keys) if ((await memcacheGet(`${addr[s]}:11211`, k)) !== undefined) n++;
      perShard.push(n);
    }
    process.stderr.write(`shard-router ambassador: 300 keys over 3 memcached shards: ${perShard.join(', ')}\n`);
    expect(perShard.reduce((a, b) => a + b, 0)).toBe(keys.length); // each key on exactly one shard
    for (const n of perShard) expect(n).toBeGreaterThanOrEqual(50); // ketama + murmur spreads them
    // the service's router picks the very same shard for every key
    for (const k of keys) expect(await memcacheGet(`${addr.router}:11211`, k)).toBe(`v-${k}`);
  }, 60_000);

  it('routes redis commands to the shards of a redis sharded service', async () => {
    for (let i = 0; i < 100; i++) expect(await redisCommand(rd, 'SET', `cart:${i}`, String(i))).toBe('OK');
    for (let i = 0; i < 100; i++) expect(await redisCommand(rd, 'GET', `cart:${i}`)).toBe(String(i));
    const sizes = [];
    for (const s of ['carts-0', 'carts-1']) sizes.push(Number(await redisCommand(`${addr[s]}:6379`, 'DBSIZE')));
    expect(sizes[0]! + sizes[1]!).toBe(100);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(25);
  }, 60_000);
});
