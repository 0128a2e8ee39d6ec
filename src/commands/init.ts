// `ddp init [DIR]`: scaffold DIR/ddp.yaml from a pattern and a name. On a terminal it asks for
// what the flags leave out; otherwise (CI, pipes) it takes flags only and never waits for input.
// The scaffold is validated before it is written; an existing file is kept unless --force.
import { Command } from 'commander';
// static: node:fs and node:path are loaded at start-up anyway, and an `import()` of them would fail in
// the bundle's main chunk (V8 drops the dynamic-import hook of a script compiled from a code cache)
import { existsSync, statSync } from 'node:fs';
import { basename, join, resolve, relative } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { replaceFile } from '../user-files.js';

export interface InitOptions {
  dir?: string;
  pattern?: string;
  name?: string;
  force?: boolean;
  /** --image: `IMAGE`, or `ROLE=IMAGE` for a pattern with several (src/explain/images.ts) */
  images?: string[];
  cwd?: string;
  /** asks a question on a terminal (absent when not interactive) */
  ask?: (question: string, fallback: string) => Promise<string>;
}

export interface InitResult {
  file: string;
  pattern: string;
  name: string;
  overwritten: boolean;
  diagnostics: Diagnostic[]; // warnings of the scaffold's validation
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export async function runInit(opts: InitOptions): Promise<InitResult> {
  const { DdpError, error, didYouMean } = await import('../diagnostics.js');
  const { PATTERN_IDS, PATTERNS, patternDoc } = await import('../explain/patterns.js');
  const { topologyText } = await import('../explain/scaffold.js');
  const cwd = opts.cwd ?? process.cwd();
  const dir = resolve(cwd, opts.dir ?? '.');
  const shown = relative(cwd, join(dir, 'ddp.yaml')) || 'ddp.yaml';

  let pattern = opts.pattern;
  let name = opts.name;
  const fallbackName = basename(dir).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'app';
  if (pattern === undefined && opts.ask) {
    const menu = PATTERNS.map((p, i) => `  ${String(i + 1).padStart(2)}. ${p.id.padEnd(15)} ${p.title}`).join('\n');
    const answer = (await opts.ask(`Patterns:\n${menu}\nPattern (name or number)`, 'replicated')).trim();
    pattern = /^\d+$/.test(answer) ? PATTERNS[Number(answer) - 1]?.id ?? answer : answer;
  }
  if (name === undefined && opts.ask) name = (await opts.ask('Name (lowercase letters, digits and -)', fallbackName)).trim();
  const missing = [...(pattern === undefined ? ['--pattern'] : []), ...(name === undefined ? ['--name'] : [])];
  if (missing.length) {
    throw new DdpError(error('missing-option', `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required when ddp init does not run on a terminal`, { hint: `e.g. ddp init --pattern replicated --name ${fallbackName} (patterns: ${PATTERN_IDS.join(', ')})` }));
  }
  const doc = patternDoc(pattern!);
  if (!doc) {
    const guess = didYouMean(pattern!, PATTERN_IDS);
    throw new DdpError(error('unknown-pattern', `--pattern ${pattern}: no such pattern`, { hint: guess ? `did you mean \`${guess}\`? (patterns: ${PATTERN_IDS.join(', ')})` : `patterns: ${PATTERN_IDS.join(', ')}` }));
  }
  if (!DNS_LABEL.test(name!) || name!.length > 40) {
    throw new DdpError(error('invalid-name', `--name ${JSON.stringify(name)} is not a usable name`, { hint: 'lowercase letters, digits and -, starting and ending with a letter or digit, at most 40 characters (derived names add suffixes)' }));
  }
  const file = join(dir, 'ddp.yaml');
  let overwritten = false;
  if (existsSync(file)) {
    if (statSync(file).isDirectory()) throw new DdpError(error('not-a-file', `${shown} is a directory`, { hint: 'pick another DIR' }));
    if (!opts.force) throw new DdpError(error('file-exists', `${shown} exists; ddp init does not overwrite it`, { file: shown, hint: 'pass --force to replace it, or add a service with `ddp add <pattern> <name>`' }));
    overwritten = true;
  }
  const { withImages } = await import('../explain/images.js');
  const text = topologyText(doc, name!, withImages(doc.snippet(name!), opts.images ?? [], `\`${doc.id}\``));
  // what ddp init writes must validate (and so generate): check it before it touches the disk
  const { parseTopologyText } = await import('../topology/load.js');
  const { validateAll } = await import('../flow.js');
  const diagnostics = (await validateAll(parseTopologyText(text, shown))).map((d) => ({ ...d, file: shown }));
  if (diagnostics.some((d) => d.severity === 'error')) throw new DdpError(diagnostics.filter((d) => d.severity === 'error'));
  // DIR (or a part of it) a file, read-only, full...: the user's situation, not ddp's bug
  replaceFile(file, text, shown, 'pass ddp init a directory (it is created if missing), e.g. ddp init services/shop');
  return { file: shown, pattern: doc.id, name: name!, overwritten, diagnostics };
}

export function initCommand(): Command {
  return new Command('init')
    .description('scaffold a topology (DIR/ddp.yaml) from a pattern; asks on a terminal, flags only otherwise')
    .argument('[dir]', 'directory to create ddp.yaml in', '.')
    .option('-p, --pattern <pattern>', 'replicated, sharded, scatter-gather, function, work-queue, batch, pipeline, sidecar, ambassador, adapter, election')
    .option('-n, --name <name>', 'topology and service name (a DNS label)')
    .option('--image <[role=]image>', 'your image in place of the example ghcr.io/acme/... one; role=image for a pattern with several (as ddp add); repeatable', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--force', 'overwrite an existing ddp.yaml')
    .option('--json', 'JSON on stdout')
    .addHelpText('after', '\nExamples:\n  $ ddp init --pattern replicated --name web\n  $ ddp init services/search --pattern scatter-gather --name search\n  $ ddp init           # on a terminal: asks for the pattern and the name');
}
