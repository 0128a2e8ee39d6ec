// References between objects: selectors that match their pods, Services that target something,
// StatefulSets with a headless governing Service, Jobs that clean up after themselves.
import { getPath, knownKind, selectorMatches } from '../kubernetes-schema.js';
import { askedLabels, containersOf, podLabels, podOf, pods, SELECTABLE, selectedElsewhere, selectedPods, type PodRef } from '../pods.js';
import { isObj, type K8sObject, type LintContext, type Rule, type RuleHit } from '../types.js';

const fmtLabels = (m: Record<string, unknown>) => Object.entries(m).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');

/** Is there a `key: value` pair anywhere in `node` (metadata.labels, spec.podMetadata.labels, ...)? */
function hasPair(node: unknown, key: string, value: string, depth = 0): boolean {
  if (typeof node !== 'object' || node === null || depth > 10) return false;
  if (!Array.isArray(node) && (node as Record<string, unknown>)[key] === value) return true;
  return Object.values(node).some((v) => hasPair(v, key, value, depth + 1));
}

/**
 * Is there, in the namespace, a custom resource ddp does not know whose operator may make the pods
 * `selector` names (kube-prometheus's Alertmanager)? No pod template in the manifests shows such
 * pods, so a selector that matches none proves nothing. Operators label their pods with the
 * resource's name (alertmanager: main, cnpg.io/cluster: pg) or with labels the resource carries;
 * a resource that shares neither with the selector (an HTTPRoute, a ServiceMonitor) makes no
 * difference.
 */
function operatorMayMakePods(ctx: LintContext, namespace: string, selector: unknown): boolean {
  const asked = askedLabels(selector);
  return ctx.objects.some((o) => o.namespace === namespace && !knownKind(o.apiVersion, o.kind) && asked.some(([k, v]) => v === o.name || hasPair(o.data, k, v)));
}

/** Per namespace: `namespace shop (Deployment/api)`, or `the namespace kubectl applies them to (Deployment/api sets none)`. */
function whereObjects(objects: readonly K8sObject[]): string {
  const byNamespace = new Map<string, Set<string>>();
  for (const o of objects) byNamespace.set(o.namespace, (byNamespace.get(o.namespace) ?? new Set()).add(`${o.kind}/${o.name}`));
  return [...byNamespace]
    .map(([ns, names]) => (ns ? `namespace ${ns} (${[...names].join(', ')})` : `the namespace kubectl applies them to (${[...names].join(', ')} set${names.size === 1 ? 's' : ''} none)`))
    .join('; ');
}

/** The end of a finding about objects in another namespace than `o`, and the hint. */
function otherNamespace(o: K8sObject, others: readonly K8sObject[], what: string): { message: string; hint: string } {
  const ns = others.find((x) => x.namespace !== '')?.namespace;
  const why = `a ${o.kind} sees only its own namespace`;
  return {
    message: `${whereObjects(others)}, and this ${o.kind} ${o.namespace ? `is in namespace ${o.namespace}` : 'sets no namespace'}`,
    hint: ns && !o.namespace ? `set metadata.namespace: ${ns} (${why})` : `put this ${o.kind} and ${what} in one namespace (metadata.namespace): ${why}`,
  };
}

const workloadsOf = (selected: readonly PodRef[]) => selected.map((p) => p.object);

export const selectorMatch: Rule = {
  id: 'selector-match',
  severity: 'error',
  description: 'a workload\'s selector matches its pod template; a PodDisruptionBudget selects some pods',
  applies: ['kubernetes'],
  check(ctx) {
    const out: RuleHit[] = [];
    // workloads: the API server rejects a mismatch (the schema check marks it; see lint.ts);
    // here: PodDisruptionBudgets, which the API server accepts even when they protect nothing
    const all = pods(ctx.objects);
    for (const b of ctx.objects) {
      if (b.kind !== 'PodDisruptionBudget' || !b.apiVersion.startsWith('policy/')) continue;
      const selector = getPath(b.data, ['spec', 'selector']);
      if (!isObj(selector)) continue;
      if (selectedPods(all, b.namespace, selector, SELECTABLE).length || operatorMayMakePods(ctx, b.namespace, selector)) continue;
      const labels = isObj(selector.matchLabels) ? fmtLabels(selector.matchLabels) : 'its matchExpressions';
      const elsewhere = workloadsOf(selectedElsewhere(all, b.namespace, selector, SELECTABLE));
      if (elsewhere.length) {
        const { message, hint } = otherNamespace(b, elsewhere, 'the workload it protects');
        out.push({ target: b, path: ['spec', 'selector'], message: `selects no pods in its namespace: the pods with ${labels} are in ${message}`, hint });
        continue;
      }
      out.push({
        target: b,
        path: ['spec', 'selector'],
        message: `selects no pods: no workload in the linted manifests has ${labels}`,
        hint: 'make spec.selector equal to the pod template labels of the workload it protects',
      });
    }
    return out;
  },
};

export const serviceTargets: Rule = {
  id: 'service-targets',
  severity: 'error',
  description: 'a Service selects some pods, and its named target ports exist on them',
  applies: ['kubernetes'],
  check(ctx) {
    const out: RuleHit[] = [];
    const all = pods(ctx.objects);
    for (const svc of ctx.objects) {
      if (svc.kind !== 'Service' || svc.apiVersion !== 'v1') continue;
      const selector = getPath(svc.data, ['spec', 'selector']);
      if (getPath(svc.data, ['spec', 'type']) === 'ExternalName' || !isObj(selector) || Object.keys(selector).length === 0) continue;
      const selected = selectedPods(all, svc.namespace, selector, SELECTABLE);
      if (!selected.length) {
        if (operatorMayMakePods(ctx, svc.namespace, selector)) continue;
        const elsewhere = workloadsOf(selectedElsewhere(all, svc.namespace, selector, SELECTABLE));
        if (elsewhere.length) {
          const { message, hint } = otherNamespace(svc, elsewhere, 'the workload it fronts');
          out.push({ target: svc, path: ['spec', 'selector'], message: `targets nothing in its namespace: the pods with ${fmtLabels(selector)} are in ${message}`, hint });
          continue;
        }
        out.push({
          target: svc,
          path: ['spec', 'selector'],
          message: `targets nothing: no pod template in the linted manifests has the labels ${fmtLabels(selector)}`,
          hint: 'make spec.selector a subset of the pod template labels of the workload it fronts (or lint that workload\'s file too)',
        });
        continue;
      }
      const ports = getPath(svc.data, ['spec', 'ports']);
      (Array.isArray(ports) ? ports : []).forEach((p, i) => {
        if (!isObj(p) || typeof p.targetPort !== 'string') return;
        const named = selected.some((pod) => containersOf(pod, { init: false }).some((c) => Array.isArray(c.container.ports) && c.container.ports.some((cp) => isObj(cp) && cp.name === p.targetPort)));
        if (!named) {
          out.push({
            target: svc,
            path: ['spec', 'ports', i, 'targetPort'],
            message: `port ${String(p.name ?? p.port)} targets the named port \`${p.targetPort}\`, which no selected container declares`,
            hint: `name a container port \`${p.targetPort}\`, or use the container port number`,
          });
        }
      });
    }
    return out;
  },
};

export const statefulSetService: Rule = {
  id: 'statefulset-service',
  severity: 'error',
  description: 'a StatefulSet names a headless Service (clusterIP: None) that selects its pods',
  applies: ['kubernetes'],
  check(ctx) {
    const out: RuleHit[] = [];
    for (const sts of ctx.objects) {
      if (sts.kind !== 'StatefulSet' || sts.apiVersion !== 'apps/v1') continue;
      const name = getPath(sts.data, ['spec', 'serviceName']);
      const hint = 'set spec.serviceName to a Service with clusterIP: None whose selector matches the pods: it gives each pod its stable DNS name <pod>.<service>';
      if (typeof name !== 'string' || name === '') {
        out.push({ target: sts, path: ['spec'], message: 'has no serviceName: its pods get no stable DNS names', hint });
        continue;
      }
      const named = ctx.objects.filter((o) => o.kind === 'Service' && o.apiVersion === 'v1' && o.name === name);
      const svc = named.find((o) => o.namespace === sts.namespace);
      if (!svc && named.length) {
        const where = otherNamespace(sts, named, `Service/${name}`);
        out.push({ target: sts, path: ['spec', 'serviceName'], message: `serviceName \`${name}\` names no Service in its namespace: there is one in ${where.message}`, hint: where.hint });
        continue;
      }
      if (!svc) {
        out.push({ target: sts, path: ['spec', 'serviceName'], message: `serviceName \`${name}\` names no Service in the linted manifests`, hint });
        continue;
      }
      if (getPath(svc.data, ['spec', 'clusterIP']) !== 'None') {
        out.push({ target: sts, path: ['spec', 'serviceName'], message: `serviceName \`${name}\` is not a headless Service (Service/${name} has no clusterIP: None)`, hint: `set spec.clusterIP: None on Service/${name} (or name a headless Service)` });
        continue;
      }
      const pod = podOf(sts);
      const selector = getPath(svc.data, ['spec', 'selector']);
      if (pod && !selectorMatches(selector, podLabels(pod, selector))) {
        out.push({ target: sts, path: ['spec', 'serviceName'], message: `serviceName \`${name}\`: Service/${name} does not select this StatefulSet's pods`, hint: `make Service/${name}'s selector a subset of the pod template labels` });
      }
    }
    return out;
  },
};

export const jobTtl: Rule = {
  id: 'job-ttl',
  severity: 'warning',
  description: 'a Job sets ttlSecondsAfterFinished, so finished Jobs and their pods are cleaned up',
  applies: ['kubernetes'],
  check(ctx) {
    return ctx.objects
      .filter((o) => o.kind === 'Job' && o.apiVersion === 'batch/v1' && getPath(o.data, ['spec', 'ttlSecondsAfterFinished']) === undefined)
      .map((o) => ({
        target: o,
        path: ['spec'],
        message: 'has no ttlSecondsAfterFinished: the finished Job and its pods stay until someone deletes them',
        hint: 'set spec.ttlSecondsAfterFinished (e.g. 3600) long enough to read the logs',
      }));
  },
};

export const rules: Rule[] = [selectorMatch, serviceTargets, statefulSetService, jobTtl];
