// Building blocks shared by every pattern: containers with the house security settings,
// probes (readiness from `health`, a liveness that is never identical), env, resources.
import type { AccessMode, Container, Env, Port, Probe, Resources, Mount, Volume, Pod, Origin } from '../model.js';
import type { ContainerFields, Env as EnvSpec } from '../generated/topology.js';
import type { Context } from './context.js';
import { parseQuantity } from '../quantity.js';
import { kubeletRequestTarget } from './probe-path.js';

export interface ContainerOptions {
  name: string;
  role?: Container['role'];
  /** where the spec is written (`/services/web`, `/services/vc/map`, `/services/web/sidecars/0`): its mounts are `<pointer>/mounts/<i>` */
  pointer: string;
  /** the container's own origin: yours (a sidecar), or what ddp calls it (the main container, whose name ddp chooses) */
  origin: Origin;
  /** default main port when the spec has none */
  defaultPort?: number;
  /** extra env (ddp-provided: DDP_*), merged under the user's */
  env?: Record<string, string | Omit<Env, 'name'>>;
  /** no probes (batch and worker containers that serve nothing) */
  noProbes?: boolean;
}

/** The main port of a container spec: `port`, else the first of `ports`. */
export function mainPort(spec: ContainerFields): number | undefined {
  return spec.port ?? spec.ports?.[0]?.port;
}

/** The path a varnish backend probe may ask: varnish probes the backend's own port, so a
 *  health check on another port (`health.port`) cannot be one -- it would fail every probe and
 *  varnish would answer 503 for a healthy backend. Readiness in Kubernetes still checks it. */
export function varnishProbePath(health: ContainerFields['health'], backendPort: number): string | undefined {
  if (!health?.path || (health.port !== undefined && health.port !== backendPort)) return undefined;
  // varnish writes `.url` into the request line as it is: it must be the request target the
  // kubelet sends (a space or a quote would be refused with 400, `%20` escaped again would ask
  // another path: every probe fails while the readiness probe passes, and varnish answers 503)
  if (/\p{Cs}/u.test(health.path)) return undefined; // a lone surrogate: no URL at all
  return kubeletRequestTarget(health.path);
}

/** What a varnish probe of the health path counts as healthy (`.expected_response`), when not its
 *  default 200: varnish takes that one status only, where the kubelet takes any 2xx or 3xx, so a
 *  health path answering 204 left every backend sick and the cache answered 503 to everything. */
export function varnishProbeStatus(health: ContainerFields['health']): number | undefined {
  return health?.status !== undefined && health.status !== 200 ? health.status : undefined;
}

export function portsOf(spec: ContainerFields): Port[] {
  if (spec.ports) return spec.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol ?? 'TCP' }));
  if (spec.port !== undefined) return [{ name: 'main', port: spec.port, protocol: 'TCP' }];
  return [];
}

export function resourcesOf(ctx: Context, r?: Partial<Record<keyof Resources, string | number>>): Resources {
  const merged: Resources = { ...ctx.defaults.resources };
  for (const k of ['cpu', 'memory', 'cpuLimit', 'memoryLimit'] as const) if (r?.[k] !== undefined) merged[k] = String(r[k]);
  // a limit below its request is invalid in Kubernetes: raise a defaulted limit to the request
  if (parseQuantity(merged.cpuLimit) < parseQuantity(merged.cpu) && r?.cpuLimit === undefined) merged.cpuLimit = merged.cpu;
  if (parseQuantity(merged.memoryLimit) < parseQuantity(merged.memory) && r?.memoryLimit === undefined) merged.memoryLimit = merged.memory;
  return merged;
}

/** `defaults` with the resources you write over them (a proxy whose defaults are its own, not `defaults.resources`). */
export function withYours(defaults: Resources, r?: Partial<Record<keyof Resources, string | number>>): Resources {
  const out = { ...defaults };
  for (const k of ['cpu', 'memory', 'cpuLimit', 'memoryLimit'] as const) if (r?.[k] !== undefined) out[k] = String(r[k]);
  return out;
}

export function envOf(spec: EnvSpec | undefined, extra: ContainerOptions['env'] = {}): Env[] {
  const out = new Map<string, Env>();
  for (const [name, v] of Object.entries(extra)) out.set(name, typeof v === 'string' ? { name, value: v } : { name, ...v });
  for (const [name, v] of Object.entries(spec ?? {})) {
    if (typeof v === 'string') out.set(name, { name, value: v });
    else if ('secret' in v) out.set(name, { name, secret: { name: v.secret, key: v.key } });
    else out.set(name, { name, configMap: { name: v.configMap, key: v.key } });
  }
  return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function readinessOf(spec: ContainerFields, port: number | undefined): Probe | undefined {
  const h = spec.health;
  const base = { initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 };
  if (h?.exec) return { ...base, exec: h.exec };
  const p = h?.port ?? port;
  if (p === undefined) return undefined;
  if (h?.path) return { ...base, http: { path: h.path, port: p } };
  return { ...base, tcp: { port: p } };
}

/** Liveness is derived from readiness and never identical to it: a TCP check (or the exec
 *  command) with a longer period and a higher failure threshold, so a slow dependency makes a
 *  pod unready long before it gets restarted. */
export function livenessOf(readiness: Probe | undefined): Probe | undefined {
  if (!readiness) return undefined;
  const base = { initialDelaySeconds: 15, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 };
  if (readiness.exec) return { ...base, exec: readiness.exec };
  const port = readiness.http?.port ?? readiness.tcp?.port;
  return { ...base, tcp: { port: port! } };
}

/** The mounts of a container spec written at `pointer`. */
export function mountsOf(spec: ContainerFields, pointer: string): Mount[] {
  return (spec.mounts ?? []).map((m, i) => ({ volume: m.volume, path: m.path, readOnly: m.readOnly ?? false, origin: { yours: `${pointer}/mounts/${i}` } }));
}

/** A container from a topology container spec (image, command, args, port(s), env, resources, health, mounts). */
export function containerFrom(ctx: Context, spec: ContainerFields, opts: ContainerOptions): Container {
  const ports = portsOf(spec);
  if (ports.length === 0 && opts.defaultPort !== undefined) ports.push({ name: 'main', port: opts.defaultPort, protocol: 'TCP' });
  // a probe is a TCP connection or an HTTP GET: a UDP main port has none to give (validate says so)
  const readiness = opts.noProbes ? undefined : readinessOf(spec, ports[0]?.protocol === 'UDP' ? undefined : ports[0]?.port);
  return {
    name: opts.name,
    image: spec.image!,
    imagePullPolicy: spec.imagePullPolicy ?? ctx.defaults.imagePullPolicy,
    ...(spec.command ? { command: spec.command } : {}),
    ...(spec.args ? { args: spec.args } : {}),
    ports,
    env: envOf(spec.env, opts.env),
    resources: resourcesOf(ctx, spec.resources),
    ...(readiness ? { readiness, liveness: livenessOf(readiness) } : {}),
    mounts: mountsOf(spec, opts.pointer),
    runAsUser: ctx.defaults.runAsUser,
    role: opts.role ?? 'main',
    origin: opts.origin,
  };
}

/** An infrastructure container ddp configures itself (nginx, varnish, twemproxy, ...). */
export function infraContainer(ctx: Context, c: Omit<Container, 'imagePullPolicy' | 'runAsUser' | 'role' | 'env' | 'mounts'> & Partial<Pick<Container, 'env' | 'mounts' | 'role'>>): Container {
  return { imagePullPolicy: ctx.defaults.imagePullPolicy, runAsUser: ctx.defaults.runAsUser, role: 'infra', env: [], mounts: [], ...c, resources: limitsAtLeastRequests(c.resources) };
}

/**
 * A proxy's limit left at its default below a request you raised (`tls: { resources: { memory:
 * 512Mi } }` against the 256Mi default limit) goes up to the request: the API server refuses a pod
 * with a limit below its request. A limit you set below your request is an error (validate).
 */
export function limitsAtLeastRequests(r: Resources): Resources {
  const out = { ...r };
  if (parseQuantity(out.cpuLimit) < parseQuantity(out.cpu)) out.cpuLimit = out.cpu;
  if (parseQuantity(out.memoryLimit) < parseQuantity(out.memory)) out.memoryLimit = out.memory;
  return out;
}

export const tcpReadiness = (port: number): Probe => ({ tcp: { port }, initialDelaySeconds: 2, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 });
export const httpReadiness = (path: string, port: number): Probe => ({ http: { path, port }, initialDelaySeconds: 2, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 });

/** Volumes the service at `pointer` declares (`volumes:`), emptyDir by default. */
export function declaredVolumes(volumes: Record<string, { type?: string; size?: string; medium?: 'Memory'; storageClass?: string; accessMode?: AccessMode }> | undefined, pointer: string): Volume[] {
  return Object.entries(volumes ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, v]) => ({
      name,
      ...(v.type === 'persistent'
        ? { persistent: { size: v.size ?? '1Gi', ...(v.storageClass ? { storageClass: v.storageClass } : {}), ...(v.accessMode ? { accessMode: v.accessMode } : {}) } }
        : { emptyDir: { ...(v.medium ? { medium: v.medium } : {}), ...(v.size ? { sizeLimit: v.size } : {}) } }),
      origin: { yours: `${pointer}/volumes/${name}` },
    }));
}

/** The declared volumes `spec` mounts: a pod gets no volume its containers leave alone (a
 *  sidecar's own mounts add theirs, attach.ts ensureDeclaredVolume). */
export function mountedVolumes(spec: { mounts?: { volume: string }[] }, volumes: Parameters<typeof declaredVolumes>[0], pointer: string): Volume[] {
  const mounted = new Set((spec.mounts ?? []).map((m) => m.volume));
  return declaredVolumes(volumes, pointer).filter((v) => mounted.has(v.name));
}

export function emptyPod(): Pod {
  return { containers: [], initContainers: [], volumes: [] };
}
