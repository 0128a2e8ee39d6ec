// Build step (after tsc): bundle dist/ into dist/bundle/, which bin/ddp.js runs.
//
// Why: start-up is dominated by module resolution, not by work. Unbundled, `ddp generate` loads
// ~150 files (yaml alone is 70); Node 20 has no compile cache. One bundle cuts ~60 ms from every
// run, which is what keeps `ddp generate` of a small topology within 2× of `node -e 0`
// (DESIGN.md, performance budget; measured with `npm run bench`). rolldown is the bundler
// vitest/vite already install; no other tool is added.
//
// What it does beyond bundling:
//  - Patterns are found by name at run time (src/flow.ts imports `./patterns/${pattern}.js`); a
//    bundler cannot follow that, so the one template-literal import in flow.js becomes a switch
//    over the pattern modules present (every dist/patterns/*.js that exports `expand`), each a
//    lazily loaded chunk. An unknown name still fails as a missing module does.
//  - Modules that locate files relative to themselves (`new URL('../package.json',
//    import.meta.url)`) keep seeing their original dist/ location.
//  - Whatever is dynamically imported (lint, explain, graph, init, targets, patterns) stays a
//    separate chunk, loaded only by the command that needs it.
import { rolldown } from 'rolldown';
import { readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { join, relative, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const out = join(dist, 'bundle');
const posix = (p) => p.split(sep).join('/');

const PATTERN_IMPORT = /import\(\s*(?:\/\*[^*]*\*\/\s*)?`\.\/patterns\/\$\{(\w+)\}\$\{\w+\}`\s*\)/;

function patternModules() {
  const dir = join(dist, 'patterns');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.js') && /^export (?:async )?function expand\b|^export const expand\b/m.test(readFileSync(join(dir, f), 'utf8')))
    .map((f) => f.slice(0, -3))
    .sort();
}

const ddpPlugin = {
  name: 'ddp-dist',
  transform(code, id) {
    if (!id.startsWith(dist + sep) || id.startsWith(out + sep)) return null;
    let text = code;
    if (id === join(dist, 'flow.js')) {
      const m = PATTERN_IMPORT.exec(text);
      if (!m) throw new Error('scripts/bundle.mjs: the pattern import `import(`./patterns/${pattern}${ext}`)` is not in dist/flow.js any more; update PATTERN_IMPORT');
      const names = patternModules();
      if (!names.length) throw new Error('scripts/bundle.mjs: no pattern module (dist/patterns/*.js exporting expand)');
      const cases = names.map((n) => `    case ${JSON.stringify(n)}: return import(${JSON.stringify(`./patterns/${n}.js`)});`).join('\n');
      text = text.replace(PATTERN_IMPORT, `__ddpPatternImport(${m[1]})`);
      text += `\n// added by scripts/bundle.mjs: the pattern modules of this build\nfunction __ddpPatternImport(name) {\n  switch (name) {\n${cases}\n  }\n  const e = new Error(\`Cannot find module './patterns/\${name}.js'\`);\n  e.code = 'ERR_MODULE_NOT_FOUND';\n  return Promise.reject(e);\n}\n`;
    }
    if (text.includes('import.meta.url')) {
      // the bundle lives in dist/bundle/: point import.meta.url back at the module's own file
      const own = posix(relative(out, id));
      text = text.replaceAll('import.meta.url', `new URL(${JSON.stringify(own)}, import.meta.url).href`);
    }
    return text === code ? null : { code: text, map: null };
  },
};

if (!existsSync(join(dist, 'cli.js'))) throw new Error('scripts/bundle.mjs: run tsc first (dist/cli.js is missing)');
rmSync(out, { recursive: true, force: true });
const bundle = await rolldown({
  input: { cli: join(dist, 'cli.js') },
  platform: 'node',
  plugins: [ddpPlugin],
  logLevel: 'warn',
  onLog(level, log, handler) {
    // cli.ts imports each command's definition statically and its run function dynamically: expected
    if (log.code === 'EMPTY_IMPORT_META' || log.code === 'MIXED_EXPORTS' || log.code === 'INEFFECTIVE_DYNAMIC_IMPORT') return;
    handler(level, log);
  },
});
// one chunk for what validate and generate run (each extra file costs a resolve, a read and a
// compile); command-specific code (lint and its API schemas, explain, graph, scaffolding) and the
// terminal colours stay in chunks of their own, loaded on demand
// (lint compiles schemas with ajv itself; the topology validator needs only ajv's small runtime)
const ON_DEMAND = /[\\/]dist[\\/](?:lint|explain|graph|scaffold)[\\/]|[\\/]dist[\\/]generated[\\/](?:k8s-schemas|validate-compose)\.js$|[\\/]node_modules[\\/](?:chalk|ajv-formats|fast-uri|fast-deep-equal|json-schema-traverse|require-from-string)[\\/]|[\\/]node_modules[\\/]ajv[\\/](?!dist[\\/]runtime[\\/]ucs2length)/;
const { output } = await bundle.write({
  dir: out,
  format: 'esm',
  entryFileNames: '[name].mjs',
  chunkFileNames: '[name]-[hash].mjs',
  sourcemap: false,
  codeSplitting: { groups: [{ name: 'ddp', test: (id) => !ON_DEMAND.test(id), priority: 1 }] },
});
await bundle.close();
const size = output.reduce((a, c) => a + (c.type === 'chunk' ? c.code.length : 0), 0);
const entry = output.find((c) => c.type === 'chunk' && c.isEntry);
process.stdout.write(`bundle: dist/bundle/ — ${output.length} chunks, ${(size / 1024).toFixed(0)} KiB (entry ${(entry.code.length / 1024).toFixed(0)} KiB), patterns: ${patternModules().join(', ')}\n`);
