// The flow of DESIGN.md: load → validate (schema, then semantics) → overlay (--env) →
// normalise → expand patterns → render per target → re-parse and check every rendered file.
// Pure but for the first read; the writer (src/output/write.ts) is the only thing that writes.
import { DdpError, error, hasErrors, pointer, sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { findTopologyFile, loadFile, type Loaded } from './topology/load.js';
import { schemaDiagnostics, dotted, valueAt } from './topology/schema.js';
import { kubernetesLimits, mountPathKey } from './kube-limits.js';
import { sharedClaims } from './shared-claims.js';
import { upstreamPortProblems } from './upstream-ports.js';
import { composeReplicaName } from './patterns/naming.js';
import { semanticDiagnostics } from './topology/semantic.js';
import { applyEnvironment, environmentNames } from './topology/overlay.js';
import { makeContext, supply, type Context, type Topology, type AnyService } from './patterns/context.js';
import type { Ingress } from './patterns/expose.js';
import { attachedContainers, podServiceNames, sharedVolume, type Component, type Model, type Unit } from './model.js';
import { renderAllConfigs } from './targets/configs.js';
import { composeEnvLines } from './targets/compose.js';
import { byPath, checkOutputFile, type OutputFile } from './output/files.js';
import { yamlProblem } from './topology/fast-yaml.js';
import { PlainBlockYamlCheck } from './output/yaml-check.js';
import { collectIfBig } from './memory.js';
import { applyPlacement, placementNotes, placementOf } from './patterns/placement.js';
import { applyFeeds } from './patterns/feeds.js';
import type { PodPlacement } from './generated/topology.js';

export const TARGETS = ['kubernetes', 'compose', 'nginx', 'varnish', 'twemproxy', 'fluent-bit'] as const;
export type Target = (typeof TARGETS)[number];

export interface Prepared {
  file: string;
  env?: string;
  topology: Topology;
  model: Model;
  diagnostics: Diagnostic[]; // warnings only (errors throw)
}

export interface PrepareOptions {
  file?: string;
  cwd?: string;
  env?: string;
}

/** Load, validate and expand one topology (with one environment applied). Throws DdpError with every problem at once. */
export async function prepare(opts: PrepareOptions): Promise<Prepared> {
  const cwd = opts.cwd ?? process.cwd();
  const file = findTopologyFile(opts.file, cwd);
  const loaded = loadFile(file, cwd);
  return prepareLoaded(loaded, opts.env);
}

export async function prepareLoaded(loaded: Loaded, env: string | undefined): Promise<Prepared> {
  const { diagnostics, topology, model } = await check(loaded, env);
  if (hasErrors(diagnostics) || !topology || !model) throw new DdpError(sortDiagnostics(diagnostics.filter((d) => d.severity === 'error')));
  return { file: loaded.file, ...(env ? { env } : {}), topology, model, diagnostics: sortDiagnostics(diagnostics) };
}

/** Every diagnostic of the document and of each of its environments (for `ddp validate`). */
export async function validateAll(loaded: Loaded, env?: string): Promise<Diagnostic[]> {
  const envs = env !== undefined ? [env] : [undefined, ...environmentNames(loaded.data)];
  const all = new Map<string, Diagnostic>();
  const base = new Set<string>(); // the document's own problems (line:col:code:message)
  const services = Object.keys(((loaded.data as { services?: object } | null)?.services ?? {}) as object).length;
  for (const e of envs) {
    if (e !== envs[0]) collectIfBig(services); // the previous environment's model (src/memory.ts)
    let ds: Diagnostic[];
    try {
      ds = await diagnosticsOf(loaded, e);
    } catch (x) {
      if (x instanceof DdpError) ds = x.diagnostics;
      else throw x;
    }
    for (const d of ds) {
      const key = `${d.line}:${d.col}:${d.code}:${d.message}`;
      if (e === undefined) base.add(key);
      // an environment's problem: set by its overlay, or not a problem of the document itself
      // (an overlay that changes `pattern` makes the document's own `cache:` an unknown key)
      const own = e !== undefined && ((d.pointer !== undefined && (d.pointer.startsWith(`/environments/${e}/`) || loaded.source.has(`/environments/${e}${d.pointer}`))) || (envs[0] === undefined && !base.has(key)));
      const tagged = own ? { ...d, message: `${d.message} (environment ${e})` } : d;
      all.set(`${tagged.line}:${tagged.col}:${tagged.code}:${tagged.message}`, tagged);
    }
  }
  return sortDiagnostics([...all.values()]);
}

/** Only the diagnostics: the model is let go when this returns (a suspended caller's frame could keep it alive). */
async function diagnosticsOf(loaded: Loaded, env: string | undefined): Promise<Diagnostic[]> {
  return (await check(loaded, env)).diagnostics;
}

async function check(loaded: Loaded, env: string | undefined): Promise<{ diagnostics: Diagnostic[]; topology?: Topology; model?: Model }> {
  const data = withEnvironment(loaded, env);
  // positions: a value set by the environment overlay points into the overlay
  const locate = (ptr: string, which: 'key' | 'value') => {
    if (env !== undefined) {
      const over = `/environments/${env}${ptr}`;
      if (ptr !== '' && loaded.source.has(over)) return loaded.source.locate(over, which);
    }
    return loaded.source.locate(ptr, which);
  };
  const place = (d: Diagnostic): Diagnostic => {
    // a problem with a whole mapping or list (a service, a stage, `routes`) points at its key
    const v = valueAt(data, d.pointer ?? '');
    const pos = locate(d.pointer ?? '', v !== null && typeof v === 'object' ? 'key' : 'value');
    return { ...d, file: loaded.file, line: d.line ?? pos.line, col: d.col ?? pos.col };
  };
  const schema = schemaDiagnostics(data, loaded.file, loaded.source, locate);
  if (schema.length) return { diagnostics: schema };
  const topology = data as Topology;
  const semantic = semanticDiagnostics(topology).map(place);
  if (hasErrors(semantic)) return { diagnostics: semantic };
  const { model, diagnostics } = await expand(topology);
  // (the notes keep their JSON pointer: generate reports them with it, compose-* with the compose file)
  return { diagnostics: [...semantic, ...diagnostics.map(place)], topology, model };
}

/** The document with `--env` applied; an unknown environment points at the `environments:` key. */
function withEnvironment(loaded: Loaded, env: string | undefined): unknown {
  try {
    return applyEnvironment(loaded.data, env, loaded.file);
  } catch (e) {
    if (!(e instanceof DdpError) || !loaded.source.has('/environments')) throw e;
    const p = loaded.source.locate('/environments', 'key');
    throw new DdpError(
      e.diagnostics.map((d) => {
        if (d.line !== undefined) return d;
        // a key of the overlay (set to null to remove a key the document lacks): at its value; a
        // mapping (a service the document lacks) at its key, as a problem with a mapping is
        if (d.pointer !== undefined && loaded.source.has(d.pointer)) {
          const v = valueAt(loaded.data, d.pointer);
          return { ...d, ...loaded.source.locate(d.pointer, v !== null && typeof v === 'object' ? 'key' : 'value') };
        }
        return { ...d, pointer: '/environments', line: p.line, col: p.col };
      }),
    );
  }
}

/** Expand every service and pipeline through its pattern module (src/patterns/<pattern>.ts). */
export async function expand(topology: Topology): Promise<{ model: Model; diagnostics: Diagnostic[] }> {
  const ctx = makeContext(topology);
  const units: Unit[] = [];
  const services = topology.services as Record<string, AnyService>;
  for (const name of Object.keys(services).sort()) {
    const svc = services[name];
    const mod = loadedPatterns.get(svc.pattern) ?? (await patternModule(svc.pattern, pointer('services', name, 'pattern')));
    units.push(mod.expand(name, svc, ctx, pointer('services', name)));
    applyPlacement(units[units.length - 1], placementOf(topology.defaults, svc as PodPlacement));
    const feeds = (svc as { feeds?: string[] }).feeds;
    if (feeds?.length) applyFeeds(units[units.length - 1], feeds, topology, ctx);
  }
  const pipelines = (topology.pipelines ?? {}) as Record<string, unknown>;
  for (const name of Object.keys(pipelines).sort()) {
    const mod = loadedPatterns.get('pipeline') ?? (await patternModule('pipeline', pointer('pipelines', name)));
    units.push(mod.expand(name, pipelines[name], ctx, pointer('pipelines', name)));
    applyPlacement(units[units.length - 1], placementOf(topology.defaults, pipelines[name] as PodPlacement));
  }
  ctx.notes.push(...placementNotes(topology));
  for (const u of units) for (const c of u.components) addScratchVolumes(c);
  for (const u of units) supplyIngressTls(ctx, u);
  ctx.supplied.push(...composeEnvLines(units));
  const model: Model = {
    name: ctx.name,
    namespace: ctx.namespace,
    createNamespace: topology.metadata.createNamespace !== false,
    labels: { ...(topology.metadata.labels ?? {}) },
    annotations: { ...(topology.metadata.annotations ?? {}) },
    units: units.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    notes: ctx.notes,
    supplied: ctx.supplied,
  };
  return { model, diagnostics: [...nameCollisions(model), ...kubernetesLimits(model), ...sharedClaims(model), ...upstreamPortProblems(model), ...ctx.notes.filter((n) => n.severity === 'error')] };
}

/** An Ingress's TLS Secret (`expose.tlsSecret`) is yours to create, as a TLS layer's is; only the
 *  Ingress controller reads it (compose has no Ingress). After the patterns: a Secret a TLS layer
 *  uses too is listed once, with the file compose mounts. */
function supplyIngressTls(ctx: Context, u: Unit): void {
  const ingress = u.extra.ingress as Ingress | undefined;
  if (!ingress?.tlsSecret) return;
  for (const key of ['tls.crt', 'tls.key']) {
    supply(ctx, { secret: ingress.tlsSecret, key, why: `TLS ${key === 'tls.crt' ? 'certificate' : 'private key'} of the Ingress ${ingress.name} (${ingress.host}; Kubernetes only)` });
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
/** Root filesystems are read-only: every container gets its own emptyDir at /tmp (or the
 *  component's `scratchPath`) unless it mounts one there (`/tmp/` is /tmp too). The emptyDir is
 *  always one this adds: a volume of yours that happens to be called `<container>-tmp` is never
 *  taken for it (a persistent one put /tmp on a PVC, without a word); the two volumes of one name
 *  are then refused by validate (src/kube-limits.ts), with what to rename. */
export function addScratchVolumes(c: Component): void {
  const path = c.scratchPath ?? '/tmp';
  const added = c.pod.volumes.length; // the volumes from here on are this function's
  for (const x of [...c.pod.initContainers, ...c.pod.containers]) {
    if (x.mounts.some((m) => mountPathKey(m.path) === path)) continue;
    const name = scratchVolumeName(x.name);
    // (two containers of one name, refused by validate too, share one)
    let own = false;
    for (let i = added; i < c.pod.volumes.length && !own; i++) own = c.pod.volumes[i].name === name;
    if (!own) c.pod.volumes.push({ name, emptyDir: {}, origin: { addedBy: `the scratch space ddp mounts at ${path} in ${x.name}` } });
    x.mounts.push({ volume: name, path, readOnly: false, origin: { addedBy: `the scratch space ddp mounts at ${path}` } });
  }
}

/** `<container>-tmp`; for a container name too long for that (volume names are DNS-1123
 *  labels, at most 63), its first 50 characters and a hash of the whole: two long names that
 *  differ only at the end must not share one /tmp. */
export function scratchVolumeName(container: string): string {
  const name = `${container}-tmp`;
  if (name.length <= 63) return name;
  let h = 0x811c9dc5; // FNV-1a, 32 bits
  for (let i = 0; i < container.length; i++) h = Math.imul(h ^ container.charCodeAt(i), 0x01000193) >>> 0;
  return `${container.slice(0, 50).replace(/-+$/, '')}-${h.toString(36).padStart(7, '0')}-tmp`;
}

type PatternModule = { expand: (name: string, svc: any, ctx: Context, pointer: string) => Unit };
/** Pattern modules loaded so far: a thousand services of one pattern resolve its module once, not a thousand times. */
const loadedPatterns = new Map<string, PatternModule>();
async function patternModule(pattern: string, ptr: string): Promise<PatternModule> {
  try {
    // discovered by name: adding a pattern needs no registry (".ts" when run from source by vitest)
    const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    const mod = (await import(/* @vite-ignore */ `./patterns/${pattern}${ext}`)) as PatternModule;
    loadedPatterns.set(pattern, mod);
    return mod;
  } catch (e) {
    // only the pattern's own module missing means "not implemented"; anything else is a broken install
    const missing = (e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' || /Cannot find module|Failed to load url/.test(String(e));
    if (missing && String((e as Error).message).includes(`patterns/${pattern}.`)) {
      throw new DdpError(error('pattern-not-implemented', `this version of ddp cannot generate the \`${pattern}\` pattern yet`, { pointer: ptr, hint: 'see the README for the patterns this version supports' }));
    }
    throw e;
  }
}

/** The files of OUT/kubernetes that are not a unit's (src/targets/kubernetes.ts). */
const RESERVED_FILES = ['namespace', 'kustomization'];

/** No two generated objects of one kind, and no two compose services / DNS names, may share a name. */
export function nameCollisions(model: Model): Diagnostic[] {
  const out: Diagnostic[] = [];
  const owners = new Map<string, Unit>();
  const files = new Map<string, Unit>(); // OUT/kubernetes/<unit>.yaml
  for (const unit of model.units) {
    if (RESERVED_FILES.includes(unit.name)) {
      out.push(error('reserved-name', `${dotted(unit.pointer)} would be written to kubernetes/${unit.name}.yaml, a file ddp writes for the whole topology`, { pointer: unit.pointer, hint: `rename it (\`${RESERVED_FILES.join('` and `')}\` are taken)` }));
    }
    const twin = files.get(unit.name);
    if (twin) {
      out.push(error('name-collision', `${dotted(unit.pointer)} and ${dotted(twin.pointer)} would both be written to kubernetes/${unit.name}.yaml`, { pointer: unit.pointer, hint: 'a service and a pipeline need different names' }));
    } else files.set(unit.name, unit);
    out.push(...podNameCollisions(unit));
    const names = new Set<string>();
    for (const c of unit.components) {
      names.add(c.name);
      if (c.name === 'ddp-volume-init') {
        out.push(error('reserved-name', `${dotted(unit.pointer)} generates \`ddp-volume-init\`, a name ddp's compose output reserves for itself`, { pointer: unit.pointer, hint: 'rename the service' }));
      }
      if (c.service) names.add(c.service.name);
      // a persistent volume is a PersistentVolumeClaim and a compose named volume `<component>-<volume>`;
      // so is, in compose, an emptyDir two of the pod's containers share (src/targets/compose.ts)
      for (const v of c.pod.volumes) if (v.persistent || (!v.configFile && !v.secret && !v.claim && sharedVolume(c, v.name))) names.add(`volume/${c.name}-${v.name}`);
      if (c.compose.loadBalancer) names.add(composeReplicaName(c.name));
      for (const x of attachedContainers(c)) names.add(`${c.name}-${x.name}`);
    }
    for (const cfg of unit.configs) names.add(`${cfg.target}/${cfg.name}`);
    for (const n of [...names].sort()) {
      const prev = owners.get(n);
      if (prev && prev !== unit) {
        out.push(error('name-collision', `${dotted(unit.pointer)} generates \`${n.replace(/^[a-z-]+\//, '')}\`, which ${dotted(prev.pointer)} generates too`, {
          pointer: unit.pointer,
          hint: `rename one of them: ${dotted(prev.pointer)} owns \`${n.replace(/^[a-z-]+\//, '')}\` (its ${prev.name === n ? 'main workload' : 'derived object'})`,
        }));
      } else owners.set(n, unit);
    }
  }
  return out;
}


/** Inside one unit: a pod's extra container runs in compose as `<component>-<container>`, which
 *  must not be the name of another of the unit's workloads (e.g. a sidecar `cache` beside a cache layer). */
export function podNameCollisions(unit: Unit): Diagnostic[] {
  const workloads = new Map(unit.components.map((c) => [c.name, 'a workload']));
  for (const c of unit.components) if (c.compose.loadBalancer) workloads.set(composeReplicaName(c.name), `the compose service of ${c.name}'s replicas`);
  const out: Diagnostic[] = [];
  for (const c of unit.components) {
    for (const x of attachedContainers(c)) {
      const n = `${c.name}-${x.name}`;
      const what = workloads.get(n);
      if (!what) continue;
      out.push(error('name-collision', `${dotted(unit.pointer)} generates \`${n}\` twice: as ${what} and as the compose service of container \`${x.name}\` in ${c.name}'s pod`, {
        pointer: unit.pointer,
        hint: `rename the sidecar, ambassador or adapter \`${x.name}\``,
      }));
    }
  }
  return out;
}

export function parseTargets(list: string | undefined): Target[] {
  if (list === undefined || list === 'all') return [...TARGETS];
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  // an empty list (`-t "$TARGETS"` with the variable unset) would replace DIR with nothing
  if (!names.length) throw new DdpError(error('no-target', `--target ${JSON.stringify(list)} names no target`, { hint: `name one or more of ${TARGETS.join(', ')} (comma-separated), or leave --target out for all of them` }));
  const out: Target[] = [];
  for (const raw of names) {
    if (!(TARGETS as readonly string[]).includes(raw)) {
      throw new DdpError(error('unknown-target', `--target ${raw}: unknown target`, { hint: `targets: ${TARGETS.join(', ')}` }));
    }
    if (!out.includes(raw as Target)) out.push(raw as Target);
  }
  return out;
}

/**
 * The targets whose files the compose file mounts (`../nginx/web-lb.conf`, ...). Written into a
 * directory, `--target compose` brings them along: `docker compose up` needs every file it
 * mounts under OUT (TOPOLOGY.md), and a compose file alone failed on the first bind mount.
 */
export const COMPOSE_MOUNTS: readonly Target[] = ['nginx', 'varnish', 'twemproxy', 'fluent-bit'];

/** `targets`, plus the config targets compose mounts when compose is one of them, in TARGETS order. */
export function withComposeMounts(targets: readonly Target[]): Target[] {
  if (!targets.includes('compose')) return [...targets];
  return TARGETS.filter((t) => targets.includes(t) || COMPOSE_MOUNTS.includes(t));
}

// A renderer hands its files over one at a time, so that `generate` can write each to disk and
// let it go: 10,000 services are ~120 MB of output, never held at once.
const RENDERERS: Record<Target, () => Promise<(m: Model) => Iterable<OutputFile>>> = {
  kubernetes: async () => (await import('./targets/kubernetes.js')).renderKubernetes,
  compose: async () => (await import('./targets/compose.js')).renderCompose,
  nginx: async () => (await import('./targets/nginx.js')).renderNginx,
  varnish: async () => (await import('./targets/varnish.js')).renderVarnish,
  twemproxy: async () => (await import('./targets/twemproxy.js')).renderTwemproxy,
  'fluent-bit': async () => (await import('./targets/fluent-bit.js')).renderFluentBit,
};

/**
 * The chosen targets' files, rendered lazily in target order as the caller iterates; each file's
 * path is checked and every YAML file parsed again before it is handed on. A failure throws
 * from the iteration, so the writer drops everything written so far.
 */
export async function renderStream(model: Model, targets: readonly Target[]): Promise<Iterable<OutputFile>> {
  renderAllConfigs(model);
  const renderers: [Target, (m: Model) => Iterable<OutputFile>][] = [];
  for (const t of TARGETS) if (targets.includes(t)) renderers.push([t, await RENDERERS[t]()]);
  return checked(model, renderers);
}

function* checked(model: Model, renderers: [Target, (m: Model) => Iterable<OutputFile>][]): Generator<OutputFile> {
  const seen = new Map<string, string>();
  for (const [, render] of renderers) {
    // what loading or the previous target left is dropped before this one adds its own: at
    // 10,000 services compose alone leaves ~45 MB, and the heap then tops 300 MB (src/memory.ts)
    collectIfBig(model.units.length);
    for (const f of render(model)) {
      checkOutputFile(f, seen);
      if (f.pieces && /\.ya?ml$/.test(f.path)) {
        yield checkedPieces(f, model.units.length);
        continue;
      }
      // parsed again by whoever prints or writes it (not for a file already in DIR as it is)
      // (not enumerable: a file is still plain data to compare, print as JSON or spread)
      Object.defineProperty(f, 'verify', { value: () => reparse(f), enumerable: false, configurable: true });
      yield f;
    }
  }
}

/** Pieces of one file between two collections of a big run: compose's file comes a unit at a time,
 *  and its 10,000 pieces left ~45 MB of garbage in the old space by the end (src/memory.ts). */
const PIECES_PER_COLLECTION = 2500;

/** A file offered in pieces, checked piece by piece as it is written (the full parse decides what the one-pass check cannot). */
function checkedPieces(f: OutputFile, services: number): OutputFile {
  const whole = (): string => {
    const content = f.content;
    reparse({ path: f.path, target: f.target, content });
    return content;
  };
  function* pieces(): Generator<string> {
    const check = new PlainBlockYamlCheck();
    let n = 0;
    for (const piece of f.pieces!()) {
      check.feed(piece);
      yield piece;
      if (++n % PIECES_PER_COLLECTION === 0) collectIfBig(services);
    }
    if (!check.end()) whole(); // outside the subset the one-pass check knows: parse it whole (it throws if broken)
  }
  return { path: f.path, target: f.target, pieces, get content() { return whole(); } };
}

/** Render the chosen targets, all files at once, sorted by path (--stdout, --check, lint, tests). */
export async function renderTargets(model: Model, targets: readonly Target[]): Promise<OutputFile[]> {
  const files = [...(await renderStream(model, targets))].map((f) => {
    if (f.pieces) return { path: f.path, target: f.target, content: f.content };
    f.verify?.();
    return f;
  });
  return files.sort(byPath);
}

/** A rendered file that does not parse is ddp's bug: an internal error, never written. */
export function reparse(f: OutputFile): void {
  if (!/\.ya?ml$/.test(f.path)) return;
  // js-yaml: every document, duplicate keys included; ~20× faster than `yaml` on big outputs
  const problem = yamlProblem(f.content);
  if (problem !== undefined) throw new Error(`rendered ${f.path} is not valid YAML: ${problem}`);
}
