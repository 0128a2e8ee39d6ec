// What every pattern's expand function receives: the whole (validated, overlaid) topology and
// the shared defaults, plus places to leave notes for `generate`'s report.
import type { Diagnostic } from '../diagnostics.js';
import type { SuppliedFile, Resources } from '../model.js';
import type { DdpTopologyDdpV1 as Topology, Service1 as AnyService } from '../generated/topology.js';

export type { Topology, AnyService };

export interface Context {
  topology: Topology;
  name: string;
  namespace: string;
  defaults: { resources: Resources; imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never'; runAsUser: number };
  notes: Diagnostic[];
  supplied: SuppliedFile[];
}

export const BUILTIN_RESOURCES: Resources = { cpu: '100m', memory: '128Mi', cpuLimit: '500m', memoryLimit: '256Mi' };
export const DEFAULT_RUN_AS_USER = 10001;

export function makeContext(topology: Topology): Context {
  const d = topology.defaults ?? {};
  return {
    topology,
    name: topology.metadata.name,
    namespace: topology.metadata.namespace ?? topology.metadata.name,
    defaults: {
      resources: { ...BUILTIN_RESOURCES, ...stringify(d.resources ?? {}) },
      imagePullPolicy: d.imagePullPolicy ?? 'IfNotPresent',
      runAsUser: d.runAsUser ?? DEFAULT_RUN_AS_USER,
    },
    notes: [],
    supplied: [],
  };
}

const suppliedIndex = new WeakMap<SuppliedFile[], { keys: Set<string>; length: number }>();

/**
 * Record a file only the user can supply (a TLS key, a secret value), once per secret and key.
 * Constant time: a topology may have thousands of TLS layers, and a scan per layer is quadratic.
 */
export function supply(ctx: Pick<Context, 'supplied'>, file: SuppliedFile): void {
  let index = suppliedIndex.get(ctx.supplied);
  if (!index || index.length !== ctx.supplied.length) {
    // first use, or entries pushed directly: index what is there
    index = { keys: new Set(ctx.supplied.map((s) => `${s.secret}\0${s.key}`)), length: ctx.supplied.length };
    suppliedIndex.set(ctx.supplied, index);
  }
  const key = `${file.secret}\0${file.key}`;
  if (index.keys.has(key)) return;
  index.keys.add(key);
  ctx.supplied.push(file);
  index.length = ctx.supplied.length;
}

/** Look up a service by name without falling into Object.prototype. */
export function serviceNamed(ctx: Context, name: string): AnyService | undefined {
  const services = ctx.topology.services as Record<string, AnyService>;
  return Object.prototype.hasOwnProperty.call(services, name) ? services[name] : undefined;
}

function stringify(r: object): Partial<Resources> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r)) if (v !== undefined) out[k] = String(v);
  return out as Partial<Resources>;
}
