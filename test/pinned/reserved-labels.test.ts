// Pinned (mutation testing, 2026-11-29, src/topology/semantic.ts reservedLabels): every label
// ddp or a Kubernetes controller sets itself is refused in metadata.labels -- each entry of the two
// lists, not just the three bad-input.test.ts names. Dropping one from either list (e.g.
// apps.kubernetes.io/pod-index) made no test fail.
import { describe, expect, it } from 'vitest';
import { errorsOf, BASE } from '../helpers/topology.js';

const JOB = 'the Job controller sets it on its pods; the API server refuses a Job whose pod template gives it another value';
const CONTROLLER: [string, string][] = [
  ['job-name', JOB],
  ['controller-uid', JOB],
  ['batch.kubernetes.io/job-name', JOB],
  ['batch.kubernetes.io/controller-uid', JOB],
  ['batch.kubernetes.io/job-completion-index', 'the Job controller sets it on the pods of an Indexed Job'],
  ['pod-template-hash', 'the Deployment controller sets it on the pods of each ReplicaSet'],
  ['controller-revision-hash', 'the StatefulSet controller sets it on its pods'],
  ['statefulset.kubernetes.io/pod-name', 'the StatefulSet controller sets it on each pod'],
  ['apps.kubernetes.io/pod-index', 'the StatefulSet controller sets it on each pod'],
];
const DDP: [string, string][] = [
  ['app.kubernetes.io/name', 'on every object (its own name)'],
  ['app.kubernetes.io/component', "on every object (its part in the pattern: server, router, ...)"],
  ['app.kubernetes.io/part-of', 'on every object (the topology name)'],
  ['app.kubernetes.io/managed-by', 'on every object (`ddp`)'],
  ['pod-security.kubernetes.io/enforce', 'on the Namespace (`restricted`: every pod ddp generates meets it)'],
];
const withLabel = (key: string) => BASE.replace('  name: shop', `  name: shop\n  labels: { ${key}: x }`) + '    port: 8080\n';

describe('reserved-label: each label Kubernetes sets on the pods its controllers make', () => {
  it.each(CONTROLLER)('%s', async (key, why) => {
    const ds = await errorsOf(withLabel(key));
    expect(ds.map((d) => [d.code, d.message, d.pointer, d.hint])).toEqual([
      ['reserved-label', `\`${key}\` is a label Kubernetes sets: ${why}`, `/metadata/labels/${key.replace(/\//g, '~1')}`, 'remove it from metadata.labels (ddp puts them on pod templates too); use a label of your own'],
    ]);
  });
});

describe('reserved-label: each label ddp sets itself', () => {
  it.each(DDP)('%s', async (key, where) => {
    const ds = await errorsOf(withLabel(key));
    expect(ds.map((d) => [d.code, d.message, d.pointer, d.hint])).toEqual([
      ['reserved-label', `ddp sets the label \`${key}\` itself, ${where}`, `/metadata/labels/${key.replace(/\//g, '~1')}`, 'remove it from metadata.labels; put what you mean in a label of your own (e.g. example.com/team)'],
    ]);
  });

  it('a label next to a reserved one is yours: app.kubernetes.io/version, pod-security.kubernetes.io/warn, example.com/job-name', async () => {
    expect(await errorsOf(BASE.replace('  name: shop', '  name: shop\n  labels: { app.kubernetes.io/version: "1", pod-security.kubernetes.io/warn: baseline, example.com/job-name: x }') + '    port: 8080\n')).toEqual([]);
  });
});
