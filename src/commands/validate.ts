// `ddp validate [FILE]`: schema, then semantic checks, every problem in one run.
import { Command } from 'commander';
import type { Diagnostic } from '../diagnostics.js';
import { findTopologyFile, loadFile } from '../topology/load.js';
import { validateAll } from '../flow.js';

export interface ValidateResult {
  file: string;
  ok: boolean;
  diagnostics: Diagnostic[];
}

export async function runValidate(opts: { file?: string; env?: string; cwd?: string }): Promise<ValidateResult> {
  const cwd = opts.cwd ?? process.cwd();
  const file = findTopologyFile(opts.file, cwd);
  const loaded = loadFile(file, cwd);
  const diagnostics = await validateAll(loaded, opts.env);
  return { file: loaded.file, ok: !diagnostics.some((d) => d.severity === 'error'), diagnostics }; // `-` is <stdin>
}

export function validateCommand(): Command {
  return new Command('validate')
    .description('check a topology: the schema, then (once it holds) references, ports, names and pipeline graphs — every problem of a stage at once')
    .argument('[file]', 'topology file, - for standard input (default: ddp.yaml, ddp.yml or topology.yaml)')
    .option('--env <name>', 'validate with this environment overlay only (default: the document and every environment)')
    .addHelpText('after', '\nExamples:\n  $ ddp validate\n  $ ddp validate examples/01-replicated/ddp.yaml --format github\n  $ ddp validate ddp.yaml --env prod --json');
}
