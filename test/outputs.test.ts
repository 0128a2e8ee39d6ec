// Issue 2, generic over every example (and each of its environments): what `ddp generate` writes
// is valid for the tools that read it.
//  - every Kubernetes document passes the strict API schema (unknown fields included), and the
//    objects refer to each other correctly (selectors, headless Services, ports, ConfigMaps, ...);
//  - the compose file passes the Compose Specification; every file it mounts exists under OUT
//    except the secrets the report tells the user to supply;
//  - the configs under nginx/, varnish/, twemproxy/, fluent-bit/ are byte-identical to the
//    ConfigMaps and compose mounts, and every host they name exists (a Service or pod in
//    Kubernetes, a service in compose, or an outside endpoint the topology itself names);
//  - real `nginx -t`, `varnishd -C` and `nutcracker -t` accept every config, names resolved
//    through a private hosts file; `kubectl kustomize` renders kubernetes/.
// New examples are picked up by themselves; failures name the example, the file and the object.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse as parseYaml } from 'yaml';
import { EXAMPLES_DIR, ROOT, exampleNames } from './examples.js';
import { prepare, renderTargets, TARGETS } from '../src/flow.js';
import type { OutputFile } from '../src/output/files.js';
import type { Diagnostic } from '../src/diagnostics.js';
import type { SuppliedFile } from '../src/model.js';
import { parseAllDocuments, selectorMatches, statefulSetPods, validateKubernetes } from './helpers/kubernetes.js';
import { validateCompose } from './helpers/compose.js';
import { describeWithBinaries, isCI, whichBinary } from './helpers/binaries.js';
import { allocateAddresses, checkNginx, checkNutcracker, checkVarnish, makeTempDir, RESOLVER_INCLUDE, selfSignedCert, type ConfFiles, type Hosts } from './helpers/proxies.js';
import { streamModuleProblem, withStreamModule } from './patterns/single-node-helpers.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// ───────────────────────────── the cases ─────────────────────────────

/** Every example, and every example with each of its environments. */
function cases(): [string, string | undefined][] {
  const out: [string, string | undefined][] = [];
  for (const name of exampleNames()) {
    out.push([name, undefined]);
    const doc = parseYaml(readFileSync(join(EXAMPLES_DIR, name, 'ddp.yaml'), 'utf8')) as Obj;
    for (const env of Object.keys(doc?.environments ?? {}).sort()) out.push([name, env]);
  }
  return out;
}
const CASES = cases();
const label = (name: string, env?: string) => (env ? `${name} --env ${env}` : name);

interface Output {
  label: string;
  topologyText: string;
  namespace: string;
  files: OutputFile[];
  notes: Diagnostic[];
  supplied: SuppliedFile[];
  /** Kubernetes objects with the file they came from. */
  objects: { file: string; obj: Obj }[];
  compose: Obj;
  configs: OutputFile[];
}

const CONFIG_TARGETS = new Set(['nginx', 'varnish', 'twemproxy', 'fluent-bit']);
const cache = new Map<string, Promise<Output>>();

function output(name: string, env?: string): Promise<Output> {
  const key = label(name, env);
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      const prepared = await prepare({ file: join('examples', name, 'ddp.yaml'), cwd: ROOT, env });
      const files = await renderTargets(prepared.model, TARGETS);
      const objects = files
        .filter((f) => f.target === 'kubernetes')
        .flatMap((f) => (parseAllDocuments(f.content) as Obj[]).map((obj) => ({ file: f.path, obj })));
      const composeFile = files.find((f) => f.path === 'compose/docker-compose.yml');
      return {
        label: key,
        topologyText: readFileSync(join(EXAMPLES_DIR, name, 'ddp.yaml'), 'utf8'),
        namespace: prepared.model.namespace,
        files,
        notes: prepared.model.notes,
        supplied: prepared.model.supplied,
        objects,
        compose: composeFile ? (parseYaml(composeFile.content) as Obj) : {},
        configs: files.filter((f) => CONFIG_TARGETS.has(f.target)),
      };
    })();
    cache.set(key, p);
  }
  return p;
}

// ───────────────────────────── Kubernetes helpers ─────────────────────────────

const id = (o: Obj) => `${o.kind}/${o.metadata?.name}`;
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob']);

/** The pod template of a workload (Deployment, StatefulSet, Job, CronJob, KEDA ScaledJob, Knative Service). */
function podTemplate(o: Obj): Obj | undefined {
  if (o.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template;
  if (o.kind === 'ScaledJob') return o.spec?.jobTargetRef?.template;
  if (WORKLOAD_KINDS.has(o.kind) || (o.kind === 'Service' && String(o.apiVersion).startsWith('serving.knative.dev'))) return o.spec?.template;
  return undefined;
}

function templates(objects: Obj[]): { owner: Obj; template: Obj }[] {
  return objects.flatMap((o) => {
    const t = podTemplate(o);
    return t ? [{ owner: o, template: t }] : [];
  });
}

/** The templates as the pods are labelled (a StatefulSet's: one per pod, helpers/kubernetes.ts). */
function podsOf(tpls: { owner: Obj; template: Obj }[]): { owner: Obj; template: Obj }[] {
  return tpls.flatMap((x) => {
    if (x.owner.kind !== 'StatefulSet') return [x];
    return statefulSetPods(x.owner.metadata.name, x.owner.spec?.replicas ?? 1, x.template).map((template) => ({ owner: x.owner, template }));
  });
}

const isCoreService = (o: Obj) => o.kind === 'Service' && o.apiVersion === 'v1';
const containersOf = (t: Obj): Obj[] => [...(t.spec?.containers ?? []), ...(t.spec?.initContainers ?? [])];

/** Kubernetes objects that refer to each other: the API accepts each alone, the cluster needs them together. */
function crossReferenceProblems(objects: Obj[], namespace: string): string[] {
  const problems: string[] = [];
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const services = objects.filter(isCoreService);
  const tpls = templates(objects);

  // one name per kind
  const seen = new Set<string>();
  for (const o of objects) {
    const k = `${o.apiVersion} ${o.kind}/${o.metadata?.name}`;
    if (seen.has(k)) problems.push(`${id(o)}: two ${o.kind} objects are named ${o.metadata?.name}`);
    seen.add(k);
  }
  // one namespace
  const ns = byKind('Namespace');
  if (ns.length !== 1 || ns[0].metadata.name !== namespace) problems.push(`expected exactly one Namespace ${namespace}, got ${ns.map(id).join(', ') || 'none'}`);
  for (const o of objects) {
    if (o.kind === 'Namespace' || o.kind === 'Kustomization') continue;
    if (o.metadata?.namespace !== namespace) problems.push(`${id(o)}: metadata.namespace is ${o.metadata?.namespace}, not ${namespace}`);
  }
  // workloads: the selector matches the template's labels
  for (const { owner, template } of tpls) {
    if (!WORKLOAD_KINDS.has(owner.kind) || owner.kind === 'CronJob' || owner.kind === 'Job') continue;
    const labels = template.metadata?.labels ?? {};
    if (!selectorMatches(owner.spec?.selector, labels)) problems.push(`${id(owner)}: spec.selector ${JSON.stringify(owner.spec?.selector)} does not match its template labels ${JSON.stringify(labels)}`);
  }
  // Services: the selector selects some pod template, and each port's targetPort is a port of that pod
  for (const s of services) {
    const sel = s.spec?.selector;
    if (!sel || Object.keys(sel).length === 0) continue; // a selector-less Service (e.g. ExternalName) points elsewhere
    const selected = podsOf(tpls).filter(({ template }) => selectorMatches(sel, template.metadata?.labels ?? {}));
    if (selected.length === 0) {
      problems.push(`${id(s)}: selector ${JSON.stringify(sel)} matches no pod template`);
      continue;
    }
    for (const p of s.spec?.ports ?? []) {
      const target = p.targetPort ?? p.port;
      const ok = selected.some(({ template }) =>
        containersOf(template).some((c: Obj) => (c.ports ?? []).some((cp: Obj) => (typeof target === 'number' ? cp.containerPort === target : cp.name === target))),
      );
      if (!ok) problems.push(`${id(s)}: port ${p.name ?? p.port} targets ${target}, which no container of ${[...new Set(selected.map((x) => id(x.owner)))].join(', ')} declares`);
    }
  }
  // StatefulSets: serviceName is a headless Service that selects the set's pods
  for (const sts of byKind('StatefulSet')) {
    const svc = services.find((s) => s.metadata.name === sts.spec?.serviceName);
    if (!svc) problems.push(`${id(sts)}: serviceName ${sts.spec?.serviceName} is not a Service of the output`);
    else {
      if (svc.spec?.clusterIP !== 'None') problems.push(`${id(sts)}: serviceName ${svc.metadata.name} is not headless (clusterIP: None)`);
      if (!selectorMatches(svc.spec?.selector, sts.spec?.template?.metadata?.labels ?? {})) problems.push(`${id(sts)}: its governing Service ${svc.metadata.name} does not select its pods`);
    }
  }
  // PodDisruptionBudgets select exactly one workload's pods
  for (const pdb of byKind('PodDisruptionBudget')) {
    const n = tpls.filter(({ template }) => selectorMatches(pdb.spec?.selector, template.metadata?.labels ?? {})).length;
    if (n !== 1) problems.push(`${id(pdb)}: selects the pods of ${n} workloads, not 1`);
  }
  // HPAs scale a workload of the output, which then has no fixed replicas
  for (const hpa of byKind('HorizontalPodAutoscaler')) {
    const ref = hpa.spec?.scaleTargetRef ?? {};
    const target = objects.find((o) => o.kind === ref.kind && o.metadata?.name === ref.name);
    if (!target) problems.push(`${id(hpa)}: scaleTargetRef ${ref.kind}/${ref.name} is not in the output`);
    else if (target.spec?.replicas !== undefined) problems.push(`${id(hpa)}: ${id(target)} also sets spec.replicas ${target.spec.replicas} (the HPA owns it)`);
  }
  for (const so of byKind('ScaledObject')) {
    const ref = so.spec?.scaleTargetRef ?? {};
    const kind = ref.kind ?? 'Deployment';
    if (!objects.some((o) => o.kind === kind && o.metadata?.name === ref.name)) problems.push(`${id(so)}: scaleTargetRef ${kind}/${ref.name} is not in the output`);
  }
  // Ingress backends are Services of the output, on one of their ports
  for (const ing of byKind('Ingress')) {
    const backends = [ing.spec?.defaultBackend, ...(ing.spec?.rules ?? []).flatMap((r: Obj) => (r.http?.paths ?? []).map((p: Obj) => p.backend))].filter(Boolean);
    for (const b of backends) {
      const svc = services.find((s) => s.metadata.name === b.service?.name);
      if (!svc) problems.push(`${id(ing)}: backend Service ${b.service?.name} is not in the output`);
      else if (!(svc.spec?.ports ?? []).some((p: Obj) => (b.service.port?.number !== undefined ? p.port === b.service.port.number : p.name === b.service.port?.name))) {
        problems.push(`${id(ing)}: backend port ${JSON.stringify(b.service.port)} is not a port of Service ${svc.metadata.name}`);
      }
    }
  }
  // pods refer to ConfigMaps, claims and service accounts of the output; volume mounts to volumes
  for (const { owner, template } of tpls) {
    const spec = template.spec ?? {};
    const claimTemplates = new Set((owner.spec?.volumeClaimTemplates ?? []).map((c: Obj) => c.metadata?.name));
    const volumes = new Set<string>([...(spec.volumes ?? []).map((v: Obj) => v.name), ...claimTemplates] as string[]);
    for (const v of spec.volumes ?? []) {
      if (v.configMap && !objects.some((o) => o.kind === 'ConfigMap' && o.metadata?.name === v.configMap.name)) problems.push(`${id(owner)}: volume ${v.name} mounts ConfigMap ${v.configMap.name}, which is not in the output`);
      if (v.configMap) {
        const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === v.configMap.name);
        for (const item of v.configMap.items ?? []) if (cm && !(item.key in (cm.data ?? {}))) problems.push(`${id(owner)}: volume ${v.name} wants key ${item.key} of ConfigMap ${cm.metadata.name}, which has ${Object.keys(cm.data ?? {}).join(', ')}`);
      }
      if (v.persistentVolumeClaim && !objects.some((o) => o.kind === 'PersistentVolumeClaim' && o.metadata?.name === v.persistentVolumeClaim.claimName)) {
        problems.push(`${id(owner)}: volume ${v.name} uses claim ${v.persistentVolumeClaim.claimName}, which is not in the output`);
      }
    }
    for (const c of containersOf(template)) {
      for (const m of c.volumeMounts ?? []) if (!volumes.has(m.name)) problems.push(`${id(owner)}: container ${c.name} mounts volume ${m.name}, which the pod does not declare`);
    }
    if (spec.serviceAccountName && !objects.some((o) => o.kind === 'ServiceAccount' && o.metadata?.name === spec.serviceAccountName)) {
      problems.push(`${id(owner)}: serviceAccountName ${spec.serviceAccountName} is not in the output`);
    }
  }
  // RBAC: bindings bind Roles and ServiceAccounts of the output
  for (const rb of byKind('RoleBinding')) {
    if (rb.roleRef?.kind === 'Role' && !objects.some((o) => o.kind === 'Role' && o.metadata?.name === rb.roleRef.name)) problems.push(`${id(rb)}: roleRef Role ${rb.roleRef.name} is not in the output`);
    for (const s of rb.subjects ?? []) {
      if (s.kind === 'ServiceAccount' && !objects.some((o) => o.kind === 'ServiceAccount' && o.metadata?.name === s.name)) problems.push(`${id(rb)}: subject ServiceAccount ${s.name} is not in the output`);
    }
  }
  return problems;
}

// ───────────────────────────── compose helpers ─────────────────────────────

interface Bind {
  service: string;
  source: string; // path relative to OUT (posix)
  target: string;
}

/** Bind mounts of every compose service, with sources resolved relative to OUT. */
function composeBinds(compose: Obj): Bind[] {
  const out: Bind[] = [];
  for (const [name, svc] of Object.entries<Obj>(compose.services ?? {})) {
    for (const v of svc.volumes ?? []) {
      let source: string | undefined;
      let target: string;
      if (typeof v === 'string') {
        const [s, t] = v.split(':');
        if (!/^[./~]/.test(s)) continue; // a named volume
        [source, target] = [s, t];
      } else {
        if (v.type !== 'bind') continue;
        [source, target] = [v.source, v.target];
      }
      out.push({ service: name, source: posix.normalize(posix.join('compose', source!)), target });
    }
  }
  return out;
}

/** Every name a compose service answers to on its network: its name, aliases and hostname. */
function composeNames(compose: Obj): Map<string, Obj> {
  const names = new Map<string, Obj>();
  for (const [name, svc] of Object.entries<Obj>(compose.services ?? {})) {
    names.set(name, svc);
    if (svc.hostname) names.set(svc.hostname, svc);
    const nets = svc.networks;
    if (nets && !Array.isArray(nets)) for (const n of Object.values<Obj | null>(nets)) for (const a of n?.aliases ?? []) names.set(a, svc);
  }
  return names;
}

// ───────────────────────────── hosts named by configs ─────────────────────────────

const IP = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Host names a proxy config resolves when it loads. */
function configHostNames(f: OutputFile): string[] {
  const hosts = new Set<string>();
  const add = (h: string | undefined) => {
    if (h && !IP.test(h) && h !== 'localhost' && !h.includes('$') && !h.startsWith('unix:')) hosts.add(h);
  };
  if (f.target === 'nginx') {
    const upstreams = new Set([...f.content.matchAll(/^\s*upstream\s+([^\s{]+)\s*\{/gm)].map((m) => m[1]));
    for (const m of f.content.matchAll(/^\s*server\s+([^\s;:{]+)(?::\d+)?[^;{]*;/gm)) add(m[1]); // `server host:port ...;`, not `server {`
    for (const m of f.content.matchAll(/^\s*proxy_pass\s+(?:[a-z]+:\/\/)?([^\s;:/]+)/gm)) if (!upstreams.has(m[1])) add(m[1]);
  } else if (f.target === 'varnish') {
    for (const m of f.content.matchAll(/\.host\s*=\s*"([^"]+)"/g)) add(m[1]);
  } else if (f.target === 'twemproxy') {
    const doc = parseYaml(f.content) as Record<string, Obj>;
    for (const pool of Object.values(doc ?? {})) for (const s of pool?.servers ?? []) add(String(s).split(':')[0]);
  }
  return [...hosts].sort();
}

/** Names a Kubernetes pod can resolve in the namespace: Services, StatefulSet pods, and their qualified forms. */
function kubernetesNames(objects: Obj[], namespace: string): { names: Set<string>; headless: Set<string> } {
  const names = new Set<string>();
  const headless = new Set<string>();
  const qualified = (short: string) => [short, `${short}.${namespace}`, `${short}.${namespace}.svc`, `${short}.${namespace}.svc.cluster.local`];
  for (const s of objects.filter(isCoreService)) {
    for (const n of qualified(s.metadata.name)) names.add(n);
    if (s.spec?.clusterIP === 'None') for (const n of qualified(s.metadata.name)) headless.add(n);
  }
  for (const sts of objects.filter((o) => o.kind === 'StatefulSet')) {
    for (let i = 0; i < (sts.spec?.replicas ?? 1); i++) for (const n of qualified(`${sts.metadata.name}-${i}.${sts.spec.serviceName}`)) names.add(n);
  }
  return { names, headless };
}

/** Every config's hosts exist where the config runs; a varnish backend is one address. */
function hostProblems(o: Output): string[] {
  const problems: string[] = [];
  const k8s = kubernetesNames(o.objects.map((x) => x.obj), o.namespace);
  const compose = composeNames(o.compose);
  const binds = composeBinds(o.compose);
  const configMaps = configMapFiles(o);
  // an outside endpoint: the topology names it itself (an ambassador's upstream, a broker URL, ...)
  const outside = (h: string) => h.includes('.') && o.topologyText.includes(h);
  for (const f of o.configs) {
    for (const h of configHostNames(f)) {
      if (outside(h)) continue;
      if (configMaps.has(f.path)) {
        if (!k8s.names.has(h)) problems.push(`${f.path}: names host ${h}, which is no Service or StatefulSet pod in Kubernetes`);
        if (f.target === 'varnish' && k8s.headless.has(h)) problems.push(`${f.path}: backend ${h} is a headless Service: varnish needs exactly one address`);
      }
      if (binds.some((b) => b.source === f.path)) {
        const svc = compose.get(h);
        if (!svc) problems.push(`${f.path}: names host ${h}, which is no compose service, alias or hostname`);
        else if (f.target === 'varnish' && (svc.deploy?.replicas ?? 1) > 1) problems.push(`${f.path}: backend ${h} runs ${svc.deploy.replicas} replicas in compose: varnish needs exactly one address`);
      }
    }
  }
  return problems;
}

/** Config path (under OUT) → the ConfigMaps that carry it (by the naming contract <name>-<target>). */
const CONFIGMAP_SUFFIX: Record<string, { dir: string; ext: string }> = {
  nginx: { dir: 'nginx', ext: 'conf' },
  varnish: { dir: 'varnish', ext: 'vcl' },
  twemproxy: { dir: 'twemproxy', ext: 'yml' },
  fluentbit: { dir: 'fluent-bit', ext: 'conf' },
};
function configMapFiles(o: Output): Map<string, Obj[]> {
  const out = new Map<string, Obj[]>();
  for (const { obj } of o.objects) {
    if (obj.kind !== 'ConfigMap') continue;
    const m = /^(.+)-(nginx|varnish|twemproxy|fluentbit)$/.exec(obj.metadata.name);
    if (!m) continue;
    const { dir, ext } = CONFIGMAP_SUFFIX[m[2]];
    const path = `${dir}/${m[1]}.${ext}`;
    out.set(path, [...(out.get(path) ?? []), obj]);
  }
  return out;
}

// ───────────────────────────── the tests ─────────────────────────────

describe.each(CASES)('example %s (env %s)', (name, env) => {
  let o: Output;
  beforeAll(async () => {
    o = await output(name, env);
  });

  it('every Kubernetes document passes the strict API schema, unknown fields included', () => {
    const problems: string[] = [];
    for (const f of o.files.filter((x) => x.target === 'kubernetes')) {
      for (const line of validateKubernetes(parseAllDocuments(f.content))) problems.push(`${o.label}: ${f.path}: ${line}`);
    }
    expect(problems).toEqual([]);
    expect(o.objects.length).toBeGreaterThan(1);
  });

  it('the Kubernetes objects refer to each other correctly', () => {
    const problems = crossReferenceProblems(o.objects.map((x) => x.obj), o.namespace).map((p) => `${o.label}: ${p}`);
    expect(problems).toEqual([]);
  });

  it('kustomization.yaml lists every other file under kubernetes/', () => {
    const k = o.objects.find((x) => x.obj.kind === 'Kustomization');
    expect(k, `${o.label}: no kubernetes/kustomization.yaml`).toBeDefined();
    const others = o.files.filter((f) => f.target === 'kubernetes' && f.path !== 'kubernetes/kustomization.yaml').map((f) => f.path.slice('kubernetes/'.length));
    expect([...k!.obj.resources].sort(), `${o.label}: kustomization resources`).toEqual(others.sort());
    expect(k!.obj.namespace).toBe(o.namespace);
  });

  it('the compose file passes the Compose Specification schema', () => {
    expect(o.compose.services, `${o.label}: compose has no services`).toBeDefined();
    expect(validateCompose(o.compose).map((l) => `${o.label}: compose/docker-compose.yml: ${l}`)).toEqual([]);
  });

  it('compose services name only compose services (depends_on, network_mode and pid service:X), and a proxy starts after the upstream it resolves at load', () => {
    const services = o.compose.services as Record<string, Obj>;
    const problems: string[] = [];
    for (const [n, svc] of Object.entries(services)) {
      for (const d of Object.keys(svc.depends_on ?? {})) if (!services[d]) problems.push(`service ${n}: depends_on ${d}, which is no compose service`);
      for (const k of ['network_mode', 'pid']) {
        const m = typeof svc[k] === 'string' ? /^service:(.+)$/.exec(svc[k]) : null;
        if (m && !services[m[1]]) problems.push(`service ${n}: ${k} service:${m[1]}, which is no compose service`);
      }
    }
    // nginx and varnish resolve their upstreams when they load: a cache or TLS layer waits for the layer behind it
    for (const [n, svc] of Object.entries(services)) {
      if (!/-(cache|tls)$/.test(n) || !Array.isArray(svc.entrypoint ?? svc.command)) continue;
      if (!Object.keys(svc.depends_on ?? {}).length) problems.push(`service ${n}: a proxy layer that waits for nothing`);
    }
    expect(problems.map((p) => `${o.label}: compose/docker-compose.yml: ${p}`)).toEqual([]);
  });

  it('every file compose mounts exists under OUT, but the secrets the report says you supply', () => {
    const paths = new Set(o.files.map((f) => f.path));
    const problems: string[] = [];
    for (const b of composeBinds(o.compose)) {
      if (b.source.startsWith('../') || b.source.startsWith('/')) problems.push(`service ${b.service}: bind source ${b.source} lies outside OUT`);
      else if (!paths.has(b.source)) problems.push(`service ${b.service}: bind source ${b.source} is not an output file`);
    }
    for (const [n, c] of Object.entries<Obj>(o.compose.configs ?? {})) if (c.file && !paths.has(posix.normalize(posix.join('compose', c.file)))) problems.push(`config ${n}: file ${c.file} is not an output file`);
    const supplied = new Set(o.supplied.flatMap((s) => (s.composePath === undefined ? [] : [posix.normalize(posix.join('compose', s.composePath))])));
    for (const [n, s] of Object.entries<Obj>(o.compose.secrets ?? {})) {
      const p = posix.normalize(posix.join('compose', s.file ?? ''));
      if (!p.startsWith('compose/secrets/')) problems.push(`secret ${n}: file ${s.file} is not under compose/secrets/`);
      if (!supplied.has(p)) problems.push(`secret ${n}: file ${s.file} is not in the report of what the user supplies`);
      if (paths.has(p)) problems.push(`secret ${n}: ddp wrote ${p} itself (it never writes a key or secret value)`);
    }
    for (const [n, svc] of Object.entries<Obj>(o.compose.services ?? {})) {
      for (const e of [svc.env_file ?? []].flat()) {
        const p = posix.normalize(posix.join('compose', typeof e === 'string' ? e : e.path));
        if (!p.startsWith('compose/secrets/')) problems.push(`service ${n}: env_file ${p} is neither written by ddp nor under compose/secrets/`);
        else if (!o.notes.some((d) => d.message.includes(p))) problems.push(`service ${n}: env_file ${p} is not in the report`);
      }
    }
    expect(problems.map((p) => `${o.label}: compose/docker-compose.yml: ${p}`)).toEqual([]);
  });

  it('every config under nginx/, varnish/, twemproxy/, fluent-bit/ is byte-identical to its ConfigMap and is mounted', () => {
    const problems: string[] = [];
    const byPath = configMapFiles(o);
    const binds = composeBinds(o.compose);
    for (const [path, cms] of byPath) {
      const f = o.configs.find((x) => x.path === path);
      for (const cm of cms) {
        const data = Object.values<string>(cm.data ?? {});
        if (!f) problems.push(`ConfigMap/${cm.metadata.name}: carries ${path}, which is not an output file`);
        else if (data.length !== 1 || data[0] !== f.content) problems.push(`ConfigMap/${cm.metadata.name}: its data is not byte-identical to ${path}`);
      }
    }
    for (const f of o.configs) {
      const inK8s = byPath.has(f.path);
      const inCompose = binds.some((b) => b.source === f.path);
      if (!inK8s && !inCompose) problems.push(`${f.path}: neither a ConfigMap nor a compose mount uses it`);
    }
    expect(problems.map((p) => `${o.label}: ${p}`)).toEqual([]);
  });

  it('every host a config names exists where it runs; varnish backends are single addresses', () => {
    expect(hostProblems(o).map((p) => `${o.label}: ${p}`)).toEqual([]);
  });
});

// kubectl is no Debian package (CI cannot apt-get it): where it is missing, this part skips, and says so.
if (!whichBinary('kubectl')) process.stderr.write('skipping "kubectl kustomize renders kubernetes/": kubectl is not installed (https://kubernetes.io/docs/tasks/tools/)\n');
describe.skipIf(!whichBinary('kubectl'))('kubectl kustomize renders kubernetes/', () => {
  it.each(CASES)('example %s (env %s)', async (name, env) => {
    const o = await output(name, env);
    const dir = mkdtempSync(join(tmpdir(), 'ddp-kustomize-'));
    try {
      for (const f of o.files.filter((x) => x.target === 'kubernetes')) writeFileSync(join(dir, f.path.slice('kubernetes/'.length)), f.content);
      const r = spawnSync(whichBinary('kubectl')!, ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 });
      expect(r.stderr, `${o.label}: kubectl kustomize`).toBe('');
      expect(r.status).toBe(0);
      const rendered = parseAllDocuments(r.stdout) as Obj[];
      const expected = o.objects.map((x) => x.obj).filter((x) => x.kind !== 'Kustomization');
      expect(rendered.map(id).sort()).toEqual(expected.map(id).sort());
      for (const x of rendered) if (x.kind !== 'Namespace') expect(x.metadata.namespace, `${o.label}: ${id(x)}`).toBe(o.namespace);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeWithBinaries(['nginx', 'varnishd', 'nutcracker', 'openssl', 'unshare', 'mount', 'cc'], 'the real proxies accept every generated config', () => {
  let tls: { cert: string; key: string };
  beforeAll(async () => {
    tls = await selfSignedCert(join(makeTempDir('tls'), 'cert'), 'ddp.test');
  });

  /** Every name the output defines or a config names, each with its own loopback address. */
  function hostsFor(o: Output): Hosts {
    const names = new Set<string>();
    for (const n of composeNames(o.compose).keys()) names.add(n);
    for (const n of kubernetesNames(o.objects.map((x) => x.obj), o.namespace).names) names.add(n);
    for (const f of o.configs) for (const h of configHostNames(f)) names.add(h);
    const list = [...names].filter((n) => /^[A-Za-z0-9.-]+$/.test(n)).sort();
    const hosts: Hosts = {};
    for (let i = 0; i < list.length; i += 254) Object.assign(hosts, allocateAddresses(list.slice(i, i + 254)));
    return hosts;
  }

  /**
   * Certificates at the paths the config names; /tmp/ (pid, temp files) inside the check's own
   * directory; /dev/stdout (the access log, a pipe in a container) to a file, as the test's stdout
   * is a socket nginx cannot open.
   */
  function files(conf: string): ConfFiles {
    const out: Record<string, string> = {};
    for (const m of conf.matchAll(/^\s*ssl_certificate\s+([^\s;]+);/gm)) out[m[1]] = tls.cert;
    for (const m of conf.matchAll(/^\s*ssl_certificate_key\s+([^\s;]+);/gm)) out[m[1]] = tls.key;
    for (const m of conf.matchAll(/^\s*ssl_(?:trusted|client)_certificate\s+([^\s;]+);/gm)) out[m[1]] = tls.cert;
    return { files: { ...out, ...RESOLVER_INCLUDE }, pathMap: { '/tmp/': 'tmp/', '/dev/stdout': 'logs/access.log' } };
  }

  describe.each(CASES)('example %s (env %s)', (name, env) => {
    it('nginx -t accepts every nginx/*.conf', async () => {
      const o = await output(name, env);
      const hosts = hostsFor(o);
      const problems: string[] = [];
      for (const f of o.configs.filter((x) => x.target === 'nginx')) {
        let conf = f.content;
        if (/^stream \{/m.test(conf)) {
          if (streamModuleProblem() && !isCI()) {
            process.stderr.write(`skipping nginx -t of ${o.label} ${f.path}: ${streamModuleProblem()}\n`);
            continue;
          }
          conf = withStreamModule(conf);
        }
        const r = await checkNginx(conf, hosts, files(conf));
        if (!r.ok) problems.push(`${o.label}: ${f.path}: nginx -t: ${r.output}`);
      }
      expect(problems).toEqual([]);
    });

    it('varnishd -C accepts every varnish/*.vcl', async () => {
      const o = await output(name, env);
      const hosts = hostsFor(o);
      const problems: string[] = [];
      for (const f of o.configs.filter((x) => x.target === 'varnish')) {
        const r = await checkVarnish(f.content, hosts);
        if (!r.ok) problems.push(`${o.label}: ${f.path}: varnishd -C: ${r.output}`);
      }
      expect(problems).toEqual([]);
    });

    it('nutcracker -t accepts every twemproxy/*.yml', async () => {
      const o = await output(name, env);
      const hosts = hostsFor(o);
      const problems: string[] = [];
      for (const f of o.configs.filter((x) => x.target === 'twemproxy')) {
        const r = await checkNutcracker(f.content, hosts);
        if (!r.ok) problems.push(`${o.label}: ${f.path}: nutcracker -t: ${r.output}`);
      }
      expect(problems).toEqual([]);
    });
  });
});

// The checks above must be able to fail: each is shown a broken output once.
describe('the generic checks catch what they are for', () => {
  it('reads the hosts each config of 01-replicated resolves', async () => {
    const o = await output('01-replicated');
    expect(Object.fromEntries(o.configs.map((f) => [f.path, configHostNames(f)]))).toEqual({
      'nginx/web-lb.conf': ['web-replica'],
      'nginx/web-tls.conf': ['web-cache'],
      'varnish/web-cache.vcl': ['web'],
    });
  });

  it('a Service whose selector matches nothing, a non-headless governing Service, a missing ConfigMap', () => {
    const objects: Obj[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { app: 'wbe' }, ports: [{ port: 80 }] } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'shop' }, spec: { selector: { app: 'db' }, ports: [{ port: 5432, targetPort: 5433 }] } },
      {
        apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'shop' },
        spec: { serviceName: 'db', replicas: 2, selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', ports: [{ containerPort: 5432 }], volumeMounts: [{ name: 'cfg', mountPath: '/etc' }] }], volumes: [{ name: 'cfg', configMap: { name: 'db-config' } }] } } },
      },
    ];
    expect(crossReferenceProblems(objects, 'shop')).toEqual([
      'Service/web: selector {"app":"wbe"} matches no pod template',
      'Service/db: port 5432 targets 5433, which no container of StatefulSet/db declares',
      'StatefulSet/db: serviceName db is not headless (clusterIP: None)',
      'StatefulSet/db: volume cfg mounts ConfigMap db-config, which is not in the output',
    ]);
  });

  it('a config naming a pod that does not exist, and varnish in front of several addresses', () => {
    const objects: Obj[] = [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'cache' }, spec: { clusterIP: 'None', selector: { a: 'b' } } },
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'cache' }, spec: { serviceName: 'cache', replicas: 2 } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'router-nginx' }, data: { 'nginx.conf': 'upstream u {\n    server cache-0.cache:80;\n    server cache-2.cache:80;\n}\n' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'front-varnish' }, data: { 'default.vcl': 'backend b { .host = "cache"; .port = "80"; }\n' } },
    ];
    const configs: OutputFile[] = [
      { path: 'nginx/router.conf', target: 'nginx', content: objects[2].data['nginx.conf'] },
      { path: 'varnish/front.vcl', target: 'varnish', content: objects[3].data['default.vcl'] },
    ];
    const o = {
      label: 'x', topologyText: '', namespace: 'shop', files: configs, notes: [], supplied: [], configs,
      objects: objects.map((obj) => ({ file: 'kubernetes/x.yaml', obj })),
      compose: { services: { front: { volumes: [{ type: 'bind', source: '../varnish/front.vcl', target: '/etc/ddp/default.vcl' }] }, cache: { deploy: { replicas: 3 } } } },
    } satisfies Output;
    expect(hostProblems(o)).toEqual([
      'nginx/router.conf: names host cache-2.cache, which is no Service or StatefulSet pod in Kubernetes',
      'varnish/front.vcl: backend cache is a headless Service: varnish needs exactly one address',
      'varnish/front.vcl: backend cache runs 3 replicas in compose: varnish needs exactly one address',
    ]);
  });
});
