// What the schema cannot say of `imagePullSecrets`, `serviceAccountName`,
// `automountServiceAccountToken`, `nodeSelector` and `tolerations` (src/patterns/placement.ts):
// the API server's rules for a toleration, a pull secret named twice, a token without an
// account, and what Knative takes only behind a feature flag.
import { error, pointer, warning, type Diagnostic } from '../diagnostics.js';
import type { DdpTopologyDdpV1 as Topology, PodPlacement } from '../generated/topology.js';
import { placementOf, placementPlaces } from '../patterns/placement.js';

type Check = Omit<Diagnostic, 'file' | 'line' | 'col'>;

export function placementChecks(t: Topology): Check[] {
  const out: Check[] = [];
  const places = placementPlaces(t);
  for (const [base, p] of places) {
    p?.tolerations?.forEach((x, i) => out.push(...tolerationChecks(x, `${base}/tolerations/${i}`)));
    out.push(...duplicateSecrets(p?.imagePullSecrets, `${base}/imagePullSecrets`));
  }
  // a token without an account: checked where it takes effect, reported once where it is written
  const seen = new Set<string>();
  for (const [base, p] of places.slice(1)) {
    const eff = placementOf(t.defaults, p);
    if (eff.automountServiceAccountToken !== true || eff.serviceAccountName !== undefined) continue;
    const at = p?.automountServiceAccountToken !== undefined ? `${base}/automountServiceAccountToken` : '/defaults/automountServiceAccountToken';
    if (seen.has(at)) continue;
    seen.add(at);
    out.push(error('token-without-account', `automountServiceAccountToken: true needs a serviceAccountName: without one the pods would get the token of the namespace's \`default\` service account`, { pointer: at, hint: 'add `serviceAccountName: <your ServiceAccount>` beside it (or at `defaults`), or remove `automountServiceAccountToken`' }));
  }
  for (const [name, svc] of Object.entries(t.services).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (svc.pattern !== 'function' || svc.runtime !== 'knative') continue;
    const eff = placementOf(t.defaults, svc);
    const base = pointer('services', name);
    for (const [field, flag] of [['nodeSelector', 'kubernetes.podspec-nodeselector'], ['tolerations', 'kubernetes.podspec-tolerations']] as const) {
      const v = eff[field];
      if (v === undefined || Object.keys(v).length === 0) continue;
      const at = svc[field] !== undefined ? `${base}/${field}` : `/defaults/${field}`;
      out.push(warning('knative-feature-flag', `${name} runs on Knative, which rejects a revision with \`${field}\` unless the cluster turns on ${flag} (config-features in knative-serving; off by default)`, { pointer: at, hint: `turn on ${flag} in the config-features ConfigMap, or give ${name} \`${field}: ${field === 'nodeSelector' ? '{}' : '[]'}\` to leave it out` }));
    }
  }
  return out;
}

/** The API server's ValidateTolerations: an empty key only with Exists, no value with Exists,
 *  tolerationSeconds only for NoExecute. */
export function tolerationChecks(x: NonNullable<PodPlacement['tolerations']>[number], ptr: string): Check[] {
  const out: Check[] = [];
  const op = x.operator ?? 'Equal';
  if ((x.key ?? '') === '' && op !== 'Exists') {
    out.push(error('bad-toleration', 'a toleration without `key` matches every taint, and Kubernetes takes that only with `operator: Exists`', { pointer: x.operator !== undefined ? `${ptr}/operator` : ptr, hint: 'add `key: <taint key>`, or write `operator: Exists` to tolerate every taint' }));
  }
  if (op === 'Exists' && x.value !== undefined && x.value !== '') {
    out.push(error('bad-toleration', `a toleration with \`operator: Exists\` matches any value, and Kubernetes refuses one with \`value\` (${JSON.stringify(x.value)})`, { pointer: `${ptr}/value`, hint: 'remove `value`, or use `operator: Equal`' }));
  }
  if (x.tolerationSeconds !== undefined && x.effect !== 'NoExecute') {
    out.push(error('bad-toleration', `tolerationSeconds says how long a pod stays on a node after a NoExecute taint appears; Kubernetes refuses it with ${x.effect === undefined ? 'no `effect`' : `\`effect: ${x.effect}\``}`, { pointer: `${ptr}/tolerationSeconds`, hint: 'add `effect: NoExecute`, or remove `tolerationSeconds`' }));
  }
  return out;
}

function duplicateSecrets(names: string[] | undefined, ptr: string): Check[] {
  const out: Check[] = [];
  names?.forEach((n, i) => {
    if (names.indexOf(n) !== i) out.push(error('duplicate-name', `imagePullSecrets names \`${n}\` twice`, { pointer: `${ptr}/${i}`, hint: 'remove the second one' }));
  });
  return out;
}
