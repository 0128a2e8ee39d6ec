// The linter: parse every input, sort its documents into Kubernetes objects and compose files,
// check them against the real schemas (unknown fields included), run every rule over all of them
// at once (rules see across files: a Service in one file, its Deployment in another), drop what
// `ddp.dev/ignore` suppresses, and place each finding at its file:line:col.
import { ALL_RULES, RULES_BY_ID } from './rules/index.js';
import { checkKubernetesObject, formatPath, getPath, type Seg } from './kubernetes-schema.js';
import { removedApi } from './removed-apis.js';
import { parseSource, type SourceDoc } from './source.js';
import { composeBoolean, isObj, targetName, type ComposeService, type Finding, type K8sObject, type LintContext, type LintTarget, type Obj } from './types.js';
import validateCompose from '../generated/validate-compose.js';
import type { ErrorObject } from 'ajv';

export const IGNORE_KEY = 'ddp.dev/ignore';
export const COMPOSE_SCHEMA_MISSING = 'compose files were not checked against the Compose Specification schema: this build of ddp was made without ../shared/vendor/compose-spec.json (the other compose rules ran)';

export interface LintInput {
  file: string; // as shown to the user
  text: string;
  /** named by the user (a file that is no manifest is worth a warning), or found in a directory */
  explicit: boolean;
}

export interface FileSummary {
  file: string;
  kubernetes: number; // objects
  compose: number; // services
  skipped?: string; // why nothing in it was linted
}

export interface LintResult {
  findings: Finding[];
  /** facts about the run itself (a check this build cannot make) */
  notes: string[];
  files: FileSummary[];
  suppressed: number;
  errors: number;
  warnings: number;
}

/** The first Go/Helm template action where YAML would read it (a line that starts with `{{`, or an
 *  unquoted value that does); `{{` inside a quoted string (Prometheus, Argo) is data, not this. */
export function templateAction(text: string): { line: number; col: number; text: string } | undefined {
  const lines = text.split('\n');
  let block = -1; // inside a block scalar (`key: |`) deeper than this indent: data
  for (const [i, l] of lines.entries()) {
    const indent = l.length - l.trimStart().length;
    if (block >= 0 && (l.trim() === '' || indent > block)) continue;
    block = /(^|:\s|-\s)\s*[|>][-+0-9]*\s*(#.*)?\r?$/.test(l) ? indent : -1;
    const m = /^(\s*(?:-\s+)?(?:[^\s"'#{][^:#]*:\s+)?)(\{\{.*?(?:\}\}|$))/.exec(l);
    if (m) return { line: i + 1, col: m[1].length + 1, text: m[2].length > 40 ? `${m[2].slice(0, 37)}...` : m[2] };
  }
  return undefined;
}

function isHelmChart(d: unknown): boolean {
  return isObj(d) && d.kind === undefined && (d.apiVersion === 'v1' || d.apiVersion === 'v2') && typeof d.name === 'string' && typeof d.version === 'string';
}

export function lintInputs(inputs: readonly LintInput[], opts: { onProgress?: (text: string) => void } = {}): LintResult {
  const ctx: LintContext = { objects: [], services: [] };
  const files: FileSummary[] = [];
  const raw: Finding[] = [];
  const hits: Hit[] = [];

  for (const [i, input] of inputs.entries()) {
    opts.onProgress?.(`linting ${i + 1}/${inputs.length}: ${input.file}`);
    const summary: FileSummary = { file: input.file, kubernetes: 0, compose: 0 };
    files.push(summary);
    const action = templateAction(input.text);
    if (action) {
      // `{{ .Values.x }}` unquoted is YAML for a mapping: linting it gives nonsense, not findings
      summary.skipped = 'a template';
      raw.push({ rule: 'template-not-rendered', severity: 'error', message: `${input.file} is a template (\`${action.text}\`), not a manifest; it was not linted`, hint: 'lint what it renders to, e.g. `helm template CHART | ddp lint -`', file: input.file, line: action.line, col: action.col });
      continue;
    }
    const parsed = parseSource(input.text);
    for (const e of parsed.errors) raw.push({ rule: 'yaml-syntax', severity: 'error', message: e.message, hint: e.hint ?? 'fix the YAML near this position', file: input.file, line: e.line, col: e.col });
    let other = 0;
    let topologies = 0;
    let objects = 0;
    const servicesBefore = ctx.services.length;
    for (const doc of parsed.docs) {
      const d = doc.data;
      // ddp's own input (`ddp lint .` finds the ddp.yaml beside out/): no manifest, not linted
      if (isObj(d) && typeof d.apiVersion === 'string' && d.apiVersion.startsWith('ddp/')) topologies++;
      else if (isHelmChart(d)) other++; // Chart.yaml: apiVersion v1/v2, name, version, no kind
      else if (isObj(d) && (d.apiVersion !== undefined || d.kind !== undefined)) {
        if (d.kind === 'List' && d.apiVersion === 'v1' && Array.isArray(d.items)) {
          d.items.forEach((item, i) => addObject(ctx, hits, input.file, doc, ['items', i], item));
          objects += d.items.length;
        } else {
          addObject(ctx, hits, input.file, doc, [], d);
          objects++;
        }
      } else if (isObj(d) && isObj(d.services)) {
        addCompose(ctx, hits, input.file, doc, d);
      } else other++;
    }
    summary.kubernetes = objects;
    summary.compose = ctx.services.length - servicesBefore;
    if (!parsed.errors.length && summary.kubernetes === 0 && summary.compose === 0 && topologies && !other) {
      summary.skipped = 'a ddp topology';
      if (input.explicit) {
        raw.push({ rule: 'not-a-manifest', severity: 'warning', message: `${input.file} is a ddp topology, not a manifest; nothing in it was linted`, hint: `\`ddp validate ${input.file}\` checks it; \`ddp lint --topology ${input.file}\` lints what it generates`, file: input.file, line: 1, col: 1 });
      }
    } else if (!parsed.errors.length && summary.kubernetes === 0 && summary.compose === 0) {
      summary.skipped = other || topologies ? 'neither Kubernetes objects nor a compose file' : 'empty';
      if (input.explicit) {
        raw.push({ rule: 'not-a-manifest', severity: 'warning', message: `${input.file} holds ${summary.skipped === 'empty' ? 'no YAML document' : 'no Kubernetes object (apiVersion and kind) and no compose file (services)'}; nothing in it was linted`, hint: 'pass Kubernetes manifests or compose files', file: input.file, line: 1, col: 1 });
      }
    }
  }

  opts.onProgress?.(`checking ${ctx.objects.length} objects and ${ctx.services.length} compose services`);
  for (const rule of ALL_RULES) for (const h of rule.check(ctx)) hits.push({ target: h.target, rule: rule.id, path: h.path, message: h.message, hint: h.hint });

  let suppressed = 0;
  const unknownIgnores = new Set<string>();
  for (const h of hits) {
    const ignore = ignoredRules(h.target);
    if (ignore.ids.includes(h.rule) || ignore.ids.includes('all')) {
      suppressed++;
      continue;
    }
    const rule = RULES_BY_ID.get(h.rule)!;
    const full = [...h.target.base, ...h.path];
    const pos = h.target.doc.locate(full, 'key');
    raw.push({
      rule: h.rule,
      severity: rule.severity,
      message: `${targetName(h.target)}: ${h.message}`,
      hint: h.hint,
      file: h.target.file,
      line: pos.line,
      col: pos.col,
      object: h.target.type === 'kubernetes' ? { apiVersion: h.target.apiVersion, kind: h.target.kind, name: h.target.name, ...(h.target.namespace ? { namespace: h.target.namespace } : {}) } : { kind: 'ComposeService', name: h.target.name },
      path: formatPath(h.path),
    });
  }
  // a ddp.dev/ignore that names no rule is a typo that silently suppresses nothing
  for (const t of [...ctx.objects, ...ctx.services]) {
    const ignore = ignoredRules(t);
    for (const id of ignore.ids) {
      if (id === 'all' || RULES_BY_ID.has(id)) continue;
      const key = `${t.file}\0${targetName(t)}\0${id}`;
      if (unknownIgnores.has(key)) continue;
      unknownIgnores.add(key);
      const pos = t.doc.locate([...t.base, ...ignore.path], 'key');
      raw.push({ rule: 'ignore-annotation', severity: 'warning', message: `${targetName(t)}: ${IGNORE_KEY} names \`${id}\`, which is no ddp lint rule`, hint: `rule ids: ${[...RULES_BY_ID.keys()].sort().join(', ')}`, file: t.file, line: pos.line, col: pos.col });
    }
  }

  const findings = dedupe(raw).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.col - b.col || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0) || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
  const notes = ctx.services.length && !validateCompose ? [COMPOSE_SCHEMA_MISSING] : [];
  return {
    findings,
    notes,
    files,
    suppressed,
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
  };
}

/** A rule's hit before suppression and placement; `at: 'key'` places it at the key (unknown fields). */
type Hit = { target: LintTarget; rule: string; path: Seg[]; message: string; hint: string; at?: 'key' };

function addObject(ctx: LintContext, hits: Hit[], file: string, doc: SourceDoc, base: Seg[], data: unknown): void {
  if (!isObj(data)) {
    const pos = doc.locate(base);
    hits.push({
      target: { type: 'kubernetes', file, doc, base, data: {}, apiVersion: '?', kind: '?', name: '?', namespace: '' },
      rule: 'k8s-schema',
      path: [],
      message: `not an object (${data === null ? 'null' : Array.isArray(data) ? 'a list' : typeof data}) at line ${pos.line}`,
      hint: 'each item of a List is a Kubernetes object with apiVersion and kind',
    });
    return;
  }
  const meta = isObj(data.metadata) ? data.metadata : {};
  const o: K8sObject = {
    type: 'kubernetes',
    file,
    doc,
    base,
    data,
    apiVersion: typeof data.apiVersion === 'string' ? data.apiVersion : '?',
    kind: typeof data.kind === 'string' ? data.kind : '?',
    name: typeof meta.name === 'string' ? meta.name : '?',
    namespace: typeof meta.namespace === 'string' ? meta.namespace : '',
  };
  if (typeof data.apiVersion !== 'string' || typeof data.kind !== 'string') {
    for (const k of ['apiVersion', 'kind'] as const) {
      if (typeof data[k] !== 'string') hits.push({ target: o, rule: 'k8s-schema', path: [k], message: `${k} is ${data[k] === undefined ? 'missing' : 'not a string'}`, hint: k === 'kind' ? 'every Kubernetes object names its kind, e.g. kind: Deployment' : 'every Kubernetes object names its API version, e.g. apiVersion: apps/v1' });
    }
    return;
  }
  // an API the server no longer serves is rule removed-api's finding (it names the replacement):
  // what its old schema says, or an unknown-kind warning, would only add noise
  const r = removedApi(data.apiVersion, data.kind) ? { known: true, findings: [] } : checkKubernetesObject(data, data.apiVersion, data.kind);
  if (!r.known) {
    hits.push({ target: o, rule: 'unknown-kind', path: ['kind'], message: `no schema for apiVersion ${data.apiVersion}, kind ${data.kind}: not checked against a schema`, hint: 'a custom resource ddp does not know; if it is none, check apiVersion and kind against `kubectl api-resources`' });
  }
  for (const f of r.findings) {
    hits.push({
      target: o,
      rule: f.kind === 'selector' ? 'selector-match' : 'k8s-schema',
      path: f.path,
      message: `${formatPath(f.path)}: ${f.message}`,
      hint: f.kind === 'selector' ? 'make spec.selector.matchLabels a subset of spec.template.metadata.labels' : f.hint ?? schemaHint(f.message),
      ...(f.message.startsWith('unknown field') ? { at: 'key' as const } : {}),
    });
  }
  if (data.kind !== 'Kustomization') ctx.objects.push(o);
}

function schemaHint(message: string): string {
  const near = /did you mean "([^"]+)"/.exec(message);
  if (near) return `rename the field to \`${near[1]}\``;
  if (message.startsWith('unknown field')) return 'remove the field: the Kubernetes API rejects (or, with a lenient client, silently drops) it';
  return 'see the field in the Kubernetes API reference (kubectl explain <kind>.<path>)';
}

function addCompose(ctx: LintContext, hits: Hit[], file: string, doc: SourceDoc, data: Obj): void {
  const services = data.services as Obj;
  const fileTarget: ComposeService = { type: 'compose', file, doc, base: [], data, name: '(file)' };
  const list: ComposeService[] = Object.keys(services).map((name) => ({ type: 'compose', file, doc, base: ['services', name], data: isObj(services[name]) ? services[name] : {}, name }));
  if (validateCompose) {
    if (!validateCompose(data)) {
      for (const e of composeErrors(validateCompose.errors ?? [])) {
        const segs = e.instancePath ? e.instancePath.slice(1).split('/').map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~'))) : [];
        if (e.keyword === 'additionalProperties') segs.push(String((e.params as Obj).additionalProperty));
        const owner = segs[0] === 'services' && typeof segs[1] === 'string' ? list.find((s) => s.name === segs[1]) : undefined;
        const target = owner ?? fileTarget;
        hits.push({ target, rule: 'compose-schema', path: segs.slice(target.base.length), message: `${formatPath(segs)}: ${composeMessage(e)}`, hint: 'see the Compose Specification (https://compose-spec.io) for this key', ...(e.keyword === 'additionalProperties' ? { at: 'key' as const } : {}) });
      }
    }
  }
  for (const segs of composeBadBooleans(data)) {
    const owner = segs[0] === 'services' ? list.find((s) => s.name === segs[1]) : undefined;
    const target = owner ?? fileTarget;
    const v = String(getPath(data, segs));
    hits.push({ target, rule: 'compose-schema', path: segs.slice(target.base.length), message: `${formatPath(segs)}: "${v}" is not a boolean (docker compose: invalid boolean)`, hint: 'write true or false; a string here is only for ${VARIABLE} interpolation that gives true or false' });
  }
  ctx.services.push(...list);
}

// The keys docker compose reads as booleans (compose-go's interpolation casts, services.*.privileged: toBoolean, ...).
// The schema lets a string through at each (for `${VAR}`); compose then casts it, and refuses what is no boolean.
const COMPOSE_SERVICE_BOOLEANS: Seg[][] = [['privileged'], ['read_only'], ['stdin_open'], ['tty'], ['oom_kill_disable'], ['healthcheck', 'disable']];
const COMPOSE_SERVICE_VOLUME_BOOLEANS: Seg[][] = [['read_only'], ['volume', 'nocopy']];
const COMPOSE_TOP_BOOLEANS: Record<string, string[]> = { networks: ['external', 'internal', 'attachable'], volumes: ['external'], secrets: ['external'], configs: ['external'] };

/** Paths of the strings at boolean keys that docker compose cannot cast (an interpolation, `$`, is left alone). */
function composeBadBooleans(data: Obj): Seg[][] {
  const out: Seg[][] = [];
  const check = (segs: Seg[]) => {
    const v = getPath(data, segs);
    if (typeof v === 'string' && !v.includes('$') && composeBoolean(v) === undefined) out.push(segs);
  };
  for (const [name, svc] of Object.entries(data.services as Obj)) {
    if (!isObj(svc)) continue;
    for (const p of COMPOSE_SERVICE_BOOLEANS) check(['services', name, ...p]);
    if (Array.isArray(svc.volumes)) svc.volumes.forEach((_, i) => COMPOSE_SERVICE_VOLUME_BOOLEANS.forEach((p) => check(['services', name, 'volumes', i, ...p])));
  }
  for (const [section, keys] of Object.entries(COMPOSE_TOP_BOOLEANS)) {
    const m = data[section];
    if (isObj(m)) for (const name of Object.keys(m)) for (const k of keys) check([section, name, k]);
  }
  return out;
}

/** ajv errors of the compose schema, without the oneOf/anyOf wrappers where a branch says more;
 *  an error twice (from two branches) once. Two unknown keys of one mapping are two errors: ajv
 *  reports both at the mapping's path, the key in `params`. */
function composeErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const specific = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf');
  const chosen = specific.length ? specific : [...errors];
  const seen = new Set<string>();
  return chosen.filter((e) => {
    const k = `${e.instancePath}|${e.keyword === 'additionalProperties' ? String((e.params as Obj).additionalProperty) : ''}|${composeMessage(e)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function composeMessage(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': return 'unknown key';
    case 'required': return `missing required key "${String(p.missingProperty)}"`;
    case 'enum': return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'type': return `must be ${String(p.type)}`;
    default: return e.message ?? e.keyword;
  }
}

/** The rule ids an object's `ddp.dev/ignore` annotation (compose: label) names. */
export function ignoredRules(t: LintTarget): { ids: string[]; path: Seg[] } {
  const candidates: Seg[][] =
    t.type === 'kubernetes'
      ? [['metadata', 'annotations', IGNORE_KEY], ['spec', 'template', 'metadata', 'annotations', IGNORE_KEY]]
      : [['labels', IGNORE_KEY]];
  const ids: string[] = [];
  let path: Seg[] = [];
  for (const p of candidates) {
    const v = getPath(t.data, p);
    if (typeof v === 'string') {
      ids.push(...v.split(',').map((s) => s.trim()).filter(Boolean));
      if (!path.length) path = p;
    }
  }
  if (t.type === 'compose' && Array.isArray(t.data.labels)) {
    t.data.labels.forEach((l, i) => {
      const m = typeof l === 'string' ? /^ddp\.dev\/ignore=(.*)$/.exec(l) : null;
      if (m) {
        ids.push(...m[1].split(',').map((s) => s.trim()).filter(Boolean));
        if (!path.length) path = ['labels', i];
      }
    });
  }
  return { ids, path };
}

function dedupe(fs: Finding[]): Finding[] {
  const seen = new Set<string>();
  return fs.filter((f) => {
    const k = `${f.file}:${f.line}:${f.col}:${f.rule}:${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

