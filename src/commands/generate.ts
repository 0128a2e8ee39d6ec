// `ddp generate [FILE] -o DIR`: the whole flow, then one atomic write (or --stdout).
import { Command } from 'commander';
import type { Diagnostic } from '../diagnostics.js';
import type { SuppliedFile } from '../model.js';
import { prepare, parseTargets, renderTargets, type Target } from '../flow.js';
import type { OutputFile } from '../output/files.js';
import { writeOutput, type WriteResult } from '../output/write.js';

export interface GenerateOptions {
  file?: string;
  out?: string;
  target?: string;
  env?: string;
  stdout?: boolean;
  force?: boolean;
  cwd?: string;
}

export interface GenerateResult {
  file: string;
  env?: string;
  targets: Target[];
  files: OutputFile[];
  write?: WriteResult;
  diagnostics: Diagnostic[]; // warnings from validation
  notes: Diagnostic[]; // facts about the output (compose degradations, ...)
  supplied: SuppliedFile[]; // what the user must provide
}

export async function runGenerate(opts: GenerateOptions): Promise<GenerateResult> {
  const targets = parseTargets(opts.target);
  const prepared = await prepare({ file: opts.file, cwd: opts.cwd, env: opts.env });
  const files = await renderTargets(prepared.model, targets);
  const result: GenerateResult = {
    file: prepared.file,
    ...(opts.env ? { env: opts.env } : {}),
    targets,
    files,
    diagnostics: prepared.diagnostics.filter((d) => d.severity !== 'info'),
    notes: prepared.model.notes,
    supplied: prepared.model.supplied,
  };
  if (!opts.stdout) result.write = writeOutput(opts.out ?? 'out', files, { force: opts.force, cwd: opts.cwd });
  return result;
}

/** --stdout: every file, each introduced by a `# ddp: <path>` comment line. */
export function filesToStdout(files: OutputFile[]): string {
  return files.map((f) => `# ddp: ${f.path}\n${f.content}`).join('');
}

export function generateCommand(): Command {
  return new Command('generate')
    .description('render Kubernetes YAML, a compose file and the nginx/varnish/twemproxy configs from a topology')
    .argument('[file]', 'topology file (default: ddp.yaml, ddp.yml or topology.yaml)')
    .option('-o, --out <dir>', 'output directory', 'out')
    .option('-t, --target <list>', 'comma-separated targets: kubernetes,compose,nginx,varnish,twemproxy,fluent-bit (default: all)')
    .option('--env <name>', 'apply this environment overlay')
    .option('--stdout', 'print the files instead of writing them')
    .option('--force', 'overwrite files in the output directory that ddp did not write')
    .addHelpText('after', '\nExamples:\n  $ ddp generate examples/01-replicated/ddp.yaml -o out\n  $ ddp generate --env prod --target kubernetes --stdout | kubectl apply -f -');
}
