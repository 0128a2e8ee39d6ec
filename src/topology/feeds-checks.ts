// `feeds`: each entry names a work-queue service or a source topic of a pipeline
// (`<pipeline>/<topic>`), and no two entries of a service set the same environment variables.
import { didYouMean, error, pointer, type Diagnostic } from '../diagnostics.js';
import type { DdpTopologyDdpV1 as Topology } from '../generated/topology.js';
import { feedPrefix } from '../patterns/naming.js';

type Check = Omit<Diagnostic, 'file' | 'line' | 'col'>;

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

export function feedsChecks(t: Topology): Check[] {
  const out: Check[] = [];
  const services = t.services as Record<string, { pattern: string; feeds?: string[] }>;
  const pipelines = (t.pipelines ?? {}) as Record<string, { sources?: string[] }>;
  const queues = Object.keys(services).filter((n) => services[n].pattern === 'work-queue').sort();
  const sources = Object.keys(pipelines).sort().flatMap((p) => (pipelines[p].sources ?? []).map((s) => `${p}/${s}`));
  for (const name of Object.keys(services).sort()) {
    const seen = new Map<string, string>();
    (services[name].feeds ?? []).forEach((f, i) => {
      const ptr = pointer('services', name, 'feeds', String(i));
      const problem = targetProblem(f, services, pipelines, queues, sources);
      if (problem) out.push(error(problem.code, `feeds \`${f}\`: ${problem.message}`, { pointer: ptr, hint: problem.hint }));
      const prefix = feedPrefix(f);
      const other = seen.get(prefix);
      if (other !== undefined) out.push(error('feed-clash', `feeds \`${f}\` and \`${other}\` would both set ${prefix}URL, …`, { pointer: ptr, hint: 'feed one of them (the names differ only in -, . or /)' }));
      else seen.set(prefix, f);
    });
  }
  return out;
}

function targetProblem(
  f: string,
  services: Record<string, { pattern: string }>,
  pipelines: Record<string, { sources?: string[] }>,
  queues: string[],
  sources: string[],
): { code: string; message: string; hint: string } | undefined {
  const slash = f.indexOf('/');
  const choices = () => [...queues, ...sources].map((c) => `\`${c}\``).join(', ') || 'none: this topology has no work-queue service and no pipeline source';
  if (slash < 0) {
    if (!own(services, f)) {
      const near = didYouMean(f, queues);
      return { code: 'unknown-service', message: 'no service of this topology is called that', hint: near ? `did you mean \`${near}\`?` : `what a service can feed: ${choices()}` };
    }
    if (services[f].pattern !== 'work-queue') return { code: 'bad-reference', message: `\`${f}\` is ${services[f].pattern}, not a work-queue`, hint: `feed a \`pattern: work-queue\` service, or a pipeline's source topic as <pipeline>/<topic> (here: ${choices()})` };
    return undefined;
  }
  const p = f.slice(0, slash);
  const topic = f.slice(slash + 1);
  if (!own(pipelines, p)) {
    const near = didYouMean(p, Object.keys(pipelines));
    return { code: 'unknown-pipeline', message: `no pipeline \`${p}\``, hint: near ? `did you mean \`${near}/${topic}\`?` : `what a service can feed: ${choices()}` };
  }
  const listed = pipelines[p].sources ?? [];
  if (!listed.includes(topic)) {
    const near = didYouMean(topic, listed);
    return { code: 'not-a-source', message: `\`${topic}\` is not a source of pipeline \`${p}\`${listed.length ? ` (its sources: ${listed.join(', ')})` : ' (it has no sources)'}`, hint: near ? `did you mean \`${p}/${near}\`?` : `add \`${topic}\` to pipelines.${p}.sources: a topic fed from outside is a source` };
  }
  return undefined;
}
