// Single-node patterns attached to any service's main pod (book ch. 2-4, 9): sidecars,
// ambassadors, adapters, ownership election. This file wires them into a component; each lives
// in src/patterns/single-node/<kind>.ts.
//
// Call it once the component's workload is set: for Jobs and CronJobs every attached container
// becomes a Kubernetes native sidecar (initContainers, restartPolicy: Always), so none of them
// keeps a finished batch pod alive.
import type { Component, Unit } from '../model.js';
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
  applyAdapters(unit, component, svc.adapters, ctx);
  if (svc.election) applyElection(unit, component, svc.election, ctx, pointer);
}
