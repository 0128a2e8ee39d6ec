// Compose files: every schema problem of a service reported, the booleans docker compose cannot
// cast; YAML aliases: thousands of small merges are fine, an exponential expansion (billion laughs)
// or an alias cycle is refused at the alias, before anything is expanded.
import { describe, expect, it } from 'vitest';
import { lintInputs, type LintResult } from '../../src/lint/lint.js';
import { MAX_ALIAS_NODES } from '../../src/lint/source.js';

const lint = (text: string, file = 'compose.yml'): LintResult => lintInputs([{ file, text, explicit: true }]);
const only = (r: LintResult, ...rules: string[]) => r.findings.filter((f) => rules.includes(f.rule)).map((f) => `${f.rule} ${f.line}:${f.col} ${f.message}`);

describe('compose-schema: every problem', () => {
  it('each unknown key of a service and a value compose cannot read as a boolean, not only the first', () => {
    const r = lint('services:\n  web:\n    image: nginx:1.27\n    bogus: 1\n    bogus2: 2\n    privileged: "maybe"\n');
    expect(only(r, 'compose-schema')).toEqual([
      'compose-schema 4:5 compose service web: services.web.bogus: unknown key',
      'compose-schema 5:5 compose service web: services.web.bogus2: unknown key',
      'compose-schema 6:5 compose service web: services.web.privileged: "maybe" is not a boolean (docker compose: invalid boolean)',
    ]);
    expect(r.findings.find((f) => f.message.includes('"maybe"'))?.hint).toBe('write true or false; a string here is only for ${VARIABLE} interpolation that gives true or false');
  });

  it('booleans: what compose casts is fine (true, "false", "yes", "OFF", an interpolation); elsewhere (a volume, a network) the same check', () => {
    const ok = 'services:\n  web:\n    image: nginx:1.27\n    privileged: false\n    read_only: "true"\n    tty: "yes"\n    stdin_open: "OFF"\n    oom_kill_disable: "${NO_OOM_KILL:-false}"\n';
    expect(only(lint(ok), 'compose-schema')).toEqual([]);
    const bad = 'services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - { type: volume, source: data, target: /data, read_only: "ro" }\n    healthcheck: { test: [CMD, "true"], disable: "1" }\nvolumes:\n  data: {}\nnetworks:\n  edge: { external: "maybe" }\n';
    expect(only(lint(bad), 'compose-schema')).toEqual([
      'compose-schema 5:54 compose service web: services.web.volumes[0].read_only: "ro" is not a boolean (docker compose: invalid boolean)',
      'compose-schema 6:41 compose service web: services.web.healthcheck.disable: "1" is not a boolean (docker compose: invalid boolean)',
      'compose-schema 10:11 compose service (file): networks.edge.external: "maybe" is not a boolean (docker compose: invalid boolean)',
    ]);
  });
});

describe('YAML aliases', () => {
  it('1,100 services merging one anchor are linted like any compose file (docker compose accepts it)', () => {
    const text = `x-def: &def {image: "nginx:1.27"}\nservices:\n${Array.from({ length: 1100 }, (_, i) => `  s${i}: {<<: *def}\n`).join('')}`;
    const r = lint(text);
    expect(only(r, 'yaml-syntax', 'compose-schema')).toEqual([]);
    expect(r.files).toEqual([{ file: 'compose.yml', kubernetes: 0, compose: 1100 }]);
    expect(r.findings.filter((f) => f.rule === 'image-tag')).toEqual([]); // every service got its image
  });

  it('a billion laughs is refused at the alias that crosses the limit, at once', () => {
    const levels = ['x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 10; i++) levels.push(`x${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
    const text = `${levels.join('\n')}\nservices:\n  web: {image: "nginx:1.27", command: *a9}\n`;
    const t0 = performance.now();
    const r = lint(text);
    expect(performance.now() - t0).toBeLessThan(1000);
    // a4 holds 111,111 nodes: the aliases of x1..x4 add 123,440, the 8th *a4 of x5 passes 1,000,000
    expect(only(r, 'yaml-syntax')).toEqual([`yaml-syntax 6:45 YAML aliases expand this file past ${MAX_ALIAS_NODES} nodes at *a4 (a "billion laughs" document?)`]);
    expect(r.findings[0].hint).toBe('write the values out, or use fewer anchors and aliases: each alias repeats everything its anchor holds, aliases inside it included');
    expect(r.files).toEqual([{ file: 'compose.yml', kubernetes: 0, compose: 0 }]);
  });

  it('merges that double at each level are refused the same way (in a Kubernetes manifest too)', () => {
    const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: x}', 'm0: &m0 {k0: v}'];
    for (let i = 1; i < 30; i++) lines.push(`m${i}: &m${i} {<<: *m${i - 1}, k${i}: *m${i - 1}}`);
    const r = lint(`${lines.join('\n')}\n`, 'cm.yaml');
    // m<i> holds 6 × 2^i - 3 nodes; the aliases of m1..m16 add 786,324, the first *m16 of m17 passes 1,000,000
    expect(only(r, 'yaml-syntax')).toEqual([`yaml-syntax 21:16 YAML aliases expand this file past ${MAX_ALIAS_NODES} nodes at *m16 (a "billion laughs" document?)`]);
  });

  it('the limit is for the whole file: documents add up', () => {
    // each document adds 600 × 1,001 nodes; the second one passes 1,000,000 at its 400th alias
    const doc = (n: number) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${n}}\nx-big: &big {${Array.from({ length: 500 }, (_, i) => `k${i}: v`).join(', ')}}\nx: [${Array.from({ length: 600 }, () => '*big').join(', ')}]\n`;
    const r = lint(`${doc(1)}---\n${doc(2)}`, 'cm.yaml');
    const col = 5 + 399 * 6; // `x: [` then `*big, ` each
    expect(only(r, 'yaml-syntax')).toEqual([`yaml-syntax 11:${col} YAML aliases expand this file past ${MAX_ALIAS_NODES} nodes at *big (a "billion laughs" document?)`]);
    expect(r.files).toEqual([{ file: 'cm.yaml', kubernetes: 1, compose: 0 }]);
  });

  it('an alias inside its own anchor, or to no anchor, is an error at the alias', () => {
    expect(only(lint('services:\n  a:\n    image: nginx:1.27\n    environment: &e {A: [*e]}\n'), 'yaml-syntax')).toEqual([
      'yaml-syntax 4:26 the alias *e repeats a node that contains it: it would expand forever',
    ]);
    const r = lint('services:\n  a: {image: *nope}\n');
    expect(only(r, 'yaml-syntax')).toEqual(['yaml-syntax 2:14 the alias *nope names no anchor: there is no &nope before it in this document']);
    expect(r.findings[0].hint).toBe('define &nope on the node to repeat, before the alias (anchors do not cross `---`)');
  });

  it('many aliases cost time in proportion to their number (yaml scans every earlier anchor and alias for each one)', () => {
    // 100 anchors used 500 times each: 50,100 anchors and aliases, ~1.25e9 steps of yaml's own resolution
    const anchors = Array.from({ length: 100 }, (_, i) => `x-a${i}: &a${i} v${i}`).join('\n');
    const uses = Array.from({ length: 50_000 }, (_, i) => `*a${i % 100}`).join(', ');
    const t0 = performance.now();
    const r = lint(`${anchors}\nservices:\n  web: {image: "nginx:1.27", command: [${uses}]}\n`);
    expect(performance.now() - t0).toBeLessThan(8000);
    expect(only(r, 'yaml-syntax', 'compose-schema')).toEqual([]);
    expect(r.files).toEqual([{ file: 'compose.yml', kubernetes: 0, compose: 1 }]);
  });
});
