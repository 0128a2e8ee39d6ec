// batch (book ch. 12): Indexed map Job → join barrier → reduce Job, a shared claim for partial
// results; compose: one service per shard and a reduce that depends on every one of them.
import { describe, expect, it } from 'vitest';
import { renderExample } from '../examples.js';
import { validateKubernetes } from '../helpers/kubernetes.js';
import { validateCompose } from '../helpers/compose.js';
import { HEAD, composeDoc, containerEnv, generate, kubeObject, kubeObjects, podSpec, type Obj } from './batch-helpers.js';

describe('example 12-batch', () => {
  it('is valid Kubernetes (strict) and a valid compose file', async () => {
    const files = await renderExample('12-batch');
    expect(kubeObjects(files, 'kubernetes/vehicle-count.yaml').map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'PersistentVolumeClaim/vehicle-count-data',
      'Job/vehicle-count-map',
      'ServiceAccount/vehicle-count-reduce',
      'Role/vehicle-count-reduce',
      'RoleBinding/vehicle-count-reduce',
      'Job/vehicle-count-reduce',
    ]);
    expect(validateKubernetes(kubeObjects(files))).toEqual([]);
    expect(validateCompose(composeDoc(files))).toEqual([]);
  });

  it('maps with an Indexed Job: completions = shards, parallelism, backoffLimit, ttlSecondsAfterFinished', async () => {
    const files = await renderExample('12-batch');
    const map = kubeObject(files, 'Job', 'vehicle-count-map');
    expect(map.spec).toMatchObject({ completions: 10, parallelism: 5, completionMode: 'Indexed', backoffLimit: 2, ttlSecondsAfterFinished: 86400 });
    const pod = podSpec(map);
    expect(pod.restartPolicy).toBe('OnFailure');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBeUndefined();
    expect(containerEnv(pod.containers[0])).toEqual({ DDP_DATA_DIR: '/results', DDP_SHARDS: '10', FOOTAGE_BUCKET: 's3://traffic-footage/2024-06' });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'data', mountPath: '/results' });
    expect(pod.volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: 'vehicle-count-data' } });
  });

  it('shares one ReadWriteMany claim for partial results between map and reduce', async () => {
    const files = await renderExample('12-batch');
    expect(kubeObject(files, 'PersistentVolumeClaim', 'vehicle-count-data').spec).toEqual({ accessModes: ['ReadWriteMany'], resources: { requests: { storage: '5Gi' } } });
    expect(podSpec(kubeObject(files, 'Job', 'vehicle-count-reduce')).volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: 'vehicle-count-data' } });
  });

  it('reduces after the join barrier: an init container waits for the map Job to be Complete, with a least-privilege Role', async () => {
    const files = await renderExample('12-batch');
    const reduce = kubeObject(files, 'Job', 'vehicle-count-reduce');
    expect(reduce.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 2, ttlSecondsAfterFinished: 86400 });
    expect(reduce.spec.completionMode).toBeUndefined();
    const pod = podSpec(reduce);
    expect(pod.serviceAccountName).toBe('vehicle-count-reduce');
    expect(pod.initContainers).toHaveLength(1);
    expect(pod.initContainers[0]).toMatchObject({
      name: 'wait-for-map',
      image: 'registry.k8s.io/kubectl:v1.31.2',
      command: ['kubectl'],
      args: ['wait', '--for=condition=complete', 'job/vehicle-count-map', '--timeout=-1s'],
    });
    expect(kubeObject(files, 'Role', 'vehicle-count-reduce').rules).toEqual([
      { apiGroups: ['batch'], resources: ['jobs'], resourceNames: ['vehicle-count-map'], verbs: ['get', 'list', 'watch'] },
    ]);
    expect(kubeObject(files, 'RoleBinding', 'vehicle-count-reduce')).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'vehicle-count-reduce' },
      subjects: [{ kind: 'ServiceAccount', name: 'vehicle-count-reduce', namespace: 'traffic' }],
    });
  });

  it('compose: one service per shard with its JOB_COMPLETION_INDEX, started once the shared volume is handed over; no barrier container (depends_on is the barrier)', async () => {
    const services = composeDoc(await renderExample('12-batch')).services as Record<string, Obj>;
    const shards = Object.keys(services).filter((n) => n.startsWith('vehicle-count-map'));
    expect(shards).toEqual(Array.from({ length: 10 }, (_, i) => `vehicle-count-map-${i}`));
    shards.forEach((n, i) => {
      expect(services[n].environment).toEqual({ DDP_DATA_DIR: '/results', DDP_SHARDS: '10', FOOTAGE_BUCKET: 's3://traffic-footage/2024-06', JOB_COMPLETION_INDEX: String(i) });
      expect(services[n].restart).toBe('no');
      expect(services[n].volumes).toContainEqual({ type: 'volume', source: 'vehicle-count-data', target: '/results' });
      expect(services[n].depends_on).toEqual({ 'ddp-volume-init': { condition: 'service_completed_successfully' } });
    });
    expect(Object.keys(services).sort()).toEqual([...shards, 'ddp-volume-init', 'vehicle-count-reduce'].sort());
    expect(JSON.stringify(services)).not.toContain('kubectl');
  });
});

/** Every service `name` transitively waits for (through depends_on), with the condition of the nearest edge. */
function prerequisites(services: Record<string, Obj>, name: string, seen = new Map<string, string>()): Map<string, string> {
  for (const [dep, spec] of Object.entries((services[name].depends_on ?? {}) as Record<string, { condition: string }>)) {
    if (seen.has(dep)) continue;
    seen.set(dep, spec.condition);
    prerequisites(services, dep, seen);
  }
  return seen;
}

describe('the compose depends_on graph is a correct join barrier', () => {
  const topology = (shards: number) => `${HEAD}services:\n  count:\n    pattern: batch\n    map: { image: ghcr.io/acme/map:1.0, shards: ${shards} }\n    reduce: { image: ghcr.io/acme/reduce:1.0 }\n`;

  it.each([1, 2, 7, 25])('with %i shards: reduce waits for the successful completion of every shard, and nothing waits for reduce', async (shards) => {
    const services = composeDoc((await generate(topology(shards))).files).services as Record<string, Obj>;
    const maps = Array.from({ length: shards }, (_, i) => `count-map-${i}`);
    // ddp-volume-init: the one-shot that hands the shared volume to the non-root shards
    expect(Object.keys(services).sort()).toEqual([...maps, 'count-reduce', 'ddp-volume-init'].sort());
    const pre = prerequisites(services, 'count-reduce');
    expect([...pre.keys()].sort()).toEqual([...maps, 'ddp-volume-init'].sort());
    expect([...pre.values()].every((c) => c === 'service_completed_successfully')).toBe(true);
    for (const m of maps) expect([...prerequisites(services, m).keys()]).toEqual(['ddp-volume-init']);
    for (const [name, spec] of Object.entries(services)) expect(Object.keys(spec.depends_on ?? {})).not.toContain('count-reduce');
    expect(prerequisites(services, 'ddp-volume-init').size).toBe(0);
    expect(new Set(maps.map((m) => services[m].environment.JOB_COMPLETION_INDEX)).size).toBe(shards);
  });

  it('defaults: one shard, /data, 1Gi, backoffLimit 3, ttlSecondsAfterFinished 3600; parallelism never above shards', async () => {
    const { files } = await generate(topology(1));
    const map = kubeObject(files, 'Job', 'count-map');
    expect(map.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 3, ttlSecondsAfterFinished: 3600 });
    expect(containerEnv(podSpec(map).containers[0])).toEqual({ DDP_DATA_DIR: '/data', DDP_SHARDS: '1' });
    expect(kubeObject(files, 'PersistentVolumeClaim', 'count-data').spec.resources.requests.storage).toBe('1Gi');
    const wide = await generate(topology(3).replace('shards: 3', 'shards: 3, parallelism: 8'));
    expect(kubeObject(wide.files, 'Job', 'count-map').spec.parallelism).toBe(3);
  });
});
