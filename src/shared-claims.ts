// A persistent volume outside a StatefulSet is one PersistentVolumeClaim, `<component>-<volume>`.
// ReadWriteOnce (the default) lets one node mount it: a Deployment or Job with more than one pod
// shares it, and every pod scheduled on another node (ddp spreads a replicated service's pods over
// nodes) waits for ever (FailedAttachVolume, Multi-Attach error). The API server accepts all of it; the pods
// just never start. A StatefulSet's claims are per pod (volumeClaimTemplates): never shared. (A
// Deployment with such a claim is updated Recreate, not rolling: targets/kubernetes.ts.)
import { error, type Diagnostic } from './diagnostics.js';
import { isYours, type Component, type Model, type Unit } from './model.js';
import { dotted } from './topology/schema.js';

/** The most pods of the component that may run at once (and so mount its claims at once). */
export function maxPods(c: Component): number {
  if (c.workload === 'Deployment') return c.autoscale?.max ?? c.scaler?.max ?? c.replicas;
  if (c.workload === 'Job') return c.scaler?.max ?? c.job?.parallelism ?? 1;
  if (c.workload === 'CronJob') return c.cron?.concurrencyPolicy === 'Allow' ? 2 : 1; // runs overlap only when allowed to
  return 1; // a StatefulSet's claims are its pods' own
}

export function sharedClaims(model: Model): Diagnostic[] {
  // the same volume in several components alike (the shards of hot sharding): said once
  const seen = new Set<string>();
  return model.units.flatMap((unit) => unit.components.flatMap((c) => componentClaims(unit, c))).filter((d) => !seen.has(d.pointer!) && seen.add(d.pointer!));
}

function componentClaims(unit: Unit, c: Component): Diagnostic[] {
  if (c.workload === 'StatefulSet') return [];
  const pods = maxPods(c);
  if (pods <= 1) return [];
  return c.pod.volumes
    .filter((v) => v.persistent && (v.persistent.accessMode ?? 'ReadWriteOnce') === 'ReadWriteOnce')
    .map((v) => {
      const pointer = isYours(v.origin) ? v.origin.yours : unit.pointer;
      return error('shared-claim', `volume \`${v.name}\` is one ReadWriteOnce PersistentVolumeClaim, \`${c.name}-${v.name}\`, shared by up to ${pods} pods of ${c.name}${c.workload === 'CronJob' ? ' (runs that overlap: concurrencyPolicy Allow)' : ''}: one node at a time mounts it, so pods scheduled on other nodes never start (Multi-Attach)`, {
        pointer,
        hint: `set \`accessMode: ReadWriteMany\` on ${dotted(pointer)} (your storage class must offer it: NFS, CephFS, EFS, ...), run one pod, or use an emptyDir for scratch data`,
      });
    });
}
