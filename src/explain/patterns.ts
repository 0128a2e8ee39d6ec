// What every pattern is for, when to use it, what ddp generates for it on each target, and a
// minimal snippet. `ddp explain` prints these; `ddp init` and `ddp add` scaffold from the snippets
// (so every snippet is tested to validate and generate: test/commands/init.test.ts).

export type PatternId =
  | 'replicated'
  | 'sharded'
  | 'scatter-gather'
  | 'function'
  | 'work-queue'
  | 'batch'
  | 'pipeline'
  | 'sidecar'
  | 'ambassador'
  | 'adapter'
  | 'election';

export interface PatternDoc {
  id: PatternId;
  title: string;
  chapter: string; // in Designing Distributed Systems
  sample: string; // the name `ddp explain` shows the snippet with
  group: 'single-node' | 'serving' | 'batch';
  summary: string;
  when: string[];
  avoid: string[];
  generates: { kubernetes: string; compose: string; configs: string };
  /** Where the snippet goes: a service (services:), or a pipeline (pipelines:). */
  section: 'services' | 'pipelines';
  /** The YAML of one entry named `name` (its key line included), two-space indented from column 0. */
  snippet: (name: string) => string;
  /** Single-node patterns: the item `ddp add <pattern> <name> --to SERVICE` adds to that service. */
  /** `taken`: the ports the service's pod listens on already */
  attach?: {
    key: 'sidecars' | 'ambassadors' | 'adapters' | 'election';
    item: (name: string, service: string, taken: ReadonlySet<number>) => string;
    /** what in `item` (and the snippet) stands in for a value of yours, `marker` the text that
     *  shows it is still there, and what to set instead (`ddp add` says it) */
    placeholder?: { marker: string; note: string };
  };
}

const img = (name: string, tag = '1.0.0') => `ghcr.io/acme/${name}:${tag}`;
/** The first port from `from` up that the pod does not listen on. */
const freePort = (from: number, taken: ReadonlySet<number>): number => {
  let p = from;
  while (taken.has(p)) p++;
  return p;
};

export const PATTERNS: PatternDoc[] = [
  {
    id: 'replicated',
    sample: 'web',
    title: 'Replicated load-balanced service',
    chapter: 'ch. 5',
    group: 'serving',
    summary: 'Identical, stateless replicas behind one load-balanced address, optionally fronted by a varnish cache layer and an nginx TLS-termination layer, exposed through an Ingress.',
    when: ['the service keeps no state between requests (or keeps it elsewhere)', 'you need more throughput or availability than one instance gives', 'responses are cacheable and a cache in front would spare the replicas'],
    avoid: ['every request needs data that does not fit on one replica: shard it (`sharded`)', 'one request is too big for one replica: fan it out (`scatter-gather`)'],
    generates: {
      kubernetes: 'a Deployment and a Service per layer (TLS → cache → replicas), a PodDisruptionBudget and a topology spread for two or more replicas, an HPA for `autoscale` (then no fixed `replicas`), an Ingress for `expose`, ConfigMaps for the proxy configs',
      compose: 'a service per layer; the replicas run as `<name>-replica` behind a compose-only nginx load balancer under `<name>` (compose has no ClusterIP), so varnish resolves one address; it answers on every port of the Service',
      configs: '`nginx/<name>-tls.conf` (listen 8443 ssl), `varnish/<name>-cache.vcl`, `nginx/<name>-lb.conf` (compose only)',
    },
    section: 'services',
    snippet: (name) => `${name}:
  pattern: replicated
  image: ${img(name)}        # your image, pinned to a version
  port: 8080
  replicas: 3
  health: { path: /healthz }           # readiness; liveness is derived and differs
  # cache: { replicas: 2, ttl: 60s, memory: 256Mi }   # a varnish layer in front
  # tls: { secret: ${name}-tls, replicas: 2 }           # an nginx TLS layer in front of that
  # expose: { host: ${name}.example.com }             # an Ingress on the outermost layer
`,
  },
  {
    id: 'sharded',
    sample: 'sessions',
    title: 'Sharded service',
    chapter: 'ch. 6',
    group: 'serving',
    summary: 'State or work split over shards by a consistent hash of a key; a router (nginx for HTTP, twemproxy for memcache/redis) sends every key to the same shard.',
    when: ['the data or cache does not fit on one replica', 'each request belongs to one key (a user, a session, a URL)', 'hot keys need their own replicated shard (`replicasPerShard` > 1)'],
    avoid: ['requests need data from every shard: `scatter-gather`', 'the state is small enough for every replica: `replicated`'],
    generates: {
      kubernetes: 'a StatefulSet of the shards with a headless Service (`publishNotReadyAddresses: true`, pod DNS `<name>-<i>.<name>`) and a ClusterIP Service `<name>-<i>` per pod (a stable address of each shard for the routers), or a Deployment and Service per hot shard; the router as a Deployment and Service with its config in a ConfigMap',
      compose: 'a service per shard (network alias `<name>-<i>.<name>`) and the router service',
      configs: '`nginx/<name>-router.conf` (`hash <key> consistent`) for http, `twemproxy/<name>-router.yml` (ketama) for memcache and redis, `varnish/<name>-router.vcl` with `router: { kind: varnish }`; compose only: `nginx/<name>-<i>-lb.conf` in front of a hot shard\'s replicas, on every port of its Service',
    },
    section: 'services',
    snippet: (name) => `${name}:
  pattern: sharded
  image: memcached:1.6.29
  port: 11211
  protocol: memcache                   # http (default) | memcache | redis | tcp
  shards: 3                            # shard i is ${name}-<i>, counted from 0
  router: { replicas: 2 }              # twemproxy (ketama) in front of the shards
`,
  },
  {
    id: 'scatter-gather',
    sample: 'search',
    title: 'Scatter/gather',
    chapter: 'ch. 7',
    group: 'serving',
    summary: 'A root fans each request out to every leaf in parallel and merges their answers; each leaf holds or computes one part.',
    when: ['one request is too slow or too large for one machine (search over a big index, a wide computation)', 'the work splits into independent parts whose results merge'],
    avoid: ['each request touches one part only: `sharded`', 'the slowest leaf decides the latency, so many leaves and a tight `timeout` need care'],
    generates: {
      kubernetes: 'the root as a Deployment and Service; the leaves as a StatefulSet `<name>-leaf` with a headless Service (one stable name per leaf); the root gets `DDP_LEAVES` (comma-separated leaf URLs) and `DDP_LEAF_TIMEOUT_MS`, each leaf `DDP_LEAF_INDEX` and `DDP_LEAF_COUNT`',
      compose: 'the root service and one service per leaf (`<name>-leaf-<i>`), with the same environment',
      configs: 'none: the root is your code',
    },
    section: 'services',
    snippet: (name) => `${name}:
  pattern: scatter-gather
  root: { image: ${img(`${name}-root`)}, port: 8080, replicas: 2 }
  leaves: { image: ${img(`${name}-leaf`)}, port: 8080, count: 4 }
  timeout: 2s                          # the root gets DDP_LEAVES and DDP_LEAF_TIMEOUT_MS
`,
  },
  {
    id: 'function',
    sample: 'add-defaults',
    title: 'Functions and event-driven processing',
    chapter: 'ch. 8',
    group: 'serving',
    summary: 'A small handler run on demand: on HTTP, on a schedule, or for each item of a work queue; a decorator function can front another service and rewrite its requests.',
    when: ['the code is small and triggered by events', 'load is bursty or mostly idle (`runtime: knative` scales to zero)', 'you want to add behaviour in front of a service without changing it (`decorates`)'],
    avoid: ['the work keeps state in memory between requests', 'steady high load: a `replicated` service is simpler and cheaper'],
    generates: {
      kubernetes: 'a Deployment and Service with an HPA within `scale`, a Knative Service for `runtime: knative`, a CronJob for `trigger: { schedule }`, a KEDA-scaled consumer of the work queue for `trigger: { queue }`; with `decorates`, the decorated service\'s TLS layer or Ingress sends to the function, which calls the service at `UPSTREAM_URL`',
      compose: 'a service; a scheduled function runs once at start (compose has no scheduler: a warning says so, `docker compose run --rm <name>` runs it again)',
      configs: 'none',
    },
    section: 'services',
    snippet: (name) => `${name}:
  pattern: function
  image: ${img(name)}
  port: 8080
  trigger: http                        # http | { schedule: "*/5 * * * *" } | { queue: <work-queue service> }
  scale: { min: 1, max: 10 }
`,
  },
  {
    id: 'work-queue',
    sample: 'thumbnails',
    title: 'Work queue',
    chapter: 'ch. 10',
    group: 'batch',
    summary: 'Independent work items wait in a broker queue; a pool of workers takes them one at a time, scaled on the queue length.',
    when: ['items are independent and each takes a while (thumbnails, transcoding, reindexing)', 'the load comes in bursts and the workers should scale with the backlog'],
    avoid: ['items depend on each other in stages: a `pipeline`', 'all the work is known up front and must finish together: `batch`'],
    generates: {
      kubernetes: 'the broker (redis, rabbitmq or nats) as a StatefulSet with a Service — none for an outside `broker: { url }` —, the workers as a Deployment (or Jobs with `mode: job`), a KEDA ScaledObject (ScaledJob) for `autoscale` on the queue length',
      compose: 'the broker and the worker services',
      configs: 'none',
    },
    section: 'services',
    snippet: (name) => `${name}:
  pattern: work-queue
  broker: redis                        # redis | rabbitmq | nats | { url: ... } (an outside broker)
  queue: ${name}
  worker: { image: ${img(`${name}-worker`)}, replicas: 2 }
  autoscale: { min: 1, max: 10, perWorker: 10 }   # KEDA, on the queue length
`,
  },
  {
    id: 'batch',
    sample: 'vehicle-count',
    title: 'Coordinated batch (map → join barrier → reduce)',
    chapter: 'ch. 12',
    group: 'batch',
    summary: 'A known amount of work split into shards processed in parallel (map), a barrier that waits for all of them (join), then one step that combines the partial results (reduce).',
    when: ['all the input is known up front (a day of footage, a data dump)', 'the result needs every shard\'s output'],
    avoid: ['work arrives continuously: `work-queue` or a `pipeline`'],
    generates: {
      kubernetes: 'an Indexed Job for the map (`completionMode: Indexed`, `JOB_COMPLETION_INDEX` 0..shards-1), a reduce Job whose barrier waits for the map Job through the API (a ServiceAccount and a Role that may only read Jobs), a shared volume for partial results; `ttlSecondsAfterFinished` and `backoffLimit` on both',
      compose: 'one service per map shard and the reduce service, which waits for them (`service_completed_successfully`)',
      configs: 'none',
    },
    section: 'services',
    snippet: (name) => `${name}:
  pattern: batch
  map: { image: ${img(`${name}-map`)}, shards: 4, parallelism: 2 }   # JOB_COMPLETION_INDEX 0..3
  reduce: { image: ${img(`${name}-reduce`)} }
  storage: { size: 1Gi }               # shared volume for the partial results
`,
  },
  {
    id: 'pipeline',
    sample: 'photos',
    title: 'Event-driven batch (pipelines)',
    chapter: 'ch. 11',
    group: 'batch',
    summary: 'Stages connected by topics on a broker: copiers, filters, splitters, sharders and mergers, each reading its input topics and writing its outputs.',
    when: ['work flows through several steps as it arrives', 'steps fan out (copy, split, shard) or fan in (merge)'],
    avoid: ['one step only: a `work-queue`', 'everything must finish together: `batch`'],
    generates: {
      kubernetes: 'the broker `<pipeline>-broker` (redis streams, nats JetStream or single-node kafka) as a StatefulSet with a Service, and a Deployment `<pipeline>-<stage>` per stage with `DDP_INPUT_TOPICS`, `DDP_OUTPUT_TOPICS` and `DDP_BROKER_URL`',
      compose: 'the broker and one service per stage, with the same environment',
      configs: 'none',
    },
    section: 'pipelines',
    snippet: (name) => `${name}:
  broker: redis                        # redis | nats | kafka
  sources: [incoming]                  # topics fed from outside
  stages:
    copy:    { kind: copier, image: ${img(`${name}-copy`)}, input: incoming, outputs: [to-resize, to-archive] }
    resize:  { kind: filter, image: ${img(`${name}-resize`)}, input: to-resize }
    archive: { kind: filter, image: ${img(`${name}-archive`)}, input: to-archive }
`,
  },
  {
    id: 'sidecar',
    sample: 'site',
    title: 'Sidecar',
    chapter: 'ch. 2',
    group: 'single-node',
    summary: 'A helper container in the same pod as the application, sharing its network and volumes: it adds a capability (content sync, TLS, monitoring) without changing the application.',
    when: ['the application cannot (or should not) do it itself: HTTPS for a legacy app, syncing files, exposing process stats', 'the helper is reusable across applications'],
    avoid: ['the helper has to scale or be updated on its own schedule: run it as its own service'],
    generates: {
      kubernetes: 'an extra container in the pod (a native sidecar in `initContainers` for Jobs); `kind: tls` is a built-in nginx TLS terminator with its config in a ConfigMap and its port on the Service',
      compose: 'a service `<component>-<name>` with `network_mode: service:<component>` (the pod\'s network)',
      configs: '`nginx/<component>-<name>.conf` for a TLS sidecar',
    },
    section: 'services',
    snippet: (name) => `${name}:
  pattern: replicated
  image: ${img(name)}
  port: 8080
  sidecars:
    - name: https                      # built-in nginx TLS terminator → localhost:8080
      kind: tls
      secret: ${name}-tls
      port: 8443
`,
    attach: { key: 'sidecars', item: (name) => `name: ${name}\nimage: ${img(name)}\n` },
  },
  {
    id: 'ambassador',
    sample: 'shop',
    title: 'Ambassador',
    chapter: 'ch. 3',
    group: 'single-node',
    summary: 'A proxy in the pod that the application reaches on localhost: it routes to shards, splits traffic between versions, or brokers access to an outside service.',
    when: ['the application should see one simple local endpoint for something complicated (a sharded cache, an experiment, a managed database)'],
    avoid: ['every client already knows the real topology and the extra hop buys nothing'],
    generates: {
      kubernetes: 'a proxy container listening on 127.0.0.1:<listen> with its config in a ConfigMap',
      compose: 'a service sharing the application\'s network',
      configs: '`nginx/<component>-<name>.conf` (split, proxy, http shard router) or `twemproxy/<component>-<name>.yml` (memcache/redis shard router)',
    },
    section: 'services',
    snippet: (name) => `${name}:
  pattern: replicated
  image: ${img(name)}
  port: 8080
  ambassadors:
    - name: db                         # the app talks to localhost:5432
      kind: proxy                      # shard-router | split | proxy
      listen: 5432
      upstream: db.example.com:5432
`,
    attach: {
      key: 'ambassadors',
      item: (name, _service, taken) => `name: ${name}\nkind: proxy\nlisten: ${freePort(5432, taken)}\nupstream: db.example.com:5432\n`,
      placeholder: { marker: 'upstream: db.example.com:5432', note: '`upstream: db.example.com:5432` stands in for yours; or make it `kind: shard-router` with `target:` a sharded service, or `kind: split` with `routes:`' },
    },
  },
  {
    id: 'adapter',
    sample: 'cache',
    title: 'Adapter',
    chapter: 'ch. 4',
    group: 'single-node',
    summary: 'A container in the pod that turns the application\'s own interface into the standard one: metrics into Prometheus, log files into structured JSON on stdout.',
    when: ['many heterogeneous applications should look alike to monitoring and logging', 'you cannot change the application\'s output'],
    avoid: ['the application can already speak the standard interface'],
    generates: {
      kubernetes: '`kind: prometheus`: the exporter container, its port on the Service and `prometheus.io/*` pod annotations; `kind: logging`: fluent-bit reading a volume the app writes to',
      compose: 'a service sharing the application\'s network (and the log volume)',
      configs: '`fluent-bit/<component>-<name>.conf` for a logging adapter',
    },
    section: 'services',
    snippet: (name) => `${name}:
  pattern: replicated
  image: ${img(name)}
  port: 8080
  adapters:
    - name: logs
      kind: logging                    # prometheus (with an exporter image) | logging
      path: /var/log/app               # the app writes *.log here; out come JSON lines
`,
    attach: {
      key: 'adapters',
      item: (name) => `name: ${name}\nkind: logging\npath: /var/log/app\n`,
      placeholder: { marker: 'path: /var/log/app', note: '`path: /var/log/app` stands in for the directory your app writes its *.log files to; or make it `kind: prometheus` with your exporter\'s `image`' },
    },
  },
  {
    id: 'election',
    sample: 'scheduler',
    title: 'Ownership election',
    chapter: 'ch. 9',
    group: 'single-node',
    summary: 'Replicas elect one leader through a Kubernetes Lease; the leader does the work only one may do (scheduling, a singleton job), the others stand by.',
    when: ['exactly one replica may act at a time, but a stand-by should take over fast'],
    avoid: ['the work can be split instead: `sharded` or a `work-queue`'],
    generates: {
      kubernetes: 'a leader-elector sidecar on the Lease `lock` answering http://localhost:4040, a ServiceAccount and a Role allowed only `get`/`update` on that Lease (and `create` on leases), a RoleBinding',
      compose: 'nothing for the election: compose has no Kubernetes API (a warning says so)',
      configs: 'none',
    },
    section: 'services',
    snippet: (name) => `${name}:
  pattern: replicated
  image: ${img(name)}
  port: 8080
  replicas: 3
  election:
    lock: ${name}-leader               # the app asks http://localhost:4040 who leads
`,
    attach: { key: 'election', item: (name) => `lock: ${name}\n` },
  },
];

export const PATTERN_IDS: PatternId[] = PATTERNS.map((p) => p.id);

export function patternDoc(id: string): PatternDoc | undefined {
  return PATTERNS.find((p) => p.id === id);
}
