// The API versions the Kubernetes API server no longer serves, the release that removed each and
// what to use instead (lint rule removed-api).
//
// Source: the official "Deprecated API Migration Guide",
// https://kubernetes.io/docs/reference/using-api/deprecation-guide/ (kubernetes/website,
// content/en/docs/reference/using-api/deprecation-guide.md), read 2026-11-29, its newest section
// then v1.32: every removal it lists for 1.16, 1.22, 1.25, 1.26, 1.27, 1.29 and 1.32. Plus
// extensions/v1beta1 PodSecurityPolicy, which 1.16 removed too ("Deprecated APIs Removed In 1.16",
// https://kubernetes.io/blog/2019/07/18/api-deprecations-in-1-16/).
// `use` is a version served today: where the guide names a successor that was removed later
// (flowcontrol v1beta3 for v1beta1/v1beta2), it is that one's successor; PodSecurityPolicy has none.

export interface RemovedApi {
  apiVersions: string[];
  kinds: string[];
  removedIn: string; // the Kubernetes release that stopped serving it
  use?: string; // the apiVersion that replaces it; none for PodSecurityPolicy
  /** instead of `use X (kubectl convert, ...)`, where that would mislead */
  hint?: string;
}

const NO_PSP =
  'PodSecurityPolicy has no replacement (policy/v1beta1, its last version, was removed in 1.25): delete it and enforce pod security with Pod Security Admission (a pod-security.kubernetes.io/enforce label on the namespace) or a policy engine';

export const REMOVED_APIS: RemovedApi[] = [
  // 1.16
  { apiVersions: ['extensions/v1beta1'], kinds: ['NetworkPolicy'], removedIn: '1.16', use: 'networking.k8s.io/v1' },
  { apiVersions: ['extensions/v1beta1'], kinds: ['PodSecurityPolicy'], removedIn: '1.16', hint: NO_PSP },
  { apiVersions: ['extensions/v1beta1', 'apps/v1beta2'], kinds: ['DaemonSet'], removedIn: '1.16', use: 'apps/v1' },
  { apiVersions: ['extensions/v1beta1', 'apps/v1beta1', 'apps/v1beta2'], kinds: ['Deployment', 'ReplicaSet'], removedIn: '1.16', use: 'apps/v1' },
  { apiVersions: ['apps/v1beta1', 'apps/v1beta2'], kinds: ['StatefulSet'], removedIn: '1.16', use: 'apps/v1' },
  // 1.22
  { apiVersions: ['admissionregistration.k8s.io/v1beta1'], kinds: ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'], removedIn: '1.22', use: 'admissionregistration.k8s.io/v1' },
  {
    apiVersions: ['apiextensions.k8s.io/v1beta1'],
    kinds: ['CustomResourceDefinition'],
    removedIn: '1.22',
    use: 'apiextensions.k8s.io/v1',
    hint: 'use apiextensions.k8s.io/v1: spec.version, validation, subresources and additionalPrinterColumns move into spec.versions[*] (each with a schema.openAPIV3Schema), and spec.scope is required',
  },
  { apiVersions: ['apiregistration.k8s.io/v1beta1'], kinds: ['APIService'], removedIn: '1.22', use: 'apiregistration.k8s.io/v1' },
  { apiVersions: ['authentication.k8s.io/v1beta1'], kinds: ['TokenReview'], removedIn: '1.22', use: 'authentication.k8s.io/v1' },
  { apiVersions: ['authorization.k8s.io/v1beta1'], kinds: ['LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SubjectAccessReview'], removedIn: '1.22', use: 'authorization.k8s.io/v1' },
  { apiVersions: ['certificates.k8s.io/v1beta1'], kinds: ['CertificateSigningRequest'], removedIn: '1.22', use: 'certificates.k8s.io/v1' },
  { apiVersions: ['coordination.k8s.io/v1beta1'], kinds: ['Lease'], removedIn: '1.22', use: 'coordination.k8s.io/v1' },
  { apiVersions: ['extensions/v1beta1', 'networking.k8s.io/v1beta1'], kinds: ['Ingress'], removedIn: '1.22', use: 'networking.k8s.io/v1' },
  { apiVersions: ['networking.k8s.io/v1beta1'], kinds: ['IngressClass'], removedIn: '1.22', use: 'networking.k8s.io/v1' },
  { apiVersions: ['rbac.authorization.k8s.io/v1beta1'], kinds: ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'], removedIn: '1.22', use: 'rbac.authorization.k8s.io/v1' },
  { apiVersions: ['scheduling.k8s.io/v1beta1'], kinds: ['PriorityClass'], removedIn: '1.22', use: 'scheduling.k8s.io/v1' },
  { apiVersions: ['storage.k8s.io/v1beta1'], kinds: ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'], removedIn: '1.22', use: 'storage.k8s.io/v1' },
  // 1.25
  { apiVersions: ['batch/v1beta1'], kinds: ['CronJob'], removedIn: '1.25', use: 'batch/v1' },
  { apiVersions: ['discovery.k8s.io/v1beta1'], kinds: ['EndpointSlice'], removedIn: '1.25', use: 'discovery.k8s.io/v1' },
  { apiVersions: ['events.k8s.io/v1beta1'], kinds: ['Event'], removedIn: '1.25', use: 'events.k8s.io/v1' },
  { apiVersions: ['autoscaling/v2beta1'], kinds: ['HorizontalPodAutoscaler'], removedIn: '1.25', use: 'autoscaling/v2' },
  { apiVersions: ['policy/v1beta1'], kinds: ['PodDisruptionBudget'], removedIn: '1.25', use: 'policy/v1' },
  { apiVersions: ['policy/v1beta1'], kinds: ['PodSecurityPolicy'], removedIn: '1.25', hint: NO_PSP },
  { apiVersions: ['node.k8s.io/v1beta1'], kinds: ['RuntimeClass'], removedIn: '1.25', use: 'node.k8s.io/v1' },
  // 1.26
  { apiVersions: ['flowcontrol.apiserver.k8s.io/v1beta1'], kinds: ['FlowSchema', 'PriorityLevelConfiguration'], removedIn: '1.26', use: 'flowcontrol.apiserver.k8s.io/v1' },
  { apiVersions: ['autoscaling/v2beta2'], kinds: ['HorizontalPodAutoscaler'], removedIn: '1.26', use: 'autoscaling/v2' },
  // 1.27
  { apiVersions: ['storage.k8s.io/v1beta1'], kinds: ['CSIStorageCapacity'], removedIn: '1.27', use: 'storage.k8s.io/v1' },
  // 1.29
  { apiVersions: ['flowcontrol.apiserver.k8s.io/v1beta2'], kinds: ['FlowSchema', 'PriorityLevelConfiguration'], removedIn: '1.29', use: 'flowcontrol.apiserver.k8s.io/v1' },
  // 1.32
  { apiVersions: ['flowcontrol.apiserver.k8s.io/v1beta3'], kinds: ['FlowSchema', 'PriorityLevelConfiguration'], removedIn: '1.32', use: 'flowcontrol.apiserver.k8s.io/v1' },
];

const BY_KEY = new Map(REMOVED_APIS.flatMap((r) => r.apiVersions.flatMap((v) => r.kinds.map((k) => [`${v} ${k}`, r] as const))));

/** The removal of `apiVersion kind`, or undefined when the API server still serves it (or it is no built-in API). */
export function removedApi(apiVersion: string, kind: string): RemovedApi | undefined {
  return BY_KEY.get(`${apiVersion} ${kind}`);
}
