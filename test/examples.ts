// Shared by tests: every example topology under examples/*/ddp.yaml, rendered in memory.
import { readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepare, renderTargets, TARGETS } from '../src/flow.js';
import type { OutputFile } from '../src/output/files.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const EXAMPLES_DIR = join(ROOT, 'examples');

export function exampleNames(): string[] {
  return readdirSync(EXAMPLES_DIR).filter((d) => existsSync(join(EXAMPLES_DIR, d, 'ddp.yaml'))).sort();
}

/** Render every target of an example (optionally with an environment) without touching the disk. */
export async function renderExample(name: string, env?: string): Promise<OutputFile[]> {
  const prepared = await prepare({ file: join('examples', name, 'ddp.yaml'), cwd: ROOT, env });
  return renderTargets(prepared.model, TARGETS);
}
