'use strict';
// Loads the bundled program (dist/bundle/, made by scripts/bundle.mjs): its main chunk is compiled
// from the V8 code cache the build made, when this Node accepts it (same V8 version and flags),
// which saves ~40 ms of every start. Without a cache, or with one V8 rejects, the chunk is
// compiled as usual. CommonJS on purpose: only a classic script takes a code cache on Node 20.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

/** The program's `main`, or undefined when there is no bundle (a build that stopped after tsc). */
function loadProgram(root, { useCache = true } = {}) {
  const dir = path.join(root, 'dist', 'bundle');
  let meta;
  try {
    meta = JSON.parse(fs.readFileSync(path.join(dir, 'bundle.json'), 'utf8'));
  } catch (e) {
    if (e && e.code === 'ENOENT') return undefined;
    throw e;
  }
  const file = path.join(dir, meta.core);
  // a vm script needs this to run `import()` (node: built-ins the commands load on demand)
  const dynamicImport = vm.constants && vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  let script;
  if (dynamicImport !== undefined) {
    // the bundle is pure ASCII (scripts/bundle.mjs escapes the rest), and Node 20 reads latin1
    // ~8× faster than UTF-8: 2 ms instead of 18 for the 1.2 MB main chunk
    const source = fs.readFileSync(file, 'latin1');
    let cachedData;
    if (useCache) {
      try {
        cachedData = fs.readFileSync(path.join(dir, meta.cache));
      } catch {
        cachedData = undefined;
      }
    }
    script = new vm.Script(Module.wrap(source), { filename: file, cachedData, importModuleDynamically: dynamicImport });
    const mod = new Module(file, module);
    mod.filename = file;
    Module._cache[file] = mod;
    try {
      script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, dir);
      mod.loaded = true;
    } catch (e) {
      delete Module._cache[file];
      throw e;
    }
  }
  const { main } = require(path.join(dir, meta.entry));
  return { main, script, meta, dir };
}

/**
 * Build time (scripts/bundle.mjs): run `validate` and `generate` on the given topologies, then
 * write the code cache of the main chunk, holding the bytecode of everything that ran. generate
 * runs as people run it too, into a directory (a temporary one): once into a new directory and
 * once more into the same, up to date -- else the writer's code is compiled at every start.
 */
async function makeCodeCache(root, topologies) {
  const p = loadProgram(root, { useCache: false });
  if (!p || !p.script) throw new Error('no bundle, or this Node cannot compile it from a cache');
  const io = { stdout() {}, stderr() {}, stderrStream: { isTTY: false } };
  const tmp = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'ddp-code-cache-'));
  try {
    for (const [i, t] of topologies.entries()) {
      await p.main(['validate', t], io);
      await p.main(['generate', t, '--stdout'], io);
      const out = path.join(tmp, String(i));
      for (const round of ['new', 'up to date']) {
        const code = await p.main(['generate', t, '-o', out], io);
        if (code !== 0) throw new Error(`generate -o (${round}) of ${t} exited ${code}`);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  fs.writeFileSync(path.join(p.dir, p.meta.cache), p.script.createCachedData());
}

module.exports = { loadProgram, makeCodeCache };
