// Where pods run and as whom (Kubernetes only): `imagePullSecrets`, `serviceAccountName`,
// `automountServiceAccountToken`, `nodeSelector` and `tolerations`, at `defaults` for every pod
// and at a service or pipeline for its own pods; a field there replaces the default whole.
// Pull secrets, node selector and tolerations go on every pod of the unit, ddp's proxies and
// brokers included (they run beside your pods and pull from registries too); the service account
// only on the pods that run your images: ddp's proxies need no identity of yours.
import type { PodPlacement } from '../generated/topology.js';
import type { Unit } from '../model.js';
import type { Topology } from './context.js';
import { pointer, type Diagnostic } from '../diagnostics.js';
import { dotted } from '../topology/schema.js';

export const PLACEMENT_KEYS = ['imagePullSecrets', 'serviceAccountName', 'automountServiceAccountToken', 'nodeSelector', 'tolerations'] as const;

/** The fields of `own` (a service or pipeline), else of `defaults`. */
export function placementOf(defaults: PodPlacement | undefined, own: PodPlacement | undefined): PodPlacement {
  const out: Record<string, unknown> = {};
  for (const k of PLACEMENT_KEYS) {
    const v = own?.[k] ?? defaults?.[k];
    if (v !== undefined) out[k] = v;
  }
  return out as PodPlacement;
}

/** The placement fields that compose cannot honour, as written (for `generate`'s report). */
export function kubernetesOnlyFields(p: PodPlacement): (typeof PLACEMENT_KEYS)[number][] {
  return PLACEMENT_KEYS.filter((k) => {
    const v = p[k];
    return Array.isArray(v) ? v.length > 0 : v !== null && typeof v === 'object' ? Object.keys(v).length > 0 : v !== undefined && v !== false;
  });
}

/** Put the placement on every pod of the unit (the service account on the pods of your images). */
export function applyPlacement(unit: Unit, p: PodPlacement): void {
  for (const c of unit.components) {
    const pod = c.pod;
    if (p.imagePullSecrets?.length) pod.imagePullSecrets = [...p.imagePullSecrets];
    if (p.nodeSelector && Object.keys(p.nodeSelector).length) pod.nodeSelector = { ...p.nodeSelector };
    if (p.tolerations?.length) pod.tolerations = p.tolerations.map((t) => ({ ...t }));
    if (p.serviceAccountName && pod.containers[0]?.role === 'main') {
      pod.userServiceAccount = { name: p.serviceAccountName, automountToken: p.automountServiceAccountToken ?? false };
    }
  }
}

const COMPOSE_WHY: Record<(typeof PLACEMENT_KEYS)[number], string> = {
  imagePullSecrets: 'compose pulls with the credentials of `docker login`',
  serviceAccountName: 'compose has no Kubernetes API and no service accounts',
  automountServiceAccountToken: 'compose has no Kubernetes API and no service accounts',
  nodeSelector: 'compose runs every service on one machine',
  tolerations: 'compose runs every service on one machine',
};

/** Where placement fields are written: `defaults` first, then each service and pipeline (by name), with their JSON pointers. */
export function placementPlaces(topology: Topology): [string, PodPlacement | undefined][] {
  const places: [string, PodPlacement | undefined][] = [['/defaults', topology.defaults]];
  for (const [kind, map] of [['services', topology.services], ['pipelines', topology.pipelines ?? {}]] as const) {
    for (const name of Object.keys(map).sort()) places.push([pointer(kind, name), (map as Record<string, PodPlacement>)[name]]);
  }
  return places;
}

const info = (code: string, message: string, extra: Partial<Diagnostic>): Diagnostic => ({ severity: 'info', code, message, ...extra });

/** One `compose-kubernetes-only` note for `defaults` and for each service or pipeline that sets
 *  placement fields of its own: compose has none of them, and `generate` says so. */
export function placementNotes(topology: Topology): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [ptr, p] of placementPlaces(topology)) {
    const fields = p ? kubernetesOnlyFields(p) : [];
    if (!fields.length) continue;
    const why = [...new Set(fields.map((f) => COMPOSE_WHY[f]))].join('; ');
    const where = ptr === '/defaults' ? 'defaults' : dotted(ptr);
    // (info, as compose-one-replica-per-shard: a fact of compose, not a topology compose runs worse)
    out.push(
      info('compose-kubernetes-only', `compose: ${fields.map((f) => `\`${f}\``).join(', ')} of ${where} ${fields.length === 1 ? 'applies' : 'apply'} to Kubernetes only (${why})`, {
        pointer: `${ptr}/${fields[0]}`,
        hint: fields.includes('imagePullSecrets') ? 'for compose, `docker login` to the registry before `docker compose up`' : 'nothing to do for compose; Kubernetes gets them',
      }),
    );
  }
  return out;
}
