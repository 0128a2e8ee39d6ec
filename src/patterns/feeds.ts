// `feeds: [<work-queue service> | <pipeline>/<source topic>]`: a service that puts work into a
// queue or a pipeline learns where through its environment, the same in Kubernetes and compose
// (README: "Producer wire contract"), and compose starts it after the broker. Checked first by
// src/topology/feeds-checks.ts (each entry names a work queue or a pipeline's source topic).
import type { DdpTopologyDdpV1 as Topology, Pipeline, WorkQueue } from '../generated/topology.js';
import type { Container, Unit } from '../model.js';
import type { Context } from './context.js';
import { brokerKind, brokerUrl, feedPrefix } from './naming.js';
import { brokerComponent, brokerDependency, deploysBroker, natsStreamName, queueName, type BrokerSpec } from './brokers.js';

type Dependency = ReturnType<typeof brokerDependency>;

/** What an entry names: the unit that owns the broker, its broker and storage, and the queue or the
 *  topic to write to (checked first: src/topology/feeds-checks.ts). */
interface FeedTarget {
  owner: string;
  broker: BrokerSpec;
  storage?: { size?: string; storageClass?: string };
  queue?: string;
  topic?: string;
}

function feedTarget(target: string, t: Topology): FeedTarget {
  const slash = target.indexOf('/');
  if (slash < 0) {
    const wq = t.services[target] as WorkQueue;
    return { owner: target, broker: wq.broker, storage: wq.storage ?? {}, queue: queueName(target, wq.queue) };
  }
  const owner = target.slice(0, slash);
  return { owner, broker: ((t.pipelines ?? {})[owner] as Pipeline).broker, topic: target.slice(slash + 1) };
}

/** What a producer of `target` gets: the broker's URL and kind, and the queue (or topic) to write to. */
export function feedEnv(target: string, t: Topology): Record<string, string> {
  const p = feedPrefix(target);
  const f = feedTarget(target, t);
  const kind = brokerKind(f.broker);
  const env: Record<string, string> = { [`${p}URL`]: brokerUrl(f.owner, f.broker), [`${p}KIND`]: kind };
  if (f.topic !== undefined) env[`${p}TOPIC`] = f.topic;
  else {
    env[`${p}QUEUE`] = f.queue!;
    if (kind === 'nats') env[`${p}STREAM`] = natsStreamName(f.queue!);
  }
  return env;
}

/** compose: the broker ddp deploys for `target` (none for an outside `url`), to start after. */
function feedDependency(target: string, t: Topology, ctx: Context): Dependency[] {
  const f = feedTarget(target, t);
  return deploysBroker(f.broker) ? [brokerDependency(brokerComponent(ctx, f.owner, brokerKind(f.broker), f.storage))] : [];
}

/** `feeds` of the service expanded into `unit`: every container of yours in it (role main) gets the
 *  environment (a variable you set yourself keeps your value), every component with one waits for
 *  the brokers in compose. */
export function applyFeeds(unit: Unit, feeds: readonly string[], t: Topology, ctx: Context): void {
  const env: Record<string, string> = Object.assign({}, ...feeds.map((f) => feedEnv(f, t)));
  const deps = feeds.flatMap((f) => feedDependency(f, t, ctx));
  for (const c of unit.components) {
    const yours = c.pod.containers.filter((x) => x.role === 'main');
    if (!yours.length) continue;
    for (const x of yours) addEnv(x, env);
    const have = c.compose.dependsOn ?? [];
    const more = deps.filter((d, i) => !have.some((h) => h.name === d.name) && deps.findIndex((e) => e.name === d.name) === i).sort((a, b) => (a.name < b.name ? -1 : 1));
    if (more.length) c.compose.dependsOn = [...have, ...more];
  }
}

/** `env` added to a container's environment, sorted by name as every environment is. */
function addEnv(x: Container, env: Record<string, string>): void {
  const taken = new Set(x.env.map((e) => e.name));
  for (const [name, value] of Object.entries(env)) if (!taken.has(name)) x.env.push({ name, value });
  x.env.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
