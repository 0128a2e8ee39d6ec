// Shared by the serving-pattern tests (sharded, scatter-gather, function): cross-references between
// generated objects and the hosts the generated proxy configs name.
import { parse as parseYaml } from 'yaml';
import { selectorMatches, statefulSetPods } from '../helpers/kubernetes.js';
import type { OutputFile } from '../../src/output/files.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** host:port of every backend a router config names: nginx `server` lines, varnish `.host`/`.port`, twemproxy servers. */
export function configUpstreams(f: Pick<OutputFile, 'path' | 'content'>): string[] {
  const out: string[] = [];
  if (f.path.startsWith('nginx/')) for (const m of f.content.matchAll(/^\s*server\s+([A-Za-z0-9.-]+:\d+)[\s;]/gm)) out.push(m[1]!);
  if (f.path.startsWith('varnish/')) for (const m of f.content.matchAll(/\.host = "([^"]+)";\s*\n\s*\.port = "(\d+)";/g)) out.push(`${m[1]}:${m[2]}`);
  if (f.path.startsWith('twemproxy/')) {
    const doc = parseYaml(f.content) as Record<string, { servers?: string[] }>;
    for (const pool of Object.values(doc)) for (const s of pool.servers ?? []) out.push(s.split(':').slice(0, 2).join(':'));
  }
  return out;
}

const podTemplate = (o: Obj): Obj | undefined => (o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template : ['Deployment', 'StatefulSet', 'Job'].includes(o.kind) || o.apiVersion === 'serving.knative.dev/v1' ? o.spec?.template : undefined);
const isService = (o: Obj) => o.kind === 'Service' && o.apiVersion === 'v1';

/** Every name:port a pod of the namespace can reach: a Service on one of its ports, or a StatefulSet pod under its headless Service. */
export function reachable(objects: Obj[]): Map<string, { kind: 'service' | 'headless' | 'pod'; ports: number[] }> {
  const out = new Map<string, { kind: 'service' | 'headless' | 'pod'; ports: number[] }>();
  for (const s of objects.filter(isService)) out.set(s.metadata.name, { kind: s.spec.clusterIP === 'None' ? 'headless' : 'service', ports: s.spec.ports.map((p: Obj) => p.port) });
  for (const sts of objects.filter((o) => o.kind === 'StatefulSet')) {
    const ports = sts.spec.template.spec.containers.flatMap((c: Obj) => (c.ports ?? []).map((p: Obj) => p.containerPort));
    for (let i = 0; i < sts.spec.replicas; i++) out.set(`${sts.metadata.name}-${i}.${sts.spec.serviceName}`, { kind: 'pod', ports });
  }
  return out;
}

/** What is wrong with the upstreams of `configs` in `objects`: an unknown name, a port the target
 *  lacks, a headless Service (many addresses), or a StatefulSet pod's own name -- nginx, varnish and
 *  twemproxy resolve a name once, and a pod made anew (a rolling update, an eviction) has another address. */
export function upstreamProblems(configs: OutputFile[], objects: Obj[]): string[] {
  const names = reachable(objects);
  const problems: string[] = [];
  for (const f of configs) {
    for (const hp of configUpstreams(f)) {
      const [host, port] = [hp.slice(0, hp.lastIndexOf(':')), Number(hp.slice(hp.lastIndexOf(':') + 1))];
      const target = names.get(host);
      if (!target) problems.push(`${f.path}: ${host} is no Service or StatefulSet pod`);
      else if (!target.ports.includes(port)) problems.push(`${f.path}: ${host} has no port ${port} (it has ${target.ports.join(', ')})`);
      else if (target.kind === 'headless') problems.push(`${f.path}: ${host} is a headless Service (many addresses)`);
      else if (target.kind === 'pod') problems.push(`${f.path}: ${host} is a StatefulSet pod's own name (its address changes when the pod is made anew)`);
    }
  }
  return problems;
}

/**
 * compose's load balancer `nginx/<svc>-lb.conf` plays the Kubernetes Service `<svc>` (compose has no
 * ClusterIP): it listens on every port of that Service, TCP and UDP, and on no other, and passes
 * them on to those ports of `<svc>-replica`. Anything that reaches `<svc>:<port>` in the cluster
 * then reaches it in compose.
 */
export function loadBalancerPortProblems(configs: Pick<OutputFile, 'path' | 'content'>[], objects: Obj[]): string[] {
  const problems: string[] = [];
  for (const f of configs) {
    const name = /^nginx\/(.+)-lb\.conf$/.exec(f.path)?.[1];
    if (name === undefined) continue;
    const svc = objects.find((o) => isService(o) && o.metadata.name === name);
    if (!svc) {
      problems.push(`${f.path}: there is no Service ${name} for it to stand in for`);
      continue;
    }
    const serves = svc.spec.ports.map((p: Obj) => `${p.port}/${p.protocol ?? 'TCP'}`).sort();
    const listens = [...f.content.matchAll(/^\s*listen\s+(\d+)(\s+udp)?[\s;]/gm)].map((m) => `${m[1]}/${m[2] ? 'UDP' : 'TCP'}`).sort();
    if (listens.join() !== serves.join()) problems.push(`${f.path}: listens on ${listens.join(', ')}; the Service ${name} serves ${serves.join(', ')}`);
    const to = [...new Set(configUpstreams(f))].sort();
    const want = [...new Set(svc.spec.ports.map((p: Obj) => `${name}-replica:${p.port}`))].sort();
    if (to.join() !== want.join()) problems.push(`${f.path}: passes on to ${to.join(', ')}; want ${want.join(', ')}`);
  }
  return problems;
}

/** Services select some pod template (a StatefulSet's as each of its pods is labelled); StatefulSets name a headless Service that selects their pods. */
export function selectorProblems(objects: Obj[]): string[] {
  const problems: string[] = [];
  const templates = objects.flatMap((o) => {
    const t = podTemplate(o);
    if (!t) return [];
    if (o.kind !== 'StatefulSet') return [{ owner: o, t }];
    return statefulSetPods(o.metadata.name, o.spec.replicas, t).map((pod) => ({ owner: o, t: pod }));
  });
  for (const s of objects.filter(isService)) {
    if (!templates.some(({ t }) => selectorMatches(s.spec.selector, t.metadata?.labels ?? {}))) problems.push(`Service ${s.metadata.name}: selector matches no pod template`);
  }
  for (const o of objects.filter((x) => x.kind === 'Deployment' || x.kind === 'StatefulSet')) {
    if (!selectorMatches(o.spec.selector, o.spec.template.metadata.labels)) problems.push(`${o.kind} ${o.metadata.name}: selector does not match its template`);
  }
  for (const sts of objects.filter((o) => o.kind === 'StatefulSet')) {
    const svc = objects.find((o) => isService(o) && o.metadata.name === sts.spec.serviceName);
    if (!svc) problems.push(`StatefulSet ${sts.metadata.name}: serviceName ${sts.spec.serviceName} is no Service`);
    else if (svc.spec.clusterIP !== 'None') problems.push(`StatefulSet ${sts.metadata.name}: serviceName ${svc.metadata.name} is not headless`);
    else if (!selectorMatches(svc.spec.selector, sts.spec.template.metadata.labels)) problems.push(`StatefulSet ${sts.metadata.name}: Service ${svc.metadata.name} does not select its pods`);
  }
  return problems;
}

/** Every name a compose service answers to: its name and its network aliases. */
export function composeNames(compose: Obj): Map<string, Obj> {
  const out = new Map<string, Obj>();
  for (const [name, svc] of Object.entries<Obj>(compose.services ?? {})) {
    out.set(name, svc);
    for (const a of svc.networks?.default?.aliases ?? []) out.set(a, svc);
  }
  return out;
}

/** Config upstreams that no compose service answers to (among the configs compose mounts). */
export function composeUpstreamProblems(configs: OutputFile[], compose: Obj): string[] {
  const names = composeNames(compose);
  const mounted = new Set(Object.values<Obj>(compose.services ?? {}).flatMap((s) => (s.volumes ?? []).filter((v: Obj) => v.type === 'bind').map((v: Obj) => String(v.source).replace(/^\.\.\//, ''))));
  const problems: string[] = [];
  for (const f of configs.filter((c) => mounted.has(c.path))) {
    for (const hp of configUpstreams(f)) {
      const host = hp.slice(0, hp.lastIndexOf(':'));
      const svc = names.get(host);
      if (!svc) problems.push(`${f.path}: ${host} is no compose service or alias`);
      else if (f.path.startsWith('varnish/') && (svc.deploy?.replicas ?? 1) !== 1) problems.push(`${f.path}: ${host} runs ${svc.deploy.replicas} replicas (varnish needs one address)`);
    }
  }
  return problems;
}
