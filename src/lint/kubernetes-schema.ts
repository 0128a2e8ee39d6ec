// Strict validation of Kubernetes objects against the real API schemas (kubernetes-models,
// bundled at build time into src/generated/k8s-schemas.js by scripts/build-k8s-schemas.mjs),
// unknown fields included. Used by `ddp lint` and by the tests (test/helpers/kubernetes.ts).
//
// The bundled validators are ajv standalone code and do not reject unknown fields. So the same
// compiled validator runs over a recording Proxy of the document: every structured object's
// validator reads each property its schema declares (`void 0===data.prop||...`) and map-typed
// objects (`additionalProperties`) are enumerated with `for..in`. Hence, for every object node:
//   - enumerated            → a map: every key is allowed;
//   - some properties read  → a struct: any own key that was never read is an unknown field;
//   - nothing read          → free-form (x-kubernetes-preserve-unknown-fields): skipped.
// On top of the schema: what the API server checks and the schema cannot say (name formats, label
// and annotation keys and values, workload selectors matching the pod template labels, ports,
// Ingress paths; in pod specs unique container and volume names, mounts of the pod's volumes at
// distinct paths, requests within limits, a Job's restartPolicy).
// CRDs the API lacks (KEDA, Knative, Kustomization) are checked with hand schemas (crd-schemas.ts)
// plus the real schemas of the core types they embed.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { kubernetesValidator, embeddedValidator, type KubernetesValidator } from '../generated/k8s-schemas.js';
import { CRD_SCHEMAS } from './crd-schemas.js';
import { CRONJOB_MAX, IANA_SVC_NAME, INGRESS_PATH_SEQUENCES, INGRESS_PATH_SUFFIXES, STATEFULSET_MAX } from '../k8s-names.js';

export type Seg = string | number;
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface SchemaFinding {
  path: Seg[];
  message: string;
  /** `selector` when a workload's selector does not match its pod template (lint rule selector-match). */
  kind?: 'selector';
  /** How to fix it, where the finding knows better than a generic pointer to the API reference. */
  hint?: string;
}

/** `["spec","containers",0,"image"]` → `spec.containers[0].image`; odd keys as `["a.b/c"]`. */
export function formatPath(segs: readonly Seg[]): string {
  let out = '';
  for (const s of segs) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out || '(root)';
}

/** ajv instancePath (`/spec/containers/0`) → segments, using the data to tell indices from keys. */
function pointerToSegs(pointer: string, root: unknown): Seg[] {
  if (!pointer) return [];
  const segs: Seg[] = [];
  let cur: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^\d+$/.test(key)) {
      segs.push(Number(key));
      cur = cur[Number(key)];
    } else {
      segs.push(key);
      cur = isObj(cur) ? cur[key] : undefined;
    }
  }
  return segs;
}

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}

/** The nearest known key, for "did you mean" hints (undefined when nothing is close). */
export function nearestKey(key: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const dist = levenshtein(key, k);
    if (dist < bestD) [best, bestD] = [k, dist];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function ajvMessage(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `missing required field "${String(p.missingProperty)}"`;
    case 'additionalProperties':
      return `unknown field "${String(p.additionalProperty)}"`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'type':
      return `must be ${String(p.type)}`;
    case 'format':
      return `must match format "${String(p.format)}"`;
    case 'oneOf':
    case 'anyOf':
      return 'matches none of the allowed forms';
    case 'minItems':
      return `must have at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`;
    case 'minimum':
    case 'maximum':
      return `must be ${e.keyword === 'minimum' ? '≥' : '≤'} ${String(p.limit)}`;
    case 'minLength':
      return 'must not be empty';
    case 'pattern':
      return `must match ${String(p.pattern)}`;
    default:
      return e.message ?? `fails ${e.keyword} ${JSON.stringify(p)}`;
  }
}

function ajvFindings(errors: readonly ErrorObject[] | null | undefined, root: unknown, base: Seg[]): SchemaFinding[] {
  const out: SchemaFinding[] = [];
  for (const e of errors ?? []) {
    if (e.keyword === 'if') continue; // the failing `then` branch is reported on its own
    const segs = [...base, ...pointerToSegs(e.instancePath, root)];
    if (e.keyword === 'additionalProperties') segs.push(String((e.params as Obj).additionalProperty));
    out.push({ path: segs, message: e.keyword === 'additionalProperties' ? 'unknown field' : ajvMessage(e) });
  }
  return out;
}

interface NodeRecord {
  path: Seg[];
  value: unknown;
  read: Set<string>;
  enumerated: boolean;
}

/** A deep copy; a key named `__proto__` stays an own key (an assignment would set the copy's
 *  prototype instead: the key would vanish from the unknown-field check and its value be read
 *  as the object's fields). */
function clonePlain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clonePlain);
  if (isObj(v)) {
    const o: Obj = {};
    for (const k of Object.keys(v)) Object.defineProperty(o, k, { value: clonePlain(v[k]), writable: true, enumerable: true, configurable: true });
    return o;
  }
  return v;
}

/** Runs a compiled API validator over `data`: schema errors plus unknown fields, paths prefixed by `base`. */
export function traceValidator(validate: KubernetesValidator, data: unknown, base: Seg[] = []): SchemaFinding[] {
  const root = clonePlain(data);
  const records: NodeRecord[] = [];
  const wrap = (value: unknown, path: Seg[]): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const rec: NodeRecord = { path, value, read: new Set(), enumerated: false };
    records.push(rec);
    const children = new Map<string, unknown>();
    const isArr = Array.isArray(value);
    return new Proxy(value as object, {
      get(target, key, receiver) {
        if (typeof key !== 'string') return Reflect.get(target, key, receiver);
        rec.read.add(key);
        if (!Object.prototype.hasOwnProperty.call(target, key)) return Reflect.get(target, key, receiver);
        if (!children.has(key)) {
          const seg: Seg = isArr && /^\d+$/.test(key) ? Number(key) : key;
          children.set(key, wrap((target as Obj)[key], [...path, seg]));
        }
        return children.get(key);
      },
      has(target, key) {
        if (typeof key === 'string') rec.read.add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        rec.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
  };
  const findings: SchemaFinding[] = [];
  if (!validate(wrap(root, []))) findings.push(...ajvFindings(validate.errors, root, base));
  for (const rec of records) {
    if (Array.isArray(rec.value) || rec.enumerated || rec.read.size === 0) continue;
    for (const key of Object.keys(rec.value as Obj)) {
      if (!rec.read.has(key)) {
        const near = nearestKey(key, rec.read);
        findings.push({ path: [...base, ...rec.path, key], message: `unknown field${near ? ` (did you mean "${near}"?)` : ''}` });
      }
    }
  }
  return findings;
}

// ─────────────────── names, labels, selectors ───────────────────

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** RFC 1123 label: lower-case alphanumerics and '-', at most 63 characters. */
export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}
/** RFC 1035 label (Service names): like a 1123 label but starting with a letter. */
export function isDns1035Label(s: string): boolean {
  return s.length <= 63 && DNS1035_LABEL.test(s);
}
/** RFC 1123 subdomain: dot-separated 1123 labels, at most 253 characters. */
export function isDns1123Subdomain(s: string): boolean {
  return s.length <= 253 && s.split('.').every((p) => DNS1123_LABEL.test(p));
}
/** Label/annotation key: `[prefix/]name`, prefix a DNS subdomain, name ≤ 63 qualified. */
export function isQualifiedName(s: string): boolean {
  const parts = s.split('/');
  if (parts.length > 2) return false;
  const name = parts.pop()!;
  const prefix = parts[0];
  if (prefix !== undefined && !(prefix.length > 0 && isDns1123Subdomain(prefix))) return false;
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}
/** Label value: empty, or ≤ 63 chars of alphanumerics, '-', '_', '.', alphanumeric at both ends. */
export function isLabelValue(s: string): boolean {
  return s.length <= 63 && LABEL_VALUE.test(s);
}

export function getPath(obj: unknown, segs: readonly Seg[]): unknown {
  let cur = obj;
  for (const s of segs) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[s];
  }
  return cur;
}

/**
 * Does a LabelSelector (`{matchLabels, matchExpressions}`) or a plain map selector (Service)
 * select `labels`? An empty selector selects everything (as in the API).
 */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  if (!isObj(selector)) return false;
  const structured = 'matchLabels' in selector || 'matchExpressions' in selector;
  const matchLabels = (structured ? selector.matchLabels : selector) as Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(matchLabels ?? {})) if (labels[k] !== v) return false;
  if (!structured) return true;
  for (const ex of (selector.matchExpressions as Obj[] | undefined) ?? []) {
    const key = String(ex.key);
    const values = ((ex.values as unknown[]) ?? []).map(String);
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (ex.operator) {
      case 'In': if (!has || !values.includes(labels[key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

const LABEL_MAPS: Seg[][] = [
  ['metadata', 'labels'],
  ['spec', 'selector', 'matchLabels'],
  ['spec', 'template', 'metadata', 'labels'],
  ['spec', 'jobTemplate', 'metadata', 'labels'],
  ['spec', 'jobTemplate', 'spec', 'template', 'metadata', 'labels'],
];
const ANNOTATION_MAPS: Seg[][] = [
  ['metadata', 'annotations'],
  ['spec', 'template', 'metadata', 'annotations'],
  ['spec', 'jobTemplate', 'spec', 'template', 'metadata', 'annotations'],
];
const RBAC_GROUP = 'rbac.authorization.k8s.io/';
const WORKLOADS = new Set(['apps/v1 Deployment', 'apps/v1 StatefulSet', 'apps/v1 ReplicaSet', 'apps/v1 DaemonSet']);

const POD_SPECS: Seg[][] = [['spec', 'template', 'spec'], ['spec', 'jobTemplate', 'spec', 'template', 'spec'], ['spec', 'jobTargetRef', 'template', 'spec']];

/** Where the object's pod spec is: a Pod's `spec`; the pod template's spec of a Deployment,
 *  StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, a Knative Service
 *  (`spec.template.spec`), a CronJob (`spec.jobTemplate.spec.template.spec`) or a KEDA ScaledJob
 *  (`spec.jobTargetRef.template.spec`). */
function podSpecPath(doc: Obj, apiVersion: string, kind: string): Seg[] | undefined {
  if (kind === 'Pod' && apiVersion === 'v1') return ['spec'];
  return POD_SPECS.find((p) => isObj(getPath(doc, p)));
}

/** An int32 (what the schema's `format: int32` lets through to the checks below). */
const isInt32 = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31;
/** apimachinery IsValidPortNum: 1-65535. */
const isPortNumber = (v: number) => v >= 1 && v <= 65535;
const portOutOfRange = (v: number) => `${v} is not a valid port number (1-65535)`;

/**
 * Ports as the API server checks them (ValidateService, validateContainerPorts, validateIngressBackend):
 * numbers 1-65535 (a Service's port, a container's containerPort; hostPort, nodePort and an
 * Ingress backend's port number when set), a Service's targetPort a number 1-65535 or a port name
 * (0 and "" are defaulted to `port`); container port names are IANA service names, once per
 * container; a Service's port names once per Service.
 */
function portChecks(doc: Obj, apiVersion: string, kind: string): SchemaFinding[] {
  const out: SchemaFinding[] = [];
  const names = (ports: unknown, at: Seg[], iana: boolean) => {
    if (!Array.isArray(ports)) return;
    const seen = new Set<string>();
    ports.forEach((p, i) => {
      const n = isObj(p) ? p.name : undefined;
      if (typeof n !== 'string' || n === '') return;
      if (iana && !IANA_SVC_NAME.test(n)) out.push({ path: [...at, i, 'name'], message: `"${n}" is not a port name (IANA_SVC_NAME: at most 15 lower-case alphanumerics and "-", a letter, no "--")` });
      else if (seen.has(n)) out.push({ path: [...at, i, 'name'], message: `Duplicate value: "${n}"` });
      seen.add(n);
    });
  };
  /** `field` of the port at `at` must be 1-65535 (`optional`: 0 means unset). */
  const number = (port: Obj, at: Seg[], field: string, optional: boolean, hint: string) => {
    const v = port[field];
    if (isInt32(v) && !(optional && v === 0) && !isPortNumber(v)) out.push({ path: [...at, field], message: portOutOfRange(v), hint });
  };
  if (kind === 'Service' && apiVersion === 'v1') {
    const ports = getPath(doc, ['spec', 'ports']);
    names(ports, ['spec', 'ports'], false);
    if (Array.isArray(ports)) {
      ports.forEach((p, i) => {
        if (!isObj(p)) return;
        const at: Seg[] = ['spec', 'ports', i];
        number(p, at, 'port', false, 'set `port` to the port the Service listens on, from 1 to 65535');
        number(p, at, 'targetPort', true, "set `targetPort` to the container's port, from 1 to 65535, or to the name of a container port (left out, it is `port`)");
        number(p, at, 'nodePort', true, "set `nodePort` to one of the cluster's node ports (30000-32767 unless the cluster says otherwise), or leave it out and Kubernetes picks a free one");
        const t = p.targetPort;
        if (typeof t === 'string' && t !== '' && !IANA_SVC_NAME.test(t)) {
          out.push(
            /^\d+$/.test(t)
              ? { path: [...at, 'targetPort'], message: `"${t}" is a string, so the API server takes it for a port name, and a port name has a letter`, hint: `write the number without quotes: targetPort: ${t}` }
              : { path: [...at, 'targetPort'], message: `"${t}" is neither a port number nor a port name (IANA_SVC_NAME: at most 15 lower-case alphanumerics and "-", a letter, no "--")`, hint: 'use the container port number, or the `name` of one of its ports' },
          );
        }
      });
    }
  }
  if (kind === 'Ingress' && apiVersion === 'networking.k8s.io/v1') {
    const hint = "set the backend's `service.port.number` to one of the Service's ports (1-65535), or use `service.port.name`";
    const backend = (b: unknown, at: Seg[]) => {
      const port = getPath(b, ['service', 'port']);
      if (!isObj(port)) return;
      number(port, [...at, 'service', 'port'], 'number', true, hint);
      // a number of 0 is no number: with no name either, the backend names no port
      const named = typeof port.name === 'string' && port.name !== '';
      if (!named && (port.number === 0 || port.number === undefined)) out.push({ path: [...at, 'service', 'port'], message: 'port name or number is required', hint });
    };
    backend(getPath(doc, ['spec', 'defaultBackend']), ['spec', 'defaultBackend']);
    eachIngressPath(doc, (p, at) => backend(p.backend, [...at, 'backend']));
  }
  const podPath = podSpecPath(doc, apiVersion, kind);
  const pod = podPath ? getPath(doc, podPath) : undefined;
  if (!podPath || !isObj(pod)) return out;
  for (const list of ['initContainers', 'containers'] as const) {
    const cs = pod[list];
    if (!Array.isArray(cs)) continue;
    cs.forEach((c, i) => {
      if (!isObj(c)) return;
      const at: Seg[] = [...podPath, list, i, 'ports'];
      names(c.ports, at, true);
      if (!Array.isArray(c.ports)) return;
      c.ports.forEach((p, j) => {
        if (!isObj(p)) return;
        number(p, [...at, j], 'containerPort', false, 'set `containerPort` to the port the container listens on, from 1 to 65535');
        number(p, [...at, j], 'hostPort', true, 'set `hostPort` from 1 to 65535, or leave it out (a Service reaches the pod without one)');
      });
    });
  }
  return out;
}

// ─────────────────── pod specs, as ValidatePodSpec checks them ───────────────────

/** A resource quantity (apimachinery resource.ParseQuantity) as sign × digits × 10^exp10 × 2^exp2,
 *  for exact comparison; undefined when it is no quantity (the schema's `format: quantity` says so). */
interface Quantity {
  negative: boolean;
  digits: bigint;
  exp10: number;
  exp2: number;
}
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;
const DECIMAL_SI: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SI: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

function parseQuantity(v: unknown): Quantity | undefined {
  const text = typeof v === 'number' && Number.isFinite(v) ? String(v) : v;
  if (typeof text !== 'string') return undefined;
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  const [, sign, number, suffix = ''] = m;
  const [whole, fraction = ''] = number.split('.');
  let exp10 = -fraction.length;
  let exp2 = 0;
  if (suffix in BINARY_SI) exp2 = BINARY_SI[suffix];
  else if (suffix in DECIMAL_SI) exp10 += DECIMAL_SI[suffix];
  else exp10 += Number(suffix.slice(1));
  if (Math.abs(exp10) > 1000) return undefined; // no resource is that big or small; not worth a BigInt of that size
  const digits = BigInt(`${whole}${fraction}` || '0');
  return { negative: sign === '-' && digits !== 0n, digits, exp10, exp2 };
}

/** -1, 0 or 1 as a is below, equal to or above b. */
function compareQuantities(a: Quantity, b: Quantity): number {
  if (a.negative !== b.negative) return a.negative ? -1 : 1;
  // a.digits·10^a.exp10·2^a.exp2 against b's: bring both to integers over the same denominator
  const e10 = Math.min(a.exp10, b.exp10);
  const e2 = Math.min(a.exp2, b.exp2);
  const scale = (q: Quantity) => q.digits * 10n ** BigInt(q.exp10 - e10) * 2n ** BigInt(q.exp2 - e2);
  const [x, y] = [scale(a), scale(b)];
  const c = x < y ? -1 : x > y ? 1 : 0;
  return a.negative ? -c : c;
}

/** helper.IsNativeResource: no domain, or a kubernetes.io one. */
const isNativeResource = (name: string) => !name.includes('/') || name.includes('kubernetes.io/');
/** helper.IsOvercommitAllowed: a native resource other than hugepages (an extended resource or
 *  hugepages: request and limit are one number). */
const overcommitAllowed = (name: string) => isNativeResource(name) && !name.startsWith('hugepages-');
/** helper.IsIntegerResourceName: an extended resource (a domain other than kubernetes.io, no `requests.` prefix). */
const integerResource = (name: string) => !isNativeResource(name) && !name.startsWith('requests.');

/** A resource list's quantities by name, with the text each was written as. */
function quantities(list: unknown): Map<string, { q: Quantity; text: string }> {
  const out = new Map<string, { q: Quantity; text: string }>();
  if (!isObj(list)) return out;
  for (const [name, v] of Object.entries(list)) {
    const q = parseQuantity(v);
    if (q) out.set(name, { q, text: String(v) });
  }
  return out;
}

/**
 * What ValidateContainerResourceRequirements refuses: a negative quantity (ValidateNonnegativeQuantity),
 * a fraction of an extended resource, a request above its limit; for an extended resource or
 * hugepages, a request other than its limit or a request with no limit.
 */
function resourceChecks(resources: unknown, at: Seg[], out: SchemaFinding[], podsOnly: string): void {
  if (!isObj(resources)) return;
  const limits = quantities(resources.limits);
  const requests = quantities(resources.requests);
  for (const [list, qs] of [['limits', limits], ['requests', requests]] as const) {
    for (const [name, { q, text }] of qs) {
      if (q.negative) {
        out.push({ path: [...at, list, name], message: `Invalid value: "${text}": must be greater than or equal to 0`, hint: `${podsOnly}a ${list === 'limits' ? 'limit' : 'request'} is at least 0: write the ${name} ${list === 'limits' ? 'limit' : 'request'} without the minus sign` });
      } else if (integerResource(name) && !isWhole(q)) {
        out.push({ path: [...at, list, name], message: `Invalid value: "${text}": must be an integer`, hint: `${podsOnly}${name} is an extended resource: a container asks for whole units of it` });
      }
    }
  }
  for (const [name, request] of requests) {
    const limit = limits.get(name);
    if (!limit) {
      if (!overcommitAllowed(name)) {
        out.push({ path: [...at, 'limits'], message: 'Required value: Limit must be set for non overcommitable resources', hint: `${podsOnly}set resources.limits.${name} to ${request.text}, the request (or the limit alone: the request defaults to it)` });
      }
      continue;
    }
    const c = compareQuantities(request.q, limit.q);
    if (c !== 0 && !overcommitAllowed(name)) {
      out.push({ path: [...at, 'requests', name], message: `Invalid value: "${request.text}": must be equal to ${name} limit of ${limit.text}`, hint: `${podsOnly}${name} cannot be overcommitted: give the request and the limit one value (or the limit alone: the request defaults to it)` });
    } else if (c > 0) {
      out.push({ path: [...at, 'requests', name], message: `Invalid value: "${request.text}": must be less than or equal to ${name} limit of ${limit.text}`, hint: `${podsOnly}raise the ${name} limit to at least ${request.text}, or lower the request to at most ${limit.text}` });
    }
  }
}

/** A quantity with no fraction (what resource.Quantity's MilliValue()%1000 == 0 says). */
function isWhole(q: Quantity): boolean {
  if (q.exp10 >= 0) return true;
  const d = q.digits * 2n ** BigInt(q.exp2);
  return d % 10n ** BigInt(-q.exp10) === 0n;
}

/**
 * A pod spec as ValidatePodSpec checks what the schema cannot say: container names once across
 * containers, initContainers and ephemeralContainers (validateContainers, validateInitContainers,
 * validateEphemeralContainers), volume names once (ValidateVolumes), in each container every
 * mount naming a volume of the pod and no mountPath twice, compared as written (ValidateVolumeMounts),
 * resources (ValidateContainerResourceRequirements); and for a Job's pods (validateJobSpec) a
 * restartPolicy of OnFailure or Never, Never with a podFailurePolicy.
 */
function podSpecChecks(doc: Obj, apiVersion: string, kind: string): SchemaFinding[] {
  const out: SchemaFinding[] = [];
  const podPath = podSpecPath(doc, apiVersion, kind);
  const pod = podPath ? getPath(doc, podPath) : undefined;
  if (!podPath || !isObj(pod)) return out;
  // The API server takes a StatefulSet without checking its pod template (ValidatePodTemplateSpecForStatefulSet:
  // "TODO: Add validation for PodSpec"), and refuses each pod the controller then makes from it.
  const statefulSet = kind === 'StatefulSet' && apiVersion === 'apps/v1';
  const podsOnly = statefulSet ? 'the API server takes the StatefulSet but refuses every pod it makes: ' : '';
  // the API server checks containers, then init containers against both, then ephemeral ones against all
  const names = new Set<string>();
  for (const list of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
    const cs = pod[list];
    if (!Array.isArray(cs)) continue;
    cs.forEach((c, i) => {
      const n = isObj(c) ? c.name : undefined;
      if (typeof n !== 'string' || n === '') return;
      if (names.has(n)) {
        out.push({ path: [...podPath, list, i, 'name'], message: `Duplicate value: "${n}"`, hint: `${podsOnly}give each container of the pod its own name: containers, initContainers and ephemeralContainers share one set of names` });
      }
      names.add(n);
    });
  }
  // a StatefulSet's controller adds a volume per volumeClaimTemplate (in place of a template volume of its name)
  const claims = new Set<string>();
  const claimTemplates = statefulSet ? getPath(doc, ['spec', 'volumeClaimTemplates']) : undefined;
  if (Array.isArray(claimTemplates)) {
    for (const t of claimTemplates) {
      const n = getPath(t, ['metadata', 'name']);
      if (typeof n === 'string' && n !== '') claims.add(n);
    }
  }
  const volumes = new Set<string>(claims);
  const templateVolumes = new Set<string>();
  if (Array.isArray(pod.volumes)) {
    pod.volumes.forEach((v, i) => {
      const n = isObj(v) ? v.name : undefined;
      if (typeof n !== 'string' || n === '' || claims.has(n)) return;
      if (templateVolumes.has(n)) out.push({ path: [...podPath, 'volumes', i, 'name'], message: `Duplicate value: "${n}"`, hint: `${podsOnly}give each volume of the pod its own name (a mount names the volume it mounts), or drop the second one` });
      templateVolumes.add(n);
      volumes.add(n);
    });
  }
  const known = [...volumes].sort();
  for (const list of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    const cs = pod[list];
    if (!Array.isArray(cs)) continue;
    cs.forEach((c, i) => {
      if (!isObj(c)) return;
      const at: Seg[] = [...podPath, list, i];
      if (list !== 'ephemeralContainers') resourceChecks(c.resources, [...at, 'resources'], out, podsOnly);
      if (!Array.isArray(c.volumeMounts)) return;
      const paths = new Set<string>();
      c.volumeMounts.forEach((m, j) => {
        if (!isObj(m)) return;
        if (typeof m.name === 'string' && m.name !== '' && !volumes.has(m.name)) {
          const near = nearestKey(m.name, known);
          out.push({
            path: [...at, 'volumeMounts', j, 'name'],
            message: `Not found: "${m.name}"`,
            hint: `${podsOnly}${
              known.length
                ? `${near ? `did you mean "${near}"? ` : ''}mount one of the pod's volumes (${known.join(', ')}), or add a volume named "${m.name}" to ${formatPath([...podPath, 'volumes'])}${statefulSet ? ' or a volumeClaimTemplate of that name' : ''}`
                : `the pod has no volumes: add one named "${m.name}" to ${formatPath([...podPath, 'volumes'])}${statefulSet ? ' or a volumeClaimTemplate of that name' : ''}`
            }`,
          });
        }
        const p = m.mountPath;
        if (typeof p !== 'string' || p === '') return;
        if (paths.has(p)) out.push({ path: [...at, 'volumeMounts', j, 'mountPath'], message: `Invalid value: "${p}": must be unique`, hint: `${podsOnly}mount one volume at each path of a container: give this mount another mountPath (subPath mounts a part of a volume)` });
        paths.add(p);
      });
    });
  }
  if (apiVersion === 'batch/v1' && (kind === 'Job' || kind === 'CronJob')) {
    const jobSpec = kind === 'Job' ? doc.spec : getPath(doc, ['spec', 'jobTemplate', 'spec']);
    const policy = pod.restartPolicy;
    const at: Seg[] = policy === undefined ? podPath : [...podPath, 'restartPolicy'];
    if (policy === undefined || policy === '' || policy === 'Always') {
      out.push({
        path: at,
        message: 'Required value: valid values: "OnFailure", "Never"',
        hint: `${policy === undefined ? 'left out, restartPolicy is Always, which a Job refuses: ' : ''}set restartPolicy: Never (a failed pod is replaced by a new one) or OnFailure (its container restarts in place)`,
      });
    } else if (policy === 'OnFailure' && isObj(jobSpec) && jobSpec.podFailurePolicy !== undefined && jobSpec.podFailurePolicy !== null) {
      out.push({ path: at, message: 'Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified', hint: 'set restartPolicy: Never: a podFailurePolicy decides on failed pods, and OnFailure restarts the container instead of failing the pod' });
    }
  }
  return out;
}

/** Each `spec.rules[i].http.paths[j]` of an Ingress that is an object, with its path in the object. */
function eachIngressPath(doc: Obj, f: (p: Obj, at: Seg[]) => void): void {
  const rules = getPath(doc, ['spec', 'rules']);
  if (!Array.isArray(rules)) return;
  rules.forEach((r, i) => {
    const paths = getPath(r, ['http', 'paths']);
    if (Array.isArray(paths)) paths.forEach((p, j) => isObj(p) && f(p, ['spec', 'rules', i, 'http', 'paths', j]));
  });
}

// networking/validation validateHTTPIngressPath: what an Exact or Prefix path may not hold
const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];

/** `path` with empty, `.` and `..` segments resolved, when that can be said (no encoded "/"). */
function normalPath(path: string): string | undefined {
  if (/%2f/i.test(path)) return undefined;
  const segs: string[] = [];
  for (const s of path.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') segs.pop();
    else segs.push(s);
  }
  return `/${segs.join('/')}`;
}

/** An Ingress's paths as the API server checks them (validateHTTPIngressPath). */
function ingressPathChecks(doc: Obj): SchemaFinding[] {
  const out: SchemaFinding[] = [];
  eachIngressPath(doc, (p, at) => {
    const type = p.pathType;
    const path = p.path;
    // another pathType, a path that is no string: the schema says so
    if (!PATH_TYPES.includes(String(type)) || (path !== undefined && typeof path !== 'string')) return;
    const s = path ?? '';
    if (type === 'ImplementationSpecific') {
      if (s !== '' && !s.startsWith('/')) out.push({ path: [...at, 'path'], message: `"${s}" is not an absolute path`, hint: `start the path with "/": "/${s}"` });
      return;
    }
    if (path === undefined) {
      out.push({ path: at, message: `no path: pathType ${type} needs an absolute path`, hint: 'add `path: /` (everything) or the path to route' });
      return;
    }
    const quoted = (xs: string[]) => xs.map((x) => `'${x}'`).join(', ').replace(/, ([^,]*)$/, ' or $1');
    const problems: string[] = [];
    if (!s.startsWith('/')) problems.push('is not an absolute path (it must start with "/")');
    const seqs = INGRESS_PATH_SEQUENCES.filter((seq) => s.includes(seq));
    if (seqs.length) problems.push(`must not contain ${quoted(seqs)}`);
    const sufs = INGRESS_PATH_SUFFIXES.filter((suf) => s.endsWith(suf));
    if (sufs.length) problems.push(`cannot end with ${quoted(sufs)}`);
    if (!problems.length) return;
    const normal = normalPath(s);
    out.push({
      path: [...at, 'path'],
      message: `"${s}" ${problems.join(', ')}: the API server refuses it with pathType ${type}`,
      hint: `write the path normalized${normal ? ` ("${normal}")` : ''}: absolute, no empty, "." or ".." segments, no "/" encoded as %2F; pathType ImplementationSpecific passes a path as written to the controller`,
    });
  });
  return out;
}

/** Name/label/selector checks the API server performs beyond the OpenAPI schema. */
function apiServerChecks(doc: Obj, apiVersion: string, kind: string, opts: { nameRequired: boolean }): SchemaFinding[] {
  const out: SchemaFinding[] = [];
  const meta = doc.metadata;
  const name = isObj(meta) ? meta.name : undefined;
  if (name === undefined || name === null || name === '') {
    if (opts.nameRequired && !(isObj(meta) && meta.generateName)) {
      out.push({ path: ['metadata', 'name'], message: 'missing required field "name"' });
    }
  } else if (typeof name === 'string') {
    let ok: boolean;
    let rule: string;
    if (kind === 'Service' && apiVersion === 'v1') [ok, rule] = [isDns1035Label(name), 'a DNS-1035 label (lower case, starts with a letter, ≤ 63)'];
    else if (kind === 'Namespace' && apiVersion === 'v1') [ok, rule] = [isDns1123Label(name), 'a DNS-1123 label (lower case alphanumerics and "-", ≤ 63)'];
    else if (apiVersion.startsWith(RBAC_GROUP)) [ok, rule] = [!/[/%]/.test(name) && name !== '.' && name !== '..', 'a path segment name (no "/" or "%")'];
    else [ok, rule] = [isDns1123Subdomain(name), 'a DNS-1123 subdomain (lower case alphanumerics, "-" and ".", ≤ 253)'];
    if (!ok) out.push({ path: ['metadata', 'name'], message: `"${name}" is not ${rule}` });
    else if (kind === 'CronJob' && apiVersion === 'batch/v1' && name.length > CRONJOB_MAX) {
      out.push({ path: ['metadata', 'name'], message: `"${name}" is ${name.length} characters; a CronJob name is at most ${CRONJOB_MAX} (its Jobs add 11)` });
    } else if (kind === 'StatefulSet' && apiVersion === 'apps/v1' && name.length > STATEFULSET_MAX) {
      // accepted by the API server, but the controller labels each pod `controller-revision-hash: <name>-<10 chars>`
      out.push({ path: ['metadata', 'name'], message: `"${name}" is ${name.length} characters; over ${STATEFULSET_MAX}, the pods' controller-revision-hash label passes 63 and no pod is created` });
    }
  }
  out.push(...portChecks(doc, apiVersion, kind));
  out.push(...podSpecChecks(doc, apiVersion, kind));
  if (kind === 'Ingress' && apiVersion === 'networking.k8s.io/v1') out.push(...ingressPathChecks(doc));
  const ns = isObj(meta) ? meta.namespace : undefined;
  if (typeof ns === 'string' && !isDns1123Label(ns)) {
    out.push({ path: ['metadata', 'namespace'], message: `"${ns}" is not a DNS-1123 label` });
  }
  const serviceSelector: Seg[][] = kind === 'Service' && apiVersion === 'v1' ? [['spec', 'selector']] : [];
  for (const p of [...LABEL_MAPS, ...serviceSelector]) {
    const m = getPath(doc, p);
    if (!isObj(m)) continue;
    for (const [k, v] of Object.entries(m)) {
      if (!isQualifiedName(k)) out.push({ path: [...p, k], message: `label key "${k}" is not a valid qualified name` });
      if (typeof v === 'string' && !isLabelValue(v)) out.push({ path: [...p, k], message: `label value "${v}" is not valid (≤ 63 chars, alphanumerics, "-", "_", ".")` });
    }
  }
  for (const p of ANNOTATION_MAPS) {
    const m = getPath(doc, p);
    if (!isObj(m)) continue;
    for (const k of Object.keys(m)) {
      if (!isQualifiedName(k)) out.push({ path: [...p, k], message: `annotation key "${k}" is not a valid qualified name` });
    }
  }
  if (WORKLOADS.has(`${apiVersion} ${kind}`)) {
    const selector = getPath(doc, ['spec', 'selector']);
    const labels = getPath(doc, ['spec', 'template', 'metadata', 'labels']);
    if (isObj(selector)) {
      const empty = !isObj(selector.matchLabels) || Object.keys(selector.matchLabels).length === 0;
      if (empty && !(Array.isArray(selector.matchExpressions) && selector.matchExpressions.length)) {
        out.push({ path: ['spec', 'selector'], message: 'empty selector is invalid for a workload', kind: 'selector' });
      } else if (!selectorMatches(selector, (isObj(labels) ? labels : {}) as Record<string, string>)) {
        out.push({ path: ['spec', 'template', 'metadata', 'labels'], message: '`selector` does not match template `labels`', kind: 'selector' });
      }
    }
  }
  return out;
}

// ───────────────────────────── CRDs ─────────────────────────────

interface Embedded {
  path: Seg[];
  apiVersion: string;
  type: string;
  /** Adapts the CRD's variant to the core type (drop CRD-only keys, fill CRD defaults). */
  prepare?: (o: Obj) => Obj;
}

/** Knative RevisionSpec = PodSpec + a few keys; container `name` is optional (defaults to user-container). */
function knativeToPodSpec(o: Obj): Obj {
  const { containerConcurrency, timeoutSeconds, responseStartTimeoutSeconds, idleTimeoutSeconds, ...pod } = o;
  void [containerConcurrency, timeoutSeconds, responseStartTimeoutSeconds, idleTimeoutSeconds];
  if (Array.isArray(pod.containers)) {
    pod.containers = pod.containers.map((c, i) => (isObj(c) && c.name === undefined ? { ...c, name: `user-container-${i}` } : c));
  }
  return pod;
}

const CRD_EMBEDDED: Record<string, Embedded[]> = {
  'keda.sh/v1alpha1 ScaledObject': [
    { path: ['spec', 'advanced', 'horizontalPodAutoscalerConfig', 'behavior'], apiVersion: 'autoscaling/v2', type: 'HorizontalPodAutoscalerBehavior' },
  ],
  'keda.sh/v1alpha1 ScaledJob': [{ path: ['spec', 'jobTargetRef'], apiVersion: 'batch/v1', type: 'JobSpec' }],
  'serving.knative.dev/v1 Service': [{ path: ['spec', 'template', 'spec'], apiVersion: 'v1', type: 'PodSpec', prepare: knativeToPodSpec }],
};

let ajv: Ajv | undefined;
const crdValidators = new Map<string, ValidateFunction>();

function crdValidator(key: string): ValidateFunction | undefined {
  if (!Object.prototype.hasOwnProperty.call(CRD_SCHEMAS, key)) return undefined;
  let v = crdValidators.get(key);
  if (!v) {
    ajv ??= new Ajv({ allErrors: true, strict: false });
    v = ajv.compile(CRD_SCHEMAS[key]);
    crdValidators.set(key, v);
  }
  return v;
}

/** apiVersion + kind pairs the CRD hand schemas cover. */
export const SUPPORTED_CRDS: readonly string[] = Object.keys(CRD_SCHEMAS);

/** Does a schema know this apiVersion/kind (the Kubernetes API's, or a CRD hand schema)? */
export function knownKind(apiVersion: string, kind: string): boolean {
  return kubernetesValidator(apiVersion, kind) !== undefined || SUPPORTED_CRDS.includes(`${apiVersion} ${kind}`);
}

function validateCrd(doc: Obj, key: string): SchemaFinding[] {
  const v = crdValidator(key)!;
  const out: SchemaFinding[] = [];
  if (!v(doc)) out.push(...ajvFindings(v.errors, doc, []));
  for (const e of CRD_EMBEDDED[key] ?? []) {
    const sub = getPath(doc, e.path);
    if (!isObj(sub)) continue;
    const validate = embeddedValidator(e.apiVersion, e.type);
    if (!validate) throw new Error(`the bundled API schemas lack ${e.apiVersion} ${e.type}`);
    out.push(...traceValidator(validate, e.prepare ? e.prepare(sub) : sub, e.path));
  }
  return out;
}

// ───────────────────────────── entry points ─────────────────────────────

export interface ObjectCheck {
  /** false: no schema knows this apiVersion/kind (a CRD ddp does not know, or an API removed from Kubernetes) */
  known: boolean;
  findings: SchemaFinding[];
}

/** Schema, unknown-field and API-server checks of one object that has a string apiVersion and kind. */
export function checkKubernetesObject(doc: Obj, apiVersion: string, kind: string): ObjectCheck {
  const key = `${apiVersion} ${kind}`;
  const validate = kubernetesValidator(apiVersion, kind);
  if (validate) return { known: true, findings: [...traceValidator(validate, doc), ...apiServerChecks(doc, apiVersion, kind, { nameRequired: true })] };
  if (crdValidator(key)) return { known: true, findings: [...validateCrd(doc, key), ...apiServerChecks(doc, apiVersion, kind, { nameRequired: false })] };
  return { known: false, findings: [] };
}

/**
 * Validates Kubernetes objects. Returns one human-readable line per problem,
 * `Kind/name (document N): path: message`, e.g.
 * `Deployment/web (document 1): spec.template.spec.containers[0].securityContxt: unknown field (did you mean "securityContext"?)`.
 * Empty array = valid. An apiVersion/kind no schema knows is a problem here.
 */
export function validateKubernetes(docs: readonly unknown[]): string[] {
  const out: string[] = [];
  docs.forEach((doc, i) => {
    const kind = isObj(doc) && typeof doc.kind === 'string' ? doc.kind : undefined;
    const apiVersion = isObj(doc) && typeof doc.apiVersion === 'string' ? doc.apiVersion : undefined;
    const name = isObj(doc) && isObj(doc.metadata) && typeof doc.metadata.name === 'string' ? doc.metadata.name : '?';
    const label = `${kind ?? '?'}/${name} (document ${i + 1})`;
    const report = (fs: SchemaFinding[]) => fs.forEach((f) => out.push(`${label}: ${formatPath(f.path)}: ${f.message}`));
    if (!isObj(doc)) return out.push(`${label}: not an object (${doc === null ? 'null' : Array.isArray(doc) ? 'array' : typeof doc})`);
    if (!apiVersion || !kind) {
      report([
        ...(!apiVersion ? [{ path: ['apiVersion'], message: 'missing or not a string' }] : []),
        ...(!kind ? [{ path: ['kind'], message: 'missing or not a string' }] : []),
      ]);
      return;
    }
    const r = checkKubernetesObject(doc, apiVersion, kind);
    if (r.known) report(r.findings);
    else out.push(`${label}: unknown apiVersion/kind "${apiVersion}" "${kind}"`);
  });
  return [...new Set(out)];
}
