// Where the pods are: the pod spec and pod labels of every workload kind, the containers of a
// pod spec, and which workloads a selector or a scaleTargetRef picks.
import { getPath, selectorMatches, type Seg } from './kubernetes-schema.js';
import { isObj, type K8sObject, type Obj } from './types.js';
import { removedApi } from './removed-apis.js';

/** Path of the pod spec of each kind that runs pods (the pod template's metadata is its sibling). */
const POD_SPEC_PATHS: Record<string, Seg[]> = {
  'v1 Pod': ['spec'],
  'v1 ReplicationController': ['spec', 'template', 'spec'],
  'apps/v1 Deployment': ['spec', 'template', 'spec'],
  'apps/v1 StatefulSet': ['spec', 'template', 'spec'],
  'apps/v1 DaemonSet': ['spec', 'template', 'spec'],
  'apps/v1 ReplicaSet': ['spec', 'template', 'spec'],
  'batch/v1 Job': ['spec', 'template', 'spec'],
  'batch/v1 CronJob': ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  'serving.knative.dev/v1 Service': ['spec', 'template', 'spec'],
  'keda.sh/v1alpha1 ScaledJob': ['spec', 'jobTargetRef', 'template', 'spec'],
};

/** Kinds whose pods serve: a Service may select them, a PodDisruptionBudget protects them. */
export const LONG_RUNNING = new Set(['v1 Pod', 'v1 ReplicationController', 'apps/v1 Deployment', 'apps/v1 StatefulSet', 'apps/v1 DaemonSet', 'apps/v1 ReplicaSet']);
/** Kinds whose pods a Service or a PodDisruptionBudget may select: the long-running ones and Jobs
 *  (the pods of an Indexed Job reach each other through a headless Service that selects job-name). */
export const SELECTABLE = new Set([...LONG_RUNNING, 'batch/v1 Job', 'batch/v1 CronJob']);

export interface PodRef {
  object: K8sObject;
  specPath: Seg[];
  spec: Obj;
  labelsPath: Seg[];
  labels: Record<string, string>;
}

export interface ContainerRef {
  pod: PodRef;
  path: Seg[];
  container: Obj;
  name: string;
  init: boolean;
}

export const kindKey = (o: Pick<K8sObject, 'apiVersion' | 'kind'>): string => `${o.apiVersion} ${o.kind}`;

/**
 * The kind a workload is, its pods laid out alike: `kindKey`, or for an API the server no longer
 * serves (extensions/v1beta1 Deployment, batch/v1beta1 CronJob) the one that replaced it. Rule
 * removed-api reports the old API; its pods are still the ones a Service in the same files
 * means, and the same containers (one finding to fix, not a Service that "targets nothing" too).
 */
export function workloadKey(o: Pick<K8sObject, 'apiVersion' | 'kind'>): string {
  const removed = removedApi(o.apiVersion, o.kind);
  return removed?.use ? `${removed.use} ${o.kind}` : kindKey(o);
}

export function podOf(o: K8sObject): PodRef | undefined {
  const specPath = POD_SPEC_PATHS[workloadKey(o)];
  if (!specPath) return undefined;
  const spec = getPath(o.data, specPath);
  if (!isObj(spec)) return undefined;
  const labelsPath = [...specPath.slice(0, -1), 'metadata', 'labels'];
  const raw = o.kind === 'Pod' ? getPath(o.data, ['metadata', 'labels']) : getPath(o.data, labelsPath);
  // (fromEntries defines each key: a `__proto__` label stays a label, not the map's prototype)
  const labels: Record<string, string> = isObj(raw) ? Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)])) : {};
  return { object: o, specPath, spec, labelsPath: o.kind === 'Pod' ? ['metadata', 'labels'] : labelsPath, labels };
}

const podCache = new WeakMap<readonly K8sObject[], PodRef[]>();

/** Every pod template of the objects (computed once per object list: every rule asks). */
export function pods(objects: readonly K8sObject[]): PodRef[] {
  let out = podCache.get(objects);
  if (!out) {
    out = objects.map(podOf).filter((p): p is PodRef => p !== undefined);
    podCache.set(objects, out);
  }
  return out;
}

export function containersOf(pod: PodRef, opts: { init?: boolean } = {}): ContainerRef[] {
  const out: ContainerRef[] = [];
  const lists: [string, boolean][] = opts.init === false ? [['containers', false]] : [['initContainers', true], ['containers', false]];
  for (const [key, init] of lists) {
    const list = pod.spec[key];
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => {
      if (isObj(c)) out.push({ pod, path: [...pod.specPath, key, i], container: c, name: typeof c.name === 'string' ? c.name : `#${i}`, init });
    });
  }
  return out;
}

/** A label a controller puts on the pods it makes: which values it gives, and one of them. */
interface AddedLabel {
  accepts: (value: string) => boolean;
  example: string;
}
/** A hash or a uid: ddp cannot know it, so any value may be it. */
const unknowable = (example: string): AddedLabel => ({ accepts: () => true, example });
const exactly = (value: string): AddedLabel => ({ accepts: (v) => v === value, example: value });
/** An ordinal in [first, first + count); count undefined: any from first on. */
const ordinal = (first: number, count: number | undefined, prefix = ''): AddedLabel => ({
  accepts: (v) => v.startsWith(prefix) && /^\d+$/.test(v.slice(prefix.length)) && Number(v.slice(prefix.length)) >= first && (count === undefined || Number(v.slice(prefix.length)) < first + count),
  example: `${prefix}${first}`,
});

/** The labels of the pods of a Job (template at `spec`, named `job` or, from a CronJob, `job-*`). */
function jobLabels(spec: unknown, job: AddedLabel): Record<string, AddedLabel> {
  const out: Record<string, AddedLabel> = {};
  // with manualSelector the API server leaves the template's labels as they are
  if (getPath(spec, ['manualSelector']) !== true) {
    Object.assign(out, { 'job-name': job, 'batch.kubernetes.io/job-name': job, 'controller-uid': unknowable('<uid>'), 'batch.kubernetes.io/controller-uid': unknowable('<uid>') });
  }
  if (getPath(spec, ['completionMode']) === 'Indexed') {
    const completions = getPath(spec, ['completions']);
    out['batch.kubernetes.io/job-completion-index'] = ordinal(0, typeof completions === 'number' ? completions : undefined);
  }
  return out;
}

/**
 * The labels a workload's controller (or the API server) adds to its pods beside the template's:
 * a Service may select pods by them (a Service per StatefulSet pod by its pod-name, the headless
 * Service of an Indexed Job by job-name).
 */
export function addedLabels(o: K8sObject): Record<string, AddedLabel> {
  switch (workloadKey(o)) {
    case 'apps/v1 Deployment':
      return { 'pod-template-hash': unknowable('<hash>') };
    case 'apps/v1 DaemonSet':
      return { 'controller-revision-hash': unknowable('<hash>'), 'pod-template-generation': unknowable('1') };
    case 'apps/v1 StatefulSet': {
      const start = getPath(o.data, ['spec', 'ordinals', 'start']);
      const first = typeof start === 'number' ? start : 0;
      const { replicas } = replicasOf(o);
      return {
        'statefulset.kubernetes.io/pod-name': ordinal(first, replicas, `${o.name}-`),
        'apps.kubernetes.io/pod-index': ordinal(first, replicas),
        'controller-revision-hash': unknowable(`${o.name}-<hash>`),
      };
    }
    case 'batch/v1 Job':
      return jobLabels(getPath(o.data, ['spec']), exactly(o.name));
    case 'batch/v1 CronJob': // its Jobs are named <cronjob>-<scheduled time>
      return jobLabels(getPath(o.data, ['spec', 'jobTemplate', 'spec']), { accepts: (v) => v.startsWith(`${o.name}-`), example: `${o.name}-<time>` });
    default:
      return {};
  }
}

/** The labels (key, value) a selector (a LabelSelector or a Service's map) asks for: its map, and `In` values. */
export function askedLabels(selector: unknown): [string, string][] {
  if (!isObj(selector)) return [];
  const structured = 'matchLabels' in selector || 'matchExpressions' in selector;
  const map = structured ? selector.matchLabels : selector;
  const out: [string, string][] = isObj(map) ? Object.entries(map).filter((e): e is [string, string] => typeof e[1] === 'string') : [];
  if (structured && Array.isArray(selector.matchExpressions)) {
    for (const ex of selector.matchExpressions) {
      if (isObj(ex) && typeof ex.key === 'string' && ex.operator === 'In' && Array.isArray(ex.values)) out.push(...ex.values.map((v): [string, string] => [ex.key as string, String(v)]));
    }
  }
  return out;
}

/**
 * The labels of the one of `pod`'s pods that `selector` fits best: the template's, and each label
 * the controller adds, with the value the selector asks for when the controller may give it.
 */
const addedCache = new WeakMap<K8sObject, Record<string, AddedLabel>>();
/** addedLabels, once per object (every selector asks again). */
function addedLabelsOf(o: K8sObject): Record<string, AddedLabel> {
  let a = addedCache.get(o);
  if (!a) addedCache.set(o, (a = addedLabels(o)));
  return a;
}

export function podLabels(pod: PodRef, selector: unknown): Record<string, string> {
  const added = Object.entries(addedLabelsOf(pod.object));
  if (!added.length) return pod.labels;
  const labels = { ...pod.labels };
  const asked = askedLabels(selector);
  for (const [key, label] of added) labels[key] = asked.find(([k, v]) => k === key && label.accepts(v))?.[1] ?? label.example;
  return labels;
}

/** The pods of one namespace, indexed for selectors: by template label (`key=value`) and by the
 *  keys of the labels their controllers add; each pod's place in the list and its workload kind. */
interface NamespacePods {
  list: PodRef[];
  order: Map<PodRef, number>;
  kind: Map<PodRef, string>;
  byLabel: Map<string, PodRef[]>;
  byAddedKey: Map<string, PodRef[]>;
}

const byNamespace = new WeakMap<readonly PodRef[], Map<string, NamespacePods>>();

function namespaceIndex(all: readonly PodRef[]): Map<string, NamespacePods> {
  let index = byNamespace.get(all);
  if (index) return index;
  index = new Map();
  const push = (m: Map<string, PodRef[]>, k: string, p: PodRef) => {
    const l = m.get(k);
    if (l) l.push(p);
    else m.set(k, [p]);
  };
  for (const p of all) {
    let ns = index.get(p.object.namespace);
    if (!ns) index.set(p.object.namespace, (ns = { list: [], order: new Map(), kind: new Map(), byLabel: new Map(), byAddedKey: new Map() }));
    ns.order.set(p, ns.list.length);
    ns.list.push(p);
    ns.kind.set(p, workloadKey(p.object));
    for (const [k, v] of Object.entries(p.labels)) push(ns.byLabel, `${k}=${v}`, p);
    for (const k of Object.keys(addedLabelsOf(p.object))) push(ns.byAddedKey, k, p);
  }
  byNamespace.set(all, index);
  return index;
}

/** A label a selector requires exactly (a plain map's entry, or matchLabels'): only pods with it,
 *  in their template or from their controller, can match. */
function requiredLabel(selector: unknown): [string, string] | undefined {
  if (!isObj(selector)) return undefined;
  const map = 'matchLabels' in selector || 'matchExpressions' in selector ? selector.matchLabels : selector;
  if (!isObj(map)) return undefined;
  for (const [k, v] of Object.entries(map)) if (typeof v === 'string') return [k, v];
  return undefined;
}

/** Pods a selector picks in a namespace (a LabelSelector, or a Service's plain map), by their
 *  template's labels and those their controller adds. Only the pods that carry (or may be given)
 *  one label the selector requires are matched in full: a Service per workload in a namespace of
 *  thousands stays linear, not thousands times thousands. */
export function selectedPods(all: readonly PodRef[], namespace: string, selector: unknown, kinds: Set<string> = LONG_RUNNING): PodRef[] {
  const ns = namespaceIndex(all).get(namespace);
  if (!ns) return [];
  const required = requiredLabel(selector);
  let candidates = ns.list;
  if (required) {
    const [k, v] = required;
    const some = [...(ns.byLabel.get(`${k}=${v}`) ?? []), ...(ns.byAddedKey.get(k) ?? [])];
    candidates = some.length > 1 ? [...new Set(some)].sort((a, b) => ns.order.get(a)! - ns.order.get(b)!) : some;
  }
  return candidates.filter((p) => kinds.has(ns.kind.get(p)!) && selectorMatches(selector, podLabels(p, selector)));
}

/** Pods a selector picks in the other namespaces (to tell where the pods a selector misses are). */
export function selectedElsewhere(all: readonly PodRef[], namespace: string, selector: unknown, kinds: Set<string> = LONG_RUNNING): PodRef[] {
  const others = new Set(all.map((p) => p.object.namespace).filter((ns) => ns !== namespace));
  return [...others].flatMap((ns) => selectedPods(all, ns, selector, kinds));
}

/** The desired replica count of a workload (1 when unset), and whether `spec.replicas` is present. */
export function replicasOf(o: K8sObject): { replicas: number; explicit: boolean } {
  const r = getPath(o.data, ['spec', 'replicas']);
  return typeof r === 'number' ? { replicas: r, explicit: true } : { replicas: 1, explicit: false };
}

/** Autoscalers (HPA v1/v2, KEDA ScaledObject) and the workload each targets. */
export function autoscalers(objects: readonly K8sObject[]): { scaler: K8sObject; target?: K8sObject; min: number }[] {
  const out: { scaler: K8sObject; target?: K8sObject; min: number }[] = [];
  for (const o of objects) {
    const isHpa = o.kind === 'HorizontalPodAutoscaler' && o.apiVersion.startsWith('autoscaling/');
    const isKeda = o.kind === 'ScaledObject' && o.apiVersion.startsWith('keda.sh/');
    if (!isHpa && !isKeda) continue;
    const ref = getPath(o.data, ['spec', 'scaleTargetRef']);
    if (!isObj(ref)) continue;
    const kind = typeof ref.kind === 'string' ? ref.kind : 'Deployment';
    const target = objects.find((t) => t.namespace === o.namespace && t.kind === kind && t.name === ref.name);
    const minRaw = getPath(o.data, ['spec', isHpa ? 'minReplicas' : 'minReplicaCount']);
    out.push({ scaler: o, target, min: typeof minRaw === 'number' ? minRaw : isHpa ? 1 : 0 });
  }
  return out;
}

/** Deep equality of plain JSON values. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return sameJson(ka, kb) && ka.every((k) => sameJson(a[k], b[k]));
  }
  return false;
}
