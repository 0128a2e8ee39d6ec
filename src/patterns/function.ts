// Pattern: functions and event-driven processing (book ch. 8).
//  - trigger http, runtime deployment (default): a Deployment and Service `<name>` with an HPA
//    between scale.min and scale.max (CPU target scale.cpu);
//  - trigger http, runtime knative: a `serving.knative.dev/v1` Service (min/max-scale annotations:
//    it may scale to zero);
//  - trigger { schedule }: a CronJob (concurrencyPolicy, history limits);
//  - trigger { queue }: a Deployment consuming the named work queue (DDP_BROKER_URL, DDP_QUEUE, the
//    work-queue wire contract), scaled by KEDA on the queue's length within `scale`;
//  - decorates: the function fronts another service: it gets UPSTREAM_URL (the service behind its
//    TLS layer) and the service's Ingress or TLS layer sends traffic to it (src/patterns/decorate.ts).
import type { Function as FunctionService, WorkQueue } from '../generated/topology.js';
import type { Component, Container, EventScaler, Unit } from '../model.js';
import type { Context } from './context.js';
import { serviceNamed } from './context.js';
import { containerFrom, declaredVolumes, emptyPod, mainPort } from './containers.js';
import { applySingleNode } from './single-node.js';
import { ingressFor } from './expose.js';
import { decoratorOf, functionPort, FUNCTION_PORT, type Address } from './decorate.js';
import { brokerComponent, brokerDependency, deploysBroker, queueEnv, queueName, queueTrigger } from './brokers.js';
import { brokerKind } from './naming.js';
import { LAYER_PORT } from './replicated.js';
import { routerName, routerPort } from './sharded.js';
import { rootPort } from './scatter-gather.js';
import { error, warning } from '../diagnostics.js';

export const DEFAULT_SCALE = { min: 1, max: 10, cpu: 70 };
export const KNATIVE_DEFAULT_MIN = 0;
export const CRON_HISTORY = { successful: 3, failed: 1 };
export const CRON_BACKOFF_LIMIT = 2;
export const CRON_TTL_SECONDS = 86400;
export const QUEUE_POLLING_INTERVAL = 15;
export const QUEUE_ITEMS_PER_REPLICA = 5;
/** Knative rejects a volume mount at /tmp (a reserved path): its scratch emptyDir goes here, with TMPDIR. */
export const KNATIVE_SCRATCH = '/var/tmp';
/** Knative names the serving port h2c or http1 (or nothing). */
export const KNATIVE_PORT_NAME = 'http1';

export type Trigger = { kind: 'http' } | { kind: 'schedule'; schedule: string; concurrencyPolicy: 'Forbid' | 'Allow' | 'Replace' } | { kind: 'queue'; queue: string };

export function triggerOf(svc: FunctionService): Trigger {
  const t = svc.trigger;
  if (t && typeof t === 'object' && 'schedule' in t) return { kind: 'schedule', schedule: t.schedule, concurrencyPolicy: (t as { concurrencyPolicy?: 'Forbid' | 'Allow' | 'Replace' }).concurrencyPolicy ?? 'Forbid' };
  if (t && typeof t === 'object' && 'queue' in t) return { kind: 'queue', queue: t.queue };
  return { kind: 'http' };
}

/** `scale` with its defaults (min defaults to 0 on Knative, 1 elsewhere; max never below min). */
export function scaleOf(svc: FunctionService): { min: number; max: number; cpu: number } {
  const min = svc.scale?.min ?? (svc.runtime === 'knative' ? KNATIVE_DEFAULT_MIN : DEFAULT_SCALE.min);
  return { min, max: svc.scale?.max ?? Math.max(min, DEFAULT_SCALE.max), cpu: svc.scale?.cpu ?? DEFAULT_SCALE.cpu };
}

/** Where service `name` takes HTTP requests behind its TLS layer: what a decorator calls (UPSTREAM_URL). */
export function entryBehindTls(ctx: Context, name: string): Address | undefined {
  const s = serviceNamed(ctx, name);
  switch (s?.pattern) {
    case 'replicated':
      return s.cache ? { name: `${name}-cache`, port: LAYER_PORT } : { name, port: mainPort(s) ?? 8080 };
    case 'sharded':
      return { name: routerName(name), port: routerPort(s) };
    case 'scatter-gather':
      return { name, port: rootPort(s) };
    case 'function':
      return { name, port: functionPort(s) };
    default:
      return undefined;
  }
}

export function expand(name: string, svc: FunctionService, ctx: Context, pointer: string): Unit {
  const unit: Unit = { name, pattern: 'function', pointer, components: [], configs: [], extra: {} };
  const trigger = triggerOf(svc);
  const c =
    trigger.kind === 'schedule' ? scheduled(name, svc, ctx, trigger, pointer) : trigger.kind === 'queue' ? queueConsumer(name, svc, ctx, trigger.queue, pointer) : svc.runtime === 'knative' ? knative(name, svc, ctx, pointer) : deployment(name, svc, ctx, pointer);
  applySingleNode(unit, c, svc, ctx, pointer);
  if (c.workload === 'KnativeService') knativePorts(c, ctx, pointer);
  unit.components.push(c);
  if (trigger.kind === 'http') {
    const self = { name, port: functionPort(svc) };
    // a function decorated by another function: its Ingress goes to the decorator
    if (svc.expose) unit.extra.ingress = ingressFor(name, svc.expose, decoratorOf(ctx, name) ?? self);
    unit.extra.entry = self;
    // the decorated service's Ingress points at this function: compose publishes its port instead
    const target = svc.decorates !== undefined ? serviceNamed(ctx, svc.decorates) : undefined;
    if (target && 'expose' in target && target.expose && !(target.pattern === 'replicated' && target.tls)) c.compose.publish = `${target.expose.host}${target.expose.path ?? '/'}`;
  }
  return unit;
}

/** UPSTREAM_URL of a decorator: the decorated service behind its TLS layer. */
function decoratorEnv(svc: FunctionService, ctx: Context): Record<string, string> {
  if (svc.decorates === undefined) return {};
  const up = entryBehindTls(ctx, svc.decorates);
  return up ? { UPSTREAM_URL: `http://${up.name}:${up.port}` } : {};
}

/** The function's own container: its spec is the service's, its name ddp's (the service's). */
const MAIN = { addedBy: 'the main container' };

function httpContainer(name: string, svc: FunctionService, ctx: Context, pointer: string): Container {
  return containerFrom(ctx, svc, { name, defaultPort: FUNCTION_PORT, env: decoratorEnv(svc, ctx), pointer, origin: MAIN });
}

/** runtime deployment: a Deployment and Service with an HPA within `scale`. */
function deployment(name: string, svc: FunctionService, ctx: Context, pointer: string): Component {
  const pod = emptyPod();
  const main = httpContainer(name, svc, ctx, pointer);
  pod.containers.push(main);
  pod.volumes.push(...declaredVolumes(svc.volumes, pointer));
  const scale = scaleOf(svc);
  return { name, role: 'function', workload: 'Deployment', replicas: scale.min, autoscale: scale, pod, service: { name, headless: false, ports: main.ports }, compose: {} };
}

/** runtime knative: a Knative Service; Knative makes the revisions, the route and the scaling. */
function knative(name: string, svc: FunctionService, ctx: Context, pointer: string): Component {
  const pod = emptyPod();
  const main = httpContainer(name, svc, ctx, pointer);
  main.ports = main.ports.slice(0, 1).map((p) => ({ ...p, name: KNATIVE_PORT_NAME }));
  if (!main.env.some((e) => e.name === 'TMPDIR')) main.env = [...main.env, { name: 'TMPDIR', value: KNATIVE_SCRATCH }].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  pod.containers.push(main);
  pod.volumes.push(...declaredVolumes(svc.volumes, pointer));
  const scale = scaleOf(svc);
  const annotations: Record<string, string> = {
    'autoscaling.knative.dev/min-scale': String(scale.min),
    'autoscaling.knative.dev/max-scale': String(scale.max),
  };
  if (svc.scale?.cpu !== undefined) {
    // Knative scales on concurrency by default; CPU needs its HPA-class autoscaler
    Object.assign(annotations, { 'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev', 'autoscaling.knative.dev/metric': 'cpu', 'autoscaling.knative.dev/target': String(svc.scale.cpu) });
  }
  return {
    name,
    role: 'function',
    workload: 'KnativeService',
    replicas: scale.min,
    pod,
    annotations,
    scratchPath: KNATIVE_SCRATCH,
    // compose has no Knative: the function runs as a plain service, at least one replica
    compose: { replicas: Math.max(1, scale.min) },
  };
}

/** What Knative rejects and the schema cannot see: a second serving port in the revision. */
function knativePorts(c: Component, ctx: Context, pointer: string): void {
  const ported = [...c.pod.containers, ...c.pod.initContainers].filter((x) => x.ports.length > 0).map((x) => x.name);
  if (ported.length > 1 || c.pod.containers[0].ports.length === 0) {
    ctx.notes.push(
      error('knative-ports', `a Knative revision serves exactly one port, but ${c.name}'s pod has ports on ${ported.join(', ') || 'no container'}`, {
        pointer,
        hint: 'give the function one `port` and no sidecar, adapter or elector with a port, or use `runtime: deployment`',
      }),
    );
  }
}

/** trigger { schedule }: a CronJob; compose has no scheduler and runs it once. */
function scheduled(name: string, svc: FunctionService, ctx: Context, trigger: Extract<Trigger, { kind: 'schedule' }>, pointer: string): Component {
  const pod = emptyPod();
  pod.containers.push(containerFrom(ctx, svc, { name, noProbes: svc.health === undefined, pointer, origin: MAIN }));
  pod.volumes.push(...declaredVolumes(svc.volumes, pointer));
  pod.restartPolicy = 'OnFailure';
  ctx.notes.push(
    warning('compose-no-schedule', `compose: ${name} runs once when the project starts, not on its schedule \`${trigger.schedule}\` (compose has no scheduler); run it again with \`docker compose run --rm ${name}\``, { pointer: `${pointer}/trigger/schedule` }),
  );
  return {
    name,
    role: 'function',
    workload: 'CronJob',
    replicas: 1,
    pod,
    job: { completions: 1, parallelism: 1, backoffLimit: CRON_BACKOFF_LIMIT, ttlSecondsAfterFinished: CRON_TTL_SECONDS },
    cron: { schedule: trigger.schedule, concurrencyPolicy: trigger.concurrencyPolicy, successfulJobsHistoryLimit: CRON_HISTORY.successful, failedJobsHistoryLimit: CRON_HISTORY.failed },
    compose: { replicas: 1, restart: 'no' },
  };
}

/** trigger { queue }: a consumer of work-queue service `queueService`, scaled by KEDA on the queue's length. */
function queueConsumer(name: string, svc: FunctionService, ctx: Context, queueService: string, pointer: string): Component {
  const wq = serviceNamed(ctx, queueService) as WorkQueue; // semantic check: a work-queue service
  const queue = queueName(queueService, wq.queue);
  // redis consumers name their processing list after the pod (README: "Worker wire contract")
  const env = { ...queueEnv(queueService, wq.broker, queue), ...(brokerKind(wq.broker) === 'redis' ? { DDP_WORKER_ID: { field: 'metadata.name' } } : {}) };
  const pod = emptyPod();
  pod.containers.push(containerFrom(ctx, svc, { name, env, noProbes: svc.health === undefined, pointer, origin: MAIN }));
  pod.volumes.push(...declaredVolumes(svc.volumes, pointer));
  const scale = scaleOf(svc);
  const scaler: EventScaler = {
    min: scale.min,
    max: scale.max,
    pollingInterval: QUEUE_POLLING_INTERVAL,
    triggers: [queueTrigger(queueService, wq.broker, queue, ctx.namespace, QUEUE_ITEMS_PER_REPLICA)],
  };
  const dependsOn = deploysBroker(wq.broker) ? [brokerDependency(brokerComponent(ctx, queueService, brokerKind(wq.broker), wq.storage ?? {}))] : [];
  return { name, role: 'function', workload: 'Deployment', replicas: scale.min, pod, scaler, compose: { replicas: scale.min, dependsOn } };
}
