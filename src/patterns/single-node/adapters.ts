// Adapters (book ch. 4): containers that give the app a standard interface.
//  - prometheus: an exporter container; its scrape port goes on the Service and the pod template
//    carries the prometheus.io/{scrape,port,path} annotations.
//  - logging: fluent-bit tails the app's log files from a volume both mount and writes one
//    normalised JSON object per line to stdout (config: OUT/fluent-bit/<component>-<adapter>.conf).
import type { Component, ConfigFile, Mount, Unit } from '../../model.js';
import type { Adapter } from '../../generated/topology.js';
import type { Context } from '../context.js';
import { envOf, infraContainer, resourcesOf, tcpReadiness } from '../containers.js';
import { CONFIG_DIR, IMAGES } from '../../images.js';
import { cleanPath } from '../../k8s-names.js';
import { dottedUnder } from '../../topology/schema.js';
import { addServicePort, attach, configMount, mainContainer, portName, takenPorts } from './attach.js';

export const PROMETHEUS_PORT = 9100;
export const METRICS_PATH = '/metrics';
export const LOG_DIR = '/var/log/app';
export const FLUENT_BIT_CONFIG = 'fluent-bit.conf';

export function applyAdapters(unit: Unit, c: Component, adapters: Adapter[] | undefined, ctx: Context, pointer: string): void {
  (adapters ?? []).forEach((a, i) => {
    const ptr = `${pointer}/adapters/${i}`;
    if (a.kind === 'prometheus') prometheusAdapter(c, a, ctx, ptr);
    else loggingAdapter(unit, c, a, ctx, pointer, ptr);
  });
}

/** The pod-template annotations that tell Prometheus where to scrape. */
export function prometheusAnnotations(port: number, path: string): Record<string, string> {
  return { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': path };
}

function prometheusAdapter(c: Component, a: Adapter, ctx: Context, ptr: string): void {
  const port = a.port ?? PROMETHEUS_PORT;
  const path = a.path ?? METRICS_PATH;
  const ports = [{ name: portName('metrics', takenPorts(c)), port, protocol: 'TCP' as const }];
  attach(
    c,
    infraContainer(ctx, {
      name: a.name,
      image: a.image!, // semantic check: a prometheus adapter names its exporter image
      ...(a.args ? { args: a.args } : {}),
      env: envOf(a.env),
      ports,
      resources: resourcesOf(ctx, a.resources),
      readiness: tcpReadiness(port),
      liveness: { tcp: { port }, initialDelaySeconds: 15, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
      role: 'adapter',
      origin: { yours: ptr, kind: 'prometheus adapter' },
    }),
  );
  addServicePort(c, ports[0]);
  c.annotations = { ...(c.annotations ?? {}), ...prometheusAnnotations(port, path) };
}

/** The volume the app writes its logs to at `dir`: the one its main container already mounts
 *  there, else a new emptyDir `<adapter>-logs` mounted into the main container. */
function logVolume(c: Component, adapterName: string, dir: string): string {
  const main = mainContainer(c);
  const existing = main.mounts.find((m) => cleanPath(m.path) === cleanPath(dir)); // `/var/log/app/` is `/var/log/app`
  if (existing) return existing.volume;
  const volume = `${adapterName}-logs`;
  const origin = { addedBy: `the logging adapter ${adapterName}'s log volume` };
  c.pod.volumes.push({ name: volume, emptyDir: {}, origin });
  main.mounts.push({ volume, path: dir, readOnly: false, origin });
  return volume;
}

function loggingAdapter(unit: Unit, c: Component, a: Adapter, ctx: Context, pointer: string, ptr: string): void {
  const dir = a.path ?? LOG_DIR;
  const volume = logVolume(c, a.name, dir);
  const config: ConfigFile = {
    name: `${c.name}-${a.name}`,
    target: 'fluent-bit',
    template: 'logging',
    key: FLUENT_BIT_CONFIG,
    data: { service: unit.name, component: c.name, container: mainContainer(c).name, logGlob: `${dir.replace(/\/+$/, '')}/*.log` },
  };
  const mounts: Mount[] = [
    configMount(unit, c, a.name, config, `the logging adapter ${a.name}`),
    // (`path` is yours, the mount ddp's: at /etc/ddp it meets the adapter's config)
    { volume, path: dir, readOnly: true, origin: { addedBy: `the log directory it reads (${dottedUnder(pointer, `${ptr}/path`)})`, steeredBy: `${ptr}/path`, fix: `give the logging adapter \`${a.name}\` another path: ${CONFIG_DIR} holds its config` } },
  ];
  attach(
    c,
    infraContainer(ctx, {
      name: a.name,
      image: a.image ?? IMAGES.fluentBit,
      command: ['/fluent-bit/bin/fluent-bit'],
      args: ['-c', `${CONFIG_DIR}/${FLUENT_BIT_CONFIG}`, ...(a.args ?? [])],
      env: envOf(a.env),
      ports: [],
      resources: resourcesOf(ctx, a.resources),
      mounts,
      role: 'adapter',
      origin: { yours: ptr, kind: 'logging adapter' },
    }),
  );
}
