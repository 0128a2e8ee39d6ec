// ajv's standalone validators, even as ES modules, call require() for ajv's small runtime helpers
// (`require("ajv/dist/runtime/ucs2length").default`). This gives a generated validator a
// require() of its own that serves those helpers from static imports instead, so that the bundler
// takes them into the bundle: at run time nothing is looked up in node_modules (a createRequire
// and its package.json walk cost ~1.5 ms of every start) -- and nothing else can be required.
const RUNTIME = /require\("(ajv\/dist\/runtime\/[\w-]+)"\)/g;

/** The lines to put before `code` (an ajv standalone ES module). */
export function ajvRuntimeHeader(code) {
  const ids = [...new Set([...code.matchAll(RUNTIME)].map((m) => m[1]))].sort();
  const other = code.replace(RUNTIME, '').match(/\brequire\(\s*["'][^"']*["']\s*\)/);
  if (other) throw new Error(`ajv-runtime: the generated validator requires more than ajv's runtime: ${other[0]}`);
  if (!ids.length) return '';
  const imports = ids.map((id, i) => `import ajvRuntime${i} from '${id}.js';`).join('\n');
  const table = ids.map((id, i) => `  ${JSON.stringify(id)}: ajvRuntime${i},`).join('\n');
  // a CommonJS module imported as a default is its module.exports in Node ({ default: helper }),
  // and may be the helper itself in a bundler that honours __esModule: either way, { default: helper }
  return `${imports}
const ajvRuntime = {
${table}
};
const require = (id) => {
  const m = ajvRuntime[id];
  if (m === undefined) throw new Error(\`ajv runtime helper \${id} is not bundled (scripts/ajv-runtime.mjs)\`);
  return typeof m === 'function' ? { default: m } : m;
};
`;
}
