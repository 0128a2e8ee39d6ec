// End to end: the work queue of examples/06-work-queue on a real redis-server, run with the
// generated broker command. A test producer pushes 500 items and two test workers drain them, each
// a separate process configured only from its generated Deployment's environment (the producer:
// `uploads`, which `feeds: [thumbnails]`); every item is processed exactly once.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderExample } from '../examples.js';
import { describeWithBinaries } from '../helpers/binaries.js';
import { allocateAddresses, makeTempDir, redisCommand, type Running } from '../helpers/proxies.js';
import { containerEnv, kubeObject, podSpec } from '../patterns/batch-helpers.js';
import { eventually, startGeneratedRedis, startWorker } from './broker-helpers.js';

const ITEMS = Array.from({ length: 500 }, (_, i) => `thumb-${String(i).padStart(3, '0')}`);

describeWithBinaries(['redis-server', 'env', 'unshare', 'mount'], 'work queue on redis, end to end', () => {
  const running: Running[] = [];
  let broker = '';
  let env: Record<string, string> = {};
  let producerEnv: Record<string, string> = {};
  let hosts: Record<string, string> = {};
  let results = '';

  beforeAll(async () => {
    const files = await renderExample('06-work-queue');
    env = containerEnv(podSpec(kubeObject(files, 'Deployment', 'thumbnails')).containers[0]);
    producerEnv = containerEnv(podSpec(kubeObject(files, 'Deployment', 'uploads')).containers[0]);
    // the producer is told the broker and the queue the workers are
    expect([producerEnv.DDP_FEED_THUMBNAILS_URL, producerEnv.DDP_FEED_THUMBNAILS_QUEUE, producerEnv.DDP_FEED_THUMBNAILS_KIND]).toEqual([env.DDP_BROKER_URL, env.DDP_QUEUE, 'redis']);
    const service = kubeObject(files, 'Service', 'thumbnails-broker');
    const url = new URL(env.DDP_BROKER_URL);
    // the URL the workers get names the broker's Service and port
    expect(url.hostname).toBe(service.metadata.name);
    expect(Number(url.port)).toBe(service.spec.ports[0].port);
    const ip = allocateAddresses(['broker']).broker;
    broker = `${ip}:${url.port}`;
    hosts = { [url.hostname]: ip };
    running.push(await startGeneratedRedis(kubeObject(files, 'StatefulSet', 'thumbnails-broker'), ip, Number(url.port)));
    results = makeTempDir('work-queue-results');
    for (const id of ['thumbnails-7d9f-a', 'thumbnails-7d9f-b']) {
      // DDP_WORKER_ID is the pod name, which Kubernetes' downward API supplies
      running.push(await startWorker('queue-worker.mjs', [join(results, id)], { ...env, DDP_WORKER_ID: id }, { [url.hostname]: ip }, `worker ${id}`));
    }
  });

  afterAll(async () => {
    await Promise.all(running.map((r) => r.stop()));
  });

  const processed = (id: string) => {
    const f = join(results, id);
    return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
  };

  it('two workers drain 500 items the producer pushed to the queue its feeds entry names, each item processed exactly once', async () => {
    const ids = ['thumbnails-7d9f-a', 'thumbnails-7d9f-b'];
    const output = () => running.map((r) => r.output()).join('\n');
    // both workers are connected and blocked on the queue before anything is pushed
    await eventually(async () => {
      const clients = String(await redisCommand(broker, 'CLIENT', 'LIST'));
      return ids.every((id) => new RegExp(`name=${id} .*cmd=blmove`).test(clients));
    }, 15_000, output);
    const producer = await startWorker('queue-producer.mjs', ['thumbnails', ...ITEMS], producerEnv, hosts, 'producer uploads');
    running.push(producer);
    await eventually(async () => producer.output().includes('pushed 500'), 15_000, output);
    const pending = async () => Number(await redisCommand(broker, 'LLEN', env.DDP_QUEUE));
    await eventually(
      async () => (await pending()) === 0 && ids.flatMap(processed).length >= ITEMS.length,
      30_000,
      async () => `queue ${await pending()}, processed ${ids.flatMap(processed).length}\n${output()}`,
    );
    await new Promise((r) => setTimeout(r, 300)); // nothing more may arrive
    const a = processed(ids[0]);
    const b = processed(ids[1]);
    expect([...a, ...b].sort()).toEqual(ITEMS);
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    // the reliable queue acknowledged everything: no item left on a processing list
    for (const id of ids) expect(await redisCommand(broker, 'LLEN', `${env.DDP_QUEUE}:processing:${id}`)).toBe(0);
  });
});
