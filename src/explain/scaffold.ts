// Topology text from the pattern snippets: a whole new topology (`ddp init`) or one entry to
// splice into an existing file (`ddp add`).
import { patternDoc, type PatternDoc } from './patterns.js';
import { indentLines } from './edit.js';

/** Re-indent snippet text: its two-space steps become `unit` spaces, every line shifted by `base`. */
export const reindent = (text: string, unit: number, base: number): string => indentLines(text, unit, base);

/** The producer service a pipeline-only scaffold needs: a topology has at least one service. */
const pipelineProducer = (name: string) => `${name}-ingest:
  pattern: replicated
  image: ghcr.io/acme/${name}-ingest:1.0.0
  port: 8080
  feeds: [${name}/incoming]            # DDP_FEED_${name.toUpperCase().replace(/-/g, '_')}_INCOMING_URL, _TOPIC: where to write
`;

/** A new topology for `pattern` named `name`, with a comment block that says what to do next
 *  (`snippet`: the pattern's, or that with your images: src/explain/images.ts). */
export function topologyText(doc: PatternDoc, name: string, snippet = doc.snippet(name)): string {
  const header = [
    `# ${name}: a ddp topology — ${doc.title} (Designing Distributed Systems, ${doc.chapter}).`,
    '#',
    '#   ddp validate                 check this file: schema, references, ports, names',
    '#   ddp generate -o out          Kubernetes YAML (kubectl apply -k out/kubernetes), a compose file',
    '#                                (docker compose -f out/compose/docker-compose.yml up) and proxy configs',
    '#   ddp lint --topology          lint what it generates',
    '#   ddp graph                    the topology as a Mermaid diagram (--format dot for Graphviz)',
    `#   ddp explain ${doc.id.padEnd(16)} what this pattern is for and what ddp makes of it`,
    '#   ddp add <pattern> <name>     add a service (ddp explain lists the patterns)',
    '#',
    '# Editor completion: `ddp schema > topology.schema.json`, then make this the first line:',
    '#   # yaml-language-server: $schema=./topology.schema.json',
    '',
  ].join('\n');
  const body = ['apiVersion: ddp/v1', 'kind: Topology', 'metadata:', `  name: ${name}`, 'services:'];
  if (doc.section === 'pipelines') {
    body.push(reindent(pipelineProducer(name), 2, 2).replace(/\n$/, ''), 'pipelines:', reindent(snippet, 2, 2).replace(/\n$/, ''));
  } else body.push(reindent(snippet, 2, 2).replace(/\n$/, ''));
  return `${header}${body.join('\n')}\n`;
}

export { patternDoc };
