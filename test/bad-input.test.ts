// Issue 2, "Bad input": every kind of bad topology yields diagnostics with the exact code,
// message and file:line:col (through the library: parseTopologyText / loadFile / validateAll /
// prepare / runGenerate), and the real CLI exits 1 with no stack trace and writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTopologyText, loadFile, MAX_ALIAS_NODES, MAX_INPUT_BYTES } from '../src/topology/load.js';
import { prepare, prepareLoaded, validateAll } from '../src/flow.js';
import { runGenerate } from '../src/commands/generate.js';
import { DdpError, type Diagnostic } from '../src/diagnostics.js';
import { CONFIG_KEY_PATTERN } from '../src/topology/schema.js';
import { ensureBuilt, runDdp, STACK_LINE } from './helpers/cli.js';
import { BASE, errorsOf, lines, prepareErrors, show } from './helpers/topology.js';



interface Case {
  name: string;
  text: string;
  env?: string;
  /** every error, in order: `line:col code: message` */
  errors: string[];
  /** hint of the first error */
  hint?: string;
}

const laughs = lines(
  '    args: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]',
  '    command: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
  '    env:',
  '      A: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
  '      B: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
  '      C: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
  '      D: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]',
  '      E: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]',
  '      F: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]',
  '      G: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]',
);

const CASES: Case[] = [
  // ── not a topology at all ──
  { name: 'empty file', text: '', errors: ['1:1 empty-file: ddp.yaml is empty'], hint: 'a topology starts with `apiVersion: ddp/v1` and `kind: Topology`; `ddp init` writes one' },
  { name: 'only blank lines', text: '\n  \n\n', errors: ['1:1 empty-file: ddp.yaml is empty'] },
  { name: 'only a comment', text: '# nothing here yet\n', errors: ['1:1 empty-file: ddp.yaml holds no YAML document'] },
  {
    name: 'not YAML: JSON cut short',
    text: '{"apiVersion": "ddp/v1",\n "kind": "Topology",\n',
    errors: ['1:1 yaml-syntax: YAML syntax error: the { mapping opened here is never closed'],
    hint: 'close it with }, or write it in block style, one entry per line',
  },
  {
    name: 'not YAML: HTML',
    text: '<html><body>Not found</body></html>\n',
    errors: ['1:1 not-a-mapping: the top level of ddp.yaml is a single value; a topology is a mapping (apiVersion, kind, metadata, services)'],
    hint: 'start the file with `apiVersion: ddp/v1`',
  },
  // ── counts: bounded, or a huge one ran validate out of memory (shards, leaves) or past int32 (replicas) ──
  {
    name: 'a shard count far past what ddp makes objects for: out-of-range at once, not minutes and gigabytes',
    text: BASE.replace('    pattern: replicated\n    image: ghcr.io/acme/web:1.4.2\n', '    pattern: sharded\n    image: ghcr.io/acme/web:1.4.2\n    port: 8080\n    shards: 2000000000\n'),
    errors: ['10:13 out-of-range: services.web.shards must be <= 1000; got 2000000000'],
  },
  {
    name: 'replicas past int32 (Kubernetes refuses it; 2^63 was written as 9223372036854776000)',
    text: lines('    port: 8080', '    replicas: 9223372036854775808'),
    errors: ['10:15 out-of-range: services.web.replicas must be <= 2147483647; got 9223372036854776000'],
  },
  {
    name: 'a map step of more shards than compose can run services (an Indexed Job each in Kubernetes)',
    text: BASE.replace('    pattern: replicated\n    image: ghcr.io/acme/web:1.4.2\n', '    pattern: batch\n    map: { image: ghcr.io/acme/map:1.0.0, shards: 1000000000 }\n    reduce: { image: ghcr.io/acme/reduce:1.0.0 }\n'),
    errors: ['8:51 out-of-range: services.web.map.shards must be <= 10000; got 1000000000'],
  },
  // ── paths and URLs: no spaces or control characters where the kubelet, the Ingress or a client reads them ──
  {
    name: 'a health path with a newline (the kubelet cannot send it: the pod was never ready), an Ingress path with a space',
    text: lines('    port: 8080', '    health: { path: "/a\\nb" }', '    expose: { host: shop.example.com, path: "/a b" }'),
    errors: [
      '10:21 bad-format: services.web.health.path `/a\nb` has a control character (a newline, a tab, ...)',
      '11:45 bad-format: services.web.expose.path `/a b` has a space or a control character (percent-encode it, e.g. %20)',
    ],
  },
  {
    name: 'an Ingress path the API server refuses for pathType Prefix (//, /./, /../, %2F, a trailing /..)',
    text: lines('    port: 8080', '    expose: { host: shop.example.com, path: "/a/../b" }'),
    errors: ['10:45 bad-ingress-path: the Ingress path "/a/../b" holds `/../`, which the API server refuses in a Prefix path'],
    hint: 'write the path as it is after normalising: no empty, `.` or `..` segments and no encoded `/` (%2F)',
  },
  {
    name: 'an Ingress path ending in /. (refused too)',
    text: lines('    port: 8080', '    expose: { host: shop.example.com, path: "/shop/." }'),
    errors: ['10:45 bad-ingress-path: the Ingress path "/shop/." ends with `/.`, which the API server refuses in a Prefix path'],
  },
  {
    name: 'a broker URL with a newline in it',
    text: BASE.replace('    pattern: replicated\n    image: ghcr.io/acme/web:1.4.2\n', '    pattern: work-queue\n    queue: jobs\n    broker: { url: "redis://h\\nb:6379" }\n    worker: { image: ghcr.io/acme/worker:1.0.0 }\n'),
    errors: ['9:20 bad-format: services.web.broker.url `redis://h\nb:6379` is not a broker URL (redis://, rediss://, amqp://, amqps://, nats://; no spaces or control characters)'],
  },
  {
    name: 'a raw control character in the file (YAML allows none but tab and line breaks): said at its place, not taken as text',
    text: lines('    port: 8080', '    env: { LOG_LEVEL: in\u0000fo }'),
    errors: ['10:25 control-character: the file holds the control character U+0000, which YAML does not allow in a file'],
    hint: 'remove it; to have it in a value, write it escaped in a double-quoted string ("\\u0000")',
  },
  {
    name: 'CR-only line ends: read as line breaks, so a mistake is found where it is (it was "holds no YAML document" at 1:1)',
    text: lines('    port: 8080', '    replicaz: 2').replace(/\n/g, '\r'),
    errors: ['10:5 unknown-key: unknown key `replicaz` in services.web'],
  },
  {
    name: 'a tag a topology does not know (!Ref, !!python/object): refused where it is, not dropped with the value taken as text',
    text: lines('    port: 8080', '  api:', '    pattern: replicated', '    image: !Ref web-image', '  db:', '    pattern: replicated', '    image: !!python/object:os.system "id"'),
    errors: [
      '12:12 yaml-tag: the tag !Ref is not one a topology knows (YAML\'s own !!str, !!int, ... are)',
      '15:12 yaml-tag: the tag !!python/object:os.system is not one a topology knows (YAML\'s own !!str, !!int, ... are)',
    ],
    hint: 'remove the tag: write the value itself',
  },
  {
    name: 'a merge key with something else than a mapping (it was "alias-limit ... billion laughs" at 1:1)',
    text: lines('    <<: 5', '    port: 8080'),
    errors: ['9:5 bad-merge: a merge key `<<` takes a mapping (or an alias of one), or a list of them'],
    hint: 'merge a mapping: `<<: *defaults`, or `<<: [*a, *b]`',
  },
  {
    name: 'an alias with no anchor before it (it was "alias-limit ... billion laughs" at 1:1)',
    text: lines('    port: 8080', '    args: [*later]', '    command: &later [x]'),
    errors: ['10:12 yaml-syntax: the alias *later names no anchor: there is no &later before it'],
    hint: 'define &later on the node to repeat, before the alias',
  },
  {
    name: "a core tag its value does not fit (!!bool yes): said as such, not as a tag a topology does not know",
    text: lines('    port: 8080', '    replicas: !!bool yes'),
    errors: ['10:15 yaml-tag: the value tagged !!bool is none: YAML 1.2 reads true or false there'],
    hint: 'write true or false, or drop the tag',
  },
  {
    name: "a YAML 1.1 type (!!binary, !!timestamp): no topology field takes one (it was 'must be a string, not a mapping')",
    text: lines('    port: 8080', '    args: [!!timestamp 2001-12-14]'),
    errors: ["10:24 yaml-tag: the tag !!timestamp is one of YAML 1.1's types, which no topology field takes"],
    hint: 'remove the tag: write the value as text',
  },
  // ── YAML syntax errors point at the line ──
  {
    name: 'syntax: unclosed quote (points at the opening quote, not the end of the file)',
    text: lines('    env:', '      LOG_LEVEL: "info', '    port: 8080'),
    errors: ['10:18 yaml-syntax: YAML syntax error: the "-quoted string opened here is never closed'],
    hint: 'end the string with " (a quoted string may span lines, but must be closed)',
  },
  {
    name: 'syntax: an unclosed quote inside a flow mapping, which the parser reports twice: said once',
    text: lines('    env: { LOG_LEVEL: "info, MODE: fast }', '    port: 8080'),
    errors: ['9:23 yaml-syntax: YAML syntax error: the "-quoted string opened here is never closed'],
  },
  {
    name: 'syntax: unclosed [',
    text: lines('    args: [--port=8080', '    port: 8080'),
    errors: ['9:11 yaml-syntax: YAML syntax error: the [ list opened here is never closed'],
  },
  {
    name: 'syntax: a key indented one space too few (at the key, with the columns it could go to; test/yaml-slips.test.ts has the other slips)',
    text: lines('   port: 8080'),
    errors: ['9:4 yaml-syntax: YAML syntax error: `port` at column 4 is in line with no key above it: `image` is at column 5, `web` at column 3'],
    hint: 'move `port` to column 5, beside `image`, or to column 3, beside `web`',
  },
  {
    name: 'syntax: tab indentation',
    text: lines('\tport: 8080'),
    errors: ['9:1 yaml-syntax: YAML syntax error: tabs are not allowed as indentation'],
    hint: 'indent with spaces, not tabs',
  },
  // ── shape of the document ──
  {
    name: 'several documents',
    text: lines('---', 'apiVersion: ddp/v1'),
    errors: ['9:1 multiple-documents: ddp.yaml holds 2 YAML documents; a topology is exactly one'],
    hint: 'remove the `---` separator, or split the documents into separate files',
  },
  {
    name: 'a scalar at the top',
    text: 'storefront\n',
    errors: ['1:1 not-a-mapping: the top level of ddp.yaml is a single value; a topology is a mapping (apiVersion, kind, metadata, services)'],
  },
  {
    name: 'a list at the top',
    text: '# services\n- web\n- db\n',
    errors: ['2:1 not-a-mapping: the top level of ddp.yaml is a list; a topology is a mapping (apiVersion, kind, metadata, services)'],
  },
  // ── schema: unknown keys at any depth (at the key, with did-you-mean) ──
  {
    name: 'unknown key in a service: replicaz',
    text: lines('    replicaz: 3'),
    errors: ['9:5 unknown-key: unknown key `replicaz` in services.web'],
    hint: 'did you mean `replicas`?',
  },
  {
    name: 'unknown keys at every depth',
    text: [
      'apiVersion: ddp/v1', //                                   1
      'kind: Topology', //                                       2
      'metadata:', //                                            3
      '  name: shop', //                                         4
      '  labelz: { team: web }', //                              5
      'servicez: {}', //                                         6
      'services:', //                                            7
      '  web:', //                                               8
      '    pattern: replicated', //                              9
      '    image: ghcr.io/acme/web:1.4.2', //                    10
      '    cache: { ttll: 60s }', //                             11
      '    sidecars:', //                                        12
      '      - name: log', //                                    13
      '        image: fluent/fluent-bit:3.1', //                 14
      '        mounts: [{ volume: logs, pth: /logs }]', //       15
    ].join('\n') + '\n',
    errors: [
      '5:3 unknown-key: unknown key `labelz` in metadata',
      '6:1 unknown-key: unknown key `servicez` at the top level',
      '11:14 unknown-key: unknown key `ttll` in services.web.cache',
      '15:18 missing-key: services.web.sidecars[0].mounts[0] is missing the required key `path`',
      '15:34 unknown-key: unknown key `pth` in services.web.sidecars[0].mounts[0]',
    ],
    hint: 'did you mean `labels`?',
  },
  // ── schema: wrong types ──
  {
    name: 'wrong types, with the quoting hints',
    text: lines('    replicas: "3"', '    port: http', '    env:', '      PORT: 8080', '      DEBUG: true', '    tls: yes'),
    errors: [
      '9:15 wrong-type: services.web.replicas must be an integer, not the string "3"',
      '10:11 wrong-type: services.web.port must be an integer, not the string "http"',
      '12:13 bad-value: services.web.env.PORT must be a string, or { secret: NAME, key: KEY }, or { configMap: NAME, key: KEY }; got 8080',
      '13:14 bad-value: services.web.env.DEBUG must be a string, or { secret: NAME, key: KEY }, or { configMap: NAME, key: KEY }; got true',
      '14:10 wrong-type: services.web.tls must be a mapping, not the string "yes"',
    ],
    hint: 'write the number without quotes: 3',
  },
  {
    name: 'a number where text is wanted: quote it',
    text: lines('    env:', '      VERSION: 1.10'),
    errors: ['10:16 bad-value: services.web.env.VERSION must be a string, or { secret: NAME, key: KEY }, or { configMap: NAME, key: KEY }; got 1.1'],
    hint: 'quote it: "1.1"',
  },
  {
    name: 'image as a number',
    text: BASE.replace('image: ghcr.io/acme/web:1.4.2', 'image: 1.5'),
    errors: ['8:12 wrong-type: services.web.image must be a string, not the number 1.5'],
    hint: 'quote it: "1.5"',
  },
  // ── long values: said by their start and length, not printed whole (src/topology/brief.ts) ──
  {
    name: 'a long string where a number goes: its first 40 characters and its length',
    text: lines(`    replicas: "${'lorem ipsum dolor sit amet '.repeat(20)}"`),
    errors: ['9:15 wrong-type: services.web.replicas must be an integer, not the string "lorem ipsum dolor sit amet lorem ipsum d…" (540 characters)'],
  },
  {
    name: 'a block scalar where a mapping goes (a certificate pasted under tls:): one line, its newlines as \\n',
    text: lines('    tls: |', ...Array.from({ length: 30 }, (_, i) => `      line ${i} of a certificate`)),
    errors: ['9:10 wrong-type: services.web.tls must be a mapping, not the string "line 0 of a certificate\\nline 1 of a cert…" (740 characters)'],
  },
  {
    name: 'a string of exactly 40 characters: whole, as a short one',
    text: lines(`    replicas: "${'x'.repeat(40)}"`),
    errors: [`9:15 wrong-type: services.web.replicas must be an integer, not the string "${'x'.repeat(40)}"`],
  },
  {
    name: 'characters outside the BMP count one each and are never cut in half',
    text: lines(`    replicas: "${'😀'.repeat(41)}"`),
    errors: [`9:15 wrong-type: services.web.replicas must be an integer, not the string "${'😀'.repeat(40)}…" (41 characters)`],
  },
  {
    name: 'a big mapping where a string or reference goes: its size and first keys, not its JSON cut mid-way',
    text: lines('    env:', '      A:', ...Array.from({ length: 12 }, (_, i) => `        key${i}: value${i}`)),
    errors: ['11:9 bad-value: services.web.env.A must be a string, or { secret: NAME, key: KEY }, or { configMap: NAME, key: KEY }; got a mapping (12 keys: key0, key1, key2, …)'],
  },
  {
    name: 'a small mapping there: its JSON, as before',
    text: lines('    env:', '      A: { secrets: x, key: y }'),
    errors: ['10:10 bad-value: services.web.env.A must be a string, or { secret: NAME, key: KEY }, or { configMap: NAME, key: KEY }; got {"secrets":"x","key":"y"}'],
  },
  {
    name: 'a long value of an enum, a multi-line name: each cut',
    text: BASE.replace('pattern: replicated', `pattern: "${'replicated'.repeat(10)}"`).replace('  name: shop', '  name: |\n    shop\n    and more text on a second line of the name'),
    errors: [
      '4:9 bad-format: metadata.name `shop\nand more text on a second line of t…` (48 characters) is not a DNS-1123 label',
      '9:14 bad-value: services.web.pattern must be one of replicated, sharded, scatter-gather, function, work-queue, batch; got `replicatedreplicatedreplicatedreplicated…` (100 characters)',
    ],
  },
  {
    name: 'a long unknown key: cut',
    text: lines(`    ${'x'.repeat(200)}: 1`),
    errors: [`9:5 unknown-key: unknown key \`${'x'.repeat(40)}…\` (200 characters) in services.web`],
  },
  {
    name: 'pattern misspelt',
    text: BASE.replace('pattern: replicated', 'pattern: replicatd'),
    errors: ['7:14 bad-value: services.web.pattern must be one of replicated, sharded, scatter-gather, function, work-queue, batch; got `replicatd`'],
    hint: 'did you mean `replicated`?',
  },
  {
    name: 'apiVersion and kind',
    text: BASE.replace('ddp/v1', 'ddp/v2').replace('kind: Topology', 'kind: Topo'),
    errors: ['1:13 bad-value: apiVersion must be `ddp/v1`; got `ddp/v2`', '2:7 bad-value: kind must be `Topology`; got `Topo`'],
    hint: 'write `apiVersion: ddp/v1`',
  },
  // ── required keys point at the parent key ──
  {
    name: 'missing required keys',
    text: ['apiVersion: ddp/v1', 'kind: Topology', 'metadata:', '  namespace: shop', 'services:', '  web:', '    pattern: replicated', '    port: 8080'].join('\n') + '\n',
    errors: ['3:1 missing-key: metadata is missing the required key `name`', '6:3 missing-key: services.web is missing the required key `image`'],
    hint: 'add `name:` (a DNS-1123 label)',
  },
  {
    name: 'a service without a pattern: said once',
    text: lines('  api:', '    image: ghcr.io/acme/api:1.0.0', '    port: 8080'),
    errors: ['9:3 missing-key: services.api is missing the required key `pattern`'],
    hint: 'add `pattern:` (replicated, sharded, scatter-gather, function, work-queue or batch)',
  },
  {
    name: 'missing top-level keys',
    text: 'apiVersion: ddp/v1\nkind: Topology\n',
    errors: ['1:1 missing-key: the topology is missing the required key `metadata`', '1:1 missing-key: the topology is missing the required key `services`'],
  },
  // ── duplicate keys (at the second one, naming the line of the first) ──
  {
    name: 'duplicate key in a service',
    text: lines('    image: ghcr.io/acme/web:1.4.3'),
    errors: ['9:5 duplicate-key: duplicate key `image`: already set at line 8 (a key may appear only once in a mapping)'],
    hint: 'remove this `image` or the one at line 8, with its value: keep the one you mean, or rename one if it was meant to be another key',
  },
  {
    name: 'duplicate service',
    text: lines('  web:', '    pattern: replicated', '    image: ghcr.io/acme/web:2.0.0'),
    errors: ['9:3 duplicate-key: duplicate key `web`: already set at line 6 (a key may appear only once in a mapping)'],
  },
  {
    name: 'duplicate quoted key in a flow mapping (on one line: the column of the first too)',
    text: BASE.replace('  name: shop', '  name: shop\n  labels: { team: a, "team": b }'),
    errors: ['5:22 duplicate-key: duplicate key `team`: already set at line 5, column 13 (a key may appear only once in a mapping)'],
    hint: 'remove this `team` or the one at line 5, column 13, with its value: keep the one you mean, or rename one if it was meant to be another key',
  },
  {
    name: "a key written three times: each repeat names the first (quoted, single-quoted and plain are one key)",
    text: lines(`    "image": ghcr.io/acme/web:1.4.3`, `    'image': ghcr.io/acme/web:1.4.4`),
    errors: [
      '9:5 duplicate-key: duplicate key `image`: already set at line 8 (a key may appear only once in a mapping)',
      '10:5 duplicate-key: duplicate key `image`: already set at line 8 (a key may appear only once in a mapping)',
    ],
  },
  {
    name: 'duplicate key in a nested flow mapping and in the flow mapping around it',
    text: BASE.replace('  name: shop', '  name: shop\n  labels: {a: x, b: {c: 1, c: 2}, a: y}'),
    errors: [
      '5:28 duplicate-key: duplicate key `c`: already set at line 5, column 22 (a key may appear only once in a mapping)',
      '5:35 duplicate-key: duplicate key `a`: already set at line 5, column 12 (a key may appear only once in a mapping)',
    ],
  },
  {
    name: 'duplicate key in an environment',
    text: lines('environments:', '  prod:', '    services:', '      web:', '        replicas: 3', '        image: ghcr.io/acme/web:2.0.0', '        replicas: 4'),
    errors: ['15:9 duplicate-key: duplicate key `replicas`: already set at line 13 (a key may appear only once in a mapping)'],
  },
  {
    name: 'duplicate key after a slip that is repaired to read on: the first copy named in the file as it is',
    text: lines('    port: 8080', '     replicas: 2', '    image: ghcr.io/acme/web:2.0.0'),
    errors: [
      '10:6 yaml-syntax: YAML syntax error: `replicas` is indented more than `port` above it (column 6, not 5), but `port` has a value, `8080`, so nothing can nest under it',
      '11:5 duplicate-key: duplicate key `image`: already set at line 8 (a key may appear only once in a mapping)',
    ],
  },
  {
    // (found by the yaml-slips property test, seed 681508372)
    name: 'block scalar text the parser, lost at a tab, reads as keys: its errors, and no duplicate key of its making',
    text: 'apiVersion: ddp/v1\nkind: Topology\nmetadata:\n  name: shop\n  annotations:\n    a.example.com/note: |-\n\t     \n      kind: Secret\nservices:\n  web: { pattern: replicated, image: "ghcr.io/acme/web:1.0.0", port: 8080 }\n',
    errors: [
      '7:1 yaml-syntax: YAML syntax error: block scalars with more-indented leading empty lines must use an explicit indentation indicator',
      '7:1 yaml-syntax: YAML syntax error: block scalar values in collections must be indented',
    ],
  },
  {
    name: 'a long duplicate key: named by its first 40 characters and its length',
    text: lines(`    ${'k'.repeat(100)}: 1`, `    ${'k'.repeat(100)}: 2`),
    errors: [`10:5 duplicate-key: duplicate key \`${'k'.repeat(40)}…\` (100 characters): already set at line 9 (a key may appear only once in a mapping)`],
  },
  // ── aliases: billion laughs, cycles, depth ──
  {
    name: 'billion laughs (at the alias that crosses the limit)',
    text: laughs,
    errors: [`15:18 alias-limit: YAML aliases expand this document past ${MAX_ALIAS_NODES} nodes at *e (a "billion laughs" document?)`],
    hint: 'write the values out, or use fewer anchors and aliases',
  },
  {
    name: 'an alias inside its own anchor',
    text: lines('    volumes: &v', '      data: { type: emptyDir, more: *v }'),
    errors: ['10:37 alias-cycle: the alias *v refers to a node that contains it: it would expand forever'],
  },
  {
    name: 'nesting 300 levels deep',
    text: lines(`    args: ${'['.repeat(300)}${']'.repeat(300)}`),
    errors: ['9:209 too-deep: the topology nests more than 200 levels deep here'],
  },
  // ── names ──
  {
    name: 'service names ../../etc and Web_1',
    text: ['apiVersion: ddp/v1', 'kind: Topology', 'metadata: { name: shop }', 'services:', '  ../../etc:', '    pattern: replicated', '    image: a/b:1', '  Web_1:', '    pattern: replicated', '    image: a/b:1'].join('\n') + '\n',
    errors: ['5:3 bad-name: `../../etc` in services is not a valid name', '8:3 bad-name: `Web_1` in services is not a valid name'],
    hint: "use lowercase letters, digits and '-', e.g. `etc`",
  },
  {
    name: 'a service name of 64 characters',
    text: BASE.replace('  web:', `  ${'w'.repeat(64)}:`),
    errors: [`6:3 bad-length: \`${'w'.repeat(40)}…\` (64 characters) must be at most 63 characters long`],
  },
  {
    name: 'topology name not DNS-1123',
    text: BASE.replace('name: shop', 'name: Shop'),
    errors: ['4:9 bad-format: metadata.name `Shop` is not a DNS-1123 label'],
    hint: "use lowercase letters, digits and '-', e.g. `shop`",
  },
  {
    name: 'a label value, an IngressClass and a StorageClass Kubernetes would refuse at apply',
    text: BASE.replace('  name: shop', '  name: shop\n  labels: { team: "web team!" }').replace('services:', 'services:\n  cache:\n    pattern: sharded\n    image: memcached:1.6.29\n    port: 11211\n    protocol: memcache\n    shards: 2\n    storage: { size: 1Gi, storageClass: Fast_SSD }') + '    port: 8080\n    expose: { host: shop.example.com, className: "Nginx Public" }\n',
    errors: [
      "5:19 bad-format: metadata.labels.team `web team!` is not a Kubernetes label value (letters, digits, '-', '_' and '.' between them, at most 63)",
      "13:41 bad-format: services.cache.storage.storageClass `Fast_SSD` is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', e.g. fast-ssd)",
      "18:50 bad-format: services.web.expose.className `Nginx Public` is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', e.g. fast-ssd)",
    ],
  },
  {
    name: 'an annotation key Kubernetes would refuse (it went into every manifest)',
    text: BASE.replace('  name: shop', '  name: shop\n  annotations: { "bad key!": x, example.com/owner: web }') + '    port: 8080\n',
    errors: ['5:18 bad-name: `bad key!` in metadata.annotations is not a valid key'],
    hint: "a Kubernetes key: letters, digits, '-', '_' and '.' between them (at most 63), after an optional DNS subdomain (at most 253) and / (example.com/team)",
  },
  {
    name: 'a memory quantity with an uppercase K and a negative cpu number: Kubernetes parses neither',
    text: lines('    port: 8080', '    resources: { memory: 128K, memoryLimit: 256k, cpu: -1 }'),
    errors: [
      '10:26 bad-format: services.web.resources.memory `128K` is not a memory quantity (e.g. 128Mi, 1Gi)',
      '10:56 out-of-range: services.web.resources.cpu must be >= 0; got -1',
    ],
    hint: 'Kubernetes writes that unit `k`: 128k (or 128Ki, 1024 bytes to the unit)',
  },
  {
    name: 'a memory quantity with a unit in the wrong case, and one with no Kubernetes unit',
    text: lines('    port: 8080', '    resources: { memory: 1gi, memoryLimit: 2GB }'),
    errors: [
      '10:26 bad-format: services.web.resources.memory `1gi` is not a memory quantity (e.g. 128Mi, 1Gi)',
      '10:44 bad-format: services.web.resources.memoryLimit `2GB` is not a memory quantity (e.g. 128Mi, 1Gi)',
    ],
    hint: 'Kubernetes writes that unit `Gi`: 1Gi',
  },
  {
    name: 'a limit below the request the container gets by default (the API server refused the pod)',
    text: lines('    port: 8080', '    resources: { memoryLimit: 256Mi }', '    sidecars: [{ name: log, image: busybox:1.36, resources: { cpu: 10m, cpuLimit: 20m, memoryLimit: 600Mi } }]', '    tls: { secret: web-tls, resources: { memoryLimit: 64Mi } }').replace('services:', 'defaults:\n  resources: { memory: 512Mi, cpuLimit: 50m }\nservices:'),
    errors: [
      "6:41 limit-below-request: cpuLimit 50m is below the cpu request 100m the container gets by ddp's default",
      '12:31 limit-below-request: memoryLimit 256Mi is below the memory request 512Mi the container gets from defaults.resources',
      '14:55 limit-below-request: memoryLimit 64Mi is below the memory request 512Mi the container gets from defaults.resources',
    ],
  },
  {
    name: "a proxy's limit below its default request (it was raised to the request without a word)",
    text: [
      ...BASE.split('\n').slice(0, 5),
      '  shards:',
      '    pattern: sharded',
      '    image: ghcr.io/acme/s:1',
      '    port: 8080',
      '    shards: 2',
      '    router: { kind: varnish, resources: { memoryLimit: 100Mi, cpuLimit: 50m } }',
      ...BASE.split('\n').slice(5, 8),
      '    port: 8080',
      '    cache: { memory: 64Mi, resources: { memoryLimit: 129Mi, cpuLimit: 100m } }',
      '    ambassadors: [{ name: r, kind: shard-router, target: shards, listen: 9000, resources: { cpuLimit: 1m, memoryLimit: 129Mi } }]',
    ].join('\n') + '\n',
    errors: [
      "11:56 limit-below-request: memoryLimit 100Mi is below the memory request 128Mi the container gets by ddp's default for a varnish router",
      "11:73 limit-below-request: cpuLimit 50m is below the cpu request 100m the container gets by ddp's default for a varnish router",
      "17:103 limit-below-request: cpuLimit 1m is below the cpu request 100m the container gets by ddp's default",
    ],
  },
  {
    name: 'a TLS sidecar with fields of a container of your own (its mounts and env were silently ignored)',
    text: lines('    port: 8080', '    volumes: { v: {} }', '    mounts: [{ volume: v, path: /v }]', '    sidecars: [{ name: https, kind: tls, secret: web-tls, port: 8443, env: { A: b }, mounts: [{ volume: v, path: /x }] }]'),
    errors: [
      "12:71 tls-sidecar-field: a `kind: tls` sidecar runs ddp's nginx, configured by ddp: `env` is not used",
      "12:86 tls-sidecar-field: a `kind: tls` sidecar runs ddp's nginx, configured by ddp: `mounts` is not used",
    ],
  },
  {
    name: 'a persistent volume or storage of size 0 (a claim of no storage)',
    text: lines('    port: 8080', '    volumes: { d: { type: persistent, size: "0" }, e: { size: "0" } }', '    mounts: [{ volume: d, path: /d }, { volume: e, path: /e }]'),
    errors: ['10:45 zero-size: size 0 is zero; Kubernetes refuses a PersistentVolumeClaim that asks for no storage'],
  },
  {
    name: 'replicas above autoscale.max without autoscale.min (the HPA had min above max), and an Ingress host that is an IP address',
    text: lines('    port: 8080', '    replicas: 3', '    autoscale: { max: 2 }', '    expose: { host: 10.0.0.1 }', '  api:', '    pattern: replicated', '    image: ghcr.io/acme/api:1.0.0', '    port: 8080', '    expose: { host: 999.1.1.1 }'),
    errors: [
      "10:15 bad-range: replicas 3 (the autoscaler's minimum, as autoscale.min is not given) is above autoscale.max 2",
      '12:21 ingress-host-ip: expose.host 10.0.0.1 is an IP address; an Ingress rule\'s host must be a DNS name',
    ],
  },
  {
    name: "a twemproxy router on twemproxy's own stats port (nutcracker exits: address already in use)",
    text: BASE.replace('services:', 'services:\n  cache:\n    pattern: sharded\n    image: memcached:1.6.29\n    port: 11211\n    protocol: memcache\n    shards: 2\n    router: { port: 22222 }') + '    port: 8080\n',
    errors: ["12:21 port-clash: router.port 22222 is the port twemproxy serves its stats on: it would fail to bind and restart for ever"],
  },
  {
    name: 'a label ddp or a Kubernetes controller sets itself (job-name made every Job fail; pod-security was an internal error)',
    text: BASE.replace('  name: shop', '  name: shop\n  labels: { team: web, job-name: nightly, pod-security.kubernetes.io/enforce: baseline, app.kubernetes.io/part-of: x, pod-security.kubernetes.io/warn: baseline }') + '    port: 8080\n',
    errors: [
      '5:34 reserved-label: `job-name` is a label Kubernetes sets: the Job controller sets it on its pods; the API server refuses a Job whose pod template gives it another value',
      '5:79 reserved-label: ddp sets the label `pod-security.kubernetes.io/enforce` itself, on the Namespace (`restricted`: every pod ddp generates meets it)',
      '5:116 reserved-label: ddp sets the label `app.kubernetes.io/part-of` itself, on every object (the topology name)',
    ],
  },
  {
    name: 'a label or annotation key whose prefix is no DNS subdomain (`..`, `.-`, over 253): lint refused it, validate did not',
    text: BASE.replace('  name: shop', `  name: shop\n  labels: { "a..b/team": web, "a.-b/x": y, example.com/ok: z }\n  annotations: { "${'p'.repeat(254)}/x": y, "${'p'.repeat(253)}/ok": z }`) + '    port: 8080\n',
    errors: [
      '5:13 bad-name: `a..b/team` in metadata.labels is not a valid key',
      '5:31 bad-name: `a.-b/x` in metadata.labels is not a valid key',
      `6:18 bad-name: \`${'p'.repeat(40)}…\` (256 characters) in metadata.annotations is not a valid key`,
    ],
  },
  {
    name: 'a Secret or ConfigMap key the API server refuses: said at the key, not as a wrong env value',
    text: lines('    port: 8080', '    env:', '      DB_PASS: { secret: db, key: "../db pass" }', '      MODE: { configMap: settings, key: "." }', '      OK: { secret: db, key: tls.crt }'),
    errors: [
      "11:35 bad-format: services.web.env.DB_PASS.key `../db pass` is not a Secret key: letters, digits, '-', '_' and '.', at most 253, not `.` and not starting with `..`",
      "12:41 bad-format: services.web.env.MODE.key `.` is not a ConfigMap key: letters, digits, '-', '_' and '.', at most 253, not `.` and not starting with `..`",
    ],
  },
  // ── __proto__ and constructor: plain (unknown) keys ──
  {
    name: '__proto__ and constructor keys are unknown keys, not prototypes',
    text: lines('    __proto__: { replicas: 9 }', '    constructor: { name: x }', '__proto__:', '  polluted: true'),
    errors: [
      '9:5 unknown-key: unknown key `__proto__` in services.web',
      '10:5 unknown-key: unknown key `constructor` in services.web',
      '11:1 unknown-key: unknown key `__proto__` at the top level',
    ],
  },
  // ── semantics ──
  {
    name: 'name collision: web with a cache layer and a service web-cache',
    text: lines('    cache: { replicas: 2 }', '  web-cache:', '    pattern: replicated', '    image: ghcr.io/acme/other:1.0.0'),
    errors: ['10:3 name-collision: services.web-cache generates `web-cache`, which services.web generates too'],
    hint: 'rename one of them: services.web owns `web-cache` (its derived object)',
  },
  {
    name: 'name collision: compose runs web\'s replicas as web-replica',
    text: lines('    cache: {}', '  web-replica:', '    pattern: replicated', '    image: ghcr.io/acme/other:1.0.0'),
    errors: ['10:3 name-collision: services.web-replica generates `web-replica`, which services.web generates too'],
  },
  {
    name: 'two containers of a pod on one port',
    text: lines('    port: 8080', '    sidecars:', '      - name: metrics', '        image: prom/statsd-exporter:v0.27.1', '        port: 8080'),
    errors: ['13:15 port-clash: port 8080 is used twice in one pod: by the main container and by sidecar metrics'],
    hint: 'containers of a pod share one network namespace; give each its own port',
  },
  {
    name: 'a reference to a service that does not exist',
    text: lines('    ambassadors:', '      - name: exp', '        kind: split', '        listen: 8081', '        routes: [{ to: web, weight: 90 }, { to: web-nxt, weight: 10 }]'),
    errors: ['13:49 unknown-service: `web-nxt` is not a service of this topology'],
    hint: 'did you mean `web`?',
  },
  {
    name: 'autoscale min above max',
    text: lines('    autoscale: { min: 5, max: 3 }'),
    errors: ['9:5 bad-range: autoscale.min 5 is above autoscale.max 3'],
  },
  {
    // sidecars and adapters are containers too: before, validate passed these and generate dropped a port, ignored tcp or wrote a pod the API refuses
    name: 'sidecar and adapter containers are checked as the main one is',
    text: lines(
      '    port: 8080',
      '    sidecars:',
      '      - { name: a, image: "busybox:1.36", port: 9000, ports: [{ name: x, port: 9001 }] }',
      '      - { name: b, image: "busybox:1.36", health: { path: /h, tcp: true } }',
      '      - { name: c, image: "busybox:1.36", resources: { cpu: "2", cpuLimit: "1" } }',
      '      - { name: d, image: "busybox:1.36", health: { exec: [\"true\"], port: 9 } }',
      '    adapters:',
      '      - { name: m, kind: prometheus, image: "exporter:1", resources: { memory: 1Gi, memoryLimit: 512Mi } }',
    ),
    errors: [
      '11:55 port-and-ports: give either `port` or `ports`, not both',
      '12:43 bad-health: health needs exactly one of path, tcp or exec; got path and tcp',
      '13:76 limit-below-request: cpuLimit 1 is below the cpu request 2',
      '14:75 bad-health: health.port is for a `path` or `tcp` check; an `exec` check runs a command in the container and uses no port',
      '16:98 limit-below-request: memoryLimit 512Mi is below the memory request 1Gi',
    ],
  },
  {
    // health.status is what a varnish probe of the health path expects: with tcp or exec nothing reads it
    name: 'health.status on a tcp or exec check',
    text: lines(
      '    port: 8080',
      '    health: { tcp: true, status: 204 }',
      '    sidecars:',
      '      - { name: b, image: "busybox:1.36", health: { exec: ["true"], status: 200 } }',
    ),
    errors: [
      "10:34 bad-health: health.status is the HTTP status of a `path` check, and this one is `tcp`",
      "12:77 bad-health: health.status is the HTTP status of a `path` check, and this one is `exec`",
    ],
    hint: 'drop health.status, or check with `path:`',
  },
  {
    // the kubelet counts 2xx and 3xx as healthy: a health.status outside them never would be
    name: 'health.status outside 200-399',
    text: lines('    port: 8080', '    health: { path: /h, status: 404 }'),
    errors: ['10:33 out-of-range: services.web.health.status must be <= 399; got 404'],
  },
  {
    name: "the proxies' resources: a limit below its request, and a varnish limit that leaves nothing above its storage",
    text: lines(
      '    port: 8080',
      '    tls: { secret: web-tls, resources: { memory: 1Gi, memoryLimit: 512Mi } }',
      '    cache: { memory: 512Mi, resources: { memoryLimit: 512Mi } }',
      '  pages:',
      '    pattern: sharded',
      '    image: ghcr.io/acme/pages:1.0.0',
      '    port: 8080',
      '    shards: 2',
      '    router: { kind: varnish, resources: { memoryLimit: 64Mi } }',
    ),
    errors: [
      '10:68 limit-below-request: memoryLimit 512Mi is below the memory request 1Gi',
      '11:55 varnish-memory: memoryLimit 512Mi leaves varnish no memory above its 512Mi storage (cache.memory): it is killed once the cache fills',
      '17:56 varnish-memory: memoryLimit 64Mi leaves varnish no memory above its 64Mi storage (its fixed storage): it is killed once the cache fills',
    ],
  },
  {
    // (before, no probe was made and validate said nothing)
    name: 'a path or tcp health check on a container without a port: health-needs-port',
    text: lines(
      '    port: 8080',
      '    sidecars:',
      '      - { name: sync, image: "busybox:1.36", health: { tcp: true } }',
      '  jobs:',
      '    pattern: work-queue',
      '    worker: { image: ghcr.io/acme/worker:1.0.0, health: { path: /healthz } }',
      '  ok:',
      '    pattern: work-queue',
      '    worker: { image: ghcr.io/acme/worker:1.0.0, health: { path: /healthz, port: 9000 } }',
    ),
    errors: [
      '11:46 health-needs-port: health.tcp checks a port, and this container has none',
      '14:49 health-needs-port: health.path checks a port, and this container has none',
    ],
  },
  {
    name: 'a health check over TCP on a UDP main port: health-udp (the pod would never be ready)',
    text: lines('    ports: [{ name: dns, port: 5353, protocol: UDP }]', '    health: { tcp: true }'),
    errors: ['10:5 health-udp: health.tcp would check the main port 5353 over TCP, and it is UDP: the pod would never be ready'],
  },
  {
    name: 'defaults.resources with a limit below its request (it was raised to the request without a word)',
    text: BASE.replace('services:\n', 'defaults:\n  resources: { cpu: "2", cpuLimit: "1" }\nservices:\n'),
    errors: ['6:36 limit-below-request: cpuLimit 1 is below the cpu request 2'],
  },
  {
    name: '--env that does not exist (points at environments:)',
    text: lines('environments:', '  prod:', '    services:', '      web: { replicas: 6 }'),
    env: 'prd',
    errors: ['9:1 unknown-environment: --env prd: the topology has no environment `prd`'],
    hint: 'did you mean `prod`?',
  },
  {
    name: 'an environment that breaks the document (reported at the overlay)',
    text: lines('environments:', '  prod:', '    services:', '      web: { replicas: many }'),
    env: 'prod',
    errors: ['12:24 wrong-type: services.web.replicas must be an integer, not the string "many" (environment prod)'],
  },
  {
    name: 'an environment that sets to null (removes) a key the document does not have: a typo, said where it is',
    text: lines('    port: 8080', '    sidecars: [{ name: sync, image: "busybox:1.36" }]', 'environments:', '  prod:', '    services:', '      web: { cahce: null, sidecars: [{ name: sync, envv: null }] }', '      wbe: null'),
    env: 'prod',
    errors: [
      '14:21 overlay-removes-nothing: services.web.cahce: null removes it, and the document has no services.web.cahce (environment prod)',
      '14:58 overlay-removes-nothing: services.web.sidecars[sync].envv: null removes it, and the document has no services.web.sidecars[sync].envv (environment prod)',
      '15:12 overlay-removes-nothing: services.wbe: null removes it, and the document has no services.wbe (environment prod)',
    ],
    hint: 'check the name (null removes a key the document has), or drop the line',
  },
  {
    name: 'an environment that removes a required key (image: null): said at the null that removed it, not at the service',
    text: lines('    port: 8080', 'environments:', '  prod:', '    services:', '      web: { image: null }'),
    env: 'prod',
    errors: ['13:14 missing-key: services.web is missing the required key `image` (environment prod)'],
  },
  {
    name: 'an environment that sets a service the document lacks, without a pattern: a misspelt name, said at the overlay (it was "missing the required key `pattern`" at the document\'s `services:`)',
    text: lines('    port: 8080', 'environments:', '  prod:', '    services:', '      wbe: { replicas: 4 }', '      extra: { replicas: 1 }'),
    env: 'prod',
    errors: [
      '13:7 overlay-unknown-service: service `wbe` is not in the document, and the environment gives it no `pattern` (a service an environment adds needs one) (environment prod)',
      '14:7 overlay-unknown-service: service `extra` is not in the document, and the environment gives it no `pattern` (a service an environment adds needs one) (environment prod)',
    ],
    hint: 'did you mean `web`?',
  },
  {
    name: 'an environment that sets a pipeline the document lacks, without stages: a misspelt name too',
    text: lines('    port: 8080', 'pipelines:', '  photos:', '    broker: redis', '    stages: [{ name: resize, image: "ghcr.io/acme/resize:1.0.0", input: uploads }]', 'environments:', '  stage:', '    pipelines:', '      photoz: { broker: nats }'),
    env: 'stage',
    errors: ['17:7 overlay-unknown-service: pipeline `photoz` is not in the document, and the environment gives it no `stages` (a pipeline an environment adds needs them) (environment stage)'],
    hint: 'did you mean `photos`?',
  },
  {
    name: 'an environment that adds a service (or a sidecar) with a key set to null: it removes nothing there either',
    text: lines('    port: 8080', 'environments:', '  prod:', '    services:', '      debug: { pattern: replicated, image: "ghcr.io/acme/debug:1.0.0", port: 8080, cache: null }'),
    env: 'prod',
    errors: ['13:91 overlay-removes-nothing: services.debug.cache: null removes it, and the document has no services.debug.cache (environment prod)'],
  },
  {
    name: 'a split route to a service that takes no HTTP (a redis sharded service, a Knative function)',
    text: lines(
      '    port: 8080',
      '    ambassadors:',
      '      - { name: exp, kind: split, listen: 9000, routes: [{ to: carts, weight: 50 }, { to: fn, weight: 50 }] }',
      '  carts: { pattern: sharded, image: "redis:7.4.1", port: 6379, protocol: redis, shards: 2 }',
      '  fn: { pattern: function, image: ghcr.io/acme/fn:1.0.0, runtime: knative }',
    ),
    errors: [
      '11:64 bad-reference: split ambassador `exp` sends HTTP requests to `carts`, but it is a redis sharded service',
      "11:91 bad-reference: split ambassador `exp` sends HTTP requests to `fn`, but it is a Knative function, which only Knative's own ingress reaches",
    ],
    hint: 'route to a replicated, http sharded, scatter-gather or http function service (runtime: deployment)',
  },
  {
    name: "a port taken by a twemproxy ambassador's stats (each one in a pod takes the next from 22222)",
    text: lines(
      '    port: 8080',
      '    ambassadors:',
      '      - { name: cache, kind: shard-router, target: sessions, listen: 11211 }',
      '      - { name: carts, kind: shard-router, target: carts, listen: 6379 }',
      '      - { name: px, kind: proxy, listen: 22223, upstream: "db.example.com:5432" }',
      '  sessions: { pattern: sharded, image: "memcached:1.6.29", port: 11211, protocol: memcache, shards: 2 }',
      '  carts: { pattern: sharded, image: "redis:7.4.1", port: 6379, protocol: redis, shards: 2 }',
    ),
    errors: ['13:42 port-clash: port 22223 is used twice in one pod: by the twemproxy stats of ambassador carts and by ambassador px'],
  },
  {
    name: 'a shard key header that does not start with a letter (varnish cannot compile req.http.1-Tenant)',
    text: lines('  s: { pattern: sharded, image: ghcr.io/acme/s:1.0.0, port: 8080, shards: 2, key: "header:1-Tenant", router: { kind: varnish } }'),
    errors: ['9:83 bad-format: services.s.key `header:1-Tenant` is not a shard key (uri, header:NAME, query:NAME or cookie:NAME; a header name starts with a letter)'],
  },
  {
    name: 'a proxy upstream port out of range (nginx -t: invalid port in upstream)',
    text: lines('    port: 8080', '    ambassadors:', '      - { name: db, kind: proxy, listen: 5432, upstream: "db.example.com:99999" }'),
    errors: ['11:58 bad-format: services.web.ambassadors[0].upstream `db.example.com:99999` is not host:port with a port from 1 to 65535 (e.g. db.example.com:5432)'],
  },
  {
    name: 'a duration of 10 digits (a TTL of 1e15s does not compile in VCL)',
    text: lines('    port: 8080', '    cache: { ttl: 1000000000s }'),
    errors: ['10:19 bad-format: services.web.cache.ttl `1000000000s` is not a duration (at most 9 digits and a unit, e.g. 500ms, 2s, 5m)'],
  },
  {
    name: 'one UDP port twice in one container: said once, by whom (TCP and UDP on one number is allowed, below)',
    text: lines('    ports:', '      - { name: dns-udp, port: 5353, protocol: UDP }', '      - { name: dns-udp2, port: 5353, protocol: UDP }'),
    errors: ['11:33 port-clash: UDP port 5353 is used twice by the main container'],
    hint: 'remove the repeated entry',
  },
  {
    name: "a claim's field on an emptyDir (no type): said, not dropped (a user following shared-claim's hint forgot type: persistent)",
    text: lines('    port: 8080', '    replicas: 1', '    mounts: [{ volume: d, path: /d }]', '    volumes: { d: { accessMode: ReadWriteMany, storageClass: nfs } }'),
    errors: [
      "12:33 claim-field: `accessMode` is a field of a persistent volume, and volume `d` is an emptyDir (the default type)",
      "12:62 claim-field: `storageClass` is a field of a persistent volume, and volume `d` is an emptyDir (the default type)",
    ],
    hint: 'add `type: persistent`, or remove `accessMode`',
  },
  {
    name: 'a duration written as a bare number: the hint gives it a unit (quoting it gives "60", no duration either)',
    text: lines('    port: 8080', '    cache: { ttl: 60 }'),
    errors: ['10:19 wrong-type: services.web.cache.ttl must be a string, not the number 60'],
    hint: 'a duration has a unit: 60s (or ms, m, h)',
  },
  {
    name: 'a mount of a mistyped volume: did you mean the declared one (not: declare the typo)',
    text: lines('    port: 8080', '    mounts: [{ volume: contnet, path: /srv }]', '    volumes: { content: { type: emptyDir } }'),
    errors: ['10:24 unknown-volume: mount of volume `contnet`, which web does not declare'],
    hint: 'did you mean `content`?',
  },
  {
    name: "a sidecar named replica beside a cache: compose's load balancer runs the replicas as web-replica",
    text: lines('    port: 8080', '    cache: {}', '    sidecars: [{ name: replica, image: "busybox:1.36" }]'),
    errors: ["6:3 name-collision: services.web generates `web-replica` twice: as the compose service of web's replicas and as the compose service of container `replica` in web's pod"],
  },
  {
    name: 'two services whose persistent volumes get one name (a-b-data: a PVC defined twice, one compose volume shared)',
    text: lines(
      '    port: 8080',
      '    replicas: 1',
      '    volumes: { b-data: { type: persistent, size: 1Gi } }',
      '    mounts: [{ volume: b-data, path: /data }]',
      '  web-b:',
      '    pattern: replicated',
      '    image: ghcr.io/acme/ab:1.0.0',
      '    port: 8080',
      '    replicas: 1',
      '    volumes: { data: { type: persistent, size: 1Gi } }',
      '    mounts: [{ volume: data, path: /data }]',
    ),
    errors: ['13:3 name-collision: services.web-b generates `web-b-data`, which services.web generates too'],
  },
  {
    name: "an emptyDir two containers share (a compose named volume) and another service's persistent volume of one name (compose shared the data)",
    text: lines(
      '    port: 8080',
      '    volumes: { b-data: { type: emptyDir } }',
      '    mounts: [{ volume: b-data, path: /shared }]',
      '    sidecars: [{ name: s, image: ghcr.io/acme/s:1.0.0, mounts: [{ volume: b-data, path: /shared }] }]',
      '  web-b:',
      '    pattern: replicated',
      '    image: ghcr.io/acme/ab:1.0.0',
      '    port: 8080',
      '    volumes: { data: { type: persistent, size: 1Gi, accessMode: ReadWriteMany } }',
      '    mounts: [{ volume: data, path: /data }]',
    ),
    errors: ['13:3 name-collision: services.web-b generates `web-b-data`, which services.web generates too'],
  },
  // ── Kubernetes limits on the names ddp builds (src/kube-limits.ts) ──
  {
    name: 'a service named namespace would overwrite kubernetes/namespace.yaml',
    text: lines('  namespace:', '    pattern: replicated', '    image: ghcr.io/acme/ns:1.0.0'),
    errors: ['9:3 reserved-name: services.namespace would be written to kubernetes/namespace.yaml, a file ddp writes for the whole topology'],
    hint: 'rename it (`namespace` and `kustomization` are taken)',
  },
  {
    name: 'a service and a pipeline of one name would share kubernetes/<name>.yaml',
    text: lines('pipelines:', '  web:', '    sources: [in]', '    stages:', '      copy: { kind: filter, image: ghcr.io/acme/copy:1, input: in, outputs: [out] }'),
    errors: ['10:3 name-collision: pipelines.web and services.web would both be written to kubernetes/web.yaml'],
    hint: 'a service and a pipeline need different names',
  },
  {
    name: 'a StatefulSet name over 52 characters (its pods would never be created)',
    text: lines(`  search-${'lllllllllllllllllllllllllllllllllllllllll'}:`, '    pattern: scatter-gather', '    root: { image: ghcr.io/acme/r:1.0, port: 8080 }', '    leaves: { image: ghcr.io/acme/l:1.0, port: 9090, count: 4 }'),
    errors: ['9:3 name-too-long: services.search-lllllllllllllllllllllllllllllllllllllllll generates the StatefulSet `search-lllllllllllllllllllllllllllllllllllllllll-leaf` (53 characters); Kubernetes takes at most 52: its pods carry the label `controller-revision-hash: <name>-<hash>`, and a longer name leaves them uncreated'],
    hint: "shorten services.search-lllllllllllllllllllllllllllllllllllllllll's name (or the sidecar, stage or other part named in it) by 1 character",
  },
  {
    name: 'a CronJob name over 52 characters',
    text: lines(`  ${'r'.repeat(54)}:`, '    pattern: function', '    image: ghcr.io/acme/report:2.1.0', '    trigger: { schedule: "30 2 * * *" }'),
    errors: [`9:3 name-too-long: services.${'r'.repeat(54)} generates the CronJob \`${'r'.repeat(54)}\` (54 characters); Kubernetes takes at most 52 for a CronJob (the Jobs it starts add 11 characters)`],
  },
  {
    name: "an Indexed Job whose last pod's host name passes 63",
    text: lines(`  ${'b'.repeat(56)}:`, '    pattern: batch', '    map: { image: ghcr.io/acme/m:1.0, shards: 1000, parallelism: 10 }', '    reduce: { image: ghcr.io/acme/r:1.0 }'),
    errors: [`9:3 name-too-long: services.${'b'.repeat(56)} generates the Indexed Job \`${'b'.repeat(56)}-map\` (60 characters); Kubernetes takes at most 59: the host name of its last pod, \`${'b'.repeat(56)}-map-999\`, must be at most 63`],
  },
  {
    name: 'a Service name starting with a digit (DNS-1035)',
    text: lines('  1api:', '    pattern: replicated', '    image: ghcr.io/acme/api:1.0.0', '    port: 8080', '    cache: {}'),
    errors: ['9:3 bad-service-name: services.1api generates the Service `1api`, and its name must start with a letter (a Service name is a DNS-1035 label)'],
    hint: 'rename services.1api to start with a letter',
  },
  {
    name: 'port names Kubernetes refuses (IANA_SVC_NAME)',
    text: lines('    ports: [{ name: "8080", port: 8080 }, { name: a--b, port: 8081 }, { name: http, port: 8082 }, { name: http, port: 8083 }]'),
    errors: [
      "9:21 bad-format: services.web.ports[0].name `8080` is not a port name (lowercase letters, digits and single '-', with at least one letter, at most 15)",
      "9:51 bad-format: services.web.ports[1].name `a--b` is not a port name (lowercase letters, digits and single '-', with at least one letter, at most 15)",
    ],
  },
  {
    name: 'a port name used twice in one pod',
    text: lines('    ports: [{ name: http, port: 8080 }]', '    sidecars:', '      - { name: stats, image: prom/statsd-exporter:v0.27.1, ports: [{ name: http, port: 9102 }] }'),
    errors: ['11:77 port-name-clash: port name `http` is used twice in one pod: by the main container and by sidecar stats'],
    hint: 'give each port of a pod its own name',
  },
  {
    name: 'an Ingress host over 253 characters',
    text: lines('    port: 8080', `    expose: { host: ${Array(4).fill('h'.repeat(63)).join('.')}.io }`),
    errors: ['10:21 bad-length: services.web.expose.host must be at most 253 characters long'],
  },
];

describe('bad input: exact diagnostics through the library', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const errors = await errorsOf(c.text, c.env);
    expect(errors.map(show)).toEqual(c.errors);
    for (const d of errors) {
      expect(d.severity).toBe('error');
      expect(d.file).toBe('ddp.yaml');
    }
    if (c.hint !== undefined) expect(errors[0].hint).toBe(c.hint);
    // the generate path refuses the same input with the same errors (validate names the environment)
    const suffix = c.env ? ` (environment ${c.env})` : '';
    expect((await prepareErrors(c.text, c.env)).map((d) => show(d) + (d.pointer !== undefined && d.line !== undefined && c.env && d.code !== 'unknown-environment' ? suffix : ''))).toEqual(c.errors);
  });

  it('nesting far past 200 levels (10,000 [): one too-deep where the parser gave up, not its "maximum call stack size exceeded"', async () => {
    for (const tail of [']'.repeat(10000), '']) {
      const errors = await errorsOf(BASE.replace('services:\n  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.4.2\n', `services: ${'['.repeat(10000)}${tail}\n`));
      // (the column is where the parser's recursion ran out: it depends on the stack, so only its range is sure)
      expect(errors.map((d) => `${d.line} ${d.code}: ${d.message} | ${d.hint}`)).toEqual(['5 too-deep: the YAML nests more than 200 levels deep here (so deep the parser gave up) | flatten the structure; no topology field nests this deep']);
      expect(errors[0].col).toBeGreaterThan(200);
    }
  });

  it('thousands of services merging one anchor: valid, at once (aliases resolved in one pass, not a document scan each)', async () => {
    const text = ['apiVersion: ddp/v1', 'kind: Topology', 'metadata: { name: shop }', 'x-d: &d { pattern: replicated, image: "ghcr.io/acme/web:1.4.2", port: 8080 }', 'services:', ...Array.from({ length: 3000 }, (_, i) => `  s${i}: { <<: *d }`), ''].join('\n');
    const started = Date.now();
    const loaded = parseTopologyText(text, 'ddp.yaml');
    expect(Date.now() - started).toBeLessThan(3000); // (a yaml resolve() per alias took 3 s for 2,000)
    expect(Object.keys((loaded.data as { services: object }).services)).toHaveLength(3000);
    expect(await errorsOf(text)).toEqual([]);
  });

  it('merge keys share settings (`<<: *defaults`), from a service or an `x-` extension key ddp ignores; YAML\'s own tags are fine', async () => {
    const text = [
      'apiVersion: ddp/v1',
      'kind: Topology',
      'metadata: { name: shop }',
      'x-defaults: &defaults { pattern: replicated, image: "ghcr.io/acme/web:1.4.2", replicas: 3 }',
      'services:',
      '  web: { <<: *defaults, port: !!int "8080" }',
      '  api:',
      '    <<: *defaults',
      '    image: !!str ghcr.io/acme/api:2.0.0',
      '    port: 9090',
      '',
    ].join('\n');
    expect(await errorsOf(text)).toEqual([]);
    const { topology } = await prepareLoaded(parseTopologyText(text, 'ddp.yaml'), undefined);
    expect(topology.services).toEqual({
      web: { pattern: 'replicated', image: 'ghcr.io/acme/web:1.4.2', replicas: 3, port: 8080 },
      api: { pattern: 'replicated', image: 'ghcr.io/acme/api:2.0.0', replicas: 3, port: 9090 },
    });
    // a mapping merged in place, with no anchor anywhere in the file: merged too (the fast path
    // reads `<<` as a plain key, so such a file takes the full one)
    const inline = 'apiVersion: ddp/v1\nkind: Topology\nmetadata: { name: shop }\nservices:\n  web: { <<: { pattern: replicated, image: "ghcr.io/acme/web:1.4.2" }, port: 8080 }\n';
    expect(await errorsOf(inline)).toEqual([]);
    // a mistake in what a merge brings in is said at the key of the mapping that merges it
    const bad = text.replace('replicas: 3 }', 'replicaz: 3 }');
    expect((await errorsOf(bad)).map(show)).toEqual(['6:3 unknown-key: unknown key `replicaz` in services.web', '7:3 unknown-key: unknown key `replicaz` in services.api']);
  });

  it("a problem only an environment has is named for it, even at the document's line", async () => {
    // the overlay makes web sharded: the document's `cache:` is then an unknown key, in prod only
    const text = lines('    port: 8080', '    cache: { replicas: 2 }', 'environments:', '  prod:', '    services:', '      web: { pattern: sharded, shards: 2 }');
    expect((await errorsOf(text)).map(show)).toEqual(['10:5 unknown-key: unknown key `cache` in services.web (environment prod)']);
    expect((await errorsOf(text.replace('    cache: { replicas: 2 }\n', '    cache: { replicas: 2 }\n    cash: 1\n'))).map(show)).toEqual([
      '10:5 unknown-key: unknown key `cache` in services.web (environment prod)',
      '11:5 unknown-key: unknown key `cash` in services.web',
    ]);
  });

  it('a proxy ddp runs, listening below 1024: a warning (non-root, no capabilities), not an error', async () => {
    const text = lines('    port: 8080', '    tls: { secret: web-tls, port: 443 }', '    ambassadors:', '      - { name: db, kind: proxy, listen: 80, upstream: "db.example.com:5432" }');
    const ds = await validateAll(parseTopologyText(text, 'ddp.yaml'));
    expect(ds.filter((d) => d.severity === 'error')).toEqual([]);
    expect(ds.filter((d) => d.code === 'privileged-port').map(show)).toEqual([
      '10:35 privileged-port: the TLS layer (nginx) listens on port 443, below 1024, running as a non-root user with no capabilities: it starts only where the container runtime lets any user bind low ports',
      '12:42 privileged-port: ambassador `db` listens on port 80, below 1024, running as a non-root user with no capabilities: it starts only where the container runtime lets any user bind low ports',
    ]);
  });

  it('a container of yours listening below 1024 (main port, one of `ports`, a sidecar, a stage): the same warning, it runs non-root too', async () => {
    const text = lines(
      '    port: 80',
      '    sidecars:',
      '      - { name: metrics, image: "ghcr.io/acme/metrics:1.0", ports: [{ name: prom, port: 9090 }, { name: snmp, port: 161, protocol: UDP }] }',
      '      - { name: tls, kind: tls, port: 8443, secret: web-tls }',
      'pipelines:',
      '  ingest:',
      '    sources: [raw]',
      '    stages:',
      '      parse: { kind: filter, input: raw, outputs: [clean], image: "ghcr.io/acme/parse:1.0", port: 443 }',
    );
    const ds = await validateAll(parseTopologyText(text, 'ddp.yaml'));
    expect(ds.filter((d) => d.severity === 'error').map(show)).toEqual([]);
    const tail = 'below 1024, running as a non-root user with no capabilities: it starts only where the container runtime lets any user bind low ports';
    expect(ds.filter((d) => d.code === 'privileged-port').map(show)).toEqual([
      `9:11 privileged-port: the container listens on port 80, ${tail}`,
      `11:117 privileged-port: the container (port \`snmp\`) listens on port 161, ${tail}`,
      `17:99 privileged-port: the container listens on port 443, ${tail}`,
    ]);
    expect(ds.find((d) => d.code === 'privileged-port')!.hint).toBe("listen on a port from 1024 up (e.g. 8080 or 8443; for your own image, its server's listen setting) and publish the low port at the Ingress or compose `ports:`");
  });

  it('compose host ports past 65535: no-host-port, said with the service, never a range like 65535-65537', async () => {
    const text = lines('    port: 65535', '    replicas: 3', '    expose: { host: shop.example.com }');
    const { model } = await prepareLoaded(parseTopologyText(text, 'ddp.yaml'), undefined);
    const { renderTargets } = await import('../src/flow.js');
    const e = await renderTargets(model, ['compose']).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(DdpError);
    expect((e as DdpError).diagnostics.map((d) => [d.code, d.message, d.pointer])).toEqual([
      ['no-host-port', 'compose: web publishes port 65535 on the host for 3 replicas, and no free host ports are left from 65535 up (the next free range, 65535-65537, passes 65535)', '/services/web'],
    ]);
  });

  it('compose attaches a sidecar to one replica only: said as a warning; one replica, or an elector only Kubernetes runs, says nothing', async () => {
    const notes = async (extra: string) => (await prepareLoaded(parseTopologyText(lines('    port: 8080', extra, '    ambassadors:', '      - { name: db, kind: proxy, listen: 5432, upstream: "db.example.com:5432" }'), 'ddp.yaml'), undefined)).model.notes.filter((n) => n.code === 'compose-one-replica-attached');
    expect((await notes('    replicas: 3')).map((n) => [n.message, n.pointer])).toEqual([
      ["compose: `db` joins one of web's 3 replicas (network_mode: service:web); the others run without it", '/services/web/ambassadors'],
    ]);
    expect(await notes('    replicas: 1')).toEqual([]);
    // behind the load balancer compose puts in front of a cache layer, the replicas are web-replica
    expect((await notes('    replicas: 3\n    cache: { replicas: 1 }')).map((n) => n.message)).toEqual([
      "compose: `db` joins one of web's 3 replicas (network_mode: service:web-replica); the others run without it",
    ]);
    // a redis sharded service runs one replica per shard in compose: nothing to say
    const sharded = lines('    port: 8080').replace('    pattern: replicated\n    image: ghcr.io/acme/web:1.4.2\n    port: 8080\n', '    pattern: sharded\n    shards: 2\n    protocol: redis\n    replicasPerShard: 3\n    image: "redis:7.2"\n    sidecars: [{ name: sync, image: "busybox:1.36" }]\n');
    const shardNotes = (await prepareLoaded(parseTopologyText(sharded, 'ddp.yaml'), undefined)).model.notes.filter((n) => n.code === 'compose-one-replica-attached');
    expect(shardNotes).toEqual([]);
  });

  it('an environment removes what it sets to null: a key, a key of a named list item, a whole service', async () => {
    const text = lines(
      '    port: 8080',
      '    cache: { replicas: 2 }',
      '    sidecars: [{ name: sync, image: "busybox:1.36", env: { A: "1" } }]',
      '  debug:',
      '    pattern: replicated',
      '    image: ghcr.io/acme/debug:1.0.0',
      '    port: 8080',
      'environments:',
      '  dev:',
      '    services:',
      '      web: { cache: null, sidecars: [{ name: sync, env: null }] }',
      '      debug: null',
    );
    expect(await errorsOf(text)).toEqual([]);
    const { topology } = await prepareLoaded(parseTopologyText(text, 'ddp.yaml'), 'dev');
    const services = topology.services as unknown as Record<string, Record<string, unknown>>;
    expect(Object.keys(services)).toEqual(['web']);
    expect(services.web.cache).toBeUndefined();
    expect(services.web.sidecars).toEqual([{ name: 'sync', image: 'busybox:1.36' }]);
    // without --env the document is as written; null in the document itself is still wrong
    const { topology: base } = await prepareLoaded(parseTopologyText(text, 'ddp.yaml'), undefined);
    expect(Object.keys(base.services).sort()).toEqual(['debug', 'web']);
    expect((await errorsOf(lines('    port: 8080', '    cache: null'))).map(show)).toEqual(['10:12 wrong-type: services.web.cache must be a mapping, not null']);
  });

  it('validate without --env checks every environment and names it', async () => {
    const text = lines('environments:', '  prod:', '    services:', '      web: { replicas: many }');
    expect((await errorsOf(text)).map(show)).toEqual(['12:24 wrong-type: services.web.replicas must be an integer, not the string "many" (environment prod)']);
  });

  it('billion laughs is refused quickly, before anything is expanded', async () => {
    const t0 = performance.now();
    await errorsOf(laughs);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('aliases within the limit are fine', async () => {
    const text = lines('    args: &a [--port=8080, --log=info]', '  web2:', '    pattern: replicated', '    image: ghcr.io/acme/web:1.4.2', '    args: *a');
    expect(await errorsOf(text)).toEqual([]);
    const p = await prepareLoaded(parseTopologyText(text, 'ddp.yaml'), undefined);
    const web2 = p.model.units.find((u) => u.name === 'web2')!;
    expect(web2.components[0].pod.containers[0].args).toEqual(['--port=8080', '--log=info']);
  });
});

describe('__proto__ and constructor are inert data', () => {
  it('env keys named __proto__ and constructor become env vars; no prototype is touched', async () => {
    const text = lines('    env:', '      __proto__: polluted', '      constructor: x', '      toString: y');
    const loaded = parseTopologyText(text, 'ddp.yaml');
    expect(await validateAll(loaded)).toEqual([]);
    const p = await prepareLoaded(loaded, undefined);
    const env = p.model.units[0].components[0].pod.containers[0].env;
    expect(env.map((e) => [e.name, e.value])).toEqual([['__proto__', 'polluted'], ['constructor', 'x'], ['toString', 'y']]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
    expect(typeof ({} as { constructor: unknown }).constructor).toBe('function');
  });

  it('JSON input with "__proto__" does not pollute either', async () => {
    const json = '{"apiVersion":"ddp/v1","kind":"Topology","metadata":{"name":"shop"},"__proto__":{"polluted":"yes"},"services":{"web":{"pattern":"replicated","image":"a/b:1"}}}';
    const errors = await errorsOf(json);
    expect(errors.map(show)).toEqual(['1:69 unknown-key: unknown key `__proto__` at the top level']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('an environment overlay with __proto__ merges as data', async () => {
    const text = lines('environments:', '  prod:', '    __proto__: { polluted: yes }', '    services:', '      web: { replicas: 4 }');
    const errors = await errorsOf(text, 'prod');
    expect(errors.map(show)).toEqual(['11:5 unknown-key: unknown key `__proto__` at the top level (environment prod)']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('bad files and output directories (library)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ddp-bad-input-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const fails = (fn: () => unknown): Diagnostic[] => {
    try {
      fn();
    } catch (e) {
      if (e instanceof DdpError) return e.diagnostics;
      throw e;
    }
    throw new Error('expected a DdpError');
  };

  it('a missing file', () => {
    const [d] = fails(() => loadFile('nope.yaml', dir));
    expect([d.code, d.message, d.hint, d.line]).toEqual(['file-not-found', 'nope.yaml: no such file', 'check the path, or create a topology with `ddp init`', undefined]);
  });

  it('a directory instead of a file', () => {
    mkdirSync(join(dir, 'site'), { recursive: true });
    const [d] = fails(() => loadFile('site', dir));
    expect([d.code, d.message, d.hint]).toEqual(['not-a-file', 'site is a directory, not a topology file', 'pass a file inside it, e.g. site/ddp.yaml']);
  });

  it('a 50 MB file is refused without being read', () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, BASE);
    const fd = openSync(big, 'a');
    const chunk = Buffer.from('# ' + 'x'.repeat(1022) + '\n');
    for (let i = 0; i < 50 * 1024; i++) writeSync(fd, chunk);
    closeSync(fd);
    try {
      const [d] = fails(() => loadFile('big.yaml', dir));
      expect(show(d)).toBe(`1:1 file-too-large: big.yaml is 50.0 MiB; ddp reads topologies of at most ${MAX_INPUT_BYTES / 1048576} MiB`);
      expect(d.hint).toBe('split the topology, or check that this is the right file');
    } finally {
      rmSync(big);
    }
  });

  it('no file given and no default file in the directory', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty, { recursive: true });
    const e = await prepare({ cwd: empty }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DdpError);
    expect((e as DdpError).diagnostics.map((d) => [d.code, d.message])).toEqual([['no-topology-file', `no topology file given and none of ddp.yaml, ddp.yml, topology.yaml in ${empty}`]]);
  });

  it('-o pointing at a file: refused, the file untouched', async () => {
    writeFileSync(join(dir, 'ddp.yaml'), BASE);
    writeFileSync(join(dir, 'out.txt'), 'mine\n');
    const e = await runGenerate({ file: 'ddp.yaml', out: 'out.txt', cwd: dir }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DdpError);
    expect((e as DdpError).diagnostics.map((d) => [d.code, d.message, d.hint])).toEqual([['output-not-directory', '-o out.txt is a file, not a directory', 'pass a directory (it is created if missing)']]);
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('mine\n');
  });

  it('-o below a file: a diagnostic naming the path, not an internal error', async () => {
    const e = await runGenerate({ file: 'ddp.yaml', out: 'out.txt/sub', cwd: dir }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DdpError);
    expect((e as DdpError).diagnostics.map((d) => [d.code, d.message])).toEqual([['output-unwritable', `cannot write the output to out.txt/sub: a part of the path is a file, not a directory (${join(dir, 'out.txt')})`]]);
  });
});

describe('bad input through the real CLI: exit 1, a diagnostic, no stack trace, nothing written', () => {
  let dir: string;
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'ddp-bad-cli-'));
    writeFileSync(join(dir, 'syntax.yaml'), lines('    env:', '      LOG_LEVEL: "info', '    port: 8080'));
    writeFileSync(join(dir, 'unknown.yaml'), lines('    replicaz: 3'));
    writeFileSync(join(dir, 'laughs.yaml'), laughs);
    writeFileSync(join(dir, 'names.yaml'), BASE.replace('  web:', '  Web_1:'));
    writeFileSync(join(dir, 'empty.yaml'), '');
    writeFileSync(join(dir, 'good.yaml'), lines('environments:', '  prod:', '    services:', '      web: { replicas: 6 }'));
    writeFileSync(join(dir, 'out.txt'), 'mine\n');
    mkdirSync(join(dir, 'site'));
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cases: [string, string[], string][] = [
    ['syntax error', ['generate', 'syntax.yaml', '-o', 'out'], 'syntax.yaml:10:18: error[yaml-syntax]: YAML syntax error: the "-quoted string opened here is never closed\n  hint: end the string with " (a quoted string may span lines, but must be closed)\n1 error\n'],
    ['unknown key', ['generate', 'unknown.yaml', '-o', 'out'], 'unknown.yaml:9:5: error[unknown-key]: unknown key `replicaz` in services.web (at /services/web/replicaz)\n  hint: did you mean `replicas`?\n1 error\n'],
    ['billion laughs', ['generate', 'laughs.yaml', '-o', 'out'], `laughs.yaml:15:18: error[alias-limit]: YAML aliases expand this document past ${MAX_ALIAS_NODES} nodes at *e (a "billion laughs" document?)\n  hint: write the values out, or use fewer anchors and aliases\n1 error\n`],
    ['service name Web_1', ['generate', 'names.yaml', '-o', 'out'], "names.yaml:6:3: error[bad-name]: `Web_1` in services is not a valid name (at /services/Web_1)\n  hint: use lowercase letters, digits and '-', e.g. `web-1`\n1 error\n"],
    ['empty file', ['validate', 'empty.yaml'], 'empty.yaml:1:1: error[empty-file]: empty.yaml is empty\n  hint: a topology starts with `apiVersion: ddp/v1` and `kind: Topology`; `ddp init` writes one\n1 error\n'],
    ['missing file', ['generate', 'nope.yaml', '-o', 'out'], 'nope.yaml: error[file-not-found]: nope.yaml: no such file\n  hint: check the path, or create a topology with `ddp init`\n1 error\n'],
    ['a directory', ['generate', 'site', '-o', 'out'], 'site: error[not-a-file]: site is a directory, not a topology file\n  hint: pass a file inside it, e.g. site/ddp.yaml\n1 error\n'],
    ['-o a file', ['generate', 'good.yaml', '-o', 'out.txt'], 'error[output-not-directory]: -o out.txt is a file, not a directory\n  hint: pass a directory (it is created if missing)\n1 error\n'],
    ['unknown --env', ['generate', 'good.yaml', '--env', 'prd', '-o', 'out'], 'good.yaml:9:1: error[unknown-environment]: --env prd: the topology has no environment `prd` (at /environments)\n  hint: did you mean `prod`?\n1 error\n'],
  ];

  it.each(cases)('%s', async (_name, args, stderr) => {
    const r = await runDdp(args, { cwd: dir });
    expect(r.stderr).toBe(stderr);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('mine\n');
  });

  it('a 50 MB file: exit 1, refused by size', async () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, BASE);
    const fd = openSync(big, 'a');
    const chunk = Buffer.from('#'.repeat(1023) + '\n');
    for (let i = 0; i < 50 * 1024; i++) writeSync(fd, chunk);
    closeSync(fd);
    try {
      const r = await runDdp(['generate', 'big.yaml', '-o', 'out'], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`big.yaml:1:1: error[file-too-large]: big.yaml is 50.0 MiB; ddp reads topologies of at most ${MAX_INPUT_BYTES / 1048576} MiB\n  hint: split the topology, or check that this is the right file\n1 error\n`);
      expect(existsSync(join(dir, 'out'))).toBe(false);
    } finally {
      rmSync(big);
    }
  });

  it('--json: the same diagnostics as JSON on stdout, nothing on stderr', async () => {
    const r = await runDdp(['validate', 'unknown.yaml', '--json'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout) as { ok: boolean; diagnostics: Diagnostic[] };
    expect(j.ok).toBe(false);
    expect(j.diagnostics).toEqual([
      { severity: 'error', code: 'unknown-key', message: 'unknown key `replicaz` in services.web', hint: 'did you mean `replicas`?', file: 'unknown.yaml', pointer: '/services/web/replicaz', line: 9, col: 5 },
    ]);
  });
});

describe('the schema and the messages agree', () => {
  it("envKeyProblem's pattern is the schema's pattern for a Secret's and a ConfigMap's key", () => {
    const schema = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'schemas', 'topology.schema.json'), 'utf8'));
    const keys = schema.$defs.envValue.anyOf.slice(1).map((b: { properties: { key: { pattern: string; maxLength: number } } }) => [b.properties.key.pattern, b.properties.key.maxLength]);
    expect(keys).toEqual([[CONFIG_KEY_PATTERN, 253], [CONFIG_KEY_PATTERN, 253]]);
  });
});
