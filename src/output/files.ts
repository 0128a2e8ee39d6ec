// Output files: the one shape every target returns. Paths are POSIX, relative to OUT.
import { DdpError, error } from '../diagnostics.js';

export interface OutputFile {
  path: string; // e.g. kubernetes/web.yaml
  content: string;
  target: string; // kubernetes | compose | nginx | varnish | twemproxy | fluent-bit
  /**
   * A big file (the compose file: ~25 MB at 10,000 services) also offers its content a piece at a
   * time — the same bytes as `content`, each piece ending with a newline, rendered anew on each
   * call — so that `generate -o` can check and write it without ever holding it whole.
   */
  pieces?: () => Iterable<string>;
  /**
   * Parses the content again and throws if it is broken (src/flow.ts `reparse`). Whoever prints
   * or writes the file calls it first; the writer skips it for a file DIR already holds byte for
   * byte, untouched since ddp wrote (and checked) it.
   */
  verify?: () => void;
}

const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A path is safe when it is relative, has no `..` or empty segment, and only plain characters. */
export function isSafePath(p: string): boolean {
  if (p.startsWith('/') || p.includes('\\') || p.includes('\0')) return false;
  const parts = p.split('/');
  return parts.length > 0 && parts.every((s) => s !== '..' && s !== '.' && SAFE_SEGMENT.test(s));
}

/** Throws on an unsafe path, and on a second file at a path already in `seen` (an internal error). */
export function checkOutputFile(f: OutputFile, seen: Map<string, string>): void {
  if (!isSafePath(f.path)) throw new DdpError(error('unsafe-path', `refusing to write ${JSON.stringify(f.path)}: output paths must stay inside the output directory`));
  const other = seen.get(f.path);
  if (other !== undefined) throw new Error(`two outputs at one path: ${f.path} (${other} and ${f.target})`);
  seen.set(f.path, f.target);
}

export const byPath = <T extends { path: string }>(a: T, b: T): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
