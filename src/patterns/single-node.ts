// Single-node patterns attached to any service's main pod (book ch. 2-4, 9): sidecars,
// ambassadors, adapters, ownership election. This file wires them into a component.
import type { Component, Unit } from '../model.js';
import type { Context } from './context.js';
import type { SingleNode } from '../generated/topology.js';
import { containerFrom } from './containers.js';

/** Attach the service's sidecars, ambassadors, adapters and election to `component`'s pod. */
export function applySingleNode(unit: Unit, component: Component, svc: SingleNode, ctx: Context, pointer: string): void {
  void unit; void pointer;
  for (const s of svc.sidecars ?? []) {
    if (s.kind === 'tls') continue; // TODO(issue 4): built-in TLS sidecar
    if (!s.image) continue;
    component.pod.containers.push(containerFrom(ctx, s, { name: s.name, role: 'sidecar', noProbes: s.health === undefined }));
    if (s.shareProcessNamespace) component.pod.shareProcessNamespace = true;
  }
}
