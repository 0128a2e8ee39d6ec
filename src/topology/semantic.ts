// Stage 2b: semantic checks on a schema-valid topology — what JSON Schema cannot say:
// references resolve, ports do not clash in a pod, pipelines are acyclic with the right arities.
// Each pattern module may add its own checks by exporting `check(name, svc, ctx)`.
// Diagnostics carry a JSON pointer; the caller turns pointers into file:line:col.
import { didYouMean, error, pointer, warning, type Diagnostic } from '../diagnostics.js';
import type { DdpTopologyDdpV1 as Topology, Service1 as AnyService, ContainerFields, SingleNode, Pipeline, Sharded, Function as FunctionService } from '../generated/topology.js';
import { durationMs, parseQuantity } from '../quantity.js';
import { cleanPath, INGRESS_PATH_SEQUENCES, INGRESS_PATH_SUFFIXES, splitUpstream } from '../k8s-names.js';
import { imageProblem } from './image-ref.js';
import { cronProblem } from './cron.js';
import { knativeChecks } from './knative.js';
import { placementChecks } from './placement-checks.js';
import { feedsChecks } from './feeds-checks.js';
import { tlsIngressChecks } from './ingress-checks.js';
import { BUILTIN_RESOURCES } from '../patterns/context.js';
import { MAX_IDLE_TIMEOUT_MS, MIN_IDLE_TIMEOUT_MS } from '../patterns/idle-timeout.js';
import { dotted } from './schema.js';
import { defaultRouterKind, TLS_SIDECAR_PORT, TWEMPROXY_STATS_PORT, VARNISH_ROUTER_MALLOC_MIB, varnishCacheMib, varnishResources } from '../patterns/naming.js';

type Check = Omit<Diagnostic, 'file' | 'line' | 'col'>;
const err = (code: string, message: string, ptr: string, hint?: string): Check => error(code, message, { pointer: ptr, ...(hint ? { hint } : {}) });
const warn = (code: string, message: string, ptr: string, hint?: string): Check => warning(code, message, { pointer: ptr, ...(hint ? { hint } : {}) });

export function semanticDiagnostics(t: Topology): Check[] {
  const out: Check[] = [];
  const services = t.services as Record<string, AnyService>;
  const has = (n: string) => Object.prototype.hasOwnProperty.call(services, n);
  const fallback = fallbackRequests(t);
  const splitRouted = splitRouteTargets(services);
  for (const name of Object.keys(services).sort()) {
    const svc = services[name];
    const base = pointer('services', name);
    for (const [spec, ptr] of [...containerSpecs(svc, base), ...attachedSpecs(svc as SingleNode, base)]) {
      out.push(...containerChecks(spec, ptr, fallback));
      // (a sharded service's shards: shardedChecks, which knows `protocol` and `storage`)
      if (!(svc.pattern === 'sharded' && ptr === base) && spec.image !== undefined && isRedisImage(spec.image) && snapshotsNowhere(spec)) {
        out.push(warn('redis-no-storage', REDIS_NO_STORAGE, `${ptr}/image`, "mount a volume at /data (`volumes:` and `mounts:`), or turn snapshots off: `args: ['--save', '']`"));
      }
    }
    for (const [spec, ptr] of portlessSpecs(svc, base)) out.push(...healthNeedsPort(spec, ptr));
    out.push(...proxyResourceChecks(svc, base, fallback, services));
    out.push(...singleNodeChecks(name, svc as SingleNode, base, services, has));
    out.push(...podPortChecks(svc, base, services));
    out.push(...referenceChecks(name, svc, base, services, has));
    out.push(...udpMainPortChecks(name, svc, base, services));
    out.push(...affinityChecks(name, svc, base, services));
    out.push(...idleTimeoutChecks(name, svc, base, splitRouted));
    lowPorts(svc, base, out);
    claimSizes(svc, base, out);
    const expose = (svc as { expose?: { path?: string; host?: string } }).expose;
    if (expose?.path !== undefined) out.push(...ingressPathChecks(expose.path, `${base}/expose/path`));
    if (expose?.host !== undefined && isIPv4(expose.host)) {
      out.push(err('ingress-host-ip', `expose.host ${expose.host} is an IP address; an Ingress rule's host must be a DNS name`, `${base}/expose/host`, 'use a DNS name that points at your ingress controller (e.g. shop.example.com)'));
    }
  }
  if (t.defaults?.resources) out.push(...resourceChecks(t.defaults.resources, '/defaults/resources', BUILTIN_REQUESTS));
  for (const [name, p] of Object.entries(t.pipelines ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) out.push(...pipelineChecks(name, p, pointer('pipelines', name), fallback));
  out.push(...decoratorChecks(services));
  out.push(...imageChecks(t));
  out.push(...annotationSize(t));
  out.push(...reservedLabels(t));
  out.push(...placementChecks(t));
  out.push(...feedsChecks(t));
  out.push(...sharedNamespace(t));
  return out;
}

/** The namespaces Kubernetes makes itself and everyone shares: ddp's Namespace object would
 *  relabel them. */
export const SHARED_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/**
 * namespace.yaml labels the namespace `pod-security.kubernetes.io/enforce: restricted`: applied to
 * `default` or a kube-* namespace it relabels a namespace Kubernetes made and other workloads share
 * (from then on the API server refuses their new pods that are not restricted: in kube-system, the
 * cluster's own), and `kubectl delete -k` would try to delete it. An error, not a warning: the
 * damage lands on someone else's pods, and the way out is one line.
 */
function sharedNamespace(t: Topology): Check[] {
  const m = t.metadata as { name: string; namespace?: string; createNamespace?: boolean };
  const ns = m.namespace ?? m.name;
  if (m.createNamespace === false || !SHARED_NAMESPACES.includes(ns)) return [];
  const ptr = m.namespace !== undefined ? '/metadata/namespace' : '/metadata/name';
  return [
    err(
      'shared-namespace',
      `ddp would write a Namespace object for \`${ns}\`${m.namespace === undefined ? ' (the namespace defaults to metadata.name)' : ''}, a namespace Kubernetes makes and other workloads share: applying it labels ${ns} pod-security.kubernetes.io/enforce: restricted, so the API server refuses their new pods that are not restricted, and \`kubectl delete -k\` would try to delete ${ns}`,
      ptr,
      'add `createNamespace: false` to metadata (ddp then writes no namespace.yaml; the objects still go into the namespace), or use a namespace of your own',
    ),
  ];
}

/**
 * Every container ddp runs, the proxies (nginx, varnish, twemproxy) and the user's own, runs as a
 * non-root user with every capability dropped: a port below 1024 opens only where the container
 * runtime lets any user bind it (Docker does, containerd 2 does; containerd 1.x does not:
 * `bind() ... Permission denied`, and the pod restarts for ever).
 */
function lowPorts(svc: AnyService, base: string, out: Check[]): void {
  // (checked before any string is built: this runs for every service of a big topology)
  const sn = svc as SingleNode & { tls?: { port?: number }; router?: { port?: number } };
  if (svc.pattern === 'replicated' && low(sn.tls?.port)) out.push(privilegedPort(sn.tls!.port!, 'the TLS layer (nginx)', `${base}/tls/port`));
  if (svc.pattern === 'sharded' && low(sn.router?.port)) out.push(privilegedPort(sn.router!.port!, 'the router', `${base}/router/port`));
  sn.sidecars?.forEach((x, i) => { if (x.kind === 'tls' && low(x.port)) out.push(privilegedPort(x.port, `TLS sidecar \`${x.name}\` (nginx)`, `${base}/sidecars/${i}/port`)); });
  sn.ambassadors?.forEach((a, i) => { if (low(a.listen)) out.push(privilegedPort(a.listen, `ambassador \`${a.name}\``, `${base}/ambassadors/${i}/listen`)); });
  for (const [spec, ptr] of [...containerSpecs(svc, base), ...attachedSpecs(sn, base)]) if ((spec as { kind?: string }).kind !== 'tls') userLowPorts(spec, ptr, out);
}

/** A persistent volume or `storage` becomes a PersistentVolumeClaim, whose size the API server wants above zero. */
function claimSizes(svc: AnyService, base: string, out: Check[]): void {
  const zero = (size: string | undefined, ptr: string) => {
    if (size !== undefined && parseQuantity(size) === 0) out.push(err('zero-size', `size ${size} is zero; Kubernetes refuses a PersistentVolumeClaim that asks for no storage`, ptr, 'give a size above zero, e.g. 1Gi'));
  };
  const s = svc as { volumes?: Record<string, { type?: string; size?: string; storageClass?: string; accessMode?: string }>; storage?: { size?: string } };
  for (const [name, v] of Object.entries(s.volumes ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const ptr = `${base}/volumes/${pointer(name).slice(1)}`;
    if (v.type === 'persistent') zero(v.size, `${ptr}/size`);
    // a claim's fields on an emptyDir (no `type` is one) would be dropped without a word
    else for (const k of ['storageClass', 'accessMode'] as const) if (v[k] !== undefined) out.push(err('claim-field', `\`${k}\` is a field of a persistent volume, and volume \`${name}\` is an emptyDir${v.type === undefined ? ' (the default type)' : ''}`, `${ptr}/${k}`, `add \`type: persistent\`, or remove \`${k}\``));
  }
  zero(s.storage?.size, `${base}/storage/size`);
}

/** An IPv4 address as the API server's ParseIPSloppy reads one (leading zeros allowed): `999.1.1.1` is a DNS name. */
function isIPv4(host: string): boolean {
  const parts = host.split('.');
  return parts.length === 4 && parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255);
}

/** An Ingress path of pathType Prefix (what ddp writes) the API server refuses. */
function ingressPathChecks(path: string, ptr: string): Check[] {
  const seq = INGRESS_PATH_SEQUENCES.find((x) => path.includes(x));
  const suffix = INGRESS_PATH_SUFFIXES.find((x) => path.endsWith(x));
  if (seq === undefined && suffix === undefined) return [];
  const what = seq !== undefined ? `holds \`${seq}\`` : `ends with \`${suffix}\``;
  return [err('bad-ingress-path', `the Ingress path ${JSON.stringify(path)} ${what}, which the API server refuses in a Prefix path`, ptr, 'write the path as it is after normalising: no empty, `.` or `..` segments and no encoded `/` (%2F)')];
}

/** A port the user's container listens on (`port`, or each of `ports`) below 1024. */
function userLowPorts(spec: ContainerFields, ptr: string, out: Check[]): void {
  if (low(spec.port)) out.push(privilegedPort(spec.port, 'the container', `${ptr}/port`));
  spec.ports?.forEach((p, i) => { if (low(p.port)) out.push(privilegedPort(p.port, `the container (port \`${p.name}\`)`, `${ptr}/ports/${i}/port`)); });
}

const low = (port: number | undefined): port is number => port !== undefined && port < 1024;

function privilegedPort(port: number, what: string, ptr: string): Check {
  return warn('privileged-port', `${what} listens on port ${port}, below 1024, running as a non-root user with no capabilities: it starts only where the container runtime lets any user bind low ports`, ptr, 'listen on a port from 1024 up (e.g. 8080 or 8443; for your own image, its server\'s listen setting) and publish the low port at the Ingress or compose `ports:`');
}

/** Labels ddp sets itself, on every object or on the Namespace: a user value would be dropped, or duplicated. */
const DDP_LABELS = new Map(Object.entries({
  'app.kubernetes.io/name': 'on every object (its own name)',
  'app.kubernetes.io/component': "on every object (its part in the pattern: server, router, ...)",
  'app.kubernetes.io/part-of': 'on every object (the topology name)',
  'app.kubernetes.io/managed-by': 'on every object (`ddp`)',
  'pod-security.kubernetes.io/enforce': 'on the Namespace (`restricted`: every pod ddp generates meets it)',
}));
/** Labels Kubernetes' controllers set on the pods they make: on a pod template, the API server refuses the Job, or the controller overwrites the value. */
const CONTROLLER_LABELS = new Map(Object.entries({
  'job-name': 'the Job controller sets it on its pods; the API server refuses a Job whose pod template gives it another value',
  'controller-uid': 'the Job controller sets it on its pods; the API server refuses a Job whose pod template gives it another value',
  'batch.kubernetes.io/job-name': 'the Job controller sets it on its pods; the API server refuses a Job whose pod template gives it another value',
  'batch.kubernetes.io/controller-uid': 'the Job controller sets it on its pods; the API server refuses a Job whose pod template gives it another value',
  'batch.kubernetes.io/job-completion-index': 'the Job controller sets it on the pods of an Indexed Job',
  'pod-template-hash': 'the Deployment controller sets it on the pods of each ReplicaSet',
  'controller-revision-hash': 'the StatefulSet controller sets it on its pods',
  'statefulset.kubernetes.io/pod-name': 'the StatefulSet controller sets it on each pod',
  'apps.kubernetes.io/pod-index': 'the StatefulSet controller sets it on each pod',
}));

/** `metadata.labels` go on every object ddp generates, pod templates included: not the keys ddp or Kubernetes set there. */
function reservedLabels(t: Topology): Check[] {
  const out: Check[] = [];
  for (const k of Object.keys((t.metadata as { labels?: Record<string, string> }).labels ?? {}).sort()) {
    const ddp = DDP_LABELS.get(k);
    const controller = CONTROLLER_LABELS.get(k);
    if (ddp) out.push(err('reserved-label', `ddp sets the label \`${k}\` itself, ${ddp}`, pointer('metadata', 'labels', k), 'remove it from metadata.labels; put what you mean in a label of your own (e.g. example.com/team)'));
    else if (controller) out.push(err('reserved-label', `\`${k}\` is a label Kubernetes sets: ${controller}`, pointer('metadata', 'labels', k), 'remove it from metadata.labels (ddp puts them on pod templates too); use a label of your own'));
  }
  return out;
}

/** The API server refuses an object whose annotations total more than 256 KiB; ddp puts
 *  `metadata.annotations` on every object, so a topology over it would generate nothing usable. */
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;
function annotationSize(t: Topology): Check[] {
  const a = (t.metadata as { annotations?: Record<string, string> }).annotations ?? {};
  const bytes = Object.entries(a).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (bytes <= ANNOTATIONS_MAX_BYTES / 2) return [];
  if (bytes <= ANNOTATIONS_MAX_BYTES) {
    // client-side `kubectl apply` stores the whole object, these annotations included, in one more annotation
    return [warn('annotations-half-full', `metadata.annotations total ${bytes} bytes, over half of the ${ANNOTATIONS_MAX_BYTES} Kubernetes takes on an object: \`kubectl apply\` (client-side) copies every object into its kubectl.kubernetes.io/last-applied-configuration annotation, and the two together pass the limit`, '/metadata/annotations', 'apply with `kubectl apply --server-side` (no such copy), or move big values into a ConfigMap')];
  }
  return [err('annotations-too-big', `metadata.annotations total ${bytes} bytes; Kubernetes takes at most ${ANNOTATIONS_MAX_BYTES} (256 KiB) on an object, and ddp puts them on every object`, '/metadata/annotations', 'move big values into a ConfigMap and annotate with its name')];
}

/** Every `image` of the services and pipelines -- main containers, sidecars, ambassadors, adapters, and the rest -- pulls. */
function imageChecks(t: Topology): Check[] {
  const out: Check[] = [];
  const walk = (v: unknown, parts: (string | number)[]) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...parts, i]));
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        const why = k === 'image' && typeof x === 'string' ? imageProblem(x) : undefined;
        if (why) out.push(err('bad-image', `image \`${x}\` cannot be pulled: ${why}`, pointer(...parts, k), 'e.g. ghcr.io/acme/web:1.4.2, nginx:1.27, or a digest: name@sha256:...'));
        else walk(x, [...parts, k]);
      }
    }
  };
  walk(t.services, ['services']);
  walk(t.pipelines, ['pipelines']);
  return out;
}

/** Every container spec of a service with its pointer (main, root, leaves, worker, map, reduce). */
export function containerSpecs(svc: AnyService, base: string): [ContainerFields, string][] {
  switch (svc.pattern) {
    case 'scatter-gather': return [[svc.root, `${base}/root`], [svc.leaves, `${base}/leaves`]];
    case 'work-queue': return [[svc.worker, `${base}/worker`]];
    case 'batch': return [[svc.map, `${base}/map`], [svc.reduce, `${base}/reduce`]];
    default: return [[svc as ContainerFields, base]];
  }
}

/** The sidecars and adapters of a service: containers too, checked as the main one is (a sidecar
 *  with `port` and `ports`, a health check of two kinds or a limit below its request passed, and
 *  generate dropped the one or wrote a pod the API server refuses). */
function attachedSpecs(svc: SingleNode, base: string): [ContainerFields, string][] {
  return [...sidecarSpecs(svc, base), ...(svc.adapters ?? []).map((a, i): [ContainerFields, string] => [a, `${base}/adapters/${i}`])];
}

const sidecarSpecs = (svc: SingleNode, base: string): [ContainerFields, string][] => (svc.sidecars ?? []).map((s, i) => [s, `${base}/sidecars/${i}`]);

/** The containers whose pattern gives them no port of their own (a worker, a map or reduce step, a
 *  scheduled or queue function, a sidecar; pipeline stages too, checked with the pipeline). */
function portlessSpecs(svc: AnyService, base: string): [ContainerFields, string][] {
  const out = sidecarSpecs(svc as SingleNode, base);
  if (svc.pattern === 'work-queue' || svc.pattern === 'batch') out.push(...containerSpecs(svc, base));
  if (svc.pattern === 'function' && svc.trigger !== undefined && svc.trigger !== 'http') out.push([svc, base]);
  return out;
}

/** A `path` or `tcp` health check probes a port: on a container without one it was dropped without a word. */
function healthNeedsPort(spec: ContainerFields, ptr: string): Check[] {
  const h = spec.health;
  // (two kinds or none is bad-health already)
  if (!h || (h.path === undefined) === !h.tcp || h.exec || h.port !== undefined || spec.port !== undefined || spec.ports?.length) return [];
  return [err('health-needs-port', `health.${h.path !== undefined ? 'path' : 'tcp'} checks a port, and this container has none`, `${ptr}/health`, 'give the container a `port` (or `health.port`), or check with `exec: [...]`')];
}

function containerChecks(spec: ContainerFields, ptr: string, fallback: FallbackRequests): Check[] {
  const out: Check[] = [];
  if (spec.health) {
    const kinds = (['path', 'tcp', 'exec'] as const).filter((k) => spec.health![k] !== undefined);
    if (kinds.length !== 1) out.push(err('bad-health', `health needs exactly one of path, tcp or exec; got ${kinds.length ? kinds.join(' and ') : 'none'}`, `${ptr}/health`, 'e.g. `health: { path: /healthz }`'));
  }
  if (spec.port !== undefined && spec.ports !== undefined) out.push(err('port-and-ports', 'give either `port` or `ports`, not both', `${ptr}/ports`, 'keep `ports` and drop `port` (the first of `ports` is the main port)'));
  if (spec.image && imageProblem(spec.image)) {
    // bad-image says what is wrong with it (imageChecks)
  } else if (spec.image && (!/:[^/]+$/.test(spec.image) && !spec.image.includes('@'))) out.push(warn('image-untagged', `image ${spec.image} has no tag: every pull may fetch something new`, `${ptr}/image`, `pin a version, e.g. ${spec.image}:1.0.0`));
  else if (spec.image && /:latest$/.test(spec.image)) out.push(warn('image-latest', `image ${spec.image} uses the tag latest`, `${ptr}/image`, 'pin a version'));
  const udpMain = spec.ports?.[0]?.protocol === 'UDP' ? spec.ports[0].port : undefined;
  if (udpMain !== undefined && !spec.health) {
    out.push(warn('udp-no-probe', `the main port ${udpMain} is UDP, which a probe (a TCP connection or an HTTP GET) cannot check: the container gets no readiness or liveness probe`, `${ptr}/ports/0`, 'add `health: { exec: [...] }` with a command that checks it, or `health: { tcp: true, port: <a TCP port> }`'));
  } else if (udpMain !== undefined && spec.health?.port === undefined && (spec.health?.path !== undefined || spec.health?.tcp)) {
    out.push(err('health-udp', `health.${spec.health.path !== undefined ? 'path' : 'tcp'} would check the main port ${udpMain} over TCP, and it is UDP: the pod would never be ready`, `${ptr}/health`, 'give `health.port` a TCP port, or check with `exec: [...]`'));
  }
  if (spec.health?.exec && spec.health.port !== undefined) {
    out.push(err('bad-health', 'health.port is for a `path` or `tcp` check; an `exec` check runs a command in the container and uses no port', `${ptr}/health/port`, 'drop health.port'));
  }
  if (spec.health?.status !== undefined && spec.health.path === undefined) {
    out.push(err('bad-health', `health.status is the HTTP status of a \`path\` check, and this one is ${spec.health.tcp ? '`tcp`' : spec.health.exec ? '`exec`' : 'no check'}`, `${ptr}/health/status`, 'drop health.status, or check with `path:`'));
  }
  if (spec.resources) out.push(...resourceChecks(spec.resources, `${ptr}/resources`, fallback));
  return out;
}

/** Docker refuses a container whose memory limit or reservation is below 6 MiB (moby's linuxMinMemory): compose would not start it. */
const DOCKER_MIN_MEMORY = 6 * 1024 * 1024;
function dockerMemoryMinimum(r: NonNullable<ContainerFields['resources']>, ptr: string): Check[] {
  const out: Check[] = [];
  for (const k of ['memory', 'memoryLimit'] as const) {
    const v = r[k];
    if (v !== undefined && parseQuantity(v) > 0 && parseQuantity(v) < DOCKER_MIN_MEMORY) {
      out.push(warn('memory-below-docker-minimum', `${k} ${v} is below 6Mi, the least Docker gives a container: compose cannot start it (and hardly any process starts in less)`, `${ptr}/${k}`, 'give it at least 6Mi, e.g. 32Mi'));
    }
  }
  return out;
}

/** The resources of the proxies ddp runs for a service (TLS layer, cache, router, ambassadors):
 *  a limit below its request, and a varnish memory limit that leaves nothing above its storage. */
/** A varnish's limit checks: a memory limit that leaves no room above the storage says so, not also that it is below the default request. */
function varnishChecks(limits: Check[], memory: Check[]): Check[] {
  const said = new Set(memory.map((c) => c.pointer));
  return [...limits.filter((c) => !said.has(c.pointer)), ...memory];
}

function proxyResourceChecks(svc: AnyService, base: string, fallback: FallbackRequests, services: Record<string, AnyService>): Check[] {
  const out: Check[] = [];
  const r = svc as { tls?: { resources?: Res }; cache?: { memory?: string; resources?: Res }; router?: { kind?: string; resources?: Res }; ambassadors?: { kind?: string; target?: string; resources?: Res }[] };
  // a varnish's requests are its own (src/patterns: its storage plus working memory), not the containers' defaults
  const varnish = (mib: number, what: string): FallbackRequests => {
    const d = varnishResources(mib);
    return { cpu: { value: d.cpu, from: `by ddp's default for ${what}` }, memory: { value: d.memory, from: `by ddp's default for ${what}` } };
  };
  if (svc.pattern === 'replicated') {
    if (r.tls?.resources) out.push(...resourceChecks(r.tls.resources, `${base}/tls/resources`, fallback)); // (the TLS layer starts from the containers' defaults)
    if (r.cache?.resources) {
      const storage = parseQuantity(r.cache.memory ?? '256Mi');
      out.push(...varnishChecks(resourceChecks(r.cache.resources, `${base}/cache/resources`, varnish(varnishCacheMib(storage), 'the cache layer')), varnishMemory(r.cache.resources, storage, `${base}/cache/resources/memoryLimit`, 'cache.memory')));
    }
  }
  if (svc.pattern === 'sharded' && r.router?.resources) {
    const isVarnish = r.router.kind === 'varnish';
    const limits = resourceChecks(r.router.resources, `${base}/router/resources`, isVarnish ? varnish(VARNISH_ROUTER_MALLOC_MIB, 'a varnish router') : fallback);
    out.push(...(isVarnish ? varnishChecks(limits, varnishMemory(r.router.resources, VARNISH_ROUTER_MALLOC_MIB * 1048576, `${base}/router/resources/memoryLimit`, 'its fixed storage')) : limits));
  }
  (r.ambassadors ?? []).forEach((a, i) => {
    if (!a.resources) return;
    // a shard-router ambassador to varnish-routed shards runs varnish: its cpu request is the containers' default, its memory its own
    const target = a.kind === 'shard-router' && a.target !== undefined && Object.prototype.hasOwnProperty.call(services, a.target) ? services[a.target] : undefined;
    const isVarnish = target?.pattern === 'sharded' && target.router?.kind === 'varnish';
    out.push(...resourceChecks(a.resources, `${base}/ambassadors/${i}/resources`, isVarnish ? { cpu: fallback.cpu, memory: varnish(VARNISH_ROUTER_MALLOC_MIB, 'a varnish ambassador').memory } : fallback));
  });
  return out;
}
type Res = NonNullable<ContainerFields['resources']>;

/** varnish keeps its whole storage (`-s malloc,SIZE`) in memory and needs working memory on top:
 *  a limit at or below SIZE gets it killed once the cache fills (DESIGN.md: memory limit above SIZE). */
function varnishMemory(r: Res, storageBytes: number, ptr: string, what: string): Check[] {
  if (r.memoryLimit === undefined || parseQuantity(r.memoryLimit) > storageBytes) return [];
  const mib = Math.round(storageBytes / 1048576);
  return [err('varnish-memory', `memoryLimit ${r.memoryLimit} leaves varnish no memory above its ${mib}Mi storage (${what}): it is killed once the cache fills`, ptr, `raise memoryLimit above ${mib}Mi (ddp's default is ${mib * 2 + 128}Mi), or lower the storage`)];
}

/** A limit below its request: the API server refuses the pod. (For `defaults.resources` too:
 *  there a limit below the request was raised to it without a word.) */
/** Where a container's request comes from when it writes none: defaults.resources, else ddp's own default. */
type FallbackRequests = Partial<Record<'cpu' | 'memory', { value: string | number; from: string }>>;

/** The requests every container (and the TLS layer) gets where it writes none. */
function fallbackRequests(t: Topology): FallbackRequests {
  const d = t.defaults?.resources ?? {};
  const pick = (k: 'cpu' | 'memory') => (d[k] !== undefined ? { value: d[k]!, from: 'from defaults.resources' } : BUILTIN_REQUESTS[k]);
  return { cpu: pick('cpu'), memory: pick('memory') };
}

/** The requests ddp gives a container where neither it nor defaults.resources writes one. */
const BUILTIN_REQUESTS = {
  cpu: { value: BUILTIN_RESOURCES.cpu, from: "by ddp's default" },
  memory: { value: BUILTIN_RESOURCES.memory, from: "by ddp's default" },
};

/**
 * A limit you write below the request the container gets (yours, or the default one): the API
 * server refuses the pod. (A limit left at its default goes up to your request instead.)
 * Without `fallback`, only a request written beside the limit counts: the proxies whose default
 * requests are their own (varnish, the routers, the ambassadors).
 */
function resourceChecks(r: NonNullable<ContainerFields['resources']>, ptr: string, fallback: FallbackRequests = {}): Check[] {
  const out: Check[] = [];
  for (const [request, limit] of [['cpu', 'cpuLimit'], ['memory', 'memoryLimit']] as const) {
    if (r[limit] === undefined) continue;
    const written = r[request];
    const req = written !== undefined ? { value: written, from: '' } : fallback[request];
    if (req === undefined || parseQuantity(r[limit]) >= parseQuantity(req.value)) continue;
    // (`from` names where a request not written beside the limit comes from: no parentheses, which an environment's name may follow)
    const message = req.from ? `${limit} ${r[limit]} is below the ${request} request ${req.value} the container gets ${req.from}` : `${limit} ${r[limit]} is below the ${request} request ${req.value}`;
    out.push(err('limit-below-request', message, `${ptr}/${limit}`, written !== undefined ? `raise ${limit} or lower ${request}` : `raise ${limit}, or write a ${request} request at most ${r[limit]} beside it`));
  }
  out.push(...dockerMemoryMinimum(r, ptr));
  return out;
}

/** A declared volume no container mounts: a typo or a leftover, and a persistent one is still a
 *  PersistentVolumeClaim of its size. (Knative refuses it outright: knative-unmounted-volume.) */
function unusedVolumes(name: string, svc: SingleNode, base: string, mounted: ReadonlySet<string>): Check[] {
  if ((svc as AnyService).pattern === 'function' && (svc as FunctionService).runtime === 'knative') return [];
  return Object.entries(svc.volumes ?? {})
    .filter(([v]) => !mounted.has(v))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([v, spec]) => warn('unused-volume', `no container of ${name} mounts volume \`${v}\`${spec.type === 'persistent' ? `, and it is still a PersistentVolumeClaim of ${spec.size ?? '1Gi'}` : ''}`, `${base}/volumes/${pointer(v).slice(1)}`, `mount it (\`mounts: [{ volume: ${v}, path: /data }]\`), or remove it from \`volumes\``));
}

/** What a `kind: tls` sidecar would silently ignore: ddp writes its command, configuration, mounts and probes. */
const TLS_SIDECAR_UNUSED = ['command', 'args', 'env', 'mounts', 'ports', 'health'] as const;

function singleNodeChecks(name: string, svc: SingleNode, base: string, services: Record<string, AnyService>, has: (n: string) => boolean): Check[] {
  const out: Check[] = [];
  const volumes = new Set(Object.keys(svc.volumes ?? {}));
  const seen = new Map<string, string>();
  const named: [string, string][] = [
    ...(svc.sidecars ?? []).map((s, i) => [s.name, `${base}/sidecars/${i}/name`] as [string, string]),
    ...(svc.ambassadors ?? []).map((s, i) => [s.name, `${base}/ambassadors/${i}/name`] as [string, string]),
    ...(svc.adapters ?? []).map((s, i) => [s.name, `${base}/adapters/${i}/name`] as [string, string]),
  ];
  for (const [n, ptr] of named) {
    if (seen.has(n)) out.push(err('duplicate-name', `two containers in ${name}'s pod are called \`${n}\``, ptr, 'give each sidecar, ambassador and adapter its own name'));
    seen.set(n, ptr);
  }
  const mounts: [string, string][] = [];
  for (const [spec, ptr] of containerSpecs(svc as AnyService, base)) (spec.mounts ?? []).forEach((m, i) => mounts.push([m.volume, `${ptr}/mounts/${i}/volume`]));
  (svc.sidecars ?? []).forEach((s, si) => (s.mounts ?? []).forEach((m, i) => mounts.push([m.volume, `${base}/sidecars/${si}/mounts/${i}/volume`])));
  for (const [v, ptr] of mounts) {
    if (volumes.has(v)) continue;
    // a typo of a declared volume is far likelier than a volume never declared
    const near = didYouMean(v, [...volumes]);
    out.push(err('unknown-volume', `mount of volume \`${v}\`, which ${name} does not declare`, ptr, near ? `did you mean \`${near}\`?` : `declare it: \`volumes: { ${v}: { type: emptyDir } }\``));
  }
  out.push(...unusedVolumes(name, svc, base, new Set(mounts.map(([v]) => v))));
  (svc.sidecars ?? []).forEach((s, i) => {
    const p = `${base}/sidecars/${i}`;
    if (s.kind === 'tls') {
      if (!s.secret) out.push(err('missing-key', 'a `kind: tls` sidecar needs `secret` (the TLS Secret with tls.crt and tls.key)', p, 'add `secret: <name>`'));
      // ddp's nginx, configured by ddp: it takes its name, secret, port, image, resources and native, and nothing else of a container's
      for (const field of TLS_SIDECAR_UNUSED) {
        if (s[field] !== undefined) out.push(err('tls-sidecar-field', `a \`kind: tls\` sidecar runs ddp's nginx, configured by ddp: \`${field}\` is not used`, `${p}/${field}`, `remove \`${field}\`, or make \`${s.name}\` a sidecar of your own image (no \`kind: tls\`)`));
      }
    } else if (!s.image) out.push(err('missing-key', `sidecar \`${s.name}\` needs an \`image\``, p, 'add `image:` (or `kind: tls` for the built-in TLS terminator)'));
  });
  (svc.ambassadors ?? []).forEach((a, i) => {
    const p = `${base}/ambassadors/${i}`;
    if (a.kind === 'shard-router') {
      if (!a.target) out.push(err('missing-key', 'a `shard-router` ambassador needs `target` (a sharded service)', p, 'add `target: <sharded service>`'));
      else if (!has(a.target)) out.push(unknownService(a.target, `${p}/target`, services));
      else if (services[a.target].pattern !== 'sharded') out.push(err('bad-reference', `ambassador \`${a.name}\` routes to \`${a.target}\`, which is ${services[a.target].pattern}, not sharded`, `${p}/target`, 'a shard-router targets a `pattern: sharded` service'));
    }
    if (a.kind === 'split') {
      if (!a.routes) out.push(err('missing-key', 'a `split` ambassador needs `routes` (at least two { to, weight })', p, 'add `routes: [{ to: web, weight: 90 }, { to: web-next, weight: 10 }]`'));
      else {
        a.routes.forEach((r, j) => {
          if (!has(r.to)) out.push(unknownService(r.to, `${p}/routes/${j}/to`, services));
          else {
            const why = notHttpEntry(services[r.to]);
            if (why) out.push(err('bad-reference', `split ambassador \`${a.name}\` sends HTTP requests to \`${r.to}\`, but it is ${why}`, `${p}/routes/${j}/to`, 'route to a replicated, http sharded, scatter-gather or http function service (runtime: deployment)'));
          }
        });
        if (a.key === undefined || a.key === 'client') {
          out.push(warn('split-per-request', `split ambassador \`${a.name}\` has no user key: every request comes from the app at 127.0.0.1, so it keys on the client address the app passes on in X-Forwarded-For, and splits a request without that header on its own (the weights hold; one user may see both routes)`, a.key === undefined ? p : `${p}/key`, 'have the app pass on X-Forwarded-For from the request it serves, or set `key: header:X-User-Id` (or cookie:NAME, query:NAME) to keep each user on one route'));
        }
        const sum = a.routes.reduce((s, r) => s + r.weight, 0);
        if (sum !== 100) out.push(err('bad-weights', `the weights of ambassador \`${a.name}\` add up to ${sum}, not 100`, `${p}/routes`, 'make the route weights add up to 100'));
      }
    }
    if (a.kind === 'proxy' && !a.upstream) out.push(err('missing-key', 'a `proxy` ambassador needs `upstream` (host:port)', p, 'add `upstream: db.example.com:5432`'));
    if (a.kind === 'proxy' && a.upstream) out.push(...proxyUpstreamChecks(a.name, a.upstream, a.listen, a.protocol ?? 'tcp', p));
    // a sharded service's own name is its headless Service: its shards round-robined, its router skipped (and no such name in compose)
    const host = a.kind === 'proxy' && a.upstream ? splitUpstream(a.upstream).host : undefined;
    if (host !== undefined && has(host) && services[host].pattern === 'sharded') {
      out.push(warn('proxy-to-shards', `proxy ambassador \`${a.name}\` connects to \`${host}\`, the headless Service of a sharded service: each connection goes to some shard, past the router (and compose has no such name)`, `${p}/upstream`, `connect to its router, \`${host}-router\`, or use \`kind: shard-router\` with \`target: ${host}\``));
    }
  });
  let scrape: string | undefined;
  (svc.adapters ?? []).forEach((a, i) => {
    const p = `${base}/adapters/${i}`;
    if (a.kind === 'prometheus') {
      if (!a.image) out.push(err('missing-key', `prometheus adapter \`${a.name}\` needs an \`image\` (the exporter for your app)`, p, 'e.g. `image: oliver006/redis_exporter:v1.62.0` for redis'));
      if (scrape !== undefined) out.push(err('duplicate-scrape', `${name} has two prometheus adapters; the prometheus.io annotations name one scrape port`, p, `keep one; \`${scrape}\` comes first`));
      else scrape = a.name;
    }
    if (a.kind === 'logging' && a.path !== undefined && !/^\/[A-Za-z0-9._/-]*$/.test(a.path)) out.push(err('bad-path', `logging path \`${a.path}\` must be a plain directory (letters, digits, ., _, - and /)`, `${p}/path`));
  });
  return out;
}

/** A DNS name: labels of letters, digits and inner `-`, joined by single dots (a trailing dot
 *  is fully qualified); a name of numbers only is an IPv4 address or nothing. */
function isDnsName(host: string): boolean {
  const labels = (host.endsWith('.') ? host.slice(0, -1) : host).split('.');
  return labels.every((l) => /^[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?$/.test(l)) && !labels.every((l) => /^[0-9]+$/.test(l));
}

/** What nginx can never do with a proxy ambassador's upstream (the ambassador listens on 127.0.0.1:<listen>). */
function proxyUpstreamChecks(name: string, upstream: string, listen: number, protocol: 'tcp' | 'http', ptr: string): Check[] {
  const { host, port } = splitUpstream(upstream);
  if (!isIPv4(host) && !isDnsName(host)) {
    return [err('bad-upstream', `upstream host \`${host}\` is neither a DNS name nor an IPv4 address`, `${ptr}/upstream`, 'use a host name such as db.prod.example.com (labels of letters, digits and inner -, joined by single dots) or an address such as 10.0.0.5')];
  }
  if (['localhost', '127.0.0.1'].includes(host.toLowerCase()) && port === listen) {
    return [err('proxy-loop', `proxy ambassador \`${name}\` listens on 127.0.0.1:${listen} and forwards to ${upstream}, that is to itself: every connection would loop through nginx until it runs out of connections`, `${ptr}/upstream`, 'give `upstream` the host and port of what the app should reach (or another `listen`)')];
  }
  if (protocol === 'http' && port === 443) {
    return [warn('proxy-http-to-tls', `proxy ambassador \`${name}\` speaks plain HTTP to ${upstream}, the HTTPS port: a TLS server answers it with an error or closes the connection`, ptr, 'use `protocol: tcp` and let the app speak TLS through it, or an upstream port that serves plain HTTP')];
  }
  return [];
}

function unknownService(ref: string, ptr: string, services: Record<string, AnyService>): Check {
  const names = Object.keys(services).sort();
  const near = names.find((n) => n.startsWith(ref) || ref.startsWith(n));
  return err('unknown-service', `\`${ref}\` is not a service of this topology`, ptr, near ? `did you mean \`${near}\`?` : `services: ${names.join(', ')}`);
}

/** Ports of every container in the main pod: no two may be equal. */
function podPortChecks(svc: AnyService, base: string, services: Record<string, AnyService>): Check[] {
  const out: Check[] = [];
  // a port is taken per protocol: TCP and UDP on one number is a pair Kubernetes allows (DNS on 53)
  const taken = new Map<string, string>();
  const claim = (port: number | undefined, who: string, ptr: string, protocol = 'TCP') => {
    if (port === undefined) return;
    const key = `${port}/${protocol}`;
    const prev = taken.get(key);
    const shown = protocol === 'TCP' ? `port ${port}` : `${protocol} port ${port}`;
    if (prev === who) out.push(err('port-clash', `${shown} is used twice by ${who}`, ptr, 'remove the repeated entry'));
    else if (prev) out.push(err('port-clash', `${shown} is used twice in one pod: by ${prev} and by ${who}`, ptr, 'containers of a pod share one network namespace; give each its own port'));
    else taken.set(key, who);
  };
  // a port's name is its Service port's name too: one name per port in the pod
  const names = new Map<string, string>();
  const claimName = (name: string, who: string, ptr: string) => {
    const prev = names.get(name);
    if (prev) out.push(err('port-name-clash', `port name \`${name}\` is used twice in one pod: ${prev === who ? `twice by ${who}` : `by ${prev} and by ${who}`}`, ptr, 'give each port of a pod its own name'));
    else names.set(name, who);
  };
  podPortClaims(svc, base, services, claim, claimName);
  return out;
}

/** The ports the pod of `svc` (its first pod, where single-node attachments go) listens on: what `ddp add` must not take. */
export function podPorts(svc: AnyService, services: Record<string, AnyService>): Set<number> {
  const ports = new Set<number>();
  podPortClaims(svc, '', services, (p) => void (p !== undefined && ports.add(p)), () => {});
  return ports;
}

/** Every port and port name the pod of `svc` claims, with who claims it and where it is written. */
function podPortClaims(
  svc: AnyService,
  base: string,
  services: Record<string, AnyService>,
  claim: (port: number | undefined, who: string, ptr: string, protocol?: string) => void,
  claimName: (name: string, who: string, ptr: string) => void,
): void {
  const specs = containerSpecs(svc, base);
  if (svc.pattern === 'scatter-gather' || svc.pattern === 'batch' || svc.pattern === 'work-queue') {
    // several pods: single-node attachments join the first listed container's pod
    const [spec, ptr] = specs[0];
    (spec.ports ?? []).forEach((p, i) => claim(p.port, 'the main container', `${ptr}/ports/${i}/port`, p.protocol));
    (spec.ports ?? []).forEach((p, i) => claimName(p.name, 'the main container', `${ptr}/ports/${i}/name`));
    claim(spec.port, 'the main container', `${ptr}/port`);
  } else {
    const spec = svc as ContainerFields;
    claim(spec.port, 'the main container', `${base}/port`);
    (spec.ports ?? []).forEach((p, i) => claim(p.port, 'the main container', `${base}/ports/${i}/port`, p.protocol));
    (spec.ports ?? []).forEach((p, i) => claimName(p.name, 'the main container', `${base}/ports/${i}/name`));
  }
  const sn = svc as SingleNode;
  (sn.sidecars ?? []).forEach((s, i) => {
    claim(s.port ?? (s.kind === 'tls' ? TLS_SIDECAR_PORT : undefined), `sidecar ${s.name}`, `${base}/sidecars/${i}/${s.port !== undefined ? 'port' : 'name'}`);
    (s.ports ?? []).forEach((p, j) => claim(p.port, `sidecar ${s.name}`, `${base}/sidecars/${i}/ports/${j}/port`, p.protocol));
    (s.ports ?? []).forEach((p, j) => claimName(p.name, `sidecar ${s.name}`, `${base}/sidecars/${i}/ports/${j}/name`));
  });
  let twemproxies = 0;
  (sn.ambassadors ?? []).forEach((a, i) => {
    claim(a.listen, `ambassador ${a.name}`, `${base}/ambassadors/${i}/listen`);
    // a shard-router to memcache/redis shards runs twemproxy, whose stats take a port of their own
    const target = a.kind === 'shard-router' && a.target !== undefined && Object.prototype.hasOwnProperty.call(services, a.target) ? services[a.target] : undefined;
    if (target?.pattern === 'sharded' && (target.router?.kind ?? defaultRouterKind(target.protocol ?? 'http')) === 'twemproxy') {
      claim(TWEMPROXY_STATS_PORT + twemproxies++, `the twemproxy stats of ambassador ${a.name}`, `${base}/ambassadors/${i}/name`);
    }
  });
  (sn.adapters ?? []).forEach((a, i) => claim(a.port ?? (a.kind === 'prometheus' ? 9100 : undefined), `adapter ${a.name}`, `${base}/adapters/${i}/${a.port !== undefined ? 'port' : 'name'}`));
  if (sn.election) claim(sn.election.port ?? 4040, 'the leader elector', `${base}/election${sn.election.port !== undefined ? '/port' : ''}`);
}

function referenceChecks(name: string, svc: AnyService, base: string, services: Record<string, AnyService>, has: (n: string) => boolean): Check[] {
  const out: Check[] = [];
  if (svc.pattern === 'function') {
    if (svc.decorates !== undefined) {
      if (svc.decorates === name) out.push(err('bad-reference', `function \`${name}\` cannot decorate itself`, `${base}/decorates`));
      else if (!has(svc.decorates)) out.push(unknownService(svc.decorates, `${base}/decorates`, services));
    }
    const trig = svc.trigger;
    if (trig && typeof trig === 'object' && 'queue' in trig) {
      if (!has(trig.queue)) out.push(unknownService(trig.queue, `${base}/trigger/queue`, services));
      else if (services[trig.queue].pattern !== 'work-queue') out.push(err('bad-reference', `trigger.queue \`${trig.queue}\` is ${services[trig.queue].pattern}, not a work-queue`, `${base}/trigger/queue`, 'point trigger.queue at a `pattern: work-queue` service'));
    }
    if (svc.scale?.min === 0 && svc.runtime !== 'knative') out.push(err('scale-to-zero', 'scale.min 0 needs `runtime: knative`: a Deployment with an HPA cannot scale to zero', `${base}/scale/min`, 'set `runtime: knative`, or raise scale.min to 1'));
    if (svc.scale?.min !== undefined && svc.scale.max !== undefined && svc.scale.min > svc.scale.max) out.push(err('bad-range', `scale.min ${svc.scale.min} is above scale.max ${svc.scale.max}`, `${base}/scale`));
  }
  if ((svc.pattern === 'replicated' || svc.pattern === 'work-queue') && svc.autoscale) {
    const a = svc.autoscale;
    if (a.min !== undefined && a.min > a.max) out.push(err('bad-range', `autoscale.min ${a.min} is above autoscale.max ${a.max}`, `${base}/autoscale`));
    // without autoscale.min, replicas is the autoscaler's minimum
    else if (a.min === undefined && svc.pattern === 'replicated' && svc.replicas !== undefined && svc.replicas > a.max) {
      out.push(err('bad-range', `replicas ${svc.replicas} (the autoscaler's minimum, as autoscale.min is not given) is above autoscale.max ${a.max}`, `${base}/replicas`, 'lower replicas, or give autoscale.min'));
    }
  }
  if (svc.pattern === 'work-queue' && svc.broker && typeof svc.broker === 'object') out.push(...brokerUrlChecks(svc.broker.url, `${base}/broker/url`));
  if (svc.pattern === 'sharded' && svc.key !== undefined && (svc.protocol ?? 'http') !== 'http') out.push(err('key-needs-http', `key applies to http sharding only; ${svc.protocol} shards by ${svc.protocol === 'tcp' ? 'the client address' : `the ${svc.protocol} key`}`, `${base}/key`, 'remove `key`'));
  if (svc.pattern === 'sharded' && svc.router?.kind) {
    const proto = svc.protocol ?? 'http';
    const ok = proto === 'http' ? ['nginx', 'varnish'] : proto === 'tcp' ? ['nginx'] : ['twemproxy'];
    if (!ok.includes(svc.router.kind)) out.push(err('bad-router', `router.kind ${svc.router.kind} cannot route ${proto}`, `${base}/router/kind`, `use ${ok.join(' or ')}`));
  }
  if (svc.pattern === 'replicated') out.push(...tlsIngressChecks(name, svc, base));
  if (svc.pattern === 'sharded') out.push(...shardedChecks(name, svc, base));
  if (svc.pattern === 'function') out.push(...functionChecks(name, svc, base, services, has));
  return out;
}

/** The main port (the first of `ports`) when it is UDP. */
const udpMainPort = (spec: ContainerFields | undefined): number | undefined => (spec?.ports?.[0]?.protocol === 'UDP' ? spec.ports[0].port : undefined);

/** Where HTTP enters a service at its main container's port: that container, and what sends it there. */
function entryAtMainPort(svc: AnyService, base: string): { spec: ContainerFields; ptr: string; front?: string } | undefined {
  switch (svc.pattern) {
    case 'replicated':
      return { spec: svc, ptr: base, front: svc.cache ? 'the varnish cache layer' : svc.tls ? 'the nginx TLS layer' : svc.expose ? 'the Ingress' : undefined };
    case 'sharded':
      return { spec: svc, ptr: base, front: 'the router' };
    case 'function':
      return { spec: svc, ptr: base, front: svc.expose ? 'the Ingress' : undefined };
    case 'scatter-gather':
      return { spec: svc.root, ptr: `${base}/root`, front: svc.expose ? 'the Ingress' : undefined };
    default:
      return undefined;
  }
}

/** varnish, nginx and twemproxy connect to a main port over TCP: a UDP one never answers (every request fails). */
function udpMainPortChecks(name: string, svc: AnyService, base: string, services: Record<string, AnyService>): Check[] {
  const out: Check[] = [];
  const hint = 'put a TCP port first in `ports` (the first of them is the main port)';
  const fails = (who: string, port: number, target = name) => `${who} connects to ${target === name ? 'its main port' : `the main port`} ${port}${target === name ? '' : ` of \`${target}\``} over TCP, and it is UDP: no request would reach ${target}`;
  const entry = entryAtMainPort(svc, base);
  const port = udpMainPort(entry?.spec);
  if (entry?.front && port !== undefined) out.push(err('udp-main-port', fails(`${entry.front} of \`${name}\``, port), `${entry.ptr}/ports/0`, hint));
  const main = udpMainPort(containerSpecs(svc, base)[0]?.[0]);
  const sn = svc as SingleNode;
  (sn.sidecars ?? []).forEach((s, i) => {
    if (s.kind === 'tls' && main !== undefined) out.push(err('udp-main-port', fails(`the TLS sidecar \`${s.name}\` of \`${name}\``, main), `${base}/sidecars/${i}`, hint));
  });
  (sn.ambassadors ?? []).forEach((a, i) => {
    if (a.kind !== 'split') return;
    (a.routes ?? []).forEach((r, j) => {
      const to = Object.prototype.hasOwnProperty.call(services, r.to) ? services[r.to] : undefined;
      // a replicated service with a cache layer is entered at varnish's port (its own check says the rest)
      const target = to && !(to.pattern === 'replicated' && to.cache) && to.pattern !== 'sharded' ? entryAtMainPort(to, '') : undefined;
      const p = udpMainPort(target?.spec);
      if (p !== undefined) out.push(err('udp-main-port', fails(`the split ambassador \`${a.name}\` of \`${name}\``, p, r.to), `${base}/ambassadors/${i}/routes/${j}/to`, hint));
    });
  });
  return out;
}

/** ClientIP affinity keys on the address the Service sees: behind a layer ddp runs, that layer's pods'. */
function affinityChecks(name: string, svc: AnyService, base: string, services: Record<string, AnyService>): Check[] {
  if (svc.pattern !== 'replicated' || svc.sessionAffinity !== 'client-ip') return [];
  const decorator = Object.keys(services).sort().find((n) => { const f = services[n]; return f.pattern === 'function' && f.decorates === name; });
  const layer = svc.cache ? 'its varnish cache layer' : decorator !== undefined ? `its decorator function \`${decorator}\`` : svc.tls ? 'its nginx TLS layer' : undefined;
  if (!layer) return [];
  return [
    warn(
      'affinity-behind-proxy',
      `sessionAffinity client-ip keeps each address the Service sees on one replica, and every request reaches ${name} from a pod of ${layer}: each of those pods, not each client, keeps to one replica`,
      `${base}/sessionAffinity`,
      'drop sessionAffinity, or keep a user on one replica by a key the layers pass on (a cookie or a header the app reads)',
    ),
  ];
}

/** An idle timeout ddp writes into nginx and varnish: from 1s to 24h, where some proxy of ddp's reads it. */
function idleTimeoutChecks(name: string, svc: AnyService, base: string, splitRouted: ReadonlySet<string>): Check[] {
  const out: Check[] = [];
  const sn = svc as SingleNode;
  if (sn.idleTimeout !== undefined) {
    out.push(...idleTimeoutRange(sn.idleTimeout, `${base}/idleTimeout`));
    if (!proxiedByDdp(name, svc, splitRouted)) {
      out.push(warn('unused-idle-timeout', `idleTimeout of ${name} sets nothing: no proxy ddp runs stands in front of it (a TLS or cache layer, an http or tcp router, a TLS sidecar, a split ambassador's route)`, `${base}/idleTimeout`, `remove it: a connection that reaches ${name} directly is for ${name} itself to time out`));
    }
  }
  (sn.ambassadors ?? []).forEach((a, i) => {
    if (a.idleTimeout === undefined) return;
    const ptr = `${base}/ambassadors/${i}/idleTimeout`;
    if (a.kind === 'proxy') out.push(...idleTimeoutRange(a.idleTimeout, ptr));
    else if (a.kind === 'split') {
      const to = [...new Set((a.routes ?? []).map((r) => `\`${r.to}\``))].join(', ');
      out.push(err('ambassador-field', `a \`split\` ambassador takes the idleTimeout of the services it routes to (the longest of them): its own \`idleTimeout\` is not used`, ptr, `remove it, and set \`idleTimeout\` on ${to || 'the services it routes to'}`));
    } else {
      out.push(err('ambassador-field', `a \`shard-router\` ambassador runs the router of \`${a.target}\` and takes its idleTimeout: its own \`idleTimeout\` is not used`, ptr, `remove it, and set \`idleTimeout\` on \`${a.target}\``));
    }
  });
  return out;
}

function idleTimeoutRange(value: string, ptr: string): Check[] {
  const ms = durationMs(value);
  if (ms < MIN_IDLE_TIMEOUT_MS) return [err('out-of-range', `${dotted(ptr)} must be at least 1s; got ${value}`, ptr, 'shorter, a long-lived connection would close between a message and its answer')];
  if (ms > MAX_IDLE_TIMEOUT_MS) {
    return [err('out-of-range', `${dotted(ptr)} must be at most 24h; got ${value}`, ptr, 'a client silent for longer keeps its connection with a ping (a WebSocket ping frame, an event-stream comment line); a longer timeout keeps the connections of clients long gone')];
  }
  return [];
}

/** Whether a proxy ddp runs stands in front of a service, and takes its idleTimeout (src/patterns/idle-timeout.ts). */
function proxiedByDdp(name: string, svc: AnyService, splitRouted: ReadonlySet<string>): boolean {
  if (((svc as SingleNode).sidecars ?? []).some((s) => s.kind === 'tls')) return true;
  if (svc.pattern === 'replicated' && (svc.cache || svc.tls)) return true;
  // nginx (http or tcp) or varnish; twemproxy keeps an idle client connection for ever
  if (svc.pattern === 'sharded' && (svc.router?.kind ?? defaultRouterKind(svc.protocol ?? 'http')) !== 'twemproxy') return true;
  return splitRouted.has(name);
}

/** The services some split ambassador routes to (once per topology: a scan per service is quadratic). */
function splitRouteTargets(services: Record<string, AnyService>): Set<string> {
  const out = new Set<string>();
  for (const s of Object.values(services)) for (const a of (s as SingleNode).ambassadors ?? []) if (a.kind === 'split') for (const r of a.routes ?? []) out.add(r.to);
  return out;
}

/** Sharded services: what the schema cannot say about storage, expose and the router's hash. */
const REDIS_NO_STORAGE = "redis writes its snapshots (dump.rdb) and append-only file into its working directory, /data, which ddp's non-root containers cannot write (read-only in Kubernetes; in compose the image's own volume, owned by its redis user): the first save fails, and from then on redis refuses every write (MISCONF)";

/** The official redis image (`redis:7.4`, `docker.io/library/redis`, a mirror of it), whose working directory is /data. */
function isRedisImage(image: string): boolean {
  const name = image.split('@')[0].replace(/:[^/]*$/, ''); // without digest and tag
  const parts = name.split('/');
  const path = parts.length > 1 && /[.:]|^localhost$/.test(parts[0]) ? parts.slice(1) : parts; // without the registry
  return path.join('/') === 'redis' || path.join('/') === 'library/redis';
}

/** A redis container whose snapshots or append-only file would go to a /data no volume is mounted at. */
function snapshotsNowhere(spec: { command?: string[]; args?: string[]; mounts?: { path: string }[] }): boolean {
  const words = [...(spec.command ?? []), ...(spec.args ?? [])];
  const says = (flag: string) => words.some((a) => a === flag || a.startsWith(`${flag}=`));
  const appendOnly = words.some((a, i) => a === '--appendonly' && words[i + 1] === 'yes');
  if ((spec.mounts ?? []).some((m) => cleanPath(m.path) === '/data') || says('--dir')) return false;
  return !says('--save') || appendOnly;
}

function shardedChecks(name: string, svc: Sharded, base: string): Check[] {
  const out: Check[] = [];
  const proto = svc.protocol ?? 'http';
  const twemproxy = svc.router?.kind ? svc.router.kind === 'twemproxy' : proto === 'memcache' || proto === 'redis';
  // redis snapshots into its working directory by default; with no volume there, the read-only
  // root refuses the first save, and redis then refuses every write (MISCONF)
  if (proto === 'redis' && !svc.storage && snapshotsNowhere(svc)) {
    out.push(warn('redis-no-storage', REDIS_NO_STORAGE, `${base}/protocol`, "give the shards `storage` (a volume at /data), or turn snapshots off: `args: ['--save', '']`"));
  }
  // hot redis or memcache shards are independent servers behind one Service: nothing copies a write
  if ((proto === 'redis' || proto === 'memcache') && (svc.replicasPerShard ?? 1) > 1) {
    const n = svc.replicasPerShard;
    const message = proto === 'redis'
      ? `each shard of ${name} is ${n} independent redis servers behind one Service: a write lands on one of them and a read may ask another (ddp sets up no replication between them)`
      : `each shard of ${name} is ${n} independent memcached servers behind one Service: a set or delete reaches one of them, and the others keep serving what they hold until it expires`;
    out.push(warn('hot-shards-diverge', message, `${base}/replicasPerShard`, proto === 'redis' ? 'keep `replicasPerShard: 1` for redis (more shards spread the load), or run a replicated redis yourself' : 'keep `replicasPerShard: 1` unless your app tolerates stale values (more shards spread the load)'));
  }
  if (svc.storage && (svc.replicasPerShard ?? 1) > 1) {
    out.push(err('storage-hot-shards', `storage gives each shard one ReadWriteOnce claim, which the ${svc.replicasPerShard} replicas of a hot shard cannot share`, `${base}/storage`, 'remove `storage`, or set `replicasPerShard: 1`'));
  }
  if (svc.storage && svc.volumes && Object.prototype.hasOwnProperty.call(svc.volumes, 'data')) {
    out.push(err('name-collision', `storage is ${name}'s volume \`data\`, which \`volumes\` declares too`, `${base}/volumes/data`, 'rename the declared volume'));
  }
  if (svc.expose && proto !== 'http') out.push(err('expose-needs-http', `expose makes an HTTP Ingress, but ${name} speaks ${proto}`, `${base}/expose`, 'remove `expose`'));
  if (svc.router?.hash !== undefined && !twemproxy) {
    out.push(err('hash-needs-twemproxy', `router.hash picks twemproxy's hash function, but ${name}'s router is ${svc.router.kind ?? 'nginx'}`, `${base}/router/hash`, 'remove `router.hash`: nginx and varnish hash the key themselves'));
  }
  // measured with nutcracker 0.5 and real memcached (README, "sharded")
  if (twemproxy && svc.router?.port === TWEMPROXY_STATS_PORT) {
    out.push(err('port-clash', `router.port ${TWEMPROXY_STATS_PORT} is the port twemproxy serves its stats on: it would fail to bind and restart for ever`, `${base}/router/port`, `use another port, e.g. ${svc.protocol === 'redis' ? 6379 : 11211}`));
  }
  if (twemproxy && svc.router?.hash === 'crc32') {
    out.push(warn('weak-hash', 'twemproxy 0.5 with hash crc32 and ketama put every one of 1,000 test keys on one shard', `${base}/router/hash`, 'use the default `murmur` (or md5)'));
  }
  if (twemproxy && svc.router?.hash === 'fnv1a_64') {
    out.push(warn('weak-hash', 'twemproxy 0.5 with hash fnv1a_64 and ketama spreads short keys badly: in ddp\'s tests 200 sequential keys over 3 shards all landed on one', `${base}/router/hash`, 'use the default `murmur` (or md5)'));
  }
  return out;
}

/** Functions: trigger, runtime, scale, expose and decorates must fit together. */
function functionChecks(name: string, svc: FunctionService, base: string, services: Record<string, AnyService>, has: (n: string) => boolean): Check[] {
  const out: Check[] = [];
  const t = svc.trigger;
  const trigger = t && typeof t === 'object' ? ('schedule' in t ? 'schedule' : 'queue') : 'http';
  const knative = svc.runtime === 'knative';
  if (trigger !== 'http') {
    const what = trigger === 'schedule' ? 'a scheduled function runs as a CronJob' : 'a queue-triggered function consumes its queue';
    if (knative) out.push(err('knative-needs-http', `runtime knative serves HTTP requests; ${what}`, `${base}/runtime`, 'remove `runtime: knative`, or use `trigger: http`'));
    if (svc.expose) out.push(err('expose-needs-http', `expose routes HTTP requests to ${name}, but ${what} and takes none`, `${base}/expose`, 'remove `expose`, or use `trigger: http`'));
    if (svc.decorates !== undefined) out.push(err('decorator-needs-http', `a decorator takes the requests of the service it fronts, but ${what}`, `${base}/decorates`, 'use `trigger: http`'));
  }
  const schedule = trigger === 'schedule' ? (t as { schedule: string }).schedule : undefined;
  const cronWhy = schedule !== undefined ? cronProblem(schedule) : undefined;
  if (cronWhy) out.push(err('bad-schedule', `schedule "${schedule}" is not one Kubernetes takes: ${cronWhy}`, `${base}/trigger/schedule`, 'five fields: minute (0-59) hour (0-23) day-of-month (1-31) month (1-12, JAN-DEC) day-of-week (0-6, SUN-SAT), e.g. "30 2 * * *"'));
  if (trigger === 'schedule' && svc.scale) out.push(err('scale-not-scheduled', 'a scheduled function runs one Job per schedule: `scale` does not apply', `${base}/scale`, 'remove `scale`'));
  if (knative) {
    if (svc.expose) out.push(err('knative-expose', `a Knative Service is reached through Knative's own ingress (${name}.<namespace>.<domain>), not an Ingress`, `${base}/expose`, 'remove `expose` (map a domain with a Knative DomainMapping), or use `runtime: deployment`'));
    out.push(...knativeChecks(svc, base));
  }
  const target = svc.decorates !== undefined && svc.decorates !== name && has(svc.decorates) ? services[svc.decorates] : undefined;
  if (target) {
    // a Knative target has an error of its own, with its own way out
    const onKnative = target.pattern === 'function' && target.runtime === 'knative' && (target.trigger ?? 'http') === 'http';
    const why = onKnative ? undefined : notHttpEntry(target);
    if (why) out.push(err('bad-reference', `\`decorates\` fronts an HTTP service, but \`${svc.decorates}\` is ${why}`, `${base}/decorates`, 'decorate a replicated, http sharded, scatter-gather or http function service'));
    else if (onKnative) {
      out.push(err('knative-decorated', `\`${svc.decorates}\` runs on Knative, which only its own ingress reaches: a decorator cannot sit in front of it`, `${base}/decorates`, `give \`${svc.decorates}\` \`runtime: deployment\``));
    } else if (knative && ('expose' in target && target.expose || (target.pattern === 'replicated' && target.tls))) {
      out.push(err('knative-decorator', `the ${target.pattern === 'replicated' && target.tls ? 'TLS layer' : 'Ingress'} of \`${svc.decorates}\` must send its traffic through ${name}, but a Knative Service is reached only through Knative's ingress`, `${base}/runtime`, 'use `runtime: deployment` for a decorator in front of an exposed service'));
    }
  }
  return out;
}

/** Why in-cluster HTTP requests (a decorator's, a split route's) cannot go to `target`, or undefined. */
function notHttpEntry(target: AnyService): string | undefined {
  switch (target.pattern) {
    case 'replicated':
    case 'scatter-gather':
      return undefined;
    case 'sharded':
      return (target.protocol ?? 'http') === 'http' ? undefined : `a ${target.protocol} sharded service`;
    case 'function':
      if ((target.trigger ?? 'http') !== 'http') return 'a function without an http trigger';
      return target.runtime === 'knative' ? "a Knative function, which only Knative's own ingress reaches" : undefined;
    default:
      return `a ${target.pattern}`;
  }
}

/** A service's front routes through one decorator: two functions may not decorate the same service. */
function decoratorChecks(services: Record<string, AnyService>): Check[] {
  const out: Check[] = [];
  const first = new Map<string, string>();
  for (const name of Object.keys(services).sort()) {
    const svc = services[name];
    if (svc.pattern !== 'function' || svc.decorates === undefined) continue;
    const prev = first.get(svc.decorates);
    if (prev === undefined) first.set(svc.decorates, name);
    else out.push(err('duplicate-decorator', `\`${svc.decorates}\` is decorated by both \`${prev}\` and \`${name}\`; its front routes through one function`, pointer('services', name, 'decorates'), 'one function decorates a service: merge the two, or remove `decorates` from one of them'));
  }
  return out;
}

/** An outside broker's URL must name a host (workers connect to it, KEDA scales on it). */
function brokerUrlChecks(url: string, ptr: string): Check[] {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    /* reported below */
  }
  if (!parsed?.hostname) return [err('bad-url', `broker url ${url} is not a URL with a host`, ptr, 'e.g. `url: redis://queue.example.com:6379/0`')];
  // the URL is written as it is into DDP_BROKER_URL: in the Deployments and in the compose file
  if (parsed.password) {
    return [warn('secret-in-url', 'the broker url holds a password, which ddp writes in plain text into DDP_BROKER_URL of every Deployment and of the compose file (ddp never writes a secret value otherwise)', ptr, 'leave the password out of the url and give it to the containers from a Secret: `env: { BROKER_PASSWORD: { secret: broker, key: password } }`')];
  }
  return [];
}

const ARITY: Record<string, { inMin: number; inMax: number; outMin: number; outMax: number }> = {
  copier: { inMin: 1, inMax: 1, outMin: 2, outMax: Infinity },
  filter: { inMin: 1, inMax: 1, outMin: 0, outMax: 1 },
  splitter: { inMin: 1, inMax: 1, outMin: 2, outMax: Infinity },
  sharder: { inMin: 1, inMax: 1, outMin: 0, outMax: Infinity },
  merger: { inMin: 2, inMax: Infinity, outMin: 0, outMax: 1 },
};

/** The topics a stage reads and writes (sharder outputs are `<stage>-<i>`). */
export function stageTopics(name: string, s: Pipeline['stages'][string]): { inputs: string[]; outputs: string[] } {
  const inputs = s.inputs ?? (s.input !== undefined ? [s.input] : []);
  const outputs = s.kind === 'sharder' ? Array.from({ length: s.shards ?? 2 }, (_, i) => `${name}-${i}`) : s.outputs ?? [];
  return { inputs, outputs };
}

function pipelineChecks(name: string, p: Pipeline, base: string, fallback: FallbackRequests): Check[] {
  const out: Check[] = [];
  const producers = new Map<string, string>();
  for (const src of p.sources ?? []) producers.set(src, 'a source');
  if (p.broker && typeof p.broker === 'object') out.push(...brokerUrlChecks(p.broker.url, `${base}/broker/url`));
  const stages = Object.entries(p.stages).sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [sname, s] of stages) {
    const ptr = `${base}/stages/${sname}`;
    if (s.input !== undefined && s.inputs !== undefined) out.push(err('input-and-inputs', `stage \`${sname}\` gives both input and inputs`, `${ptr}/inputs`, 'use `input` for one topic, `inputs` for several'));
    if (s.kind === 'sharder' && s.shards === undefined) out.push(err('missing-key', `sharder stage \`${sname}\` needs \`shards\` (2 or more)`, ptr, 'add `shards: 3`; its outputs are named <stage>-0, <stage>-1, ...'));
    if (s.kind === 'sharder' && s.outputs !== undefined) out.push(err('sharder-outputs', `sharder stage \`${sname}\` names its outputs itself (${sname}-0 ... ${sname}-${(s.shards ?? 2) - 1})`, `${ptr}/outputs`, 'remove `outputs`'));
    if (s.kind !== 'sharder' && s.shards !== undefined) out.push(err('shards-not-sharder', `only sharder stages take \`shards\`; \`${sname}\` is a ${s.kind}`, `${ptr}/shards`));
    out.push(...containerChecks(s, ptr, fallback), ...healthNeedsPort(s, ptr));
    userLowPorts(s, ptr, out);
    if (sname === 'broker' && typeof p.broker !== 'object') out.push(err('name-collision', `stage \`broker\` of pipeline \`${name}\` would be the Deployment ${name}-broker, the name of the pipeline's broker`, ptr, 'rename the stage'));
    (s.mounts ?? []).forEach((m, i) => out.push(err('unknown-volume', `stage \`${sname}\` mounts volume \`${m.volume}\`, but pipeline stages have no volumes`, `${ptr}/mounts/${i}/volume`, 'remove `mounts`: stages exchange data through their topics')));
    const { inputs, outputs } = stageTopics(sname, s);
    // a merger of [in, in] reads one topic twice: a merger of one input, each message read twice
    inputs.forEach((t, i) => {
      if (inputs.indexOf(t) !== i) out.push(err('duplicate-input', `stage \`${sname}\` reads topic \`${t}\` twice`, `${ptr}/inputs/${i}`, 'name each input topic once'));
    });
    const a = ARITY[s.kind];
    if (inputs.length < a.inMin || inputs.length > a.inMax) out.push(err('stage-arity', `${s.kind} stage \`${sname}\` reads ${inputs.length} topic${inputs.length === 1 ? '' : 's'}; a ${s.kind} reads ${arity(a.inMin, a.inMax)}`, ptr, s.kind === 'merger' ? 'give `inputs: [a, b]`' : 'give `input: <topic>`'));
    if (s.kind !== 'sharder' && (outputs.length < a.outMin || outputs.length > a.outMax)) out.push(err('stage-arity', `${s.kind} stage \`${sname}\` writes ${outputs.length} topic${outputs.length === 1 ? '' : 's'}; a ${s.kind} writes ${arity(a.outMin, a.outMax)}`, `${ptr}`, 'adjust `outputs`'));
    for (const o of outputs) {
      if (producers.has(o)) out.push(err('topic-twice', `topic \`${o}\` is written by both ${producers.get(o)} and stage \`${sname}\``, `${ptr}/outputs`, 'give each topic one producer'));
      else producers.set(o, `stage \`${sname}\``);
    }
  }
  for (const [sname, s] of stages) {
    const { inputs } = stageTopics(sname, s);
    inputs.forEach((t, i) => {
      if (!producers.has(t)) out.push(err('unknown-topic', `stage \`${sname}\` reads topic \`${t}\`, which no source or stage produces`, `${base}/stages/${sname}/${s.inputs ? `inputs/${i}` : 'input'}`, `add it to \`sources\`, or to some stage's outputs`));
    });
  }
  // cycles: stage → stages reading its outputs
  const readers = new Map<string, string[]>();
  for (const [sname, s] of stages) for (const t of stageTopics(sname, s).inputs) readers.set(t, [...(readers.get(t) ?? []), sname]);
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (sname: string): string[] | undefined => {
    if (state.get(sname) === 2) return undefined;
    if (state.get(sname) === 1) return [...stack.slice(stack.indexOf(sname)), sname];
    state.set(sname, 1);
    stack.push(sname);
    for (const t of stageTopics(sname, p.stages[sname]).outputs) for (const r of readers.get(t) ?? []) {
      const c = visit(r);
      if (c) return c;
    }
    stack.pop();
    state.set(sname, 2);
    return undefined;
  };
  for (const [sname] of stages) {
    const cycle = visit(sname);
    if (cycle) {
      out.push(err('pipeline-cycle', `pipeline \`${name}\` has a cycle: ${cycle.join(' → ')}`, `${base}/stages/${cycle[0]}`, 'a pipeline is a directed acyclic graph; break the loop'));
      break;
    }
  }
  return out;
}

const arity = (min: number, max: number) => (min === max ? `exactly ${min}` : max === Infinity ? `at least ${min}` : min === 0 ? `at most ${max}` : `${min} to ${max}`);
