// The commander program: parses flags, calls a command's pure run function, hands the result
// to a formatter, and is the only place that picks exit codes: 0 ok, 1 user error or findings,
// 2 internal error.
import { Command, CommanderError, Option } from 'commander';
import { DdpError, error, type Diagnostic } from './diagnostics.js';
import { formatDiagnostics, formatGithub, inert, styleFor, type OutputFormat } from './format.js';
import { validateCommand } from './commands/validate.js';
import { generateCommand, filesToStdout } from './commands/generate.js';
import { schemaCommand } from './commands/schema.js';
import { lintCommand } from './commands/lint.js';
import { initCommand } from './commands/init.js';
import { addCommand } from './commands/add.js';
import { graphCommand } from './commands/graph.js';
import { explainCommand } from './commands/explain.js';
import { VERSION } from './version.js';

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  stderrStream: NodeJS.WriteStream;
}

/** Streams with the handler below: a reader that stops early (`ddp generate --stdout | head`) ends
 *  the run quietly, as Unix tools do, instead of with an EPIPE stack trace. */
const guarded = new WeakSet<NodeJS.WriteStream>();
function writeTo(stream: NodeJS.WriteStream, s: string): void {
  if (!guarded.has(stream)) {
    guarded.add(stream);
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    });
  }
  stream.write(s);
}

const defaultIo: Io = { stdout: (s) => writeTo(process.stdout, s), stderr: (s) => writeTo(process.stderr, s), stderrStream: process.stderr };

/** The format asked for: `--json` is `--format json`, and with any other `--format` it is refused
 *  (`--format` has no default value in commander, so that an explicit `--format text` is seen). */
function outputFormat<F extends string>(opts: { json?: boolean; format?: string }): F | 'json' | 'text' {
  if (opts.json && opts.format !== undefined && opts.format !== 'json') {
    throw new DdpError(error('conflicting-options', `--json and --format ${opts.format} do not go together`, { hint: '--json is --format json: pass one of them' }));
  }
  if (opts.json) return 'json';
  return (opts.format as F | undefined) ?? 'text';
}

const formatOption = () => new Option('--format <format>', 'output format (default: "text")').choices(['text', 'json', 'github']);

async function report(io: Io, format: OutputFormat, diagnostics: Diagnostic[], json: () => unknown): Promise<void> {
  if (format === 'json') io.stdout(JSON.stringify(json(), null, 2) + '\n');
  else if (format === 'github') io.stdout(formatGithub(diagnostics));
  else if (diagnostics.length) io.stderr(formatDiagnostics(diagnostics, await styleFor(io.stderrStream)));
}

/** What compose does with the files you supply, said once under the list. */
function suppliedNotes(supplied: readonly { env?: string; readBy?: number }[]): string[] {
  const notes: string[] = [];
  const uids = [...new Set(supplied.flatMap((x) => (x.readBy === undefined ? [] : [x.readBy])))].sort((a, b) => a - b);
  if (uids.length) {
    const uid = uids.join(' or ');
    notes.push(`compose mounts each file as it is, owner and mode: the containers run as uid ${uid} and must be able to read it (e.g. \`chown ${uids[0]}\` a key kept at mode 600)`);
  }
  if (supplied.some((x) => x.env !== undefined)) {
    notes.push("compose reads an env file as it reads .env: single-quote a value with `$`, `#` or spaces (KEY='pa$word #1'), or compose expands `$` and cuts it at ` #`");
  }
  return notes;
}

export function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command('ddp')
    .description('Designing Distributed Systems patterns → Kubernetes, docker-compose, nginx, varnish and twemproxy, from one topology file')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .addHelpText('after', '\nExamples:\n  $ ddp generate examples/01-replicated/ddp.yaml -o out\n  $ ddp validate ddp.yaml\n  $ ddp schema > topology.schema.json\n\nRun `ddp help <command>` for a command\'s options.');

  program.addCommand(
    validateCommand()
      .option('--json', 'JSON on stdout (same as --format json)')
      .addOption(formatOption())
      .action(async (file: string | undefined, opts: { env?: string; json?: boolean; format?: string }) => {
        const { runValidate } = await import('./commands/validate.js');
        const format = outputFormat<OutputFormat>(opts);
        const r = await runValidate({ file, env: opts.env });
        await report(io, format, r.diagnostics, () => r);
        if (format === 'text' && r.ok) {
          const warnings = r.diagnostics.filter((d) => d.severity === 'warning').length;
          io.stderr(`ddp: ${r.file} is valid${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}\n`);
        }
        setCode(r.ok ? 0 : 1);
      }),
  );

  program.addCommand(
    generateCommand()
      .option('--json', 'a JSON report on stdout (same as --format json)')
      .addOption(formatOption())
      .action(async (file: string | undefined, opts: { out?: string; target?: string; env?: string; stdout?: boolean; force?: boolean; json?: boolean; format?: string; check?: boolean }) => {
        const { runGenerate } = await import('./commands/generate.js');
        const format = outputFormat<OutputFormat>(opts);
        const { progressLine } = await import('./progress.js');
        const progress = progressLine(io.stderrStream);
        let r;
        try {
          r = await runGenerate({ file, out: opts.out, target: opts.target, env: opts.env, stdout: opts.stdout, force: opts.force, check: opts.check, onProgress: (t) => progress.update(t) });
        } finally {
          progress.done();
        }
        if (r.check) {
          const { checkReport } = await import('./commands/generate.js');
          const out = checkReport(r, format);
          if (format === 'text' && r.diagnostics.length) io.stderr(formatDiagnostics(r.diagnostics, await styleFor(io.stderrStream)));
          io.stdout(out.stdout);
          io.stderr(out.stderr);
          setCode(r.check.upToDate ? 0 : 1);
          return;
        }
        // --stdout --json: one JSON document, the files' content in it (not the `# ddp:` stream)
        if (opts.stdout && format !== 'json') io.stdout(filesToStdout(r.contents ?? []));
        const contents = new Map((r.contents ?? []).map((f) => [f.path, f.content]));
        await report(io, format, [...r.diagnostics, ...r.notes], () => ({
          ok: true,
          file: r.file,
          env: r.env ?? null,
          targets: r.targets,
          outDir: r.write?.outDir ?? null,
          files: opts.stdout ? r.files.map((f) => ({ ...f, content: contents.get(f.path) ?? '' })) : r.files,
          removed: r.write?.removed ?? [],
          untouched: r.write?.untouched ?? false,
          kept: r.write?.kept ?? [],
          diagnostics: r.diagnostics,
          notes: r.notes,
          supplied: r.supplied,
          hostPorts: r.hostPorts,
        }));
        if (format === 'text' || opts.stdout) {
          const byTarget = new Map<string, number>();
          for (const f of r.files) byTarget.set(f.target, (byTarget.get(f.target) ?? 0) + 1);
          const counts = [...byTarget].map(([t, n]) => `${t} ${n}`).join(', ');
          const s = await styleFor(io.stderrStream);
          const what = counts || `this topology has nothing for --target ${opts.target}`;
          const n = `${r.files.length} file${r.files.length === 1 ? '' : 's'}`;
          if (r.write?.untouched) io.stderr(`ddp: ${s.green('up to date')}: ${opts.out ?? 'out'}/ already holds these ${n} (${what}); nothing written\n`);
          else if (r.write) io.stderr(`ddp: ${s.green('wrote')} ${n} to ${opts.out ?? 'out'}/ (${what})${r.write.removed.length ? `; removed ${r.write.removed.length} stale` : ''}\n`);
          const kept = keptLine(r.write?.kept ?? [], opts.out ?? 'out');
          if (kept) io.stderr(kept);
          if (r.hostPorts.length) {
            const { publishedLine } = await import('./targets/compose.js');
            io.stderr('ddp: compose publishes on the host, in place of the Ingress (host port → compose service:container port):\n');
            for (const p of r.hostPorts) io.stderr(`  - ${inert(publishedLine(p))}\n`);
          }
          if (r.supplied.length) {
            // --stdout wrote no directory: where the files go, under the one you save the output in
            const dirShown = opts.stdout ? '<DIR>' : (opts.out ?? 'out');
            io.stderr('ddp: you supply (ddp never writes keys or secret values):\n');
            for (const x of r.supplied) io.stderr(`  - ${x.secret !== undefined ? `Secret ${x.secret}` : `ConfigMap ${x.configMap}`}, key ${x.key}: ${x.why}${x.composePath !== undefined ? ` (compose: ${dirShown}/compose/${x.composePath})` : ''}\n`);
            for (const line of suppliedNotes(r.supplied)) io.stderr(`  ${line}\n`);
          }
        }
        setCode(0);
      }),
  );

  program.addCommand(
    lintCommand().action(async (paths: string[], opts: { topology?: string | boolean; env?: string; json?: boolean; format?: string; strict?: boolean; listRules?: boolean }) => {
      const { runLint, listRules, findingsToDiagnostics, sarifText, lintSummary } = await import('./commands/lint.js');
      const format = outputFormat<'sarif' | 'github'>(opts);
      if (opts.listRules) {
        const rules = await listRules();
        if (format === 'json') io.stdout(JSON.stringify(rules, null, 2) + '\n');
        else {
          // columns as wide as their widest entry (template-not-rendered is 21 characters)
          const w = (f: (r: (typeof rules)[number]) => string) => Math.max(...rules.map((r) => f(r).length));
          const [id, sev, applies] = [w((r) => r.id), w((r) => r.severity), w((r) => r.applies.join('+'))];
          io.stdout(rules.map((r) => `${r.id.padEnd(id)}  ${r.severity.padEnd(sev)}  ${r.applies.join('+').padEnd(applies)}  ${r.description}\n`).join(''));
        }
        setCode(0);
        return;
      }
      const { progressLine } = await import('./progress.js');
      const progress = progressLine(io.stderrStream);
      let r;
      try {
        r = await runLint({ paths, topology: opts.topology, env: opts.env, onProgress: (t) => progress.update(t) });
      } finally {
        progress.done();
      }
      if (format === 'json') io.stdout(JSON.stringify({ ok: r.errors === 0 && (!opts.strict || r.warnings === 0), ...r }, null, 2) + '\n');
      else if (format === 'sarif') io.stdout(await sarifText(r));
      else if (format === 'github') io.stdout(formatGithub(findingsToDiagnostics(r.findings)));
      else io.stderr(formatDiagnostics(findingsToDiagnostics(r.findings), await styleFor(io.stderrStream)));
      if (format !== 'json') io.stderr(lintSummary(r));
      setCode(r.errors > 0 || (opts.strict && r.warnings > 0) ? 1 : 0);
    }),
  );

  program.addCommand(
    initCommand().action(async (dir: string, opts: { pattern?: string; name?: string; image?: string[]; force?: boolean; json?: boolean }) => {
      const { runInit } = await import('./commands/init.js');
      const interactive = !opts.json && process.stdin.isTTY === true && io.stderrStream.isTTY === true && !process.env.CI;
      let ask: ((q: string, fallback: string) => Promise<string>) | undefined;
      let rl: import('node:readline/promises').Interface | undefined;
      if (interactive && (opts.pattern === undefined || opts.name === undefined)) {
        // not `import()`: the bundle's main chunk is compiled from a code cache, which loses V8's dynamic-import hook
        const readline = process.getBuiltinModule('node:readline/promises');
        rl = readline.createInterface({ input: process.stdin, output: io.stderrStream });
        ask = async (q, fallback) => {
          try {
            return (await rl!.question(`${q} [${fallback}]: `)).trim() || fallback;
          } catch (e) {
            // Ctrl+D (or Ctrl+C) at a question: the user's choice, not ddp's bug
            if ((e as NodeJS.ErrnoException).code !== 'ABORT_ERR') throw e;
            throw new DdpError(error('cancelled', 'ddp init stopped: the input ended at a question; nothing was written', { hint: 'run ddp init again, or give --pattern and --name' }));
          }
        };
      }
      try {
        const r = await runInit({ dir, pattern: opts.pattern, name: opts.name, images: opts.image, force: opts.force, ask });
        if (opts.json) io.stdout(JSON.stringify({ ok: true, ...r }, null, 2) + '\n');
        else {
          if (r.diagnostics.length) io.stderr(formatDiagnostics(r.diagnostics, await styleFor(io.stderrStream)));
          io.stderr(`ddp: ${r.overwritten ? 'replaced' : 'wrote'} ${r.file} (${r.pattern} \`${r.name}\`); next: ddp validate ${r.file}, ddp generate ${r.file} -o out\n`);
        }
      } finally {
        rl?.close();
      }
      setCode(0);
    }),
  );

  program.addCommand(
    addCommand().action(async (pattern: string, name: string, opts: { file?: string; to?: string; image?: string[]; json?: boolean }) => {
      const { runAdd } = await import('./commands/add.js');
      const r = await runAdd({ pattern, name, file: opts.file, to: opts.to, images: opts.image });
      if (opts.json) io.stdout(JSON.stringify({ ok: true, ...r }, null, 2) + '\n');
      else {
        if (r.diagnostics.length) io.stderr(formatDiagnostics(r.diagnostics, await styleFor(io.stderrStream)));
        io.stderr(`ddp: added ${r.pattern} \`${r.name}\` to ${r.file} at ${r.added}; it validates\n`);
        for (const p of r.placeholders) io.stderr(`  to set: ${p}\n`);
      }
      setCode(0);
    }),
  );

  program.addCommand(
    graphCommand().action(async (file: string | undefined, opts: { format?: 'mermaid' | 'dot'; env?: string; json?: boolean }) => {
      const { runGraph } = await import('./commands/graph.js');
      const r = await runGraph({ file, env: opts.env, format: opts.format });
      io.stdout(opts.json ? JSON.stringify({ ok: true, ...r }, null, 2) + '\n' : r.text);
      setCode(0);
    }),
  );

  program.addCommand(
    explainCommand().action(async (pattern: string | undefined, opts: { json?: boolean }) => {
      const { runExplain, explainText } = await import('./commands/explain.js');
      const r = await runExplain(pattern);
      io.stdout(opts.json ? JSON.stringify({ ok: true, ...r }, null, 2) + '\n' : explainText(r, await styleFor(process.stdout)));
      setCode(0);
    }),
  );

  program.addCommand(
    schemaCommand()
      .option('--json', 'accepted like on every command (the schema is JSON already)')
      .action(async () => {
      const { runSchema } = await import('./commands/schema.js');
      io.stdout(runSchema().text);
      setCode(0);
    }),
  );
  return program;
}

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => (code = c));
  // the format a failed command asked for (`--format X` or `--format=X`; options end at `--`)
  const end = argv.indexOf('--') < 0 ? argv.length : argv.indexOf('--');
  const formatArg = argv.slice(0, end).reduce<string | undefined>((f, a, i, all) => (a === '--format' ? all[i + 1] : a.startsWith('--format=') ? a.slice('--format='.length) : f), undefined);
  const wantsJson = argv.slice(0, end).includes('--json') || formatArg === 'json';
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return e.exitCode === 0 ? 0 : 1;
    }
    if (e instanceof DdpError) {
      if (wantsJson) io.stdout(JSON.stringify({ ok: false, diagnostics: e.diagnostics }, null, 2) + '\n');
      else if (formatArg === 'github') io.stdout(formatGithub(e.diagnostics));
      else io.stderr(formatDiagnostics(e.diagnostics, await styleFor(io.stderrStream)));
      return 1;
    }
    const msg = e instanceof Error ? e.message : String(e);
    io.stderr(`ddp: internal error: ${msg}\nThis is a bug in ddp, not in your topology. Please report it with the topology that triggers it${process.env.DDP_DEBUG ? '' : ' (set DDP_DEBUG=1 for a stack trace)'}.\n`);
    if (process.env.DDP_DEBUG && e instanceof Error && e.stack) io.stderr(e.stack + '\n');
    return 2;
  }
}

/** What generate left in DIR that is not ddp's (what you supply under compose/secrets/ aside),
 *  named as `--check` names it: nothing in DIR is a surprise. */
export function keptLine(kept: readonly string[], out: string): string {
  const yours = kept.filter((p) => !p.startsWith('compose/secrets/'));
  if (!yours.length) return '';
  const dir = out.replace(/\/+$/, '');
  const shown = yours.slice(0, 5).map((p) => `${dir}/${p}`).join(', ');
  return `ddp: left as they are (not ddp's): ${shown}${yours.length > 5 ? ` and ${yours.length - 5} more` : ''}\n`;
}
