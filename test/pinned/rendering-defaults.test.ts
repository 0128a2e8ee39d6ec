// Pinned (mutations no other test caught, 2026-11-29) (pattern expansion and the Kubernetes/compose renderers): defaults and
// branches no example uses and no other test pinned down -- varnish's storage floor, a persistent
// volume's default size, storageClassName on the claims of a Deployment and of a batch service, a
// varnish shard-router ambassador's memory, a function's HPA maximum when only scale.min is given,
// and the last host port compose can publish.
import { describe, expect, it } from 'vitest';
import { parseTopologyText } from '../../src/topology/load.js';
import { prepareLoaded, renderTargets, TARGETS } from '../../src/flow.js';
import type { OutputFile } from '../../src/output/files.js';
import { parseAllDocuments, validateKubernetes } from '../helpers/kubernetes.js';
import { parse as parseYaml } from 'yaml';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const HEAD = 'apiVersion: ddp/v1\nkind: Topology\nmetadata: { name: shop }\nservices:\n';
async function generate(services: string): Promise<OutputFile[]> {
  const p = await prepareLoaded(parseTopologyText(HEAD + services, 'ddp.yaml'), undefined);
  return renderTargets(p.model, TARGETS);
}
const objects = (files: OutputFile[]) => files.filter((f) => f.target === 'kubernetes').flatMap((f) => parseAllDocuments(f.content) as Obj[]);
const find = (files: OutputFile[], kind: string, name: string): Obj => {
  const o = objects(files).find((x) => x.kind === kind && x.metadata?.name === name);
  if (!o) throw new Error(`no ${kind}/${name}; have ${objects(files).map((x) => `${x.kind}/${x.metadata?.name}`).join(', ')}`);
  return o;
};
const compose = (files: OutputFile[]): Obj => parseYaml(files.find((f) => f.path === 'compose/docker-compose.yml')!.content) as Obj;

describe('replicated cache: varnish storage is at least 16 MiB', () => {
  it('cache.memory 8Mi gives -s malloc,16m, a request of 80Mi and a limit of 160Mi', async () => {
    const files = await generate('  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.4.2\n    port: 8080\n    cache: { memory: 8Mi }\n');
    const varnish = find(files, 'Deployment', 'web-cache').spec.template.spec.containers[0];
    expect(varnish.args).toEqual(['-F', '-f', '/etc/ddp/default.vcl', '-a', ':8080', '-n', '/tmp/varnish', '-s', 'malloc,16m', '-p', 'fetch_maxchunksize=1m', '-p', 'pipe_timeout=3600']);
    expect(varnish.resources.requests.memory).toBe('80Mi');
    expect(varnish.resources.limits.memory).toBe('160Mi');
  });

  it('cache.memory 20Mi is above the floor: malloc,20m', async () => {
    const files = await generate('  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.4.2\n    port: 8080\n    cache: { memory: 20Mi }\n');
    const args = find(files, 'Deployment', 'web-cache').spec.template.spec.containers[0].args as string[];
    expect(args[args.indexOf('-s') + 1]).toBe('malloc,20m');
  });
});

describe('persistent volumes of a Deployment: default size, storage class', () => {
  it('type persistent without size: a 1Gi claim with no storageClassName', async () => {
    const files = await generate('  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.4.2\n    port: 8080\n    replicas: 1\n    volumes: { data: { type: persistent } }\n    mounts: [{ volume: data, path: /data }]\n');
    expect(find(files, 'PersistentVolumeClaim', 'web-data').spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
  });

  it('storageClass: the claim names it in storageClassName', async () => {
    const files = await generate('  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.4.2\n    port: 8080\n    replicas: 1\n    volumes: { data: { type: persistent, size: 5Gi, storageClass: fast-ssd } }\n    mounts: [{ volume: data, path: /data }]\n');
    const pvc = find(files, 'PersistentVolumeClaim', 'web-data');
    expect(pvc.spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'fast-ssd', resources: { requests: { storage: '5Gi' } } });
    expect(validateKubernetes([pvc])).toEqual([]);
  });

  it('accessMode ReadWriteMany: the claim says so, and every replica may share it', async () => {
    const files = await generate('  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.4.2\n    port: 8080\n    replicas: 3\n    volumes: { data: { type: persistent, size: 5Gi, storageClass: nfs, accessMode: ReadWriteMany } }\n    mounts: [{ volume: data, path: /data }]\n');
    const pvc = find(files, 'PersistentVolumeClaim', 'web-data');
    expect(pvc.spec).toEqual({ accessModes: ['ReadWriteMany'], storageClassName: 'nfs', resources: { requests: { storage: '5Gi' } } });
    expect(validateKubernetes([pvc])).toEqual([]);
  });
});

describe('batch: the shared claim takes storage.storageClass', () => {
  it('storage { size: 5Gi, storageClass: shared-nfs }: storageClassName on the claim', async () => {
    const files = await generate('  count:\n    pattern: batch\n    map: { image: ghcr.io/acme/map:1.0, shards: 2 }\n    reduce: { image: ghcr.io/acme/reduce:1.0 }\n    storage: { size: 5Gi, storageClass: shared-nfs }\n');
    const pvc = find(files, 'PersistentVolumeClaim', 'count-data');
    expect(pvc.spec.storageClassName).toBe('shared-nfs');
    expect(pvc.spec.resources).toEqual({ requests: { storage: '5Gi' } });
  });
});

describe('a shard-router ambassador that runs varnish', () => {
  it('memory request 128Mi (64Mi storage + 64Mi), limit 256Mi by default', async () => {
    const files = await generate(
      '  pages:\n    pattern: sharded\n    image: ghcr.io/acme/pages:1.0\n    port: 8080\n    shards: 2\n    router: { kind: varnish }\n' +
        '  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.4.2\n    port: 8080\n    ambassadors:\n      - { name: pages, kind: shard-router, target: pages, listen: 9000 }\n',
    );
    const amb = find(files, 'Deployment', 'web').spec.template.spec.containers.find((c: Obj) => c.name === 'pages');
    // varnishd behind the start-up shell that adds -a [::1]:9000 where the pod has IPv6
    expect([amb.command[0], amb.command[3], amb.args[0]]).toEqual(['sh', 'ddp-start', 'varnishd']);
    expect(amb.resources.requests.memory).toBe('128Mi');
    expect(amb.resources.limits.memory).toBe('256Mi');
  });
});

describe('function: scale.min above the default maximum', () => {
  it('scale { min: 15 } without max: the HPA runs 15 to 15 (never a max below its min)', async () => {
    const files = await generate('  fn:\n    pattern: function\n    image: ghcr.io/acme/fn:1.0.0\n    port: 8080\n    scale: { min: 15 }\n');
    const hpa = find(files, 'HorizontalPodAutoscaler', 'fn');
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([15, 15]);
    expect(validateKubernetes([hpa])).toEqual([]);
  });

  it('scale { min: 3 } without max: the default maximum 10', async () => {
    const files = await generate('  fn:\n    pattern: function\n    image: ghcr.io/acme/fn:1.0.0\n    port: 8080\n    scale: { min: 3 }\n');
    const hpa = find(files, 'HorizontalPodAutoscaler', 'fn');
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([3, 10]);
  });
});

describe('compose host ports: 65535 is the last one, and it can be published', () => {
  it('one replica exposed on 65535: published as 65535, no no-host-port', async () => {
    const files = await generate('  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.4.2\n    port: 65535\n    replicas: 1\n    expose: { host: shop.example.com }\n');
    expect(compose(files).services.web.ports).toEqual([{ target: 65535, published: '65535', protocol: 'tcp' }]);
  });
});
