// Ambassadors (book ch. 3): a proxy in the pod; the app talks to localhost:<listen> (the
// ambassador listens on 127.0.0.1, and on ::1 where the pod has IPv6 -- an app may try ::1 first --,
// so it is no open proxy on the pod's address; twemproxy on 127.0.0.1 only).
//  - shard-router: to the shards of a `sharded` service — the sharded pattern's own router config
//    (twemproxy for memcache/redis, nginx or varnish for http), listening on 127.0.0.1
//  - split: nginx split_clients on a user key (header, cookie or query value; by default the client
//    address the app passes on in X-Forwarded-For), weighted, sticky per key; when the request has
//    none, request by request ($request_id) -- never the connection's address: in a pod every
//    request comes from the app at 127.0.0.1, one route for all
//  - proxy: a TCP (nginx stream) or HTTP proxy to an outside `upstream` host:port; a name
//    outside the cluster is resolved again as it changes (upstream-dns.ts)
import type { Component, ConfigFile, Unit } from '../../model.js';
import { DEFAULT_SCRATCH } from '../../model.js';
import type { Ambassador, Sharded } from '../../generated/topology.js';
import type { Context } from '../context.js';
import { serviceNamed } from '../context.js';
import { error } from '../../diagnostics.js';
import { containerSpecs } from '../../topology/semantic.js';
import { infraContainer, mainPort, resourcesOf } from '../containers.js';
import { CONFIG_DIR, IMAGES } from '../../images.js';
import { attach, configMount } from './attach.js';
import { LOOPBACK, shardRouterConfig } from './shard-router.js';
import { shardServers } from '../sharded.js';
import { splitUpstream } from '../../k8s-names.js';
import { entryBehindTls } from '../function.js';
import { TWEMPROXY_STATS_PORT, VARNISH_ROUTER_MALLOC_MIB, varnishFetchArgs, varnishResources } from '../naming.js';
import { idleTimeoutOf, longestIdleTimeout, pipeTimeoutArgs } from '../idle-timeout.js';
import { RESOLVER_TIMEOUT, RESOLVER_VALID, resolverFile, resolverStep, resolvesPerRequest } from './upstream-dns.js';
import { bind, nginxStart, startCommand, varnishListenStep } from '../startup.js';

export { LOOPBACK };
const DEFAULT_SERVICE_PORT = 8080;

export function applyAmbassadors(unit: Unit, c: Component, ambassadors: Ambassador[] | undefined, ctx: Context, pointer: string): void {
  let twemproxies = 0;
  (ambassadors ?? []).forEach((a, i) => {
    const ptr = `${pointer}/ambassadors/${i}`;
    const name = `${c.name}-${a.name}`;
    let config: ConfigFile;
    let after: string[] = []; // the compose services it resolves when it loads
    let afterIfService: string[] = []; // the hosts it resolves that may be outside the topology
    if (a.kind === 'split') {
      const data = splitData(a, ctx);
      config = { name, target: 'nginx', template: 'split', key: 'nginx.conf', data, binds: [data.bind] };
      after = data.upstreams.map((u) => u.host);
    }
    else if (a.kind === 'proxy') {
      const data = proxyData(a);
      config = { name, target: 'nginx', template: a.protocol === 'http' ? 'proxy-http' : 'proxy-tcp', key: 'nginx.conf', data, binds: [data.bind], pointer: `${ptr}/upstream` };
      afterIfService = [data.host];
    }
    else {
      const routed = shardRouterConfig(name, a, ctx);
      if ('message' in routed) {
        ctx.notes.push(error('bad-reference', routed.message, { pointer: `${ptr}/target`, hint: routed.hint }));
        return;
      }
      config = routed;
      const target = serviceNamed(ctx, a.target!) as Sharded; // shardRouterConfig: a sharded service
      after = shardServers(a.target!, target).map((s) => s.name);
    }
    const mount = configMount(unit, c, a.name, config, `the ambassador ${a.name}`);
    const statsPort = config.target === 'twemproxy' ? TWEMPROXY_STATS_PORT + twemproxies++ : undefined;
    attach(c, {
      ...ambassadorContainer(ctx, a, config, mount, statsPort),
      origin: { yours: ptr, kind: 'ambassador' },
      ...(after.length ? { composeAfter: [...new Set(after)].sort() } : {}),
      ...(afterIfService.length ? { composeAfterIfService: afterIfService } : {}),
    });
  });
}

function ambassadorContainer(ctx: Context, a: Ambassador, config: ConfigFile, mount: ReturnType<typeof configMount>, statsPort?: number) {
  return infraContainer(ctx, {
    name: a.name,
    ...ambassadorRuntime(config, a.listen, statsPort),
    ports: [], // listens on 127.0.0.1 only: nothing outside the pod can reach it
    resources: config.target === 'varnish' ? varnishAmbassadorResources(ctx, a) : resourcesOf(ctx, a.resources),
    mounts: [mount],
    role: 'ambassador',
    ...(a.image ? { image: a.image } : {}),
  });
}

/** The proxy that runs a config: nginx (behind the start-up shell, which adds the ::1 listener
 *  where the pod has IPv6 and, first, writes the resolver when the config resolves its upstream
 *  per request), twemproxy (nutcracker, on 127.0.0.1 only: one address per pool; its stats on
 *  127.0.0.1:statsPort) or varnish (listening on 127.0.0.1, and on ::1 where the pod has IPv6,
 *  through the same shell; its pipes live as long as the config's idleTimeout). */
export function ambassadorRuntime(config: Pick<ConfigFile, 'target' | 'key'> & Partial<Pick<ConfigFile, 'data' | 'scratch' | 'binds'>>, listen: number, statsPort = TWEMPROXY_STATS_PORT): { image: string; command: string[]; args?: string[] } {
  const file = `${CONFIG_DIR}/${config.key}`;
  const scratch = config.scratch ?? DEFAULT_SCRATCH;
  if (config.target === 'twemproxy') return { image: IMAGES.twemproxy, command: ['nutcracker', '-c', file, '-a', LOOPBACK, '-s', String(statsPort)] };
  if (config.target === 'varnish') {
    const varnishd = ['varnishd', '-F', '-f', file, '-a', `${LOOPBACK}:${listen}`, '-n', `${scratch}/varnish`, '-s', `malloc,${VARNISH_ROUTER_MALLOC_MIB}m`, ...varnishFetchArgs(), ...pipeTimeoutArgs(idleTimeoutOf(config.data as { idleTimeout?: string } | undefined))];
    return { image: IMAGES.varnish, ...startCommand([varnishListenStep(listen)], varnishd) };
  }
  const proxy = config.data as { resolve?: unknown; host?: string } | undefined;
  const resolver = proxy?.resolve && proxy.host ? [resolverStep(proxy.host, resolverFile(scratch))] : [];
  return { image: IMAGES.nginx, ...nginxStart({ key: config.key, binds: config.binds, scratch }, resolver) };
}

/** varnish needs its malloc storage plus working memory: the limit sits above it (its cpu as any ambassador's). */
function varnishAmbassadorResources(ctx: Context, a: Ambassador) {
  const r = resourcesOf(ctx, a.resources);
  const d = varnishResources(VARNISH_ROUTER_MALLOC_MIB);
  return { ...r, memory: a.resources?.memory ?? d.memory, memoryLimit: a.resources?.memoryLimit ?? d.memoryLimit };
}

/** Where a split route reaches a service of the topology: where in-cluster HTTP enters it, as
 *  for a decorator (a sharded service's router, a replicated service's cache layer), else its
 *  Service name and main port. A sharded service's own name is its headless Service: the shard
 *  pods round-robin (the router bypassed), and in compose no such name exists at all. */
export function serviceAddress(ctx: Context, name: string): { host: string; port: number } {
  const entry = entryBehindTls(ctx, name);
  if (entry) return { host: entry.name, port: entry.port };
  const svc = serviceNamed(ctx, name);
  const spec = svc ? containerSpecs(svc, '')[0]?.[0] : undefined;
  return { host: name, port: (spec && mainPort(spec)) ?? DEFAULT_SERVICE_PORT };
}

/** The nginx expression of a split key and, for names nginx variables cannot hold, the map that extracts it. */
export interface SplitKey {
  variable: string; // e.g. $http_x_user_id
  describe: string; // for the config's comment
  extract?: { source: string; regex: string }; // map <source> $ddp_user_key { "~regex" $ddp_v; }
}

/**
 * `client` (the default) is the client address -- not the connection's, which in the pod is
 * always the app's 127.0.0.1 and would send every request one way, but the one the app passes on
 * from the request it serves: the first address of X-Forwarded-For. A request without it (and
 * without any other key) is split on its own (`$request_id`, in the template).
 */
export function splitKey(key: string | undefined): SplitKey {
  if (key === undefined || key === 'client') {
    return { variable: '$ddp_user_key', describe: 'the client address the app passes on, the first of X-Forwarded-For', extract: { source: '$http_x_forwarded_for', regex: '~^[\\s,]*(?<ddp_v>[^\\s,]+)' } };
  }
  const [kind, name] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
  if (kind === 'header') return { variable: `$http_${name.toLowerCase().replace(/-/g, '_')}`, describe: `the ${name} header` };
  const plain = /^[A-Za-z0-9_]+$/.test(name);
  if (kind === 'cookie') {
    return plain
      ? { variable: `$cookie_${name}`, describe: `the ${name} cookie` }
      : { variable: '$ddp_user_key', describe: `the ${name} cookie`, extract: { source: '$http_cookie', regex: `~(?:^|;\\s*)${name}=(?<ddp_v>[^;]*)` } };
  }
  return plain
    ? { variable: `$arg_${name}`, describe: `the ${name} query parameter` }
    : { variable: '$ddp_user_key', describe: `the ${name} query parameter`, extract: { source: '$args', regex: `~(?:^|&)${name}=(?<ddp_v>[^&]*)` } };
}

/** split_clients buckets: each positive weight a percentage, the last one `*` (the remainder). */
export function splitBuckets(routes: { to: string; weight: number }[]): { percent: string; upstream: string }[] {
  const positive = routes.map((r, i) => ({ ...r, upstream: `route_${i}` })).filter((r) => r.weight > 0);
  return positive.map((r, i) => ({ percent: i === positive.length - 1 ? '*' : `${r.weight}%`, upstream: r.upstream }));
}

function splitData(a: Ambassador, ctx: Context) {
  const routes = a.routes ?? [];
  return {
    name: a.name,
    listen: a.listen,
    bind: bind({ port: a.listen, loopback: true }),
    key: splitKey(a.key),
    buckets: splitBuckets(routes),
    upstreams: routes.map((r, i) => ({ name: `route_${i}`, to: r.to, weight: r.weight, ...serviceAddress(ctx, r.to) })),
    // one location reaches every route: a long-lived connection lives as long as the longest route lets it
    idleTimeout: longestIdleTimeout(routes.map((r) => idleTimeoutOf(serviceNamed(ctx, r.to)))),
  };
}

function proxyData(a: Ambassador) {
  const upstream = a.upstream!; // semantic check: a proxy ambassador has an upstream
  const { host, port } = splitUpstream(upstream);
  return {
    name: a.name, listen: a.listen, bind: bind({ port: a.listen, loopback: true }), host, port, hostHeader: hostHeader(host, port), idleTimeout: idleTimeoutOf(a),
    ...(resolvesPerRequest(host) ? { resolve: { valid: RESOLVER_VALID, timeout: RESOLVER_TIMEOUT } } : {}),
  };
}

/** The Host header of a request to host:port: the port goes with any but HTTP's default, 80 (RFC 9110 7.2). */
export const hostHeader = (host: string, port: number): string => (port === 80 ? host : `${host}:${port}`);
