// Formatters: the only place that styles text. Diagnostics → human text (colour only on a TTY
// without NO_COLOR), JSON, or GitHub workflow commands.
import type { Diagnostic } from './diagnostics.js';

export type OutputFormat = 'text' | 'json' | 'github';

export interface Style {
  red: (s: string) => string;
  yellow: (s: string) => string;
  cyan: (s: string) => string;
  dim: (s: string) => string;
  bold: (s: string) => string;
  green: (s: string) => string;
}
const plain: Style = { red: (s) => s, yellow: (s) => s, cyan: (s) => s, dim: (s) => s, bold: (s) => s, green: (s) => s };

/** Colour only when the stream is a TTY and NO_COLOR is unset (https://no-color.org). */
export async function styleFor(stream: NodeJS.WriteStream): Promise<Style> {
  if (!stream.isTTY || process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '' || process.env.FORCE_COLOR === '0') return plain;
  const { Chalk } = await import('chalk');
  const c = new Chalk({ level: 1 });
  return { red: c.red, yellow: c.yellow, cyan: c.cyan, dim: c.dim, bold: c.bold, green: c.green };
}

/** Characters a terminal (or a log viewer) acts on rather than shows: C0 and C1 controls but tab
 *  and newline, DEL, the line separators and the bidirectional overrides ("Trojan source"). */
const ACTIVE = /[\x00-\x08\x0B-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;

/** Text from the input (a value, a key, a file name) made inert for printing: `\u001b` instead
 *  of an escape sequence that would recolour, move the cursor or rewrite what the user sees. */
export const inert = (text: string): string => text.replace(ACTIVE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** inert, and on one line: a newline in a value (`image: "x\nerror[fake]: all good"`) would print
 *  as a line of its own, one that looks like ddp's; it shows as `\n` instead. */
const oneLine = (text: string): string => inert(text).replace(/\n/g, '\\n');

export function formatDiagnostic(d: Diagnostic, s: Style = plain): string {
  const where = d.file ? `${oneLine(d.file)}${d.line ? `:${d.line}:${d.col ?? 1}` : ''}: ` : '';
  const sev = d.severity === 'error' ? s.red('error') : d.severity === 'warning' ? s.yellow('warning') : s.cyan('info');
  let out = `${where}${sev}[${d.code}]: ${oneLine(d.message)}`;
  if (d.pointer !== undefined && d.pointer !== '') out += s.dim(` (at ${oneLine(d.pointer)})`);
  if (d.hint) out += `\n  ${s.dim('hint:')} ${oneLine(d.hint)}`;
  return out;
}

export function formatDiagnostics(ds: Diagnostic[], s: Style = plain): string {
  if (ds.length === 0) return '';
  const errors = ds.filter((d) => d.severity === 'error').length;
  const warnings = ds.filter((d) => d.severity === 'warning').length;
  const summary = [errors ? `${errors} error${errors === 1 ? '' : 's'}` : '', warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ');
  return ds.map((d) => formatDiagnostic(d, s)).join('\n') + (summary ? `\n${s.bold(summary)}` : '') + '\n';
}

const ghEscapeData = (s: string) => inert(s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A'));
const ghEscapeProp = (s: string) => ghEscapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** GitHub Actions workflow commands: ::error file=F,line=L,col=C,title=T::message */
export function formatGithub(ds: Diagnostic[]): string {
  return ds
    .map((d) => {
      const level = d.severity === 'error' ? 'error' : d.severity === 'warning' ? 'warning' : 'notice';
      const props = [d.file ? `file=${ghEscapeProp(d.file)}` : '', d.line ? `line=${d.line}` : '', d.col ? `col=${d.col}` : '', `title=${ghEscapeProp(`ddp ${d.code}`)}`].filter(Boolean).join(',');
      return `::${level} ${props}::${ghEscapeData(d.message + (d.hint ? ` (hint: ${d.hint})` : ''))}\n`;
    })
    .join('');
}
