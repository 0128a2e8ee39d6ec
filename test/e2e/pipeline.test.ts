// End to end: an event-driven pipeline on a real redis-server, run with the generated broker
// command. Items fed to the source topic flow through a copier (two replicas), a sharder and a
// merger — test stages that are separate processes configured only from the generated compose
// file's environment — and arrive at the final topic: none lost, none duplicated.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBinaries } from '../helpers/binaries.js';
import { allocateAddresses, redisCommand, type RespValue, type Running } from '../helpers/proxies.js';
import { HEAD, composeDoc, generate, kubeObject, type Obj } from '../patterns/batch-helpers.js';
import { eventually, startGeneratedRedis, startWorker } from './broker-helpers.js';

const TOPOLOGY = `${HEAD}services:
  web: { pattern: replicated, image: ghcr.io/acme/web:1.0, port: 8080 }
pipelines:
  e2e:
    broker: redis
    sources: [uploads]
    stages:
      copy:  { kind: copier,  image: ghcr.io/acme/copy:1,  input: uploads, outputs: [to-shard, archive], replicas: 2 }
      shard: { kind: sharder, image: ghcr.io/acme/shard:1, input: to-shard, shards: 3 }
      join:  { kind: merger,  image: ghcr.io/acme/join:1,  inputs: [shard-0, shard-1, shard-2], outputs: [done] }
`;
const ITEMS = Array.from({ length: 300 }, (_, i) => `photo-${String(i).padStart(3, '0')}`);

/** XRANGE entries as field maps. */
async function entries(broker: string, topic: string): Promise<Record<string, string>[]> {
  const reply = (await redisCommand(broker, 'XRANGE', topic, '-', '+')) as [string, string[]][];
  return reply.map(([, flat]) => Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]])));
}

describeWithBinaries(['redis-server', 'env', 'unshare', 'mount'], 'pipeline on redis streams, end to end', () => {
  const running: Running[] = [];
  let broker = '';

  beforeAll(async () => {
    const { files } = await generate(TOPOLOGY);
    const services = composeDoc(files).services as Record<string, Obj>;
    const url = new URL(services['e2e-copy'].environment.DDP_BROKER_URL);
    // the URL the stages get names the broker's compose service and its Kubernetes Service port
    expect(services[url.hostname].image).toMatch(/^redis:/);
    expect(Number(url.port)).toBe(kubeObject(files, 'Service', url.hostname).spec.ports[0].port);
    const ip = allocateAddresses(['broker']).broker;
    broker = `${ip}:${url.port}`;
    running.push(await startGeneratedRedis(kubeObject(files, 'StatefulSet', url.hostname), ip, Number(url.port)));
    for (const stage of ['copy', 'shard', 'join']) {
      const svc = services[`e2e-${stage}`];
      for (let r = 0; r < svc.deploy.replicas; r++) {
        const id = `${stage}-${r}`;
        running.push(await startWorker('stage-worker.mjs', [], { ...svc.environment, DDP_WORKER_ID: id }, { [url.hostname]: ip }, `stage ${id}`));
      }
    }
  });

  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop()));
  });

  it('every item fed to the source arrives at the final topic exactly once, through copier, sharder and merger', async () => {
    for (const item of ITEMS) await redisCommand(broker, 'XADD', 'uploads', '*', 'key', item, 'data', item);
    const count = async (topic: string) => Number(await redisCommand(broker, 'XLEN', topic));
    const output = () => running.map((r) => r.output()).join('\n');
    await eventually(
      async () => (await count('done')) >= ITEMS.length && (await count('archive')) >= ITEMS.length,
      30_000,
      async () => `done ${await count('done')}, archive ${await count('archive')}\n${output()}`,
    );
    // every consumer group acknowledged everything it read
    for (const [topic, group] of [['uploads', 'copy'], ['to-shard', 'shard'], ['shard-0', 'join'], ['shard-1', 'join'], ['shard-2', 'join']]) {
      await eventually(async () => ((await redisCommand(broker, 'XPENDING', topic, group)) as RespValue[])[0] === 0, 5_000, () => `${topic}/${group} has pending entries`);
    }
    await new Promise((r) => setTimeout(r, 300)); // nothing more may arrive

    const done = await entries(broker, 'done');
    expect(done.map((e) => e.data).sort()).toEqual(ITEMS);
    expect((await entries(broker, 'archive')).map((e) => e.data).sort()).toEqual(ITEMS);
    // each item took copier → sharder → merger, and both copier replicas shared the work
    for (const e of done) expect(e.trace).toMatch(/^copy-[01]>shard-0>join-0$/);
    expect(new Set(done.map((e) => e.trace.split('>')[0]))).toEqual(new Set(['copy-0', 'copy-1']));
    // the sharder put every item on exactly one shard, and used all three
    const shards = await Promise.all([0, 1, 2].map(async (i) => (await entries(broker, `shard-${i}`)).map((e) => e.data)));
    expect(shards.flat().sort()).toEqual(ITEMS);
    for (const s of shards) expect(s.length).toBeGreaterThan(0);
  });
});
