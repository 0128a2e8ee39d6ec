// `ddp generate [FILE] -o DIR`: the whole flow, then one atomic write (or --stdout).
import { Command } from 'commander';
import { DdpError, error, type Diagnostic } from '../diagnostics.js';
import type { Model, SuppliedFile } from '../model.js';
import { composePublishedPorts, type PublishedPort } from '../targets/compose.js';
import { prepare, parseTargets, renderStream, renderTargets, withComposeMounts, TARGETS, type Target } from '../flow.js';
import type { OutputFile } from '../output/files.js';
import { writeOutput, type WriteResult, type WrittenFile } from '../output/write.js';
import { findTopologyFile, loadFile } from '../topology/load.js';
import type { CheckResult } from '../output/diff.js';

export interface GenerateOptions {
  file?: string;
  out?: string;
  target?: string;
  env?: string;
  stdout?: boolean;
  force?: boolean;
  cwd?: string;
  /** --check: compare with the output directory instead of writing (nothing is written) */
  check?: boolean;
  /** progress of the stages, for a progress line on a terminal */
  onProgress?: (stage: string | (() => string)) => void;
}

export interface GenerateResult {
  file: string;
  env?: string;
  targets: Target[];
  /** every generated file, sorted by path (without content once written) */
  files: WrittenFile[];
  /** the files with their content (--stdout, --check; `generate -o` streams them to disk instead) */
  contents?: OutputFile[];
  write?: WriteResult;
  diagnostics: Diagnostic[]; // warnings from validation
  notes: Diagnostic[]; // facts about the output (compose degradations, ...)
  supplied: SuppliedFile[]; // what the user must provide
  /** what compose publishes on the host, each with the service and container port it reaches (with compose only) */
  hostPorts: PublishedPort[];
  check?: CheckResult; // --check
}

export async function runGenerate(opts: GenerateOptions): Promise<GenerateResult> {
  // into a directory (or compared with one), compose comes with the configs it mounts; --stdout prints what was asked
  const targets = opts.stdout ? parseTargets(opts.target) : withComposeMounts(parseTargets(opts.target));
  if (opts.check && opts.stdout) throw new DdpError(error('conflicting-options', '--check and --stdout do not go together', { hint: '--check compares with the output directory (-o DIR); --stdout prints the files' }));
  opts.onProgress?.(`validating ${opts.file ?? 'the topology'}`);
  // only the model goes on: the parsed topology (~1 KB a service) can be collected
  const { file, model, diagnostics } = await prepare({ file: opts.file, cwd: opts.cwd, env: opts.env });
  const base = {
    file,
    ...(opts.env ? { env: opts.env } : {}),
    targets,
    diagnostics: diagnostics.filter((d) => d.severity !== 'info'),
    // what compose cannot do is said only with the compose file (a Kubernetes-only run: no noise)
    notes: targets.includes('compose') ? model.notes : model.notes.filter((n) => !n.code.startsWith('compose-')),
    supplied: model.supplied,
  };
  if (!opts.check && !opts.stdout) {
    // rendered and written one file at a time: the output is never held in memory whole
    const stage = `rendering ${targets.join(', ')} into ${opts.out ?? 'out'}/`;
    opts.onProgress?.(stage);
    const onProgress = opts.onProgress;
    // (short: a narrow terminal cuts the line, and the count is what moves)
    const files = async () => (onProgress ? counted(await renderStream(model, targets), (n) => onProgress(() => `writing ${opts.out ?? 'out'}/: ${n} files`)) : renderStream(model, targets));
    const write = await located(opts, async () => writeOutput(opts.out ?? 'out', await files(), { force: opts.force, cwd: opts.cwd }));
    return { ...base, files: write.files, write, hostPorts: hostPortsOf(model, targets) };
  }
  opts.onProgress?.(`rendering ${targets.join(', ')}`);
  const contents = await located(opts, () => renderTargets(model, targets));
  const result: GenerateResult = { ...base, files: contents.map((f) => ({ path: f.path, target: f.target, bytes: Buffer.byteLength(f.content) })), contents, hostPorts: hostPortsOf(model, targets) };
  if (opts.check) {
    opts.onProgress?.(`comparing with ${opts.out ?? 'out'}/`);
    const { checkOutput } = await import('../output/diff.js');
    result.check = checkOutput(opts.out ?? 'out', contents, { cwd: opts.cwd });
  }
  return result;
}

/** What the compose file publishes on the host: the allocation it was rendered with (made once per
 *  model; where a host port ran out, rendering said so); nothing without the compose target. */
function hostPortsOf(model: Model, targets: readonly Target[]): PublishedPort[] {
  return targets.includes('compose') ? composePublishedPorts(model) : [];
}

/** The items, and after each the count so far (a progress line that moves while a big output is written). */
function* counted<T>(items: Iterable<T>, tick: (n: number) => void): Generator<T> {
  let n = 0;
  for (const x of items) {
    yield x;
    tick(++n);
  }
}

/**
 * A problem found while rendering (compose running out of host ports) carries the JSON pointer of
 * its service; the topology is read again to say file:line:col -- only then, so that the parsed
 * document need not be kept through the render. Standard input cannot be read twice: pointer only.
 */
async function located<T>(opts: GenerateOptions, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof DdpError) || !e.diagnostics.some((d) => d.pointer !== undefined && d.line === undefined)) throw e;
    const cwd = opts.cwd ?? process.cwd();
    const path = findTopologyFile(opts.file, cwd);
    if (path === '-') throw e;
    let loaded;
    try {
      loaded = loadFile(path, cwd);
    } catch {
      throw e; // changed or gone meanwhile: the pointer still says where
    }
    throw new DdpError(e.diagnostics.map((d) => (d.pointer === undefined || d.line !== undefined ? d : { ...d, file: loaded.file, ...loaded.source.locate(d.pointer, 'key') })));
  }
}

/** --check: the unified diff (stdout) and a summary (stderr); JSON or GitHub annotations on stdout. */
export function checkReport(r: GenerateResult, format: 'text' | 'json' | 'github'): { stdout: string; stderr: string } {
  const c = r.check!;
  const dir = c.outDir.replace(/\/+$/, '') + '/';
  if (format === 'json') {
    const json = { ok: c.upToDate, file: r.file, env: r.env ?? null, targets: r.targets, outDir: c.outDir, upToDate: c.upToDate, changed: c.changed, added: c.added, removed: c.removed, extra: c.extra, ...(c.wouldClobber.length ? { wouldClobber: c.wouldClobber } : {}), diff: c.diff, ...(c.cannotReplace ? { cannotReplace: c.cannotReplace } : {}), diagnostics: r.diagnostics,
      // what `generate --json` reports besides the files, so a CI step reads one document either way
      notes: r.notes, supplied: r.supplied, hostPorts: r.hostPorts };
    return { stdout: JSON.stringify(json, null, 2) + '\n', stderr: '' };
  }
  // files generate keeps (not ddp's: yours): no difference, but named, so that nothing is a surprise
  const kept = c.extra.map((p) => `  kept:    ${dir}${p} (not ddp's: generate keeps it)`);
  if (c.upToDate) return { stdout: '', stderr: `ddp: ${dir} is up to date (${r.files.length} files)\n${kept.map((l) => l + '\n').join('')}` };
  const lines = [
    ...c.changed.map((p) => `  changed: ${dir}${p}`),
    ...c.added.map((p) => `  missing: ${dir}${p} (generate would add it)`),
    ...c.removed.map((p) => `  stale:   ${dir}${p} (generate would remove it)`),
    ...kept,
  ];
  const counts = [c.changed.length ? `${c.changed.length} changed` : '', c.added.length ? `${c.added.length} to add` : '', c.removed.length ? `${c.removed.length} to remove` : ''].filter(Boolean).join(', ');
  const again = generateCommandLine(r, c.outDir);
  // generate would refuse this DIR (a mount point, the working directory): say so, not "run generate"
  const refused = c.cannotReplace && `${c.cannotReplace.message}; ${c.cannotReplace.hint ?? 'generate into a directory of its own'}`;
  // a file not as ddp wrote it: generate refuses it too (would-clobber), so say so, and how
  const clobbers = c.wouldClobber.length ? `\`${again}\` would refuse to overwrite: ${c.wouldClobber.join('; ')}: move ${c.wouldClobber.length === 1 ? 'it' : 'them'} away, or run \`${again} --force\`` : undefined;
  const update = refused ? `\`${again}\` would not update it: ${refused}` : clobbers ?? `run \`${again}\` to update it`;
  const fix = refused || clobbers || `run \`${again}\``;
  const stderr = `ddp: ${dir} is out of date: ${counts}\n${lines.join('\n')}\n${update}\n`;
  if (format === 'github') {
    const esc = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
    const ann = [
      ...c.changed.map((p) => `::error file=${esc(dir + p)},title=ddp generate --check::${esc(`${dir}${p} differs from what ${r.file} generates; ${fix}`)}`),
      ...c.added.map((p) => `::error file=${esc(dir)},title=ddp generate --check::${esc(`${dir}${p} is missing; ${fix}`)}`),
      ...c.removed.map((p) => `::error file=${esc(dir + p)},title=ddp generate --check::${esc(`${dir}${p} is no longer generated; ${fix}`)}`),
    ];
    return { stdout: ann.join('\n') + '\n' + c.diff, stderr };
  }
  return { stdout: c.diff, stderr };
}

/** The `ddp generate` that brings DIR up to date: the same file, environment and targets. */
export function generateCommandLine(r: Pick<GenerateResult, 'file' | 'env' | 'targets'>, outDir: string): string {
  const all = r.targets.length === TARGETS.length;
  return `ddp generate ${r.file === '<stdin>' ? '-' : r.file}${r.env ? ` --env ${r.env}` : ''}${all ? '' : ` --target ${r.targets.join(',')}`} -o ${outDir}`;
}

/** --stdout: every file, each introduced by a `# ddp: <path>` comment line. */
export function filesToStdout(files: OutputFile[]): string {
  return files.map((f) => `# ddp: ${f.path}\n${f.content}`).join('');
}

export function generateCommand(): Command {
  return new Command('generate')
    .description('render Kubernetes YAML, a compose file and the nginx/varnish/twemproxy configs from a topology')
    .argument('[file]', 'topology file, - for standard input (default: ddp.yaml, ddp.yml or topology.yaml)')
    .option('-o, --out <dir>', 'output directory', 'out')
    .option('-t, --target <list>', 'comma-separated targets: kubernetes,compose,nginx,varnish,twemproxy,fluent-bit (default: all)')
    .option('--env <name>', 'apply this environment overlay')
    .option('--stdout', 'print the files instead of writing them')
    .option('--force', 'overwrite files in the output directory that ddp did not write')
    .option('--check', 'write nothing; exit 1 with a unified diff when the output directory differs from what would be generated (for CI)')
    .addHelpText('after', '\nExamples:\n  $ ddp generate examples/01-replicated/ddp.yaml -o out\n  $ ddp generate --env prod --target kubernetes --stdout | kubectl apply -f -');
}
