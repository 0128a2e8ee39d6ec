// How single-node containers join a pod: as regular containers, or as Kubernetes native sidecars
// (initContainers with restartPolicy: Always) — always for Jobs and CronJobs, so that a sidecar
// never keeps a finished batch pod alive. Helpers shared by sidecars, ambassadors, adapters and
// the leader elector.
import { isYours, type Component, type ConfigFile, type Container, type Mount, type Port, type Unit } from '../../model.js';
import type { Volumes } from '../../generated/topology.js';
import { declaredVolumes } from '../containers.js';
import { CONFIG_DIR } from '../../images.js';

/** Batch workloads finish: their attached containers must be native sidecars. */
export const isBatch = (c: Component): boolean => c.workload === 'Job' || c.workload === 'CronJob';

/** The main container of a component's pod (the first of `containers`). */
export const mainContainer = (c: Component): Container => c.pod.containers[0];

/** Every container of the pod, init containers first. */
export const podContainers = (c: Component): Container[] => [...c.pod.initContainers, ...c.pod.containers];

/** Add `container` to the pod: a native sidecar when asked or when the workload is a batch one. */
export function attach(c: Component, container: Container, native = false): Container {
  if (native || isBatch(c)) {
    const sidecar: Container = { ...container, restartPolicy: 'Always' };
    c.pod.initContainers.push(sidecar);
    return sidecar;
  }
  c.pod.containers.push(container);
  return container;
}

/** Add a volume the service at `pointer` declares (`volumes:`) to the pod unless it is there
 *  already. A volume of ddp's by that name (a TLS sidecar's `<name>-config`) is no reason to leave
 *  yours out: the two are then refused by validate (src/kube-limits.ts), as in every pattern. */
export function ensureDeclaredVolume(c: Component, name: string, volumes: Volumes | undefined, pointer: string): void {
  if (c.pod.volumes.some((v) => v.name === name && isYours(v.origin))) return;
  const declared = declaredVolumes(volumes, pointer).find((v) => v.name === name);
  if (declared) c.pod.volumes.push(declared);
}

/** Mount a config file the unit owns at CONFIG_DIR: a pod volume `<container>-config` (a ConfigMap
 *  in Kubernetes, a bind mount of OUT/<target>/<name> in compose). `owner` names the container
 *  for validate: `the TLS sidecar https`. */
export function configMount(unit: Unit, c: Component, containerName: string, config: ConfigFile, owner: string): Mount {
  // its container gets the component's scratch directory (flow.ts addScratchVolumes): its files go there
  if (c.scratchPath !== undefined) config.scratch = c.scratchPath;
  unit.configs.push(config);
  const volume = `${containerName}-config`;
  c.pod.volumes.push({ name: volume, configFile: { config: config.name, key: config.key }, origin: { addedBy: `${owner}'s config` } });
  return { volume, path: CONFIG_DIR, readOnly: true, origin: { addedBy: 'its config' } };
}

/** A Service/container port name not yet taken in `taken`, made from a container name: an
 *  IANA_SVC_NAME (at most 15 characters, no '--', at least one letter), as Kubernetes requires. */
export function portName(base: string, taken: readonly Port[]): string {
  const names = new Set(taken.map((p) => p.name));
  const single = base.replace(/-{2,}/g, '-');
  // a letter among the first 10 characters survives the `-N` suffix of a taken name
  const stem = (/[a-z]/.test(single.slice(0, 10)) ? single : `p-${single}`).slice(0, 15).replace(/-+$/, '');
  if (!names.has(stem)) return stem;
  for (let i = 2; ; i++) {
    const candidate = `${stem.slice(0, 15 - String(i).length - 1).replace(/-+$/, '')}-${i}`;
    if (!names.has(candidate)) return candidate;
  }
}

/** Every port name in use in the pod and on its Service. */
export const takenPorts = (c: Component): Port[] => [...(c.service?.ports ?? []), ...podContainers(c).flatMap((x) => x.ports)];

/** Publish a pod port on the component's Service (Service port = container port). */
export function addServicePort(c: Component, port: Port): void {
  if (!c.service) return;
  if (c.service.ports.some((p) => p.port === port.port && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP'))) return; // one number may serve TCP and UDP
  c.service.ports = [...c.service.ports, port];
}
