// fast-check generators of topologies, for the property tests (test/property/) and the
// determinism tests (test/hardening/).
//
//   validTopology          a random valid topology of every pattern this build implements
//                          (src/patterns/<pattern>.ts present), single-node features included,
//                          with free-text values that YAML loves to mangle; carries the list of
//                          values that must come out unchanged
//   toYamlText(t, rng?)    YAML (or JSON) text of it, keys optionally shuffled at every level
//   invalidTopologyText    text that must be rejected: broken YAML, wrong types, unknown keys,
//                          dangling references, duplicate names, bad names, port clashes
//
// Service names are a letter run plus a number and never contain `-`, so no service name can
// equal a name another service derives (`<name>-cache`, `<name>-0`, `<name>-broker`, ...).
import fc from 'fast-check';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ROOT } from './examples.js';

export const PATTERNS = ['replicated', 'sharded', 'scatter-gather', 'function', 'work-queue', 'batch'] as const;
export type PatternName = (typeof PATTERNS)[number];
/** The patterns (and pipelines) this build implements. */
export const implemented = (p: PatternName | 'pipeline'): boolean => existsSync(join(ROOT, 'src', 'patterns', `${p}.ts`));

/** Seed for every property test: DDP_FC_SEED replays a failure; printed in each test's name. */
export const SEED = Number(process.env.DDP_FC_SEED ?? Date.now() % 2 ** 31);
/** fast-check parameters; DDP_FC_SCALE multiplies the number of runs (for a longer search). */
export const fcParams = (numRuns: number) => ({ seed: SEED, numRuns: Math.max(1, Math.round(numRuns * Number(process.env.DDP_FC_SCALE ?? 1))) });

// ---- strings ---------------------------------------------------------------------------------

/** Values YAML (1.1 or 1.2) would turn into something else, or that could break a hand-made quoting. */
export const TRICKY = [
  'yes', 'no', 'on', 'off', 'y', 'n', 'true', 'False', 'null', '~', 'NULL', '',
  '0755', '1e3', '0x1F', '0o17', '1_000', '.inf', '-.Inf', '.NaN', '12:30:00', '2024-01-01', '+1', '-0', '0.5', '1.', '00',
  'a: b', 'key: value # comment', '#not a comment', ' # leading', 'a #b', 'trailing ', ' leading',
  '"double"', "'single'", 'it\'s', 'back\\slash', '\\n not a newline', 'line1\nline2', 'crlf\r\nend', 'tab\there', '\n', '\r',
  '- item', '? key', '[a, b]', '{a: 1}', '&anchor', '*alias', '!tag', '!!str x', '%YAML 1.1', '@at', '`tick`', '| block', '> folded',
  '---', '...', '--- # doc', 'a\n---\nb: 1', 'x\n  injected: true', '"}\n  injected: true', '\nkind: Secret',
  '${HOME}', '$HOME', '$$', 'a$b', '$(HOME)', '$$(X)', '{{ q }}', '{{{raw}}}', '<script>', 'é', '日本語', '🙂', 'e\u0301', '\u00a0nbsp', '\u2028ls', '\u0085nel', '\u0080c1', '\ufeffbom', '\u007fdel', '\u0000nul', '\u001besc',
];

/** Free text: the tricky list, random unicode, random code units; never longer than 40. */
export const freeText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...TRICKY), fc.constantFrom(...TRICKY)).map(([a, b]) => `${a}${b}`.slice(0, 40)) },
);

/** Label values: what Kubernetes accepts, including YAML look-alikes. */
export const labelValue = fc.oneof(fc.constantFrom('yes', 'no', 'on', 'off', 'true', 'null', 'NULL', '0755', '1e3', '0x1F', '1_000', '00', '12', 'y', 'v1.2', ''), fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?$/));
const labelKey = fc.oneof(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z]{1,6}\.example\.com\/[a-z][a-z0-9]{0,6}$/), fc.constantFrom('yes', 'on', 'null', 'true', '0755'));
const envName = fc.oneof(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,10}$/), fc.constantFrom('yes', 'on', 'NULL', 'true', '_'));
const dnsWord = fc.stringMatching(/^[a-z]{1,8}$/);
const image = fc.tuple(fc.constantFrom('ghcr.io/acme/', 'registry.example.com:5000/team/', '', 'docker.io/library/'), dnsWord, fc.constantFrom(':1.0.0', ':2.3', '@sha256:' + 'a'.repeat(64), ':v1.2.3-rc.1')).map(([r, n, t]) => `${r}${n}${t}`);
const envMap = fc.dictionary(envName, freeText, { maxKeys: 4 });
/** Annotations of one object (an Ingress's, a Service's): qualified keys, any text. */
const annotationMap = fc.dictionary(fc.oneof(fc.stringMatching(/^[a-z]{1,6}\.example\.com\/[a-z][a-z0-9-]{0,8}[a-z0-9]$/), fc.constantFrom('yes', 'on', 'null', '0755')), freeText, { maxKeys: 3 });
const argList = fc.array(freeText, { maxLength: 3 });

// ---- topologies ------------------------------------------------------------------------------

/** A value that must reach the output exactly: an env var of a container, an arg, an annotation. */
export type Carried =
  | { kind: 'env'; name: string; value: string }
  | { kind: 'arg'; value: string }
  | { kind: 'annotation'; key: string; value: string }
  | { kind: 'label'; key: string; value: string }
  /** on one object of the Kubernetes output (the Ingress, a Service): `expose.annotations`, `tls.serviceAnnotations` */
  | { kind: 'object-annotation'; object: string; name: string; key: string; value: string }
  /** `defaults.nodeSelector`: on every pod ddp writes */
  | { kind: 'node-selector'; key: string; value: string };

export interface GeneratedTopology {
  doc: Record<string, unknown>;
  carried: Carried[];
  patterns: string[];
}

const MAIN_PORTS = [8080, 8000, 3000, 9000, 5000];

interface ServiceGen {
  pattern: PatternName | 'pipeline';
  needs?: PatternName; // refers to a service of this pattern (generated earlier)
  arb: (name: string, ref: string | undefined) => fc.Arbitrary<{ svc: Record<string, unknown>; carried: Carried[] }>;
}

const containerFields = fc.record({ port: fc.constantFrom(...MAIN_PORTS), env: envMap, args: argList, withCommand: fc.boolean(), cmd: freeText, healthPath: fc.option(fc.constantFrom('/healthz', '/ready', '/a b', '/q?x=1&y=2#frag'), { nil: undefined }) });
type ContainerOpts = { port: number; env: Record<string, string>; args: string[]; withCommand: boolean; cmd: string; healthPath?: string };
function container(c: ContainerOpts, img: string, withPort = true): { fields: Record<string, unknown>; carried: Carried[] } {
  const fields: Record<string, unknown> = { image: img };
  if (withPort) fields.port = c.port;
  if (Object.keys(c.env).length) fields.env = c.env;
  if (c.args.length) fields.args = c.args;
  if (c.withCommand) fields.command = ['/bin/app', c.cmd];
  if (c.healthPath && withPort) fields.health = { path: c.healthPath };
  const carried: Carried[] = [...Object.entries(c.env).map(([name, value]) => ({ kind: 'env' as const, name, value })), ...c.args.map((value) => ({ kind: 'arg' as const, value }))];
  return { fields, carried };
}

/** Sidecars, ambassadors (proxy only: routes to other services come from `needs`), adapters, election. */
const singleNode = fc.record({
  sidecar: fc.option(fc.record({ image, env: envMap, args: argList }), { nil: undefined }),
  tls: fc.boolean(),
  proxy: fc.option(fc.tuple(fc.constantFrom('db.example.com:5432', '10.0.0.1:6379'), fc.constantFrom('tcp', 'http')), { nil: undefined }),
  metrics: fc.boolean(),
  logs: fc.boolean(),
  election: fc.boolean(),
});
type SingleNodeOpts = { sidecar?: { image: string; env: Record<string, string>; args: string[] }; tls: boolean; proxy?: [string, string]; metrics: boolean; logs: boolean; election: boolean };
function applySingleNode(name: string, svc: Record<string, unknown>, s: SingleNodeOpts, carried: Carried[]): void {
  const sidecars: Record<string, unknown>[] = [];
  if (s.sidecar) {
    sidecars.push({ name: 'helper', image: s.sidecar.image, ...(Object.keys(s.sidecar.env).length ? { env: s.sidecar.env } : {}), ...(s.sidecar.args.length ? { args: s.sidecar.args } : {}) });
    carried.push(...Object.entries(s.sidecar.env).map(([n, value]) => ({ kind: 'env' as const, name: n, value })), ...s.sidecar.args.map((value) => ({ kind: 'arg' as const, value })));
  }
  if (s.tls) sidecars.push({ name: 'https', kind: 'tls', secret: `${name}-tls`, port: 8443 });
  if (sidecars.length) svc.sidecars = sidecars;
  if (s.proxy) svc.ambassadors = [{ name: 'db', kind: 'proxy', listen: 15432, upstream: s.proxy[0], ...(s.proxy[1] === 'http' ? { protocol: 'http' } : {}) }];
  const adapters: Record<string, unknown>[] = [];
  if (s.metrics) adapters.push({ name: 'metrics', kind: 'prometheus', image: 'oliver006/redis_exporter:v1.62.0', port: 9121 });
  if (s.logs) adapters.push({ name: 'logs', kind: 'logging', image: 'fluent/fluent-bit:3.1.9' });
  if (adapters.length) svc.adapters = adapters;
  if (s.election) svc.election = { lock: `${name}-leader` };
}

/** An idleTimeout, or none (1h): what the proxies in front of a service write into nginx and varnishd. */
const idleTimeout = fc.option(fc.constantFrom('1s', '1500ms', '90s', '15m', '24h'), { nil: undefined });

const GENERATORS: ServiceGen[] = [
  {
    pattern: 'replicated',
    arb: (name) =>
      fc.record({ c: containerFields, img: image, replicas: fc.integer({ min: 1, max: 5 }), cache: fc.boolean(), tls: fc.boolean(), expose: fc.boolean(), autoscale: fc.boolean(), sn: singleNode, desc: freeText, idle: idleTimeout, ingressAnn: annotationMap, tlsAnn: annotationMap }).map(({ c, img, replicas, cache, tls, expose, autoscale, sn, desc, idle, ingressAnn, tlsAnn }) => {
        const { fields, carried } = container(c, img);
        const svc: Record<string, unknown> = { pattern: 'replicated', ...fields, description: desc };
        if (autoscale) svc.autoscale = { min: replicas, max: replicas + 3, cpu: 75 };
        else svc.replicas = replicas;
        if (cache) svc.cache = { replicas: 2, ttl: '60s', memory: '128Mi' };
        if (tls) svc.tls = { secret: `${name}-cert`, replicas: 2, ...(Object.keys(tlsAnn).length ? { serviceAnnotations: tlsAnn } : {}) };
        if (expose) svc.expose = { host: `${name}.example.com`, path: '/', ...(Object.keys(ingressAnn).length ? { annotations: ingressAnn } : {}) };
        // what the Ingress and the TLS layer's Service carry as they were written
        if (expose) carried.push(...Object.entries(ingressAnn).map(([key, value]) => ({ kind: 'object-annotation' as const, object: 'Ingress', name, key, value })));
        if (tls) carried.push(...Object.entries(tlsAnn).map(([key, value]) => ({ kind: 'object-annotation' as const, object: 'Service', name: `${name}-tls`, key, value })));
        if (idle && (cache || tls || sn.tls)) svc.idleTimeout = idle;
        applySingleNode(name, svc, sn, carried);
        return { svc, carried };
      }),
  },
  {
    pattern: 'sharded',
    arb: () =>
      fc.record({ c: containerFields, img: image, protocol: fc.constantFrom('http', 'memcache', 'redis'), shards: fc.integer({ min: 2, max: 5 }), hot: fc.integer({ min: 1, max: 3 }), key: fc.constantFrom('uri', 'header:X-User', 'cookie:sid', 'query:id'), idle: idleTimeout }).map(({ c, img, protocol, shards, hot, key, idle }) => {
        const { fields, carried } = container({ ...c, healthPath: protocol === 'http' ? c.healthPath : undefined }, img);
        const svc: Record<string, unknown> = { pattern: 'sharded', ...fields, protocol, shards, replicasPerShard: hot, router: { replicas: 2 } };
        if (protocol === 'http') svc.key = key;
        if (protocol === 'http' && idle) svc.idleTimeout = idle;
        return { svc, carried };
      }),
  },
  {
    pattern: 'scatter-gather',
    arb: () =>
      fc.record({ root: containerFields, leaf: containerFields, rimg: image, limg: image, count: fc.integer({ min: 1, max: 6 }), timeout: fc.constantFrom('2s', '500ms', '1m') }).map(({ root, leaf, rimg, limg, count, timeout }) => {
        const r = container(root, rimg);
        const l = container(leaf, limg);
        return { svc: { pattern: 'scatter-gather', root: { ...r.fields, replicas: 2 }, leaves: { ...l.fields, count }, timeout }, carried: [...r.carried, ...l.carried] };
      }),
  },
  {
    pattern: 'work-queue',
    arb: (name) =>
      fc.record({ c: containerFields, img: image, broker: fc.constantFrom('redis', 'rabbitmq', 'nats'), mode: fc.constantFrom('deployment', 'job'), replicas: fc.integer({ min: 1, max: 4 }), scale: fc.boolean() }).map(({ c, img, broker, mode, replicas, scale }) => {
        const w = container(c, img, false);
        const svc: Record<string, unknown> = { pattern: 'work-queue', broker, queue: `${name}-jobs`, worker: { ...w.fields, replicas }, mode };
        if (scale && mode === 'deployment') svc.autoscale = { min: 1, max: 10, perWorker: 5 };
        return { svc, carried: w.carried };
      }),
  },
  {
    pattern: 'batch',
    arb: () =>
      fc.record({ m: containerFields, r: containerFields, mimg: image, rimg: image, shards: fc.integer({ min: 1, max: 8 }), par: fc.integer({ min: 1, max: 4 }) }).map(({ m, r, mimg, rimg, shards, par }) => {
        const mc = container(m, mimg, false);
        const rc = container(r, rimg, false);
        return { svc: { pattern: 'batch', map: { ...mc.fields, shards, parallelism: par }, reduce: rc.fields, storage: { size: '1Gi' } }, carried: [...mc.carried, ...rc.carried] };
      }),
  },
  {
    pattern: 'function',
    arb: () =>
      fc.record({ c: containerFields, img: image, trigger: fc.constantFrom('http', 'schedule'), cron: fc.constantFrom('*/5 * * * *', '@hourly', '0 0 * * 1') }).map(({ c, img, trigger, cron }) => {
        const { fields, carried } = container(c, img, trigger === 'http');
        return { svc: { pattern: 'function', ...fields, trigger: trigger === 'http' ? 'http' : { schedule: cron } }, carried };
      }),
  },
  {
    pattern: 'function',
    needs: 'work-queue',
    arb: (_name, ref) =>
      fc.record({ c: containerFields, img: image }).map(({ c, img }) => {
        const { fields, carried } = container(c, img, false);
        return { svc: { pattern: 'function', ...fields, trigger: { queue: ref } }, carried };
      }),
  },
  {
    // a producer: told the queue's broker and name (feeds)
    pattern: 'replicated',
    needs: 'work-queue',
    arb: (_name, ref) =>
      fc.record({ c: containerFields, img: image }).map(({ c, img }) => {
        const { fields, carried } = container(c, img);
        return { svc: { pattern: 'replicated', ...fields, feeds: [ref] }, carried };
      }),
  },
  {
    pattern: 'pipeline',
    arb: () =>
      fc.record({ broker: fc.constantFrom('redis', 'nats', 'kafka'), shards: fc.integer({ min: 2, max: 4 }), env: envMap, img: image }).map(({ broker, shards, env, img }) => {
        const withEnv = Object.keys(env).length ? { env } : {};
        const stages: Record<string, unknown> = {
          copy: { kind: 'copier', image: img, input: 'in', outputs: ['left', 'right'], ...withEnv },
          split: { kind: 'sharder', image: img, input: 'left', shards },
          keep: { kind: 'filter', image: img, input: 'right' },
          join: { kind: 'merger', image: img, inputs: Array.from({ length: shards }, (_, i) => `split-${i}`), outputs: ['done'] },
        };
        return { svc: { broker, sources: ['in'], stages }, carried: Object.entries(env).map(([name, value]) => ({ kind: 'env' as const, name, value })) };
      }),
  },
];

/** A random valid topology over the implemented patterns; each pattern appears at least once when `everyPattern`. */
export function validTopology(opts: { maxServices?: number; everyPattern?: boolean } = {}): fc.Arbitrary<GeneratedTopology> {
  const gens = GENERATORS.filter((g) => implemented(g.pattern) && (!g.needs || implemented(g.needs)));
  const max = opts.maxServices ?? 5;
  const pick = opts.everyPattern
    ? fc.shuffledSubarray(gens, { minLength: gens.length, maxLength: gens.length }).chain((all) => fc.array(fc.constantFrom(...gens), { maxLength: 2 }).map((more) => [...all, ...more]))
    : fc.array(fc.constantFrom(...gens), { minLength: 1, maxLength: max });
  return fc
    .record({
      gens: pick,
      prefixes: fc.array(fc.stringMatching(/^[a-z]{1,6}$/), { minLength: 12, maxLength: 12 }),
      name: fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/),
      namespace: fc.option(fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/), { nil: undefined }),
      labels: fc.dictionary(labelKey, labelValue, { maxKeys: 3 }),
      annotations: fc.dictionary(fc.stringMatching(/^[a-z]{1,6}\.example\.com\/[a-z][a-z0-9-]{0,8}[a-z0-9]$/), freeText, { maxKeys: 3 }),
      withDefaults: fc.boolean(),
      nodeSelector: fc.dictionary(labelKey, labelValue, { maxKeys: 2 }),
    })
    .chain(({ gens: chosen, prefixes, name, namespace, labels, annotations, withDefaults, nodeSelector }) => {
      // dependencies first, so that every `needs` finds a service
      const ordered = [...chosen].sort((a, b) => Number(!!a.needs) - Number(!!b.needs));
      const names: string[] = [];
      const last: Partial<Record<string, string>> = {};
      const entries = ordered.map((g, i) => {
        const n = `${prefixes[i % prefixes.length]}${i}`;
        names.push(n);
        const ref = g.needs ? last[g.needs] : undefined;
        if (g.needs && !ref) return undefined;
        last[g.pattern] = n;
        return { g, n, arb: g.arb(n, ref) };
      }).filter((e): e is NonNullable<typeof e> => e !== undefined);
      return fc.tuple(...entries.map((e) => e.arb)).map((built) => {
        const services: Record<string, unknown> = {};
        const pipelines: Record<string, unknown> = {};
        const carried: Carried[] = [
          ...Object.entries(annotations).map(([key, value]) => ({ kind: 'annotation' as const, key, value })),
          ...Object.entries(labels).map(([key, value]) => ({ kind: 'label' as const, key, value })),
          ...(withDefaults ? Object.entries(nodeSelector).map(([key, value]) => ({ kind: 'node-selector' as const, key, value })) : []),
        ];
        built.forEach((b, i) => {
          (entries[i].g.pattern === 'pipeline' ? pipelines : services)[entries[i].n] = b.svc;
          carried.push(...b.carried);
        });
        if (!Object.keys(services).length) services.web0 = { pattern: 'replicated', image: 'ghcr.io/acme/web:1.0.0', port: 8080 };
        const metadata: Record<string, unknown> = { name };
        if (namespace) metadata.namespace = namespace;
        if (Object.keys(labels).length) metadata.labels = labels;
        if (Object.keys(annotations).length) metadata.annotations = annotations;
        const doc: Record<string, unknown> = { apiVersion: 'ddp/v1', kind: 'Topology', metadata };
        if (withDefaults) doc.defaults = { resources: { cpu: '50m', memory: '64Mi', cpuLimit: '250m', memoryLimit: '128Mi' }, imagePullPolicy: 'IfNotPresent', ...(Object.keys(nodeSelector).length ? { nodeSelector } : {}) };
        doc.services = services;
        if (Object.keys(pipelines).length) doc.pipelines = pipelines;
        return { doc, carried, patterns: [...new Set(entries.map((e) => e.g.pattern))].sort() };
      });
    });
}

// ---- text ------------------------------------------------------------------------------------

/** A copy with the keys of every mapping in a random order (lists keep their order). */
export function shuffleKeys(v: unknown, rand: () => number): unknown {
  if (Array.isArray(v)) return v.map((x) => shuffleKeys(x, rand));
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [keys[i], keys[j]] = [keys[j], keys[i]];
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = shuffleKeys((v as Record<string, unknown>)[k], rand);
    return out;
  }
  return v;
}

/** YAML text of a document in one of several styles (block, flow, JSON, quoted everything). */
export function toYamlText(doc: unknown, style: 'block' | 'flow' | 'json' | 'quoted' = 'block'): string {
  if (style === 'json') return JSON.stringify(doc, null, 2) + '\n';
  if (style === 'flow') return stringify(doc, { collectionStyle: 'flow', lineWidth: 0 });
  if (style === 'quoted') return stringify(doc, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0 });
  return stringify(doc, { lineWidth: 0 });
}
export const textStyle = fc.constantFrom('block', 'flow', 'json', 'quoted') as fc.Arbitrary<'block' | 'flow' | 'json' | 'quoted'>;

// ---- invalid topologies ----------------------------------------------------------------------

/** A mutation that makes a valid document invalid, and what kind of problem it is. */
const mutations: fc.Arbitrary<(doc: Record<string, unknown>) => Record<string, unknown> | string> = fc.oneof(
  fc.constantFrom(
    (d: Record<string, unknown>) => ({ ...d, apiVersion: 'ddp/v2' }),
    (d: Record<string, unknown>) => ({ ...d, kind: 'Topo' }),
    (d: Record<string, unknown>) => ({ ...d, servicez: d.services }),
    (d: Record<string, unknown>) => ({ ...d, services: {} }),
    (d: Record<string, unknown>) => ({ ...d, metadata: { name: 'Not_A_Label' } }),
    (d: Record<string, unknown>) => firstService(d, (s) => ({ ...s, replicaz: 3 })),
    (d: Record<string, unknown>) => firstService(d, (s) => ({ ...s, pattern: 'replicatd' })),
    (d: Record<string, unknown>) => firstService(d, (s) => ({ ...s, pattern: 42 })),
    (d: Record<string, unknown>) => firstService(d, (s) => ({ ...s, image: 'has space:1' })),
    (d: Record<string, unknown>) => firstService(d, (s) => ({ ...s, env: { 'BAD-NAME': 'x' } })),
    (d: Record<string, unknown>) => firstService(d, (s) => ({ ...s, env: { OK: 12 } })),
    (d: Record<string, unknown>) => ({ ...d, services: { ...(d.services as object), Bad_Name: { pattern: 'replicated', image: 'x:1' } } }),
    (d: Record<string, unknown>) => ({ ...d, services: { ...(d.services as object), fnz9: { pattern: 'function', image: 'f:1', trigger: { queue: 'nowhere' } } } }),
    (d: Record<string, unknown>) => ({ ...d, services: { ...(d.services as object), feedz9: { pattern: 'replicated', image: 'f:1', port: 8080, feeds: ['nowhere', 'no/such'] } } }),
    (d: Record<string, unknown>) => ({ ...d, services: { ...(d.services as object), webz9: { pattern: 'replicated', image: 'w:1', port: 8080, ambassadors: [{ name: 'split', kind: 'split', listen: 9001, routes: [{ to: 'nowhere', weight: 50 }, { to: 'nothere', weight: 50 }] }] } } }),
    (d: Record<string, unknown>) => ({ ...d, services: { ...(d.services as object), clash9: { pattern: 'replicated', image: 'c:1', port: 8080, sidecars: [{ name: 'side', image: 's:1', port: 8080 }] } } }),
    (d: Record<string, unknown>) => ({ ...d, pipelines: { loop9: { stages: { a: { kind: 'filter', image: 'a:1', input: 'x', outputs: ['y'] }, b: { kind: 'filter', image: 'b:1', input: 'y', outputs: ['x'] } } } } }),
    (d: Record<string, unknown>) => ({ ...d, environments: { prod: { services: { nosuch9: { replicas: 2 } } } } }),
  ),
  // YAML that does not parse, or parses to something that is not a topology
  fc.constantFrom(
    () => 'apiVersion: ddp/v1\nkind: Topology\nmetadata: {name: x\nservices: {}\n',
    () => 'apiVersion: ddp/v1\napiVersion: ddp/v1\nkind: Topology\n',
    () => 'apiVersion: ddp/v1\nkind: Topology\nmetadata:\n\tname: x\n',
    () => '- just\n- a list\n',
    () => 'just a string\n',
    () => '# only a comment\n',
    () => 'a: &x [*x]\n',
    () => 'a: "unterminated\nb: 1\n',
    () => 'apiVersion: ddp/v1\n---\nkind: Topology\n',
    () => 'a: 1\n b: 2\n',
    () => 'services:\n  web:\n    pattern: replicated\n    image: [\n',
  ),
);

function firstService(d: Record<string, unknown>, f: (s: Record<string, unknown>) => Record<string, unknown>): Record<string, unknown> {
  const services = d.services as Record<string, Record<string, unknown>>;
  const [first] = Object.keys(services);
  return { ...d, services: { ...services, [first]: f(services[first]) } };
}

/** Text of a topology that `ddp validate` must reject (with positions). */
export const invalidTopologyText: fc.Arbitrary<string> = fc.tuple(validTopology({ maxServices: 3 }), mutations, textStyle).map(([t, m, style]) => {
  const out = m(t.doc);
  return typeof out === 'string' ? out : toYamlText(out, style);
});
