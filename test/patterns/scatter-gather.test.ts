// The scatter-gather pattern (issue 3): root Deployment + Service with DDP_LEAVES and
// DDP_LEAF_TIMEOUT_MS, leaves as a StatefulSet behind a headless Service, one compose service per leaf.
import { describe, expect, it } from 'vitest';
import { validateKubernetes, parseAllDocuments } from '../helpers/kubernetes.js';
import { validateCompose } from '../helpers/compose.js';
import { TOPOLOGY_HEAD, composeDoc, generate, kubeObject, kubeObjects } from './single-node-helpers.js';
import { reachable, selectorProblems } from './serving-helpers.js';

const SEARCH = [
  '  search:',
  '    pattern: scatter-gather',
  '    root: { image: ghcr.io/acme/search-root:2.0.1, port: 8080, replicas: 3, health: { path: /healthz } }',
  '    leaves:',
  '      image: ghcr.io/acme/search-leaf:2.0.1',
  '      port: 9090',
  '      count: 4',
  '      mounts: [{ volume: index, path: /var/lib/index }]',
  '    volumes: { index: { type: persistent, size: 10Gi } }',
  '    timeout: 750ms',
];
const topo = (lines: string[]) => TOPOLOGY_HEAD + lines.join('\n') + '\n';
const env = (o: Record<string, any>) => Object.fromEntries(o.spec.template.spec.containers[0].env.map((e: Record<string, any>) => [e.name, e.value ?? e.valueFrom])); // eslint-disable-line @typescript-eslint/no-explicit-any

describe('scatter-gather', () => {
  it('the root gets one URL per leaf in index order and the leaf timeout in milliseconds', async () => {
    const g = await generate(topo(SEARCH));
    const root = kubeObject(g.files, 'Deployment', 'search');
    expect(root.spec.replicas).toBe(3);
    expect(env(root)).toEqual({
      DDP_LEAVES: 'http://search-leaf-0.search-leaf:9090,http://search-leaf-1.search-leaf:9090,http://search-leaf-2.search-leaf:9090,http://search-leaf-3.search-leaf:9090',
      DDP_LEAF_TIMEOUT_MS: '750',
    });
    expect(kubeObject(g.files, 'Service', 'search').spec.ports).toEqual([{ name: 'main', port: 8080, targetPort: 8080, protocol: 'TCP' }]);
  });

  it('the leaves: a StatefulSet behind a headless Service, a claim per leaf, each leaf told its index and count', async () => {
    const g = await generate(topo(SEARCH));
    const leaves = kubeObject(g.files, 'StatefulSet', 'search-leaf');
    expect(leaves.spec).toMatchObject({ serviceName: 'search-leaf', replicas: 4, podManagementPolicy: 'Parallel' });
    expect(leaves.spec.volumeClaimTemplates.map((c: { metadata: { name: string } }) => c.metadata.name)).toEqual(['index']);
    expect(env(leaves)).toEqual({ DDP_LEAF_COUNT: '4', DDP_LEAF_INDEX: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } } });
    expect(kubeObject(g.files, 'Service', 'search-leaf').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, ports: [{ port: 9090 }] });
    // the index volume is the leaves' only: the root pod has no claim and no such volume
    expect(kubeObjects(g.files).filter((o) => o.kind === 'PersistentVolumeClaim')).toEqual([]);
    expect(kubeObject(g.files, 'Deployment', 'search').spec.template.spec.volumes.map((v: { name: string }) => v.name)).toEqual(['search-tmp']);
  });

  it('every DDP_LEAVES URL names a leaf pod of the output on a port it declares; selectors and serviceNames agree', async () => {
    const g = await generate(topo(SEARCH));
    const objects = kubeObjects(g.files);
    const names = reachable(objects);
    const urls = String(env(kubeObject(g.files, 'Deployment', 'search')).DDP_LEAVES).split(',');
    expect(urls).toHaveLength(4);
    for (const u of urls) {
      const { hostname, port } = new URL(u);
      expect({ u, target: names.get(hostname) }).toEqual({ u, target: { kind: 'pod', ports: [9090] } });
      expect(port).toBe('9090');
    }
    expect(selectorProblems(objects)).toEqual([]);
  });

  it('compose: one service per leaf under its pod DNS name; the root has the same DDP_LEAVES and starts after them', async () => {
    const g = await generate(topo(SEARCH));
    const compose = composeDoc(g.files);
    // ddp-volume-init hands the leaves' named volumes to the non-root user before they start
    expect(Object.keys(compose.services)).toEqual(['search', 'search-leaf-0', 'search-leaf-1', 'search-leaf-2', 'search-leaf-3', 'ddp-volume-init']);
    const k8sEnv = env(kubeObject(g.files, 'Deployment', 'search'));
    expect(compose.services.search.environment).toEqual({ DDP_LEAF_TIMEOUT_MS: '750', DDP_LEAVES: k8sEnv.DDP_LEAVES });
    expect(Object.keys(compose.services.search.depends_on)).toEqual(['search-leaf-0', 'search-leaf-1', 'search-leaf-2', 'search-leaf-3']);
    for (let i = 0; i < 4; i++) {
      const leaf = compose.services[`search-leaf-${i}`];
      expect(leaf.networks).toEqual({ default: { aliases: [`search-leaf-${i}.search-leaf`] } });
      expect(leaf.environment).toEqual({ DDP_LEAF_COUNT: '4', DDP_LEAF_INDEX: String(i) });
      expect(leaf.volumes[0]).toEqual({ type: 'volume', source: `search-leaf-${i}-index`, target: '/var/lib/index' });
    }
    // every URL's host answers in compose too
    for (const u of String(k8sEnv.DDP_LEAVES).split(',')) {
      const host = new URL(u).hostname;
      expect(Object.values<Record<string, any>>(compose.services).some((s) => s.networks?.default?.aliases?.includes(host))).toBe(true); // eslint-disable-line @typescript-eslint/no-explicit-any
    }
  });

  it('defaults: 3 leaves, 2 root replicas, a 2 s timeout, port 8080', async () => {
    const g = await generate(topo(['  q:', '    pattern: scatter-gather', '    root: { image: acme/root:1.0.0 }', '    leaves: { image: acme/leaf:1.0.0 }']));
    const root = kubeObject(g.files, 'Deployment', 'q');
    expect(root.spec.replicas).toBe(2);
    expect(env(root)).toEqual({ DDP_LEAVES: 'http://q-leaf-0.q-leaf:8080,http://q-leaf-1.q-leaf:8080,http://q-leaf-2.q-leaf:8080', DDP_LEAF_TIMEOUT_MS: '2000' });
    expect(kubeObject(g.files, 'StatefulSet', 'q-leaf').spec.replicas).toBe(3);
  });

  it('expose: an Ingress to the root; sidecars join the root pod; the output passes the strict schemas', async () => {
    const g = await generate(topo([...SEARCH, '    expose: { host: search.example.com }', '    sidecars: [{ name: stats, image: acme/stats:1.0.0 }]']));
    expect(kubeObject(g.files, 'Ingress', 'search').spec.rules[0].http.paths[0].backend).toEqual({ service: { name: 'search', port: { number: 8080 } } });
    expect(kubeObject(g.files, 'Deployment', 'search').spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['search', 'stats']);
    expect(kubeObject(g.files, 'StatefulSet', 'search-leaf').spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['leaf']);
    // three root replicas → a host-port range of three
    expect(composeDoc(g.files).services.search.ports).toEqual([{ target: 8080, published: '8080-8082', protocol: 'tcp' }]);
    for (const f of g.files.filter((x) => x.target === 'kubernetes')) expect({ path: f.path, problems: validateKubernetes(parseAllDocuments(f.content)) }).toEqual({ path: f.path, problems: [] });
    expect(validateCompose(composeDoc(g.files))).toEqual([]);
  });
});
