// `decorates` (book ch. 8, the decorator function): a function in front of another service. The
// decorated service's outermost layer — its Ingress, or its TLS layer's upstream — sends traffic
// to the function, and the function reaches the service through UPSTREAM_URL
// (src/patterns/function.ts). Each serving pattern asks `decoratorOf` where its front should point.
import type { Function as FunctionService } from '../generated/topology.js';
import type { AnyService, Context, Topology } from './context.js';
import { mainPort } from './containers.js';

/** A Service name and port (Service port = container port). */
export interface Address {
  name: string;
  port: number;
}

/** Where an http function listens when it names no port. */
export const FUNCTION_PORT = 8080;

export const functionPort = (fn: FunctionService): number => mainPort(fn) ?? FUNCTION_PORT;

// target → decorating function, built once per topology (a scan per service is quadratic)
const index = new WeakMap<Topology, Map<string, Address>>();

/** The function that decorates service `name`, if any (the semantic checks allow at most one). */
export function decoratorOf(ctx: Pick<Context, 'topology'>, name: string): Address | undefined {
  let byTarget = index.get(ctx.topology);
  if (!byTarget) {
    byTarget = new Map();
    const services = ctx.topology.services as Record<string, AnyService>;
    for (const fn of Object.keys(services).sort()) {
      const s = services[fn];
      if (s.pattern === 'function' && s.decorates !== undefined && !byTarget.has(s.decorates)) byTarget.set(s.decorates, { name: fn, port: functionPort(s) });
    }
    index.set(ctx.topology, byTarget);
  }
  return byTarget.get(name);
}
