// Persistent volumes outside a StatefulSet (one PersistentVolumeClaim per component, src/shared-claims.ts):
// a ReadWriteOnce claim shared by several pods is refused, `accessMode: ReadWriteMany` lets them
// share it; and a declared volume no container mounts is a warning (src/topology/semantic.ts).
import { describe, expect, it } from 'vitest';
import { parseTopologyText } from '../src/topology/load.js';
import { prepareLoaded, renderTargets, validateAll } from '../src/flow.js';
import { parseAllDocuments } from 'yaml';
import type { Diagnostic } from '../src/diagnostics.js';
import { maxPods } from '../src/shared-claims.js';
import type { Component } from '../src/model.js';
import { errorsOf, lines } from './helpers/topology.js';

const show = (d: Diagnostic) => `${d.line}:${d.col} ${d.code}: ${d.message}`;
const warningsOf = async (text: string) => (await validateAll(parseTopologyText(text, 'ddp.yaml'))).filter((d) => d.severity === 'warning');
const SHARED_HINT = (at: string) => `set \`accessMode: ReadWriteMany\` on ${at} (your storage class must offer it: NFS, CephFS, EFS, ...), run one pod, or use an emptyDir for scratch data`;

describe('shared-claim: one ReadWriteOnce claim, several pods', () => {
  it('a replicated service of 2 replicas (the default): refused at the volume, with the way out', async () => {
    const errors = await errorsOf(lines('    port: 8080', '    mounts: [{ volume: content, path: /srv }]', '    volumes: { content: { type: persistent, size: 1Gi } }'));
    expect(errors.map(show)).toEqual([
      '11:16 shared-claim: volume `content` is one ReadWriteOnce PersistentVolumeClaim, `web-content`, shared by up to 2 pods of web: one node at a time mounts it, so pods scheduled on other nodes never start (Multi-Attach)',
    ]);
    expect(errors[0].hint).toBe(SHARED_HINT('services.web.volumes.content'));
  });

  it('counts the most pods at once: an autoscale max, a work-queue worker\'s replicas', async () => {
    const autoscaled = await errorsOf(lines('    port: 8080', '    autoscale: { min: 1, max: 5 }', '    mounts: [{ volume: d, path: /d }]', '    volumes: { d: { type: persistent } }'));
    expect(autoscaled.map((d) => d.message)).toEqual(['volume `d` is one ReadWriteOnce PersistentVolumeClaim, `web-d`, shared by up to 5 pods of web: one node at a time mounts it, so pods scheduled on other nodes never start (Multi-Attach)']);
    const worker = await errorsOf(
      lines('    port: 8080', '    replicas: 1', '  resize:', '    pattern: work-queue', '    worker: { image: ghcr.io/acme/resize:1.0.0, replicas: 4, mounts: [{ volume: scratch, path: /scratch }] }', '    volumes: { scratch: { type: persistent, size: 50Gi } }'),
    );
    expect(worker.map(show)).toEqual(['14:16 shared-claim: volume `scratch` is one ReadWriteOnce PersistentVolumeClaim, `resize-scratch`, shared by up to 4 pods of resize: one node at a time mounts it, so pods scheduled on other nodes never start (Multi-Attach)']);
  });

  it('one pod, or accessMode ReadWriteMany: accepted', async () => {
    expect(await errorsOf(lines('    port: 8080', '    replicas: 1', '    mounts: [{ volume: d, path: /d }]', '    volumes: { d: { type: persistent } }'))).toEqual([]);
    expect(await errorsOf(lines('    port: 8080', '    replicas: 3', '    mounts: [{ volume: d, path: /d }]', '    volumes: { d: { type: persistent, accessMode: ReadWriteMany } }'))).toEqual([]);
  });

  it('a StatefulSet gives each pod its own claim: scatter-gather leaves are never a shared claim', async () => {
    const text = lines('    port: 8080', '    replicas: 1', '  search:', '    pattern: scatter-gather', '    root: { image: ghcr.io/acme/root:1.0.0, port: 8080 }', '    leaves: { image: ghcr.io/acme/leaf:1.0.0, port: 8080, count: 4, mounts: [{ volume: index, path: /index }] }', '    volumes: { index: { type: persistent, size: 5Gi } }');
    expect((await errorsOf(text)).filter((d) => d.code === 'shared-claim')).toEqual([]);
  });

  it('maxPods: Deployment replicas, autoscale max or KEDA max; Job parallelism; 1 for a StatefulSet or CronJob', () => {
    const c = (x: Partial<Component>) => ({ workload: 'Deployment', replicas: 2, ...x }) as Component;
    expect(maxPods(c({}))).toBe(2);
    expect(maxPods(c({ autoscale: { min: 2, max: 7, cpu: 80 } }))).toBe(7);
    expect(maxPods(c({ scaler: { min: 0, max: 9, pollingInterval: 30, triggers: [] } }))).toBe(9);
    expect(maxPods(c({ workload: 'Job', job: { completions: 8, parallelism: 3, backoffLimit: 1, ttlSecondsAfterFinished: 60 } }))).toBe(3);
    expect(maxPods(c({ workload: 'StatefulSet', replicas: 5 }))).toBe(1);
    expect(maxPods(c({ workload: 'CronJob', replicas: 5 }))).toBe(1);
  });

  it('accessMode is one of the two a claim ddp writes can take', async () => {
    const errors = await errorsOf(lines('    port: 8080', '    mounts: [{ volume: d, path: /d }]', '    volumes: { d: { type: persistent, accessMode: ReadOnlyMany } }'));
    expect(errors.map((d) => `${d.code}: ${d.message}`)).toEqual(['bad-value: services.web.volumes.d.accessMode must be one of ReadWriteOnce, ReadWriteMany; got `ReadOnlyMany`']);
  });
});

describe('unused-volume: declared, never mounted', () => {
  it('a warning at the volume; a persistent one says it is still a claim', async () => {
    const ws = await warningsOf(lines('    port: 8080', '    replicas: 1', '    volumes: { cache: {}, data: { type: persistent, size: 10Gi } }'));
    expect(ws.filter((d) => d.code === 'unused-volume').map(show)).toEqual([
      '11:16 unused-volume: no container of web mounts volume `cache`',
      '11:27 unused-volume: no container of web mounts volume `data`, and it is still a PersistentVolumeClaim of 10Gi',
    ]);
    expect(ws.find((d) => d.code === 'unused-volume')?.hint).toBe('mount it (`mounts: [{ volume: cache, path: /data }]`), or remove it from `volumes`');
  });

  it('a volume only a sidecar mounts is used', async () => {
    const ws = await warningsOf(lines('    port: 8080', '    volumes: { shared: {} }', '    sidecars: [{ name: s, image: ghcr.io/acme/s:1.0.0, mounts: [{ volume: shared, path: /shared }] }]'));
    expect(ws.filter((d) => d.code === 'unused-volume')).toEqual([]);
  });
});

describe('persistent volumes and the pods that come and go', () => {
  const deployment = async (text: string) => {
    const { model } = await prepareLoaded(parseTopologyText(text, 'ddp.yaml'), undefined);
    const files = await renderTargets(model, ['kubernetes']);
    return parseAllDocuments(files.find((f) => f.path === 'kubernetes/web.yaml')!.content).map((d) => d.toJS()).find((o) => o.kind === 'Deployment');
  };

  it('a Deployment with a ReadWriteOnce claim is updated Recreate (a rolling update starts the new pod first); with ReadWriteMany or none, rolling', async () => {
    expect((await deployment(lines('    port: 8080', '    replicas: 1', '    mounts: [{ volume: d, path: /d }]', '    volumes: { d: { type: persistent } }'))).spec.strategy).toEqual({ type: 'Recreate' });
    expect((await deployment(lines('    port: 8080', '    replicas: 2', '    mounts: [{ volume: d, path: /d }]', '    volumes: { d: { type: persistent, accessMode: ReadWriteMany } }'))).spec.strategy).toBeUndefined();
    expect((await deployment(lines('    port: 8080'))).spec.strategy).toBeUndefined();
  });

  it('a CronJob whose runs may overlap (concurrencyPolicy Allow) shares its claim; Forbid does not', async () => {
    const cron = (policy: string) => lines('    port: 8080', '    replicas: 1', '  nightly:', '    pattern: function', '    image: ghcr.io/acme/report:1.0.0', `    trigger: { schedule: "0 3 * * *", concurrencyPolicy: ${policy} }`, '    mounts: [{ volume: d, path: /d }]', '    volumes: { d: { type: persistent } }');
    expect((await errorsOf(cron('Allow'))).map((d) => d.message)).toEqual(['volume `d` is one ReadWriteOnce PersistentVolumeClaim, `nightly-d`, shared by up to 2 pods of nightly (runs that overlap: concurrencyPolicy Allow): one node at a time mounts it, so pods scheduled on other nodes never start (Multi-Attach)']);
    expect(await errorsOf(cron('Forbid'))).toEqual([]);
  });

  it('hot shards with a persistent volume: one shared-claim, not one per shard', async () => {
    const errors = await errorsOf(lines('    port: 8080', '    replicas: 1', '  kv:', '    pattern: sharded', '    image: ghcr.io/acme/kv:1.0.0', '    port: 9000', '    shards: 3', '    replicasPerShard: 2', '    mounts: [{ volume: d, path: /d }]', '    volumes: { d: { type: persistent } }'));
    expect(errors.filter((d) => d.code === 'shared-claim').map((d) => `${d.line}:${d.col}`)).toEqual(['18:16']);
  });

  it('batch: each step gets the declared volumes it mounts, no other (a volume only reduce mounts is no claim of map)', async () => {
    const text = lines('    port: 8080', '    replicas: 1', '  b:', '    pattern: batch', '    map: { image: ghcr.io/acme/map:1.0.0, shards: 4, parallelism: 2 }', '    reduce: { image: ghcr.io/acme/reduce:1.0.0, mounts: [{ volume: out, path: /out }] }', '    volumes: { out: { type: persistent } }');
    expect(await errorsOf(text)).toEqual([]);
    const { model } = await prepareLoaded(parseTopologyText(text, 'ddp.yaml'), undefined);
    const b = model.units.find((u) => u.name === 'b')!;
    // (compose runs the map Job as one service per index: b-map-0 ...)
    const claims = new Map(b.components.map((c) => [c.name, c.pod.volumes.filter((v) => v.persistent).map((v) => v.name)]));
    expect([claims.get('b-map'), claims.get('b-reduce')]).toEqual([[], ['out']]);
  });
});
