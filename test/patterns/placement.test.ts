// Pod placement and identity (src/patterns/placement.ts): imagePullSecrets, serviceAccountName,
// automountServiceAccountToken, nodeSelector and tolerations, at `defaults` and per service or
// pipeline. Every pod of every pattern gets them (the service account only where your image
// runs), the output passes the strict API schemas and `ddp lint`, a Role ddp makes is bound to
// your account, and compose -- which has none of them -- says so.
import { describe, expect, it } from 'vitest';
import { composeDoc, failures, generate, kubeObject, kubeObjects } from './single-node-helpers.js';
import { validateKubernetes } from '../helpers/kubernetes.js';
import { lintInputs } from '../../src/lint/lint.js';
import { errorsOf, lines } from '../helpers/topology.js';
import { parseTopologyText } from '../../src/topology/load.js';
import { validateAll } from '../../src/flow.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const podSpecOf = (o: Obj): Obj | undefined => o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;

const PLACED = `apiVersion: ddp/v1
kind: Topology
metadata: { name: shop }
defaults:
  imagePullSecrets: [ghcr-pull]
  serviceAccountName: shop-app
  nodeSelector: { kubernetes.io/os: linux }
  tolerations:
    - { key: dedicated, value: shop, effect: NoSchedule }
    - { key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 30 }
services:
  web:
    pattern: replicated
    image: ghcr.io/acme/web:1.4.2
    port: 8080
    cache: {}
    tls: { secret: web-tls }
    election: { lock: web-leader }
  sessions: { pattern: sharded, image: "memcached:1.6.29", protocol: memcache, shards: 2, args: ["-m", "64"] }
  search:
    pattern: scatter-gather
    root: { image: ghcr.io/acme/root:2.0, port: 8080 }
    leaves: { image: ghcr.io/acme/leaf:2.0, port: 8080, count: 2 }
  resize: { pattern: function, image: ghcr.io/acme/resize:1.0, port: 8080 }
  thumbs: { pattern: work-queue, queue: thumbs, worker: { image: ghcr.io/acme/thumb:1.2 } }
  count:
    pattern: batch
    map: { image: ghcr.io/acme/map:1.0, shards: 2 }
    reduce: { image: ghcr.io/acme/reduce:1.0 }
pipelines:
  photos:
    sources: [uploads]
    stages:
      copy: { kind: filter, image: ghcr.io/acme/copy:1.0, input: uploads }
`;

describe('placement at defaults reaches every pod of every pattern', () => {
  it('pull secrets, node selector and tolerations on every pod; your service account on the pods of your images only', async () => {
    const { files } = await generate(PLACED);
    const workloads = kubeObjects(files).filter((o) => podSpecOf(o));
    expect(workloads.length).toBeGreaterThan(10);
    for (const w of workloads) {
      const spec = podSpecOf(w)!;
      expect(spec.imagePullSecrets, w.metadata.name).toEqual([{ name: 'ghcr-pull' }]);
      expect(spec.nodeSelector, w.metadata.name).toEqual({ 'kubernetes.io/os': 'linux' });
      expect(spec.tolerations, w.metadata.name).toEqual([
        { operator: 'Equal', key: 'dedicated', value: 'shop', effect: 'NoSchedule' },
        { operator: 'Exists', key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', tolerationSeconds: 30 },
      ]);
    }
    const accounts = Object.fromEntries(workloads.map((w) => [`${w.kind}/${w.metadata.name}`, [podSpecOf(w)!.serviceAccountName ?? null, podSpecOf(w)!.automountServiceAccountToken]]));
    expect(accounts).toEqual({
      // your images: your account; a token only where the pod needs the API (the elector, the barrier)
      'Deployment/web': ['shop-app', true],
      'Job/count-reduce': ['shop-app', true],
      'Job/count-map': ['shop-app', false],
      'StatefulSet/sessions': ['shop-app', false],
      'Deployment/search': ['shop-app', false],
      'StatefulSet/search-leaf': ['shop-app', false],
      'Deployment/resize': ['shop-app', false],
      'Deployment/thumbs': ['shop-app', false],
      'Deployment/photos-copy': ['shop-app', false],
      // ddp's proxies and brokers: no identity of yours, no token
      'Deployment/web-cache': [null, false],
      'Deployment/web-tls': [null, false],
      'Deployment/sessions-router': [null, false],
      'StatefulSet/thumbs-broker': [null, false],
      'StatefulSet/photos-broker': [null, false],
    });
  });

  it('passes the strict API schemas and ddp lint', async () => {
    const { files } = await generate(PLACED);
    expect(validateKubernetes(kubeObjects(files))).toEqual([]);
    const yaml = files.filter((f) => /\.ya?ml$/.test(f.path) && (f.target === 'kubernetes' || f.target === 'compose'));
    const r = lintInputs(yaml.map((f) => ({ file: f.path, text: f.content, explicit: true })));
    expect(r.findings.map((f) => `${f.file}:${f.line}:${f.col} ${f.rule}: ${f.message}`)).toEqual([]);
  });

  it("binds the Roles ddp makes to your service account, and creates no ServiceAccount of that name (it is yours)", async () => {
    const { files } = await generate(PLACED);
    const objects = kubeObjects(files);
    expect(objects.filter((o) => o.kind === 'ServiceAccount')).toEqual([]);
    for (const role of ['web-elector', 'count-reduce']) {
      expect(kubeObject(files, 'Role', role).rules.length).toBeGreaterThan(0);
      expect(kubeObject(files, 'RoleBinding', role).subjects).toEqual([{ kind: 'ServiceAccount', name: 'shop-app', namespace: 'shop' }]);
      expect(kubeObject(files, 'RoleBinding', role).roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role });
    }
  });

  it('compose has none of them: one compose-kubernetes-only note (info) in the report, nothing of them in the compose file', async () => {
    const { files, model } = await generate(PLACED);
    const notes = model.notes.filter((n) => n.code === 'compose-kubernetes-only');
    expect(notes.map((n) => [n.severity, n.pointer, n.message, n.hint])).toEqual([
      [
        'info',
        '/defaults/imagePullSecrets',
        'compose: `imagePullSecrets`, `serviceAccountName`, `nodeSelector`, `tolerations` of defaults apply to Kubernetes only (compose pulls with the credentials of `docker login`; compose has no Kubernetes API and no service accounts; compose runs every service on one machine)',
        'for compose, `docker login` to the registry before `docker compose up`',
      ],
    ]);
    const compose = files.find((f) => f.path === 'compose/docker-compose.yml')!.content;
    expect(compose).not.toContain('Kubernetes only'); // (its one WARNING line is the election's)
    expect(compose).not.toMatch(/imagePullSecrets|serviceAccountName|nodeSelector|tolerations/);
    const services = composeDoc(files).services as Record<string, Obj>;
    for (const s of Object.values(services)) for (const k of ['imagePullSecrets', 'nodeSelector', 'tolerations']) expect(s[k]).toBeUndefined();
  });
});

const WEB = (extra: string[]) => ['apiVersion: ddp/v1', 'kind: Topology', 'metadata: { name: shop }', ...extra].join('\n') + '\n';

describe('a service overrides the defaults field by field', () => {
  it('its own value replaces the default whole; {} and [] leave a field out', async () => {
    const { files, model } = await generate(
      WEB([
        'defaults: { imagePullSecrets: [ghcr-pull], nodeSelector: { pool: general }, tolerations: [{ key: a, operator: Exists }] }',
        'services:',
        '  web: { pattern: replicated, image: ghcr.io/acme/web:1.4.2, imagePullSecrets: [other-pull, ghcr-pull], nodeSelector: {}, tolerations: [] }',
        '  api: { pattern: replicated, image: ghcr.io/acme/api:1.0, nodeSelector: { pool: api } }',
      ]),
    );
    const web = podSpecOf(kubeObject(files, 'Deployment', 'web'))!;
    expect(web.imagePullSecrets).toEqual([{ name: 'other-pull' }, { name: 'ghcr-pull' }]);
    expect(web.nodeSelector).toBeUndefined();
    expect(web.tolerations).toBeUndefined();
    const api = podSpecOf(kubeObject(files, 'Deployment', 'api'))!;
    expect(api.imagePullSecrets).toEqual([{ name: 'ghcr-pull' }]);
    expect(api.nodeSelector).toEqual({ pool: 'api' });
    expect(api.tolerations).toEqual([{ operator: 'Exists', key: 'a' }]);
    // a note for defaults, and one for each service with fields of its own that compose cannot honour
    expect(model.notes.filter((n) => n.code === 'compose-kubernetes-only').map((n) => n.pointer)).toEqual(['/defaults/imagePullSecrets', '/services/api/nodeSelector', '/services/web/imagePullSecrets']);
  });

  it('a service account of your own: no token unless you ask for one', async () => {
    const { files } = await generate(
      WEB([
        'services:',
        '  web: { pattern: replicated, image: ghcr.io/acme/web:1.4.2, serviceAccountName: web-identity }',
        '  api: { pattern: replicated, image: ghcr.io/acme/api:1.0, serviceAccountName: api-identity, automountServiceAccountToken: true }',
      ]),
    );
    expect(podSpecOf(kubeObject(files, 'Deployment', 'web'))).toMatchObject({ serviceAccountName: 'web-identity', automountServiceAccountToken: false });
    expect(podSpecOf(kubeObject(files, 'Deployment', 'api'))).toMatchObject({ serviceAccountName: 'api-identity', automountServiceAccountToken: true });
    expect(kubeObjects(files).filter((o) => ['ServiceAccount', 'Role', 'RoleBinding'].includes(o.kind))).toEqual([]);
  });

  it('without any placement field, nothing changes: no pull secrets, selector, tolerations or account', async () => {
    const { files, model } = await generate(WEB(['services:', '  web: { pattern: replicated, image: ghcr.io/acme/web:1.4.2 }']));
    const spec = podSpecOf(kubeObject(files, 'Deployment', 'web'))!;
    expect([spec.imagePullSecrets, spec.nodeSelector, spec.tolerations, spec.serviceAccountName, spec.automountServiceAccountToken]).toEqual([undefined, undefined, undefined, undefined, false]);
    expect(model.notes.filter((n) => n.code === 'compose-kubernetes-only')).toEqual([]);
  });
});

describe('on Knative', () => {
  const knative = (extra: string) =>
    WEB(['defaults: { imagePullSecrets: [ghcr-pull], nodeSelector: { pool: fn }, tolerations: [{ key: fn, operator: Exists }] }', 'services:', `  fn: { pattern: function, image: ghcr.io/acme/fn:1.0, port: 8080, runtime: knative${extra} }`]);

  it('writes the fields into the revision template (a token only as false: Knative takes no other value)', async () => {
    const { files, diagnostics } = await generate(knative(', serviceAccountName: fn-identity'));
    const spec = kubeObject(files, 'Service', 'fn').spec.template.spec;
    expect(spec).toMatchObject({ serviceAccountName: 'fn-identity', automountServiceAccountToken: false, imagePullSecrets: [{ name: 'ghcr-pull' }], nodeSelector: { pool: 'fn' }, tolerations: [{ operator: 'Exists', key: 'fn' }] });
    expect(validateKubernetes(kubeObjects(files))).toEqual([]);
    const withToken = kubeObject((await generate(knative(', serviceAccountName: fn-identity, automountServiceAccountToken: true'))).files, 'Service', 'fn').spec.template.spec;
    expect(withToken.serviceAccountName).toBe('fn-identity');
    expect('automountServiceAccountToken' in withToken).toBe(false);
    // nodeSelector and tolerations only behind Knative feature flags
    expect(diagnostics.filter((d) => d.code === 'knative-feature-flag').map((d) => `${d.line}:${d.col} ${d.message} | ${d.hint}`)).toEqual([
      '4:44 fn runs on Knative, which rejects a revision with `nodeSelector` unless the cluster turns on kubernetes.podspec-nodeselector (config-features in knative-serving; off by default) | turn on kubernetes.podspec-nodeselector in the config-features ConfigMap, or give fn `nodeSelector: {}` to leave it out',
      '4:72 fn runs on Knative, which rejects a revision with `tolerations` unless the cluster turns on kubernetes.podspec-tolerations (config-features in knative-serving; off by default) | turn on kubernetes.podspec-tolerations in the config-features ConfigMap, or give fn `tolerations: []` to leave it out',
    ]);
  });

  it('no warning once the function leaves them out', async () => {
    const { diagnostics, files } = await generate(knative(', nodeSelector: {}, tolerations: []'));
    expect(diagnostics.filter((d) => d.code === 'knative-feature-flag')).toEqual([]);
    const spec = kubeObject(files, 'Service', 'fn').spec.template.spec;
    expect([spec.nodeSelector, spec.tolerations]).toEqual([undefined, undefined]);
  });
});

const show = (d: { line?: number; col?: number; code: string; message: string; hint?: string }) => `${d.line}:${d.col} ${d.code}: ${d.message} | ${d.hint}`;

describe('validation', () => {
  it('tolerations follow the API server: an empty key only with Exists, no value with Exists, tolerationSeconds only with NoExecute', async () => {
    const ds = await errorsOf(
      lines(
        '    tolerations:', //                                                          9
        '      - { effect: NoSchedule }', //                                            10
        '      - { operator: Equal, value: x }', //                                     11
        '      - { key: a, operator: Exists, value: b }', //                            12
        '      - { key: a, effect: NoSchedule, tolerationSeconds: 60 }', //             13
        '      - { key: a, tolerationSeconds: 60 }', //                                 14
        '      - { key: a, operator: Exists, effect: NoExecute, tolerationSeconds: 0 }', // 15: fine
      ),
    );
    expect(ds.map(show)).toEqual([
      '10:9 bad-toleration: a toleration without `key` matches every taint, and Kubernetes takes that only with `operator: Exists` | add `key: <taint key>`, or write `operator: Exists` to tolerate every taint',
      '11:21 bad-toleration: a toleration without `key` matches every taint, and Kubernetes takes that only with `operator: Exists` | add `key: <taint key>`, or write `operator: Exists` to tolerate every taint',
      '12:44 bad-toleration: a toleration with `operator: Exists` matches any value, and Kubernetes refuses one with `value` ("b") | remove `value`, or use `operator: Equal`',
      '13:58 bad-toleration: tolerationSeconds says how long a pod stays on a node after a NoExecute taint appears; Kubernetes refuses it with `effect: NoSchedule` | add `effect: NoExecute`, or remove `tolerationSeconds`',
      '14:38 bad-toleration: tolerationSeconds says how long a pod stays on a node after a NoExecute taint appears; Kubernetes refuses it with no `effect` | add `effect: NoExecute`, or remove `tolerationSeconds`',
    ]);
  });

  it('names: pull secrets and service accounts are DNS subdomains, node selectors labels, operators and effects the API enums', async () => {
    const ds = await errorsOf(
      lines(
        '    imagePullSecrets: [Ghcr_Pull]', //                      9
        '    serviceAccountName: "-app"', //                         10
        '    nodeSelector: { "bad key!": x, pool: "not a value" }', // 11
        '    tolerations: [{ key: a, operator: In, effect: NoRun }]', // 12
      ),
    );
    expect(ds.map((d) => `${d.line}:${d.col} ${d.code}`)).toEqual([
      '9:24 bad-format',
      '10:25 bad-format',
      '11:21 bad-name',
      '11:42 bad-format',
      '12:39 bad-value',
      '12:51 bad-value',
    ]);
    expect(ds.find((d) => d.line === 12 && d.col === 39)!.message).toBe('services.web.tolerations[0].operator must be one of Exists, Equal; got `In`');
    expect(ds.find((d) => d.line === 12 && d.col === 51)!.message).toBe('services.web.tolerations[0].effect must be one of NoSchedule, PreferNoSchedule, NoExecute; got `NoRun`');
  });

  it('a pull secret named twice', async () => {
    expect((await errorsOf(lines('    imagePullSecrets: [a, b, a]'))).map(show)).toEqual(['9:30 duplicate-name: imagePullSecrets names `a` twice | remove the second one']);
  });

  it('a token without an account, reported once where it is written', async () => {
    const text = [
      'apiVersion: ddp/v1',
      'kind: Topology',
      'metadata: { name: shop }',
      'defaults: { automountServiceAccountToken: true }', // 4
      'services:',
      '  web: { pattern: replicated, image: ghcr.io/acme/web:1.4.2 }',
      '  api: { pattern: replicated, image: ghcr.io/acme/api:1.0 }',
      '  ok: { pattern: replicated, image: ghcr.io/acme/ok:1.0, serviceAccountName: ok }',
      '  own: { pattern: replicated, image: ghcr.io/acme/own:1.0, automountServiceAccountToken: true }', // 9
    ].join('\n');
    expect((await errorsOf(text)).map(show)).toEqual([
      "4:43 token-without-account: automountServiceAccountToken: true needs a serviceAccountName: without one the pods would get the token of the namespace's `default` service account | add `serviceAccountName: <your ServiceAccount>` beside it (or at `defaults`), or remove `automountServiceAccountToken`",
      "9:90 token-without-account: automountServiceAccountToken: true needs a serviceAccountName: without one the pods would get the token of the namespace's `default` service account | add `serviceAccountName: <your ServiceAccount>` beside it (or at `defaults`), or remove `automountServiceAccountToken`",
    ]);
    expect(await failures(text)).toHaveLength(2);
  });

  it('an environment may set them (an overlay merges nodeSelector by key)', async () => {
    const text = WEB([
      'defaults: { nodeSelector: { pool: general } }',
      'services:',
      '  web: { pattern: replicated, image: ghcr.io/acme/web:1.4.2 }',
      'environments:',
      '  prod: { defaults: { nodeSelector: { zone: a }, imagePullSecrets: [prod-pull] } }',
    ]);
    expect(await validateAll(parseTopologyText(text, 'ddp.yaml'))).toEqual([]);
  });
});
