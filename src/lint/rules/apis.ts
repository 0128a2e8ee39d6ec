// API versions: an object whose apiVersion and kind the API server no longer serves is refused,
// whatever it says (the table and its source: ../removed-apis.ts).
import { removedApi } from '../removed-apis.js';
import type { Rule, RuleHit } from '../types.js';

export const removedApiRule: Rule = {
  id: 'removed-api',
  severity: 'error',
  description: 'no object uses an apiVersion/kind the Kubernetes API server no longer serves (extensions/v1beta1 Deployment, batch/v1beta1 CronJob, ...)',
  applies: ['kubernetes'],
  check(ctx) {
    const out: RuleHit[] = [];
    for (const o of ctx.objects) {
      const r = removedApi(o.apiVersion, o.kind);
      if (!r) continue;
      out.push({
        target: o,
        path: ['apiVersion'],
        message: `${o.apiVersion} ${o.kind} was removed in Kubernetes ${r.removedIn}; the API server refuses it`,
        hint: r.hint ?? `use ${r.use} (kubectl convert, or edit apiVersion and check the fields that changed)`,
      });
    }
    return out;
  },
};

export const rules: Rule[] = [removedApiRule];
