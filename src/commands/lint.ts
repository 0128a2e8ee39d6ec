// `ddp lint [PATHS...]`: lint Kubernetes manifests and compose files — ddp's own output (also
// straight from a topology with --topology) or anyone's. Heavy modules load inside runLint only.
import { Command, Option } from 'commander';
import type { Diagnostic } from '../diagnostics.js';
import type { Finding } from '../lint/types.js';
import type { LintResult, LintInput } from '../lint/lint.js';
import type { RuleInfo } from '../lint/rules/index.js';

export interface LintOptions {
  paths: string[];
  /** lint what this topology generates (true: the default topology file) */
  topology?: string | boolean;
  env?: string;
  cwd?: string;
  onProgress?: (text: string) => void;
}

export interface LintReport extends LintResult {
  /** the topology whose output was linted (--topology) */
  topology?: string;
}

export async function runLint(opts: LintOptions): Promise<LintReport> {
  const { DdpError, error } = await import('../diagnostics.js');
  const cwd = opts.cwd ?? process.cwd();
  if (!opts.paths.length && opts.topology === undefined) {
    throw new DdpError(error('nothing-to-lint', 'nothing to lint: give files, directories or - (standard input), or --topology', { hint: 'e.g. `ddp lint out/` or `ddp lint --topology ddp.yaml`' }));
  }
  if (opts.env !== undefined && opts.topology === undefined) {
    throw new DdpError(error('env-without-topology', '--env applies to --topology: the manifests given are linted as they are', { hint: 'add --topology [FILE] to lint what the topology generates with that environment' }));
  }
  if (opts.topology === '-' && opts.paths.includes('-')) {
    throw new DdpError(error('stdin-twice', 'standard input (-) is given twice: as --topology and as a file to lint', { hint: 'read one of them from a file' }));
  }
  const inputs: LintInput[] = [];
  let topologyFile: string | undefined;
  if (opts.topology !== undefined) {
    const { prepare, renderTargets } = await import('../flow.js');
    opts.onProgress?.('generating from the topology');
    const prepared = await prepare({ file: typeof opts.topology === 'string' ? opts.topology : undefined, cwd, env: opts.env });
    topologyFile = prepared.file;
    const files = await renderTargets(prepared.model, ['kubernetes', 'compose']);
    for (const f of files) if (/\.ya?ml$/.test(f.path)) inputs.push({ file: f.path, text: f.content, explicit: false });
  }
  if (opts.paths.length) {
    const { readInputs } = await import('../lint/inputs.js');
    inputs.push(...readInputs(opts.paths, { cwd }));
  }
  const { lintInputs } = await import('../lint/lint.js');
  const result = lintInputs(inputs, { onProgress: opts.onProgress });
  return { ...(topologyFile ? { topology: topologyFile } : {}), ...result };
}

export async function listRules(): Promise<RuleInfo[]> {
  return (await import('../lint/rules/index.js')).ruleList();
}

/** Findings as diagnostics, for the shared text and GitHub formatters. */
export function findingsToDiagnostics(fs: readonly Finding[]): Diagnostic[] {
  return fs.map((f) => ({ severity: f.severity, code: f.rule, message: f.message, ...(f.hint ? { hint: f.hint } : {}), file: f.file, line: f.line, col: f.col }));
}

export async function sarifText(r: LintResult): Promise<string> {
  const { toSarif } = await import('../lint/sarif.js');
  const { VERSION } = await import('../version.js');
  return JSON.stringify(toSarif(r.findings, VERSION), null, 2) + '\n';
}

export function lintSummary(r: LintReport): string {
  const objects = r.files.reduce((n, f) => n + f.kubernetes, 0);
  const services = r.files.reduce((n, f) => n + f.compose, 0);
  const linted = r.files.filter((f) => !f.skipped).length;
  const what = [`${objects} Kubernetes object${objects === 1 ? '' : 's'}`, `${services} compose service${services === 1 ? '' : 's'}`].join(' and ');
  const verdict = r.errors || r.warnings ? [r.errors ? `${r.errors} error${r.errors === 1 ? '' : 's'}` : '', r.warnings ? `${r.warnings} warning${r.warnings === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ') : 'no problems';
  const skipped = r.files.length - linted;
  return `${r.notes.map((n) => `ddp lint: note: ${n}\n`).join('')}ddp lint: ${what} in ${linted} file${linted === 1 ? '' : 's'}${r.topology ? ` generated from ${r.topology}` : ''}: ${verdict}${r.suppressed ? ` (${r.suppressed} suppressed by ddp.dev/ignore)` : ''}${skipped ? `; skipped ${skipped === 1 ? '1 file that holds' : `${skipped} files that hold`} no manifest` : ''}\n`;
}

export function lintCommand(): Command {
  return new Command('lint')
    .description('lint Kubernetes manifests and compose files: strict API schemas (unknown fields too) and best-practice rules')
    .argument('[paths...]', 'files, directories (every .yaml/.yml/.json below) or - for standard input')
    .option('--topology [file]', 'lint what this topology generates (default: ddp.yaml, ddp.yml or topology.yaml)')
    .option('--env <name>', 'with --topology: apply this environment overlay')
    .option('--json', 'JSON on stdout (same as --format json)')
    .addOption(new Option('--format <format>', 'output format (default: "text")').choices(['text', 'json', 'sarif', 'github']))
    .option('--strict', 'exit 1 on warnings too, not only on errors')
    .option('--list-rules', 'list the rules (id, severity, what they want) and exit')
    .addHelpText(
      'after',
      '\nSuppress a rule for one object with an annotation (compose: a label):\n  metadata:\n    annotations:\n      ddp.dev/ignore: "image-tag,pdb"\n\nExamples:\n  $ ddp lint out/\n  $ ddp lint --topology ddp.yaml --env prod\n  $ kubectl kustomize out/kubernetes | ddp lint -\n  $ ddp lint k8s/ --format sarif > ddp.sarif',
    );
}
