// Output files: the one shape every target returns. Paths are POSIX, relative to OUT.
import { DdpError, error } from '../diagnostics.js';

export interface OutputFile {
  path: string; // e.g. kubernetes/web.yaml
  content: string;
  target: string; // kubernetes | compose | nginx | varnish | twemproxy | fluent-bit
}

const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A path is safe when it is relative, has no `..` or empty segment, and only plain characters. */
export function isSafePath(p: string): boolean {
  if (p.startsWith('/') || p.includes('\\') || p.includes('\0')) return false;
  const parts = p.split('/');
  return parts.length > 0 && parts.every((s) => s !== '..' && s !== '.' && SAFE_SEGMENT.test(s));
}

/** Sorted by path; throws on unsafe paths and on two files at one path (an internal error). */
export function checkOutputFiles(files: OutputFile[]): OutputFile[] {
  const seen = new Map<string, OutputFile>();
  for (const f of files) {
    if (!isSafePath(f.path)) throw new DdpError(error('unsafe-path', `refusing to write ${JSON.stringify(f.path)}: output paths must stay inside the output directory`));
    if (seen.has(f.path)) throw new Error(`two outputs at one path: ${f.path} (${seen.get(f.path)!.target} and ${f.target})`);
    seen.set(f.path, f);
  }
  return [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
