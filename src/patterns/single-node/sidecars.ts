// Sidecars (book ch. 2): containers in the main pod sharing its network and the service's volumes.
// `kind: tls` is a built-in nginx TLS terminator that proxies to the main container on localhost.
import type { Component, ConfigFile, Unit } from '../../model.js';
import type { Sidecar, SingleNode } from '../../generated/topology.js';
import { supply, type Context } from '../context.js';
import { error } from '../../diagnostics.js';
import { containerFrom, infraContainer, portsOf, resourcesOf, tcpReadiness } from '../containers.js';
import { CONFIG_DIR, IMAGES } from '../../images.js';
import { addServicePort, attach, configMount, ensureDeclaredVolume, mainContainer, portName, takenPorts } from './attach.js';
import { TLS_SIDECAR_PORT } from '../naming.js';
import { idleTimeoutOf } from '../idle-timeout.js';
import { bind, nginxStart, type Bind } from '../startup.js';

export const TLS_CERT_DIR = '/etc/ddp-tls';

export function applySidecars(unit: Unit, c: Component, svc: SingleNode, ctx: Context, pointer: string): void {
  (svc.sidecars ?? []).forEach((s, i) => {
    const ptr = `${pointer}/sidecars/${i}`;
    if (s.kind === 'tls') tlsSidecar(unit, c, s, idleTimeoutOf(svc), ctx, ptr);
    else containerSidecar(c, s, svc, ctx, pointer, ptr);
    if (s.shareProcessNamespace) c.pod.shareProcessNamespace = true;
  });
}

/** Your image, in the pod: the service's volumes it mounts join the pod. */
function containerSidecar(c: Component, s: Sidecar, svc: SingleNode, ctx: Context, pointer: string, ptr: string): void {
  for (const m of s.mounts ?? []) ensureDeclaredVolume(c, m.volume, svc.volumes, pointer);
  // every container gets readiness from `health`, else TCP on its main port (DESIGN.md); a sidecar without a port has nothing to probe
  const container = containerFrom(ctx, s, { name: s.name, role: 'sidecar', noProbes: s.health === undefined && portsOf(s).length === 0, pointer: ptr, origin: { yours: ptr, kind: 'sidecar' } });
  // `port:` is named "main" like the app's: give it a name of its own in the pod
  container.ports = container.ports.map((p) => (p.name === 'main' ? { ...p, name: portName(s.name, takenPorts(c)) } : p));
  attach(c, container, s.native === true);
}

/** nginx terminating TLS on `port` (default 8443) in front of the main container's port. */
function tlsSidecar(unit: Unit, c: Component, s: Sidecar, idleTimeout: string, ctx: Context, ptr: string): void {
  const main = mainContainer(c);
  const upstreamPort = main.ports[0]?.port;
  if (upstreamPort === undefined) {
    ctx.notes.push(error('tls-sidecar-no-port', `the TLS sidecar \`${s.name}\` has nothing to proxy to: the main container has no port`, { pointer: ptr, hint: 'give the service a `port:` (the TLS sidecar forwards to it on localhost)' }));
    return;
  }
  const port = s.port ?? TLS_SIDECAR_PORT;
  const secret = s.secret!; // semantic check: a tls sidecar has a secret
  const config: ConfigFile = {
    name: `${c.name}-${s.name}`,
    target: 'nginx',
    template: 'tls-sidecar',
    key: 'nginx.conf',
    data: { name: s.name, listen: port, bind: bind({ port, params: 'ssl' }), upstreamPort, certDir: TLS_CERT_DIR, idleTimeout },
  };
  config.binds = [config.data.bind as Bind];
  const mounts = [configMount(unit, c, s.name, config, `the TLS sidecar ${s.name}`), { volume: `${s.name}-tls`, path: TLS_CERT_DIR, readOnly: true, origin: { addedBy: 'its TLS certificates' } }];
  c.pod.volumes.push({ name: `${s.name}-tls`, secret: { secretName: secret }, origin: { addedBy: `the TLS sidecar ${s.name}'s TLS certificates` } });
  const ports = [{ name: portName('https', takenPorts(c)), port, protocol: 'TCP' as const }];
  const container = infraContainer(ctx, {
    name: s.name,
    image: s.image ?? IMAGES.nginx,
    ...nginxStart(config), // with IPv6 listeners where the pod has IPv6; after configMount: its scratch
    ports,
    resources: resourcesOf(ctx, s.resources),
    readiness: tcpReadiness(port),
    liveness: { tcp: { port }, initialDelaySeconds: 15, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
    mounts,
    role: 'sidecar',
    origin: { yours: ptr, kind: 'TLS sidecar' },
  });
  if (s.imagePullPolicy) container.imagePullPolicy = s.imagePullPolicy; // for an image of yours in place of ddp's nginx
  attach(c, container, s.native === true);
  addServicePort(c, ports[0]);
  for (const key of ['tls.crt', 'tls.key']) {
    supply(ctx, { secret, key, composePath: `secrets/${secret}/${key}`, why: `TLS ${key === 'tls.crt' ? 'certificate' : 'private key'} for the ${s.name} sidecar of ${c.name}`, readBy: ctx.defaults.runAsUser });
  }
}
