// Names ddp builds from the user's (`<svc>-leaf`, `<svc>-router-twemproxy`, `<pipeline>-<stage>`,
// port names from sidecar names, scratch volumes) against the limits the API server enforces.
// The oracle here reads the rendered YAML, not the model: it checks that what `validate`
// accepts is what Kubernetes takes, whatever template built the name.
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseTopologyText } from '../src/topology/load.js';
import { prepareLoaded, renderTargets, scratchVolumeName, validateAll } from '../src/flow.js';

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const IANA = (s: string) => s.length <= 15 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s) && /[a-z]/.test(s) && !s.includes('--');

type Obj = { kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: any };

/** What the API server (and its controllers) would refuse in these objects. */
function refused(objs: Obj[]): string[] {
  const out: string[] = [];
  const say = (o: Obj, what: string) => out.push(`${o.kind}/${o.metadata.name}: ${what}`);
  for (const o of objs) {
    const name = o.metadata.name;
    for (const [k, v] of Object.entries(o.metadata.labels ?? {})) if (v.length > 63) say(o, `label ${k} is ${v.length} characters`);
    if (o.kind === 'StatefulSet' && name.length > 52) say(o, 'StatefulSet name over 52 (controller-revision-hash label)');
    if (o.kind === 'CronJob' && name.length > 52) say(o, 'CronJob name over 52');
    if (o.kind === 'Service' && !(name.length <= 63 && /^[a-z]/.test(name) && LABEL.test(name))) say(o, 'Service name not a DNS-1035 label');
    if (o.kind === 'Service') {
      const names = (o.spec.ports ?? []).map((p: { name?: string }) => p.name);
      if (new Set(names).size !== names.length) say(o, 'Service port names repeat');
    }
    if (o.kind === 'Job' && o.spec.completionMode === 'Indexed' && `${name}-${o.spec.completions - 1}`.length > 63) say(o, 'host name of the last index over 63');
    const pod = o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec?.template?.spec;
    if (!pod) continue;
    for (const v of pod.volumes ?? []) if (!(v.name.length <= 63 && LABEL.test(v.name))) say(o, `volume ${v.name} is not a DNS-1123 label`);
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      const ports = (c.ports ?? []).map((p: { name?: string }) => p.name);
      for (const p of ports) if (p !== undefined && !IANA(p)) say(o, `port name ${p} is not an IANA_SVC_NAME`);
      if (new Set(ports).size !== ports.length) say(o, `port names repeat in container ${c.name}`);
    }
  }
  return out;
}

const doc = (services: string, pipelines = '') => `apiVersion: ddp/v1\nkind: Topology\nmetadata:\n  name: ns\nservices:\n${services}${pipelines}`;

// one service of each shape whose derived names grow longest; `N` is the name under test
const SHAPES: Record<string, (n: string) => string> = {
  'sharded memcache': (n) => doc(`  ${n}:\n    pattern: sharded\n    image: memcached:1.6.29\n    port: 11211\n    protocol: memcache\n    shards: 12\n`),
  'sharded http': (n) => doc(`  ${n}:\n    pattern: sharded\n    image: ghcr.io/acme/p:1.0\n    port: 8080\n    shards: 12\n    storage: { size: 1Gi, path: /data }\n`),
  'sharded hot, varnish': (n) => doc(`  ${n}:\n    pattern: sharded\n    image: ghcr.io/acme/p:1.0\n    port: 8080\n    shards: 12\n    replicasPerShard: 2\n    router: { kind: varnish }\n`),
  'scatter-gather': (n) => doc(`  ${n}:\n    pattern: scatter-gather\n    root: { image: ghcr.io/acme/r:1.0, port: 8080 }\n    leaves: { image: ghcr.io/acme/l:1.0, port: 9090, count: 12 }\n`),
  'function on a schedule': (n) => doc(`  ${n}:\n    pattern: function\n    image: ghcr.io/acme/r:1.0\n    trigger: { schedule: "*/5 * * * *" }\n`),
  'work queue, rabbitmq jobs': (n) => doc(`  ${n}:\n    pattern: work-queue\n    broker: rabbitmq\n    mode: job\n    worker: { image: ghcr.io/acme/w:1.0 }\n    autoscale: { max: 5, perWorker: 5 }\n`),
  'work queue, nats': (n) => doc(`  ${n}:\n    pattern: work-queue\n    broker: nats\n    worker: { image: ghcr.io/acme/w:1.0, replicas: 2 }\n`),
  batch: (n) => doc(`  ${n}:\n    pattern: batch\n    map: { image: ghcr.io/acme/m:1.0, shards: 1000, parallelism: 3 }\n    reduce: { image: ghcr.io/acme/r:1.0 }\n    storage: { size: 1Gi }\n`),
  'replicated with cache, tls, autoscale, ingress': (n) => doc(`  ${n}:\n    pattern: replicated\n    image: ghcr.io/acme/r:1.0\n    port: 8080\n    autoscale: { min: 2, max: 5, cpu: 70 }\n    cache: { replicas: 2 }\n    tls: { secret: t, replicas: 2 }\n    expose: { host: a.example.com }\n`),
  'sidecars, ambassadors, adapters': (n) =>
    doc(
      `  sh:\n    pattern: sharded\n    image: memcached:1.6.29\n    port: 11211\n    protocol: memcache\n    shards: 2\n  ${n}:\n    pattern: replicated\n    image: ghcr.io/acme/r:1.0\n    port: 8080\n` +
        `    sidecars:\n      - { name: ${n.slice(0, 20)}-tls, kind: tls, secret: t, port: 8443 }\n      - { name: "1234567890123456", image: ghcr.io/acme/s:1.0, port: 9000 }\n` +
        `    ambassadors:\n      - { name: cache, kind: shard-router, target: sh, listen: 11211 }\n    adapters:\n      - { name: logs, kind: logging, path: /var/log/x }\n`,
    ),
  pipeline: (n) => doc(`  web:\n    pattern: replicated\n    image: ghcr.io/acme/w:1.0\n`, `pipelines:\n  ${n}:\n    broker: kafka\n    sources: [in]\n    stages:\n      ${n.slice(0, 30)}: { kind: sharder, image: ghcr.io/acme/s:1, input: in, shards: 12 }\n`),
};

describe('Kubernetes name limits: what validate accepts, the API server takes', () => {
  for (const [shape, text] of Object.entries(SHAPES)) {
    it(shape, async () => {
      const accepted: number[] = [];
      for (let len = 30; len <= 63; len++) {
        const t = text(('s' + 'x'.repeat(70)).slice(0, len));
        const loaded = parseTopologyText(t, 'ddp.yaml');
        const errors = (await validateAll(loaded)).filter((d) => d.severity === 'error');
        if (errors.length) {
          // refused for a name, said at the unit: never a crash, never another kind of error
          for (const e of errors) expect(['name-too-long', 'bad-service-name'], `${len}: ${e.message}`).toContain(e.code);
          continue;
        }
        accepted.push(len);
        const { model } = await prepareLoaded(loaded, undefined);
        const objs = (await renderTargets(model, ['kubernetes'])).flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS() as Obj)).filter((o) => o?.metadata);
        expect(refused(objs), `name of ${len} characters`).toEqual([]);
      }
      expect(accepted[0]).toBe(30); // short names are fine in every shape
    });
  }
});

describe('scratch volumes', () => {
  it('keep `<container>-tmp` while it fits, and stay apart when two long names differ only at the end', () => {
    expect(scratchVolumeName('web')).toBe('web-tmp');
    expect(scratchVolumeName('a'.repeat(59))).toBe(`${'a'.repeat(59)}-tmp`);
    const a = scratchVolumeName(`aaaa${'x'.repeat(59)}`);
    const b = scratchVolumeName(`bbbb${'x'.repeat(59)}`);
    const c = scratchVolumeName(`${'x'.repeat(59)}aaaa`);
    const d = scratchVolumeName(`${'x'.repeat(59)}bbbb`);
    for (const n of [a, b, c, d]) expect(n).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    expect(new Set([a, b, c, d]).size).toBe(4);
  });
});

describe('topology metadata Kubernetes would refuse on every object', () => {
  const meta = (extra: string) => `apiVersion: ddp/v1\nkind: Topology\nmetadata:\n  name: shop\n${extra}services:\n  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.4.2\n`;
  const errors = async (t: string) => (await validateAll(parseTopologyText(t, 'ddp.yaml'))).filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.col} ${d.code}: ${d.message}`);

  it('annotations over 256 KiB in all', async () => {
    expect(await errors(meta(`  annotations: { a: "${'v'.repeat(200_000)}", b: "${'v'.repeat(62_200)}" }\n`))).toEqual([
      '5:3 annotations-too-big: metadata.annotations total 262202 bytes; Kubernetes takes at most 262144 (256 KiB) on an object, and ddp puts them on every object',
    ]);
    expect(await errors(meta(`  annotations: { a: "${'v'.repeat(262_143)}" }\n`))).toEqual([]);
  });

  it('annotations over half of that: a warning, as client-side kubectl apply copies them into one more annotation', async () => {
    const warnings = async (t: string) => (await validateAll(parseTopologyText(t, 'ddp.yaml'))).filter((d) => d.severity === 'warning').map((d) => `${d.line}:${d.col} ${d.code}: ${d.message}`);
    expect(await warnings(meta(`  annotations: { a: "${'v'.repeat(131_072)}" }\n`))).toEqual([
      '5:3 annotations-half-full: metadata.annotations total 131073 bytes, over half of the 262144 Kubernetes takes on an object: `kubectl apply` (client-side) copies every object into its kubectl.kubernetes.io/last-applied-configuration annotation, and the two together pass the limit',
    ]);
    expect(await warnings(meta(`  annotations: { a: "${'v'.repeat(131_071)}" }\n`))).toEqual([]);
  });

  it('a label key whose name part is over 63 characters', async () => {
    expect(await errors(meta(`  labels: { example.com/${'k'.repeat(64)}: x }\n`))).toEqual([`5:13 bad-name: \`example.com/${'k'.repeat(28)}…\` (76 characters) in metadata.labels is not a valid key`]);
    expect(await errors(meta(`  labels: { example.com/${'k'.repeat(63)}: x }\n`))).toEqual([]);
  });
});
