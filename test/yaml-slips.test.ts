// The YAML slips people make in a hand-written topology (src/topology/yaml-slips.ts): each is
// said at the line that is wrong, in plain words (the key, its column, the column it should be
// at) with a hint, and once, however many errors the parser reports for it or after it; through
// the library (validate and the generate path), `ddp lint` and the real CLI.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic } from '../src/diagnostics.js';
import { lintInputs } from '../src/lint/lint.js';
import { BASE, errorsOf, lines, prepareErrors, show } from './helpers/topology.js';
import { ensureBuilt, runDdp, STACK_LINE } from './helpers/cli.js';


interface Case {
  name: string;
  text: string;
  /** every error, in order: `line:col code: message` */
  errors: string[];
  /** hint of the first error */
  hint: string;
}

// BASE is lines 1-8: `services:` at 5, `web:` at 6 (column 3), `pattern` and `image` at 7 and 8 (column 5)
const CASES: Case[] = [
  // ── indentation ──
  {
    name: 'a key indented one column more than the key above it, which has a value (it was two errors at that value: "nested mappings are not allowed in compact mappings", "implicit keys need to be on a single line")',
    text: lines('    port: 8080', '     replicas: 3'),
    errors: ['10:6 yaml-syntax: YAML syntax error: `replicas` is indented more than `port` above it (column 6, not 5), but `port` has a value, `8080`, so nothing can nest under it'],
    hint: 'move `replicas` to column 5, in line with `port`',
  },
  {
    name: 'the same with CRLF line ends',
    text: lines('    port: 8080', '     replicas: 3').replace(/\n/g, '\r\n'),
    errors: ['10:6 yaml-syntax: YAML syntax error: `replicas` is indented more than `port` above it (column 6, not 5), but `port` has a value, `8080`, so nothing can nest under it'],
    hint: 'move `replicas` to column 5, in line with `port`',
  },
  {
    name: 'a top-level key indented under the one above it (it was said at `Topology`)',
    text: BASE.replace('metadata:', '  metadata:'),
    errors: ['3:3 yaml-syntax: YAML syntax error: `metadata` is indented more than `kind` above it (column 3, not 1), but `kind` has a value, `Topology`, so nothing can nest under it'],
    hint: 'move `metadata` to column 1, in line with `kind`',
  },
  {
    name: 'a key indented under the first key of a list item',
    text: lines('    ports:', '      - name: http', '         port: 8080'),
    errors: ['11:10 yaml-syntax: YAML syntax error: `port` is indented more than `name` above it (column 10, not 9), but `name` has a value, `http`, so nothing can nest under it'],
    hint: 'move `port` to column 9, in line with `name`',
  },
  {
    name: 'a key between the columns of two mappings: both columns named (it was "all mapping items must start at the same column" at column 1)',
    text: lines('    port: 8080', '   replicas: 3'),
    errors: ['10:4 yaml-syntax: YAML syntax error: `replicas` at column 4 is in line with no key above it: `port` is at column 5, `web` at column 3'],
    hint: 'move `replicas` to column 5, beside `port`, or to column 3, beside `web`',
  },
  {
    name: 'a key a column out of a service, keys after it: once (it was three errors, two of them at its value)',
    text: BASE.replace('    image:', '   image:') + '    port: 8080\n',
    errors: ['8:4 yaml-syntax: YAML syntax error: `image` at column 4 is in line with no key above it: `pattern` is at column 5, `web` at column 3'],
    hint: 'move `image` to column 5, beside `pattern`, or to column 3, beside `web`',
  },
  {
    name: 'two keys a column out together: one slip, said once',
    text: lines('   port: 8080', '   replicas: 3', '    env: { LOG_LEVEL: info }'),
    errors: ['9:4 yaml-syntax: YAML syntax error: `port` at column 4 is in line with no key above it: `image` is at column 5, `web` at column 3'],
    hint: 'move `port` to column 5, beside `image`, or to column 3, beside `web`',
  },
  {
    name: 'the first key of a service a column off and the keys after it in line: said at the first key, not at each one after it',
    text: BASE.replace('    pattern:', '      pattern:') + '    port: 8080\n',
    errors: ['7:7 yaml-syntax: YAML syntax error: `pattern` at column 7 is not in line with the keys after it under `web`: `image` and `port` are at column 5'],
    hint: 'move `pattern` to column 5',
  },
  {
    name: 'a key out of line between two that agree (it read as a key of `services`, and the next one as indented under it)',
    text: lines('  port: 8080', '    replicas: 3'),
    errors: ['9:3 yaml-syntax: YAML syntax error: `port` at column 3 is not in line with the keys around it: `image` above it and `replicas` below it are at column 5'],
    hint: 'move `port` to column 5',
  },
  {
    name: 'a mapping opened in line with its keys: said at it, not as a duplicate key for each key after it',
    text: lines('    port: 8080', '  api:', '    pattern: replicated', '    image: ghcr.io/acme/api:1.0.0', '    sidecar:', '    pattern: replicated', '    image: ghcr.io/acme/side:1.0.0'),
    errors: ['13:5 yaml-syntax: YAML syntax error: `sidecar` (column 5) is in line with the keys after it, so it holds none of them: they are read as keys of `api`, whose `pattern` they repeat'],
    hint: 'move `sidecar` to column 3, beside `api`, if the keys after it are its own; or indent them under it',
  },
  {
    name: "the document's first line indented (it was 24 errors, one per token of the file)",
    text: ' ' + BASE,
    errors: ['1:2 yaml-syntax: YAML syntax error: `apiVersion` is indented (column 2), but the top-level keys after it start at column 1'],
    hint: 'move `apiVersion` to column 1',
  },
  {
    name: 'a tab in the indentation, keys after it: the tab once (it was three errors)',
    text: lines('\tport: 8080', '    replicas: 3'),
    errors: ['9:1 yaml-syntax: YAML syntax error: tabs are not allowed as indentation'],
    hint: 'indent with spaces, not tabs',
  },
  // ── lists ──
  {
    name: 'a list item a column out of its list (it was three errors: "a block sequence may not be used as an implicit map key", ...)',
    text: lines('    args:', '      - --verbose', '     - --port=8080'),
    errors: ['11:6 yaml-syntax: YAML syntax error: the list item `- --port=8080` at column 6 is in line with no list item above it: `- --verbose` is at column 7, `args` at column 5'],
    hint: 'move the `-` to column 7, in line with `- --verbose`',
  },
  {
    name: "the first item's `-` a column off, its keys where the other items' are: said at that `-`",
    text: lines('    port: 8080', '    sidecars:', '     - name: a', '        image: ghcr.io/acme/a:1.0.0', '      - name: b', '        image: ghcr.io/acme/b:1.0.0'),
    errors: ['11:6 yaml-syntax: YAML syntax error: the list item `- name: a` at column 6 is not in line with the other items of its list: `- name: b` is at column 7'],
    hint: 'move the `-` to column 7, so that `name` lines up with the keys under it',
  },
  {
    name: 'a key of a list item a column out (it was "sequence item without - indicator")',
    text: lines('    ports:', '      - name: http', '        port: 8080', '       protocol: TCP'),
    errors: ['12:8 yaml-syntax: YAML syntax error: `protocol` at column 8 is in line with no key above it: `port` is at column 9, the `-` of its list item at column 7'],
    hint: 'move `protocol` to column 9, beside `port`',
  },
  // ── colons ──
  {
    name: 'no space after the colon (it was "implicit keys need to be on a single line")',
    text: BASE.replace('    image: ghcr', '    image:ghcr') + '    port: 8080\n',
    errors: ['8:5 yaml-syntax: YAML syntax error: `image:ghcr.io/acme/web:1.4.2` has no space after the colon, so YAML reads it as one word, not as the key `image` and its value'],
    hint: 'write `image: ghcr.io/acme/web:1.4.2` (a space after the `:`)',
  },
  {
    name: 'no space after the colon, on the last line (it was "implicit map keys need to be followed by map values")',
    text: lines('    port:8080'),
    errors: ['9:5 yaml-syntax: YAML syntax error: `port:8080` has no space after the colon, so YAML reads it as one word, not as the key `port` and its value'],
    hint: 'write `port: 8080` (a space after the `:`)',
  },
  {
    name: 'no space between the colon and a flow mapping of two entries (one entry reads as a key `env:{ A`: an unknown key)',
    text: lines('    env:{ A: b, C: d }', '    port: 8080'),
    errors: ['9:5 yaml-syntax: YAML syntax error: `env:{ A: b, C: d }` has no space after the colon, so YAML reads it as one word, not as the key `env` and its value'],
    hint: 'write `env: { A: b, C: d }` (a space after the `:`)',
  },
  {
    name: 'a key without its colon (it was "implicit keys need to be on a single line")',
    text: lines('    port 8080', '    replicas: 3'),
    errors: ['9:5 yaml-syntax: YAML syntax error: `port 8080` has no `:` after the key; a line of a mapping is `key: value`'],
    hint: 'write `port: 8080`',
  },
  {
    name: 'a key without its colon, a value with a colon in it',
    text: BASE.replace('    image: ghcr', '    image ghcr') + '    port: 8080\n',
    errors: ['8:5 yaml-syntax: YAML syntax error: `image ghcr.io/acme/web:1.4.2` has no `:` after the key; a line of a mapping is `key: value`'],
    hint: 'write `image: ghcr.io/acme/web:1.4.2`',
  },
  {
    name: 'a key that opens a mapping without its colon',
    text: lines('    env', '      LOG_LEVEL: info'),
    errors: ['9:5 yaml-syntax: YAML syntax error: `env` has no `:` after it; a line of a mapping is `key: value`'],
    hint: 'write `env:` (with its value after it, or its keys indented below it)',
  },
  {
    name: 'a service without its colon, a comment after it (it was said at its first key, as a column off)',
    text: BASE.replace('  web:', '  web      # the shop'),
    errors: ['6:3 yaml-syntax: YAML syntax error: `web` has no `:` after it; a line of a mapping is `key: value`'],
    hint: 'write `web:` (with its value after it, or its keys indented below it)',
  },
  {
    name: 'a value with `: ` in it, unquoted (it was "nested mappings are not allowed in compact mappings")',
    text: lines('    command: echo a: b'),
    errors: ['9:14 yaml-syntax: YAML syntax error: the value of `command`, `echo a: b`, holds `: ` (a colon and a space), which YAML reads as the start of another key'],
    hint: 'quote the value: `command: "echo a: b"`',
  },
  {
    name: 'a value ending with a colon, unquoted',
    text: lines('    command: echo a:'),
    errors: ['9:14 yaml-syntax: YAML syntax error: the value of `command`, `echo a:`, ends with `:`, which YAML reads as the start of another key'],
    hint: 'quote the value: `command: "echo a:"`',
  },
  // ── quotes, brackets, reserved characters, block text ──
  {
    name: 'text after the closing quote (it was "unexpected scalar at node end")',
    text: BASE.replace('image: ghcr.io/acme/web:1.4.2', 'image: "ghcr.io/acme/web":1.4.2'),
    errors: ['8:30 yaml-syntax: YAML syntax error: `:1.4.2` follows the closing quote of `"ghcr.io/acme/web"`; a quoted value ends at its closing quote'],
    hint: 'put the whole value inside the quotes: `"ghcr.io/acme/web:1.4.2"`',
  },
  {
    name: 'a stray quote that runs on to the next quote, lines further on: said at it (it was "unexpected scalar at node end" at the line where it ends)',
    text: BASE.replace('  web:\n', '  web: "\n') + '    args: [-m, "64"]\n',
    errors: ['6:8 yaml-syntax: YAML syntax error: the "-quoted string opened here runs on to line 9, where YAML reads the rest as a key'],
    hint: 'end the string with " on this line (a string may span lines, but then what follows its closing quote must be `: ` and a value)',
  },
  {
    name: 'a `}` that closes nothing (it was "unexpected flow-map-end token in YAML stream", and every token after it another error)',
    text: lines('    env: { LOG_LEVEL: info }}', '    port: 8080'),
    errors: ['9:29 yaml-syntax: YAML syntax error: this `}` closes nothing: no `{` is open before it'],
    hint: 'remove it, or add the `{` it should close',
  },
  {
    name: 'a key starting with @ (it was "plain value cannot start with reserved character @")',
    text: lines('    @port: 8080'),
    errors: ['9:5 yaml-syntax: YAML syntax error: the key `@port` starts with `@`, which YAML reserves: a key that starts with it must be quoted'],
    hint: 'write `"@port":`',
  },
  {
    name: 'a key starting with a backtick',
    text: lines('    `port`: 8080'),
    errors: ['9:5 yaml-syntax: YAML syntax error: the key `` `port` `` starts with a backtick, which YAML reserves: a key that starts with it must be quoted'],
    hint: 'write `` "`port`": ``',
  },
  {
    name: 'a value starting with @',
    text: BASE.replace('image: ghcr', 'image: @ghcr'),
    errors: ['8:12 yaml-syntax: YAML syntax error: the value `@ghcr.io/acme/web:1.4.2` starts with `@`, which YAML reserves: a value that starts with it must be quoted'],
    hint: 'write `image: "@ghcr.io/acme/web:1.4.2"`',
  },
  {
    name: 'the text of a block scalar not indented (it was "implicit map keys need to be followed by map values")',
    text: lines('    command: |', '    echo hello'),
    errors: ['10:5 yaml-syntax: YAML syntax error: the text of `command: |` must be indented more than `command`'],
    hint: 'indent its lines to column 7, 2 columns in from `command`',
  },
  // ── several slips ──
  {
    name: 'two slips: each once, at its line',
    text: lines('     port: 8080', '    replicas: 3', '    env:', '      LOG_LEVEL:debug', '      MODE: fast'),
    errors: [
      '9:6 yaml-syntax: YAML syntax error: `port` is indented more than `image` above it (column 6, not 5), but `image` has a value, `ghcr.io/acme/web:1.4.2`, so nothing can nest under it',
      '12:7 yaml-syntax: YAML syntax error: `LOG_LEVEL:debug` has no space after the colon, so YAML reads it as one word, not as the key `LOG_LEVEL` and its value',
    ],
    hint: 'move `port` to column 5, in line with `image`',
  },
];

describe('YAML slips: said at the line that is wrong, in plain words, once', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const errors = await errorsOf(c.text);
    expect(errors.map(show)).toEqual(c.errors);
    expect(errors[0].hint).toBe(c.hint);
    for (const d of errors) expect(d.file).toBe('ddp.yaml');
    // the generate path refuses it the same way
    expect((await prepareErrors(c.text)).map(show)).toEqual(c.errors);
  });

  it('what is not a slip of its own is said as before: an unclosed quote after a key the parser also trips on', async () => {
    expect((await errorsOf(lines('    env: { A: "b }', '     port: 8080'))).map(show)).toEqual(['9:15 yaml-syntax: YAML syntax error: the "-quoted string opened here is never closed']);
  });
});

describe('`ddp lint` says the same of a manifest', () => {
  it('each document of a stream, each slip once, at its line', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n   namespace: b\ndata:\n  x: "1"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    app:web\n    tier: x\n';
    const r = lintInputs([{ file: 'cm.yaml', text, explicit: true }]);
    expect(r.findings.map((f) => `${f.rule} ${f.line}:${f.col} ${f.message} | ${f.hint}`)).toEqual([
      'yaml-syntax 5:4 YAML syntax error: `namespace` is indented more than `name` above it (column 4, not 3), but `name` has a value, `a`, so nothing can nest under it | move `namespace` to column 3, in line with `name`',
      'yaml-syntax 14:5 YAML syntax error: `app:web` has no space after the colon, so YAML reads it as one word, not as the key `app` and its value | write `app: web` (a space after the `:`)',
    ]);
  });
});

describe('through the real CLI', () => {
  let dir: string;
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'ddp-slips-'));
  });

  it('a key indented one column too far: one error at its line, exit 1, no stack trace', async () => {
    const file = join(dir, 'a.yaml');
    writeFileSync(file, 'name: shop\nservices:\n  web:\n    pattern: replicated\n    image: nginx:1.25\n     replicas: 3\n');
    const r = await runDdp(['validate', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stderr).toBe(
      `${file}:6:6: error[yaml-syntax]: YAML syntax error: \`replicas\` is indented more than \`image\` above it (column 6, not 5), but \`image\` has a value, \`nginx:1.25\`, so nothing can nest under it\n` +
        '  hint: move `replicas` to column 5, in line with `image`\n1 error\n',
    );
  });
});
