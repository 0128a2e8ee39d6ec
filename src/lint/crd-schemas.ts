// Hand schemas of the custom resources ddp emits and the Kubernetes models lack (KEDA
// ScaledObject/ScaledJob, Knative Service, kustomize's Kustomization): after the KEDA 2.x and
// Knative Serving v1 CRDs, with additionalProperties: false, so unknown fields are reported.
// Their embedded core types (a ScaledJob's jobTargetRef, a Knative revision's PodSpec) are
// checked with the real API schemas (see kubernetes-schema.ts).
const str = { type: 'string' } as const;
/** A list of strings, or null (an empty list in Go). */
const strList = { type: ['array', 'null'], items: str } as const;
const int = { type: 'integer', minimum: 0, maximum: 2147483647 } as const;
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;

const crdMetadata = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: str, namespace: str, labels: stringMap, annotations: stringMap },
} as const;

const kedaTrigger = {
  type: 'object',
  required: ['type', 'metadata'],
  additionalProperties: false,
  properties: {
    type: { type: 'string', minLength: 1 },
    name: str,
    metadata: stringMap,
    authenticationRef: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: { name: str, kind: { enum: ['TriggerAuthentication', 'ClusterTriggerAuthentication'] } },
    },
    metricType: { enum: ['AverageValue', 'Value', 'Utilization'] },
    useCachedMetrics: { type: 'boolean' },
  },
} as const;

const triggers = { type: 'array', minItems: 1, items: kedaTrigger } as const;

/** Hand schemas (after KEDA 2.x and Knative Serving v1 CRDs) of the fields ddp may emit. */
export const CRD_SCHEMAS: Record<string, object> = {
  'keda.sh/v1alpha1 ScaledObject': {
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    additionalProperties: false,
    properties: {
      apiVersion: str,
      kind: str,
      metadata: crdMetadata,
      spec: {
        type: 'object',
        required: ['scaleTargetRef', 'triggers'],
        additionalProperties: false,
        properties: {
          scaleTargetRef: {
            type: 'object',
            required: ['name'],
            additionalProperties: false,
            properties: { apiVersion: str, kind: str, name: { type: 'string', minLength: 1 }, envSourceContainerName: str },
          },
          pollingInterval: int,
          cooldownPeriod: int,
          initialCooldownPeriod: int,
          idleReplicaCount: int,
          minReplicaCount: int,
          maxReplicaCount: int,
          fallback: {
            type: 'object',
            required: ['failureThreshold', 'replicas'],
            additionalProperties: false,
            properties: {
              failureThreshold: int,
              replicas: int,
              behavior: { enum: ['static', 'currentReplicas', 'currentReplicasIfHigher', 'currentReplicasIfLower'] },
            },
          },
          advanced: {
            type: 'object',
            additionalProperties: false,
            properties: {
              restoreToOriginalReplicaCount: { type: 'boolean' },
              horizontalPodAutoscalerConfig: {
                type: 'object',
                additionalProperties: false,
                properties: { name: str, behavior: { type: 'object' } },
              },
              scalingModifiers: {
                type: 'object',
                additionalProperties: false,
                properties: { formula: str, target: str, activationTarget: str, metricType: str },
              },
            },
          },
          triggers,
        },
      },
    },
  },
  'keda.sh/v1alpha1 ScaledJob': {
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    additionalProperties: false,
    properties: {
      apiVersion: str,
      kind: str,
      metadata: crdMetadata,
      spec: {
        type: 'object',
        required: ['jobTargetRef', 'triggers'],
        additionalProperties: false,
        properties: {
          jobTargetRef: { type: 'object' }, // batch/v1 JobSpec, checked with kubernetes-models
          pollingInterval: int,
          successfulJobsHistoryLimit: int,
          failedJobsHistoryLimit: int,
          envSourceContainerName: str,
          minReplicaCount: int,
          maxReplicaCount: int,
          rolloutStrategy: str,
          rollout: { type: 'object', additionalProperties: false, properties: { strategy: str, propagationPolicy: str } },
          scalingStrategy: {
            type: 'object',
            additionalProperties: false,
            properties: {
              strategy: { enum: ['default', 'custom', 'accurate', 'eager'] },
              customScalingQueueLengthDeduction: { type: 'integer' },
              customScalingRunningJobPercentage: str,
              pendingPodConditions: { type: 'array', items: str },
              multipleScalersCalculation: { enum: ['max', 'min', 'avg', 'sum'] },
            },
          },
          triggers,
        },
      },
    },
  },
  'serving.knative.dev/v1 Service': {
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    additionalProperties: false,
    properties: {
      apiVersion: str,
      kind: str,
      metadata: crdMetadata,
      spec: {
        type: 'object',
        required: ['template'],
        additionalProperties: false,
        properties: {
          template: {
            type: 'object',
            required: ['spec'],
            additionalProperties: false,
            properties: {
              metadata: {
                type: 'object',
                additionalProperties: false,
                properties: { name: str, labels: stringMap, annotations: stringMap },
              },
              // RevisionSpec = PodSpec (checked with kubernetes-models) + these:
              spec: {
                type: 'object',
                required: ['containers'],
                properties: {
                  containers: { type: 'array', minItems: 1 },
                  containerConcurrency: { type: 'integer', minimum: 0, maximum: 1000 },
                  timeoutSeconds: int,
                  responseStartTimeoutSeconds: int,
                  idleTimeoutSeconds: int,
                },
              },
            },
          },
          traffic: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              properties: {
                revisionName: str,
                configurationName: str,
                latestRevision: { type: 'boolean' },
                percent: { type: 'integer', minimum: 0, maximum: 100 },
                tag: str,
                url: str,
              },
            },
          },
        },
      },
    },
  },
  'kustomize.config.k8s.io/v1beta1 Kustomization': {
    type: 'object',
    required: ['apiVersion', 'kind'],
    additionalProperties: false,
    properties: {
      apiVersion: str,
      kind: str,
      metadata: { type: 'object', additionalProperties: false, properties: { name: str, namespace: str, labels: stringMap, annotations: stringMap } },
      // (null too: kustomize reads YAML into Go, where a `components:` whose entries are all
      // commented out is an empty list -- microservices-demo ships one)
      resources: strList,
      components: strList,
      bases: strList,
      crds: strList,
      configurations: strList,
      generators: strList,
      transformers: strList,
      validators: strList,
      namespace: str,
      namePrefix: str,
      nameSuffix: str,
      commonLabels: stringMap,
      commonAnnotations: stringMap,
      labels: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          properties: {
            pairs: stringMap,
            includeSelectors: { type: 'boolean' },
            includeTemplates: { type: 'boolean' },
            fields: { type: 'array' },
          },
        },
      },
      images: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: str, newName: str, newTag: str, digest: str, tagSuffix: str },
        },
      },
      replicas: {
        type: 'array',
        items: { type: 'object', required: ['name', 'count'], additionalProperties: false, properties: { name: str, count: int } },
      },
      patches: { type: 'array', items: { type: 'object' } },
      patchesStrategicMerge: { type: 'array' },
      patchesJson6902: { type: 'array', items: { type: 'object' } },
      configMapGenerator: { type: 'array', items: { type: 'object' } },
      secretGenerator: { type: 'array', items: { type: 'object' } },
      generatorOptions: { type: 'object' },
      replacements: { type: 'array', items: { type: 'object' } },
      helmCharts: { type: 'array', items: { type: 'object' } },
      vars: { type: 'array', items: { type: 'object' } },
      openapi: { type: 'object' },
      buildMetadata: { type: 'array', items: str },
      sortOptions: { type: 'object' },
    },
  },
};

