// `ddp schema`: print the topology JSON Schema (for editors: yaml-language-server, VS Code).
import { Command } from 'commander';
import { topologySchemaText, schemaPath } from '../topology/schema-json.js';

export function runSchema(): { path: string; text: string } {
  return { path: schemaPath, text: topologySchemaText() };
}

export function schemaCommand(): Command {
  return new Command('schema')
    .description('print the topology JSON Schema (point your editor at it)')
    .addHelpText('after', '\nExamples:\n  $ ddp schema > topology.schema.json\n  # then, first line of ddp.yaml:\n  # yaml-language-server: $schema=./topology.schema.json');
}
