// Build step (after tsc): bundle dist/ into dist/bundle/, which bin/ddp.js runs, with a V8 code
// cache for its main chunk.
//
// Why: start-up is dominated by loading code, not by work. Unbundled, `ddp generate` loads ~150
// files (yaml alone is 70), and Node 20 has no compile cache (module.enableCompileCache is 22+).
// One bundle cuts ~60 ms; compiling it from a code cache made here (vm.Script cachedData, after a
// representative run, so it holds the bytecode of what generate and validate execute) cuts
// ~40 ms more. Together they keep `ddp generate` of a small topology near 2× `node -e 0`
// (DESIGN.md, performance budget; measured with `npm run bench`). rolldown is the bundler
// vitest/vite already install; no other tool is added.
//
// What it does beyond bundling:
//  - Patterns are found by name at run time (src/flow.ts imports `./patterns/${pattern}.js`); a
//    bundler cannot follow that, so the one template-literal import in flow.js becomes a switch
//    over the pattern modules present (every dist/patterns/*.js that exports `expand`). An
//    unknown name still fails as a missing module does.
//  - Modules that locate files relative to themselves (`new URL('../package.json',
//    import.meta.url)`) keep seeing their original dist/ location.
//  - Command-specific code (lint and its API schemas, explain, graph, scaffolding) and the
//    terminal colours stay in chunks of their own, loaded only by the command that needs them.
//  - The output is CommonJS: only a classic script can be compiled from a code cache on Node 20.
//    dist/bundle/bundle.json names the main chunk and its cache; the cache is used only by the
//    same Node (V8 checks its version and flags) and only for the chunk whose hash it carries.
//    Without a cache, or with one V8 rejects, the chunk is simply compiled: slower, never wrong.
import { rolldown } from 'rolldown';
import { readFileSync, readdirSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { join, relative, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { oneOfEach } from './synthetic.mjs';

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

// commander loads child_process (and with it net and dgram, ~5 ms) at start-up, for executable
// subcommands ddp never has: the bundle loads it when commander first spawns, i.e. never
const COMMANDER_CHILD_PROCESS = "const childProcess = require('node:child_process');";
const lazyChildProcess = {
  name: 'ddp-lazy-child-process',
  transform(code, id) {
    if (!/[\\/]node_modules[\\/]commander[\\/]lib[\\/]command\.js$/.test(id)) return null;
    if (!code.includes(COMMANDER_CHILD_PROCESS)) throw new Error(`scripts/bundle.mjs: commander no longer has \`${COMMANDER_CHILD_PROCESS}\`; update lazyChildProcess`);
    return { code: code.replace(COMMANDER_CHILD_PROCESS, "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };"), map: null };
  },
};

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
      // the bundle lives in dist/bundle/: import.meta.url is the module's own file in dist/
      text = text.replaceAll('import.meta.url', `__ddpModuleUrl(${JSON.stringify(posix(relative(out, id)))})`);
    }
    return text === code ? null : { code: text, map: null };
  },
};

// one chunk for what validate and generate run (each extra file costs a resolve, a read and a
// compile); lint compiles schemas with ajv itself, the topology validator needs only ajv's runtime
const ON_DEMAND = /[\\/]dist[\\/](?:lint|explain|graph|scaffold)[\\/]|[\\/]dist[\\/]generated[\\/](?:k8s-schemas|validate-compose)\.js$|[\\/]node_modules[\\/](?:chalk|ajv-formats|fast-uri|fast-deep-equal|json-schema-traverse|require-from-string)[\\/]|[\\/]node_modules[\\/]ajv[\\/](?!dist[\\/]runtime[\\/]ucs2length)/;

if (!existsSync(join(dist, 'cli.js'))) throw new Error('scripts/bundle.mjs: run tsc first (dist/cli.js is missing)');
rmSync(out, { recursive: true, force: true });
const bundle = await rolldown({
  input: { cli: join(dist, 'cli.js') },
  platform: 'node',
  plugins: [ddpPlugin, lazyChildProcess],
  logLevel: 'warn',
  onLog(level, log, handler) {
    // cli.ts imports each command's definition statically and its run function dynamically: expected
    if (log.code === 'EMPTY_IMPORT_META' || log.code === 'MIXED_EXPORTS' || log.code === 'INEFFECTIVE_DYNAMIC_IMPORT') return;
    handler(level, log);
  },
});
const { output } = await bundle.write({
  dir: out,
  format: 'cjs',
  entryFileNames: '[name].cjs',
  chunkFileNames: '[name]-[hash].cjs',
  sourcemap: false,
  banner: `const __ddpModuleUrl = (file) => require('node:url').pathToFileURL(require('node:path').join(__dirname, file)).href;`,
  codeSplitting: { groups: [{ name: 'ddp', test: (id) => !ON_DEMAND.test(id), priority: 1 }] },
});
await bundle.close();

// Pure ASCII: a few `→` or `—` in comments and messages would make V8 hold the whole 1.2 MB main
// chunk as a two-byte string (twice the memory, slower to read and hash). Outside ASCII, every
// character is written as its \u escape — the same character in a string, template or regular
// expression, and harmless in a comment. (Identifiers are ASCII in this code base.)
const toAscii = (code) => code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
const code = new Map(); // fileName → the code as written
for (const c of output) {
  if (c.type !== 'chunk') continue;
  code.set(c.fileName, /[^\x00-\x7f]/.test(c.code) ? toAscii(c.code) : c.code);
  if (code.get(c.fileName) !== c.code) writeFileSync(join(out, c.fileName), code.get(c.fileName));
}

const core = output.find((c) => c.type === 'chunk' && c.name === 'ddp');
if (!core) throw new Error('scripts/bundle.mjs: no main chunk');
// The main chunk runs from a code cache (bin/load.cjs), and V8 drops the dynamic-import hook of a
// script compiled from a cache: an `import()` left in it fails at run time ("A dynamic import
// callback was not specified") -- `ddp init` and `ddp add` did, for every user. Load a built-in
// statically or with process.getBuiltinModule instead; comments (JSDoc `import('x')` types) aside.
const dynamicImports = code
  .get(core.fileName)
  .split('\n')
  .map((line, i) => [i + 1, line])
  .filter(([, line]) => /(^|[^.\w$])import\s*\(/.test(line) && !/^\s*(\*|\/\/|\/\*)/.test(line));
if (dynamicImports.length) {
  throw new Error(`scripts/bundle.mjs: the main chunk has import() calls, which fail when it runs from its code cache:\n${dynamicImports.map(([n, l]) => `  ${core.fileName}:${n}: ${l.trim().slice(0, 120)}`).join('\n')}\nuse a static import, or process.getBuiltinModule() for a Node built-in`);
}
const sha = createHash('sha256').update(code.get(core.fileName)).digest('hex');
const meta = { format: 'cjs', entry: 'cli.cjs', core: core.fileName, sha256: sha, cache: `${core.fileName}.${sha.slice(0, 16)}.v8cache`, node: process.version };
writeFileSync(join(out, 'bundle.json'), JSON.stringify(meta, null, 2) + '\n');

// the code cache: a representative run (validate, generate to --stdout, and generate into a
// directory, new and then up to date, of a synthetic topology with one service of every variant
// and a pipeline: scripts/synthetic.mjs; bin/load.cjs makeCodeCache) in a child
// Node without extra flags -- V8 accepts a cache only under the flags it was made with. V8 reads
// the whole cache at every start, so it should hold what runs everywhere and little else: made
// from all twelve examples (and their environments) instead, it was 3 % bigger and cost 1-3 %
// more instructions per run (callgrind: generate of 10 services, of examples 01 and 09,
// validate of example 04).
const cacheInput = join(out, 'code-cache-topology.yaml');
writeFileSync(cacheInput, oneOfEach());
const made = spawnSync(
  process.execPath,
  ['-e', 'require(process.argv[1]).makeCodeCache(process.argv[2], JSON.parse(process.argv[3])).catch((e) => { console.error(String(e && e.message)); process.exit(1); })', join(root, 'bin', 'load.cjs'), root, JSON.stringify([cacheInput])],
  { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
);
rmSync(cacheInput, { force: true });
const cached = existsSync(join(out, meta.cache));
if (made.status !== 0 || !cached) process.stderr.write(`bundle: no code cache (${(made.stderr || made.stdout || '').trim().split('\n')[0] || `exit ${made.status}`}); ddp starts ~40 ms slower\n`);

const size = [...code.values()].reduce((a, c) => a + c.length, 0);
process.stdout.write(`bundle: dist/bundle/ — ${output.length} chunks, ${(size / 1024).toFixed(0)} KiB (main ${(code.get(core.fileName).length / 1024).toFixed(0)} KiB${cached ? ', code cache' : ''}), patterns: ${patternModules().join(', ')}\n`);
