// Pattern: coordinated batch (book ch. 12): map → join barrier → reduce.
// Kubernetes: the map step is an Indexed Job `<name>-map` (completions = shards); the reduce step
// is a Job `<name>-reduce` whose init container waits for the map Job's Complete condition (the
// join barrier; a ServiceAccount whose Role may only get/list/watch that one Job). Both mount the
// PersistentVolumeClaim `<name>-data` (ReadWriteMany) for partial results.
// compose: one service `<name>-map-<i>` per shard with JOB_COMPLETION_INDEX=i, and the reduce
// service depends on every one of them with `condition: service_completed_successfully`.
import type { Batch, ContainerFields } from '../generated/topology.js';
import type { Claim, Component, Container, JobSpec, Volume } from '../model.js';
import type { Unit } from '../model.js';
import type { Context } from './context.js';
import { containerFrom, emptyPod, mountedVolumes } from './containers.js';
import { applySingleNode } from './single-node.js';
import { IMAGES } from '../images.js';
import { STORAGE_VOLUME, storageMountOrigin } from './naming.js';

export const DEFAULT_SHARDS = 1;
export const DEFAULT_BACKOFF_LIMIT = 3;
export const DEFAULT_TTL_SECONDS = 3600;
export const DEFAULT_DATA_PATH = '/data';
export const DEFAULT_DATA_SIZE = '1Gi';

export const mapJobName = (name: string): string => `${name}-map`;
export const reduceJobName = (name: string): string => `${name}-reduce`;
export const dataClaimName = (name: string): string => `${name}-data`;
/** compose service of map shard i. */
export const mapShardName = (name: string, i: number): string => `${mapJobName(name)}-${i}`;

type MapSpec = ContainerFields & { shards?: number; parallelism?: number };

export function expand(name: string, svc: Batch, ctx: Context, pointer: string): Unit {
  const unit: Unit = { name, pattern: 'batch', pointer, components: [], configs: [], extra: {} };
  const map = svc.map as MapSpec;
  const shards = map.shards ?? DEFAULT_SHARDS;
  const path = svc.storage?.path ?? DEFAULT_DATA_PATH;
  // the shared claim for partial results, rendered by templates/kubernetes/batch.hbs
  const claim: Claim = {
    name: dataClaimName(name),
    size: svc.storage?.size ?? DEFAULT_DATA_SIZE,
    ...(svc.storage?.storageClass ? { storageClass: svc.storage.storageClass } : {}),
    // the map pods write in parallel, possibly from several nodes
    accessModes: ['ReadWriteMany'],
  };
  unit.extra.claim = claim;
  const job = (completions: number, parallelism: number, indexed: boolean): JobSpec => ({
    completions,
    parallelism,
    ...(indexed ? { completionMode: 'Indexed' as const } : {}),
    backoffLimit: svc.backoffLimit ?? DEFAULT_BACKOFF_LIMIT,
    ttlSecondsAfterFinished: svc.ttlSecondsAfterFinished ?? DEFAULT_TTL_SECONDS,
  });
  const env = { DDP_SHARDS: String(shards), DDP_DATA_DIR: path };
  const data: Volume = { name: STORAGE_VOLUME, claim: { claimName: claim.name }, origin: { addedBy: `the batch storage (the claim ${claim.name})` } };

  const mapper = stepComponent(ctx, mapJobName(name), 'map', map, env, path, data, svc, pointer);
  mapper.job = job(shards, Math.min(map.parallelism ?? shards, shards), true);
  applySingleNode(unit, mapper, svc, ctx, pointer);
  mapper.compose.skip = true; // compose runs one service per shard (below)

  const reducer = stepComponent(ctx, reduceJobName(name), 'reduce', svc.reduce, env, path, data, svc, pointer);
  reducer.job = job(1, 1, false);
  reducer.pod.initContainers.push(barrier(ctx, mapJobName(name)));
  reducer.pod.serviceAccount = {
    name: reduceJobName(name),
    rules: [{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch'], resourceNames: [mapJobName(name)] }],
  };
  reducer.compose.dependsOn = Array.from({ length: shards }, (_, i) => ({ name: mapShardName(name, i), condition: 'service_completed_successfully' as const }));

  unit.components.push(mapper, ...composeShards(name, mapper, shards), reducer);
  return unit;
}

/** A map or reduce Job: the user's container (`<pointer>/map`, `/reduce`) with the shared volume at `path`. */
function stepComponent(ctx: Context, name: string, role: 'map' | 'reduce', spec: ContainerFields, env: Record<string, string>, path: string, data: Volume, svc: Batch, pointer: string): Component {
  const pod = emptyPod();
  const main = containerFrom(ctx, spec, { name: role, env, noProbes: spec.health === undefined, pointer: `${pointer}/${role}`, origin: { addedBy: `the ${role} step's own container` } });
  main.mounts.push({ volume: data.name, path, readOnly: false, origin: storageMountOrigin(pointer) });
  pod.containers.push(main);
  pod.volumes.push(...mountedVolumes(spec, svc.volumes, pointer), data); // map's volumes are not reduce's
  pod.restartPolicy = 'OnFailure';
  return { name, role, workload: 'Job', replicas: 1, pod, compose: { replicas: 1, restart: 'no' } };
}

/** The join barrier: wait until the map Job is Complete (kubectl in the pod, allowed by the Role). */
function barrier(ctx: Context, mapJob: string): Container {
  return {
    name: 'wait-for-map',
    image: IMAGES.kubectl,
    imagePullPolicy: ctx.defaults.imagePullPolicy,
    command: ['kubectl'],
    // a negative timeout waits up to a week; the namespace is the pod's own (in-cluster config)
    args: ['wait', '--for=condition=complete', `job/${mapJob}`, '--timeout=-1s'],
    ports: [],
    env: [{ name: 'HOME', value: '/tmp' }], // kubectl's discovery cache
    resources: { cpu: '10m', memory: '64Mi', cpuLimit: '200m', memoryLimit: '128Mi' },
    mounts: [],
    runAsUser: ctx.defaults.runAsUser,
    role: 'infra',
    kubernetesOnly: true,
    origin: { addedBy: 'the container `wait-for-map` ddp adds' },
  };
}

/** compose: one service per map shard, each with its JOB_COMPLETION_INDEX (Kubernetes sets it in Indexed Jobs). */
function composeShards(name: string, mapper: Component, shards: number): Component[] {
  return Array.from({ length: shards }, (_, i) => ({
    ...mapper,
    name: mapShardName(name, i),
    pod: structuredClone(mapper.pod),
    job: mapper.job && { ...mapper.job, completions: 1, parallelism: 1 },
    compose: { only: true, replicas: 1, restart: 'no' as const, environment: [{ name: 'JOB_COMPLETION_INDEX', value: String(i) }] },
  }));
}
