// What Knative Serving's webhook refuses in a revision (knative/serving pkg/apis/serving,
// k8s_validation.go and fieldmask.go), checked on a function with `runtime: knative` before
// anything is generated: a Knative Service that the webhook refuses is never created, and
// `kubectl apply` says why only then, one problem at a time. Also what ddp would leave out of the
// Knative Service without a word (what Knative takes only behind a feature flag, off by default).
import { error, splitPointer, warning, type Diagnostic } from '../diagnostics.js';
import type { Function as FunctionService, Mount } from '../generated/topology.js';
import { cleanPath } from '../k8s-names.js';

export { cleanPath };

type Check = Omit<Diagnostic, 'file' | 'line' | 'col'>;
const err = (code: string, message: string, ptr: string, hint?: string): Check => error(code, message, { pointer: ptr, ...(hint ? { hint } : {}) });
const warn = (code: string, message: string, ptr: string, hint?: string): Check => warning(code, message, { pointer: ptr, ...(hint ? { hint } : {}) });

/** Environment variables Knative sets in the user container itself (reservedEnvVars). */
export const KNATIVE_RESERVED_ENV = ['PORT', 'K_SERVICE', 'K_CONFIGURATION', 'K_REVISION'];
/** What a container without a port (a sidecar, to Knative) may not set: all of them but PORT (reservedSidecarEnvVars). */
export const KNATIVE_RESERVED_SIDECAR_ENV = KNATIVE_RESERVED_ENV.filter((e) => e !== 'PORT');
/** The ports of the queue-proxy Knative runs in every revision pod (reservedPorts): HTTP/1 8012,
 *  HTTP/2 8013, admin 8022, autoscaler metrics 9090, user metrics 9091, profiling 8008. */
export const KNATIVE_RESERVED_PORTS = [8008, 8012, 8013, 8022, 9090, 9091];
/** The container Knative adds to every revision pod (reservedContainerNames). */
export const KNATIVE_QUEUE_PROXY = 'queue-proxy';
/** Mount paths Knative refuses, compared after path.Clean (reservedPaths; Knative before 1.13
 *  refused /tmp, /var and /var/log too). */
export const KNATIVE_RESERVED_PATHS = ['/', '/dev', '/dev/log'];
/** ddp's default of scale.min on Knative (KNATIVE_DEFAULT_MIN in src/patterns/function.ts). */
const KNATIVE_MIN_SCALE = 0;

const RESERVED_PORTS_HINT = `use another port; Knative reserves ${KNATIVE_RESERVED_PORTS.slice(0, -1).join(', ')} and ${KNATIVE_RESERVED_PORTS.at(-1)}`;
const RESERVED_PATHS = KNATIVE_RESERVED_PATHS.join(', ');

/** The checks of a function with `runtime: knative` (functionChecks in semantic.ts calls this only then). */
export function knativeChecks(svc: FunctionService, base: string): Check[] {
  const out: Check[] = [];
  for (const e of Object.keys(svc.env ?? {}).sort()) {
    if (KNATIVE_RESERVED_ENV.includes(e)) out.push(err('knative-reserved-env', `Knative sets ${e} itself and rejects a revision that sets it`, `${base}/env/${e}`, `rename ${e}`));
  }
  for (const [v, spec] of Object.entries(svc.volumes ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (spec.type === 'persistent') out.push(err('knative-volume', `Knative revisions take no persistent volumes; \`${v}\` is one`, `${base}/volumes/${v}`, 'use `type: emptyDir`, or `runtime: deployment`'));
  }
  out.push(...containerNames(svc, base), ...portChecks(svc, base), ...attachedEnv(svc, base), ...mountChecks(svc, base), ...unmountedVolumes(svc, base), ...dropped(svc, base));
  out.push(...hpaScale(svc, base));
  return out;
}

/** No container of the pod may be called queue-proxy: the function's own (ddp names it after the service), a sidecar, an ambassador or an adapter. */
function containerNames(svc: FunctionService, base: string): Check[] {
  const out: Check[] = [];
  const name = splitPointer(base).at(-1);
  if (name === KNATIVE_QUEUE_PROXY) {
    out.push(err('knative-reserved-name', `the function's container is named after it, \`${KNATIVE_QUEUE_PROXY}\`, the container Knative adds to every revision pod: it rejects a revision with a second one`, base, 'rename the function (ddp names its container after it)'));
  }
  for (const kind of ['sidecar', 'ambassador', 'adapter'] as const) {
    (svc[`${kind}s`] ?? []).forEach((x, i) => {
      if (x.name === KNATIVE_QUEUE_PROXY) out.push(err('knative-reserved-name', `${kind} \`${KNATIVE_QUEUE_PROXY}\` has the name of the container Knative adds to every revision pod: it rejects a revision with a second one`, `${base}/${kind}s/${i}/name`, `rename the ${kind}`));
    });
  }
  return out;
}

/** A port of the queue-proxy anywhere in the pod, a second entry of `ports`, and a main port that is not TCP. */
function portChecks(svc: FunctionService, base: string): Check[] {
  const out: Check[] = [];
  const reserved = (port: number | undefined, who: string, ptr: string) => {
    if (port !== undefined && KNATIVE_RESERVED_PORTS.includes(port)) out.push(err('knative-reserved-port', `${who} listens on port ${port}, which Knative reserves for the queue-proxy it runs in every revision pod: it rejects a revision that declares it`, ptr, RESERVED_PORTS_HINT));
  };
  reserved(svc.port, 'the function', `${base}/port`);
  svc.ports?.forEach((p, i) => reserved(p.port, `the function (port \`${p.name}\`)`, `${base}/ports/${i}/port`));
  // ddp would write the first one only (the README says a second port is an error)
  if (svc.ports && svc.ports.length > 1) {
    out.push(err('knative-ports', `a Knative revision serves exactly one port, and \`ports\` lists ${svc.ports.length}: ddp would leave out all but \`${svc.ports[0].name}\``, `${base}/ports/1`, 'keep one entry in `ports` (or give `port`), or use `runtime: deployment`'));
  }
  const main = svc.ports?.[0];
  if (main?.protocol === 'UDP') {
    out.push(err('knative-protocol', `the main port ${main.port} is UDP, and Knative rejects a revision whose port is not TCP: it sends the function HTTP requests`, `${base}/ports/0/protocol`, 'drop `protocol: UDP` (TCP is the default), or use `runtime: deployment`'));
  }
  svc.sidecars?.forEach((s, i) => {
    reserved(s.port, `sidecar \`${s.name}\``, `${base}/sidecars/${i}/port`);
    s.ports?.forEach((p, j) => reserved(p.port, `sidecar \`${s.name}\` (port \`${p.name}\`)`, `${base}/sidecars/${i}/ports/${j}/port`));
  });
  // a logging adapter listens on no port (its `port` is not used)
  svc.adapters?.forEach((a, i) => { if (a.kind === 'prometheus') reserved(a.port, `adapter \`${a.name}\``, `${base}/adapters/${i}/port`); });
  reserved(svc.election?.port, 'the leader elector', `${base}/election/port`);
  // an ambassador declares no port (it listens on 127.0.0.1), but shares the pod's network with the queue-proxy
  svc.ambassadors?.forEach((a, i) => {
    if (KNATIVE_RESERVED_PORTS.includes(a.listen)) out.push(err('knative-reserved-port', `ambassador \`${a.name}\` listens on port ${a.listen}, which Knative reserves for the queue-proxy it runs in every revision pod, on the network the ambassador shares`, `${base}/ambassadors/${i}/listen`, RESERVED_PORTS_HINT));
  });
  return out;
}

/** The env of the other containers: K_SERVICE, K_CONFIGURATION and K_REVISION in every one, PORT
 *  as well in one with a port (Knative validates that one as a serving container). A TLS
 *  sidecar runs ddp's nginx, with no env of yours. */
function attachedEnv(svc: FunctionService, base: string): Check[] {
  const out: Check[] = [];
  const check = (env: object | undefined, hasPort: boolean, who: string, ptr: string) => {
    for (const e of Object.keys(env ?? {}).sort()) {
      const where = KNATIVE_RESERVED_SIDECAR_ENV.includes(e) ? 'every container of a revision' : hasPort && e === 'PORT' ? 'a container with a port' : undefined;
      if (where) out.push(err('knative-reserved-env', `Knative reserves ${e} in ${where} and rejects a revision where ${who} sets it`, `${ptr}/env/${e}`, `rename ${e}`));
    }
  };
  svc.sidecars?.forEach((s, i) => { if (s.kind !== 'tls') check(s.env, s.port !== undefined || (s.ports?.length ?? 0) > 0, `sidecar \`${s.name}\``, `${base}/sidecars/${i}`); });
  svc.adapters?.forEach((a, i) => check(a.env, a.kind === 'prometheus', `adapter \`${a.name}\``, `${base}/adapters/${i}`));
  return out;
}


/** The mount paths of the pod's containers (yours and your sidecars'; a TLS sidecar mounts only
 *  its own) and the log directory of a logging adapter, which it and the function mount. */
function mountChecks(svc: FunctionService, base: string): Check[] {
  const out: Check[] = [];
  const shown = (path: string) => (cleanPath(path) === path ? `\`${path}\`` : `\`${path}\` (${cleanPath(path)})`);
  const check = (mounts: Mount[] | undefined, who: string, ptr: string) => mounts?.forEach((m, i) => {
    if (KNATIVE_RESERVED_PATHS.includes(cleanPath(m.path))) out.push(err('knative-reserved-path', `${who} mounts volume \`${m.volume}\` at ${shown(m.path)}, a path Knative reserves (${RESERVED_PATHS}): it rejects a revision that mounts one there`, `${ptr}/mounts/${i}/path`, 'mount it elsewhere, e.g. /data'));
  });
  check(svc.mounts, 'the function', base);
  svc.sidecars?.forEach((s, i) => { if (s.kind !== 'tls') check(s.mounts, `sidecar \`${s.name}\``, `${base}/sidecars/${i}`); });
  svc.adapters?.forEach((a, i) => {
    if (a.kind === 'logging' && a.path !== undefined && KNATIVE_RESERVED_PATHS.includes(cleanPath(a.path))) {
      out.push(err('knative-reserved-path', `logging adapter \`${a.name}\` and the function mount the log volume at ${shown(a.path)}, a path Knative reserves (${RESERVED_PATHS}): it rejects a revision that mounts one there`, `${base}/adapters/${i}/path`, 'use another directory, e.g. /var/log/app'));
    }
  });
  return out;
}

/** Knative refuses a revision with a volume that no container mounts (ValidateVolumes); a
 *  Deployment takes it. A TLS sidecar's own `mounts` are not used. (A persistent volume has an
 *  error of its own, knative-volume, with its own way out.) */
function unmountedVolumes(svc: FunctionService, base: string): Check[] {
  const mounted = new Set<string>();
  for (const m of svc.mounts ?? []) mounted.add(m.volume);
  for (const s of svc.sidecars ?? []) if (s.kind !== 'tls') for (const m of s.mounts ?? []) mounted.add(m.volume);
  return Object.entries(svc.volumes ?? {})
    .filter(([v, spec]) => !mounted.has(v) && spec.type !== 'persistent')
    .map(([v]) => v)
    .sort()
    .map((v) => err('knative-unmounted-volume', `no container mounts volume \`${v}\`, and Knative rejects a revision with a volume that is not mounted`, `${base}/volumes/${v}`, `mount it (\`mounts: [{ volume: ${v}, path: /data }]\`), or remove it from \`volumes\``));
}

/** What Knative takes only behind a feature flag, off by default, and ddp leaves out of a Knative
 *  Service: init containers (a native sidecar) and a shared process namespace. */
function dropped(svc: FunctionService, base: string): Check[] {
  const out: Check[] = [];
  svc.sidecars?.forEach((s, i) => {
    if (s.native === true) {
      out.push(err('knative-native-sidecar', `sidecar \`${s.name}\` is native, an init container, and a Knative revision takes none unless the cluster turns on kubernetes.podspec-init-containers (off by default): ddp leaves it out of the Knative Service`, `${base}/sidecars/${i}/native`, 'remove `native: true` (the sidecar then runs beside the function), or use `runtime: deployment`'));
    }
    if (s.shareProcessNamespace === true) {
      out.push(err('knative-share-process-namespace', `a Knative revision cannot share its process namespace unless the cluster turns on kubernetes.podspec-shareprocessnamespace (off by default): ddp leaves it out of the Knative Service, and sidecar \`${s.name}\` would not see the function's processes`, `${base}/sidecars/${i}/shareProcessNamespace`, 'remove `shareProcessNamespace`, or use `runtime: deployment`'));
    }
  });
  return out;
}

/** scale.cpu selects Knative's HPA class, which never scales to zero: Knative leaves the HPA's
 *  minReplicas unset for min-scale 0, and Kubernetes makes it 1. */
function hpaScale(svc: FunctionService, base: string): Check[] {
  if (svc.scale?.cpu === undefined || (svc.scale.min ?? KNATIVE_MIN_SCALE) !== 0) return [];
  const min = svc.scale.min === undefined ? 'scale.min, 0 by default on Knative' : 'scale.min';
  return [
    warn('knative-hpa-no-zero', `scale.cpu puts the function on Knative's HPA-class autoscaler, which does not scale to zero: ddp writes min-scale 0 (${min}), and the HPA Knative makes for it keeps at least one pod`, `${base}/scale/cpu`, 'set `scale.min: 1` to say so, or remove `scale.cpu` to scale on concurrency, to zero when idle'),
  ];
}
