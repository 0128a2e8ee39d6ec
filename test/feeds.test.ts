// `feeds`: a service that puts work into a work queue or a pipeline's source topic gets the
// broker, its kind and the queue or topic in its environment (README: "Producer wire contract"),
// in Kubernetes and compose alike, and compose starts it after the broker. Exact diagnostics for
// an entry that names nothing a service can feed. (test/e2e/work-queue.test.ts: a producer
// configured only by that environment fills the queue the real workers drain.)
import { describe, expect, it } from 'vitest';
import { composeDoc, generate, kubeObject, TOPOLOGY_HEAD } from './patterns/single-node-helpers.js';
import { containerEnv, podSpec } from './patterns/batch-helpers.js';
import { errorsOf, show } from './helpers/topology.js';

const QUEUES =
  '  thumbs:\n    pattern: work-queue\n    worker: { image: ghcr.io/acme/thumbs:1.0.0 }\n' +
  '  jobs:\n    pattern: work-queue\n    broker: nats\n    queue: jobs.v1\n    worker: { image: ghcr.io/acme/jobs:1.0.0 }\n' +
  '  mail:\n    pattern: work-queue\n    broker: { url: "amqp://mq.example.com:5672/" }\n    worker: { image: ghcr.io/acme/mail:1.0.0 }\n';
const PIPELINE = 'pipelines:\n  photos:\n    sources: [incoming]\n    stages:\n      copy: { kind: filter, image: ghcr.io/acme/copy:1.0.0, input: incoming }\n';
const api = (feeds: string, more = '') => `  api:\n    pattern: replicated\n    image: ghcr.io/acme/api:1.0.0\n    port: 8080\n    feeds: ${feeds}\n${more}`;

describe('feeds', () => {
  it('every container of yours gets the broker, its kind and the queue or topic; sidecars and ddp’s own do not', async () => {
    const { files } = await generate(TOPOLOGY_HEAD + api('[thumbs, jobs, mail, photos/incoming]', '    cache: {}\n    replicas: 2\n    sidecars: [{ name: helper, image: ghcr.io/acme/helper:1.0.0 }]\n') + QUEUES + PIPELINE);
    const spec = podSpec(kubeObject(files, 'Deployment', 'api'));
    expect(containerEnv(spec.containers[0])).toEqual({
      DDP_FEED_JOBS_KIND: 'nats',
      DDP_FEED_JOBS_QUEUE: 'jobs.v1',
      DDP_FEED_JOBS_STREAM: 'jobs_v1',
      DDP_FEED_JOBS_URL: 'nats://jobs-broker:4222',
      DDP_FEED_MAIL_KIND: 'rabbitmq',
      DDP_FEED_MAIL_QUEUE: 'mail',
      DDP_FEED_MAIL_URL: 'amqp://mq.example.com:5672/',
      DDP_FEED_PHOTOS_INCOMING_KIND: 'redis',
      DDP_FEED_PHOTOS_INCOMING_TOPIC: 'incoming',
      DDP_FEED_PHOTOS_INCOMING_URL: 'redis://photos-broker:6379',
      DDP_FEED_THUMBS_KIND: 'redis',
      DDP_FEED_THUMBS_QUEUE: 'thumbs',
      DDP_FEED_THUMBS_URL: 'redis://thumbs-broker:6379',
    });
    // the same values a worker of the queue gets
    const worker = containerEnv(podSpec(kubeObject(files, 'Deployment', 'thumbs')).containers[0]);
    expect([worker.DDP_BROKER_URL, worker.DDP_QUEUE]).toEqual(['redis://thumbs-broker:6379', 'thumbs']);
    expect(Object.keys(containerEnv(spec.containers[1]))).toEqual([]); // the sidecar
    expect(Object.keys(containerEnv(podSpec(kubeObject(files, 'Deployment', 'api-cache')).containers[0])).filter((k) => k.startsWith('DDP_FEED_'))).toEqual([]);
    // compose: the same environment; started after the brokers ddp deploys (not the outside one), by name
    const compose = composeDoc(files);
    const app = compose.services['api-replica'];
    expect(app.environment.DDP_FEED_THUMBS_URL).toBe('redis://thumbs-broker:6379');
    expect(app.depends_on).toEqual({ 'jobs-broker': { condition: 'service_healthy' }, 'photos-broker': { condition: 'service_healthy' }, 'thumbs-broker': { condition: 'service_healthy' } });
  });

  it('a variable you set yourself keeps your value; a worker may feed another queue', async () => {
    const { files } = await generate(TOPOLOGY_HEAD + api('[thumbs]', '    env: { DDP_FEED_THUMBS_QUEUE: thumbs-high }\n') + QUEUES.replace("worker: { image: ghcr.io/acme/jobs:1.0.0 }", 'worker: { image: ghcr.io/acme/jobs:1.0.0 }\n    feeds: [thumbs]'));
    expect(containerEnv(podSpec(kubeObject(files, 'Deployment', 'api')).containers[0]).DDP_FEED_THUMBS_QUEUE).toBe('thumbs-high');
    const jobs = containerEnv(podSpec(kubeObject(files, 'Deployment', 'jobs')).containers[0]);
    expect([jobs.DDP_QUEUE, jobs.DDP_FEED_THUMBS_QUEUE]).toEqual(['jobs.v1', 'thumbs']);
  });

  it('an entry that names nothing a service can feed: exact errors at the entry', async () => {
    const text = TOPOLOGY_HEAD + api('[thumb, web, photo/incoming, photos/incomin, photos/other]') + '  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.0.0\n    port: 8080\n' + QUEUES + PIPELINE;
    const errors = await errorsOf(text);
    expect(errors.map(show)).toEqual([
      '9:13 unknown-service: feeds `thumb`: no service of this topology is called that',
      '9:20 bad-reference: feeds `web`: `web` is replicated, not a work-queue',
      '9:25 unknown-pipeline: feeds `photo/incoming`: no pipeline `photo`',
      '9:41 not-a-source: feeds `photos/incomin`: `incomin` is not a source of pipeline `photos` (its sources: incoming)',
      '9:57 not-a-source: feeds `photos/other`: `other` is not a source of pipeline `photos` (its sources: incoming)',
    ]);
    expect(errors.map((e) => e.hint)).toEqual([
      'did you mean `thumbs`?',
      'feed a `pattern: work-queue` service, or a pipeline\'s source topic as <pipeline>/<topic> (here: `jobs`, `mail`, `thumbs`, `photos/incoming`)',
      'did you mean `photos/incoming`?',
      'did you mean `photos/incoming`?',
      'add `other` to pipelines.photos.sources: a topic fed from outside is a source',
    ]);
  });

  it('two entries that would set the same variables; a pattern without feeds; a repeated entry', async () => {
    const pipelines = 'pipelines:\n  a:\n    sources: [b-c]\n    stages: { s: { kind: filter, image: "ghcr.io/acme/s:1", input: b-c } }\n  a-b:\n    sources: [c]\n    stages: { s: { kind: filter, image: "ghcr.io/acme/s:1", input: c } }\n';
    expect((await errorsOf(TOPOLOGY_HEAD + api('[a/b-c, a-b/c]') + pipelines)).map(show)).toEqual(['9:20 feed-clash: feeds `a-b/c` and `a/b-c` would both set DDP_FEED_A_B_C_URL, …']);
    const twice = await errorsOf(TOPOLOGY_HEAD + api('[thumbs, thumbs]') + QUEUES);
    expect(twice.map(show)).toEqual(['9:21 duplicate-item: services.api.feeds lists `thumbs` twice (items 1 and 2)']);
    expect(twice[0]!.hint).toBe('remove the repeated entry');
    // a batch has none of your long-running containers to tell
    const batch = '  count:\n    pattern: batch\n    map: { image: "ghcr.io/acme/m:1" }\n    reduce: { image: "ghcr.io/acme/r:1" }\n    feeds: [thumbs]\n';
    expect((await errorsOf(TOPOLOGY_HEAD + batch + QUEUES)).map(show)).toEqual(['9:5 unknown-key: unknown key `feeds` in services.count']);
  });
});
