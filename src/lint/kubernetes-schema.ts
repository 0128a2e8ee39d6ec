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
// and annotation keys and values, workload selectors matching the pod template labels).
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

const POD_SPECS: Seg[][] = [['spec', 'template', 'spec'], ['spec', 'jobTemplate', 'spec', 'template', 'spec']];

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
  const podPath: Seg[] | undefined = kind === 'Pod' && apiVersion === 'v1' ? ['spec'] : POD_SPECS.find((p) => isObj(getPath(doc, p)));
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
