import { describe, expect, it } from 'vitest';
import {
  formatPath,
  isDns1123Subdomain,
  isQualifiedName,
  parseAllDocuments,
  selectorMatches,
  validateKubernetes,
  validateKubernetesYaml,
} from './kubernetes.js';

const labels = { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/managed-by': 'ddp' };
const container = {
  name: 'web',
  image: 'nginxinc/nginx-unprivileged:1.27',
  ports: [{ name: 'http', containerPort: 8080 }],
  resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: 1, memory: '128Mi' } },
  readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5 },
  livenessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 20, failureThreshold: 6 },
  securityContext: {
    runAsNonRoot: true,
    runAsUser: 10001,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  },
  volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
};
const podTemplate = {
  metadata: { labels, annotations: { 'ddp.dev/hash': 'abc' } },
  spec: {
    automountServiceAccountToken: false,
    containers: [container],
    volumes: [{ name: 'tmp', emptyDir: {} }],
    topologySpreadConstraints: [
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels } },
    ],
  },
};
const meta = (name: string) => ({ name, namespace: 'shop', labels: { ...labels } });

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: meta('web'),
  spec: { replicas: 2, selector: { matchLabels: { ...labels } }, template: structuredClone(podTemplate) },
});

/** One known-good object of every kind ddp may emit. */
const GOOD: unknown[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('web-nginx'), data: { 'nginx.conf': 'events {}\n' } },
  { apiVersion: 'v1', kind: 'Secret', metadata: meta('web-tls'), type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'x', 'tls.key': 'y' } },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('web'),
    spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('shard'),
    spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: labels, ports: [{ port: 11211, targetPort: 11211 }] },
  },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('leader'), automountServiceAccountToken: true },
  {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta('data'),
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  },
  deployment(),
  {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta('shard'),
    spec: {
      serviceName: 'shard',
      replicas: 3,
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: labels },
      template: structuredClone(podTemplate),
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  },
  {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta('batch'),
    spec: {
      completionMode: 'Indexed',
      completions: 4,
      parallelism: 2,
      backoffLimit: 3,
      ttlSecondsAfterFinished: 600,
      template: { ...structuredClone(podTemplate), spec: { ...structuredClone(podTemplate.spec), restartPolicy: 'Never' } },
    },
  },
  {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: meta('nightly'),
    spec: {
      schedule: '0 3 * * *',
      concurrencyPolicy: 'Forbid',
      jobTemplate: {
        spec: { template: { ...structuredClone(podTemplate), spec: { ...structuredClone(podTemplate.spec), restartPolicy: 'OnFailure' } } },
      },
    },
  },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta('web'), spec: { minAvailable: 1, selector: { matchLabels: labels } } },
  {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta('web'),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    },
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { ...meta('web'), annotations: { 'nginx.ingress.kubernetes.io/ssl-redirect': 'true' } },
    spec: {
      ingressClassName: 'nginx',
      tls: [{ hosts: ['shop.example.com'], secretName: 'web-tls' }],
      rules: [
        {
          host: 'shop.example.com',
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } }] },
        },
      ],
    },
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta('leader'),
    rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update', 'create'] }],
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta('leader'),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'leader' },
    subjects: [{ kind: 'ServiceAccount', name: 'leader', namespace: 'shop' }],
  },
  { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: meta('leader'), spec: { leaseDurationSeconds: 15 } },
  {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: meta('web'),
    spec: {
      scaleTargetRef: { name: 'web' },
      minReplicaCount: 0,
      maxReplicaCount: 10,
      advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } },
      triggers: [{ type: 'redis', metadata: { address: 'redis.shop:6379', listName: 'jobs', listLength: '5' } }],
    },
  },
  {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledJob',
    metadata: meta('worker'),
    spec: {
      jobTargetRef: { template: { ...structuredClone(podTemplate), spec: { ...structuredClone(podTemplate.spec), restartPolicy: 'Never' } } },
      maxReplicaCount: 5,
      triggers: [{ type: 'redis', metadata: { address: 'redis.shop:6379', listName: 'jobs' } }],
    },
  },
  {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: meta('fn'),
    spec: {
      template: {
        metadata: { annotations: { 'autoscaling.knative.dev/min-scale': '0', 'autoscaling.knative.dev/max-scale': '5' } },
        spec: { containerConcurrency: 10, containers: [{ image: 'ghcr.io/acme/fn:1.0', ports: [{ containerPort: 8080 }] }] },
      },
    },
  },
  { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', namespace: 'shop', resources: ['web.yaml', 'shard.yaml'] },
];

describe('validateKubernetes', () => {
  it('accepts a known-good object of every supported kind', () => {
    expect(validateKubernetes(GOOD)).toEqual([]);
  });

  it('reports an unknown nested field with its path and a suggestion', () => {
    const d = deployment();
    (d.spec.template.spec.containers[0] as Record<string, unknown>).securityContxt = { runAsNonRoot: true };
    expect(validateKubernetes([d])).toEqual([
      'Deployment/web (document 1): spec.template.spec.containers[0].securityContxt: unknown field (did you mean "securityContext"?)',
    ]);
  });

  it('reports unknown fields at the top, in metadata and deep inside a CronJob', () => {
    const cron = structuredClone(GOOD.find((o) => (o as { kind: string }).kind === 'CronJob')) as Record<string, any>;
    cron.spex = {};
    cron.metadata.label = {};
    cron.spec.jobTemplate.spec.template.spec.containers[0].resources.limitz = {};
    expect(validateKubernetes([cron])).toEqual([
      'CronJob/nightly (document 1): spex: unknown field (did you mean "spec"?)',
      'CronJob/nightly (document 1): metadata.label: unknown field (did you mean "labels"?)',
      'CronJob/nightly (document 1): spec.jobTemplate.spec.template.spec.containers[0].resources.limitz: unknown field (did you mean "limits"?)',
    ]);
  });

  it('reports schema errors: types, enums, required fields', () => {
    const d = deployment() as Record<string, any>;
    d.spec.replicas = 'two';
    d.spec.template.spec.containers[0].imagePullPolicy = 'Sometimes';
    delete d.spec.template.spec.containers[0].name;
    const errors = validateKubernetes([d]);
    expect(errors).toContain('Deployment/web (document 1): spec.replicas: must be integer');
    expect(errors).toContain('Deployment/web (document 1): spec.template.spec.containers[0]: missing required field "name"');
    expect(errors.some((e) => e.startsWith('Deployment/web (document 1): spec.template.spec.containers[0].imagePullPolicy: must be one of'))).toBe(true);
  });

  it('checks names, labels and selectors like the API server', () => {
    const svc = structuredClone(GOOD[3]) as Record<string, any>;
    svc.metadata.name = '1web';
    const d = deployment() as Record<string, any>;
    d.metadata.name = 'Web';
    d.metadata.labels['bad key!'] = 'x';
    d.spec.selector.matchLabels = { 'app.kubernetes.io/name': 'other' };
    expect(validateKubernetes([svc, d])).toEqual([
      'Service/1web (document 1): metadata.name: "1web" is not a DNS-1035 label (lower case, starts with a letter, ≤ 63)',
      'Deployment/Web (document 2): metadata.name: "Web" is not a DNS-1123 subdomain (lower case alphanumerics, "-" and ".", ≤ 253)',
      'Deployment/Web (document 2): metadata.labels["bad key!"]: label key "bad key!" is not a valid qualified name',
      'Deployment/Web (document 2): spec.template.metadata.labels: `selector` does not match template `labels`',
    ]);
  });

  it('rejects unknown apiVersion/kind pairs, non-objects and missing type meta', () => {
    expect(
      validateKubernetes([
        { apiVersion: 'apps/v1', kind: 'Deploymnet', metadata: { name: 'a' } },
        { apiVersion: 'apps/v1', kind: 'DeploymentSpec', metadata: { name: 'a' } }, // a type, not a kind
        { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'a' } },
        { kind: 'ConfigMap', metadata: { name: 'a' } },
        'text',
      ]),
    ).toEqual([
      'Deploymnet/a (document 1): unknown apiVersion/kind "apps/v1" "Deploymnet"',
      'DeploymentSpec/a (document 2): unknown apiVersion/kind "apps/v1" "DeploymentSpec"',
      'Widget/a (document 3): unknown apiVersion/kind "example.com/v1" "Widget"',
      'ConfigMap/a (document 4): apiVersion: missing or not a string',
      '?/? (document 5): not an object (string)',
    ]);
  });

  it('validates KEDA, Knative and Kustomization with hand schemas and embedded core types', () => {
    const so = structuredClone(GOOD.find((o) => (o as { kind: string }).kind === 'ScaledObject')) as Record<string, any>;
    so.spec.minReplicas = 1;
    so.spec.triggers[0].metadata.listLength = 5;
    so.metadata.name = 'Bad_Name';
    const sj = structuredClone(GOOD.find((o) => (o as { kind: string }).kind === 'ScaledJob')) as Record<string, any>;
    sj.spec.jobTargetRef.template.spec.containers[0].imagePullPolcy = 'Always';
    delete sj.spec.triggers[0].type;
    const kn = structuredClone(GOOD.find((o) => (o as { apiVersion: string }).apiVersion === 'serving.knative.dev/v1')) as Record<string, any>;
    kn.spec.template.spec.containers[0].portz = [];
    kn.spec.template.metadata.annotations['autoscaling.knative.dev/min-scale'] = 0;
    kn.spec.scale = 1;
    const kz = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resource: ['a.yaml'] };
    const noSpec = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'x' } };
    expect(validateKubernetes([so, sj, kn, kz, noSpec])).toEqual([
      'ScaledObject/Bad_Name (document 1): spec.minReplicas: unknown field',
      'ScaledObject/Bad_Name (document 1): spec.triggers[0].metadata.listLength: must be string',
      'ScaledObject/Bad_Name (document 1): metadata.name: "Bad_Name" is not a DNS-1123 subdomain (lower case alphanumerics, "-" and ".", ≤ 253)',
      'ScaledJob/worker (document 2): spec.triggers[0]: missing required field "type"',
      'ScaledJob/worker (document 2): spec.jobTargetRef.template.spec.containers[0].imagePullPolcy: unknown field (did you mean "imagePullPolicy"?)',
      'Service/fn (document 3): spec.scale: unknown field',
      'Service/fn (document 3): spec.template.metadata.annotations["autoscaling.knative.dev/min-scale"]: must be string',
      'Service/fn (document 3): spec.template.spec.containers[0].portz: unknown field (did you mean "ports"?)',
      'Kustomization/? (document 4): resource: unknown field',
      'ScaledObject/x (document 5): (root): missing required field "spec"',
    ]);
  });
});

describe('parseAllDocuments', () => {
  it('parses a multi-document stream and drops empty documents', () => {
    expect(parseAllDocuments('a: 1\n---\nb: [2]\n---\n')).toEqual([{ a: 1 }, { b: [2] }]);
  });
  it('throws on YAML errors and duplicate keys', () => {
    expect(() => parseAllDocuments('a: [1\n')).toThrow(/YAML parse error/);
    expect(() => parseAllDocuments('a: 1\na: 2\n')).toThrow(/[Uu]nique|[Dd]uplicate/);
  });
  it('validateKubernetesYaml turns parse errors into lines', () => {
    expect(validateKubernetesYaml('a: [1\n')[0]).toMatch(/^YAML parse error/);
    expect(validateKubernetesYaml('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n')).toEqual([]);
  });
});

describe('small helpers', () => {
  it('formats paths', () => {
    expect(formatPath(['spec', 'containers', 0, 'image'])).toBe('spec.containers[0].image');
    expect(formatPath(['metadata', 'labels', 'app.kubernetes.io/name'])).toBe('metadata.labels["app.kubernetes.io/name"]');
    expect(formatPath([])).toBe('(root)');
  });
  it('knows DNS names and qualified names', () => {
    expect(isDns1123Subdomain('web.shop')).toBe(true);
    expect(isDns1123Subdomain('Web')).toBe(false);
    expect(isQualifiedName('app.kubernetes.io/name')).toBe(true);
    expect(isQualifiedName('/name')).toBe(false);
    expect(isQualifiedName('a/b/c')).toBe(false);
  });
  it('matches selectors', () => {
    const l = { app: 'web', tier: 'fe' };
    expect(selectorMatches({ matchLabels: { app: 'web' } }, l)).toBe(true);
    expect(selectorMatches({ app: 'web', tier: 'be' }, l)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'x'] }] }, l)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, l)).toBe(false);
  });
});
