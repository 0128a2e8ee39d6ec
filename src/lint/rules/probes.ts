// Probes: containers behind a Service need readiness (so traffic waits for them) and liveness
// (so a hung one restarts), and the two must differ (or a slow moment restarts a healthy pod).
import { getPath } from '../kubernetes-schema.js';
import { containersOf, pods, sameJson, selectedPods, type ContainerRef } from '../pods.js';
import { isObj, type Rule, type RuleHit } from '../types.js';

/** Containers of pods selected by some Service that expose one of its target ports. */
function servedContainers(ctx: Parameters<Rule['check']>[0]): Map<ContainerRef['container'], ContainerRef> {
  const all = pods(ctx.objects);
  const out = new Map<ContainerRef['container'], ContainerRef>();
  for (const svc of ctx.objects) {
    if (svc.kind !== 'Service' || svc.apiVersion !== 'v1') continue;
    const selector = getPath(svc.data, ['spec', 'selector']);
    if (!isObj(selector) || Object.keys(selector).length === 0 || getPath(svc.data, ['spec', 'type']) === 'ExternalName') continue;
    const ports = getPath(svc.data, ['spec', 'ports']);
    const targets = (Array.isArray(ports) ? ports : []).filter(isObj).map((p) => p.targetPort ?? p.port);
    for (const pod of selectedPods(all, svc.namespace, selector)) {
      const cs = containersOf(pod, { init: false });
      const exposing = cs.filter((c) => {
        const cp = Array.isArray(c.container.ports) ? c.container.ports.filter(isObj) : [];
        return cp.some((p) => targets.some((t) => (typeof t === 'string' ? p.name === t : p.containerPort === t)));
      });
      for (const c of exposing.length ? exposing : cs.slice(0, 1)) out.set(c.container, c);
    }
  }
  return out;
}

export const containerProbes: Rule = {
  id: 'container-probes',
  severity: 'warning',
  description: 'containers behind a Service have a readiness and a liveness probe',
  applies: ['kubernetes'],
  check(ctx) {
    const out: RuleHit[] = [];
    for (const c of servedContainers(ctx).values()) {
      const missing = ['readinessProbe', 'livenessProbe'].filter((k) => c.container[k] === undefined);
      if (!missing.length) continue;
      out.push({
        target: c.pod.object,
        path: c.path,
        message: `container \`${c.name}\` receives Service traffic but has no ${missing.join(' and no ')}`,
        hint: missing.includes('readinessProbe')
          ? 'add a readinessProbe (e.g. httpGet on its health path) so the Service sends traffic only to ready pods, and a different livenessProbe'
          : 'add a livenessProbe that differs from the readiness probe (e.g. tcpSocket with a longer period and a higher failureThreshold)',
      });
    }
    return out;
  },
};

export const probesIdentical: Rule = {
  id: 'probes-identical',
  severity: 'warning',
  description: 'a container\'s liveness probe differs from its readiness probe',
  applies: ['kubernetes'],
  check(ctx) {
    const out: RuleHit[] = [];
    for (const c of pods(ctx.objects).flatMap((p) => containersOf(p))) {
      const r = c.container.readinessProbe;
      if (r !== undefined && sameJson(r, c.container.livenessProbe)) {
        out.push({
          target: c.pod.object,
          path: [...c.path, 'livenessProbe'],
          message: `container \`${c.name}\` has identical readiness and liveness probes: a busy moment restarts it instead of only taking it out of the Service`,
          hint: 'make liveness more lenient than readiness: a cheaper check (tcpSocket), a longer periodSeconds and a higher failureThreshold',
        });
      }
    }
    return out;
  },
};

export const rules: Rule[] = [containerProbes, probesIdentical];
