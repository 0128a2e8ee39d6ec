// The Namespace object: ddp writes kubernetes/namespace.yaml (labelled PodSecurity `restricted`)
// unless `metadata.createNamespace: false`, for a namespace someone else owns; it refuses to
// write one for the namespaces Kubernetes makes and everyone shares.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { generate, kubeObjects } from './patterns/single-node-helpers.js';
import { validateKubernetes } from './helpers/kubernetes.js';
import { errorsOf } from './helpers/topology.js';
import { lintInputs } from '../src/lint/lint.js';
import { runGenerate } from '../src/commands/generate.js';

const topology = (metadata: string[]) =>
  ['apiVersion: ddp/v1', 'kind: Topology', 'metadata:', ...metadata, 'services:', '  web: { pattern: replicated, image: ghcr.io/acme/web:1.4.2, port: 8080 }'].join('\n') + '\n';

const show = (d: { line?: number; col?: number; code: string; message: string; hint?: string }) => `${d.line}:${d.col} ${d.code}: ${d.message} | ${d.hint}`;
const HINT = 'add `createNamespace: false` to metadata (ddp then writes no namespace.yaml; the objects still go into the namespace), or use a namespace of your own';

describe('metadata.createNamespace: false', () => {
  it('leaves namespace.yaml out of the output and the kustomization; the objects keep their namespace', async () => {
    const { files } = await generate(topology(['  name: shop', '  namespace: payments', '  createNamespace: false']));
    const kube = files.filter((f) => f.target === 'kubernetes').map((f) => f.path);
    expect(kube).toEqual(['kubernetes/kustomization.yaml', 'kubernetes/web.yaml']);
    const kustomization = parse(files.find((f) => f.path === 'kubernetes/kustomization.yaml')!.content);
    expect(kustomization).toEqual({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', namespace: 'payments', resources: ['web.yaml'] });
    const objects = kubeObjects(files);
    expect(objects.some((o) => o.kind === 'Namespace')).toBe(false);
    for (const o of objects.filter((x) => x.kind !== 'Kustomization')) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('payments');
    expect(validateKubernetes(objects)).toEqual([]);
    const yaml = files.filter((f) => /\.ya?ml$/.test(f.path) && (f.target === 'kubernetes' || f.target === 'compose'));
    expect(lintInputs(yaml.map((f) => ({ file: f.path, text: f.content, explicit: true }))).findings).toEqual([]);
  });

  it('by default (and with true) the Namespace is written and listed first', async () => {
    for (const extra of [[], ['  createNamespace: true']]) {
      const { files } = await generate(topology(['  name: shop', ...extra]));
      expect(parse(files.find((f) => f.path === 'kubernetes/kustomization.yaml')!.content).resources).toEqual(['namespace.yaml', 'web.yaml']);
      const ns = kubeObjects(files).find((o) => o.kind === 'Namespace')!;
      expect(ns.metadata.name).toBe('shop');
      expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    }
  });

  describe('generate into a directory that holds an earlier namespace.yaml', () => {
    let dir: string;
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    it('removes it: ddp wrote it, and it is no longer part of the output', async () => {
      dir = mkdtempSync(join(tmpdir(), 'ddp-ns-'));
      writeFileSync(join(dir, 'ddp.yaml'), topology(['  name: shop']));
      await runGenerate({ file: 'ddp.yaml', out: 'out', cwd: dir });
      expect(existsSync(join(dir, 'out', 'kubernetes', 'namespace.yaml'))).toBe(true);
      writeFileSync(join(dir, 'ddp.yaml'), topology(['  name: shop', '  createNamespace: false']));
      expect((await runGenerate({ file: 'ddp.yaml', out: 'out', cwd: dir, check: true })).check).toMatchObject({ upToDate: false, removed: ['kubernetes/namespace.yaml'], changed: ['kubernetes/kustomization.yaml'] });
      await runGenerate({ file: 'ddp.yaml', out: 'out', cwd: dir });
      expect(existsSync(join(dir, 'out', 'kubernetes', 'namespace.yaml'))).toBe(false);
      expect(readFileSync(join(dir, 'out', 'kubernetes', 'kustomization.yaml'), 'utf8')).not.toContain('namespace.yaml');
    });
  });
});

describe('the namespaces Kubernetes makes and everyone shares', () => {
  it.each(['default', 'kube-system', 'kube-public', 'kube-node-lease'])('namespace %s: shared-namespace, unless createNamespace: false', async (ns) => {
    expect((await errorsOf(topology(['  name: shop', `  namespace: ${ns}`]))).map(show)).toEqual([
      `5:14 shared-namespace: ddp would write a Namespace object for \`${ns}\`, a namespace Kubernetes makes and other workloads share: applying it labels ${ns} pod-security.kubernetes.io/enforce: restricted, so the API server refuses their new pods that are not restricted, and \`kubectl delete -k\` would try to delete ${ns} | ${HINT}`,
    ]);
    const { files, diagnostics } = await generate(topology(['  name: shop', `  namespace: ${ns}`, '  createNamespace: false']));
    expect(diagnostics).toEqual([]);
    expect(files.some((f) => f.path === 'kubernetes/namespace.yaml')).toBe(false);
    expect(kubeObjects(files).find((o) => o.kind === 'Deployment')!.metadata.namespace).toBe(ns);
  });

  it('a topology named default, with no namespace, goes into default: the error points at metadata.name', async () => {
    expect((await errorsOf(topology(['  name: default']))).map(show)).toEqual([
      `4:9 shared-namespace: ddp would write a Namespace object for \`default\` (the namespace defaults to metadata.name), a namespace Kubernetes makes and other workloads share: applying it labels default pod-security.kubernetes.io/enforce: restricted, so the API server refuses their new pods that are not restricted, and \`kubectl delete -k\` would try to delete default | ${HINT}`,
    ]);
  });

  it('other namespaces, kube-flannel or defaults, are yours: no error', async () => {
    for (const ns of ['kube-flannel', 'defaults', 'my-default']) expect(await errorsOf(topology(['  name: shop', `  namespace: ${ns}`]))).toEqual([]);
  });
});
