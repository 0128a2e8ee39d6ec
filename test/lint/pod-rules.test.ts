// What the API server refuses in a pod spec beyond the OpenAPI schema (ValidatePodSpec in
// kubernetes pkg/apis/core/validation, validateJobSpec in pkg/apis/batch/validation): container
// and volume names once, mounts of the pod's volumes at distinct paths, requests within limits,
// and a Job's restartPolicy. Every workload kind, its pod spec where that kind keeps it.
import { describe, expect, it } from 'vitest';
import { lintInputs, type LintResult } from '../../src/lint/lint.js';

const lint = (text: string): LintResult => lintInputs([{ file: 'x.yaml', text, explicit: true }]);
const schema = (r: LintResult) => r.findings.filter((f) => f.rule === 'k8s-schema').map((f) => `${f.line}:${f.col} ${f.message}`);
const hintOf = (r: LintResult, at: string) => r.findings.find((f) => f.rule === 'k8s-schema' && `${f.line}:${f.col}` === at)?.hint;
/** `line:col` of `key` (a finding points at its key) on line `line` of `text`. */
const pos = (text: string, line: number, key: string) => posOf(text, line, `${key}:`);
/** `line:col` of the first `needle` on line `line` of `text`. */
const posOf = (text: string, line: number, needle: string) => `${line}:${text.split('\n')[line - 1].indexOf(needle) + 1}`;
/** The hint a StatefulSet's findings start with: the API server takes it and refuses its pods. */
const stsHint = (kind: string) => (kind === 'StatefulSet' ? 'the API server takes the StatefulSet but refuses every pod it makes: ' : '');

/** `lines` (a pod spec, at no indentation) as the pod spec of a `kind` named `name`. */
function workload(kind: string, podSpec: string[], opts: { name?: string; restartPolicy?: boolean } = {}): string {
  const name = opts.name ?? 'app';
  // a Job's pods need a restartPolicy (last, so that the pod spec's lines keep their numbers)
  const lines = /^(Job|CronJob)$/.test(kind) && opts.restartPolicy !== false && !podSpec.some((l) => l.startsWith('restartPolicy:')) ? [...podSpec, 'restartPolicy: Never'] : podSpec;
  const pad = (n: number) => lines.map((l) => ' '.repeat(n) + l);
  const selector = ['  selector: { matchLabels: { app: x } }'];
  const template = (n: number) => [`${' '.repeat(n)}template:`, `${' '.repeat(n + 2)}metadata: { labels: { app: x } }`, `${' '.repeat(n + 2)}spec:`, ...pad(n + 4)];
  const head = (apiVersion: string) => [`apiVersion: ${apiVersion}`, `kind: ${kind}`, `metadata: { name: ${name} }`, 'spec:'];
  switch (kind) {
    case 'Pod':
      return [...head('v1'), ...pad(2), ''].join('\n');
    case 'Deployment':
    case 'DaemonSet':
    case 'ReplicaSet':
      return [...head('apps/v1'), ...selector, ...template(2), ''].join('\n');
    case 'StatefulSet':
      return [...head('apps/v1'), '  serviceName: x', ...selector, ...template(2), ''].join('\n');
    case 'Job':
      return [...head('batch/v1'), ...template(2), ''].join('\n');
    case 'CronJob':
      return [...head('batch/v1'), '  schedule: "0 * * * *"', '  jobTemplate:', '    spec:', ...template(6), ''].join('\n');
    default:
      throw new Error(kind);
  }
}

/** Where each kind keeps its pod spec, and how many lines come before it in `workload`. */
const KINDS: [string, string, number][] = [
  ['Pod', 'spec', 4],
  ['Deployment', 'spec.template.spec', 8],
  ['StatefulSet', 'spec.template.spec', 9],
  ['DaemonSet', 'spec.template.spec', 8],
  ['ReplicaSet', 'spec.template.spec', 8],
  ['Job', 'spec.template.spec', 7],
  ['CronJob', 'spec.jobTemplate.spec.template.spec', 10],
];

describe.each(KINDS)('%s: the pod spec at %s', (kind, at, before) => {
  const line = (n: number) => before + n; // the line of the pod spec's n-th line

  it('a container name twice, across containers, initContainers and ephemeralContainers: "Duplicate value"', () => {
    const text = workload(kind, [
        'initContainers:',
        '  - { name: web, image: "busybox:1.36" }',
        '  - { name: setup, image: "busybox:1.36" }',
        '  - { name: setup, image: "busybox:1.36" }',
        'containers:',
        '  - { name: web, image: "nginx:1.27" }',
        '  - { name: web, image: "nginx:1.27" }',
        '  - { name: Web, image: "nginx:1.27" }',
        'ephemeralContainers:',
        '  - { name: setup, image: "busybox:1.36" }',
        '  - { name: debug, image: "busybox:1.36" }',
      ]);
    const r = lint(text).findings.filter((f) => f.rule === 'k8s-schema' && f.message.includes('Duplicate value'));
    const at_ = (n: number) => pos(text, line(n), 'name');
    // containers first (the second web), then each init container against them (web) and the
    // init containers before it (setup), then the ephemeral ones against all (setup)
    expect(r.map((f) => `${f.line}:${f.col} ${f.message}`)).toEqual([
      `${at_(2)} ${kind}/app: ${at}.initContainers[0].name: Duplicate value: "web"`,
      `${at_(4)} ${kind}/app: ${at}.initContainers[2].name: Duplicate value: "setup"`,
      `${at_(7)} ${kind}/app: ${at}.containers[1].name: Duplicate value: "web"`,
      `${at_(10)} ${kind}/app: ${at}.ephemeralContainers[0].name: Duplicate value: "setup"`,
    ]);
    expect(r[0].hint).toBe(
      `${stsHint(kind)}give each container of the pod its own name: containers, initContainers and ephemeralContainers share one set of names`,
    );
  });

  it('a volume name twice: "Duplicate value"; a mount of no volume of the pod: "Not found"; a mountPath twice in one container: "must be unique"', () => {
    const text = workload(kind, [
      'volumes:',
      '  - { name: data, emptyDir: {} }',
      '  - { name: data, emptyDir: {} }',
      '  - { name: tmp, emptyDir: {} }',
      'containers:',
      '  - name: web',
      '    image: nginx:1.27',
      '    volumeMounts:',
      '      - { name: data, mountPath: /data }',
      '      - { name: tmp, mountPath: /data }',
      '      - { name: temp, mountPath: /tmp }',
    ]);
    const r = lint(text);
    const [dup, path, missing] = [pos(text, line(3), 'name'), pos(text, line(10), 'mountPath'), pos(text, line(11), 'name')];
    expect(schema(r)).toEqual([
      `${dup} ${kind}/app: ${at}.volumes[1].name: Duplicate value: "data"`,
      `${path} ${kind}/app: ${at}.containers[0].volumeMounts[1].mountPath: Invalid value: "/data": must be unique`,
      `${missing} ${kind}/app: ${at}.containers[0].volumeMounts[2].name: Not found: "temp"`,
    ]);
    expect(hintOf(r, dup)).toBe(`${stsHint(kind)}give each volume of the pod its own name (a mount names the volume it mounts), or drop the second one`);
    expect(hintOf(r, path)).toBe(`${stsHint(kind)}mount one volume at each path of a container: give this mount another mountPath (subPath mounts a part of a volume)`);
    expect(hintOf(r, missing)).toBe(
      `${stsHint(kind)}did you mean "tmp"? mount one of the pod's volumes (data, tmp), or add a volume named "temp" to ${at}.volumes${kind === 'StatefulSet' ? ' or a volumeClaimTemplate of that name' : ''}`,
    );
  });

  it('a request above its limit: "must be less than or equal to ... limit"; a negative quantity: "must be greater than or equal to 0"', () => {
    const text = workload(kind, [
      'containers:',
      '  - name: web',
      '    image: nginx:1.27',
      '    resources:',
      '      requests: { cpu: "2", memory: 1Gi }',
      '      limits: { cpu: 1500m, memory: 1000Mi }',
      '  - name: side',
      '    image: nginx:1.27',
      '    resources:',
      '      requests: { cpu: -100m }',
      '      limits: { memory: "-1" }',
    ]);
    const r = lint(text);
    const [cpu, memory, request, limit] = [pos(text, line(5), 'cpu'), pos(text, line(5), 'memory'), pos(text, line(10), 'cpu'), pos(text, line(11), 'memory')];
    expect(schema(r)).toEqual([
      `${cpu} ${kind}/app: ${at}.containers[0].resources.requests.cpu: Invalid value: "2": must be less than or equal to cpu limit of 1500m`,
      `${memory} ${kind}/app: ${at}.containers[0].resources.requests.memory: Invalid value: "1Gi": must be less than or equal to memory limit of 1000Mi`,
      `${request} ${kind}/app: ${at}.containers[1].resources.requests.cpu: Invalid value: "-100m": must be greater than or equal to 0`,
      `${limit} ${kind}/app: ${at}.containers[1].resources.limits.memory: Invalid value: "-1": must be greater than or equal to 0`,
    ]);
    expect(hintOf(r, cpu)).toBe(`${stsHint(kind)}raise the cpu limit to at least 2, or lower the request to at most 1500m`);
    expect(hintOf(r, request)).toBe(`${stsHint(kind)}a request is at least 0: write the cpu request without the minus sign`);
    expect(hintOf(r, limit)).toBe(`${stsHint(kind)}a limit is at least 0: write the memory limit without the minus sign`);
  });

  it('the valid neighbours: names once each, mounts of the pod\'s volumes at distinct paths, requests within limits', () => {
    const r = lint(
      workload(kind, [
        'volumes:',
        '  - { name: data, emptyDir: {} }',
        '  - { name: tmp, emptyDir: {} }',
        'initContainers:',
        '  - { name: setup, image: "busybox:1.36", volumeMounts: [{ name: data, mountPath: /data }] }',
        'containers:',
        '  - name: web',
        '    image: nginx:1.27',
        '    volumeMounts:',
        '      - { name: data, mountPath: /data }',
        '      - { name: data, mountPath: /data/, subPath: cache }', // the same volume twice, at another path as written
        '      - { name: tmp, mountPath: /tmp }',
        '    resources:',
        '      requests: { cpu: 500m, memory: 1Gi, ephemeral-storage: 0 }',
        '      limits: { cpu: "0.5", memory: 1024Mi }',
        '  - name: side',
        '    image: nginx:1.27',
        '    volumeMounts: [{ name: tmp, mountPath: /tmp }]',
        '    resources: { requests: { cpu: 0.25, memory: 1e3 }, limits: { cpu: 1, memory: 1k } }',
      ]),
    );
    expect(schema(r)).toEqual([]);
  });
});

describe('volumes: as written, and what a StatefulSet adds', () => {
  it('mount paths are compared as written (the API server does not clean them): /data and /data/ are two; one path in two containers is fine', () => {
    const text = workload('Deployment', [
      'volumes: [{ name: data, emptyDir: {} }]',
      'containers:',
      '  - { name: a, image: "nginx:1.27", volumeMounts: [{ name: data, mountPath: /data }, { name: data, mountPath: /data/ }, { name: data, mountPath: //data }] }',
      '  - { name: b, image: "nginx:1.27", volumeMounts: [{ name: data, mountPath: /data }] }',
    ]);
    expect(schema(lint(text))).toEqual([]);
  });

  it("a StatefulSet's volumeClaimTemplates are volumes of its pods, in place of a template volume of their name", () => {
    const text = [
      'apiVersion: apps/v1',
      'kind: StatefulSet',
      'metadata: { name: db }',
      'spec:',
      '  serviceName: db',
      '  selector: { matchLabels: { app: db } }',
      '  template:',
      '    metadata: { labels: { app: db } }',
      '    spec:',
      '      volumes: [{ name: data, emptyDir: {} }, { name: data, emptyDir: {} }, { name: tmp, emptyDir: {} }]',
      '      containers:',
      '        - { name: db, image: "postgres:16", volumeMounts: [{ name: data, mountPath: /data }, { name: tmp, mountPath: /tmp }, { name: logs, mountPath: /logs }, { name: cache, mountPath: /cache }] }',
      '  volumeClaimTemplates:',
      '    - metadata: { name: data }',
      '      spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }',
      '    - metadata: { name: logs }',
      '      spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }',
      '',
    ].join('\n');
    const r = lint(text);
    const at = posOf(text, 12, 'name: cache');
    expect(schema(r)).toEqual([`${at} StatefulSet/db: spec.template.spec.containers[0].volumeMounts[3].name: Not found: "cache"`]);
    expect(hintOf(r, at)).toBe(
      'the API server takes the StatefulSet but refuses every pod it makes: mount one of the pod\'s volumes (data, logs, tmp), or add a volume named "cache" to spec.template.spec.volumes or a volumeClaimTemplate of that name',
    );
  });

  it('a pod with no volumes', () => {
    const text = workload('Pod', ['containers: [{ name: a, image: "nginx:1.27", volumeMounts: [{ name: data, mountPath: /data }] }]']);
    const r = lint(text);
    const at = posOf(text, 5, 'name: data');
    expect(schema(r)).toEqual([`${at} Pod/app: spec.containers[0].volumeMounts[0].name: Not found: "data"`]);
    expect(hintOf(r, at)).toBe('the pod has no volumes: add one named "data" to spec.volumes');
  });
});

describe('resources, as ValidateContainerResourceRequirements compares them', () => {
  it('an extended resource or hugepages: request equal to the limit, a limit when there is a request, whole units', () => {
    const text = workload('Pod', [
      'containers:',
      '  - name: a',
      '    image: nginx:1.27',
      '    resources:',
      '      requests: { nvidia.com/gpu: 1, hugepages-2Mi: 4Mi, cpu: 1, memory: 1Gi }',
      '      limits: { nvidia.com/gpu: 2, hugepages-2Mi: 2Mi, cpu: 1, memory: 1Gi }',
      '  - name: b',
      '    image: nginx:1.27',
      '    resources: { requests: { example.com/dongle: 1 } }',
      '  - name: c',
      '    image: nginx:1.27',
      '    resources: { limits: { example.com/dongle: 500m } }',
    ]);
    const r = lint(text);
    const [gpu, huge, limits, half] = [pos(text, 9, 'nvidia.com/gpu'), pos(text, 9, 'hugepages-2Mi'), pos(text, 13, 'resources'), pos(text, 16, 'example.com/dongle')];
    expect(schema(r)).toEqual([
      `${gpu} Pod/app: spec.containers[0].resources.requests["nvidia.com/gpu"]: Invalid value: "1": must be equal to nvidia.com/gpu limit of 2`,
      `${huge} Pod/app: spec.containers[0].resources.requests.hugepages-2Mi: Invalid value: "4Mi": must be equal to hugepages-2Mi limit of 2Mi`,
      `${limits} Pod/app: spec.containers[1].resources.limits: Required value: Limit must be set for non overcommitable resources`,
      `${half} Pod/app: spec.containers[2].resources.limits["example.com/dongle"]: Invalid value: "500m": must be an integer`,
    ]);
    expect(hintOf(r, gpu)).toBe('nvidia.com/gpu cannot be overcommitted: give the request and the limit one value (or the limit alone: the request defaults to it)');
    expect(hintOf(r, limits)).toBe('set resources.limits.example.com/dongle to 1, the request (or the limit alone: the request defaults to it)');
    expect(hintOf(r, half)).toBe('example.com/dongle is an extended resource: a container asks for whole units of it');
  });

  it('equal quantities written differently, a request with no limit, a limit alone, zero: all accepted', () => {
    const text = workload('Pod', [
      'containers:',
      '  - name: a',
      '    image: nginx:1.27',
      '    resources:',
      '      requests: { cpu: 1000m, memory: 1Gi, nvidia.com/gpu: "2", ephemeral-storage: 2G }',
      '      limits: { cpu: 1, memory: 1073741824, nvidia.com/gpu: 2000m, ephemeral-storage: 2e9 }',
      '  - { name: b, image: "nginx:1.27", resources: { requests: { cpu: 4, memory: 0 } } }',
      '  - { name: c, image: "nginx:1.27", resources: { limits: { cpu: 100m, example.com/dongle: 1 } } }',
      '  - { name: d, image: "nginx:1.27", resources: { requests: { cpu: 0.1 }, limits: { cpu: 100m } } }',
    ]);
    expect(schema(lint(text))).toEqual([]);
  });
});

describe("a Job's pods: restartPolicy OnFailure or Never (validateJobSpec)", () => {
  const job = (kind: 'Job' | 'CronJob', podSpec: string[], jobSpec: string[] = []) => {
    const text = workload(kind, [...podSpec, 'containers: [{ name: a, image: "busybox:1.36" }]'], { restartPolicy: false });
    if (!jobSpec.length) return text;
    // the JobSpec's own fields, beside its template
    const lines = text.split('\n');
    const i = lines.findIndex((l) => l.trim() === 'template:');
    const indent = lines[i].length - 'template:'.length;
    lines.splice(i, 0, ...jobSpec.map((l) => ' '.repeat(indent) + l));
    return lines.join('\n');
  };

  it('left out (it defaults to Always) or Always: "Required value"; OnFailure with a podFailurePolicy: only Never', () => {
    const texts = [
      job('Job', []),
      job('Job', ['restartPolicy: Always']),
      job('CronJob', []),
      job('Job', ['restartPolicy: OnFailure'], ['podFailurePolicy: { rules: [{ action: FailJob, onExitCodes: { operator: In, values: [42] } }] }']),
      job('CronJob', ['restartPolicy: OnFailure'], ['podFailurePolicy: { rules: [{ action: FailJob, onExitCodes: { operator: In, values: [42] } }] }']),
    ];
    const r = lint(texts.join('---\n'));
    const offsets = texts.map((_, i) => texts.slice(0, i).reduce((n, t) => n + t.split('\n').length - 1, 0));
    // each text ends with a newline: the next starts after its last line and the "---"
    const at = (i: number, line: number, key: string) => {
      const [l, c] = pos(texts[i], line, key).split(':');
      return `${Number(l) + offsets[i] + i}:${c}`;
    };
    const required = 'Required value: valid values: "OnFailure", "Never"';
    expect(schema(r)).toEqual([
      `${at(0, 7, 'spec')} Job/app: spec.template.spec: ${required}`,
      `${at(1, 8, 'restartPolicy')} Job/app: spec.template.spec.restartPolicy: ${required}`,
      `${at(2, 10, 'spec')} CronJob/app: spec.jobTemplate.spec.template.spec: ${required}`,
      `${at(3, 9, 'restartPolicy')} Job/app: spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified`,
      `${at(4, 12, 'restartPolicy')} CronJob/app: spec.jobTemplate.spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified`,
    ]);
    expect(hintOf(r, at(0, 7, 'spec'))).toBe('left out, restartPolicy is Always, which a Job refuses: set restartPolicy: Never (a failed pod is replaced by a new one) or OnFailure (its container restarts in place)');
    expect(hintOf(r, at(1, 8, 'restartPolicy'))).toBe('set restartPolicy: Never (a failed pod is replaced by a new one) or OnFailure (its container restarts in place)');
    expect(hintOf(r, at(3, 9, 'restartPolicy'))).toBe('set restartPolicy: Never: a podFailurePolicy decides on failed pods, and OnFailure restarts the container instead of failing the pod');
  });

  it('Never, OnFailure, Never with a podFailurePolicy: accepted; a value that is no policy: the schema says so, once', () => {
    const ok = [
      job('Job', ['restartPolicy: Never']),
      job('CronJob', ['restartPolicy: OnFailure']),
      job('Job', ['restartPolicy: Never'], ['podFailurePolicy: { rules: [{ action: FailJob, onExitCodes: { operator: In, values: [42] } }] }']),
    ];
    expect(schema(lint(ok.join('---\n')))).toEqual([]);
    const bad = job('Job', ['restartPolicy: Sometimes']);
    expect(schema(lint(bad))).toEqual([`${pos(bad, 8, 'restartPolicy')} Job/app: spec.template.spec.restartPolicy: must be one of "Always", "Never", "OnFailure"`]);
  });

  it('a Deployment or a Pod may leave restartPolicy out', () => {
    expect(schema(lint([workload('Deployment', ['containers: [{ name: a, image: "nginx:1.27" }]']), workload('Pod', ['containers: [{ name: a, image: "nginx:1.27" }]'])].join('---\n')))).toEqual([]);
  });
});

describe('the CRDs that hold a pod spec', () => {
  it("a KEDA ScaledJob's pods (spec.jobTargetRef.template.spec) and a Knative Service's (spec.template.spec, unnamed containers are no duplicates)", () => {
    const text = [
      'apiVersion: keda.sh/v1alpha1',
      'kind: ScaledJob',
      'metadata: { name: work }',
      'spec:',
      '  jobTargetRef:',
      '    template:',
      '      spec:',
      '        restartPolicy: Never',
      '        containers: [{ name: a, image: "busybox:1.36" }, { name: a, image: "busybox:1.36" }]',
      '  triggers: [{ type: cron, metadata: { timezone: UTC, start: "0 * * * *", end: "30 * * * *", desiredReplicas: "1" } }]',
      '---',
      'apiVersion: serving.knative.dev/v1',
      'kind: Service',
      'metadata: { name: fn }',
      'spec:',
      '  template:',
      '    spec:',
      '      containers: [{ image: "nginx:1.27" }, { image: "busybox:1.36", volumeMounts: [{ name: x, mountPath: /x }] }]',
      '',
    ].join('\n');
    const r = lint(text);
    const second = `9:${text.split('\n')[8].lastIndexOf('name:') + 1}`;
    expect(schema(r)).toEqual([
      `${second} ScaledJob/work: spec.jobTargetRef.template.spec.containers[1].name: Duplicate value: "a"`,
      `${posOf(text, 18, 'name: x')} Service/fn: spec.template.spec.containers[1].volumeMounts[0].name: Not found: "x"`,
    ]);
  });
});
