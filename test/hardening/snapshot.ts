// Shared by the hardening tests: the whole state of a directory, to compare before and after.
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every entry under dir (relative path → 'dir' | 'link:<target>' | the file's bytes); symlinks not followed. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      const rel = relative(dir, p);
      if (st.isSymbolicLink()) out[rel] = `link:${readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[rel] = 'dir';
        walk(p);
      } else out[rel] = readFileSync(p, 'latin1');
    }
  };
  walk(dir);
  return out;
}

/** The temporary and old-output directories the writer puts beside OUT (none may be left). */
export const leftovers = (parent: string): string[] => readdirSync(parent).filter((f) => /\.ddp-(tmp|old)-/.test(f));
