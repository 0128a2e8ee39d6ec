// Every lint rule: a failing fixture (exactly the expected findings: id, line, column, message) and
// a passing one (no finding at all). Fixtures: test/fixtures/lint/<rule>/{fail,pass}[-compose].yaml.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { lintInputs, type LintResult } from '../../src/lint/lint.js';
import { ruleList } from '../../src/lint/rules/index.js';
import { REMOVED_APIS, removedApi } from '../../src/lint/removed-apis.js';
import { knownKind } from '../../src/lint/kubernetes-schema.js';
import { parseSource } from '../../src/lint/source.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'lint');

function lintFixture(rel: string): LintResult {
  return lintInputs([{ file: rel, text: readFileSync(join(DIR, rel), 'utf8'), explicit: true }]);
}
/** A container (flow style) the container rules find nothing in. */
const CLEAN_CONTAINER =
  '{ name: web, image: "ghcr.io/acme/web:1.0", resources: { requests: { cpu: 100m, memory: 64Mi }, limits: { cpu: 200m, memory: 128Mi } }, securityContext: { runAsNonRoot: true, runAsUser: 10001, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } } }';
const brief = (r: LintResult) => r.findings.map((f) => `${f.rule} ${f.severity} ${f.line}:${f.col} ${f.message}`);

const D = 'Deployment/api: ';
const W = 'CustomResourceDefinition/widgets.example.com: ';
const C = 'compose service api: ';
const FAIL: Record<string, string[]> = {
  'container-resources/fail.yaml': [`container-resources warning 32:11 ${D}container \`api\` has no CPU limit or memory limit`],
  'container-resources/fail-compose.yaml': [`container-resources warning 8:5 ${C}has no CPU limit or memory limit`],
  'image-tag/fail.yaml': [`image-tag warning 28:11 ${D}container \`api\`: image \`ghcr.io/acme/api:latest\` uses the \`latest\` tag`],
  'image-tag/fail-compose.yaml': [`image-tag warning 3:5 ${C}image \`ghcr.io/acme/api\` has no tag (it means \`latest\`)`],
  'image-ref/fail.yaml': [`image-ref error 28:11 ${D}container \`api\`: image \`ghcr.io/Acme/api:1.2.3\` cannot be pulled: a repository name is lower case (only the registry host may have capitals)`],
  'image-ref/fail-compose.yaml': [`image-ref error 3:5 ${C}image \`ghcr.io/acme/API:1.2.3\` cannot be pulled: a repository name is lower case (only the registry host may have capitals)`],
  'container-probes/fail.yaml': [`container-probes warning 27:11 ${D}container \`api\` receives Service traffic but has no livenessProbe`],
  'probes-identical/fail.yaml': [
    `probes-identical warning 37:11 ${D}container \`api\` has identical readiness and liveness probes: a busy moment restarts it instead of only taking it out of the Service`,
  ],
  'run-as-non-root/fail.yaml': [`run-as-non-root warning 37:11 ${D}container \`api\` may run as root: neither runAsNonRoot nor a non-zero runAsUser is set`],
  'run-as-non-root/fail-compose.yaml': [`run-as-non-root warning 4:5 ${C}runs as root (user: 0:0)`],
  'read-only-root-fs/fail.yaml': [`read-only-root-fs warning 41:13 ${D}container \`api\` has a writable root filesystem`],
  'read-only-root-fs/fail-compose.yaml': [`read-only-root-fs warning 2:3 ${C}has a writable root filesystem`],
  'privileged/fail.yaml': [`privileged error 43:13 ${D}container \`api\` runs privileged (it has every capability of the host)`],
  'privileged/fail-compose.yaml': [`privileged error 6:5 ${C}runs privileged (it has every capability of the host)`],
  'privilege-escalation/fail.yaml': [`privilege-escalation warning 40:11 ${D}container \`api\` allows privilege escalation (setuid binaries can gain root)`],
  'privilege-escalation/fail-compose.yaml': [`privilege-escalation warning 2:3 ${C}allows privilege escalation (no \`no-new-privileges\`)`],
  'drop-capabilities/fail.yaml': [`drop-capabilities warning 43:13 ${D}container \`api\` does not drop all capabilities`],
  'drop-capabilities/fail-compose.yaml': [`drop-capabilities warning 6:5 ${C}does not drop all capabilities`],
  'pdb/fail.yaml': [`pdb warning 7:3 ${D}runs 2 replicas but no PodDisruptionBudget covers its pods: a node drain may take them all down at once`],
  'topology-spread/fail.yaml': [`topology-spread warning 15:5 ${D}runs 2 replicas with no topologySpreadConstraints or pod anti-affinity: they may all land on one node`],
  'hpa-replicas/fail.yaml': [`hpa-replicas error 7:3 ${D}sets replicas: 2 but HorizontalPodAutoscaler/api scales it: every apply resets the scale the autoscaler chose`],
  'selector-match/fail.yaml': [`selector-match error 13:7 ${D}spec.template.metadata.labels: \`selector\` does not match template \`labels\``],
  'service-targets/fail.yaml': [`service-targets error 52:3 Service/api: targets nothing: no pod template in the linted manifests has the labels app=apii`],
  'service-targets/fail-controller-labels.yaml': [
    'service-targets error 74:3 Service/db-2: targets nothing: no pod template in the linted manifests has the labels statefulset.kubernetes.io/pod-name=db-2',
    'service-targets error 111:3 Service/shards: targets nothing: no pod template in the linted manifests has the labels job-name=shards',
  ],
  'service-targets/fail-operator-unrelated.yaml': [
    'unknown-kind warning 3:1 Certificate/tls: no schema for apiVersion cert-manager.io/v1, kind Certificate: not checked against a schema',
    'service-targets error 17:3 Service/web: targets nothing: no pod template in the linted manifests has the labels app=web',
  ],
  'service-targets/fail-namespace.yaml': [
    'service-targets error 44:3 Service/api: targets nothing in its namespace: the pods with app=api are in namespace shop (Deployment/api), and this Service sets no namespace',
    'selector-match error 58:3 PodDisruptionBudget/api: selects no pods in its namespace: the pods with app=api are in namespace shop (Deployment/api), and this PodDisruptionBudget is in namespace default',
  ],
  'statefulset-service/fail.yaml': [`statefulset-service error 8:3 StatefulSet/api: serviceName \`api\` is not a headless Service (Service/api has no clusterIP: None)`],
  'statefulset-service/fail-namespace.yaml': [
    'statefulset-service error 9:3 StatefulSet/api: serviceName `api` names no Service in its namespace: there is one in namespace db (Service/api), and this StatefulSet is in namespace shop',
    'service-targets error 55:3 Service/api: targets nothing in its namespace: the pods with app=api are in namespace shop (StatefulSet/api), and this Service is in namespace db',
  ],
  'job-ttl/fail.yaml': [`job-ttl warning 6:1 Job/reindex: has no ttlSecondsAfterFinished: the finished Job and its pods stay until someone deletes them`],
  'k8s-schema/fail.yaml': [`k8s-schema error 40:11 ${D}spec.template.spec.containers[0].securityContxt: unknown field (did you mean "securityContext"?)`],
  'k8s-schema/fail-crd.yaml': [
    `k8s-schema error 27:21 ${W}spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.ports.items.descripton: unknown field (did you mean "description"?)`,
    `k8s-schema error 32:21 ${W}spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.labels.additionalProperties.x-kubernetes-preserve-unknown-fields: must be boolean`,
    `k8s-schema error 34:19 ${W}spec.versions[0].schema.openAPIV3Schema.properties.spec.x-kubernetes-validations[0]: missing required field "rule"`,
  ],
  'compose-schema/fail-compose.yaml': [`compose-schema error 6:5 ${C}services.api.portz: unknown key`],
  'removed-api/fail.yaml': [
    'removed-api error 4:1 Deployment/web: extensions/v1beta1 Deployment was removed in Kubernetes 1.16; the API server refuses it',
    'removed-api error 30:1 HorizontalPodAutoscaler/web: autoscaling/v2beta1 HorizontalPodAutoscaler was removed in Kubernetes 1.25; the API server refuses it',
    'removed-api error 48:1 Ingress/web: networking.k8s.io/v1beta1 Ingress was removed in Kubernetes 1.22; the API server refuses it',
    'removed-api error 63:1 CronJob/report: batch/v1beta1 CronJob was removed in Kubernetes 1.25; the API server refuses it',
    `removed-api error 90:1 ${W}apiextensions.k8s.io/v1beta1 CustomResourceDefinition was removed in Kubernetes 1.22; the API server refuses it`,
    'removed-api error 110:1 PodSecurityPolicy/restricted: policy/v1beta1 PodSecurityPolicy was removed in Kubernetes 1.25; the API server refuses it',
  ],
  'unknown-kind/fail.yaml': [`unknown-kind warning 2:1 Widget/gadget: no schema for apiVersion example.com/v1, kind Widget: not checked against a schema`],
  'yaml-syntax/fail.yaml': [`yaml-syntax error 5:3 duplicate key \`name\`: already set at line 4 (a key may appear only once in a mapping)`],
  'yaml-syntax/fail-merge.yaml': [`yaml-syntax error 9:5 duplicate key \`user\`: already set at line 8 (a key may appear only once in a mapping)`],
  'yaml-syntax/fail-escape.yaml': ['yaml-syntax error 7:19 YAML syntax error: invalid escape sequence \\q'],
  'template-not-rendered/fail.yaml': [
    'template-not-rendered error 5:9 template-not-rendered/fail.yaml is a template (`{{ .Values.name }}`), not a manifest; it was not linted',
  ],
  'not-a-manifest/fail.yaml': [
    `not-a-manifest warning 1:1 not-a-manifest/fail.yaml holds no Kubernetes object (apiVersion and kind) and no compose file (services); nothing in it was linted`,
  ],
  'ignore-annotation/fail.yaml': [
    `ignore-annotation warning 7:5 ${D}ddp.dev/ignore names \`image-tags\`, which is no ddp lint rule`,
    `image-tag warning 30:11 ${D}container \`api\`: image \`ghcr.io/acme/api:latest\` uses the \`latest\` tag`,
  ],
};

describe('every rule has a failing and a passing fixture', () => {
  it('covers every rule id', () => {
    const dirs = readdirSync(DIR).sort();
    expect(dirs).toEqual(ruleList().map((r) => r.id));
    for (const id of dirs) {
      const files = readdirSync(join(DIR, id));
      expect(files.some((f) => f.startsWith('fail')), `${id} has a failing fixture`).toBe(true);
      expect(files.some((f) => f.startsWith('pass')), `${id} has a passing fixture`).toBe(true);
    }
    const fails = dirs.flatMap((d) => readdirSync(join(DIR, d)).filter((f) => f.startsWith('fail')).map((f) => `${d}/${f}`)).sort();
    expect(fails).toEqual(Object.keys(FAIL).sort());
  });

  it.each(Object.entries(FAIL))('%s: exactly the expected findings', (rel, expected) => {
    const r = lintFixture(rel);
    expect(brief(r)).toEqual(expected);
    expect(r.findings[r.findings.length - 1].hint).toBeTruthy();
    // the rule the fixture is named after fires
    expect(r.findings.map((f) => f.rule)).toContain(rel.split('/')[0]);
  });

  const passes = readdirSync(DIR).flatMap((d) => readdirSync(join(DIR, d)).filter((f) => f.startsWith('pass')).map((f) => `${d}/${f}`)).sort();
  it.each(passes)('%s: no finding', (rel) => {
    expect(brief(lintFixture(rel))).toEqual([]);
  });
});

describe('ddp.dev/ignore', () => {
  it('suppresses the named rules for that object and counts them', () => {
    const r = lintFixture('ignore-annotation/pass.yaml');
    expect(r.findings).toEqual([]);
    expect(r.suppressed).toBe(1);
  });

  it('works as a compose label (map or list form) and only for the object that carries it', () => {
    const text = [
      'services:',
      '  a:',
      '    image: ghcr.io/acme/a',
      '    user: "10001"',
      '    read_only: true',
      '    cap_drop: [ALL]',
      '    security_opt: ["no-new-privileges:true"]',
      '    deploy: { resources: { limits: { cpus: "1", memory: 64m } } }',
      '    labels: { ddp.dev/ignore: "image-tag" }',
      '  b:',
      '    image: ghcr.io/acme/b',
      '    user: "10001"',
      '    read_only: true',
      '    cap_drop: [ALL]',
      '    security_opt: ["no-new-privileges:true"]',
      '    deploy: { resources: { limits: { cpus: "1", memory: 64m } } }',
      '    labels: ["ddp.dev/ignore=image-tag, read-only-root-fs"]',
      '  c:',
      '    image: ghcr.io/acme/c',
      '    user: "10001"',
      '    read_only: true',
      '    cap_drop: [ALL]',
      '    security_opt: ["no-new-privileges:true"]',
      '    deploy: { resources: { limits: { cpus: "1", memory: 64m } } }',
      '',
    ].join('\n');
    const r = lintInputs([{ file: 'compose.yml', text, explicit: true }]);
    expect(brief(r)).toEqual(['image-tag warning 19:5 compose service c: image `ghcr.io/acme/c` has no tag (it means `latest`)']);
    expect(r.suppressed).toBe(2);
  });

  it('on the pod template of a workload too', () => {
    const text = readFileSync(join(DIR, 'image-tag/fail.yaml'), 'utf8').replace('      labels:\n        app: api\n    spec:', '      labels:\n        app: api\n      annotations:\n        ddp.dev/ignore: image-tag\n    spec:');
    const r = lintInputs([{ file: 'x.yaml', text, explicit: true }]);
    expect(r.findings).toEqual([]);
    expect(r.suppressed).toBe(1);
  });
});

describe('across files and documents', () => {
  it('sees a Service and its Deployment in two files (no service-targets finding)', () => {
    const all = readFileSync(join(DIR, 'pdb/pass.yaml'), 'utf8').split('---\n');
    const r = lintInputs([
      { file: 'deploy.yaml', text: all[0], explicit: true },
      { file: 'svc.yaml', text: `${all[1]}---\n${all[2]}`, explicit: true },
    ]);
    expect(r.findings).toEqual([]);
    expect(r.files).toEqual([
      { file: 'deploy.yaml', kubernetes: 1, compose: 0 },
      { file: 'svc.yaml', kubernetes: 2, compose: 0 },
    ]);
  });

  it("skips a Helm chart's Chart.yaml like any file without manifests; the label of a bad selector is shown as YAML read it", () => {
    const chart = lintInputs([{ file: 'chart/Chart.yaml', text: 'apiVersion: v2\nname: web\nversion: 0.1.0\n', explicit: false }]);
    expect(chart.findings).toEqual([]);
    const svc = 'apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec:\n  selector: { app: { x: 1 } }\n  ports: [{ port: 80 }]\n';
    expect(brief(lintInputs([{ file: 's.yaml', text: svc, explicit: true }])).filter((f) => f.startsWith('service-targets'))).toEqual([
      'service-targets error 5:3 Service/web: targets nothing: no pod template in the linted manifests has the labels app={"x":1}',
    ]);
  });

  it('names and port names the API server or its controllers refuse: StatefulSet and CronJob over 52, IANA port names, a port name twice', () => {
    const sts = `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: { name: ${'s'.repeat(53)} }\nspec:\n  serviceName: x\n  selector: { matchLabels: { app: s } }\n  template:\n    metadata: { labels: { app: s } }\n    spec:\n      containers:\n        - name: c\n          image: ghcr.io/acme/c:1.0\n          ports: [{ name: "8080", containerPort: 8080 }, { name: a--b, containerPort: 8081 }, { name: http, containerPort: 8082 }, { name: http, containerPort: 8083 }]\n`;
    const cron = `apiVersion: batch/v1\nkind: CronJob\nmetadata: { name: ${'c'.repeat(53)} }\nspec:\n  schedule: "0 * * * *"\n  jobTemplate: { spec: { template: { spec: { restartPolicy: OnFailure, containers: [{ name: c, image: "ghcr.io/acme/c:1.0" }] } } } }\n`;
    const svc = 'apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec:\n  selector: { app: s }\n  ports: [{ name: web, port: 80 }, { name: web, port: 81 }]\n';
    const r = lintInputs([{ file: 'x.yaml', text: [sts, cron, svc].join('---\n'), explicit: true }]);
    expect(brief(r).filter((f) => f.startsWith('k8s-schema'))).toEqual([
      `k8s-schema error 3:13 StatefulSet/${'s'.repeat(53)}: metadata.name: "${'s'.repeat(53)}" is 53 characters; over 52, the pods' controller-revision-hash label passes 63 and no pod is created`,
      `k8s-schema error 13:21 StatefulSet/${'s'.repeat(53)}: spec.template.spec.containers[0].ports[0].name: "8080" is not a port name (IANA_SVC_NAME: at most 15 lower-case alphanumerics and "-", a letter, no "--")`,
      `k8s-schema error 13:60 StatefulSet/${'s'.repeat(53)}: spec.template.spec.containers[0].ports[1].name: "a--b" is not a port name (IANA_SVC_NAME: at most 15 lower-case alphanumerics and "-", a letter, no "--")`,
      `k8s-schema error 13:134 StatefulSet/${'s'.repeat(53)}: spec.template.spec.containers[0].ports[3].name: Duplicate value: "http"`,
      `k8s-schema error 17:13 CronJob/${'c'.repeat(53)}: metadata.name: "${'c'.repeat(53)}" is 53 characters; a CronJob name is at most 52 (its Jobs add 11)`,
      'k8s-schema error 27:38 Service/web: spec.ports[1].name: Duplicate value: "web"',
    ]);
  });

  it('lints the items of a kind: List with their own lines', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: { name: a }\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: { name: b }\n    datta: {}\n';
    const r = lintInputs([{ file: 'list.yaml', text, explicit: true }]);
    expect(brief(r)).toEqual(['k8s-schema error 10:5 ConfigMap/b: datta: unknown field (did you mean "data"?)']);
  });

  it('reports schema errors with the API\'s words', () => {
    const text = readFileSync(join(DIR, 'pdb/pass.yaml'), 'utf8').replace('replicas: 2', 'replicas: two');
    expect(brief(lintInputs([{ file: 'x.yaml', text, explicit: true }]))).toEqual(['k8s-schema error 7:3 Deployment/api: spec.replicas: must be integer']);
  });

  it('skips files found in a directory that hold no manifest, without a warning', () => {
    const r = lintInputs([{ file: 'out/twemproxy/sessions.yml', text: 'sessions:\n  listen: 0.0.0.0:11211\n', explicit: false }]);
    expect(r.findings).toEqual([]);
    expect(r.files).toEqual([{ file: 'out/twemproxy/sessions.yml', kubernetes: 0, compose: 0, skipped: 'neither Kubernetes objects nor a compose file' }]);
  });
});

describe('what kubectl and docker compose accept', () => {
  it("reads \\' in a double-quoted string as ' (go-yaml does) and places what follows on that line in the file as written", () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\ndata: { x: "it\\\'s \\\'b\\\'", y: 1 }\n';
    const r = lintInputs([{ file: 'cm.yaml', text, explicit: true }]);
    expect(brief(r)).toEqual(['k8s-schema error 4:27 ConfigMap/a: data.y: must be string']);
    expect(parseSource(text).docs[0].data).toMatchObject({ data: { x: "it's 'b'", y: 1 } });
    // an escaped backslash before a quote is no \' escape
    expect(parseSource('a: "\\\\\'"\n').docs[0].data).toEqual({ a: "\\'" });
  });

  it('resolves << merge keys in Kubernetes documents too; a finding on a merged-in key is placed at the mapping that merges it', () => {
    const text = readFileSync(join(DIR, 'image-tag/pass.yaml'), 'utf8')
      .replace('      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.2.3\n', '      containers:\n        - <<: { image: "ghcr.io/acme/api:latest" }\n          name: api\n');
    expect(text).toContain('<<');
    expect(brief(lintInputs([{ file: 'x.yaml', text, explicit: true }]))).toEqual([`image-tag warning 27:11 ${D}container \`api\`: image \`ghcr.io/acme/api:latest\` uses the \`latest\` tag`]);
    const compose = 'x-base: &base\n  image: ghcr.io/acme/api\nservices:\n  api:\n    <<: *base\n    user: "10001"\n    read_only: true\n    cap_drop: [ALL]\n    security_opt: ["no-new-privileges:true"]\n    deploy: { resources: { limits: { cpus: "1", memory: 64m } } }\n';
    expect(brief(lintInputs([{ file: 'compose.yml', text: compose, explicit: true }]))).toEqual([`image-tag warning 4:3 ${C}image \`ghcr.io/acme/api\` has no tag (it means \`latest\`)`]);
    // what cannot be merged is an error that says why (not "too many aliases")
    expect(brief(lintInputs([{ file: 'c.yml', text: 'x: &x [1]\nservices:\n  a:\n    <<: *x\n', explicit: true }]))).toEqual(['yaml-syntax error 1:1 YAML error: Merge sources must be maps or map aliases']);
  });

  it('an API Kubernetes removed (apiextensions.k8s.io/v1beta1 CRD, extensions/v1beta1 Deployment) is one removed-api error: no schema finding (its old schema would pass it, typos too), no unknown-kind', () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1beta1\nkind: CustomResourceDefinition\nmetadata: { name: widgets.example.com }\nspec:\n  group: example.com\n  names: { kind: Widget, plural: widgets }\n  scope: Namespaced\n  version: v1\n  validation:\n    openAPIV3Schema:\n      type: object\n      descripton: A widget.\n`;
    const deployment = `apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: { name: web }\nspec:\n  replicas: two\n  template:\n    metadata: { labels: { app: web } }\n    spec: { containers: [${CLEAN_CONTAINER}] }\n`;
    expect(brief(lintInputs([{ file: 'x.yaml', text: `${crd}---\n${deployment}`, explicit: true }]))).toEqual([
      `removed-api error 1:1 ${W}apiextensions.k8s.io/v1beta1 CustomResourceDefinition was removed in Kubernetes 1.22; the API server refuses it`,
      'removed-api error 14:1 Deployment/web: extensions/v1beta1 Deployment was removed in Kubernetes 1.16; the API server refuses it',
    ]);
    // the item of a List too, placed at its own apiVersion
    const list = 'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: { name: a }\n  - apiVersion: apps/v1beta2\n    kind: StatefulSet\n    metadata: { name: db }\n';
    const r = lintInputs([{ file: 'list.yaml', text: list, explicit: true }]);
    expect(brief(r)).toEqual(['removed-api error 7:5 StatefulSet/db: apps/v1beta2 StatefulSet was removed in Kubernetes 1.16; the API server refuses it']);
    expect(r.findings[0].hint).toBe('use apps/v1 (kubectl convert, or edit apiVersion and check the fields that changed)');
    // one no schema knows (the guide lists apps/v1beta1 ReplicaSet; kubernetes-models has none): no unknown-kind warning
    const rs = 'apiVersion: apps/v1beta1\nkind: ReplicaSet\nmetadata: { name: web }\n';
    expect(knownKind('apps/v1beta1', 'ReplicaSet')).toBe(false);
    expect(brief(lintInputs([{ file: 'rs.yaml', text: rs, explicit: true }]))).toEqual(['removed-api error 1:1 ReplicaSet/web: apps/v1beta1 ReplicaSet was removed in Kubernetes 1.16; the API server refuses it']);
  });

  it('a removed-API workload\'s pods are still its pods: a Service or a PodDisruptionBudget selecting them finds them, and its containers are checked', () => {
    const old = (apiVersion: string, container: string) =>
      `apiVersion: ${apiVersion}\nkind: Deployment\nmetadata: { name: web }\nspec:\n  replicas: 2\n  template:\n    metadata: { labels: { app: web } }\n    spec: { containers: [${container}] }\n`;
    const service = 'apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec:\n  selector: { app: web }\n  ports: [{ port: 80 }]\n';
    const budget = 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: { name: web }\nspec:\n  maxUnavailable: 1\n  selector: { matchLabels: { app: web, pod-template-hash: 5d8f7c9b6 } }\n';
    const spread = 'topologySpreadConstraints: [{ maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: { matchLabels: { app: web } } }]';
    const probes = 'readinessProbe: { httpGet: { path: /ready, port: 80 } }, livenessProbe: { httpGet: { path: /live, port: 80 } }';
    const container = CLEAN_CONTAINER.replace(/ }$/, `, ${probes} }`);
    const text = `${old('extensions/v1beta1', container).replace('spec: { containers:', `spec: { ${spread}, containers:`)}---\n${service}---\n${budget}`;
    // one finding to fix: no "targets nothing", no "selects no pods", no "no PodDisruptionBudget" (it selects by the label the Deployment controller adds)
    expect(brief(lintInputs([{ file: 'x.yaml', text, explicit: true }]))).toEqual(['removed-api error 1:1 Deployment/web: extensions/v1beta1 Deployment was removed in Kubernetes 1.16; the API server refuses it']);
    // and the pod rules see its containers, as they will once apiVersion says apps/v1
    const bare = old('apps/v1beta2', '{ name: web, image: "ghcr.io/acme/web:1.0" }');
    expect(brief(lintInputs([{ file: 'y.yaml', text: bare, explicit: true }])).map((f) => f.split(' ')[0])).toEqual([
      'removed-api', 'pdb', 'topology-spread', 'container-resources', 'drop-capabilities', 'privilege-escalation', 'read-only-root-fs', 'run-as-non-root',
    ]);
  });

  it('a raw control character is a yaml-syntax error at its place (kubectl refuses the file); CR-only line ends are line breaks', () => {
    const r = lintInputs([{ file: 'x.yaml', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\ndata: { k: "a\u001bb" }\n', explicit: true }]);
    expect(brief(r)).toEqual(['yaml-syntax error 4:14 the file holds the control character U+001B, which YAML does not allow in a file']);
    const cr = lintInputs([{ file: 'y.yaml', text: 'apiVersion: v1\rkind: ConfigMap\rmetadata: { name: a }\rdata: { k: v }\rspec: {}\r', explicit: true }]);
    expect(brief(cr)).toEqual(['k8s-schema error 5:1 ConfigMap/a: spec: unknown field']);
  });

  it('compose booleans as docker compose casts them: privileged: "yes" runs privileged, read_only: "true" is read-only', () => {
    const text = 'services:\n  api:\n    image: ghcr.io/acme/api:1.0.0\n    privileged: "yes"\n    read_only: "true"\n';
    const r = lintInputs([{ file: 'compose.yaml', text, explicit: true }]);
    expect(r.findings.filter((f) => f.rule === 'privileged').map((f) => `${f.line}:${f.col} ${f.message}`)).toEqual(['4:5 compose service api: runs privileged (it has every capability of the host)']);
    expect(r.findings.filter((f) => f.rule === 'read-only-root-fs')).toEqual([]);
  });

  it('an unclosed quote or bracket: one finding, at its opener, with the hint validate gives', () => {
    const r = lintInputs([{ file: 'x.yaml', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: "a }\n', explicit: true }]);
    expect(brief(r)).toEqual(['yaml-syntax error 3:19 YAML syntax error: the "-quoted string opened here is never closed']);
    expect(r.findings[0].hint).toBe('end the string with " (a quoted string may span lines, but must be closed)');
    const list = lintInputs([{ file: 'y.yaml', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\ndata: { a: [1, 2 }\n', explicit: true }]);
    expect(brief(list)).toEqual([
      'yaml-syntax error 4:7 YAML syntax error: the { mapping opened here is never closed',
      'yaml-syntax error 4:12 YAML syntax error: the [ list opened here is never closed',
    ]);
  });

  it('removed APIs: the hint names the replacement; PodSecurityPolicy has none, a CRD is no apiVersion edit', () => {
    expect(lintFixture('removed-api/fail.yaml').findings.map((f) => `${f.object?.kind}: ${f.hint}`)).toEqual([
      'Deployment: use apps/v1 (kubectl convert, or edit apiVersion and check the fields that changed)',
      'HorizontalPodAutoscaler: use autoscaling/v2 (kubectl convert, or edit apiVersion and check the fields that changed)',
      'Ingress: use networking.k8s.io/v1 (kubectl convert, or edit apiVersion and check the fields that changed)',
      'CronJob: use batch/v1 (kubectl convert, or edit apiVersion and check the fields that changed)',
      'CustomResourceDefinition: use apiextensions.k8s.io/v1: spec.version, validation, subresources and additionalPrinterColumns move into spec.versions[*] (each with a schema.openAPIV3Schema), and spec.scope is required',
      'PodSecurityPolicy: PodSecurityPolicy has no replacement (policy/v1beta1, its last version, was removed in 1.25): delete it and enforce pod security with Pod Security Admission (a pod-security.kubernetes.io/enforce label on the namespace) or a policy engine',
    ]);
  });

  it('removed APIs: every one from the migration guide is refused; each replacement is served and has a schema', () => {
    for (const [apiVersion, kind] of [
      ['extensions/v1beta1', 'Ingress'], ['networking.k8s.io/v1beta1', 'IngressClass'], ['rbac.authorization.k8s.io/v1beta1', 'ClusterRoleBinding'],
      ['admissionregistration.k8s.io/v1beta1', 'ValidatingWebhookConfiguration'], ['policy/v1beta1', 'PodDisruptionBudget'], ['autoscaling/v2beta2', 'HorizontalPodAutoscaler'],
      ['discovery.k8s.io/v1beta1', 'EndpointSlice'], ['events.k8s.io/v1beta1', 'Event'], ['storage.k8s.io/v1beta1', 'CSIStorageCapacity'],
      ['flowcontrol.apiserver.k8s.io/v1beta1', 'FlowSchema'], ['flowcontrol.apiserver.k8s.io/v1beta2', 'PriorityLevelConfiguration'], ['flowcontrol.apiserver.k8s.io/v1beta3', 'FlowSchema'],
      ['apps/v1beta1', 'Deployment'], ['apps/v1beta2', 'DaemonSet'], ['extensions/v1beta1', 'NetworkPolicy'], ['node.k8s.io/v1beta1', 'RuntimeClass'],
    ]) expect(removedApi(apiVersion, kind), `${apiVersion} ${kind}`).toBeDefined();
    for (const [apiVersion, kind] of [['apps/v1', 'Deployment'], ['batch/v1', 'CronJob'], ['policy/v1', 'PodDisruptionBudget'], ['example.com/v1beta1', 'Deployment']]) expect(removedApi(apiVersion, kind)).toBeUndefined();
    for (const r of REMOVED_APIS) {
      expect(r.use !== undefined || r.hint !== undefined, r.kinds.join()).toBe(true);
      for (const kind of r.kinds) {
        if (r.use) expect([removedApi(r.use, kind), knownKind(r.use, kind)], `${r.use} ${kind}`).toEqual([undefined, true]);
      }
    }
  });

  it('selects the pods of a CronJob by the job-name its Jobs get (<cronjob>-<time>), and a DaemonSet\'s by controller-revision-hash', () => {
    const cron = 'apiVersion: batch/v1\nkind: CronJob\nmetadata: { name: report }\nspec:\n  schedule: "0 * * * *"\n  jobTemplate: { spec: { template: { spec: { restartPolicy: OnFailure, containers: [{ name: c, image: "ghcr.io/acme/c:1.0" }] } } } }\n';
    const ds = 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: { name: agent }\nspec:\n  selector: { matchLabels: { app: agent } }\n  template:\n    metadata: { labels: { app: agent } }\n    spec: { containers: [{ name: c, image: "ghcr.io/acme/c:1.0" }] }\n';
    const svc = (name: string, selector: string) => `apiVersion: v1\nkind: Service\nmetadata: { name: ${name} }\nspec: { selector: ${selector}, ports: [{ port: 80 }] }\n`;
    const r = lintInputs([{ file: 'x.yaml', text: [cron, ds, svc('a', '{ job-name: report-28391520 }'), svc('b', '{ job-name: other-28391520 }'), svc('c', '{ app: agent, controller-revision-hash: 5d8f7c }')].join('---\n'), explicit: true }]);
    expect(brief(r).filter((f) => f.startsWith('service-targets'))).toEqual(['service-targets error 25:9 Service/b: targets nothing: no pod template in the linted manifests has the labels job-name=other-28391520']);
  });
});

describe('README', () => {
  it('documents every rule with its severity', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    for (const r of ruleList()) expect(readme, r.id).toContain(`| \`${r.id}\` | ${r.severity} |`);
  });
});
