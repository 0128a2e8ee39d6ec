// Pattern: scatter/gather (book ch. 7).
//   clients → [Ingress] → root `<name>` (Deployment + Service) → every leaf `<name>-leaf-<i>` in parallel
// The leaves are a StatefulSet `<name>-leaf` behind the headless Service `<name>-leaf`, so leaf i
// has the stable name `<name>-leaf-<i>.<name>-leaf`. The root gets DDP_LEAVES (one URL per leaf,
// in index order, comma-separated) and DDP_LEAF_TIMEOUT_MS; each leaf gets DDP_LEAF_INDEX and
// DDP_LEAF_COUNT. compose: one service per leaf with the same name as a network alias.
import type { ContainerFields, ScatterGather } from '../generated/topology.js';
import type { Component, Unit, Volume } from '../model.js';
import { claimOf } from '../model.js';
import type { Context } from './context.js';
import { containerFrom, emptyPod, mainPort, mountedVolumes } from './containers.js';
import { applySingleNode } from './single-node.js';
import { ingressFor } from './expose.js';
import { decoratorOf } from './decorate.js';
import { durationMs } from '../quantity.js';
import { POD_INDEX_FIELD } from './sharded.js';

export const DEFAULT_ROOT_REPLICAS = 2;
export const DEFAULT_LEAF_COUNT = 3;
export const DEFAULT_TIMEOUT = '2s';
export const DEFAULT_PORT = 8080;

type Root = ContainerFields & { replicas?: number };
type Leaves = ContainerFields & { count?: number };

export const leafSetName = (name: string): string => `${name}-leaf`;
/** Leaf i's DNS name: the StatefulSet pod `<name>-leaf-<i>` under its headless Service. */
export const leafHost = (name: string, i: number): string => `${leafSetName(name)}-${i}.${leafSetName(name)}`;
export const leafCount = (svc: ScatterGather): number => (svc.leaves as Leaves).count ?? DEFAULT_LEAF_COUNT;
export const rootPort = (svc: ScatterGather): number => mainPort(svc.root) ?? DEFAULT_PORT;

/** DDP_LEAVES: one URL per leaf, in index order. */
export function leafUrls(name: string, svc: ScatterGather): string[] {
  const port = mainPort(svc.leaves) ?? DEFAULT_PORT;
  return Array.from({ length: leafCount(svc) }, (_, i) => `http://${leafHost(name, i)}:${port}`);
}

export function expand(name: string, svc: ScatterGather, ctx: Context, pointer: string): Unit {
  const unit: Unit = { name, pattern: 'scatter-gather', pointer, components: [], configs: [], extra: {} };
  const root = rootComponent(name, svc, ctx, pointer);
  applySingleNode(unit, root, svc, ctx, pointer);
  unit.components.push(root, ...leafComponents(name, svc, ctx, pointer));
  const entry = { name, port: rootPort(svc) };
  // a decorator function fronts the service: the Ingress sends traffic to it, it calls the root
  if (svc.expose) unit.extra.ingress = ingressFor(name, svc.expose, decoratorOf(ctx, name) ?? entry);
  unit.extra.entry = entry;
  return unit;
}

/** The declared volumes (`volumes:`) of the service at `pointer` that `spec` mounts: root and leaves run in different pods. */
function rootComponent(name: string, svc: ScatterGather, ctx: Context, pointer: string): Component {
  const pod = emptyPod();
  const env = {
    DDP_LEAVES: leafUrls(name, svc).join(','),
    DDP_LEAF_TIMEOUT_MS: String(durationMs(svc.timeout ?? DEFAULT_TIMEOUT)),
  };
  const main = containerFrom(ctx, svc.root, { name, defaultPort: DEFAULT_PORT, env, pointer: `${pointer}/root`, origin: { addedBy: "the root's own container" } });
  pod.containers.push(main);
  pod.volumes.push(...mountedVolumes(svc.root, svc.volumes, pointer));
  return {
    name,
    role: 'root',
    workload: 'Deployment',
    replicas: (svc.root as Root).replicas ?? DEFAULT_ROOT_REPLICAS,
    pod,
    service: { name, headless: false, ports: main.ports },
    // the root calls every leaf: start them first
    compose: { dependsOn: Array.from({ length: leafCount(svc) }, (_, i) => ({ name: `${leafSetName(name)}-${i}`, condition: 'service_started' as const })) },
  };
}

/** The leaves: a StatefulSet with a headless Service; compose runs one service per leaf. */
function leafComponents(name: string, svc: ScatterGather, ctx: Context, pointer: string): Component[] {
  const set = leafSetName(name);
  const count = leafCount(svc);
  const pod = emptyPod();
  const env = { DDP_LEAF_COUNT: String(count), DDP_LEAF_INDEX: { field: POD_INDEX_FIELD } };
  const main = containerFrom(ctx, svc.leaves, { name: 'leaf', defaultPort: DEFAULT_PORT, env, pointer: `${pointer}/leaves`, origin: { addedBy: "the leaves' own container" } });
  pod.containers.push(main);
  pod.volumes.push(...mountedVolumes(svc.leaves, svc.volumes, pointer));
  // a persistent volume is a claim per leaf (volumeClaimTemplates)
  const claims = pod.volumes.filter((v) => v.persistent).map((v) => claimOf(v));
  const leaves: Component = {
    name: set,
    role: 'leaf',
    workload: 'StatefulSet',
    replicas: count,
    pod,
    // leaf names resolve from the start; the root's timeout covers a leaf that is not ready
    service: { name: set, headless: true, publishNotReadyAddresses: true, ports: main.ports },
    statefulSet: { serviceName: set, podManagementPolicy: 'Parallel', claims },
    compose: { skip: true },
  };
  const perLeaf: Component[] = Array.from({ length: count }, (_, i) => ({
    ...leaves,
    name: `${set}-${i}`,
    pod: structuredClone(pod),
    service: undefined,
    compose: { only: true, replicas: 1, aliases: [leafHost(name, i)], environment: [{ name: 'DDP_LEAF_INDEX', value: String(i) }] },
  }));
  return [leaves, ...perLeaf];
}
