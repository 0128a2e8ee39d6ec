// The target-neutral model: what patterns produce (src/patterns/*) and targets render
// (src/targets/*). Every name here is final: the Kubernetes object name, the compose service
// name and the DNS name other components use are the same string.
import type { Diagnostic } from './diagnostics.js';
import type { Bind } from './patterns/startup.js';

export interface Model {
  name: string; // topology name (app.kubernetes.io/part-of)
  namespace: string;
  /** write the Namespace object (metadata.createNamespace, default true) */
  createNamespace: boolean;
  labels: Record<string, string>; // metadata.labels, added to every object
  annotations: Record<string, string>;
  units: Unit[]; // sorted by name
  notes: Diagnostic[]; // warnings and facts for `generate`'s report (e.g. compose degradations)
  supplied: SuppliedFile[]; // what only the user can supply (TLS keys, secret values)
}

/** One topology service or pipeline → one OUT/kubernetes/<name>.yaml. */
export interface Unit {
  name: string;
  pattern: string; // selects templates/<target>/<pattern>.hbs
  pointer: string; // JSON pointer of its source in the topology, e.g. /services/web
  components: Component[];
  configs: ConfigFile[];
  /** Pattern-specific data for its own templates (Ingress, HPA targets, ScaledObjects, ...). */
  extra: Record<string, unknown>;
}

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'Job' | 'CronJob' | 'KnativeService' | 'None';

/** A set of identical pods plus the Service that fronts them. */
export interface Component {
  name: string;
  role: string; // app.kubernetes.io/component
  workload: WorkloadKind;
  replicas: number; // desired replicas (min when autoscaled)
  autoscale?: { min: number; max: number; cpu: number }; // HPA: then no `replicas` field is emitted
  pod: Pod;
  service?: ServiceSpec;
  statefulSet?: { serviceName: string; podManagementPolicy?: 'Parallel' | 'OrderedReady'; claims: Claim[]; servicePerPod?: boolean };
  job?: JobSpec;
  cron?: { schedule: string; concurrencyPolicy: 'Forbid' | 'Allow' | 'Replace'; successfulJobsHistoryLimit: number; failedJobsHistoryLimit: number };
  /** compose-only facts */
  compose: ComposeHints;
  annotations?: Record<string, string>; // pod template annotations
  /** Scaled by KEDA on an event source instead of an HPA: a ScaledObject for a Deployment (no
   *  `replicas` field), a ScaledJob for a Job (KEDA creates the Jobs: no Job is rendered). */
  scaler?: EventScaler;
  /** Where the writable scratch emptyDir goes (flow.addScratchVolumes): `/tmp` unless the runtime
   *  reserves that path (Knative rejects a mount at /tmp; a function there gets TMPDIR instead). */
  scratchPath?: string;
}

export interface EventScaler {
  min: number;
  max: number;
  pollingInterval: number; // seconds
  triggers: EventTrigger[];
}

export interface EventTrigger {
  type: string; // KEDA scaler: redis | rabbitmq | nats-jetstream | ...
  metadata: Record<string, string>;
}

export interface ComposeHints {
  replicas?: number; // default: component.replicas
  dependsOn?: { name: string; condition: 'service_started' | 'service_healthy' | 'service_completed_successfully' }[];
  environment?: Env[]; // extra env only in compose (e.g. JOB_COMPLETION_INDEX)
  restart?: 'no' | 'on-failure' | 'unless-stopped';
  skip?: boolean; // not rendered in compose
  command?: string[];
  /** compose has no ClusterIP: run an nginx load balancer (this compose-only config) under the
   *  component's name and the replicas as `<name>-replica`, so the name is one address. */
  loadBalancer?: string;
  /** compose-only component (Kubernetes renders nothing for it): e.g. one compose service per
   *  index of an Indexed Job, whose Kubernetes form is a single Job. */
  only?: boolean;
  /** Extra DNS names of the main service on the compose network (`networks.default.aliases`), e.g.
   *  `<svc>-<i>.<svc>` for a shard or a scatter-gather leaf: the StatefulSet pod's own DNS name, so
   *  what names it (DDP_LEAVES, an app reaching its peers) works unchanged in compose. */
  aliases?: string[];
  /** Publish the main port on the host: the stand-in for an Ingress another unit routes to this
   *  component (e.g. a decorator function in front of an exposed service); the Ingress's host and
   *  path (`shop.example.com/`), which the report of what compose publishes names. */
  publish?: string;
}

export interface JobSpec {
  completions: number;
  parallelism: number;
  completionMode?: 'Indexed' | 'NonIndexed';
  backoffLimit: number;
  ttlSecondsAfterFinished: number;
}

export interface Pod {
  containers: Container[];
  initContainers: Container[]; // native sidecars carry restartPolicy: Always
  volumes: Volume[];
  shareProcessNamespace?: boolean;
  serviceAccount?: ServiceAccountSpec; // only when the pod needs the API
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  terminationGracePeriodSeconds?: number;
  /** Kubernetes-only placement and identity (src/patterns/placement.ts): compose has no equivalent */
  imagePullSecrets?: string[];
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  /** the user's own ServiceAccount (`serviceAccountName`), on the pods that run the user's images:
   *  ddp does not create it; a Role ddp makes for the pod (`serviceAccount`) is bound to it */
  userServiceAccount?: { name: string; automountToken: boolean };
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

export interface ServiceAccountSpec {
  name: string;
  rules: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[];
}

export interface Container {
  name: string;
  image: string;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  command?: string[];
  args?: string[];
  ports: Port[];
  env: Env[]; // sorted by name
  resources: Resources;
  readiness?: Probe;
  liveness?: Probe;
  mounts: Mount[];
  runAsUser: number;
  runAsGroup?: number;
  restartPolicy?: 'Always'; // native sidecar (in initContainers)
  /** writable scratch paths (each gets an emptyDir) — read-only root filesystem elsewhere */
  role: 'main' | 'sidecar' | 'ambassador' | 'adapter' | 'infra';
  /** Kubernetes-only container (e.g. a barrier that asks the API): not run in compose. */
  kubernetesOnly?: boolean;
  /** compose services this container's own compose service starts after (a proxy resolves its
   *  upstreams when it loads: an ambassador waits for the services it routes to) */
  composeAfter?: string[];
  /** hosts its config resolves when it loads that may lie outside the topology (a `proxy`
   *  ambassador's upstream): compose waits for those that name a component's compose service */
  composeAfterIfService?: string[];
  /** compose healthcheck test (CMD form) where ddp knows the image has the tool (redis-cli, ...) */
  healthcheck?: string[];
  origin?: Origin;
}

/**
 * Where a container, volume or mount of a pod comes from, recorded by whatever adds it (a
 * pattern, flow.addScratchVolumes): what validate says of two that clash (src/kube-limits.ts:
 * the API server refuses two containers or volumes of one name, two mounts at one path). No
 * target renders it.
 *  - `{ yours }`: you wrote it, at that JSON pointer: a sidecar, ambassador or adapter
 *    (`/services/web/sidecars/0`, with `kind`, what you call it: `sidecar`, `TLS sidecar`, ...),
 *    a volume (`/services/web/volumes/data`), a mount (`/services/web/sidecars/0/mounts/1`).
 *  - `{ addedBy }`: ddp added it (or chose its name: the main container), named as a message
 *    names it ("the leader elector that `election` adds"); `steeredBy`: the field of yours that
 *    decides it (`/services/sh/storage/path`), `fix`: what to change to resolve a clash with it.
 *  - none: ddp's, in a pod of ddp's own (a cache, a router, a broker), named generically.
 */
export type Origin = Yours | { addedBy: string; steeredBy?: string; fix?: string };
export interface Yours {
  yours: string;
  kind?: 'sidecar' | 'TLS sidecar' | 'ambassador' | 'prometheus adapter' | 'logging adapter';
}

/** Whether you wrote it (the origin records where). */
export const isYours = (o: Origin | undefined): o is Yours => o !== undefined && 'yours' in o;

/** The containers of a pod beside its main one: sidecars, ambassadors, adapters, then init
 *  containers. In compose each runs as a service of its own, `<component>-<container>`. */
export const attachedContainers = (c: Pick<Component, 'pod'>): Container[] => [...c.pod.containers.slice(1), ...c.pod.initContainers];

/** Whether two or more of the pod's containers mount the volume `name`: compose then makes the
 *  emptyDir a named volume `<component>-<volume>` (one container alone gets a tmpfs). */
export function sharedVolume(c: Pick<Component, 'pod'>, name: string): boolean {
  let n = 0;
  for (const list of [c.pod.containers, c.pod.initContainers]) for (const x of list) if (x.mounts.some((m) => m.volume === name) && ++n > 1) return true;
  return false;
}

export interface Port {
  name: string;
  port: number;
  protocol: 'TCP' | 'UDP';
}

export interface Env {
  name: string;
  value?: string;
  secret?: { name: string; key: string };
  configMap?: { name: string; key: string };
  field?: string; // fieldRef.fieldPath, e.g. metadata.name
}

export interface Resources {
  cpu: string;
  memory: string;
  cpuLimit: string;
  memoryLimit: string;
}

export interface Probe {
  http?: { path: string; port: number };
  tcp?: { port: number };
  exec?: string[];
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}

export interface Mount {
  volume: string;
  path: string;
  readOnly: boolean;
  subPath?: string;
  origin?: Origin;
}

export interface Volume {
  name: string;
  emptyDir?: { medium?: 'Memory'; sizeLimit?: string };
  configFile?: { config: string; key: string }; // mounts ConfigFile `config` (by name); key = file name inside
  secret?: { secretName: string; items?: { key: string; path: string }[] };
  claim?: { claimName: string }; // an existing PersistentVolumeClaim (see Unit extra / Claim)
  persistent?: { size: string; storageClass?: string; accessMode?: AccessMode }; // StatefulSet: volumeClaimTemplate; else a PVC named <component>-<volume>
  origin?: Origin;
}

/** How many nodes may mount a PersistentVolumeClaim: one (the default), or any number. */
export type AccessMode = 'ReadWriteOnce' | 'ReadWriteMany';

export interface Claim {
  name: string;
  size: string;
  storageClass?: string;
  accessModes: AccessMode[];
}

/** The claim of a persistent volume, named `name` (a volumeClaimTemplate keeps the volume's name). */
export function claimOf(v: Volume, name: string = v.name): Claim {
  const p = v.persistent!;
  return { name, size: p.size, ...(p.storageClass ? { storageClass: p.storageClass } : {}), accessModes: [p.accessMode ?? 'ReadWriteOnce'] };
}

/**
 * The ClusterIP Services of a StatefulSet with `servicePerPod`: one per pod, named as the pod
 * (`<name>-<i>`), selecting it by the label the StatefulSet controller sets on it, on the ports of
 * the headless Service. nginx, varnish and twemproxy resolve a name once, when they load their
 * config: a pod's own DNS name goes stale when the pod is made anew (a rolling update, an
 * eviction) with another address, while a Service's address stays as long as the Service.
 */
export function podServiceNames(c: Pick<Component, 'name' | 'replicas' | 'statefulSet' | 'compose'>): string[] {
  // (not for the compose-only stand-ins of its pods, which copy the StatefulSet's fields)
  return c.statefulSet?.servicePerPod && !c.compose.only ? Array.from({ length: c.replicas }, (_, i) => `${c.name}-${i}`) : [];
}

/** The label the StatefulSet controller puts on each of its pods, with the pod's name. */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';

export interface ServiceSpec {
  name: string; // usually = component name
  headless: boolean;
  ports: Port[];
  sessionAffinity?: 'ClientIP' | 'None';
  publishNotReadyAddresses?: boolean;
  annotations?: Record<string, string>;
}

/** A proxy (or agent) config file: rendered once, written under OUT/<target>/, mounted by both k8s and compose. */
export interface ConfigFile {
  name: string; // file base name and ConfigMap name prefix, e.g. web-tls
  target: 'nginx' | 'varnish' | 'twemproxy' | 'fluent-bit';
  template: string; // templates/<target>/<template>.hbs
  data: Record<string, unknown>;
  key: string; // file name inside the ConfigMap / container, e.g. nginx.conf
  content?: string; // filled in by the render stage
  /** Only compose mounts it (no ConfigMap): e.g. the load balancer compose needs in front of replicas. */
  composeOnly?: boolean;
  /** Where the topology says what it connects to (e.g. an ambassador's `upstream`): diagnostics about the config point here. */
  pointer?: string;
  /** The writable scratch directory of the container that runs it, where its pid and temp files
   *  go: DEFAULT_SCRATCH, or the component's `scratchPath` (a Knative pod's /var/tmp). */
  scratch?: string;
  /** nginx: every listener of its server blocks, for the start-up shell that adds their IPv6
   *  `listen` lines where the container has IPv6 (patterns/startup.ts). */
  binds?: Bind[];
}

/** Where a container ddp runs keeps pid and temp files: its scratch emptyDir (a tmpfs in compose). */
export const DEFAULT_SCRATCH = '/tmp';

/** A file only the user can supply (TLS keys, secret values): compose reads it through `secrets:`. */
export interface SuppliedFile {
  /** the Kubernetes Secret it belongs to (a TLS key or certificate, a secret env value) */
  secret?: string;
  /** or the user's ConfigMap an env value comes from: compose reads the value from an env file */
  configMap?: string;
  key: string; // key inside it, e.g. tls.crt
  /** relative to OUT/compose, e.g. secrets/web-tls/tls.crt; none: Kubernetes alone reads it (an Ingress's TLS Secret) */
  composePath?: string;
  why: string;
  /** a value compose reads from an env file (composePath, KEY=value lines): the variable */
  env?: string;
  /** a file compose mounts as it is: the uid of the container that reads it */
  readBy?: number;
}

export const CONFIG_EXT: Record<ConfigFile['target'], string> = {
  nginx: 'conf',
  varnish: 'vcl',
  twemproxy: 'yml',
  'fluent-bit': 'conf',
};

/** Output path of a config file, relative to OUT. */
export const configPath = (c: Pick<ConfigFile, 'target' | 'name'>): string => `${c.target}/${c.name}.${CONFIG_EXT[c.target]}`;
/** The ConfigMap holding a config file. */
export const configMapName = (c: Pick<ConfigFile, 'name' | 'target'>): string => `${c.name}-${c.target === 'fluent-bit' ? 'fluentbit' : c.target}`;
