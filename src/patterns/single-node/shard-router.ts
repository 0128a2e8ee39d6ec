// The shard-router ambassador's config: the app in the pod reaches every shard of a `sharded`
// service through 127.0.0.1:<listen>. It is the sharded pattern's own router config
// (sharded.shardRouterConfig: twemproxy for memcache/redis, nginx — or varnish when the service's
// `router.kind` says so — for http), so a key lands on the same shard whether a client goes
// through the service's router or through an ambassador.
import type { ConfigFile } from '../../model.js';
import type { Ambassador } from '../../generated/topology.js';
import type { Context } from '../context.js';
import { serviceNamed } from '../context.js';
import { protocolOf, shardRouterConfig as routerConfig } from '../sharded.js';

export const LOOPBACK = '127.0.0.1';

/** The ConfigFile of shard-router ambassador `a` (file name `name`), or why there is none. */
export function shardRouterConfig(name: string, a: Ambassador, ctx: Context): ConfigFile | { message: string; hint: string } {
  const target = a.target ? serviceNamed(ctx, a.target) : undefined;
  if (!target || target.pattern !== 'sharded') return { message: `ambassador \`${a.name}\` routes to \`${a.target}\`, which is not a sharded service`, hint: 'a shard-router targets a `pattern: sharded` service' };
  if (protocolOf(target) === 'tcp') {
    // the service's own tcp router hashes the client address: in a pod every client is 127.0.0.1
    return {
      message: `ambassador \`${a.name}\` cannot shard the tcp service \`${a.target}\`: a byte stream carries no key, and in a pod every client address is 127.0.0.1`,
      hint: `give \`${a.target}\` protocol http, memcache or redis, or reach its router through a \`proxy\` ambassador`,
    };
  }
  return routerConfig(name, a.target!, target, { host: LOOPBACK, port: a.listen });
}
