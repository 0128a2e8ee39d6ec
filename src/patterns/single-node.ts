// Single-node patterns attached to any service's main pod (book ch. 2-4, 9): sidecars,
// ambassadors, adapters, ownership election. This file wires them into a component; each lives
// in src/patterns/single-node/<kind>.ts.
//
// Call it once the component's workload is set: for Jobs and CronJobs every attached container
// becomes a Kubernetes native sidecar (initContainers, restartPolicy: Always), so none of them
// keeps a finished batch pod alive.
import { composeReplicaName } from './naming.js';
import { attachedContainers, type Component, type Unit } from '../model.js';
import { warning } from '../diagnostics.js';
import type { Context } from './context.js';
import type { SingleNode } from '../generated/topology.js';
import { applySidecars } from './single-node/sidecars.js';
import { applyAmbassadors } from './single-node/ambassadors.js';
import { applyAdapters } from './single-node/adapters.js';
import { applyElection } from './single-node/election.js';

/** Attach the service's sidecars, ambassadors, adapters and election to `component`'s pod. */
export function applySingleNode(unit: Unit, component: Component, svc: SingleNode, ctx: Context, pointer: string): void {
  applySidecars(unit, component, svc, ctx, pointer);
  applyAmbassadors(unit, component, svc.ambassadors, ctx, pointer);
  applyAdapters(unit, component, svc.adapters, ctx, pointer);
  if (svc.election) applyElection(unit, component, svc.election, ctx, pointer);
  composeReplicasNote(component, svc, ctx, pointer);
}

/** compose runs each attached container as a service of its own on the network of one container
 *  of the component (`network_mode: service:<component>`): with several replicas, the others run
 *  without it. Kubernetes puts one in every pod; compose cannot, so it is said. */
function composeReplicasNote(c: Component, svc: SingleNode, ctx: Context, pointer: string): void {
  const replicas = c.compose.replicas ?? c.replicas;
  const attached = attachedContainers(c).filter((x) => !x.kubernetesOnly).map((x) => x.name);
  if (replicas <= 1 || attached.length === 0 || c.compose.skip) return;
  // behind a compose load balancer the replicas are `<name>-replica` (the balancer has the name)
  const main = c.compose.loadBalancer ? composeReplicaName(c.name) : c.name;
  ctx.notes.push(
    warning('compose-one-replica-attached', `compose: ${attached.map((n) => `\`${n}\``).join(', ')} ${attached.length === 1 ? 'joins' : 'join'} one of ${c.name}'s ${replicas} replicas (network_mode: service:${main}); the others run without ${attached.length === 1 ? 'it' : 'them'}`, {
      pointer: svc.sidecars?.length ? `${pointer}/sidecars` : svc.ambassadors?.length ? `${pointer}/ambassadors` : svc.adapters?.length ? `${pointer}/adapters` : pointer,
      hint: 'Kubernetes runs them in every pod; for a compose test of the pattern, run one replica (an environment overlay with replicas: 1)',
    }),
  );
}
