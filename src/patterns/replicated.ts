// Pattern: replicated load-balanced service (book ch. 5).
// [Ingress] → [nginx TLS layer <name>-tls] → [varnish cache layer <name>-cache] → <name> replicas
import type { Replicated } from '../generated/topology.js';
import type { Component, ConfigFile, Unit } from '../model.js';
import { supply, type Context } from './context.js';
import { warning } from '../diagnostics.js';
import { containerFrom, declaredVolumes, emptyPod, mainPort, tcpReadiness, infraContainer, varnishProbePath, varnishProbeStatus, withYours } from './containers.js';
import { applySingleNode } from './single-node.js';
import { composeLoadBalancer, loadBalancerPorts } from './compose-lb.js';
import { TLS_PORT, varnishCacheMib, varnishMaxObjectBytes, varnishFetchArgs, varnishResources } from './naming.js';
import { CONFIG_DIR, IMAGES } from '../images.js';
import { parseQuantity, durationMs } from '../quantity.js';
import { ingressFor, type Ingress } from './expose.js';
import { decoratorOf } from './decorate.js';
import { idleTimeoutOf, pipeTimeoutArgs } from './idle-timeout.js';
import { bind, nginxStart, type Bind } from './startup.js';

export const DEFAULT_REPLICAS = 2;
export const LAYER_PORT = 8080; // varnish listens here (unprivileged)
export { TLS_PORT };

export function expand(name: string, svc: Replicated, ctx: Context, pointer: string): Unit {
  const unit: Unit = { name, pattern: 'replicated', pointer, components: [], configs: [], extra: {} };
  const port = mainPort(svc) ?? 8080;
  const app = appComponent(name, svc, ctx, port, pointer);
  unit.components.push(app);

  let front: { name: string; port: number } = { name, port };
  let lb: ConfigFile | undefined;
  if (svc.cache && (app.autoscale?.max ?? app.replicas) > 1) {
    // varnish resolves its backend once, to exactly one address: Kubernetes gives the replicas a
    // ClusterIP; compose has none, so it gets a small nginx load balancer under the same name.
    lb = composeLoadBalancer(unit, app, port, { ipHash: svc.sessionAffinity === 'client-ip', idleTimeout: idleTimeoutOf(svc) });
  }
  if (svc.sessionAffinity === 'client-ip' && !app.compose.loadBalancer && (app.autoscale?.max ?? app.replicas) > 1) {
    // compose has no Service: without the load balancer (a cache's) its DNS spreads the connections
    ctx.notes.push(
      warning('compose-no-affinity', `compose: sessionAffinity client-ip has no counterpart for ${name}: compose has no Service, and its DNS spreads the connections over the replicas`, {
        pointer: `${pointer}/sessionAffinity`,
        hint: 'for a compose test, run one replica (an environment overlay with replicas: 1)',
      }),
    );
  }
  // (once compose's shape is known: what it says of the attached containers names the service they join)
  applySingleNode(unit, app, svc, ctx, pointer);
  // the load balancer serves every port of the Service, the attached containers' included
  if (lb) loadBalancerPorts(lb, app);
  if (svc.cache) {
    const cache = cacheLayer(name, svc, ctx, front);
    unit.components.push(cache.component);
    unit.configs.push(cache.config);
    front = { name: cache.component.name, port: LAYER_PORT };
  }
  // a decorator function (`decorates: <name>`) fronts the service: the TLS layer or the Ingress
  // sends traffic to it, and it calls `front` through UPSTREAM_URL (src/patterns/function.ts)
  front = decoratorOf(ctx, name) ?? front;
  let backendProtocol: 'HTTP' | 'HTTPS' = 'HTTP';
  if (svc.tls) {
    const tls = tlsLayer(name, svc, ctx, front);
    unit.components.push(tls.component);
    unit.configs.push(tls.config);
    front = { name: tls.component.name, port: tls.port };
    backendProtocol = 'HTTPS';
  }
  if (svc.expose) unit.extra.ingress = ingressFor(name, svc.expose, front, backendProtocol) satisfies Ingress;
  unit.extra.entry = front;
  return unit;
}

function appComponent(name: string, svc: Replicated, ctx: Context, port: number, pointer: string): Component {
  const pod = emptyPod();
  pod.containers.push(containerFrom(ctx, svc, { name, defaultPort: port, pointer, origin: { addedBy: 'the main container' } }));
  pod.volumes.push(...declaredVolumes(svc.volumes, pointer));
  // the autoscaler's minimum: autoscale.min, else replicas, else the default -- never above max
  const autoscale = svc.autoscale ? { min: svc.autoscale.min ?? svc.replicas ?? Math.min(DEFAULT_REPLICAS, svc.autoscale.max), max: svc.autoscale.max, cpu: svc.autoscale.cpu ?? 70 } : undefined;
  const main = pod.containers[0];
  return {
    name,
    role: 'server',
    workload: 'Deployment',
    replicas: autoscale ? autoscale.min : svc.replicas ?? DEFAULT_REPLICAS,
    ...(autoscale ? { autoscale } : {}),
    pod,
    service: {
      name,
      headless: false,
      ports: main.ports,
      ...(svc.sessionAffinity === 'client-ip' ? { sessionAffinity: 'ClientIP' as const } : {}),
    },
    compose: {},
  };
}

/** Varnish in front of the replicas. Its backend is the replicas' ClusterIP Service: one address. */
function cacheLayer(name: string, svc: Replicated, ctx: Context, backend: { name: string; port: number }) {
  const cache = svc.cache!;
  const cname = `${name}-cache`;
  const memory = cache.memory ?? '256Mi';
  const mib = varnishCacheMib(parseQuantity(memory));
  // VCL takes whole seconds: a TTL under one (1ms) is 1s, not 0s (which caches nothing)
  const ttlSeconds = Math.ceil(durationMs(cache.ttl ?? '120s') / 1000);
  const config: ConfigFile = {
    name: cname,
    target: 'varnish',
    template: 'cache',
    key: 'default.vcl',
    data: {
      backend: backend.name,
      port: backend.port,
      ttlSeconds,
      probePath: varnishProbePath(svc.health, backend.port),
      probeStatus: varnishProbeStatus(svc.health),
      storageMib: mib,
      maxObjectBytes: varnishMaxObjectBytes(mib),
      // a URL whose response of unknown length did not fit is passed for as long as one that fits is kept
      hitForPassSeconds: ttlSeconds,
      idleTimeout: idleTimeoutOf(svc),
    },
  };
  const pod = emptyPod();
  pod.containers.push(
    infraContainer(ctx, {
      name: 'varnish',
      image: cache.image ?? IMAGES.varnish,
      command: ['varnishd'],
      args: ['-F', '-f', `${CONFIG_DIR}/default.vcl`, '-a', `:${LAYER_PORT}`, '-n', '/tmp/varnish', '-s', `malloc,${mib}m`, ...varnishFetchArgs(), ...pipeTimeoutArgs(idleTimeoutOf(svc))],
      ports: [{ name: 'http', port: LAYER_PORT, protocol: 'TCP' }],
      resources: withYours(varnishResources(mib), cache.resources),
      readiness: tcpReadiness(LAYER_PORT),
      liveness: { tcp: { port: LAYER_PORT }, initialDelaySeconds: 15, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
      mounts: [
        { volume: 'config', path: CONFIG_DIR, readOnly: true },
      ],
    }),
  );
  pod.volumes.push({ name: 'config', configFile: { config: cname, key: 'default.vcl' } });
  const component: Component = {
    name: cname,
    role: 'cache',
    workload: 'Deployment',
    replicas: cache.replicas ?? DEFAULT_REPLICAS,
    pod,
    service: { name: cname, headless: false, ports: [{ name: 'http', port: LAYER_PORT, protocol: 'TCP' }] },
    // varnish resolves its backend when it loads the VCL: in compose, start it after the backend
    compose: { dependsOn: [{ name: backend.name, condition: 'service_started' }] },
  };
  return { component, config };
}

/** nginx TLS termination in front of the next layer. Keys come from a TLS Secret the user owns. */
function tlsLayer(name: string, svc: Replicated, ctx: Context, backend: { name: string; port: number }) {
  const tls = svc.tls!;
  const tname = `${name}-tls`;
  const port = tls.port ?? TLS_PORT;
  const config: ConfigFile = {
    name: tname,
    target: 'nginx',
    template: 'tls',
    key: 'nginx.conf',
    data: { listen: port, bind: bind({ port, params: 'ssl' }), upstream: backend.name, upstreamPort: backend.port, certDir: '/etc/ddp-tls', idleTimeout: idleTimeoutOf(svc) },
  };
  config.binds = [config.data.bind as Bind];
  const pod = emptyPod();
  pod.containers.push(
    infraContainer(ctx, {
      name: 'nginx',
      image: tls.image ?? IMAGES.nginx,
      ...nginxStart(config), // with IPv6 listeners where the pod has IPv6
      ports: [{ name: 'https', port, protocol: 'TCP' }],
      resources: { ...ctx.defaults.resources, ...(stringy(tls.resources)) },
      readiness: tcpReadiness(port),
      liveness: { tcp: { port }, initialDelaySeconds: 15, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
      mounts: [
        { volume: 'config', path: CONFIG_DIR, readOnly: true },
        { volume: 'tls', path: '/etc/ddp-tls', readOnly: true },
      ],
    }),
  );
  pod.volumes.push(
    { name: 'config', configFile: { config: tname, key: 'nginx.conf' } },
    { name: 'tls', secret: { secretName: tls.secret } },
  );
  for (const key of ['tls.crt', 'tls.key']) {
    supply(ctx, { secret: tls.secret, key, composePath: `secrets/${tls.secret}/${key}`, why: `TLS ${key === 'tls.crt' ? 'certificate' : 'private key'} for ${tname}`, readBy: ctx.defaults.runAsUser });
  }
  const component: Component = {
    name: tname,
    role: 'tls-terminator',
    workload: 'Deployment',
    replicas: tls.replicas ?? DEFAULT_REPLICAS,
    pod,
    service: { name: tname, headless: false, ports: [{ name: 'https', port, protocol: 'TCP' }], ...(tls.serviceAnnotations ? { annotations: { ...tls.serviceAnnotations } } : {}) },
    // nginx resolves its upstream when it loads the config: in compose, start it after it
    compose: { dependsOn: [{ name: backend.name, condition: 'service_started' }] },
  };
  return { component, config, port };
}

function stringy(r: object | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r ?? {})) out[k] = String(v);
  return out;
}
