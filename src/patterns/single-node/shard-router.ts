// The shard-router ambassador's config: the app in the pod reaches every shard of a `sharded`
// service through localhost:<listen> — twemproxy for memcache/redis (ketama), nginx for http
// (consistent hash on the service's key). Shard addresses come from naming.ts, so they are the
// StatefulSet pods (or hot-shard Services) the sharded pattern generates.
import type { ConfigFile } from '../../model.js';
import type { Ambassador, Sharded } from '../../generated/topology.js';
import type { Context } from '../context.js';
import { serviceNamed } from '../context.js';
import { shardHost } from '../naming.js';
import { mainPort } from '../containers.js';

export const SHARD_PORTS = { http: 8080, memcache: 11211, redis: 6379 } as const;

/** The shards of sharded service `name`: `host:port` and a stable server name `<svc>-<i>`. */
export function shardServers(name: string, svc: Sharded): { host: string; port: number; name: string }[] {
  const protocol = (svc.protocol ?? 'http') as keyof typeof SHARD_PORTS;
  const port = mainPort(svc) ?? SHARD_PORTS[protocol] ?? 8080;
  const hot = (svc.replicasPerShard ?? 1) > 1;
  return Array.from({ length: svc.shards }, (_, i) => ({ host: shardHost(name, i, hot), port, name: `${name}-${i}` }));
}

/** The nginx hash key of an http sharded service's `key` (uri | header:N | query:N | cookie:N). */
export function shardHashKey(key: string | undefined): string {
  if (key === undefined || key === 'uri') return '$request_uri';
  const i = key.indexOf(':');
  const [kind, name] = [key.slice(0, i), key.slice(i + 1)];
  if (kind === 'header') return `$http_${name.toLowerCase().replace(/-/g, '_')}`;
  if (kind === 'query') return `$arg_${name}`;
  return `$cookie_${name}`;
}

/** The ConfigFile of a shard-router ambassador `a` named `name`, or why there is none. */
export function shardRouterConfig(name: string, a: Ambassador, ctx: Context): ConfigFile | { message: string; hint: string } {
  const target = a.target ? serviceNamed(ctx, a.target) : undefined;
  if (!target || target.pattern !== 'sharded') return { message: `ambassador \`${a.name}\` routes to \`${a.target}\`, which is not a sharded service`, hint: 'a shard-router targets a `pattern: sharded` service' };
  const protocol = target.protocol ?? 'http';
  const servers = shardServers(a.target!, target);
  if (protocol === 'memcache' || protocol === 'redis') {
    return { name, target: 'twemproxy', template: 'ambassador', key: 'nutcracker.yml', data: { pool: a.name, target: a.target, listen: `127.0.0.1:${a.listen}`, redis: protocol === 'redis', servers } };
  }
  if (protocol === 'http') {
    return { name, target: 'nginx', template: 'shard-ambassador', key: 'nginx.conf', data: { name: a.name, target: a.target, listen: a.listen, loopback: '127.0.0.1', hashKey: shardHashKey(target.key), servers } };
  }
  return {
    message: `ambassador \`${a.name}\` cannot shard the tcp service \`${a.target}\`: a byte stream carries no key to hash`,
    hint: `give \`${a.target}\` protocol http, memcache or redis, or reach its router through a \`proxy\` ambassador`,
  };
}
