// `ddp explain [PATTERN]`: what a pattern is for, when to use it, what ddp generates for it on
// each target, and a minimal topology snippet. Without a pattern: the list of patterns.
import { Command } from 'commander';
import type { Style } from '../format.js';

export interface ExplainEntry {
  id: string;
  title: string;
  chapter: string;
  group: string;
  summary: string;
  when: string[];
  avoid: string[];
  generates: { kubernetes: string; compose: string; configs: string };
  section: 'services' | 'pipelines';
  snippet: string;
}

export type ExplainResult = { pattern: ExplainEntry } | { patterns: { id: string; title: string; chapter: string; group: string }[] };

export async function runExplain(pattern: string | undefined): Promise<ExplainResult> {
  const { PATTERNS, patternDoc, PATTERN_IDS } = await import('../explain/patterns.js');
  if (pattern === undefined) return { patterns: PATTERNS.map((p) => ({ id: p.id, title: p.title, chapter: p.chapter, group: p.group })) };
  const doc = patternDoc(pattern);
  if (!doc) {
    const { DdpError, error, didYouMean } = await import('../diagnostics.js');
    const guess = didYouMean(pattern, PATTERN_IDS);
    throw new DdpError(error('unknown-pattern', `no pattern \`${pattern}\``, { hint: guess ? `did you mean \`${guess}\`? (patterns: ${PATTERN_IDS.join(', ')})` : `patterns: ${PATTERN_IDS.join(', ')}` }));
  }
  const { snippet, attach, ...rest } = doc;
  void attach;
  const { sample, ...entry } = rest;
  return { pattern: { ...entry, snippet: snippet(sample) } };
}

/** Word-wrap at `width`; continuation lines take the `hang` indent. */
const wrap = (text: string, indent: string, hang = indent, width = 96): string => {
  const lines: string[] = [];
  let cur = '';
  for (const w of text.split(/\s+/)) {
    const prefix = lines.length ? hang : indent;
    if (cur && (prefix + cur + ' ' + w).length > width) {
      lines.push(prefix + cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push((lines.length ? hang : indent) + cur);
  return lines.join('\n');
};

export function explainText(r: ExplainResult, s: Style): string {
  if ('patterns' in r) {
    const groups: [string, string][] = [['single-node', 'Single-node patterns (on any service)'], ['serving', 'Serving patterns'], ['batch', 'Batch patterns']];
    let out = '';
    for (const [g, title] of groups) {
      out += `${s.bold(title)}\n`;
      for (const p of r.patterns.filter((x) => x.group === g)) out += `  ${p.id.padEnd(16)} ${p.title} (${p.chapter})\n`;
    }
    return out + '\nRun `ddp explain <pattern>` for one of them.\n';
  }
  const p = r.pattern;
  const where = p.section === 'pipelines' ? 'pipelines' : 'services';
  const snippet = p.snippet.replace(/^/gm, '    ').replace(/ +$/gm, '');
  return [
    `${s.bold(`${p.id} — ${p.title}`)} (Designing Distributed Systems, ${p.chapter})`,
    '',
    wrap(p.summary, '  '),
    '',
    s.bold('When to use it'),
    ...p.when.map((w) => wrap(`- ${w}`, '  ', '    ')),
    '',
    s.bold('When not to'),
    ...p.avoid.map((w) => wrap(`- ${w}`, '  ', '    ')),
    '',
    s.bold('What ddp generates'),
    wrap(`kubernetes: ${p.generates.kubernetes}`, '  ', '    '),
    wrap(`compose: ${p.generates.compose}`, '  ', '    '),
    wrap(`configs: ${p.generates.configs}`, '  ', '    '),
    '',
    s.bold('Minimal topology'),
    `  ${where}:`,
    snippet.replace(/\n$/, ''),
    '',
    `Scaffold it: ddp init --pattern ${p.id} --name <name>   or   ddp add ${p.id} <name>`,
    '',
  ].join('\n');
}

export function explainCommand(): Command {
  return new Command('explain')
    .description('what a pattern is for, when to use it, what ddp generates for it, with a minimal snippet')
    .argument('[pattern]', 'replicated, sharded, scatter-gather, function, work-queue, batch, pipeline, sidecar, ambassador, adapter, election (none: list them)')
    .option('--json', 'JSON on stdout')
    .addHelpText('after', '\nExamples:\n  $ ddp explain\n  $ ddp explain sharded\n  $ ddp explain work-queue --json');
}
