/**
 * Strict validation of Kubernetes manifests for tests.
 *
 *   validateKubernetes(docs) → string[]   (empty = valid)
 *
 * The validator itself lives in src/lint/kubernetes-schema.ts (promoted from this helper so that
 * `ddp lint` checks manifests exactly as the tests do): built-in kinds against the real API schemas
 * of `kubernetes-models` (bundled at build time into src/generated/k8s-schemas.js) including unknown
 * fields; KEDA, Knative and Kustomization with hand schemas plus the real schemas of the core
 * types they embed; names, labels and selectors checked as the API server does. Any other
 * apiVersion/kind is an error here. This module keeps its original API and adds the YAML parsing
 * and the kubernetes-models class lookup the tests use.
 */
import { createRequire } from 'node:module';
import { parseAllDocuments as yamlParseAllDocuments } from 'yaml';
import { validateKubernetes } from '../../src/lint/kubernetes-schema.js';

export {
  formatPath,
  isDns1123Label,
  isDns1035Label,
  isDns1123Subdomain,
  isQualifiedName,
  isLabelValue,
  selectorMatches,
  SUPPORTED_CRDS,
  validateKubernetes,
} from '../../src/lint/kubernetes-schema.js';

const require = createRequire(import.meta.url);

/**
 * Parses a multi-document YAML stream into plain JS values. Throws on any YAML error
 * (including duplicate keys), with line:col. Empty / null documents (e.g. after a trailing `---`)
 * are dropped, as kubectl does.
 */
export function parseAllDocuments(text: string): unknown[] {
  const docs = yamlParseAllDocuments(text, { prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const errors = list.flatMap((d) => d.errors.map((e) => e.message));
  if (errors.length) throw new Error(`YAML parse error:\n${errors.join('\n')}`);
  return list.map((d) => d.toJS({ maxAliasCount: 100 }) as unknown).filter((v) => v !== null && v !== undefined);
}

interface ModelClass {
  apiVersion?: string;
  kind?: string;
  prototype: { validate(this: unknown): void };
}

const modelCache = new Map<string, ModelClass | undefined>();

/**
 * The kubernetes-models class for `apiVersion`/`name` (a kind such as `Deployment`, or an embedded
 * type such as `PodSpec`), or undefined. `apiVersion` `v1` is the core group.
 */
export function kubernetesModel(apiVersion: string, name: string): ModelClass | undefined {
  const key = `${apiVersion}/${name}`;
  if (modelCache.has(key)) return modelCache.get(key);
  let cls: ModelClass | undefined;
  if (/^([a-z0-9][a-z0-9.-]*\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion) && /^[A-Z][A-Za-z0-9]*$/.test(name)) {
    try {
      const mod = require(`kubernetes-models/${apiVersion}/${name}`) as Record<string, ModelClass>;
      cls = mod[name];
    } catch {
      cls = undefined;
    }
  }
  modelCache.set(key, cls);
  return cls;
}

/** parseAllDocuments + validateKubernetes; YAML errors come back as lines too. */
export function validateKubernetesYaml(text: string): string[] {
  let docs: unknown[];
  try {
    docs = parseAllDocuments(text);
  } catch (e) {
    return [(e as Error).message];
  }
  return validateKubernetes(docs);
}

/** The pod template of a StatefulSet as each of its `replicas` pods is labelled: with the labels
 *  its controller adds (`statefulset.kubernetes.io/pod-name`, `apps.kubernetes.io/pod-index`),
 *  which a Service per pod selects by. */
export function statefulSetPods<T extends { metadata?: { labels?: Record<string, string> } }>(name: string, replicas: number, template: T): T[] {
  return Array.from({ length: replicas }, (_, i) => ({
    ...template,
    metadata: { ...template.metadata, labels: { ...template.metadata?.labels, 'statefulset.kubernetes.io/pod-name': `${name}-${i}`, 'apps.kubernetes.io/pod-index': String(i) } },
  }));
}
