#!/usr/bin/env node
// `npm run bench`: how fast is ddp, measured against `node -e 0` in the same run.
//
// Generates synthetic topologies of 10, 100, 1,000 and 10,000 services (a mix of every pattern
// and single-node feature this build implements — probed, not assumed), then runs the built CLI
// (bin/ddp.js → dist/) several times per command, interleaving the commands round by round so
// that a busy machine slows all of them alike. Prints the median wall time, peak memory (maxRSS)
// and time per service, as ratios to `node -e 0` (the floor) and, where kubectl is installed,
// next to `kubectl kustomize` on the generated 1,000-service output (the everyday peer).
// Ends with the budget of DESIGN.md, each line PASS or FAIL.
//
//   npm run bench                         all sizes, 5 rounds (3 for 10,000 services)
//   npm run bench -- --sizes 10,1000      some sizes only
//   npm run bench -- --runs 9 --json      more rounds; a JSON report on stdout
//   npm run bench -- --emit 1000 > t.yaml just print a synthetic topology
//   npm run bench -- --check              exit 1 when a budget line fails
//   npm run bench -- --kubectl-runs 0     leave kubectl out (it takes minutes on 1,000 services)
//   npm run bench -- --against ../old     also run another built checkout's bin/ddp.js, interleaved
//                                         with this one, and print new/old per command (on a noisy
//                                         machine the only comparison of two builds that holds)
//   npm run bench -- --instructions       count instructions instead of timing (valgrind callgrind,
//                                         one run per command, sizes 10,100,1000 unless --sizes):
//                                         repeatable to ~0.3 % whatever the machine is doing, so
//                                         small changes show; with --against, both builds
//
// A benchmark, not a test: numbers depend on the machine and on what else runs on it -- and on
// the environment: with NODE_EXTRA_CA_CERTS set, every Node process parses those certificates
// as it starts (node -e 0 included; ~70 ms for a 144-certificate bundle on the development VM). The
// bench then also times `node -e 0` without it and says so; `NODE_EXTRA_CA_CERTS= npm run bench`
// measures without it throughout.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { synthesize, VARIANTS, PIPELINE, header } from './synthetic.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(root, 'bin/ddp.js');

// ---------------------------------------------------------------------------------------------
// options
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const flag = (name) => argv.includes(`--${name}`);
if (flag('help')) {
  const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1);
  process.stdout.write(lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.slice(3)).join('\n') + '\n');
  process.exit(0);
}
const INSTRUCTIONS = flag('instructions');
const SIZES = opt('sizes', INSTRUCTIONS ? '10,100,1000' : '10,100,1000,10000').split(',').map(Number);
const RUNS = Number(opt('runs', 5));
const BIG_RUNS = Number(opt('big-runs', Math.min(RUNS, 3))); // sizes ≥ 10,000
const KUBECTL_RUNS = Number(opt('kubectl-runs', 1)); // kubectl kustomize of 1,000 services takes minutes
const JSON_OUT = flag('json');
const AGAINST = opt('against', undefined);
const OTHER_BIN = AGAINST === undefined ? undefined : resolve(AGAINST, 'bin/ddp.js');
const AGAINST_PREFIX = 'against: ';
const NO_EXTRA_CA = 'node -e 0 (no extra CA certs)';
const log = (s) => process.stderr.write(s + '\n');

// synthetic topologies (scripts/synthetic.mjs; the build makes its code cache from one too)

// ---------------------------------------------------------------------------------------------
// running things
function run(cmd, args, env = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: root, env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, status: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function hasKubectl() {
  const r = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  return r.status === 0;
}

// ---------------------------------------------------------------------------------------------
async function main() {
  if (!existsSync(join(root, 'dist/cli.js'))) {
    log('bench: dist/ is missing — run `npm run build` first');
    process.exit(2);
  }
  if (OTHER_BIN && !existsSync(join(AGAINST, 'dist/cli.js'))) {
    log(`bench: --against ${AGAINST}: no built checkout there (want ${OTHER_BIN} and dist/; run \`npm ci\` in it)`);
    process.exit(2);
  }
  const work = mkdtempSync(join(tmpdir(), 'ddp-bench-'));
  try {
    // which variants does this build implement? (a one-service topology each, with its references)
    const enabled = new Set();
    for (const v of VARIANTS) {
      if (!v.needs.every((x) => enabled.has(x))) continue;
      // the variant plus whatever it refers to (needs come earlier in VARIANTS)
      const file = join(work, `probe-${v.id}.yaml`);
      writeFileSync(file, synthesize(4 * (v.needs.length + 1), new Set([...v.needs, v.id]), false).replace(/bench-\d+/, 'probe'));
      const r = run(process.execPath, [BIN, 'generate', file, '--stdout']);
      if (r.status === 0) enabled.add(v.id);
      else if (!/pattern-not-implemented|cannot generate/.test(r.stderr)) log(`bench: variant ${v.id} fails (${r.stderr.trim().split('\n')[0]}); left out`);
    }
    const pipelineProbe = join(work, 'probe-pipeline.yaml');
    writeFileSync(pipelineProbe, [...header('probe'), 'services:', ...VARIANTS[0].svc('web-00000'), 'pipelines:', ...PIPELINE('flow-00001')].join('\n') + '\n');
    const withPipelines = run(process.execPath, [BIN, 'generate', pipelineProbe, '--stdout']).status === 0;
    if (flag('emit')) {
      process.stdout.write(synthesize(Number(opt('emit', 10)), enabled, withPipelines));
      return;
    }
    log(`bench: node ${process.version}, ${cpus().length} CPU(s) — ${cpus()[0]?.model ?? ''}`);
    log(`bench: variants: ${[...enabled].join(', ')}${withPipelines ? ', pipelines' : ''}`);
    const skipped = VARIANTS.filter((v) => !enabled.has(v.id)).map((v) => v.id);
    if (skipped.length || !withPipelines) log(`bench: not implemented in this build (left out): ${[...skipped, ...(withPipelines ? [] : ['pipelines'])].join(', ')}`);

    // the commands, each measured RUNS times, interleaved round by round
    const rssFile = join(work, 'rss');
    const rssHook = join(work, 'rss.mjs');
    writeFileSync(rssHook, `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));\n`);
    const cmds = [
      { id: 'node -e 0', args: ['-e', '0'], runs: RUNS },
      { id: 'ddp --version', args: [BIN, '--version'], runs: RUNS },
    ];
    // the floor as it would be without the extra certificates (see the top of this file)
    const extraCa = process.env.NODE_EXTRA_CA_CERTS;
    if (extraCa) cmds.push({ id: NO_EXTRA_CA, args: ['-e', '0'], runs: RUNS, env: { NODE_EXTRA_CA_CERTS: '' } });
    for (const n of SIZES) {
      const file = join(work, `topology-${n}.yaml`);
      writeFileSync(file, synthesize(n, enabled, withPipelines));
      const out = join(work, `out-${n}`);
      const runs = n >= 10000 ? BIG_RUNS : RUNS;
      cmds.push({ id: `ddp validate (${n})`, args: [BIN, 'validate', file], runs, n });
      cmds.push({ id: `ddp generate (${n})`, args: [BIN, 'generate', file, '-o', out], runs, n, out });
      // the first generation into a new directory: every file created, none reused
      if (n === 1000) cmds.push({ id: `ddp generate (${n}, new -o)`, args: [BIN, 'generate', file, '-o', join(work, `fresh-${n}`)], runs, n, fresh: join(work, `fresh-${n}`) });
    }
    if (OTHER_BIN) {
      // the same ddp commands through the other checkout, with output directories of their own
      const twin = (c) => ({ ...c, id: AGAINST_PREFIX + c.id, args: c.args.map((a) => (a === BIN ? OTHER_BIN : c.out && a === c.out ? `${a}-against` : c.fresh && a === c.fresh ? `${a}-against` : a)), ...(c.fresh ? { fresh: `${c.fresh}-against` } : {}) });
      cmds.push(...cmds.filter((c) => c.args[0] === BIN).map(twin));
      log(`bench: against ${OTHER_BIN}, interleaved`);
    }
    if (INSTRUCTIONS) return countInstructions(cmds);
    const kubectl = SIZES.includes(1000) && KUBECTL_RUNS > 0 && hasKubectl();
    const samples = new Map(cmds.map((c) => [c.id, []]));
    const maxRuns = Math.max(...cmds.map((c) => c.runs));
    for (let r = 0; r < maxRuns + 1; r++) {
      // round 0 warms the page cache and creates the output directories; it is not counted
      for (const c of cmds) {
        if (r > c.runs) continue;
        if (c.fresh) rmSync(c.fresh, { recursive: true, force: true });
        const x = run(process.execPath, c.args, c.env);
        if (x.status !== 0) throw new Error(`${c.id} exited ${x.status}:\n${x.stderr.slice(0, 2000)}`);
        if (r > 0) samples.get(c.id).push(x.ms);
      }
      if (kubectl && r > 0 && r <= KUBECTL_RUNS) {
        const x = run('kubectl', ['kustomize', join(work, 'out-1000/kubernetes')]);
        if (x.status !== 0) throw new Error(`kubectl kustomize failed:\n${x.stderr.slice(0, 2000)}`);
        if (!samples.has('kubectl kustomize (1000)')) samples.set('kubectl kustomize (1000)', []);
        samples.get('kubectl kustomize (1000)').push(x.ms);
      }
      log(`bench: round ${r}/${maxRuns} done`);
    }
    // peak memory: one more run of each with an exit hook that records maxRSS (KiB)
    const rss = new Map();
    for (const c of cmds) {
      if (c.fresh) rmSync(c.fresh, { recursive: true, force: true });
      const x = run(process.execPath, ['--import', rssHook, ...c.args], c.env);
      if (x.status !== 0) throw new Error(`${c.id} exited ${x.status}:\n${x.stderr.slice(0, 2000)}`);
      rss.set(c.id, Number(readFileSync(rssFile, 'utf8')) / 1024);
    }

    const floor = median(samples.get('node -e 0'));
    const rows = [...samples].map(([id, xs]) => {
      const c = cmds.find((y) => y.id === id);
      const med = median(xs);
      return { command: id, runs: xs.length, medianMs: round1(med), minMs: round1(Math.min(...xs)), maxMs: round1(Math.max(...xs)), ratio: round2(med / floor), peakMB: rss.has(id) ? round1(rss.get(id)) : null, msPerService: c?.n ? round3(med / c.n) : null };
    });
    const get = (id) => rows.find((r) => r.command === id);
    const budget = [];
    const check = (what, ok, detail) => budget.push({ what, ok, detail });
    const v = get('ddp --version');
    check('ddp --version ≤ 1.3× node -e 0', v.ratio <= 1.3, `${v.ratio}×`);
    if (get('ddp generate (10)')) check('ddp generate, 10 services ≤ 2× node -e 0', get('ddp generate (10)').ratio <= 2, `${get('ddp generate (10)').ratio}×`);
    if (get('ddp generate (1000)')) check('ddp generate, 1,000 services < 1 s', get('ddp generate (1000)').medianMs < 1000, `${get('ddp generate (1000)').medianMs} ms`);
    if (get('ddp generate (10000)')) check('ddp generate, 10,000 services < 10 s', get('ddp generate (10000)').medianMs < 10000, `${get('ddp generate (10000)').medianMs} ms`);
    if (get('ddp generate (1000)') && get('ddp generate (10000)')) {
      // linear: the marginal cost per service from 1,000 to 10,000 stays near the cost per service at 1,000
      const a = get('ddp generate (1000)').medianMs - floor;
      const b = get('ddp generate (10000)').medianMs - floor;
      const growth = b / a;
      check('cost linear in services (10× services → ≤ 13× time above the floor)', growth <= 13, `${round2(growth)}× for 10× the services`);
    }
    const peak = Math.max(...rows.filter((r) => r.command.startsWith('ddp')).map((r) => r.peakMB ?? 0));
    // this build against the other, command by command (medians of the interleaved runs)
    const versus = OTHER_BIN
      ? rows.filter((r) => r.command.startsWith('ddp') && get(AGAINST_PREFIX + r.command)).map((r) => ({ command: r.command, medianMs: r.medianMs, againstMs: get(AGAINST_PREFIX + r.command).medianMs, ratio: round2(r.medianMs / get(AGAINST_PREFIX + r.command).medianMs) }))
      : undefined;
    check('peak memory < 300 MB', peak < 300, `${peak} MB`);

    if (JSON_OUT) {
      process.stdout.write(JSON.stringify({ node: process.version, cpus: cpus().length, variants: [...enabled], pipelines: withPipelines, floorMs: round1(floor), ...(extraCa ? { nodeExtraCaCerts: extraCa } : {}), rows, budget, ...(versus ? { against: OTHER_BIN, versus } : {}) }, null, 2) + '\n');
    } else {
      const head = ['command', 'runs', 'median ms', '× node -e 0', 'peak MB', 'ms/service'];
      const body = rows.map((r) => [r.command, String(r.runs), r.medianMs.toFixed(1), r.ratio.toFixed(2), r.peakMB === null ? '' : r.peakMB.toFixed(0), r.msPerService === null ? '' : r.msPerService.toFixed(3)]);
      const kc = get('kubectl kustomize (1000)');
      const g = get('ddp generate (1000)');
      const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
      const line = (cells) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
      const out = [line(head), '|' + widths.map((w, i) => (i === 0 ? ':' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|').replace(/^\|:-/, '|:-') + '|', ...body.map(line)];
      process.stdout.write(out.join('\n') + '\n');
      if (kc && g) process.stdout.write(`\nkubectl kustomize on the 1,000-service output takes ${round1(kc.medianMs / g.medianMs)}× the time ddp takes to generate it (${KUBECTL_RUNS} run${KUBECTL_RUNS === 1 ? '' : 's'}).\n`);
      const bare = get(NO_EXTRA_CA);
      if (bare) process.stdout.write(`\nNODE_EXTRA_CA_CERTS=${extraCa} is set: every Node process here reads it as it starts; node -e 0 takes ${round1(floor)} ms with it, ${bare.medianMs} ms without. The ratios are against the floor with it (as ddp runs here); \`NODE_EXTRA_CA_CERTS= npm run bench\` measures without.\n`);
      process.stdout.write('\nbudget (DESIGN.md):\n' + budget.map((b) => `  ${b.ok ? 'PASS' : 'FAIL'}  ${b.what}: ${b.detail}`).join('\n') + '\n');
      if (versus) process.stdout.write(`\nthis build against ${OTHER_BIN} (median ms, interleaved):\n` + versus.map((x) => `  ${x.command.padEnd(28)} ${String(x.medianMs).padStart(9)} vs ${String(x.againstMs).padStart(9)}  ${x.ratio.toFixed(2)}×`).join('\n') + '\n');
    }
    if (flag('check') && budget.some((b) => !b.ok)) process.exitCode = 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// --instructions: each command once under valgrind's callgrind, which counts the instructions
// executed (not time: nothing else running on the machine changes them). V8 runs its optimizing
// compiler and its garbage collector on the main thread here (--single-threaded-gc,
// --no-concurrent-recompilation; flags that keep ddp's code cache usable, unlike
// --single-threaded), so that thread scheduling does not change the count, and without
// NODE_EXTRA_CA_CERTS, whose parsing alone would outweigh a short run. The optimizing
// compiler's work, on a background thread in a real run, is counted too.
const VALGRIND = ['--tool=callgrind', '--smc-check=all-non-file', '--callgrind-out-file=/dev/null'];
const V8_SERIAL = ['--single-threaded-gc', '--no-concurrent-recompilation'];

function countInstructions(cmds) {
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    log('bench: --instructions needs valgrind (apt-get install -y valgrind)');
    process.exitCode = 2;
    return;
  }
  const counts = new Map();
  for (const c of cmds) {
    if (c.id === NO_EXTRA_CA) continue; // the same as node -e 0 here
    // a normal run first: generate then runs into the output of a previous run, as when timed
    if (c.fresh) rmSync(c.fresh, { recursive: true, force: true });
    const warm = run(process.execPath, c.args, c.env);
    if (warm.status !== 0) throw new Error(`${c.id} exited ${warm.status}:\n${warm.stderr.slice(0, 2000)}`);
    if (c.fresh) rmSync(c.fresh, { recursive: true, force: true });
    const x = run('valgrind', [...VALGRIND, process.execPath, ...V8_SERIAL, ...c.args], { ...c.env, NODE_EXTRA_CA_CERTS: '' });
    const m = /I\s+refs:\s+([\d,]+)/.exec(x.stderr);
    if (x.status !== 0 || !m) throw new Error(`${c.id} under valgrind exited ${x.status}:\n${x.stderr.slice(-2000)}`);
    counts.set(c.id, Number(m[1].replaceAll(',', '')) / 1e6);
    log(`bench: ${c.id}: ${counts.get(c.id).toFixed(1)} M instructions`);
  }
  const floor = counts.get('node -e 0');
  const rows = [...counts].filter(([id]) => id !== NO_EXTRA_CA && !id.startsWith(AGAINST_PREFIX)).map(([id, mi]) => {
    const other = counts.get(AGAINST_PREFIX + id);
    return { command: id, instructionsM: round1(mi), ratio: round2(mi / floor), ...(other !== undefined ? { againstM: round1(other), versus: round2(mi / other) } : {}) };
  });
  if (JSON_OUT) {
    process.stdout.write(JSON.stringify({ node: process.version, mode: 'instructions', floorM: round1(floor), rows, ...(OTHER_BIN ? { against: OTHER_BIN } : {}) }, null, 2) + '\n');
    return;
  }
  const head = ['command', 'M instructions', '× node -e 0', ...(OTHER_BIN ? ['against M', 'new/old'] : [])];
  const body = rows.map((r) => [r.command, r.instructionsM.toFixed(1), r.ratio.toFixed(2), ...(OTHER_BIN ? [r.againstM?.toFixed(1) ?? '', r.versus?.toFixed(3) ?? ''] : [])]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  process.stdout.write([line(head), '|' + widths.map((w, i) => (i === 0 ? ':' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|') + '|', ...body.map(line)].join('\n') + '\n');
  process.stdout.write(`\ninstructions counted by valgrind (callgrind), node ${V8_SERIAL.join(' ')}, NODE_EXTRA_CA_CERTS unset; one run each${OTHER_BIN ? `; against ${OTHER_BIN}` : ''}\n`);
}

const round1 = (x) => Math.round(x * 10) / 10;
const round2 = (x) => Math.round(x * 100) / 100;
const round3 = (x) => Math.round(x * 1000) / 1000;

await main();
