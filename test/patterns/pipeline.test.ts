// pipelines (book ch. 11): one broker per pipeline, one Deployment per stage wired by topics,
// and the graph checks (cycles, unproduced inputs, arities) with messages naming the stage.
import { describe, expect, it } from 'vitest';
import { renderExample } from '../examples.js';
import { validateKubernetes } from '../helpers/kubernetes.js';
import { validateCompose } from '../helpers/compose.js';
import { HEAD, composeDoc, containerEnv, failures, generate, kubeObject, kubeObjects, podSpec, type Obj } from './batch-helpers.js';
import { kafkaClusterId } from '../../src/patterns/brokers.js';

describe('example 07-pipeline', () => {
  it('is valid Kubernetes (strict) and a valid compose file', async () => {
    const files = await renderExample('07-pipeline');
    expect(validateKubernetes(kubeObjects(files))).toEqual([]);
    expect(validateCompose(composeDoc(files))).toEqual([]);
  });

  it('deploys the broker once per pipeline and one Deployment per stage', async () => {
    const files = await renderExample('07-pipeline');
    expect(kubeObjects(files, 'kubernetes/photos.yaml').map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'StatefulSet/photos-broker',
      'Service/photos-broker',
      'Deployment/photos-archive',
      'Deployment/photos-blur',
      'PodDisruptionBudget/photos-blur',
      'Deployment/photos-copy',
      'Deployment/photos-detect',
      'Deployment/photos-join',
    ]);
    expect(kubeObject(files, 'Deployment', 'photos-blur').spec.replicas).toBe(2);
    expect(kubeObject(files, 'Deployment', 'photos-copy').spec.replicas).toBe(1);
  });

  it('wires every stage by its topics: DDP_INPUT_TOPICS, DDP_OUTPUT_TOPICS (sharder: <stage>-<i>), DDP_BROKER_URL', async () => {
    const files = await renderExample('07-pipeline');
    const env = (stage: string) => containerEnv(podSpec(kubeObject(files, 'Deployment', `photos-${stage}`)).containers[0]);
    const common = { DDP_BROKER_URL: 'redis://photos-broker:6379' };
    expect(env('copy')).toEqual({ ...common, DDP_CONSUMER_GROUP: 'copy', DDP_INPUT_TOPICS: 'uploads', DDP_OUTPUT_TOPICS: 'to-blur,to-archive', DDP_STAGE_KIND: 'copier' });
    expect(env('blur')).toEqual({ ...common, DDP_CONSUMER_GROUP: 'blur', DDP_INPUT_TOPICS: 'to-blur', DDP_OUTPUT_TOPICS: 'blur-0,blur-1,blur-2', DDP_STAGE_KIND: 'sharder' });
    expect(env('detect')).toEqual({ ...common, DDP_CONSUMER_GROUP: 'detect', DDP_INPUT_TOPICS: 'blur-0', DDP_OUTPUT_TOPICS: '', DDP_STAGE_KIND: 'filter' });
    expect(env('join')).toEqual({ ...common, DDP_CONSUMER_GROUP: 'join', DDP_INPUT_TOPICS: 'blur-1,blur-2', DDP_OUTPUT_TOPICS: 'done', DDP_STAGE_KIND: 'merger' });
  });

  it('compose gives each stage the same environment and waits for the healthy broker', async () => {
    const files = await renderExample('07-pipeline');
    const services = composeDoc(files).services as Record<string, Obj>;
    for (const stage of ['archive', 'blur', 'copy', 'detect', 'join']) {
      const name = `photos-${stage}`;
      expect(services[name].environment).toEqual(containerEnv(podSpec(kubeObject(files, 'Deployment', name)).containers[0]));
      expect(services[name].depends_on).toEqual({ 'photos-broker': { condition: 'service_healthy' } });
    }
    expect(services['photos-blur'].deploy.replicas).toBe(2);
  });

  it('kafka: a single-node KRaft StatefulSet advertising its Service name; stages start with it', async () => {
    const files = await renderExample('07-pipeline');
    const sts = kubeObject(files, 'StatefulSet', 'clicks-broker');
    const kafka = podSpec(sts).containers[0];
    expect(kafka.image).toBe('apache/kafka:3.8.1');
    expect(containerEnv(kafka)).toMatchObject({
      CLUSTER_ID: kafkaClusterId('photos', 'clicks-broker'),
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://clicks-broker:9092',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_LOG_DIRS: '/var/lib/kafka/data/logs',
    });
    expect(kafkaClusterId('photos', 'clicks-broker')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(kafka.volumeMounts.map((m: Obj) => m.mountPath)).toEqual(['/var/lib/kafka/data', '/opt/kafka/config', '/opt/kafka/logs', '/tmp']);
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('5Gi');
    expect(containerEnv(podSpec(kubeObject(files, 'Deployment', 'clicks-split')).containers[0])).toEqual({
      DDP_BROKER_URL: 'kafka://clicks-broker:9092',
      DDP_CONSUMER_GROUP: 'split',
      DDP_INPUT_TOPICS: 'raw-clicks',
      DDP_OUTPUT_TOPICS: 'ads,organic',
      DDP_STAGE_KIND: 'splitter',
    });
    const services = composeDoc(files).services as Record<string, Obj>;
    expect(services['clicks-broker'].healthcheck).toBeUndefined();
    expect(services['clicks-count'].depends_on).toEqual({ 'clicks-broker': { condition: 'service_started' } });
    expect(services['clicks-count'].restart).toBe('unless-stopped');
  });
});

const pipeline = (stages: string, broker = 'redis') => `${HEAD}services:\n  web: { pattern: replicated, image: ghcr.io/acme/web:1.0, port: 8080 }\npipelines:\n  p:\n    broker: ${broker}\n    sources: [in]\n    stages:\n${stages}`;

describe('pipeline brokers', () => {
  it('nats: the JetStream broker; an outside URL deploys none', async () => {
    const nats = await generate(pipeline('      a: { kind: filter, image: ghcr.io/acme/a:1, input: in }\n', 'nats'));
    expect(podSpec(kubeObject(nats.files, 'StatefulSet', 'p-broker')).containers[0].args).toContain('--jetstream');
    expect(containerEnv(podSpec(kubeObject(nats.files, 'Deployment', 'p-a')).containers[0]).DDP_BROKER_URL).toBe('nats://p-broker:4222');
    const outside = await generate(pipeline('      a: { kind: filter, image: ghcr.io/acme/a:1, input: in }\n', '{ url: "redis://events.example.com:6379" }'));
    expect(kubeObjects(outside.files, 'kubernetes/p.yaml').map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Deployment/p-a']);
    expect(containerEnv(podSpec(kubeObject(outside.files, 'Deployment', 'p-a')).containers[0]).DDP_BROKER_URL).toBe('redis://events.example.com:6379');
    expect(composeDoc(outside.files).services['p-a'].depends_on).toBeUndefined();
  });

  it('a broker url with a password: a warning, since it is written in plain text into DDP_BROKER_URL', async () => {
    const withPassword = await generate(pipeline('      a: { kind: filter, image: ghcr.io/acme/a:1, input: in }\n', '{ url: "redis://:s3cret@events.example.com:6379" }'));
    expect(withPassword.diagnostics.filter((d) => d.code === 'secret-in-url').map((d) => `${d.line}:${d.col} ${d.severity} ${d.message}`)).toEqual([
      '8:20 warning the broker url holds a password, which ddp writes in plain text into DDP_BROKER_URL of every Deployment and of the compose file (ddp never writes a secret value otherwise)',
    ]);
    const userOnly = await generate(pipeline('      a: { kind: filter, image: ghcr.io/acme/a:1, input: in }\n', '{ url: "redis://worker@events.example.com:6379" }'));
    expect(userOnly.diagnostics.filter((d) => d.code === 'secret-in-url')).toEqual([]);
  });
});

describe('pipeline validation names the stage', () => {
  const messages = async (stages: string) => (await failures(pipeline(stages))).map((d) => `${d.line}:${d.code}: ${d.message}`);

  it('rejects a cycle', async () => {
    expect(await messages('      a: { kind: merger, image: ghcr.io/acme/a:1, inputs: [in, back], outputs: [mid] }\n      b: { kind: filter, image: ghcr.io/acme/b:1, input: mid, outputs: [back] }\n')).toEqual([
      '11:pipeline-cycle: pipeline `p` has a cycle: a → b → a',
    ]);
  });

  it('rejects an input that no source or stage produces', async () => {
    expect(await messages('      a: { kind: filter, image: ghcr.io/acme/a:1, input: nowhere }\n')).toEqual([
      '11:unknown-topic: stage `a` reads topic `nowhere`, which no source or stage produces',
    ]);
  });

  it('rejects wrong arities', async () => {
    expect(await messages('      c: { kind: copier, image: ghcr.io/acme/c:1, input: in, outputs: [x] }\n      m: { kind: merger, image: ghcr.io/acme/m:1, inputs: [x] }\n')).toEqual([
      '11:stage-arity: copier stage `c` writes 1 topic; a copier writes at least 2',
      '12:stage-arity: merger stage `m` reads 1 topic; a merger reads at least 2',
    ]);
  });

  it('rejects a merger that reads one topic twice (it would read each message twice)', async () => {
    expect(await messages('      m: { kind: merger, image: ghcr.io/acme/m:1, inputs: [in, in] }\n')).toEqual([
      '11:duplicate-input: stage `m` reads topic `in` twice',
    ]);
  });

  it('rejects a stage called broker (its Deployment would be the broker) and stage mounts', async () => {
    expect(await messages('      broker: { kind: filter, image: ghcr.io/acme/b:1, input: in, mounts: [{ volume: v, path: /v }] }\n')).toEqual([
      "11:name-collision: stage `broker` of pipeline `p` would be the Deployment p-broker, the name of the pipeline's broker",
      '11:unknown-volume: stage `broker` mounts volume `v`, but pipeline stages have no volumes',
    ]);
  });
});
