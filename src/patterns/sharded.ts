// Pattern: sharded service (book ch. 6).
//   clients → [Ingress] → router `<name>-router` → shard i of `<name>` (counted from 0)
// The router is nginx (`hash <key> consistent;`) for http, a varnish shard director when
// `router.kind: varnish`, twemproxy (ketama) for memcache and redis, nginx stream (by client
// address) for tcp. Shards are a StatefulSet `<name>` behind the headless Service `<name>`
// (`publishNotReadyAddresses: true`) with a ClusterIP Service `<name>-<i>` for each pod (the
// routers resolve a name once: a pod's own address changes when it is made anew), or, with
// `replicasPerShard` > 1 ("hot sharding"), a Deployment and ClusterIP Service `<name>-<i>` per
// shard. Every shard address comes from naming.shardHost, so the router, the shard-router
// ambassador and the generated objects agree by construction. compose: one service `<name>-<i>`
// per shard, so the router config works there byte for byte.
import type { Sharded } from '../generated/topology.js';
import type { Claim, Component, ConfigFile, Container, Unit } from '../model.js';
import { claimOf } from '../model.js';
import type { Context } from './context.js';
import { containerFrom, declaredVolumes, emptyPod, infraContainer, mainPort, resourcesOf, tcpReadiness, varnishProbePath, varnishProbeStatus, withYours } from './containers.js';
import { applySingleNode } from './single-node.js';
import { composeLoadBalancer, loadBalancerPorts } from './compose-lb.js';
import { defaultRouterKind, shardHost, STORAGE_VOLUME, storageMountOrigin, VARNISH_DEFAULT_TTL_SECONDS, VARNISH_ROUTER_MALLOC_MIB, varnishMaxObjectBytes, varnishFetchArgs, varnishResources } from './naming.js';
import { ingressFor } from './expose.js';
import { decoratorOf } from './decorate.js';
import { CONFIG_DIR, IMAGES } from '../images.js';
import { idleTimeoutOf, pipeTimeoutArgs } from './idle-timeout.js';
import { bind, nginxStart } from './startup.js';

export type Protocol = NonNullable<Sharded['protocol']>;
export type RouterKind = NonNullable<NonNullable<Sharded['router']>['kind']>;
export type TwemproxyHash = NonNullable<NonNullable<Sharded['router']>['hash']>;

/** A shard's port when the service names none. */
export const PROTOCOL_PORTS: Record<Protocol, number> = { http: 8080, memcache: 11211, redis: 6379, tcp: 8080 };
export const DEFAULT_ROUTER_REPLICAS = 2;
/** Measured with nutcracker 0.5 and real memcached (test/e2e/sharding.test.ts, README "sharded"):
 *  murmur spreads 200 short sequential keys over 3 shards as 65/73/62, fnv1a_64 as 0/0/200. */
export const DEFAULT_TWEMPROXY_HASH: TwemproxyHash = 'murmur';
export const DEFAULT_STORAGE_PATH = '/data';
/** The StatefulSet controller labels each pod with its ordinal (Kubernetes ≥ 1.28). */
export const POD_INDEX_FIELD = "metadata.labels['apps.kubernetes.io/pod-index']";

export const protocolOf = (svc: Pick<Sharded, 'protocol'>): Protocol => svc.protocol ?? 'http';
export const routerName = (name: string): string => `${name}-router`;
export const isHot = (svc: Pick<Sharded, 'replicasPerShard'>): boolean => (svc.replicasPerShard ?? 1) > 1;
export const shardPort = (svc: Sharded): number => mainPort(svc) ?? PROTOCOL_PORTS[protocolOf(svc)];
export const routerPort = (svc: Sharded): number => svc.router?.port ?? shardPort(svc);

/** The router a sharded service gets: `router.kind`, else twemproxy for memcache/redis, nginx otherwise. */
export function routerKind(svc: Sharded): RouterKind {
  return svc.router?.kind ?? defaultRouterKind(protocolOf(svc));
}

export interface ShardServer {
  name: string; // `<svc>-<i>`: the server's identity on the hash ring
  host: string; // naming.shardHost
  port: number;
}

/** Shard i of sharded service `name`, i = 0 … shards-1. */
export function shardServers(name: string, svc: Sharded): ShardServer[] {
  const port = shardPort(svc);
  return Array.from({ length: svc.shards }, (_, i) => ({ name: `${name}-${i}`, host: shardHost(name, i), port }));
}

/** The nginx expression of an http shard key, and for names nginx variables cannot hold the map that extracts it. */
export interface NginxShardKey {
  variable: string;
  describe: string;
  extract?: { source: string; regex: string }; // map <source> $ddp_shard_key { "<regex>" $ddp_v; }
}

const [kindOf, nameOf] = [(key: string) => key.slice(0, key.indexOf(':')), (key: string) => key.slice(key.indexOf(':') + 1)];
const plainName = (n: string) => /^[A-Za-z0-9_]+$/.test(n);

export function nginxShardKey(key: string | undefined): NginxShardKey {
  if (key === undefined || key === 'uri') return { variable: '$request_uri', describe: 'the request URI (path and query)' };
  const [kind, name] = [kindOf(key), nameOf(key)];
  if (kind === 'header') return { variable: `$http_${name.toLowerCase().replace(/-/g, '_')}`, describe: `the ${name} header` };
  if (kind === 'query') {
    return plainName(name)
      ? { variable: `$arg_${name}`, describe: `the ${name} query parameter` }
      : { variable: '$ddp_shard_key', describe: `the ${name} query parameter`, extract: { source: '$args', regex: `~(?:^|&)${name}=(?<ddp_v>[^&]*)` } };
  }
  return plainName(name)
    ? { variable: `$cookie_${name}`, describe: `the ${name} cookie` }
    : { variable: '$ddp_shard_key', describe: `the ${name} cookie`, extract: { source: '$http_cookie', regex: `~(?:^|;\\s*)${name}=(?<ddp_v>[^;]*)` } };
}

/** How the varnish shard director picks a shard: by URL, by a header, or by a value regsub() extracts. */
export interface VarnishShardKey {
  describe: string;
  header?: string; // by=KEY, key=shards.key(req.http.<header>)
  extract?: { source: string; present: string; regex: string; group: string };
}

export function varnishShardKey(key: string | undefined): VarnishShardKey {
  if (key === undefined || key === 'uri') return { describe: 'the request URL (path and query)' };
  const [kind, name] = [kindOf(key), nameOf(key)];
  if (kind === 'header') return { describe: `the ${name} header`, header: name };
  if (kind === 'query') return { describe: `the ${name} query parameter`, extract: { source: 'req.url', present: `[?&]${name}=`, regex: `^.*[?&]${name}=([^&#]*).*$`, group: '\\1' } };
  return { describe: `the ${name} cookie`, extract: { source: 'req.http.Cookie', present: `(^|;\\s*)${name}=`, regex: `^(.*;\\s*)?${name}=([^;]*).*$`, group: '\\2' } };
}

/** Where a router listens: all addresses (the router Service) or one (an ambassador's 127.0.0.1: the
 *  only `host` there is). */
export interface Listen {
  host?: string;
  port: number;
}

const listenText = (l: Listen, wildcard: string) => (l.host ? `${l.host}:${l.port}` : wildcard ? `${wildcard}:${l.port}` : String(l.port));

/** The config of a router over the shards of sharded service `target`: nginx, varnish or twemproxy by
 *  `routerKind` (or `kind`, e.g. nginx for an ambassador whose pod runs no varnish). Pure: a
 *  shard-router ambassador renders the very routing of the service's router (same hash, same
 *  server names, so both send a key to the same shard) from its pod with a loopback `listen`. */
export function shardRouterConfig(configName: string, target: string, svc: Sharded, listen: Listen, kind: RouterKind = routerKind(svc)): ConfigFile {
  const servers = shardServers(target, svc);
  const protocol = protocolOf(svc);
  if (kind === 'twemproxy') {
    return {
      name: configName,
      target: 'twemproxy',
      template: 'router',
      key: 'nutcracker.yml',
      data: { pool: target, target, protocol, listen: listenText(listen, '0.0.0.0'), hash: svc.router?.hash ?? DEFAULT_TWEMPROXY_HASH, redis: protocol === 'redis', servers },
    };
  }
  if (kind === 'varnish') {
    return {
      name: configName,
      target: 'varnish',
      template: 'shard-router',
      key: 'default.vcl',
      data: {
        target,
        key: varnishShardKey(svc.key),
        probePath: varnishProbePath(svc.health, shardPort(svc)),
        probeStatus: varnishProbeStatus(svc.health),
        servers: servers.map((s, i) => ({ ...s, backend: `shard_${i}` })),
        storageMib: VARNISH_ROUTER_MALLOC_MIB,
        maxObjectBytes: varnishMaxObjectBytes(VARNISH_ROUTER_MALLOC_MIB),
        hitForPassSeconds: VARNISH_DEFAULT_TTL_SECONDS,
        idleTimeout: idleTimeoutOf(svc),
      },
    };
  }
  const nginxBind = bind({ port: listen.port, loopback: listen.host !== undefined });
  return {
    name: configName,
    target: 'nginx',
    template: protocol === 'tcp' ? 'shard-router-tcp' : 'shard-router',
    key: 'nginx.conf',
    // every address, or the loopback one (an ambassador); IPv6 too where the pod has it (startup.ts)
    data: { target, bind: nginxBind, key: nginxShardKey(svc.key), servers, idleTimeout: idleTimeoutOf(svc) },
    binds: [nginxBind],
  };
}

export function expand(name: string, svc: Sharded, ctx: Context, pointer: string): Unit {
  const unit: Unit = { name, pattern: 'sharded', pointer, components: [], configs: [], extra: {} };
  const shards = isHot(svc) ? hotShards(unit, name, svc, ctx, pointer) : shardSet(unit, name, svc, ctx, pointer);
  const config = shardRouterConfig(routerName(name), name, svc, { port: routerPort(svc) });
  unit.configs.push(config);
  const router = routerComponent(name, svc, ctx, config, shards.composeNames);
  unit.components.push(...shards.components, router);
  const entry = { name: router.name, port: routerPort(svc) };
  // a decorator function fronts the service: the Ingress sends traffic to it, it calls the router
  if (svc.expose) unit.extra.ingress = ingressFor(name, svc.expose, decoratorOf(ctx, name) ?? entry);
  unit.extra.entry = entry;
  return unit;
}

/** The user's container (the service at `pointer`) as shard `index` (a number, or the StatefulSet pod's own ordinal). */
function shardContainer(name: string, svc: Sharded, ctx: Context, index: string | { field: string }, pointer: string): Container {
  return containerFrom(ctx, svc, { name, defaultPort: shardPort(svc), env: { DDP_SHARDS: String(svc.shards), DDP_SHARD_INDEX: index }, pointer, origin: { addedBy: 'the main container' } });
}

/** `storage` → a claim `data` per shard mounted at `storage.path`; declared persistent volumes too. */
function shardStorage(svc: Sharded, main: Container, pod: Component['pod'], pointer: string): Claim[] {
  if (svc.storage) {
    pod.volumes.push({ name: STORAGE_VOLUME, persistent: { size: svc.storage.size ?? '1Gi', ...(svc.storage.storageClass ? { storageClass: svc.storage.storageClass } : {}) }, origin: { addedBy: 'the storage volume (`storage`)' } });
    main.mounts.push({ volume: STORAGE_VOLUME, path: svc.storage.path ?? DEFAULT_STORAGE_PATH, readOnly: false, origin: storageMountOrigin(pointer) });
  }
  return pod.volumes.filter((v) => v.persistent).map((v) => claimOf(v));
}

interface Shards {
  components: Component[];
  composeNames: string[]; // the compose services the router waits for
}

/** One shard per pod: a StatefulSet and its headless Service; compose runs one service per shard. */
function shardSet(unit: Unit, name: string, svc: Sharded, ctx: Context, pointer: string): Shards {
  const pod = emptyPod();
  const main = shardContainer(name, svc, ctx, { field: POD_INDEX_FIELD }, pointer);
  pod.containers.push(main);
  pod.volumes.push(...declaredVolumes(svc.volumes, pointer));
  const claims = shardStorage(svc, main, pod, pointer);
  const set: Component = {
    name,
    role: 'shard',
    workload: 'StatefulSet',
    replicas: svc.shards,
    pod,
    // the pods' own DNS names (the StatefulSet's identity), published before they are ready
    service: { name, headless: true, publishNotReadyAddresses: true, ports: main.ports },
    // the routers' addresses: a ClusterIP Service per shard pod, which outlives the pod's address
    statefulSet: { serviceName: name, podManagementPolicy: 'Parallel', claims, servicePerPod: true },
    compose: { skip: true },
  };
  applySingleNode(unit, set, svc, ctx, pointer);
  const perShard: Component[] = Array.from({ length: svc.shards }, (_, i) => ({
    ...set,
    name: `${name}-${i}`,
    pod: structuredClone(set.pod),
    service: undefined,
    // (aliased as the pod's own DNS name too, which the headless Service gives it in Kubernetes)
    compose: { only: true, replicas: 1, aliases: [`${name}-${i}.${name}`], environment: [{ name: 'DDP_SHARD_INDEX', value: String(i) }] },
  }));
  return { components: [set, ...perShard], composeNames: perShard.map((c) => c.name) };
}

/** Hot sharding: each shard a replicated set of its own, a Deployment and ClusterIP Service `<name>-<i>`. */
function hotShards(unit: Unit, name: string, svc: Sharded, ctx: Context, pointer: string): Shards {
  const replicas = svc.replicasPerShard ?? 1;
  const http = protocolOf(svc) === 'http';
  const components = Array.from({ length: svc.shards }, (_, i) => {
    const shard = `${name}-${i}`;
    const pod = emptyPod();
    const main = shardContainer(name, svc, ctx, String(i), pointer);
    pod.containers.push(main);
    pod.volumes.push(...declaredVolumes(svc.volumes, pointer));
    const c: Component = { name: shard, role: 'shard', workload: 'Deployment', replicas, pod, service: { name: shard, headless: false, ports: main.ports }, compose: {} };
    // compose has no ClusterIP: an nginx under the shard's name balances over its replicas
    const lb = http ? composeLoadBalancer(unit, c, shardPort(svc), { idleTimeout: idleTimeoutOf(svc) }) : undefined;
    // twemproxy and nginx stream use one address per name: compose runs one replica per shard
    if (!http) c.compose.replicas = 1;
    // (once compose's shape is known: what it says of the attached containers names the service they join)
    applySingleNode(unit, c, svc, ctx, pointer);
    // the load balancer serves every port of the shard's Service, the attached containers' included
    if (lb) loadBalancerPorts(lb, c);
    return c;
  });
  if (!http) {
    ctx.notes.push({
      severity: 'info',
      code: 'compose-one-replica-per-shard',
      message: `compose: each shard of ${name} runs 1 replica, not ${replicas} (compose has no ClusterIP to balance ${protocolOf(svc)} connections over replicas)`,
      pointer: `${pointer}/replicasPerShard`,
    });
  }
  return { components, composeNames: components.map((c) => c.name) };
}

interface RouterRuntime {
  container: string;
  image: string;
  command: string[];
  args?: string[];
  portName: string;
}

function routerRuntime(kind: RouterKind, svc: Sharded, port: number, config: ConfigFile): RouterRuntime {
  switch (kind) {
    case 'twemproxy':
      return { container: 'twemproxy', image: IMAGES.twemproxy, command: ['nutcracker', '-c', `${CONFIG_DIR}/nutcracker.yml`], portName: protocolOf(svc) };
    case 'varnish':
      return {
        container: 'varnish',
        image: IMAGES.varnish,
        command: ['varnishd'],
        args: ['-F', '-f', `${CONFIG_DIR}/default.vcl`, '-a', `:${port}`, '-n', '/tmp/varnish', '-s', `malloc,${VARNISH_ROUTER_MALLOC_MIB}m`, ...varnishFetchArgs(), ...pipeTimeoutArgs(idleTimeoutOf(svc))],
        portName: 'http',
      };
    default:
      return { container: 'nginx', image: IMAGES.nginx, ...nginxStart(config), portName: protocolOf(svc) === 'tcp' ? 'tcp' : 'http' };
  }
}

/** The router: a Deployment and Service `<name>-router` running the config, in compose after the shards. */
function routerComponent(name: string, svc: Sharded, ctx: Context, config: ConfigFile, shardServices: string[]): Component {
  const port = routerPort(svc);
  const kind = routerKind(svc);
  const rt = routerRuntime(kind, svc, port, config);
  const r = svc.router?.resources;
  const resources = kind === 'varnish' ? withYours(varnishResources(VARNISH_ROUTER_MALLOC_MIB), r) : resourcesOf(ctx, r);
  const pod = emptyPod();
  pod.containers.push(
    infraContainer(ctx, {
      name: rt.container,
      image: svc.router?.image ?? rt.image,
      command: rt.command,
      ...(rt.args ? { args: rt.args } : {}),
      ports: [{ name: rt.portName, port, protocol: 'TCP' }],
      resources,
      readiness: tcpReadiness(port),
      liveness: { tcp: { port }, initialDelaySeconds: 15, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
      mounts: [{ volume: 'config', path: CONFIG_DIR, readOnly: true }],
    }),
  );
  pod.volumes.push({ name: 'config', configFile: { config: config.name, key: config.key } });
  const rname = routerName(name);
  return {
    name: rname,
    role: 'router',
    workload: 'Deployment',
    replicas: svc.router?.replicas ?? DEFAULT_ROUTER_REPLICAS,
    pod,
    service: { name: rname, headless: false, ports: [{ name: rt.portName, port, protocol: 'TCP' }] },
    // nginx, varnish and twemproxy resolve the shard names when they start
    compose: { dependsOn: shardServices.map((s) => ({ name: s, condition: 'service_started' as const })) },
  };
}
