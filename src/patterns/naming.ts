// Names every pattern agrees on, so that a config one pattern writes reaches the objects another
// pattern generates (a shard-router ambassador and the sharded service it routes to, a function
// triggered by a work queue and that queue's broker). The same string is the Kubernetes DNS name
// and the compose service name (or a compose network alias), so configs are byte-identical.
import type { Origin } from '../model.js';

/** Host of shard i of sharded service `svc`: a ClusterIP Service `<svc>-<i>` -- the one ddp makes
 *  for StatefulSet pod `<svc>-<i>` (model.podServiceNames), or, for hot shards (replicasPerShard
 *  > 1), the Service of that shard's own Deployment. Never the pod's own DNS name
 *  (`<svc>-<i>.<svc>`): the routers resolve a name once, and a pod made anew has a new address.
 *  compose: the service `<svc>-<i>`. */
export function shardHost(svc: string, i: number): string {
  return `${svc}-${i}`;
}

/** compose has no ClusterIP: a component with a load balancer (ComposeHints.loadBalancer) runs it
 *  under its own name and its replicas as this service behind it. */
export const composeReplicaName = (component: string): string => `${component}-replica`;

/** The broker that a work-queue service deploys (StatefulSet + Service). */
export const brokerName = (svc: string): string => `${svc}-broker`;

export const BROKER_PORTS = { redis: 6379, rabbitmq: 5672, nats: 4222, kafka: 9092 } as const;
export type BrokerKind = keyof typeof BROKER_PORTS;

const SCHEME: Record<BrokerKind, string> = { redis: 'redis', rabbitmq: 'amqp', nats: 'nats', kafka: 'kafka' };

/** URL of the broker a work-queue service or pipeline deploys, or its outside `url`. */
export function brokerUrl(owner: string, broker: BrokerKind | { url: string } | undefined): string {
  if (broker && typeof broker === 'object') return broker.url;
  const kind = broker ?? 'redis';
  return `${SCHEME[kind]}://${brokerName(owner)}:${BROKER_PORTS[kind]}`;
}

/** The environment names of one `feeds` entry start with this: `photos/incoming` → `DDP_FEED_PHOTOS_INCOMING_`. */
export const feedPrefix = (target: string): string => `DDP_FEED_${target.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`;

/** The broker kind of a broker spec (an outside `url` names it by `kind` or by its scheme). */
export function brokerKind(broker: BrokerKind | { url: string; kind?: BrokerKind } | undefined): BrokerKind {
  if (broker === undefined) return 'redis';
  if (typeof broker === 'string') return broker;
  if (broker.kind) return broker.kind;
  const scheme = broker.url.split(':')[0];
  return scheme.startsWith('amqp') ? 'rabbitmq' : scheme.startsWith('rediss') ? 'redis' : (scheme as BrokerKind);
}

/** twemproxy's stats port (nutcracker -s; its default). Each twemproxy ambassador in a pod takes
 *  the next one from here, on 127.0.0.1 (-a): two on one port crash-loop ("Address already in use"). */
export const TWEMPROXY_STATS_PORT = 22222;

/** The port a TLS layer (`tls:`) listens on unless `tls.port` says otherwise. */
export const TLS_PORT = 8443;

/** The leader elector's container, which `election` adds to a pod. */
export const ELECTOR_CONTAINER = 'elector';
/** The volume of `storage` (a sharded service's claim per shard, a batch service's shared claim). */
export const STORAGE_VOLUME = 'data';
/** The origin of the storage volume's mount in the service at `pointer` (model.ts Origin): ddp's, where your storage.path says. */
export const storageMountOrigin = (pointer: string): Origin => ({
  addedBy: `the storage volume \`${STORAGE_VOLUME}\` (storage.path, by default /data)`,
  steeredBy: `${pointer}/storage/path`,
  fix: 'mount your volume at another path, or set storage.path to another directory',
});

/** The router a sharded service gets by default: twemproxy for memcache/redis, nginx otherwise
 *  (`router.kind` overrides it; sharded.routerKind). Here, for the port check of semantic.ts. */
export function defaultRouterKind(protocol: string): 'twemproxy' | 'nginx' {
  return protocol === 'memcache' || protocol === 'redis' ? 'twemproxy' : 'nginx';
}

/** The storage of a varnish router (a sharded service's, or an ambassador's): `-s malloc,64m`; its
 *  memory limit sits above it (DESIGN.md). */
export const VARNISH_ROUTER_MALLOC_MIB = 64;

/** The largest response a varnish with `-s malloc,<mib>m` keeps: half its storage. A larger one
 *  goes to the client uncached -- one larger than the storage cannot be stored, and varnish cut it
 *  short (templates/varnish/_partials/too-large.hbs). */
export const varnishMaxObjectBytes = (mib: number): number => Math.floor((mib * 1048576) / 2);

/** varnishd's default_ttl: how long a varnish router keeps a response that says nothing of its
 *  freshness, and how long it then passes a URL whose response of unknown length did not fit its
 *  storage (hit-for-pass; templates/varnish/_partials/too-large.hbs). */
export const VARNISH_DEFAULT_TTL_SECONDS = 120;

/** The `-s malloc,<mib>m` storage of the cache layer, from `cache.memory` (at least 16 MiB). */
export const varnishCacheMib = (memoryBytes: number): number => Math.max(16, Math.round(memoryBytes / 1048576));

/** A varnish's default resources for `-s malloc,<mib>m`: its storage plus working memory, the
 *  limit well above the storage (DESIGN.md). The cache layer, a varnish router and a varnish
 *  ambassador all start from these; validate compares a limit you write with them. */
export function varnishResources(mib: number): { cpu: string; memory: string; cpuLimit: string; memoryLimit: string } {
  return { cpu: '100m', memory: `${mib + 64}Mi`, cpuLimit: '1', memoryLimit: `${mib * 2 + 128}Mi` };
}

/** varnishd's `-p fetch_maxchunksize=1m`, on the command line of every varnish ddp runs (cache
 *  layer, varnish router, varnish shard-router ambassador). A response is stored in pieces of at
 *  most this size, and a passed one is freed a piece at a time as the client takes it; by default
 *  a piece is up to 256 MiB, and a response with a Content-Length gets one piece of its whole
 *  length (up to 256 MiB) that stays in memory until the client has read all of it -- a large
 *  download passed uncached (above half the storage) took its whole size in RSS even to a fast
 *  client. Measured with varnishd 7.1, `-s malloc,16m`, 512 MiB with a Content-Length to curl on
 *  loopback: RSS high-water +512 MiB before, +8-40 MiB with 1m (64k and 256k alike, 64k being the
 *  least varnishd takes); cache hits of an 8 MiB object were as fast (2.2-3.4 GB/s, the same within the noise).
 *  What it cannot bound is a client slower than the backend: varnish 7.1 reads the backend as
 *  fast as it answers and keeps what the client has not taken (+465-630 MiB for 512 MiB at
 *  50 MB/s, whatever the piece size); `transit_buffer`, which would, exists only from 7.3 (README). */
export function varnishFetchArgs(): string[] {
  return ['-p', 'fetch_maxchunksize=1m'];
}

/** The port a `kind: tls` sidecar listens on unless it says `port`. */
export const TLS_SIDECAR_PORT = 8443;
