// Shared by the single-node pattern tests: generate a topology given as text, in memory, and pick
// objects out of the output.
import { existsSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { isCI } from '../helpers/binaries.js';
import { parseTopologyText } from '../../src/topology/load.js';
import { prepareLoaded, renderTargets, TARGETS } from '../../src/flow.js';
import type { Diagnostic } from '../../src/diagnostics.js';
import type { Model } from '../../src/model.js';
import type { OutputFile } from '../../src/output/files.js';
import { parseAllDocuments } from '../helpers/kubernetes.js';
import { prepareErrors } from '../helpers/topology.js';

export interface Generated {
  model: Model;
  files: OutputFile[];
  diagnostics: Diagnostic[];
}

export async function generate(text: string): Promise<Generated> {
  const prepared = await prepareLoaded(parseTopologyText(text, 'ddp.yaml'), undefined);
  const files = await renderTargets(prepared.model, TARGETS);
  return { model: prepared.model, files, diagnostics: prepared.diagnostics };
}

/** The diagnostics a topology fails with, on the generate path (throws if it does not fail). */
export const failures = (text: string): Promise<Diagnostic[]> => prepareErrors(text);

export function file(files: OutputFile[], path: string): string {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`no output file ${path}; have ${files.map((x) => x.path).join(', ')}`);
  return f.content;
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every Kubernetes object of the output. */
export function kubeObjects(files: OutputFile[]): Obj[] {
  return files.filter((f) => f.target === 'kubernetes').flatMap((f) => parseAllDocuments(f.content) as Obj[]);
}

export function kubeObject(files: OutputFile[], kind: string, name: string): Obj {
  const o = kubeObjects(files).find((x) => x.kind === kind && x.metadata?.name === name);
  if (!o) throw new Error(`no ${kind} ${name}`);
  return o;
}

/** A container's command line in a generated Deployment, command then args, as the kubelet
 *  passes it on: `$$` is `$` (ddp doubles every `$`, so nothing else is expanded). */
export function containerCommandLine(files: OutputFile[], deployment: string, container: string): string[] {
  const containers = kubeObject(files, 'Deployment', deployment).spec.template.spec.containers as { name: string; command?: string[]; args?: string[] }[];
  const c = containers.find((x) => x.name === container);
  if (!c) throw new Error(`no container ${container} in Deployment ${deployment}`);
  return [...(c.command ?? []), ...(c.args ?? [])].map((a) => a.replace(/\$\$/g, () => '$'));
}

export function composeDoc(files: OutputFile[]): Obj {
  return parseYaml(file(files, 'compose/docker-compose.yml')) as Obj;
}

export const TOPOLOGY_HEAD = 'apiVersion: ddp/v1\nkind: Topology\nmetadata: { name: shop }\nservices:\n';

// ───────── real nginx with the stream module ─────────


/** Debian's nginx-light has no stream module; package libnginx-mod-stream ships it as a dynamic module. */
export const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

/** Why stream configs cannot be checked here (undefined: they can). Under CI a missing module is a failure. */
export function streamModuleProblem(): string | undefined {
  return existsSync(STREAM_MODULE) ? undefined : `missing nginx stream module ${STREAM_MODULE}: apt-get install -y libnginx-mod-stream`;
}

/** The generated configs never `load_module` (the nginx image ddp runs has stream built in);
 *  Debian's nginx needs it loaded: this local-only line goes before everything else. */
export function withStreamModule(conf: string): string {
  if (!/^stream \{/m.test(conf)) return conf;
  const problem = streamModuleProblem();
  if (problem) throw new Error(problem);
  return `load_module ${STREAM_MODULE};\n${conf}`;
}

/** Skip (locally) or fail (CI) a stream test when the module is missing. */
export function streamModuleGate(): { skip: boolean } {
  const problem = streamModuleProblem();
  if (problem && !isCI()) process.stderr.write(`skipping nginx stream checks: ${problem}\n`);
  return { skip: problem !== undefined && !isCI() };
}

/** Host names an nginx, twemproxy or varnish config resolves at load (`server host:port`, `.host = "name"`). */
export function configHosts(conf: string): string[] {
  const hosts = new Set<string>();
  for (const m of conf.matchAll(/^\s*(?:server|-)\s+"?([A-Za-z][A-Za-z0-9.-]*):\d+/gm)) hosts.add(m[1]!);
  for (const m of conf.matchAll(/^\s*\.host = "([A-Za-z][A-Za-z0-9.-]*)";/gm)) hosts.add(m[1]!); // varnish backends
  return [...hosts].sort();
}
