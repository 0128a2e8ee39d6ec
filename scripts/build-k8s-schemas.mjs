// Build-time bundle of the real Kubernetes API schemas for `ddp lint` (run by `npm run build`).
//
// kubernetes-models ships its OpenAPI definitions as ajv *standalone-compiled* CommonJS validators
// (`_schemas/*.js`, one module per definition, `$ref`s turned into `require`s). This script walks
// the require graph from every top-level kind (and the few embedded types ddp's CRD checks need),
// and writes them into one ES module, src/generated/k8s-schemas.js, each definition a lazily run
// factory. So kubernetes-models (22 MB, ~10,000 files) stays a devDependency, `ddp lint` loads one
// ~3 MB file only when it runs, and nothing else pays for it. The validators' only run-time need,
// `@kubernetes-models/validate`'s `formats`, is replaced by the six formats they use (byte, int32,
// int64, double, quantity, date-time), written out below after that package's definitions
// (test/lint/k8s-schemas.test.ts checks them against the originals).
//
// kubernetes-models' generator also drops from its schemas every property named `description` or
// `x-kubernetes-*` (it takes them for OpenAPI annotations): its validators never read
// JSONSchemaProps.description or .x-kubernetes-preserve-unknown-fields (nor PriorityClass.description,
// CustomResourceColumnDefinition.description), and `ddp lint` called each an unknown field. Its
// TypeScript declarations still list them, so each definition whose validator lacks a declared field
// gets a wrapper that reads and type-checks that field (see lostFields below).
//
// Second, the Compose Specification schema (../shared/vendor/compose-spec.json, beside the
// repository; never copied into it) compiled with ajv standalone into
// src/generated/validate-compose.js, for `ddp lint` of compose files. Where that file is absent
// the module exports null and `ddp lint` says that it skips the compose schema check.
import { readFileSync, writeFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { ajvRuntimeHeader } from './ajv-runtime.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'src/generated');
const require = createRequire(join(root, 'package.json'));
const pkgRoot = dirname(require.resolve('kubernetes-models/package.json'));
const version = JSON.parse(readFileSync(join(pkgRoot, 'package.json'), 'utf8')).version;

/** Embedded (non-kind) types that the linter validates on their own: CRDs embed them. */
const EMBEDDED = [
  ['v1', 'PodSpec', 'IoK8sApiCoreV1PodSpec.js'],
  ['batch/v1', 'JobSpec', 'IoK8sApiBatchV1JobSpec.js'],
  ['autoscaling/v2', 'HorizontalPodAutoscalerBehavior', 'IoK8sApiAutoscalingV2HorizontalPodAutoscalerBehavior.js'],
];

// every class module `X.apiVersion="g/v",X.kind="K"` that validates with a _schemas module
const kinds = [];
const declarations = new Map(); // _schemas file → the .d.ts of its class module (every definition, kinds or not)
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== '_schemas' && name !== 'node_modules') walk(p);
    } else if (name.endsWith('.js')) {
      const text = readFileSync(p, 'utf8');
      const m = /\.apiVersion="([^"]+)",\w+\.kind="([^"]+)"/.exec(text);
      const s = /require\("(?:\.\.\/)+_schemas\/([^"]+)"\)/.exec(text);
      if (s) declarations.set(s[1], p.replace(/\.js$/, '.d.ts'));
      if (m && s && !m[2].endsWith('List')) kinds.push([m[1], m[2], s[1]]);
    }
  }
};
walk(pkgRoot);
if (kinds.length < 50) throw new Error(`build-k8s-schemas: found only ${kinds.length} kinds in ${pkgRoot}; has kubernetes-models changed its layout?`);

/** The check of a declared type, as code for checkLost (in the generated module): a typeof name,
 *  [item check], or {of: <the module of a definition>}. */
function typeCheck(type, where) {
  if (type === 'string' || type === 'boolean') return JSON.stringify(type);
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return `[${typeCheck(array[1], where)}]`;
  const ref = /^I(IoK8s\w+)$/.exec(type);
  if (ref && existsSync(join(pkgRoot, '_schemas', `${ref[1]}.js`))) return `{of:require("./${ref[1]}.js")}`;
  throw new Error(`build-k8s-schemas: ${where} has the type \`${type}\`, which lostFields cannot check`);
}

/** The fields the .d.ts of a definition declares and its validator `code` never reads: [name, check code]. */
function lostFields(schemaFile, code) {
  const dts = declarations.get(schemaFile);
  if (!dts || !existsSync(dts)) return [];
  const body = /export interface I\w+(?: extends [^{]*)? \{([\s\S]*?)\n\}/.exec(readFileSync(dts, 'utf8'))?.[1] ?? '';
  const lost = [];
  for (const [, name, type] of body.matchAll(/^ {4}"([^"]+)"\??: (.*?);?$/gm)) {
    const read = new RegExp(`\\bdata\\.${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w$])`).test(code) || code.includes(`[${JSON.stringify(name)}]`);
    if (!read) lost.push([name, typeCheck(type, `${schemaFile} field "${name}"`)]);
  }
  return lost;
}

/** `code` with its exported validator wrapped so that it also checks the `lost` fields (which the
 *  validator's own recursive calls reach too: the wrapper takes the validator's name). */
function withLostFields(code, lost, file) {
  const exported = [...code.matchAll(/\bvalidate=(function )?(validate\d+)\b/g)];
  const [, expression, fn] = exported[0] ?? [];
  if (exported.length !== 1 || code.split(`function ${fn}(`).length !== 2) throw new Error(`build-k8s-schemas: cannot find the validator to wrap in ${file}`);
  const fields = lost.map(([name, check]) => `${JSON.stringify(name)}:${check}`).join(',');
  // the original is renamed ${fn}$models (a function expression's new name binds nothing outside it)
  return `${code.replace(`function ${fn}(`, `function ${fn}$models(`)}
;${expression ? `const ${fn}$models=validate;` : ''}validate=${fn};
const lostFieldChecks={${fields}};
function ${fn}(data,options={}){const ok=${fn}$models(data,options),lost=checkLost(data,options,lostFieldChecks);if(lost.length)${fn}.errors=(${fn}.errors||[]).concat(lost);return ok&&0===lost.length}`;
}

// kubernetes-models has JSONSchemaPropsOr{Bool,Array,StringArray} as a bare `type: object`: a free-form
// object, so a CRD schema's items, additionalProperties, additionalItems and dependencies went
// unchecked, and `additionalProperties: true` was "must be object". The API takes a JSONSchemaProps
// or, in turn, a boolean, a list of JSONSchemaProps, a list of strings: these modules say so.
const EITHER = /^(IoK8sApiextensionsApiserverPkgApisApiextensionsV1(?:beta1)?)JSONSchemaPropsOr(Bool|Array|StringArray)\.js$/;
const EITHER_ALTERNATIVE = { Bool: 'boolean', Array: 'schemas', StringArray: 'strings' };
function eitherModule(file, code) {
  const [, prefix, or] = EITHER.exec(basename(file));
  if (/\bdata\./.test(code)) throw new Error(`build-k8s-schemas: ${file} is no longer a bare object schema; check whether eitherModule is still needed`);
  return `"use strict";Object.defineProperty(exports,"__esModule",{value:!0}),Object.defineProperty(exports,"validate",{enumerable:!0,get:function(){return validate}});
const props=require("./${prefix}JSONSchemaProps.js");
function validate(data,options={}){const errors=checkEither(data,options,${JSON.stringify(EITHER_ALTERNATIVE[or])},props.validate);validate.errors=errors.length?errors:null;return 0===errors.length}`;
}

const VALIDATE = '@kubernetes-models/validate';
const ids = new Map(); // absolute file → numeric id
const modules = []; // [id, code]
const patched = []; // "Definition: the lost fields it checks again"
const visit = (file) => {
  if (ids.has(file)) return ids.get(file);
  const id = ids.size + 1; // 0 is the formats shim
  ids.set(file, id);
  let code = readFileSync(file, 'utf8');
  if (EITHER.test(basename(file))) code = eitherModule(file, code);
  const lost = dirname(file) === join(pkgRoot, '_schemas') ? lostFields(basename(file), code) : [];
  if (lost.length) {
    code = withLostFields(code, lost, file);
    patched.push(`${basename(file, '.js')}: ${lost.map(([name]) => name).join(', ')}`);
  }
  const slot = modules.push([id, '']) - 1;
  const rewritten = code.replace(/require\("([^"]+)"\)/g, (_, spec) => {
    if (spec === VALIDATE) return 'require(0)';
    if (!spec.startsWith('.') && !spec.startsWith('@kubernetes-models/apimachinery/')) throw new Error(`build-k8s-schemas: unexpected require("${spec}") in ${file}`);
    return `require(${visit(require.resolve(spec, { paths: [dirname(file)] }))})`;
  });
  modules[slot][1] = rewritten;
  return id;
};
const entries = {};
for (const [apiVersion, kind, schemaFile] of kinds) entries[`${apiVersion} ${kind}`] = visit(join(pkgRoot, '_schemas', schemaFile));
const embedded = {};
for (const [apiVersion, type, schemaFile] of EMBEDDED) embedded[`${apiVersion} ${type}`] = visit(join(pkgRoot, '_schemas', schemaFile));

const formats = `{
  // after @kubernetes-models/validate (formats.js) and ajv-formats (fullFormats)
  byte: { type: 'string', validate: (v) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v) },
  int32: { type: 'number', validate: (v) => Number.isInteger(v) && v <= 2147483647 && v >= -2147483648 },
  int64: { type: 'number', validate: (v) => Number.isInteger(v) && v <= Number.MAX_SAFE_INTEGER && v >= Number.MIN_SAFE_INTEGER },
  double: { type: 'number', validate: () => true },
  quantity: { type: 'string', validate: /^[+-]?(?:\\d+|\\d+\\.\\d+|\\d+\\.|\\.\\d+)(?:[KMGTPE]i|(?:[YZEPTGMkhdcmunpfazy]|da)|[eE][+-]?(?:\\d+|\\d+\\.\\d+|\\d+\\.|\\.\\d+))?$/ },
  'date-time': { type: 'string', validate: dateTime },
}`;

let js = `// generated by scripts/build-k8s-schemas.mjs from kubernetes-models ${version} — do not edit
// The Kubernetes API schemas as ajv standalone validators, one lazily run factory per definition.
const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function dateTime(s) {
  const m = /^(\\d{4})-(\\d{2})-(\\d{2})[Tt ](\\d{2}):(\\d{2}):(\\d{2})(?:\\.\\d+)?(?:[Zz]|([+-])(\\d{2}):?(\\d{2}))$/.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number);
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const tzh = m[8] === undefined ? 0 : Number(m[8]);
  const tzm = m[9] === undefined ? 0 : Number(m[9]);
  return mo >= 1 && mo <= 12 && d >= 1 && d <= (mo === 2 && leap ? 29 : DAYS[mo]) && h <= 23 && mi <= 59 && se <= 60 && tzh <= 23 && tzm <= 59;
}
// The fields kubernetes-models' validators lost (description, x-kubernetes-*), checked by a wrapper
// around each such validator:
${patched.map((p) => `//   ${p}`).join('\n')}
// fields: {name: "string" | "boolean" | [item check] | {of: module of a definition}}; null passes, as in the originals.
function checkLost(data, options, fields) {
  const errors = [];
  if (!data || typeof data !== 'object' || Array.isArray(data)) return errors;
  const rootData = options.rootData === undefined ? data : options.rootData;
  const check = (value, spec, instancePath, parentData, parentDataProperty) => {
    if (Array.isArray(spec)) {
      if (!Array.isArray(value)) errors.push({ instancePath, schemaPath: '#/type', keyword: 'type', params: { type: 'array' } });
      else value.forEach((v, i) => check(v, spec[0], instancePath + '/' + i, value, i));
    } else if (typeof spec === 'object') {
      const validate = spec.of.validate;
      if (!validate(value, { instancePath, parentData, parentDataProperty, rootData })) errors.push(...validate.errors);
    } else if (typeof value !== spec) errors.push({ instancePath, schemaPath: '#/type', keyword: 'type', params: { type: spec } });
  };
  for (const [key, spec] of Object.entries(fields)) {
    const value = data[key]; // read, so that ddp lint's unknown-field tracing knows the field
    if (value !== undefined && value !== null) check(value, spec, (options.instancePath || '') + '/' + key.replace(/~/g, '~0').replace(/\\//g, '~1'), data, key);
  }
  return errors;
}
// A JSONSchemaPropsOr{Bool,Array,StringArray} (see eitherModule): a JSONSchemaProps (\`props\`) or
// the alternative: "boolean", "schemas" (a list of JSONSchemaProps) or "strings" (a list of strings).
function checkEither(data, options, alternative, props) {
  const instancePath = options.instancePath || '';
  if (data && typeof data === 'object' && !Array.isArray(data)) return props(data, options) ? [] : props.errors;
  if (alternative === 'boolean' && typeof data === 'boolean') return [];
  if (alternative !== 'boolean' && Array.isArray(data)) {
    const errors = [];
    data.forEach((item, i) => {
      const at = { instancePath: instancePath + '/' + i, parentData: data, parentDataProperty: i, rootData: options.rootData };
      if (alternative === 'schemas' && !props(item, at)) errors.push(...props.errors);
      if (alternative === 'strings' && typeof item !== 'string') errors.push({ instancePath: at.instancePath, schemaPath: '#/items/type', keyword: 'type', params: { type: 'string' } });
    });
    return errors;
  }
  return [{ instancePath, schemaPath: '#/type', keyword: 'type', params: { type: alternative === 'boolean' ? 'object,boolean' : 'object,array' } }];
}
const FACTORIES = {
  0: (module) => { module.exports = { formats: ${formats} }; },
`;
for (const [id, code] of modules) js += `  ${id}: (module, exports, require) => {${code}\n},\n`;
js += `};
const cache = new Map();
function load(id) {
  let m = cache.get(id);
  if (m) return m.exports;
  m = { exports: {} };
  cache.set(id, m);
  FACTORIES[id](m, m.exports, load);
  return m.exports;
}
/** "apiVersion Kind" → module id. */
const ENTRIES = ${JSON.stringify(entries)};
/** Embedded types ("v1 PodSpec", "batch/v1 JobSpec", ...) → module id. */
const EMBEDDED = ${JSON.stringify(embedded)};
const pick = (table, key) => (Object.prototype.hasOwnProperty.call(table, key) ? load(table[key]).validate : undefined);
export const KUBERNETES_MODELS_VERSION = ${JSON.stringify(version)};
/** The formats the validators use (in place of @kubernetes-models/validate's). */
export const formats = () => load(0).formats;
export const KINDS = Object.keys(ENTRIES);
/** The compiled validator of the kind \`apiVersion kind\`, or undefined when the API has no such kind. */
export function kubernetesValidator(apiVersion, kind) {
  return pick(ENTRIES, apiVersion + ' ' + kind);
}
/** The compiled validator of an embedded type (v1 PodSpec, batch/v1 JobSpec, autoscaling/v2 HorizontalPodAutoscalerBehavior). */
export function embeddedValidator(apiVersion, type) {
  return pick(EMBEDDED, apiVersion + ' ' + type);
}
`;

const dts = `// generated by scripts/build-k8s-schemas.mjs — do not edit
import type { ErrorObject } from 'ajv';
export type KubernetesValidator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
export declare const KUBERNETES_MODELS_VERSION: string;
export declare const KINDS: string[];
export declare function formats(): Record<string, { type: string; validate: ((v: unknown) => boolean) | RegExp }>;
export declare function kubernetesValidator(apiVersion: string, kind: string): KubernetesValidator | undefined;
export declare function embeddedValidator(apiVersion: string, type: string): KubernetesValidator | undefined;
`;

mkdirSync(out, { recursive: true });
const writeIfChanged = (file, text) => {
  let old = null;
  try { old = readFileSync(file, 'utf8'); } catch { /* new file */ }
  if (old !== text) writeFileSync(file, text);
};
writeIfChanged(join(out, 'k8s-schemas.js'), js);
writeIfChanged(join(out, 'k8s-schemas.d.ts'), dts);
// tsc would spend ~20 s re-emitting 3 MB of generated JavaScript, so tsconfig.json excludes it
// (imports resolve to the .d.ts) and it is placed into dist/ here, beside what tsc emits.
mkdirSync(join(root, 'dist/generated'), { recursive: true });
writeIfChanged(join(root, 'dist/generated/k8s-schemas.js'), js);

// ── the Compose Specification ──
const composeSchemaPath = join(root, '..', 'shared', 'vendor', 'compose-spec.json');
let composeJs;
if (existsSync(composeSchemaPath)) {
  const schema = JSON.parse(readFileSync(composeSchemaPath, 'utf8'));
  delete schema.$schema; // an https spelling of draft-07 that ajv does not know; draft-07 is ajv's default
  const ajv = new Ajv.default({ allErrors: true, strict: false, code: { source: true, esm: true, optimize: 1 } });
  const code = standaloneCode.default(ajv, ajv.compile(schema));
  composeJs = `// generated by scripts/build-k8s-schemas.mjs from the Compose Specification schema (compose-spec.json, Apache-2.0) — do not edit\n${ajvRuntimeHeader(code)}${code}\nexport const COMPOSE_SCHEMA_ID = ${JSON.stringify(schema.$id ?? 'compose-spec.json')};\n`;
} else {
  composeJs = `// generated by scripts/build-k8s-schemas.mjs: no compose-spec.json was found at build time\nexport default null;\nexport const COMPOSE_SCHEMA_ID = null;\n`;
}
writeIfChanged(join(out, 'validate-compose.js'), composeJs);
writeIfChanged(join(root, 'dist/generated/validate-compose.js'), composeJs); // excluded from tsc too
writeIfChanged(join(out, 'validate-compose.d.ts'), `// generated by scripts/build-k8s-schemas.mjs — do not edit
import type { ErrorObject } from 'ajv';
declare const validate: (((data: unknown) => boolean) & { errors?: ErrorObject[] | null }) | null;
export default validate;
export declare const COMPOSE_SCHEMA_ID: string | null;
`);
