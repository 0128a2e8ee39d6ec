// Availability of replicated workloads: a PodDisruptionBudget and a spread over nodes for two or
// more replicas, and no fixed `replicas` beside an autoscaler (each apply would reset the scale).
import { getPath } from '../kubernetes-schema.js';
import { autoscalers, podOf, pods, replicasOf, SELECTABLE, selectedPods, workloadKey } from '../pods.js';
import { isObj, type K8sObject, type LintContext, type Rule, type RuleHit } from '../types.js';

const REPLICATED = new Set(['apps/v1 Deployment', 'apps/v1 StatefulSet', 'apps/v1 ReplicaSet']);

/** Workloads that run two or more replicas (fixed, or as their autoscaler's minimum). */
function replicated(ctx: LintContext): { o: K8sObject; replicas: number }[] {
  const scaled = autoscalers(ctx.objects);
  const out: { o: K8sObject; replicas: number }[] = [];
  for (const o of ctx.objects) {
    if (!REPLICATED.has(workloadKey(o))) continue;
    const s = scaled.find((x) => x.target === o);
    const n = s ? Math.max(s.min, 1) : replicasOf(o).replicas;
    if (n >= 2) out.push({ o, replicas: n });
  }
  return out;
}

export const pdb: Rule = {
  id: 'pdb',
  severity: 'warning',
  description: 'a workload with two or more replicas has a PodDisruptionBudget',
  applies: ['kubernetes'],
  check(ctx) {
    // the workloads some budget covers, by the labels their pods carry (the template's and those
    // the controller adds: pod-template-hash, ...); budget by budget through the pod index, not
    // every budget for every workload
    const all = pods(ctx.objects);
    const covered = new Set<K8sObject>();
    for (const b of ctx.objects) {
      if (b.kind !== 'PodDisruptionBudget' || !b.apiVersion.startsWith('policy/')) continue;
      for (const p of selectedPods(all, b.namespace, getPath(b.data, ['spec', 'selector']), SELECTABLE)) covered.add(p.object);
    }
    const out: RuleHit[] = [];
    for (const { o, replicas } of replicated(ctx)) {
      if (!podOf(o) || covered.has(o)) continue;
      out.push({
        target: o,
        path: replicasOf(o).explicit ? ['spec', 'replicas'] : ['spec'],
        message: `runs ${replicas} replicas but no PodDisruptionBudget covers its pods: a node drain may take them all down at once`,
        hint: 'add a PodDisruptionBudget (policy/v1) with maxUnavailable: 1 and a selector equal to the pod template\'s labels',
      });
    }
    return out;
  },
};

export const topologySpread: Rule = {
  id: 'topology-spread',
  severity: 'warning',
  description: 'a workload with two or more replicas spreads them over nodes (topologySpreadConstraints or pod anti-affinity)',
  applies: ['kubernetes'],
  check(ctx) {
    const out: RuleHit[] = [];
    for (const { o, replicas } of replicated(ctx)) {
      const pod = podOf(o);
      if (!pod) continue;
      const spread = pod.spec.topologySpreadConstraints;
      const anti = getPath(pod.spec, ['affinity', 'podAntiAffinity']);
      if ((Array.isArray(spread) && spread.length > 0) || isObj(anti)) continue;
      out.push({
        target: o,
        path: pod.specPath,
        message: `runs ${replicas} replicas with no topologySpreadConstraints or pod anti-affinity: they may all land on one node`,
        hint: 'add topologySpreadConstraints: [{ maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: { matchLabels: <pod labels> } }]',
      });
    }
    return out;
  },
};

export const hpaReplicas: Rule = {
  id: 'hpa-replicas',
  severity: 'error',
  description: 'a workload scaled by an HPA or a KEDA ScaledObject sets no `replicas`',
  applies: ['kubernetes'],
  check(ctx) {
    const out: RuleHit[] = [];
    for (const { scaler, target } of autoscalers(ctx.objects)) {
      if (!target || !replicasOf(target).explicit) continue;
      out.push({
        target,
        path: ['spec', 'replicas'],
        message: `sets replicas: ${replicasOf(target).replicas} but ${scaler.kind}/${scaler.name} scales it: every apply resets the scale the autoscaler chose`,
        hint: `remove spec.replicas and let ${scaler.kind}/${scaler.name} own the replica count`,
      });
    }
    return out;
  },
};

export const rules: Rule[] = [pdb, topologySpread, hpaReplicas];
