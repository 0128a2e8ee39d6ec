// The topology as a graph: one cluster per service or pipeline, one node per generated component
// (its exact name, workload and replicas come from the expanded model), the helper containers of
// its pod (sidecars, ambassadors, adapters, the leader elector), and the traffic between them.
// Every edge is read from the model the targets render, not guessed from the topology: the
// Ingress's backend (unit.extra.ingress), the upstreams of each proxy config (TLS layer, cache,
// shard router, the ambassadors' split, proxy and shard-router configs), the addresses ddp puts in
// a pattern's environment (a decorator's UPSTREAM_URL, a root's DDP_LEAVES, a consumer's
// DDP_BROKER_URL and DDP_QUEUE), a pipeline stage's topics, the batch join barrier and the Lease
// an elector campaigns for. An address resolves to the node of the component (or the pods) that
// answers it; one that names nothing in the topology is an outside node.
import { attachedContainers, type Component, type ConfigFile, type Container, type Model, type Unit } from '../model.js';
import type { Topology } from '../patterns/context.js';
import type { Ingress } from '../patterns/expose.js';
import type { ShardServer } from '../patterns/sharded.js';
import { ELECTOR_CONTAINER } from '../patterns/naming.js';
import { stageName } from '../patterns/pipeline.js';
import { stageTopics } from '../topology/semantic.js';

export type Shape = 'box' | 'round' | 'cylinder' | 'hexagon' | 'topic' | 'external' | 'container';

export interface GNode {
  id: string; // unique, the generated object's name where there is one
  lines: string[]; // label, first line bold-ish
  shape: Shape;
}

export interface GEdge {
  from: string;
  to: string;
  label?: string;
  dashed?: boolean;
}

export interface GCluster {
  id: string;
  label: string;
  nodes: GNode[];
}

export interface Graph {
  name: string;
  clusters: GCluster[];
  nodes: GNode[]; // outside every cluster: clients, outside endpoints, topics shared by none
  edges: GEdge[];
}

type Obj = Record<string, any>;

/** What the edges are drawn from and with: the nodes, which nodes answer an address, the topology. */
interface Drawing {
  g: Graph;
  /** a DNS name (component, StatefulSet pod, headless Service) → the nodes that answer it */
  where: Map<string, string[]>;
  /** config files by name: each runs in the pods that mount it */
  configs: Map<string, ConfigFile>;
  services: Record<string, Obj>;
  pipelines: Record<string, Obj>;
  outside: (id: string, lines: string[], shape: Shape) => string;
  edge: (from: string, to: string, label?: string, dashed?: boolean) => void;
}

function replicasText(c: Component): string {
  if (c.autoscale) return `${c.autoscale.min}–${c.autoscale.max} (autoscaled)`;
  if (c.workload === 'Job') return c.job ? `Job ×${c.job.completions}${c.job.completionMode === 'Indexed' ? ' indexed' : ''}` : 'Job';
  if (c.workload === 'CronJob') return `CronJob ${c.cron?.schedule ?? ''}`.trim();
  if (c.workload === 'KnativeService') return 'Knative Service';
  return `${c.workload} ×${c.replicas}`;
}

// node ids of what is no component (a component's id is its name, a DNS label: no `:`)
const ingressId = (unit: string): string => `ingress:${unit}`;
const CLIENTS = 'ext:clients';

export function buildGraph(topology: Topology, model: Model): Graph {
  const g: Graph = { name: model.name, clusters: [], nodes: [], edges: [] };
  const outsideIds = new Set<string>();
  const edgeKeys = new Set<string>();
  const d: Drawing = {
    g,
    where: new Map(),
    configs: new Map(model.units.flatMap((u) => u.configs.map((x) => [x.name, x] as const))),
    services: (topology.services ?? {}) as Record<string, Obj>,
    pipelines: ((topology as Obj).pipelines ?? {}) as Record<string, Obj>,
    outside: (id, lines, shape) => {
      if (!outsideIds.has(id)) {
        outsideIds.add(id);
        g.nodes.push({ id, lines, shape });
      }
      return id;
    },
    edge: (from, to, label, dashed) => {
      const key = JSON.stringify([from, to, label]);
      if (edgeKeys.has(key)) return;
      edgeKeys.add(key);
      g.edges.push({ from, to, ...(label ? { label } : {}), ...(dashed ? { dashed } : {}) });
    },
  };
  // every node first: an edge may reach into a cluster drawn later (a decorator, a split route)
  const units = model.units.map((unit) => drawUnit(d, unit));
  for (const { unit, cluster, drawn } of units) {
    const ing = unit.extra.ingress as Ingress | undefined;
    if (ing) {
      d.edge(d.outside(CLIENTS, ['clients'], 'external'), ingressId(unit.name));
      for (const to of reach(d, ing.service, ing.port)) d.edge(ingressId(unit.name), to);
    }
    for (const x of drawn) componentEdges(d, unit, x);
    if (unit.pattern === 'pipeline') pipelineEdges(d, unit, cluster, drawn);
    if (unit.pattern === 'batch') batchEdges(d, drawn);
  }
  return g;
}

/** The cluster of one unit: its components (the pods of a StatefulSet or Indexed Job one by one),
 *  their helper containers, its Ingress; records in `d.where` the names each node answers. */
function drawUnit(d: Drawing, unit: Unit): { unit: Unit; cluster: GCluster; drawn: Component[] } {
  const cluster: GCluster = { id: `cluster:${unit.name}`, label: `${unit.name} · ${unit.pattern}`, nodes: [] };
  d.g.clusters.push(cluster);
  const ing = unit.extra.ingress as Ingress | undefined;
  if (ing) cluster.nodes.push({ id: ingressId(unit.name), lines: [`Ingress ${ing.host}${ing.path}`], shape: 'round' });
  // compose-only components that stand for the pods of a StatefulSet (shard i, leaf i) or of an
  // Indexed Job (map shard i) are drawn as those pods, in place of the workload's own node: the
  // picture shows every shard and leaf
  const podOf = new Map<string, Component>();
  for (const c of unit.components) {
    if (!c.compose.only) continue;
    const sts = unit.components.find((x) => (x.workload === 'StatefulSet' || x.job?.completionMode === 'Indexed') && c.name.startsWith(`${x.name}-`) && /^\d+$/.test(c.name.slice(x.name.length + 1)));
    if (sts) podOf.set(c.name, sts);
  }
  const drawnAsPods = new Set([...podOf.values()].map((x) => x.name));
  const drawn: Component[] = [];
  for (const c of unit.components) {
    if (drawnAsPods.has(c.name) || (c.compose.only && !podOf.has(c.name))) continue;
    const sts = podOf.get(c.name);
    const main = (sts ?? c).pod.containers[0];
    const what = sts ? `${sts.role} ${c.name.slice(sts.name.length + 1)} · ${sts.workload === 'Job' ? 'index' : 'pod'} of ${sts.workload} ${sts.name}` : `${c.role} · ${replicasText(c)}`;
    cluster.nodes.push({ id: c.name, lines: [c.name, what, ...(main ? [main.image] : [])], shape: c.role === 'broker' ? 'cylinder' : 'box' });
    drawn.push(c);
    // the DNS names it answers: its Service, and the StatefulSet pod name it stands for
    for (const name of [c.name, ...(c.compose.aliases ?? [])]) answers(d, name, c.name);
    if (sts) answers(d, sts.name, c.name); // the headless Service: every pod
    for (const x of [...c.pod.initContainers, ...c.pod.containers.slice(1)]) {
      if (x.role === 'infra' && x.name.endsWith('-tmp')) continue;
      const id = `${c.name}/${x.name}`;
      cluster.nodes.push({ id, lines: [x.name, x.role === 'sidecar' && x.restartPolicy === 'Always' ? 'native sidecar' : x.role], shape: 'container' });
      d.edge(c.name, id, 'same pod', true);
    }
  }
  return { unit, cluster, drawn };
}

function answers(d: Drawing, name: string, node: string): void {
  const nodes = d.where.get(name) ?? [];
  if (!nodes.includes(node)) d.where.set(name, [...nodes, node]);
}

/** The nodes that answer host:port: components of the topology, else one outside node. */
function reach(d: Drawing, host: string, port: number): string[] {
  return d.where.get(host) ?? [d.outside(`ext:${host}:${port}`, [`${host}:${port}`, 'outside'], 'external')];
}

/** host and port of a URL (http://web:8080, redis://q-broker:6379/2), or undefined. */
function urlHost(url: string): { host: string; port: number } | undefined {
  try {
    const u = new URL(url);
    return u.hostname ? { host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)) } : undefined;
  } catch {
    return undefined;
  }
}

const envValue = (x: Container | undefined, name: string): string | undefined => x?.env.find((e) => e.name === name)?.value;

/** The node of a container: the component for its main container, else `<component>/<container>`. */
const containerNode = (c: Component, x: Container): string => (x === c.pod.containers[0] ? c.name : `${c.name}/${x.name}`);

/** The edges out of one drawn component: what its proxy configs connect to, the addresses in the
 *  environment ddp gives its pattern, its schedule, its elector's Lease. */
function componentEdges(d: Drawing, unit: Unit, c: Component): void {
  for (const x of [c.pod.containers[0], ...attachedContainers(c)]) {
    if (!x) continue;
    for (const m of x.mounts) {
      const file = c.pod.volumes.find((v) => v.name === m.volume)?.configFile;
      const config = file ? d.configs.get(file.config) : undefined;
      if (config && !config.composeOnly) configEdges(d, config, containerNode(c, x), c);
    }
    if (x.name === ELECTOR_CONTAINER && x !== c.pod.containers[0]) {
      const lock = envValue(x, 'ELECTION_NAME');
      if (lock) d.edge(containerNode(c, x), d.outside(`lease:${lock}`, [`Lease ${lock}`, 'leader election'], 'hexagon'), 'campaigns', true);
    }
  }
  const main = c.pod.containers[0];
  const svc = d.services[unit.name] ?? {};
  if (unit.pattern === 'function' && svc.decorates !== undefined) {
    const up = urlHost(envValue(main, 'UPSTREAM_URL') ?? '');
    if (up) for (const to of reach(d, up.host, up.port)) d.edge(c.name, to, 'UPSTREAM_URL');
  }
  if (unit.pattern === 'scatter-gather' && c.role === 'root') {
    for (const url of (envValue(main, 'DDP_LEAVES') ?? '').split(',')) {
      const leaf = urlHost(url);
      if (leaf) for (const to of reach(d, leaf.host, leaf.port)) d.edge(c.name, to, 'scatter');
    }
  }
  const queue = envValue(main, 'DDP_QUEUE');
  const brokerUrl = envValue(main, 'DDP_BROKER_URL');
  if ((unit.pattern === 'work-queue' || unit.pattern === 'function') && queue !== undefined && brokerUrl) {
    const at = urlHost(brokerUrl);
    const brokers = (at && d.where.get(at.host)) ?? [d.outside(`ext:${brokerUrl}`, [brokerUrl, 'outside broker'], 'external')];
    for (const b of brokers) d.edge(b, c.name, `queue ${queue}`);
  }
  // feeds: the brokers it puts work into (DDP_FEED_<NAME>_URL and _QUEUE or _TOPIC)
  for (const e of main?.env ?? []) {
    const m = /^(DDP_FEED_.+_)URL$/.exec(e.name);
    if (!m || e.value === undefined) continue;
    const what = envValue(main, `${m[1]}QUEUE`) ?? envValue(main, `${m[1]}TOPIC`);
    const at = urlHost(e.value);
    const brokers = (at && d.where.get(at.host)) ?? [d.outside(`ext:${e.value}`, [e.value, 'outside broker'], 'external')];
    for (const b of brokers) d.edge(c.name, b, `feeds ${what}`);
  }
  if (c.cron) d.edge(d.outside(`schedule:${c.name}`, [`schedule ${c.cron.schedule}`], 'hexagon'), c.name, 'runs');
}

/** The connections a proxy config makes, from the container that runs it (`from`, in pod `c`). */
function configEdges(d: Drawing, config: ConfigFile, from: string, c: Component): void {
  const data = config.data as Obj;
  switch (`${config.target}/${config.template}`) {
    case 'nginx/tls':
      for (const to of reach(d, data.upstream, data.upstreamPort)) d.edge(from, to, 'https → http');
      break;
    case 'nginx/tls-sidecar': // to the main container on 127.0.0.1
      d.edge(from, c.name, 'https → http');
      break;
    case 'varnish/cache':
      for (const to of reach(d, data.backend, data.port)) d.edge(from, to);
      break;
    case 'twemproxy/router':
    case 'nginx/shard-router':
    case 'nginx/shard-router-tcp':
    case 'varnish/shard-router':
      for (const s of data.servers as ShardServer[]) for (const to of reach(d, s.host, s.port)) d.edge(from, to, shardLabel(config, d.services[data.target]));
      break;
    case 'nginx/split': // a route of weight 0 gets no request
      for (const u of data.upstreams as { host: string; port: number; weight: number }[]) if (u.weight > 0) for (const to of reach(d, u.host, u.port)) d.edge(from, to, `${u.weight}%`);
      break;
    case 'nginx/proxy-http':
    case 'nginx/proxy-tcp':
      for (const to of reach(d, data.host, data.port)) d.edge(from, to, config.template === 'proxy-http' ? 'http' : 'tcp');
      break;
    default: // a log shipper's config (fluent-bit) names no peer
      break;
  }
}

/** What a shard router hashes: the memcache or redis key, an http request's `key` (the URI by
 *  default), or the client address of a tcp connection. */
function shardLabel(config: Pick<ConfigFile, 'target' | 'template'>, target: Obj | undefined): string {
  if (config.target === 'twemproxy') return 'hash(key)';
  if (config.template === 'shard-router-tcp') return 'hash(client address)';
  return `hash(${target?.key ?? 'uri'})`;
}

/** Topic → stage → topic, with the topics each stage gets in its environment (stageTopics). */
function pipelineEdges(d: Drawing, unit: Unit, cluster: GCluster, drawn: Component[]): void {
  const n = unit.name;
  const p = d.pipelines[n] ?? {};
  const topic = (t: string) => {
    const id = `topic:${n}/${t}`;
    if (!cluster.nodes.some((x) => x.id === id)) cluster.nodes.push({ id, lines: [t, (p.sources ?? []).includes(t) ? 'source topic' : 'topic'], shape: 'topic' });
    return id;
  };
  for (const s of (p.sources ?? []) as string[]) topic(s);
  for (const [stage, st] of Object.entries((p.stages ?? {}) as Record<string, Obj>)) {
    const id = stageName(n, stage);
    if (!drawn.some((c) => c.name === id)) continue;
    const { inputs, outputs } = stageTopics(stage, st as never);
    for (const i of inputs) d.edge(topic(i), id);
    for (const o of outputs) d.edge(id, topic(o), st.kind === 'sharder' ? 'shard' : undefined);
  }
}

/** The join barrier: the reduce Job starts when every map shard has completed. */
function batchEdges(d: Drawing, drawn: Component[]): void {
  for (const r of drawn.filter((c) => c.role === 'reduce')) for (const m of drawn.filter((c) => c.role === 'map')) d.edge(m.name, r.name, 'join barrier');
}
