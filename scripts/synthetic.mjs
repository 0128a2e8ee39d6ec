// Synthetic topologies: deterministic (no randomness), every service unique by its number.
// Used by the benchmark (scripts/bench.mjs: 10 to 10,000 services) and by the build
// (scripts/bundle.mjs: the code cache is made from one of each variant).
const pad = (i) => String(i).padStart(5, '0');
const RES = '{ cpu: 50m, memory: 64Mi, cpuLimit: 200m, memoryLimit: 128Mi }';

/**
 * Variants, in the order one round of the mix uses them. `needs` are the variants whose
 * services it refers to (it refers to the latest one generated); `svc` gives a service's lines.
 * (bench.mjs finds out whether this build implements a variant by generating a small topology
 * of it and what it needs.)
 */
export const VARIANTS = [
  { id: 'replicated', kind: 'replicated', needs: [], svc: (n) => [`  ${n}:`, '    pattern: replicated', '    image: ghcr.io/acme/web:1.4.2', '    port: 8080', '    replicas: 3', '    health: { path: /healthz }', '    env: { LOG_LEVEL: info, GREETING: "hello: world # not a comment", MODE: "0755" }'] },
  { id: 'replicated-layers', kind: 'replicated', needs: [], svc: (n) => [`  ${n}:`, '    pattern: replicated', '    image: ghcr.io/acme/shop:2.3.1', '    port: 8080', '    autoscale: { min: 2, max: 8, cpu: 70 }', '    cache: { replicas: 2, ttl: 60s, memory: 128Mi }', `    tls: { secret: ${n}-tls, replicas: 2 }`, `    expose: { host: ${n}.example.com, path: /, tlsSecret: ${n}-tls }`] },
  { id: 'sharded-memcache', kind: 'sharded', needs: [], svc: (n) => [`  ${n}:`, '    pattern: sharded', '    image: memcached:1.6.29', '    port: 11211', '    protocol: memcache', '    shards: 3', '    router: { replicas: 2 }'] },
  { id: 'sharded-http', kind: 'sharded', needs: [], svc: (n) => [`  ${n}:`, '    pattern: sharded', '    image: ghcr.io/acme/cache-http:1.0.0', '    port: 8080', '    shards: 4', '    key: header:X-User-Id', '    replicasPerShard: 2'] },
  { id: 'sharded-redis', kind: 'sharded', needs: [], svc: (n) => [`  ${n}:`, '    pattern: sharded', '    image: redis:7.4.1', '    port: 6379', '    protocol: redis', '    shards: 2', '    storage: { size: 1Gi }'] },
  { id: 'scatter-gather', kind: 'scatter-gather', needs: [], svc: (n) => [`  ${n}:`, '    pattern: scatter-gather', '    root: { image: ghcr.io/acme/search-root:2.0.0, port: 8080, replicas: 2 }', '    leaves: { image: ghcr.io/acme/search-leaf:2.0.0, port: 8080, count: 4 }', '    timeout: 2s'] },
  { id: 'work-queue', kind: 'work-queue', needs: [], svc: (n) => [`  ${n}:`, '    pattern: work-queue', '    broker: redis', `    queue: ${n}-jobs`, '    worker: { image: ghcr.io/acme/thumb:1.2.0, replicas: 2 }', '    autoscale: { min: 1, max: 10, perWorker: 5 }'] },
  { id: 'work-queue-job', kind: 'work-queue', needs: [], svc: (n) => [`  ${n}:`, '    pattern: work-queue', '    broker: nats', '    mode: job', '    worker: { image: ghcr.io/acme/resize:3.0.1, replicas: 3 }'] },
  { id: 'batch', kind: 'batch', needs: [], svc: (n) => [`  ${n}:`, '    pattern: batch', '    map: { image: ghcr.io/acme/count-map:1.0.0, shards: 6, parallelism: 3 }', '    reduce: { image: ghcr.io/acme/count-reduce:1.0.0 }', '    storage: { size: 2Gi }'] },
  { id: 'function-http', kind: 'function', needs: ['replicated'], svc: (n, ref) => [`  ${n}:`, '    pattern: function', '    image: ghcr.io/acme/add-defaults:1.0.0', '    port: 8080', '    trigger: http', `    decorates: ${ref.replicated}`] },
  { id: 'function-schedule', kind: 'function', needs: [], svc: (n) => [`  ${n}:`, '    pattern: function', '    image: ghcr.io/acme/report:1.1.0', '    trigger: { schedule: "*/15 * * * *" }'] },
  { id: 'function-queue', kind: 'function', needs: ['work-queue'], svc: (n, ref) => [`  ${n}:`, '    pattern: function', '    image: ghcr.io/acme/on-job:0.9.0', `    trigger: { queue: ${ref['work-queue']} }`] },
  { id: 'sidecars', kind: 'replicated', needs: [], svc: (n) => [`  ${n}:`, '    pattern: replicated', '    image: nginxinc/nginx-unprivileged:1.27.3-alpine', '    port: 8080', '    volumes: { content: { type: emptyDir } }', '    mounts: [{ volume: content, path: /usr/share/nginx/html, readOnly: true }]', '    sidecars:', '      - { name: git-sync, image: "registry.k8s.io/git-sync/git-sync:v4.2.4", args: [--root=/git, --period=60s], mounts: [{ volume: content, path: /git }] }', `      - { name: https, kind: tls, secret: ${n}-tls, port: 8443 }`] },
  { id: 'ambassadors', kind: 'replicated', needs: ['replicated', 'sharded-memcache'], svc: (n, ref) => [`  ${n}:`, '    pattern: replicated', '    image: ghcr.io/acme/shop:3.1.0', '    port: 8080', '    ambassadors:', `      - { name: cache, kind: shard-router, target: ${ref['sharded-memcache']}, listen: 11211 }`, `      - { name: split, kind: split, listen: 8081, key: header:X-User-Id, routes: [{ to: ${ref.replicated}, weight: 90 }, { to: ${ref['replicated-b']}, weight: 10 }] }`, '      - { name: db, kind: proxy, listen: 5432, upstream: db.prod.example.com:5432 }'] },
  { id: 'adapters', kind: 'replicated', needs: [], svc: (n) => [`  ${n}:`, '    pattern: replicated', '    image: redis:7.4.1', '    port: 6379', '    adapters:', '      - { name: metrics, kind: prometheus, image: "oliver006/redis_exporter:v1.62.0", port: 9121 }', '      - { name: logs, kind: logging, image: "fluent/fluent-bit:3.1.9" }'] },
  { id: 'election', kind: 'replicated', needs: [], svc: (n) => [`  ${n}:`, '    pattern: replicated', '    image: ghcr.io/acme/scheduler:1.0.0', '    port: 8080', `    election: { lock: ${n}-leader }`] },
];
export const PIPELINE = (n) => [`  ${n}:`, '    broker: redis', '    sources: [uploads]', '    stages:', '      copy: { kind: copier, image: ghcr.io/acme/copy:1.0.0, input: uploads, outputs: [to-blur, to-archive] }', '      blur: { kind: sharder, image: ghcr.io/acme/blur:1.0.0, input: to-blur, shards: 3 }', '      detect: { kind: filter, image: ghcr.io/acme/detect:1.0.0, input: blur-0 }', '      join: { kind: merger, image: ghcr.io/acme/merge:1.0.0, inputs: [blur-1, blur-2], outputs: [done] }', '      archive: { kind: filter, image: ghcr.io/acme/archive:1.0.0, input: to-archive }'];
const PIPELINE_EVERY = 20; // one pipeline per 20 units when pipelines are implemented

export const header = (name) => ['apiVersion: ddp/v1', 'kind: Topology', 'metadata:', `  name: ${name}`, '  labels: { team: bench, "cost-center": "0042" }', 'defaults:', `  resources: ${RES}`];

/** A synthetic topology of `n` units (services + pipelines) over the enabled variants. */
export function synthesize(n, enabled, withPipelines) {
  const order = VARIANTS.filter((v) => enabled.has(v.id) && v.needs.every((x) => enabled.has(x)));
  if (!order.length) throw new Error('no pattern is implemented: nothing to benchmark');
  const services = [];
  const pipelines = [];
  const refs = {}; // variant id → the latest service of it; 'replicated-b' → the one before
  const decorated = new Set();
  for (let unit = 0, i = 0; unit < n; i++) {
    if (withPipelines && unit % PIPELINE_EVERY === PIPELINE_EVERY - 1) {
      pipelines.push(...PIPELINE(`flow-${pad(unit++)}`));
      i--; // the variant's turn is not used up
      continue;
    }
    const v = order[i % order.length];
    // a variant that refers to others waits for them (they come earlier in every round);
    // a service is decorated by one function at most
    if (v.needs.some((x) => !refs[x]) || (v.id === 'ambassadors' && !refs['replicated-b'])) continue;
    if (v.id === 'function-http' && decorated.has(refs.replicated)) continue;
    const name = `${v.id.split('-')[0].slice(0, 5)}-${pad(unit++)}`;
    services.push(...v.svc(name, refs));
    if (v.id === 'function-http') decorated.add(refs.replicated);
    if (v.id === 'replicated') refs['replicated-b'] = refs.replicated;
    refs[v.id] = name;
  }
  const lines = [...header(`bench-${n}`), 'services:', ...services];
  if (pipelines.length) lines.push('pipelines:', ...pipelines);
  lines.push('environments:', '  prod:', '    defaults:', '      imagePullPolicy: Always');
  return lines.join('\n') + '\n';
}

/** Every variant (two rounds: the ambassadors refer to two earlier services) and a pipeline: what the build's code cache is made from. */
export function oneOfEach() {
  return synthesize(2 * VARIANTS.length + 4, new Set(VARIANTS.map((v) => v.id)), true).replace(/bench-\d+/, 'code-cache');
}
