// Shared by the batch-pattern tests (work-queue, pipeline, batch): generate a topology given as
// text in memory, pick objects out of the output, and read a container's environment.
import { parse as parseYaml } from 'yaml';
import { parseTopologyText } from '../../src/topology/load.js';
import { prepareLoaded, renderTargets, TARGETS } from '../../src/flow.js';
import type { Diagnostic } from '../../src/diagnostics.js';
import type { Model } from '../../src/model.js';
import type { OutputFile } from '../../src/output/files.js';
import { parseAllDocuments } from '../helpers/kubernetes.js';
import { prepareErrors } from '../helpers/topology.js';

export type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Generated {
  model: Model;
  files: OutputFile[];
  diagnostics: Diagnostic[];
}

export const HEAD = 'apiVersion: ddp/v1\nkind: Topology\nmetadata: { name: jobs }\n';

export async function generate(text: string, env?: string): Promise<Generated> {
  const prepared = await prepareLoaded(parseTopologyText(text, 'ddp.yaml'), env);
  const files = await renderTargets(prepared.model, TARGETS);
  return { model: prepared.model, files, diagnostics: prepared.diagnostics };
}

/** The diagnostics a topology fails with, on the generate path (throws if it does not fail). */
export const failures = (text: string): Promise<Diagnostic[]> => prepareErrors(text);

export function fileContent(files: OutputFile[], path: string): string {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`no output file ${path}; have ${files.map((x) => x.path).join(', ')}`);
  return f.content;
}

/** The Kubernetes objects of one output file (default: every Kubernetes file). */
export function kubeObjects(files: OutputFile[], path?: string): Obj[] {
  return files.filter((f) => f.target === 'kubernetes' && (path === undefined || f.path === path)).flatMap((f) => parseAllDocuments(f.content) as Obj[]);
}

export function kubeObject(files: OutputFile[], kind: string, name: string): Obj {
  const o = kubeObjects(files).find((x) => x.kind === kind && x.metadata?.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in the output`);
  return o;
}

export function composeDoc(files: OutputFile[]): Obj {
  return parseYaml(fileContent(files, 'compose/docker-compose.yml')) as Obj;
}

/** name → value of a Kubernetes container's plain `value` env entries. */
export function containerEnv(container: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of container.env ?? []) if (typeof e.value === 'string') out[e.name] = e.value;
  return out;
}

/** The pod spec of a Deployment, StatefulSet, Job or KEDA ScaledJob. */
export function podSpec(o: Obj): Obj {
  if (o.kind === 'ScaledJob') return o.spec.jobTargetRef.template.spec;
  return o.spec.template.spec;
}
