// `ddp graph [FILE] --format mermaid|dot`: the topology as a picture — services and their layers,
// shards, leaves, pod helpers, queues, pipeline stages and topics.
import { Command, Option } from 'commander';

export interface GraphOptions {
  file?: string;
  env?: string;
  format?: 'mermaid' | 'dot';
  cwd?: string;
}

export interface GraphResult {
  file: string;
  env?: string;
  format: 'mermaid' | 'dot';
  text: string;
  nodes: number;
  edges: number;
}

export async function runGraph(opts: GraphOptions): Promise<GraphResult> {
  const { prepare } = await import('../flow.js');
  const { buildGraph } = await import('../graph/build.js');
  const { toMermaid, toDot } = await import('../graph/render.js');
  const prepared = await prepare({ file: opts.file, cwd: opts.cwd, env: opts.env });
  const g = buildGraph(prepared.topology, prepared.model);
  const format = opts.format ?? 'mermaid';
  return {
    file: prepared.file,
    ...(opts.env ? { env: opts.env } : {}),
    format,
    text: format === 'dot' ? toDot(g) : toMermaid(g),
    nodes: g.nodes.length + g.clusters.reduce((n, c) => n + c.nodes.length, 0),
    edges: g.edges.length,
  };
}

export function graphCommand(): Command {
  return new Command('graph')
    .description('draw the topology: Mermaid (renders on GitHub) or Graphviz DOT')
    .argument('[file]', 'topology file, - for standard input (default: ddp.yaml, ddp.yml or topology.yaml)')
    .addOption(new Option('--format <format>', 'mermaid or dot').choices(['mermaid', 'dot']).default('mermaid'))
    .option('--env <name>', 'apply this environment overlay')
    .option('--json', 'JSON on stdout: { file, format, text, nodes, edges }')
    .addHelpText('after', '\nExamples:\n  $ ddp graph > topology.mmd\n  $ ddp graph --format dot | dot -Tsvg > topology.svg\n  $ ddp graph examples/01-replicated/ddp.yaml --env prod');
}
