// End to end: the sharded pattern's routers — nginx (`hash <key> consistent`), the varnish shard
// director and twemproxy (ketama) — generated from a topology and run in front of real backends
// (small HTTP servers; real memcached and redis for twemproxy), every shard name on its own
// loopback address through a private hosts file. For each router:
//  - the same key always reaches the same shard;
//  - 1,000 distinct keys spread over every shard, none above twice its fair share;
//  - after removing one shard from the topology and regenerating, at most 1/N + 10% of the keys
//    move, and only keys of the removed shard.
import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBinaries } from '../helpers/binaries.js';
import {
  allocateAddresses,
  httpGet,
  redisCommand,
  startHttpBackend,
  startMemcached,
  startNginx,
  startNutcracker,
  startRedis,
  startVarnish,
  tcpExchange,
  type HttpBackend,
  type Running,
} from '../helpers/proxies.js';
import { TOPOLOGY_HEAD, file, generate } from '../patterns/single-node-helpers.js';

const KEYS = 1000;
const keys = Array.from({ length: KEYS }, (_, i) => `user-${i}`);

/** A topology with one sharded service `name` of `shards` shards; `extra` are its other fields (YAML lines). */
function topology(name: string, shards: number, extra: string[]): string {
  return TOPOLOGY_HEAD + [`  ${name}:`, '    pattern: sharded', `    shards: ${shards}`, ...extra.map((l) => `    ${l}`)].join('\n') + '\n';
}

async function routerConfig(text: string, path: string): Promise<string> {
  return file((await generate(text)).files, path);
}

/** key → shard, asking `shardOf` for 25 keys at a time. */
async function placement(list: readonly string[], shardOf: (key: string) => Promise<string>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < list.length; i += 25) {
    const batch = list.slice(i, i + 25);
    const shards = await Promise.all(batch.map(shardOf));
    batch.forEach((k, j) => out.set(k, shards[j]!));
  }
  return out;
}

const countsOf = (p: Map<string, string>, shards: readonly string[]): number[] => shards.map((s) => [...p.values()].filter((x) => x === s).length);

/** Every shard has keys, none more than twice its fair share; every key landed on a known shard. */
function expectSpread(label: string, p: Map<string, string>, shards: readonly string[]): void {
  const counts = countsOf(p, shards);
  process.stderr.write(`${label}: ${KEYS} keys over ${shards.length} shards: ${counts.join(', ')}\n`);
  expect(counts.reduce((a, b) => a + b, 0)).toBe(p.size);
  for (const n of counts) {
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThanOrEqual((2 * p.size) / shards.length);
  }
}

/** Keys that changed shard between two placements; at most 1/N + 10%, and all from the removed shard. */
function expectFewMoved(label: string, before: Map<string, string>, after: Map<string, string>, removed: string, n: number): void {
  const moved = [...before].filter(([k, s]) => after.get(k) !== s);
  process.stderr.write(`${label}: removing ${removed} (1 of ${n} shards) moved ${moved.length} of ${before.size} keys (${((100 * moved.length) / before.size).toFixed(1)}%)\n`);
  expect(moved.length / before.size).toBeLessThanOrEqual(1 / n + 0.1);
  expect(moved.filter(([, s]) => s !== removed)).toEqual([]);
  expect([...after.values()]).not.toContain(removed);
}

/** The same keys again, in another order: each lands where it did. */
async function expectSticky(p: Map<string, string>, shardOf: (key: string) => Promise<string>): Promise<void> {
  const sample = [...p.keys()].filter((_, i) => i % 5 === 0).reverse();
  const again = await placement(sample, shardOf);
  for (const [k, s] of again) expect({ k, s }).toEqual({ k, s: p.get(k) });
}

// ───────────────────────────── nginx and varnish: HTTP shards ─────────────────────────────

interface HttpCase {
  title: string;
  router: 'nginx' | 'varnish';
  shards: number;
  fields: string[];
  hot?: boolean;
  /** the request that carries `key` */
  request: (key: string) => { path: string; headers?: Record<string, string> };
  /** requests without the key (request i, each a URL of its own, so varnish never answers from its cache): where they go */
  keyless?: { request: (i: number) => { path: string; headers?: Record<string, string> }; go: 'round-robin' | 'one shard' };
}

const HTTP_CASES: HttpCase[] = [
  { title: 'nginx router, key uri', router: 'nginx', shards: 4, fields: ['image: ghcr.io/acme/pages:1.0.0', 'port: 8080'], request: (k) => ({ path: `/items/${k}?view=full` }) },
  {
    title: 'nginx router, key cookie:session-id (extracted by a map)',
    router: 'nginx',
    shards: 3,
    fields: ['image: ghcr.io/acme/pages:1.0.0', 'port: 8080', 'key: cookie:session-id'],
    request: (k) => ({ path: '/cart', headers: { cookie: `theme=dark; session-id=${k}; lang=en` } }),
    keyless: { request: (i) => ({ path: `/cart?anonymous=${i}`, headers: { cookie: 'theme=dark' } }), go: 'round-robin' },
  },
  {
    title: 'varnish shard director, key header:X-User-Id, with probes',
    router: 'varnish',
    shards: 4,
    fields: ['image: ghcr.io/acme/pages:1.0.0', 'port: 8080', 'key: header:X-User-Id', 'health: { path: /healthz }', 'router: { kind: varnish }'],
    request: (k) => ({ path: '/profile', headers: { 'X-User-Id': k } }),
    keyless: { request: (i) => ({ path: `/profile?anonymous=${i}` }), go: 'one shard' },
  },
  {
    title: 'varnish shard director over hot shards, key query:user (extracted by regsub)',
    router: 'varnish',
    shards: 3,
    hot: true,
    fields: ['image: ghcr.io/acme/pages:1.0.0', 'port: 8080', 'replicasPerShard: 2', 'key: query:user', 'router: { kind: varnish }'],
    request: (k) => ({ path: `/feed?page=2&user=${k}&x=1` }),
  },
];

for (const c of HTTP_CASES) {
  const binaries = c.router === 'nginx' ? ['nginx', 'unshare', 'mount'] : ['varnishd', 'cc', 'unshare', 'mount'];
  describeWithBinaries(binaries, `sharded ${c.title} on loopback`, () => {
    const svc = 'pages';
    const shardHosts = Array.from({ length: c.shards }, (_, i) => `${svc}-${i}`);
    const addr = allocateAddresses([...shardHosts, 'router', 'router-smaller']);
    const hosts = Object.fromEntries(shardHosts.map((h) => [h, addr[h]!]));
    const running: { stop(): Promise<void> }[] = [];
    const path = c.router === 'nginx' ? `nginx/${svc}-router.conf` : `varnish/${svc}-router.vcl`;

    async function startRouter(shards: number, at: string): Promise<Running> {
      const conf = await routerConfig(topology(svc, shards, c.fields), path);
      if (c.router === 'nginx') {
        expect(conf).toContain('listen 8080;');
        // the only change: the router listens on an address of its own (others test at the same time)
        return startNginx(conf, hosts, { pathMap: { '/tmp/': 'tmp/', '/dev/stdout': 'logs/access.log' }, rewrite: (t) => t.replace('listen 8080;', `listen ${at}:8080;`) });
      }
      return startVarnish(conf, hosts, { listen: `${at}:8080` });
    }

    const shardOf = (router: string) => async (key: string): Promise<string> => {
      const { path: p, headers } = c.request(key);
      const r = await httpGet(`http://${router}:8080${p}`, { headers });
      expect(r.status).toBe(200);
      return String(r.headers['x-backend']);
    };

    beforeAll(async () => {
      const backends: HttpBackend[] = [];
      for (let i = 0; i < c.shards; i++) backends.push(await startHttpBackend(addr[shardHosts[i]!]!, 8080, `${svc}-${i}`));
      running.push(...backends);
      running.push(await startRouter(c.shards, addr.router!));
      if (c.router === 'varnish') await untilEveryShardAnswers(shardOf(addr.router!), c.shards);
    }, 60_000);

    afterAll(async () => {
      await Promise.all(running.map((r) => r.stop()));
    });

    const shardNames = Array.from({ length: c.shards }, (_, i) => `${svc}-${i}`);
    let first: Map<string, string>;

    it('the same key always reaches the same shard, and 1,000 keys spread over every shard', async () => {
      first = await placement(keys, shardOf(addr.router!));
      expectSpread(`sharded ${c.title}`, first, shardNames);
      await expectSticky(first, shardOf(addr.router!));
    }, 120_000);

    if (c.keyless) it(`a request without the key goes ${c.keyless.go === 'one shard' ? 'to one shard, that of the empty key' : 'round-robin over the shards (nginx hashes no empty key)'}`, async () => {
      // one connection, so one nginx worker (each worker keeps a round-robin of its own)
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const reached: string[] = [];
      for (let i = 0; i < 12; i++) {
        const { path: p, headers } = c.keyless!.request(i);
        const backend = await new Promise<string>((resolve, reject) => {
          http.get(`http://${addr.router}:8080${p}`, { agent, headers }, (res) => {
            res.resume();
            res.on('end', () => (res.statusCode === 200 ? resolve(String(res.headers['x-backend'])) : reject(new Error(`status ${res.statusCode}`))));
          }).on('error', reject);
        });
        reached.push(backend);
      }
      agent.destroy();
      if (c.keyless!.go === 'one shard') expect(new Set(reached).size).toBe(1);
      else expect(new Set(reached)).toEqual(new Set(shardNames));
    });

    it('removing one shard from the topology moves at most 1/N + 10% of the keys, all from that shard', async () => {
      const smaller = await startRouter(c.shards - 1, addr['router-smaller']!);
      running.push(smaller);
      if (c.router === 'varnish') await untilEveryShardAnswers(shardOf(addr['router-smaller']!), c.shards - 1);
      const after = await placement(keys, shardOf(addr['router-smaller']!));
      expectFewMoved(`sharded ${c.title}`, first, after, `${svc}-${c.shards - 1}`, c.shards);
    }, 120_000);
  });
}

/** varnish probes start a backend as sick until its first good probe: wait until every shard answers. */
async function untilEveryShardAnswers(shardOf: (key: string) => Promise<string>, n: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const seen = new Set<string>();
    for (const k of keys.slice(0, 200)) {
      try {
        seen.add(await shardOf(`warmup-${k}`));
      } catch {
        /* 503 while every shard is still sick */
      }
    }
    if (seen.size === n) return;
    if (Date.now() > deadline) throw new Error(`only ${seen.size} of ${n} shards answered within 20 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

// ───────────────────────────── twemproxy: memcached and redis shards ─────────────────────────────

/** The keys of `list` that the memcached at `at` holds (multi-key gets, 100 keys at a time). */
async function memcacheHolds(at: string, list: readonly string[]): Promise<Set<string>> {
  const held = new Set<string>();
  for (let i = 0; i < list.length; i += 100) {
    const reply = (await tcpExchange(at, `get ${list.slice(i, i + 100).join(' ')}\r\n`, (b) => b.toString().endsWith('END\r\n'))).toString();
    for (const m of reply.matchAll(/^VALUE (\S+) /gm)) held.add(m[1]!);
  }
  return held;
}

async function memcacheSetAll(router: string, list: readonly string[]): Promise<void> {
  for (let i = 0; i < list.length; i += 50) {
    await Promise.all(
      list.slice(i, i + 50).map(async (k) => {
        const reply = (await tcpExchange(router, `set ${k} 0 0 ${k.length}\r\n${k}\r\n`, (b) => b.includes('\r\n'))).toString();
        expect(reply).toBe('STORED\r\n');
      }),
    );
  }
}

describeWithBinaries(['nutcracker', 'memcached', 'unshare', 'mount'], 'sharded memcache: twemproxy router over real memcached shards on loopback', () => {
  const svc = 'sessions';
  const N = 4;
  const shardHosts = Array.from({ length: N }, (_, i) => `${svc}-${i}`);
  const addr = allocateAddresses([...shardHosts, 'router']);
  const hosts = Object.fromEntries(shardHosts.map((h) => [h, addr[h]!]));
  const running: Running[] = [];
  const fields = ['image: memcached:1.6.29', 'port: 11211', 'protocol: memcache'];
  const router = `${addr.router}:11211`;

  async function startRouter(shards: number): Promise<Running> {
    const conf = await routerConfig(topology(svc, shards, fields), `twemproxy/${svc}-router.yml`);
    expect(conf).toContain('listen: "0.0.0.0:11211"');
    expect(conf).toContain('hash: "murmur"');
    return startNutcracker(conf, hosts, { rewrite: (t) => t.replace('"0.0.0.0:11211"', `"${router}"`) });
  }

  /** Set every key through the router, then read where each one lives. */
  async function place(shards: number): Promise<Map<string, string>> {
    for (let i = 0; i < N; i++) await tcpExchange(`${addr[shardHosts[i]!]}:11211`, 'flush_all\r\n', (b) => b.includes('\r\n'));
    const nc = await startRouter(shards);
    try {
      await memcacheSetAll(router, keys);
      // the same key again through the router reads back its own value
      for (const k of keys.filter((_, i) => i % 10 === 0)) {
        const reply = (await tcpExchange(router, `get ${k}\r\n`, (b) => b.toString().endsWith('END\r\n'))).toString();
        expect(reply).toBe(`VALUE ${k} 0 ${k.length}\r\n${k}\r\nEND\r\n`);
      }
    } finally {
      await nc.stop();
    }
    const p = new Map<string, string>();
    for (let i = 0; i < N; i++) for (const k of await memcacheHolds(`${addr[shardHosts[i]!]}:11211`, keys)) {
      expect(p.has(k), `${k} lives on two shards`).toBe(false);
      p.set(k, `${svc}-${i}`);
    }
    return p;
  }

  beforeAll(async () => {
    for (const h of shardHosts) running.push(await startMemcached(addr[h]!, 11211));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop()));
  });

  let first: Map<string, string>;

  it('every key lives on exactly one shard, 1,000 keys spread over every shard, and a rerun places them identically', async () => {
    first = await place(N);
    expect(first.size).toBe(KEYS);
    expectSpread('sharded memcache (twemproxy, murmur)', first, shardHosts.map((_, i) => `${svc}-${i}`));
    const again = await place(N);
    expect(again).toEqual(first);
  }, 120_000);

  it('removing one shard from the topology moves at most 1/N + 10% of the keys, all from that shard', async () => {
    const after = await place(N - 1);
    expect(after.size).toBe(KEYS);
    expectFewMoved('sharded memcache (twemproxy, murmur)', first, after, `${svc}-${N - 1}`, N);
  }, 120_000);
});

describeWithBinaries(['nutcracker', 'memcached', 'unshare', 'mount'], 'twemproxy hash choice: why the default is murmur, not the book\'s fnv1a_64', () => {
  const svc = 'sessions';
  const N = 3;
  const shardHosts = Array.from({ length: N }, (_, i) => `${svc}-${i}`);
  const addr = allocateAddresses([...shardHosts, 'router']);
  const hosts = Object.fromEntries(shardHosts.map((h) => [h, addr[h]!]));
  const running: Running[] = [];
  const router = `${addr.router}:11211`;
  // short sequential keys, as in DESIGN.md's measurement
  const short = Array.from({ length: 200 }, (_, i) => String(i));

  async function spreadWith(hash: string | undefined): Promise<number[]> {
    for (const h of shardHosts) await tcpExchange(`${addr[h]}:11211`, 'flush_all\r\n', (b) => b.includes('\r\n'));
    const fields = ['image: memcached:1.6.29', 'protocol: memcache', ...(hash ? [`router: { hash: ${hash} }`] : [])];
    const conf = await routerConfig(topology(svc, N, fields), `twemproxy/${svc}-router.yml`);
    const nc = await startNutcracker(conf, hosts, { rewrite: (t) => t.replace('"0.0.0.0:11211"', `"${router}"`) });
    try {
      await memcacheSetAll(router, short);
    } finally {
      await nc.stop();
    }
    const counts: number[] = [];
    for (const h of shardHosts) counts.push((await memcacheHolds(`${addr[h]}:11211`, short)).size);
    process.stderr.write(`twemproxy hash ${hash ?? 'murmur (default)'}: 200 short keys over ${N} shards: ${counts.join(', ')}\n`);
    return counts;
  }

  beforeAll(async () => {
    for (const h of shardHosts) running.push(await startMemcached(addr[h]!, 11211));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop()));
  });

  it('the default spreads 200 short sequential keys over every shard, none below half or above twice its share; fnv1a_64 does not', async () => {
    const murmur = await spreadWith(undefined);
    expect(murmur.reduce((a, b) => a + b, 0)).toBe(200);
    for (const n of murmur) {
      expect(n).toBeGreaterThanOrEqual(200 / N / 2);
      expect(n).toBeLessThanOrEqual((2 * 200) / N);
    }
    const fnv = await spreadWith('fnv1a_64');
    expect(fnv.reduce((a, b) => a + b, 0)).toBe(200);
    expect(Math.min(...fnv)).toBeLessThan(200 / N / 2);
  }, 60_000);
});

describeWithBinaries(['nutcracker', 'redis-server', 'unshare', 'mount'], 'sharded redis: twemproxy router (redis: true) over real redis shards on loopback', () => {
  const svc = 'carts';
  const N = 3;
  const shardHosts = Array.from({ length: N }, (_, i) => `${svc}-${i}`);
  const addr = allocateAddresses([...shardHosts, 'router']);
  const hosts = Object.fromEntries(shardHosts.map((h) => [h, addr[h]!]));
  const running: Running[] = [];
  const router = `${addr.router}:6379`;

  beforeAll(async () => {
    for (const h of shardHosts) running.push(await startRedis(addr[h]!, 6379));
    const conf = await routerConfig(topology(svc, N, ['image: redis:7.4.1-alpine', 'port: 6379', 'protocol: redis']), `twemproxy/${svc}-router.yml`);
    expect(conf).toContain('redis: true');
    running.push(await startNutcracker(conf, hosts, { rewrite: (t) => t.replace('"0.0.0.0:6379"', `"${router}"`) }));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop()));
  });

  it('SET through the router lands each of 1,000 keys on one shard, spread over every shard; GET reads it back', async () => {
    for (let i = 0; i < KEYS; i += 50) await Promise.all(keys.slice(i, i + 50).map(async (k) => expect(await redisCommand(router, 'SET', k, `v-${k}`)).toBe('OK')));
    for (const k of keys.filter((_, i) => i % 10 === 0)) expect(await redisCommand(router, 'GET', k)).toBe(`v-${k}`);
    const p = new Map<string, string>();
    for (let i = 0; i < N; i++) {
      const at = `${addr[shardHosts[i]!]}:6379`;
      for (let j = 0; j < KEYS; j += 100) {
        const values = (await redisCommand(at, 'MGET', ...keys.slice(j, j + 100))) as (string | null)[];
        values.forEach((v, x) => {
          if (v === null) return;
          const k = keys[j + x]!;
          expect(p.has(k), `${k} lives on two shards`).toBe(false);
          p.set(k, `${svc}-${i}`);
        });
      }
    }
    expect(p.size).toBe(KEYS);
    expectSpread('sharded redis (twemproxy, murmur)', p, shardHosts.map((_, i) => `${svc}-${i}`));
  }, 120_000);
});
