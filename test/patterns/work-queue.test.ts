// work-queue (book ch. 10): the broker StatefulSet, the workers, KEDA scaling and compose wiring.
import { describe, expect, it } from 'vitest';
import { renderExample } from '../examples.js';
import { validateKubernetes } from '../helpers/kubernetes.js';
import { validateCompose } from '../helpers/compose.js';
import { HEAD, composeDoc, containerEnv, failures, generate, kubeObject, kubeObjects, podSpec, type Obj } from './batch-helpers.js';

describe('example 06-work-queue', () => {
  it('is valid Kubernetes (strict, KEDA objects included) and a valid compose file', async () => {
    const files = await renderExample('06-work-queue');
    const docs = kubeObjects(files);
    expect(docs.map((d) => `${d.kind}/${d.metadata?.name}`).filter((k) => /^(Scaled|StatefulSet|Job)/.test(k)).sort()).toEqual([
      'ScaledJob/transcode',
      'ScaledObject/invoices',
      'ScaledObject/thumbnails',
      'StatefulSet/reindex-broker',
      'StatefulSet/thumbnails-broker',
      'StatefulSet/transcode-broker',
    ]);
    expect(validateKubernetes(docs)).toEqual([]);
    expect(validateCompose(composeDoc(files))).toEqual([]);
  });

  it('deploys a redis broker: one-replica StatefulSet with a volume claim, probes and a headless Service', async () => {
    const files = await renderExample('06-work-queue');
    const sts = kubeObject(files, 'StatefulSet', 'thumbnails-broker');
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.serviceName).toBe('thumbnails-broker');
    expect(sts.spec.volumeClaimTemplates).toEqual([
      { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } } },
    ]);
    const redis = podSpec(sts).containers[0];
    expect(redis.image).toBe('redis:7.4.1-alpine');
    expect(redis.command).toEqual(['redis-server']);
    expect(redis.args).toEqual(['--port', '6379', '--dir', '/data', '--appendonly', 'yes', '--protected-mode', 'no']);
    expect(redis.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(redis.readinessProbe.exec.command).toEqual(['redis-cli', 'ping']);
    expect(redis.livenessProbe.tcpSocket).toEqual({ port: 6379 });
    expect(redis.livenessProbe).not.toEqual(redis.readinessProbe);
    const svc = kubeObject(files, 'Service', 'thumbnails-broker');
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 6379, protocol: 'TCP' }]);
    expect(svc.spec.selector).toEqual(sts.spec.selector.matchLabels);
  });

  it('gives every worker DDP_BROKER_URL and DDP_QUEUE, and scales the Deployment with a KEDA ScaledObject (no HPA, no replicas)', async () => {
    const files = await renderExample('06-work-queue');
    const dep = kubeObject(files, 'Deployment', 'thumbnails');
    expect(dep.spec.replicas).toBeUndefined();
    const worker = podSpec(dep).containers[0];
    expect(containerEnv(worker)).toEqual({ DDP_BROKER_URL: 'redis://thumbnails-broker:6379', DDP_QUEUE: 'thumbnails' });
    expect(worker.env).toContainEqual({ name: 'DDP_WORKER_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
    expect(kubeObject(files, 'ScaledObject', 'thumbnails').spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'thumbnails' },
      pollingInterval: 15,
      cooldownPeriod: 300,
      minReplicaCount: 1,
      maxReplicaCount: 20,
      triggers: [{ type: 'redis', metadata: { address: 'thumbnails-broker.media.svc.cluster.local:6379', listName: 'thumbnails', listLength: '10' } }],
    });
    expect(kubeObjects(files).filter((o) => o.kind === 'HorizontalPodAutoscaler')).toEqual([]);
  });

  it('mode job + autoscale: a KEDA ScaledJob carries the Job (no plain Job), rabbitmq trigger on the queue', async () => {
    const files = await renderExample('06-work-queue');
    expect(kubeObjects(files, 'kubernetes/transcode.yaml').filter((o) => o.kind === 'Job')).toEqual([]);
    const sj = kubeObject(files, 'ScaledJob', 'transcode');
    expect(sj.spec.jobTargetRef).toMatchObject({ parallelism: 1, completions: 1, backoffLimit: 6, ttlSecondsAfterFinished: 3600 });
    expect(podSpec(sj).restartPolicy).toBe('OnFailure');
    expect(containerEnv(podSpec(sj).containers[0])).toEqual({ DDP_BROKER_URL: 'amqp://transcode-broker:5672', DDP_QUEUE: 'transcode' });
    expect({ min: sj.spec.minReplicaCount, max: sj.spec.maxReplicaCount }).toEqual({ min: 0, max: 10 });
    expect(sj.spec.triggers).toEqual([
      { type: 'rabbitmq', metadata: { host: 'amqp://transcode-broker.media.svc.cluster.local:5672', mode: 'QueueLength', protocol: 'amqp', queueName: 'transcode', value: '5' } },
    ]);
    const rabbit = podSpec(kubeObject(files, 'StatefulSet', 'transcode-broker')).containers[0];
    expect(rabbit.volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/rabbitmq' });
    expect(rabbit.env).toEqual([{ name: 'HOME', value: '/var/lib/rabbitmq' }]);
  });

  it('nats: JetStream on the volume, workers get the stream and the shared durable consumer', async () => {
    const files = await renderExample('06-work-queue');
    const nats = podSpec(kubeObject(files, 'StatefulSet', 'reindex-broker')).containers[0];
    expect(nats.args).toEqual(['--jetstream', '--store_dir', '/data', '--port', '4222', '--http_port', '8222']);
    expect(nats.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 8222 });
    const dep = kubeObject(files, 'Deployment', 'reindex');
    expect(dep.spec.replicas).toBe(3);
    expect(containerEnv(podSpec(dep).containers[0])).toEqual({
      DDP_BROKER_URL: 'nats://reindex-broker:4222',
      DDP_CONSUMER: 'reindex',
      DDP_QUEUE: 'search.reindex',
      DDP_STREAM: 'search_reindex',
    });
    const prod = await renderExample('06-work-queue', 'prod');
    expect(kubeObject(prod, 'Deployment', 'reindex').spec.replicas).toBe(6);
  });

  it('an outside broker URL: nothing deployed, the trigger points at the URL host, database and TLS', async () => {
    const files = await renderExample('06-work-queue');
    expect(kubeObjects(files, 'kubernetes/invoices.yaml').map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Deployment/invoices', 'ScaledObject/invoices']);
    const dep = kubeObject(files, 'Deployment', 'invoices');
    expect(containerEnv(podSpec(dep).containers[0])).toEqual({ DDP_BROKER_URL: 'rediss://queues.example.com:6380/2', DDP_QUEUE: 'invoices', LOG_LEVEL: 'info' });
    expect(kubeObject(files, 'ScaledObject', 'invoices').spec.triggers).toEqual([
      { type: 'redis', metadata: { address: 'queues.example.com:6380', databaseIndex: '2', enableTLS: 'true', listName: 'invoices', listLength: '5' } },
    ]);
    expect(composeDoc(files).services.invoices.depends_on).toBeUndefined();
  });

  it('compose: brokers with healthchecks, workers depend on them being healthy and run the configured count', async () => {
    const compose = composeDoc(await renderExample('06-work-queue'));
    const s = compose.services as Record<string, Obj>;
    expect(s['thumbnails-broker'].healthcheck.test).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(s['transcode-broker'].healthcheck.test).toEqual(['CMD', 'rabbitmq-diagnostics', '-q', 'ping']);
    expect(s['reindex-broker'].healthcheck.test).toEqual(['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:8222/healthz']);
    for (const w of ['thumbnails', 'transcode', 'reindex']) expect(s[w].depends_on).toEqual({ [`${w}-broker`]: { condition: 'service_healthy' } });
    expect(s.thumbnails.environment).toEqual({ DDP_BROKER_URL: 'redis://thumbnails-broker:6379', DDP_QUEUE: 'thumbnails' });
    expect(s.thumbnails.deploy.replicas).toBe(2);
    expect(s.transcode.restart).toBe('no');
    expect(s['thumbnails-broker'].volumes).toContainEqual({ type: 'volume', source: 'thumbnails-broker-data', target: '/data' });
    expect(Object.keys(compose.volumes)).toContain('thumbnails-broker-data');
  });
});

describe('work-queue defaults', () => {
  const topology = (extra: string) => `${HEAD}services:\n  resize:\n    pattern: work-queue\n    worker: { image: ghcr.io/acme/resize:1.0 }\n${extra}`;

  it('a redis broker, the queue named after the service, two workers in a Deployment', async () => {
    const { files } = await generate(topology(''));
    const dep = kubeObject(files, 'Deployment', 'resize');
    expect(dep.spec.replicas).toBe(2);
    expect(containerEnv(podSpec(dep).containers[0])).toEqual({ DDP_BROKER_URL: 'redis://resize-broker:6379', DDP_QUEUE: 'resize' });
    expect(kubeObject(files, 'StatefulSet', 'resize-broker').spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('1Gi');
    expect(kubeObjects(files).filter((o) => o.kind === 'ScaledObject')).toEqual([]);
  });

  it('mode job without autoscale: a Job whose parallelism and completions are the worker count', async () => {
    const { files } = await generate(topology('    mode: job\n    storage: { size: 3Gi, storageClass: fast }\n').replace('resize:1.0 }', 'resize:1.0, replicas: 4 }'));
    const job = kubeObject(files, 'Job', 'resize');
    expect(job.spec).toMatchObject({ parallelism: 4, completions: 4, backoffLimit: 6, ttlSecondsAfterFinished: 3600 });
    expect(job.spec.completionMode).toBeUndefined();
    expect(podSpec(job).restartPolicy).toBe('OnFailure');
    expect(kubeObject(files, 'StatefulSet', 'resize-broker').spec.volumeClaimTemplates[0].spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'fast',
      resources: { requests: { storage: '3Gi' } },
    });
    expect(validateKubernetes(kubeObjects(files))).toEqual([]);
  });

  it('autoscale min 0 on a Deployment: KEDA may scale to zero, compose still runs one worker', async () => {
    const { files } = await generate(topology('    autoscale: { min: 0, max: 3 }\n'));
    expect(kubeObject(files, 'ScaledObject', 'resize').spec).toMatchObject({ minReplicaCount: 0, maxReplicaCount: 3 });
    expect(kubeObjects(files).filter((o) => o.kind === 'PodDisruptionBudget')).toEqual([]);
    expect(composeDoc(files).services.resize.deploy.replicas).toBe(1);
  });

  it('an outside nats broker: the KEDA trigger asks its monitoring port', async () => {
    const { files } = await generate(topology('    broker: { url: "nats://nats.example.com:4222" }\n    queue: jobs\n    autoscale: { max: 5, perWorker: 20 }\n'));
    expect(kubeObject(files, 'ScaledObject', 'resize').spec.triggers).toEqual([
      { type: 'nats-jetstream', metadata: { account: '$G', consumer: 'resize', lagThreshold: '20', natsServerMonitoringEndpoint: 'nats.example.com:8222', stream: 'jobs' } },
    ]);
  });

  it('an outside rabbitmq broker: KEDA reads the URL (and its credentials) from the worker environment', async () => {
    const { files } = await generate(topology('    broker: { url: "amqps://app:secret@mq.example.com/prod" }\n    autoscale: { max: 5 }\n'));
    expect(kubeObject(files, 'ScaledObject', 'resize').spec.triggers[0].metadata).toEqual({
      hostFromEnv: 'DDP_BROKER_URL',
      mode: 'QueueLength',
      protocol: 'amqp',
      queueName: 'resize',
      value: '5',
    });
  });

  it('rejects an outside broker URL without a host, and autoscale.min above max', async () => {
    const ds = await failures(topology('    broker: { url: "redis://" }\n    autoscale: { min: 5, max: 2 }\n'));
    expect(ds.map((d) => `${d.line}:${d.code}: ${d.message}`)).toEqual([
      '8:bad-url: broker url redis:// is not a URL with a host',
      '9:bad-range: autoscale.min 5 is above autoscale.max 2',
    ]);
  });
});
