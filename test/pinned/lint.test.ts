// Pinned (mutation testing of src/lint/rules/, 2026-11-29, third round): edges of the availability,
// probe, reference and container rules that the fixtures of test/lint/rules.test.ts do not reach.
import { describe, expect, it } from 'vitest';
import { lintInputs } from '../../src/lint/lint.js';

const lint = (text: string, rules: string[]) =>
  lintInputs([{ file: 'x.yaml', text, explicit: true }])
    .findings.filter((f) => rules.includes(f.rule))
    .map((f) => `${f.rule} ${f.severity} ${f.line}:${f.col} ${f.message}`);

/** A Deployment `api`: `extra` from line 5 on; its one container, as given, on the last line (10 without extra). */
const deployment = (extra: string[], container = '{ name: api, image: "ghcr.io/acme/api:1.0", ports: [{ name: http, containerPort: 8080 }] }') =>
  [
    'apiVersion: apps/v1', //                                 1
    'kind: Deployment', //                                    2
    'metadata: { name: api }', //                             3
    'spec:', //                                               4
    ...extra, //                                              5..
    '  selector: { matchLabels: { app: api } }',
    '  template:',
    '    metadata: { labels: { app: api } }',
    '    spec:',
    '      containers:',
    `        - ${container}`,
  ].join('\n') + '\n';

describe('availability rules', () => {
  it('pdb: a workload an HPA scales from 3, without replicas of its own, is reported at its spec (there is no spec.replicas to point at); a fixed count at spec.replicas', () => {
    const text = deployment([]) + '---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: { name: api }\nspec: { scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: api }, minReplicas: 3, maxReplicas: 6 }\n';
    expect(lint(text, ['pdb'])).toEqual(['pdb warning 4:1 Deployment/api: runs 3 replicas but no PodDisruptionBudget covers its pods: a node drain may take them all down at once']);
    // (the path is in `ddp lint --format json`: spec, not a spec.replicas the object does not have)
    expect(lintInputs([{ file: 'x.yaml', text, explicit: true }]).findings.filter((f) => f.rule === 'pdb').map((f) => f.path)).toEqual(['spec']);
    const fixed = deployment(['  replicas: 3']);
    expect(lintInputs([{ file: 'x.yaml', text: fixed, explicit: true }]).findings.filter((f) => f.rule === 'pdb').map((f) => `${f.line}:${f.col} ${f.path}`)).toEqual(['5:3 spec.replicas']);
  });

  it('topology-spread: an empty topologySpreadConstraints list spreads nothing', () => {
    const spec = (extra: string) => deployment(['  replicas: 2'], '{ name: api, image: "ghcr.io/acme/api:1.0" }').replace('      containers:', `${extra}      containers:`);
    expect(lint(spec('      topologySpreadConstraints: []\n'), ['topology-spread'])).toEqual([
      'topology-spread warning 9:5 Deployment/api: runs 2 replicas with no topologySpreadConstraints or pod anti-affinity: they may all land on one node',
    ]);
    expect(lint(spec('      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: { matchLabels: { app: api } } }]\n'), ['topology-spread'])).toEqual([]);
  });
});

describe('container-probes: which containers a Service sends traffic to', () => {
  const SERVICE = (selector: string, targetPort: string) => `---\napiVersion: v1\nkind: Service\nmetadata: { name: api }\nspec: { selector: ${selector}, ports: [{ port: 80, targetPort: ${targetPort} }] }\n`;
  const POD = (main: string) =>
    ['apiVersion: v1', 'kind: Pod', 'metadata: { name: api, labels: { app: api } }', 'spec:', '  containers:', `    - ${main}`, '    - { name: helper, image: "ghcr.io/acme/helper:1.0" }'].join('\n') + '\n';

  it("a target port no container declares: the pod's first container is the one that serves, and only it is reported", () => {
    expect(lint(POD('{ name: api, image: "ghcr.io/acme/api:1.0" }') + SERVICE('{ app: api }', '8080'), ['container-probes'])).toEqual([
      'container-probes warning 6:7 Pod/api: container `api` receives Service traffic but has no readinessProbe and no livenessProbe',
    ]);
  });

  it('a Service with an empty selector (endpoints kept by hand) sends traffic to no pod of the manifests', () => {
    expect(lint(POD('{ name: api, image: "ghcr.io/acme/api:1.0", ports: [{ containerPort: 8080 }] }') + SERVICE('{}', '8080'), ['container-probes'])).toEqual([]);
  });
});

describe('compose services: the options as docker reads them', () => {
  /** A compose file whose one service `api` sets everything but `extra` (lines 1-8; `extra` from line 9). */
  const compose = (extra: string[]) =>
    ['services:', '  api:', '    image: ghcr.io/acme/api:1.2.3', '    user: "10001:10001"', '    read_only: true', '    deploy:', '      resources:', '        limits: { cpus: "0.5", memory: 256m }', ...extra].join('\n') + '\n';
  const RULES = ['privilege-escalation', 'drop-capabilities'];

  it('privilege-escalation: no-new-privileges:false turns it off -- reported like no option at all; :true, =true and the bare option pass', () => {
    expect(lint(compose(['    cap_drop: [ALL]', '    security_opt: ["no-new-privileges:false"]']), RULES)).toEqual([
      'privilege-escalation warning 10:5 compose service api: allows privilege escalation (no `no-new-privileges`)',
    ]);
    for (const opt of ['no-new-privileges:true', 'no-new-privileges=true', 'no-new-privileges']) expect(lint(compose(['    cap_drop: [ALL]', `    security_opt: ["${opt}"]`]), RULES), opt).toEqual([]);
  });

  it('drop-capabilities: cap_drop takes capability names in any case (docker upper-cases them): [all] drops them all', () => {
    expect(lint(compose(['    cap_drop: [all]', '    security_opt: ["no-new-privileges:true"]']), RULES)).toEqual([]);
    expect(lint(compose(['    cap_drop: [NET_RAW]', '    security_opt: ["no-new-privileges:true"]']), RULES)).toEqual(['drop-capabilities warning 9:5 compose service api: does not drop all capabilities']);
  });

  it('container-resources: the older cpus and mem_limit count as limits beside deploy.resources.limits', () => {
    const plain = ['services:', '  api:', '    image: ghcr.io/acme/api:1.2.3', '    cpus: 0.5', '    mem_limit: 256m'].join('\n') + '\n';
    expect(lint(plain, ['container-resources'])).toEqual([]);
    expect(lint(plain.replace('    mem_limit: 256m\n', ''), ['container-resources'])).toEqual(['container-resources warning 2:3 compose service api: has no memory limit']);
  });
});

describe('container-resources: what is missing, in words', () => {
  it('all four: "a, b, c or d"; two: "a or b"', () => {
    expect(lint(deployment([]), ['container-resources'])).toEqual(['container-resources warning 10:11 Deployment/api: container `api` has no CPU request, memory request, CPU limit or memory limit']);
    expect(lint(deployment([], '{ name: api, image: "ghcr.io/acme/api:1.0", resources: { requests: { cpu: 100m, memory: 64Mi } } }'), ['container-resources'])).toEqual([
      'container-resources warning 10:55 Deployment/api: container `api` has no CPU limit or memory limit',
    ]);
  });
});

describe('run-as-non-root: the pod securityContext counts for every container', () => {
  it("a pod-level runAsUser above 0 passes; a pod-level runAsUser 0 is root, reported at the container", () => {
    const pod = (user: number) =>
      ['apiVersion: v1', 'kind: Pod', 'metadata: { name: api }', 'spec:', `  securityContext: { runAsUser: ${user} }`, '  containers:', '    - { name: api, image: "ghcr.io/acme/api:1.0" }'].join('\n') + '\n';
    expect(lint(pod(10001), ['run-as-non-root'])).toEqual([]);
    expect(lint(pod(0), ['run-as-non-root'])).toEqual(['run-as-non-root warning 7:7 Pod/api: container `api` runs as root (runAsUser: 0)']);
  });
});

describe('statefulset-service', () => {
  it('an empty serviceName is no serviceName', () => {
    const sts = ['apiVersion: apps/v1', 'kind: StatefulSet', 'metadata: { name: db }', 'spec:', '  serviceName: ""', '  selector: { matchLabels: { app: db } }', '  template:', '    metadata: { labels: { app: db } }', '    spec:', '      containers:', '        - { name: db, image: "ghcr.io/acme/db:1.0" }'].join('\n') + '\n';
    expect(lint(sts, ['statefulset-service'])).toEqual(['statefulset-service error 4:1 StatefulSet/db: has no serviceName: its pods get no stable DNS names']);
  });
});
