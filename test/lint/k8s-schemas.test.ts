// The build-time bundle of the Kubernetes API validators (scripts/build-k8s-schemas.mjs): every
// kind of kubernetes-models is there, and the six formats written in place of
// @kubernetes-models/validate's agree with the originals.
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { KINDS, formats, kubernetesValidator, embeddedValidator, KUBERNETES_MODELS_VERSION } from '../../src/generated/k8s-schemas.js';

const require = createRequire(import.meta.url);

describe('bundled Kubernetes API schemas', () => {
  it('holds every kind of the kubernetes-models version it was built from', () => {
    expect(KUBERNETES_MODELS_VERSION).toBe((require('kubernetes-models/package.json') as { version: string }).version);
    for (const k of ['v1 Pod', 'v1 Service', 'apps/v1 Deployment', 'apps/v1 StatefulSet', 'batch/v1 Job', 'batch/v1 CronJob', 'policy/v1 PodDisruptionBudget', 'autoscaling/v2 HorizontalPodAutoscaler', 'networking.k8s.io/v1 Ingress', 'coordination.k8s.io/v1 Lease', 'rbac.authorization.k8s.io/v1 Role']) {
      expect(KINDS, k).toContain(k);
    }
    for (const k of KINDS) {
      const [apiVersion, kind] = k.split(' ');
      const cls = (require(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, { apiVersion: string; kind: string }>)[kind];
      expect(`${cls.apiVersion} ${cls.kind}`).toBe(k);
    }
    expect(kubernetesValidator('apps/v1', 'DeploymentSpec')).toBeUndefined();
    expect(kubernetesValidator('v1', 'PodSpec')).toBeUndefined();
    expect(embeddedValidator('v1', 'PodSpec')).toBeTypeOf('function');
  });

  it('validates like kubernetes-models does', () => {
    const v = kubernetesValidator('apps/v1', 'Deployment')!;
    const { Deployment } = require('kubernetes-models/apps/v1/Deployment') as { Deployment: new (d: unknown) => { validate(): void } };
    const good = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a', creationTimestamp: '2024-02-29T12:00:00Z' }, spec: { selector: {}, template: { spec: { containers: [{ name: 'a', resources: { limits: { cpu: '500m', memory: 1024 } } }] } } } };
    const bad = { ...good, spec: { ...good.spec, replicas: 2 ** 31 } };
    expect(v(good)).toBe(true);
    expect(() => new Deployment(good).validate()).not.toThrow();
    expect(v(bad)).toBe(false);
    expect(() => new Deployment(bad).validate()).toThrow();
  });

  it('checks the fields kubernetes-models\' validators lost (description, x-kubernetes-*) and JSONSchemaProps at every depth', () => {
    const crd = (schema: unknown) => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'ws.example.com' }, spec: { group: 'example.com', names: { kind: 'W', plural: 'ws' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }] } });
    const v = kubernetesValidator('apiextensions.k8s.io/v1', 'CustomResourceDefinition')!;
    const errors = (schema: unknown) => (v(crd(schema)) ? [] : v.errors!.map((e) => `${e.instancePath} ${e.keyword} ${JSON.stringify(e.params)}`).sort());
    const at = '/spec/versions/0/schema/openAPIV3Schema';
    // the alternatives of JSONSchemaPropsOr{Bool,Array,StringArray} (kubernetes-models: object only)
    expect(errors({ type: 'object', description: 'd', 'x-kubernetes-preserve-unknown-fields': true, additionalProperties: true, dependencies: { a: ['b'] }, properties: { l: { type: 'array', items: [{ type: 'string' }] } } })).toEqual([]);
    expect(errors({ description: 1, properties: { a: { items: { 'x-kubernetes-list-type': 2, additionalProperties: { description: false } } } }, additionalProperties: 'yes', 'x-kubernetes-validations': [{ message: 'm' }] })).toEqual([
      `${at}/additionalProperties type {"type":"object,boolean"}`,
      `${at}/description type {"type":"string"}`,
      `${at}/properties/a/items/additionalProperties/description type {"type":"string"}`,
      `${at}/properties/a/items/x-kubernetes-list-type type {"type":"string"}`,
      `${at}/x-kubernetes-validations/0 required {"missingProperty":"rule"}`,
    ]);
    const pc = kubernetesValidator('scheduling.k8s.io/v1', 'PriorityClass')!;
    expect(pc({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'p' }, value: 1, description: 'd' })).toBe(true);
    expect(pc({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'p' }, value: 1, description: 2 })).toBe(false);
    expect(pc.errors!.map((e) => e.instancePath)).toEqual(['/description']);
  });

  it('the format shim agrees with @kubernetes-models/validate on typical and edge values', () => {
    const original = (require('@kubernetes-models/validate') as { formats: Record<string, { validate: ((v: unknown) => boolean) | RegExp }> }).formats;
    const shim = formats();
    const run = (f: { validate: ((v: unknown) => boolean) | RegExp }, v: unknown) => (f.validate instanceof RegExp ? f.validate.test(String(v)) : f.validate(v));
    const samples: Record<string, unknown[]> = {
      int32: [0, 1, -1, 2147483647, 2147483648, -2147483648, -2147483649, 1.5],
      int64: [0, 2 ** 40, -(2 ** 40), Number.MAX_SAFE_INTEGER, 1.5],
      double: [0, 1.5, -3e10],
      byte: ['', 'YWJj', 'YWI=', 'YQ==', 'abc', 'YW=j', '!!!!'],
      quantity: ['1', '100m', '1.5Gi', '2e3', '+1k', '.5', '5.', '1Ki', 'abc', '1 Gi', '1GiB', '-2M'],
      'date-time': ['2024-02-29T12:00:00Z', '2023-02-29T12:00:00Z', '2024-01-01T00:00:00.123+02:00', '2024-13-01T00:00:00Z', '2024-01-01 00:00:00Z', '2024-01-01', 'x'],
    };
    expect(Object.keys(shim).sort()).toEqual(Object.keys(samples).sort());
    for (const [name, values] of Object.entries(samples)) {
      for (const v of values) expect(run(shim[name], v), `${name} ${JSON.stringify(v)}`).toBe(run(original[name], v));
    }
  });
});
