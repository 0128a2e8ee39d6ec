// `ddp add <pattern> <name> [--file F] [--to SERVICE] [--image [ROLE=]IMAGE]...`: add a service (or a pipeline) to an
// existing topology — or, with --to, a sidecar/ambassador/adapter/election to a service — keeping
// the file's comments, order and formatting; the result must validate before it is written.
import { Command } from 'commander';
// static: node:fs and node:path are loaded at start-up anyway, and an `import()` of them would fail in
// the bundle's main chunk (V8 drops the dynamic-import hook of a script compiled from a code cache)
import { readFileSync, statSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import type { Loaded } from '../topology/load.js';
import { replaceFile } from '../user-files.js';

export interface AddOptions {
  pattern: string;
  name: string;
  file?: string;
  to?: string;
  /** --image: `IMAGE`, or `ROLE=IMAGE` for a pattern with several (src/explain/images.ts) */
  images?: string[];
  cwd?: string;
}

export interface AddResult {
  file: string;
  pattern: string;
  name: string;
  /** JSON pointer of what was added, e.g. /services/cache or /services/web/sidecars */
  added: string;
  method: 'splice' | 'document';
  diagnostics: Diagnostic[]; // warnings of the validation
  /** what the added text holds in place of values of yours: set them before you deploy */
  placeholders: string[];
}

/** The example images the snippets use (ghcr.io/acme/...): never an image of yours. */
const PLACEHOLDER_IMAGE = /ghcr\.io\/acme\/[^\s"',}\]]+/g;

function placeholdersIn(added: string, placeholder: { marker: string; note: string } | undefined): string[] {
  const images = [...new Set(added.match(PLACEHOLDER_IMAGE) ?? [])];
  return [...(placeholder && added.includes(placeholder.marker) ? [placeholder.note] : []), ...(images.length ? [`${images.map((i) => `\`${i}\``).join(', ')} stand${images.length === 1 ? 's' : ''} in for your image${images.length === 1 ? '' : 's'}`] : [])];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export async function runAdd(opts: AddOptions): Promise<AddResult> {
  const { DdpError, error, didYouMean } = await import('../diagnostics.js');
  const { PATTERN_IDS, patternDoc } = await import('../explain/patterns.js');
  const { findTopologyFile, loadFile, parseTopologyText } = await import('../topology/load.js');
  const { validateAll } = await import('../flow.js');
  const { addEntry, asJsonLike, attachToService, withLineEndingsOf } = await import('../explain/edit.js');
  const cwd = opts.cwd ?? process.cwd();

  const doc = patternDoc(opts.pattern);
  if (!doc) {
    const guess = didYouMean(opts.pattern, PATTERN_IDS);
    throw new DdpError(error('unknown-pattern', `no pattern \`${opts.pattern}\``, { hint: guess ? `did you mean \`${guess}\`? (patterns: ${PATTERN_IDS.join(', ')})` : `patterns: ${PATTERN_IDS.join(', ')}` }));
  }
  if (!DNS_LABEL.test(opts.name) || opts.name.length > 40) {
    throw new DdpError(error('invalid-name', `${JSON.stringify(opts.name)} is not a usable name`, { hint: 'lowercase letters, digits and -, starting and ending with a letter or digit, at most 40 characters' }));
  }
  if (opts.to !== undefined && !doc.attach) {
    throw new DdpError(error('bad-option', `--to attaches a single-node pattern to a service; \`${doc.id}\` is a service pattern of its own`, { hint: `drop --to: \`ddp add ${doc.id} ${opts.name}\`, or attach sidecar, ambassador, adapter or election` }));
  }
  const file = findTopologyFile(opts.file, cwd);
  // edited in place: standard input, a pipe or a device cannot be (and a pipe would be read twice)
  let st: Stats | undefined;
  try {
    st = file === '-' ? undefined : statSync(resolve(cwd, file));
  } catch {
    st = undefined; // missing or unreadable: loadFile below says which
  }
  if (file === '-' || (st && !st.isFile() && !st.isDirectory())) {
    throw new DdpError(error('not-a-regular-file', `ddp add edits the topology file in place, and ${file === '-' ? 'standard input' : file} is not a regular file`, { file: file === '-' ? '<stdin>' : file, hint: 'pass the topology file itself with --file' }));
  }
  const loaded = loadFile(file, cwd); // the file must parse before we touch it (positioned diagnostics otherwise)
  const raw = readFileSync(resolve(cwd, file), 'utf8');
  // CR-only line ends (an old Mac editor): edited as LF, written back as they were
  const crOnly = raw.includes('\r') && !raw.includes('\n');
  const text = crOnly ? raw.replaceAll('\r', '\n') : raw;
  const { withImages } = await import('../explain/images.js');
  const example = opts.to !== undefined ? doc.attach!.item(opts.name, opts.to, await portsOf(loaded.data, opts.to)) : doc.snippet(opts.name);
  const addedText = withImages(example, opts.images ?? [], `\`${doc.id}\``);
  const made = opts.to !== undefined ? attachToService(text, opts.to, doc.attach!.key, opts.name, addedText) : addEntry(text, doc.section, opts.name, addedText);
  const edited = withLineEndingsOf(text, asJsonLike(text, made)); // JSON stays JSON, CRLF stays CRLF
  const edit = crOnly && edited.ok ? { ...edited, text: edited.text.replaceAll('\n', '\r') } : edited;
  if (!edit.ok) throw new DdpError(error(edit.error.code, edit.error.message, { file, hint: edit.error.hint }));
  const diagnostics = await validateAll(parseTopologyText(edit.text, file));
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    throw new DdpError([
      error('add-invalid', `adding ${doc.id} \`${opts.name}\` would leave ${file} invalid; nothing was written`, { file, hint: 'fix the problems below (in the file as it is, or pick another name), then run ddp add again' }),
      ...(await asInTheFile(errors, loaded)),
    ]);
  }
  replaceFile(resolve(cwd, file), edit.text, file, `${file} is unchanged; ddp add writes a temporary file beside it and renames it over it: check that you can write its directory`);
  const added = opts.to !== undefined ? `/services/${opts.to}/${doc.attach!.key}` : `/${doc.section}/${opts.name}`;
  const placeholders = placeholdersIn(addedText, doc.attach?.placeholder); // with --to or without: the service's snippet has it too
  return { file, pattern: doc.id, name: opts.name, added, method: edit.method, diagnostics: diagnostics.filter((d) => d.severity !== 'info'), placeholders };
}

/**
 * The problems of the edited text, placed for the file as it is (nothing was written): one the
 * file already has at its own line and column; one the addition makes, at no line of the file
 * (its JSON pointer says where), since the lines of the edit are not in it.
 */
async function asInTheFile(errors: Diagnostic[], loaded: Loaded): Promise<Diagnostic[]> {
  const { validateAll } = await import('../flow.js');
  const key = (d: Diagnostic) => `${d.code}\0${d.pointer ?? ''}\0${d.message}`;
  const before = new Map((await validateAll(loaded)).map((d) => [key(d), d]));
  return errors.map((d) => {
    const known = before.get(key(d));
    if (known) return known;
    const { line: _line, col: _col, ...placeless } = d;
    return placeless;
  });
}

/** The ports service `name`'s pod listens on (none when the topology is not one a check can read yet). */
async function portsOf(data: unknown, name: string): Promise<Set<number>> {
  const services = (data as { services?: unknown } | null)?.services;
  if (services === null || typeof services !== 'object' || !Object.prototype.hasOwnProperty.call(services, name)) return new Set();
  const svc = (services as Record<string, unknown>)[name];
  if (svc === null || typeof svc !== 'object') return new Set();
  const { podPorts } = await import('../topology/semantic.js');
  try {
    return podPorts(svc as never, services as never);
  } catch {
    return new Set(); // a service the schema would refuse: validation after the edit says why
  }
}

export function addCommand(): Command {
  return new Command('add')
    .description('add a service from a pattern to an existing topology, keeping its comments, order and formatting; validates first')
    .argument('<pattern>', 'replicated, sharded, scatter-gather, function, work-queue, batch, pipeline, sidecar, ambassador, adapter, election')
    .argument('<name>', 'name of the new service (pipeline; with --to: of the sidecar, ambassador, adapter or election lock)')
    .option('-f, --file <file>', 'topology file (default: ddp.yaml, ddp.yml or topology.yaml)')
    .option('--to <service>', 'attach a sidecar, ambassador, adapter or election to this existing service instead')
    .option('--image <[role=]image>', 'your image in place of the example ghcr.io/acme/... one; role=image for a pattern with several (scatter-gather: root, leaves; batch: map, reduce; work-queue: worker; pipeline: a stage); repeatable', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--json', 'JSON on stdout')
    .addHelpText('after', '\nExamples:\n  $ ddp add work-queue thumbnails --image registry.example.com/thumbnails:1.2.0\n  $ ddp add scatter-gather search --image root=registry.example.com/search-root:2.1 --image leaves=registry.example.com/search-leaf:2.1\n  $ ddp add pipeline photos --file topology.yaml\n  $ ddp add sidecar log-shipper --to web');
}
