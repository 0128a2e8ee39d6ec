// The topology as a graph: one cluster per service or pipeline, one node per generated component
// (its exact name, workload and replicas come from the expanded model), the helper containers of
// its pod (sidecars, ambassadors, adapters, the leader elector), and the edges the patterns imply:
// Ingress → TLS → cache → replicas, router → shards, root → leaves, broker → workers,
// map → reduce, topic → stage → topic, schedule/queue → function, ambassador → target.
import type { Component, Model, Unit } from '../model.js';
import type { Topology } from '../patterns/context.js';

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

function replicasText(c: Component): string {
  if (c.autoscale) return `${c.autoscale.min}–${c.autoscale.max} (autoscaled)`;
  if (c.workload === 'Job') return c.job ? `Job ×${c.job.completions}${c.job.completionMode === 'Indexed' ? ' indexed' : ''}` : 'Job';
  if (c.workload === 'CronJob') return `CronJob ${c.cron?.schedule ?? ''}`.trim();
  if (c.workload === 'KnativeService') return 'Knative Service';
  return `${c.workload} ×${c.replicas}`;
}

export function buildGraph(topology: Topology, model: Model): Graph {
  const g: Graph = { name: model.name, clusters: [], nodes: [], edges: [] };
  const known = new Set<string>();
  const outside = (id: string, lines: string[], shape: Shape) => {
    if (!known.has(id)) {
      known.add(id);
      g.nodes.push({ id, lines, shape });
    }
    return id;
  };
  const edge = (from: string, to: string, label?: string, dashed?: boolean) => {
    if (!g.edges.some((e) => e.from === from && e.to === to && e.label === label)) g.edges.push({ from, to, ...(label ? { label } : {}), ...(dashed ? { dashed } : {}) });
  };
  const services = (topology.services ?? {}) as Record<string, Obj>;
  const pipelines = ((topology as Obj).pipelines ?? {}) as Record<string, Obj>;
  const unitComponents = new Map<string, Set<string>>();

  for (const unit of model.units) {
    const cluster: GCluster = { id: `cluster:${unit.name}`, label: `${unit.name} · ${unit.pattern}`, nodes: [] };
    const names = new Set<string>();
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
    for (const c of unit.components) {
      if (drawnAsPods.has(c.name) || (c.compose.only && !podOf.has(c.name))) continue;
      const sts = podOf.get(c.name);
      const main = (sts ?? c).pod.containers[0];
      const what = sts ? `${sts.role} ${c.name.slice(sts.name.length + 1)} · ${sts.workload === 'Job' ? 'index' : 'pod'} of ${sts.workload} ${sts.name}` : `${c.role} · ${replicasText(c)}`;
      cluster.nodes.push({ id: c.name, lines: [c.name, what, ...(main ? [main.image] : [])], shape: c.role === 'broker' ? 'cylinder' : 'box' });
      names.add(c.name);
      known.add(c.name);
      for (const x of [...c.pod.initContainers, ...c.pod.containers.slice(1)]) {
        if (x.role === 'infra' && x.name.endsWith('-tmp')) continue;
        const id = `${c.name}/${x.name}`;
        cluster.nodes.push({ id, lines: [x.name, x.role === 'sidecar' && x.restartPolicy === 'Always' ? 'native sidecar' : x.role], shape: 'container' });
        known.add(id);
        edge(c.name, id, 'same pod', true);
      }
    }
    unitComponents.set(unit.name, names);
    g.clusters.push(cluster);
    if (unit.pointer.startsWith('/pipelines/')) pipelineEdges(g, cluster, unit, pipelines[unit.name] ?? {}, names, known, edge);
    else serviceEdges(g, cluster, unit, services[unit.name] ?? {}, names, outside, edge);
  }

  // ambassadors and elections, from the topology (they reach other services or the outside)
  const entry = (svc: string): string | undefined => {
    const names = unitComponents.get(svc);
    if (!names) return undefined;
    const router = [...names].find((n) => n === `${svc}-router`);
    return router ?? (names.has(svc) ? svc : [...names][0]);
  };
  for (const [name, svc] of Object.entries(services)) {
    const owner = mainComponent(model, name);
    if (!owner) continue;
    for (const a of (svc.ambassadors ?? []) as Obj[]) {
      const from = known.has(`${owner}/${a.name}`) ? `${owner}/${a.name}` : owner;
      if (a.kind === 'shard-router' && entry(a.target)) edge(from, entry(a.target)!, 'shard by key');
      else if (a.kind === 'split') for (const r of (a.routes ?? []) as Obj[]) entry(r.to) && edge(from, entry(r.to)!, `${r.weight}%`);
      else if (a.kind === 'proxy' && a.upstream) edge(from, outside(`ext:${a.upstream}`, [String(a.upstream), 'outside'], 'external'), String(a.protocol ?? 'tcp'));
    }
    if (svc.election?.lock) {
      const elector = [...(unitComponents.get(name) ?? [])].flatMap((c) => [...known].filter((k) => k.startsWith(`${c}/`) && /elect/.test(k)))[0];
      edge(elector ?? owner, outside(`lease:${svc.election.lock}`, [`Lease ${svc.election.lock}`, 'leader election'], 'hexagon'), 'campaigns', true);
    }
  }
  // decorators (book ch. 8): the decorated service's front — its TLS layer, else its Ingress —
  // sends to the function, and the function calls the service through UPSTREAM_URL
  for (const [fn, svc] of Object.entries(services)) {
    if (svc.pattern !== 'function' || typeof svc.decorates !== 'string' || !known.has(fn)) continue;
    const x = svc.decorates;
    const inside = unitComponents.get(x) ?? new Set<string>();
    const front = known.has(`${x}-tls`) ? `${x}-tls` : `${x}-ingress`;
    const hops = g.edges.filter((e) => e.from === front && inside.has(e.to));
    for (const e of hops) {
      edge(fn, e.to, 'UPSTREAM_URL');
      e.to = fn;
    }
    if (!hops.length && entry(x)) edge(fn, entry(x)!, 'UPSTREAM_URL');
  }
  return g;
}

function mainComponent(model: Model, svc: string): string | undefined {
  const u = model.units.find((x) => x.name === svc && x.pointer.startsWith('/services/'));
  if (!u) return undefined;
  return u.components.find((c) => c.name === svc)?.name ?? u.components.find((c) => c.role !== 'broker')?.name;
}

function serviceEdges(
  g: Graph,
  cluster: GCluster,
  unit: Unit,
  svc: Obj,
  names: Set<string>,
  outside: (id: string, lines: string[], shape: Shape) => string,
  edge: (from: string, to: string, label?: string, dashed?: boolean) => void,
): void {
  const n = unit.name;
  const has = (x: string) => names.has(x);
  const others = [...names].filter((x) => x !== n);
  switch (unit.pattern) {
    case 'replicated': {
      const chain = [`${n}-tls`, `${n}-cache`, n].filter(has);
      for (let i = 0; i + 1 < chain.length; i++) edge(chain[i], chain[i + 1], i === 0 && chain[0].endsWith('-tls') ? 'https → http' : undefined);
      if (svc.expose) {
        const host = `${svc.expose.host ?? '*'}${svc.expose.path ?? '/'}`;
        const ing = `${n}-ingress`;
        cluster.nodes.unshift({ id: ing, lines: [`Ingress ${host}`], shape: 'round' });
        edge(outside('clients', ['clients'], 'external'), ing);
        edge(ing, chain[0] ?? n);
      }
      break;
    }
    case 'sharded': {
      const router = [...names].find((x) => x === `${n}-router`) ?? unit.components.find((c) => /router/.test(c.role))?.name;
      for (const s of others.filter((x) => x !== router)) if (router) edge(router, s, svc.key ? `hash(${svc.key})` : 'hash(key)');
      break;
    }
    case 'scatter-gather': {
      const root = unit.components.find((c) => /root/.test(c.role) || c.name === `${n}-root`)?.name ?? (has(n) ? n : undefined);
      if (root) for (const leaf of [...names].filter((x) => x !== root)) edge(root, leaf, 'scatter');
      break;
    }
    case 'work-queue': {
      const broker = has(`${n}-broker`) ? `${n}-broker` : typeof svc.broker === 'object' && svc.broker?.url ? outside(`ext:${svc.broker.url}`, [String(svc.broker.url), 'outside broker'], 'external') : undefined;
      if (broker) for (const w of [...names].filter((x) => x !== `${n}-broker`)) edge(broker, w, `queue ${svc.queue ?? n}`);
      break;
    }
    case 'batch': {
      const maps = [...names].filter((x) => x === `${n}-map` || (x.startsWith(`${n}-map-`) && /^\d+$/.test(x.slice(n.length + 5))));
      if (has(`${n}-reduce`)) for (const m of maps) edge(m, `${n}-reduce`, 'join barrier');
      break;
    }
    case 'function': {
      const fn = has(n) ? n : others[0];
      if (!fn) break;
      const t = svc.trigger;
      if (t && typeof t === 'object' && t.schedule) edge(outside(`schedule:${n}`, [`schedule ${t.schedule}`], 'hexagon'), fn, 'runs');
      if (t && typeof t === 'object' && t.queue) edge(`${t.queue}-broker`, fn, `queue ${t.queue}`);
      if (svc.expose) edge(outside('clients', ['clients'], 'external'), fn);
      break;
    }
    default:
      break;
  }
}

function pipelineEdges(
  g: Graph,
  cluster: GCluster,
  unit: Unit,
  p: Obj,
  names: Set<string>,
  known: Set<string>,
  edge: (from: string, to: string, label?: string, dashed?: boolean) => void,
): void {
  const n = unit.name;
  const topic = (t: string) => {
    const id = `topic:${n}/${t}`;
    if (!known.has(id)) {
      known.add(id);
      cluster.nodes.push({ id, lines: [t, (p.sources ?? []).includes(t) ? 'source topic' : 'topic'], shape: 'topic' });
    }
    return id;
  };
  for (const s of (p.sources ?? []) as string[]) topic(s);
  for (const [stage, st] of Object.entries((p.stages ?? {}) as Record<string, Obj>)) {
    const id = names.has(`${n}-${stage}`) ? `${n}-${stage}` : undefined;
    if (!id) continue;
    const inputs: string[] = st.inputs ?? (st.input ? [st.input] : []);
    const outputs: string[] = st.kind === 'sharder' ? Array.from({ length: Number(st.shards ?? 2) }, (_, i) => `${stage}-${i}`) : st.outputs ?? [];
    for (const i of inputs) edge(topic(i), id);
    for (const o of outputs) edge(id, topic(o), st.kind === 'sharder' ? 'shard' : undefined);
  }
  void g;
}
