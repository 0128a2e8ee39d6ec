// What Knative Serving's webhook refuses in a revision (knative/serving pkg/apis/serving,
// k8s_validation.go), checked on a function with `runtime: knative` before anything is generated:
// a Knative Service that the webhook refuses is never created, and `kubectl apply` says why only
// then, one problem at a time.
import { error, type Diagnostic } from '../diagnostics.js';
import type { Function as FunctionService } from '../generated/topology.js';

type Check = Omit<Diagnostic, 'file' | 'line' | 'col'>;
const err = (code: string, message: string, ptr: string, hint?: string): Check => error(code, message, { pointer: ptr, ...(hint ? { hint } : {}) });

/** Environment variables Knative sets in the user container itself. */
export const KNATIVE_RESERVED_ENV = ['PORT', 'K_SERVICE', 'K_CONFIGURATION', 'K_REVISION'];

/** The checks of a function with `runtime: knative` (functionChecks in semantic.ts calls this only then). */
export function knativeChecks(svc: FunctionService, base: string): Check[] {
  const out: Check[] = [];
  for (const e of Object.keys(svc.env ?? {}).sort()) {
    if (KNATIVE_RESERVED_ENV.includes(e)) out.push(err('knative-reserved-env', `Knative sets ${e} itself and rejects a revision that sets it`, `${base}/env/${e}`, `rename ${e}`));
  }
  for (const [v, spec] of Object.entries(svc.volumes ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (spec.type === 'persistent') out.push(err('knative-volume', `Knative revisions take no persistent volumes; \`${v}\` is one`, `${base}/volumes/${v}`, 'use `type: emptyDir`, or `runtime: deployment`'));
  }
  return out;
}
