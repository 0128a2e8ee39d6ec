// Handlebars templates → plain JavaScript functions, at build time.
//
// The templates stay Handlebars (templates/**/*.hbs, parsed here by Handlebars' own parser, with
// its whitespace control and standalone-partial indentation). What changes is how they run: the
// Handlebars runtime interprets a precompiled spec through generic machinery (a helper call per
// `if`, an options object per call, a context copy and a line split per indented partial); here
// each template becomes one function in which `if`/`unless` are JavaScript `if`s, `each` is a
// loop, and every partial is a direct call that writes its lines already indented (the prefix is
// passed down, so nested partials are not re-indented level by level). The semantics are
// Handlebars' own, in strict mode with no HTML escaping (lookups of own properties only, a
// missing field in a plain `{{x.y}}` throws, `if` treats 0, "" and [] as false, `each` walks
// arrays, iterables and own keys with @index/@key/@first/@last, `../` follows Handlebars' depth
// rule, partials share the caller's @data and indent every line of their output);
// test/render/compiled-templates.test.ts renders every template both ways, on every example and
// on random topologies, and wants equal bytes.
//
// Supported: the `if`, `unless` and `each` block helpers (with `else` and `else if`), mustaches
// and sub-expressions calling the helpers of src/render/helpers.ts (or a function of the
// context; as its last argument a helper gets { name, hash }, not Handlebars' full options),
// literals, `this`, `../`, @data paths, partials (`{{> name ctx key=value}}`, known at build
// time), comments. Anything else is a build error naming the file, line and column.
import Handlebars from 'handlebars';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Every templates/**.hbs under `dir` by id (`kubernetes/replicated`, `kubernetes/_partials/labels`), in path order.
 * @param {string} dir
 * @returns {Record<string, string>}
 */
export function readTemplates(dir) {
  /** @type {Record<string, string>} */
  const sources = {};
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.hbs')) sources[relative(dir, p).replace(/\\/g, '/').replace(/\.hbs$/, '')] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return sources;
}

/**
 * Compile templates to the body of a function of (rt, h) — rt: src/render/runtime.ts, h: the
 * helpers — that returns { [id]: (context) => string } for every template that is not a partial.
 * `sources` maps an id (`kubernetes/replicated`, `kubernetes/_partials/labels`) to its text; a
 * template under `<target>/_partials/<name>` is the partial `<target>/<name>`.
 */
export function compileTemplates(sources) {
  const ids = Object.keys(sources).sort();
  const fnName = new Map(ids.map((id, i) => [id, `t${i}_${id.replace(/[^A-Za-z0-9]/g, '_')}`]));
  const partialFn = new Map();
  for (const id of ids) {
    const m = /^([^/]+)\/_partials\/(.+)$/.exec(id);
    if (m) partialFn.set(`${m[1]}/${m[2]}`, fnName.get(id));
  }
  const consts = new Map(); // helper name → the constant holding its options object (made once, not per call)
  const helperRefs = new Map(); // helper name → the constant holding the helper (looked up once, not per call)
  let body = `'use strict';\nconst { lookup, strict, lambda, empty, frame, extend, reindent, iterate } = rt;\n`;
  for (const id of ids) body += compileOne(id, sources[id], fnName.get(id), partialFn, consts, helperRefs);
  const declared = [
    ...[...consts].map(([helper, id]) => `const ${id} = Object.freeze({ name: ${JSON.stringify(helper)}, hash: Object.freeze({}) });\n`),
    ...[...helperRefs].map(([helper, id]) => `const ${id} = lookup(h, ${JSON.stringify(helper)});\n`),
  ];
  body = body.replace('= rt;\n', `= rt;\n${declared.join('')}`);
  body += `return {\n${ids.filter((id) => !/\/_partials\//.test(id)).map((id) => `  ${JSON.stringify(id)}: (context) => ${fnName.get(id)}(context, { root: context }, '', ''),\n`).join('')}};\n`;
  return body;
}

function compileOne(id, source, name, partialFn, consts, helperRefs) {
  const file = `templates/${id}.hbs`;
  const ast = Handlebars.parse(source);
  const fail = (node, msg) => {
    const at = node?.loc ? `:${node.loc.start.line}:${node.loc.start.column}` : '';
    throw new Error(`${file}${at}: ${msg}`);
  };
  const usesDepths = refersUp(ast);
  let n = 0; // fresh variable names
  const fresh = (p) => `${p}${++n}`;
  const loc = (node) => JSON.stringify(`${file}:${node.loc.start.line}:${node.loc.start.column}`);

  /** `this` for a helper call (Handlebars passes an empty object for a null context). */
  const self = (s) => `${s.c} != null ? ${s.c} : {}`;

  /** The value of a path. terminalStrict: a plain `{{a.b}}` mustache (its last part must exist). */
  function path(p, s, terminalStrict) {
    if (p.type !== 'PathExpression') return expr(p, s);
    if (p.parts.length === 0) return p.depth ? depthRef(p, s) : s.c; // this, ../
    let base = p.data ? s.d : p.depth ? depthRef(p, s) : s.c;
    const parts = p.parts;
    const last = terminalStrict ? parts.length - 1 : parts.length;
    for (let i = 0; i < last; i++) base = `lookup(${base}, ${JSON.stringify(parts[i])})`;
    if (terminalStrict) base = `strict(${base}, ${JSON.stringify(parts[last])}, ${loc(p)})`;
    return base;
  }
  function depthRef(p, s) {
    if (!s.ds) fail(p, 'internal: ../ without depths');
    return `${s.ds}[${p.depth}]`;
  }
  /** A helper parameter, hash value or partial context. */
  function expr(e, s) {
    switch (e.type) {
      case 'PathExpression': return path(e, s, false);
      case 'StringLiteral': return JSON.stringify(e.value);
      case 'NumberLiteral': return String(e.value);
      case 'BooleanLiteral': return String(e.value);
      case 'UndefinedLiteral': return 'undefined';
      case 'NullLiteral': return 'null';
      case 'SubExpression': return helperCall(e, s);
      default: return fail(e, `${e.type} is not supported here`);
    }
  }
  /** The function a helper name resolves to: a registered helper, else a function of the context (strict: it must exist). */
  function helperFn(e, s) {
    const p = e.path;
    if (p.type !== 'PathExpression' || p.data || p.depth || p.parts.length !== 1) fail(e, `a helper must be a plain name, not ${p.original}`);
    const name = p.parts[0];
    return `(${helperRef(name)} || strict(${s.c}, ${JSON.stringify(name)}, ${loc(p)}))`;
  }
  function hashObject(hash, s) {
    if (!hash) return '{}';
    // Handlebars builds the hash object last pair first
    return `{ ${[...hash.pairs].reverse().map((pair) => `${JSON.stringify(pair.key)}: ${expr(pair.value, s)}`).join(', ')} }`;
  }
  /** The helper of that name (or undefined), looked up once when the templates are made: the helpers do not change. */
  function helperRef(name) {
    if (!helperRefs.has(name)) helperRefs.set(name, `h${helperRefs.size}`);
    return helperRefs.get(name);
  }
  /** The options object a helper gets as its last argument ({ name, hash }), one per helper name, made once. */
  function options(name) {
    if (!consts.has(name)) consts.set(name, `o${consts.size}`);
    return consts.get(name);
  }
  function helperCall(e, s) {
    const name = e.path.original;
    const opts = e.hash ? `{ name: ${JSON.stringify(name)}, hash: ${hashObject(e.hash, s)} }` : options(name);
    const args = e.params.map((x) => expr(x, s));
    return `${helperFn(e, s)}.call(${self(s)}, ${[...args, opts].join(', ')})`;
  }
  /** What a mustache appends (null and undefined append nothing). */
  function mustache(m, s) {
    if (m.params.length || m.hash) return helperCall(m, s);
    const p = m.path;
    if (p.type !== 'PathExpression') return expr(p, s); // {{"literal"}}
    if (!p.data && !p.depth && p.parts.length === 1) {
      // Handlebars' "ambiguous" mustache: a helper of that name, else the field (which must exist); a function is called
      const name = JSON.stringify(p.parts[0]);
      return `lambda(${helperRef(p.parts[0])} || strict(${s.c}, ${name}, ${loc(p)}), ${s.c}, ${options(p.parts[0])})`;
    }
    return `lambda(${path(p, s, true)}, ${s.c})`;
  }

  /** Statements of a program appending to `s.out`. */
  function program(prog, s, pad) {
    let js = '';
    for (const st of prog?.body ?? []) js += statement(st, s, pad);
    return js;
  }
  function statement(st, s, pad) {
    switch (st.type) {
      case 'ContentStatement':
        return st.value ? content(st.value, s, pad) : '';
      case 'CommentStatement':
        return '';
      case 'MustacheStatement':
        // null and undefined write nothing; anything else as `+=` would write it
        return `${pad}if ((t = '' + (${mustache(st, s)} ?? '')) !== '') { ${s.out} += pre + (P === '' ? t : reindent(t, P)); pre = t.charCodeAt(t.length - 1) === 10 ? P : ''; }\n`;
      case 'PartialStatement': {
        if (st.name.type !== 'PathExpression') fail(st, 'dynamic partials are not supported');
        const fn = partialFn.get(st.name.original);
        if (!fn) fail(st, `no partial ${st.name.original} (templates/<target>/_partials/<name>.hbs)`);
        if (st.params.length > 1) fail(st, 'a partial takes at most one context');
        let ctx = st.params.length ? expr(st.params[0], s) : s.c;
        if (st.hash) ctx = `extend({}, ${ctx}, ${hashObject(st.hash, s)})`;
        // a standalone partial indents its lines by its own indentation, on top of this one's
        const j = st.indent ? JSON.stringify(st.indent) : '';
        const r = fresh('r');
        return (
          `${pad}const ${r} = ${fn}(${ctx}, ${s.d}, ${j ? `P + ${j}, pre + ${j}` : 'P, pre'});\n` +
          `${pad}if (${r} !== '') {\n${pad}  ${s.out} += ${r};\n${pad}  pre = ${r}.charCodeAt(${r}.length - 1) === 10 ? P : '';\n${pad}}\n`
        );
      }
      case 'BlockStatement':
        return block(st, s, pad);
      default:
        return fail(st, `${st.type} is not supported`);
    }
  }
  /**
   * Literal text: the owed prefix before its first line, the line prefix P before each line that
   * follows a newline inside it; a final newline leaves P owed to whatever comes next (if anything).
   */
  function content(text, s, pad) {
    const lines = text.split('\n');
    const last = lines.length - 1;
    const parts = ['pre', JSON.stringify(lines[0] + (last > 0 ? '\n' : ''))];
    for (let i = 1; i < last; i++) parts.push('P', JSON.stringify(lines[i] + '\n'));
    if (last > 0 && lines[last] !== '') parts.push('P', JSON.stringify(lines[last]));
    const owed = last > 0 && lines[last] === '' ? 'P' : "''";
    return `${pad}${s.out} += ${parts.join(' + ')};\n${pad}pre = ${owed};\n`;
  }
  function block(b, s, pad) {
    const name = b.path.original;
    if (b.program?.blockParams) fail(b, 'block parameters (as |x|) are not supported');
    if (name === 'if' || name === 'unless') {
      if (b.params.length !== 1) fail(b, `#${name} requires exactly one argument`);
      if (b.hash) fail(b, `#${name} takes no hash arguments here`);
      const v = fresh('v');
      const [yes, no] = name === 'if' ? [b.program, b.inverse] : [b.inverse, b.program];
      let js = `${pad}const ${v} = lambda(${expr(b.params[0], s)}, ${self(s)});\n`;
      js += `${pad}if (!empty(${v})) {\n${program(yes, s, pad + '  ')}${pad}}`;
      const inv = program(no, s, pad + '  ');
      js += inv ? ` else {\n${inv}${pad}}\n` : '\n';
      return js;
    }
    if (name === 'each') {
      if (b.params.length !== 1) fail(b, '#each requires exactly one argument');
      if (b.hash) fail(b, '#each takes no hash arguments here');
      const [v, f, c, ds] = [fresh('list'), fresh('data'), fresh('item'), fresh('depths')];
      const inner = { c, d: f, ds: s.ds ? ds : undefined, out: fresh('out') };
      let js = `${pad}const ${v} = lambda(${expr(b.params[0], s)}, ${self(s)});\n`;
      js += `${pad}const ${f} = frame(${s.d});\n`;
      js += `${pad}${s.out} += iterate(${v}, ${f}, (${c}) => {\n`;
      if (s.ds) js += `${pad}  const ${ds} = ${c} != ${s.ds}[0] ? [${c}].concat(${s.ds}) : ${s.ds};\n`;
      js += `${pad}  let ${inner.out} = '';\n${program(b.program, inner, pad + '  ')}${pad}  return ${inner.out};\n${pad}}`;
      const otherwise = { ...s, out: fresh('out') };
      const inv = program(b.inverse, otherwise, pad + '  ');
      if (inv) js += `, () => {\n${pad}  let ${otherwise.out} = '';\n${inv}${pad}  return ${otherwise.out};\n${pad}}`;
      return js + ');\n';
    }
    return fail(b, `unknown block helper #${name} (supported: if, unless, each)`);
  }

  // P: the prefix of every line of this template's output (the indentation of the standalone
  // partials it is inside); pre: what is owed before its next character (P after a newline, the
  // caller's due at the start, nothing mid-line). Handlebars indents a partial's finished output
  // line by line; here each line gets its prefix as it is written.
  let js = `\n// ${file}\nfunction ${name}(c, d, P, pre) {\n`;
  if (usesDepths) js += '  const ds = [c];\n';
  js += "  let out = '';\n  let t;\n";
  js += program(ast, { c: 'c', d: 'd', ds: usesDepths ? 'ds' : undefined, out: 'out' }, '  ');
  return js + '  return out;\n}\n';
}

/** Whether a template refers to an outer context (`../`) anywhere: only then are depths kept, as Handlebars does. */
function refersUp(node) {
  if (!node || typeof node !== 'object') return false;
  if (Array.isArray(node)) return node.some(refersUp);
  if (node.type === 'PathExpression' && node.depth > 0) return true;
  return Object.entries(node).some(([k, v]) => k !== 'loc' && refersUp(v));
}
