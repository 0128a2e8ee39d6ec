// compose has no ClusterIP. Where a component's replicas must be one address (a varnish backend, a
// hot http shard behind its router), compose runs a small nginx under the component's name
// (src/targets/compose.ts) and the replicas as `<name>-replica` behind it. That nginx plays the
// Kubernetes Service, so it answers on every port the Service serves, each passed on to the same
// port of the replicas: the main port over HTTP (the cache or router in front speaks HTTP to it),
// every other port as bytes through nginx `stream`, TCP or UDP, as a ClusterIP passes them whatever
// the protocol. Anything that reaches `<name>:<port>` in Kubernetes (a proxy ambassador's
// `upstream`, checked against the Service's ports by src/upstream-ports.ts) then reaches it in compose.
import type { Component, ConfigFile, Unit } from '../model.js';
import { composeReplicaName } from './naming.js';
import { bind, type Bind } from './startup.js';

/** A port of the Service other than the main one: a `stream` server of the load balancer. */
export interface LoadBalancerStream {
  /** the Service port's name, said in a comment */
  name: string;
  port: number;
  protocol: 'tcp' | 'udp';
  /** a port of an attached container (a TLS sidecar, a prometheus adapter), not of the main one */
  attached: boolean;
  bind: Bind;
}

export interface LoadBalancerData extends Record<string, unknown> {
  /** the Service it stands in for (the component's name) */
  service: string;
  /** the main port, HTTP, on the load balancer and on the replicas */
  listen: number;
  bind: Bind;
  upstream: string;
  upstreamPort: number;
  /** sessionAffinity: client-ip */
  ipHash: boolean;
  /** how long a long-lived connection stays open with no byte either way (the service's idleTimeout) */
  idleTimeout: string;
  /** the Service's other ports (filled in by loadBalancerPorts once they are known) */
  streams: LoadBalancerStream[];
}

/** The compose-only load balancer of `c`, on its main HTTP `port`; the component is run behind it. */
export function composeLoadBalancer(unit: Unit, c: Component, port: number, opts: { ipHash?: boolean; idleTimeout: string }): ConfigFile {
  const data: LoadBalancerData = { service: c.name, listen: port, bind: bind({ port }), upstream: composeReplicaName(c.name), upstreamPort: port, ipHash: opts.ipHash ?? false, idleTimeout: opts.idleTimeout, streams: [] };
  const lb: ConfigFile = { name: `${c.name}-lb`, target: 'nginx', template: 'lb', key: 'nginx.conf', composeOnly: true, data, binds: [data.bind] };
  unit.configs.push(lb);
  c.compose.loadBalancer = lb.name;
  return lb;
}

/**
 * Every port of `c`'s Service but the main one, onto the load balancer: call it once the attached
 * containers have added theirs (a TLS sidecar's, a prometheus adapter's port, src/patterns/single-node).
 * Those containers run in one replica in compose (`compose-one-replica-attached`): the others refuse
 * the connection, and nginx passes it on to the next replica (`proxy_next_upstream`, on by default).
 */
export function loadBalancerPorts(lb: ConfigFile, c: Component): void {
  const data = lb.data as LoadBalancerData;
  const main = c.pod.containers[0].ports;
  data.streams = (c.service?.ports ?? [])
    .filter((p) => !(p.port === data.listen && p.protocol === 'TCP'))
    .map((p) => ({ name: p.name, port: p.port, protocol: p.protocol === 'UDP' ? 'udp' : 'tcp', attached: !main.some((m) => m.port === p.port && m.protocol === p.protocol), bind: bind({ port: p.port, ...(p.protocol === 'UDP' ? { params: 'udp reuseport' } : {}) }) }));
  lb.binds = [data.bind, ...data.streams.map((s) => s.bind)];
}
