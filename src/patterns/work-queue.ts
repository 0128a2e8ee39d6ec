// Pattern: work queue (book ch. 10).
// producers → queue (on the broker `<name>-broker`, or an outside URL) → workers `<name>`
// (a Deployment, or a Job with `parallelism` = replicas), optionally scaled by KEDA on the
// queue's length. Every worker gets DDP_BROKER_URL and DDP_QUEUE (README: "Worker wire contract").
import type { ContainerFields, WorkQueue } from '../generated/topology.js';
import type { Component, EventScaler, Unit } from '../model.js';
import type { Context } from './context.js';
import { containerFrom, declaredVolumes, emptyPod } from './containers.js';
import { applySingleNode } from './single-node.js';
import { brokerKind } from './naming.js';
import { brokerComponent, brokerDependency, deploysBroker, queueEnv, queueName, queueTrigger } from './brokers.js';

export const DEFAULT_WORKERS = 2;
export const DEFAULT_PER_WORKER = 5;
export const POLLING_INTERVAL = 15;
export const JOB_BACKOFF_LIMIT = 6;
export const JOB_TTL_SECONDS = 3600;

export function expand(name: string, svc: WorkQueue, ctx: Context, pointer: string): Unit {
  const unit: Unit = { name, pattern: 'work-queue', pointer, components: [], configs: [], extra: {} };
  const queue = queueName(name, svc.queue);
  const worker = workerComponent(name, svc, ctx, queue, pointer);
  applySingleNode(unit, worker, svc, ctx, pointer);
  if (deploysBroker(svc.broker)) {
    const broker = brokerComponent(ctx, name, brokerKind(svc.broker), svc.storage ?? {});
    unit.components.push(broker);
    worker.compose.dependsOn = [brokerDependency(broker)];
  }
  unit.components.push(worker);
  return unit;
}

/** The workers: a Deployment (mode deployment) or a Job whose parallelism is the worker count. */
function workerComponent(name: string, svc: WorkQueue, ctx: Context, queue: string, pointer: string): Component {
  const job = svc.mode === 'job';
  const pod = emptyPod();
  // redis: DDP_WORKER_ID (the pod name) names the worker's processing list; compose has no
  // downward API: there the worker falls back to its host name (README: "Worker wire contract").
  const env = { ...queueEnv(name, svc.broker, queue), ...(brokerKind(svc.broker) === 'redis' ? { DDP_WORKER_ID: { field: 'metadata.name' } } : {}) };
  pod.containers.push(containerFrom(ctx, svc.worker, { name, env, pointer: `${pointer}/worker`, origin: { addedBy: 'the worker container' } }));
  pod.volumes.push(...declaredVolumes(svc.volumes, pointer));
  if (job) pod.restartPolicy = 'OnFailure';
  const scaler = scalerOf(name, svc, ctx, queue);
  const workers = (svc.worker as ContainerFields & { replicas?: number }).replicas ?? (scaler ? Math.max(1, scaler.min) : DEFAULT_WORKERS);
  return {
    name,
    role: 'worker',
    workload: job ? 'Job' : 'Deployment',
    replicas: scaler && !job ? scaler.min : workers,
    pod,
    ...(job ? { job: { completions: workers, parallelism: workers, backoffLimit: JOB_BACKOFF_LIMIT, ttlSecondsAfterFinished: JOB_TTL_SECONDS } } : {}),
    ...(scaler ? { scaler } : {}),
    // compose has no autoscaler: it runs the configured (or minimum) worker count
    compose: { replicas: workers },
  };
}

/** `autoscale` → a KEDA ScaledObject (deployment) or ScaledJob (job) on the queue's length. */
function scalerOf(name: string, svc: WorkQueue, ctx: Context, queue: string): EventScaler | undefined {
  if (!svc.autoscale) return undefined;
  const a = svc.autoscale;
  return {
    min: a.min ?? (svc.mode === 'job' ? 0 : 1),
    max: a.max,
    pollingInterval: POLLING_INTERVAL,
    triggers: [queueTrigger(name, svc.broker, queue, ctx.namespace, a.perWorker ?? DEFAULT_PER_WORKER)],
  };
}
