// The real `bin/ddp.js` as a process: exit codes 0/1/2, --json on stdout only, --format github,
// no colour off a TTY or with NO_COLOR, --version, --help with examples, `ddp schema`, and what
// `generate` writes (layout, the secrets you supply, --stdout, --target, --env, a second run that
// keeps your files).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { ROOT, renderExample } from './examples.js';
import { BIN, ensureBuilt, runDdp, STACK_LINE } from './helpers/cli.js';
import { whichBinary } from './helpers/binaries.js';

const EXAMPLE = 'examples/01-replicated/ddp.yaml';
const ANSI = /\x1b\[[0-9;]*m/;
const BAD = [
  'apiVersion: ddp/v1',
  'kind: Topology',
  'metadata:',
  '  name: shop',
  'services:',
  '  web:',
  '    pattern: replicated',
  '    image: ghcr.io/acme/web:1.4.2',
  '    replicaz: 3',
  '    port: "8080"',
  '',
].join('\n');

let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'ddp-cli-'));
  writeFileSync(join(dir, 'bad.yaml'), BAD);
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every file under d (relative, sorted). */
function tree(d: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    for (const name of readdirSync(p).sort()) {
      const f = join(p, name);
      if (statSync(f).isDirectory()) walk(f);
      else out.push(relative(d, f));
    }
  };
  if (existsSync(d)) walk(d);
  return out.sort();
}

/** Runs a command line on a pseudo-terminal (util-linux `script`), so stdout and stderr are TTYs. */
function onTty(command: string, env: Record<string, string | undefined>): Promise<{ code: number | null; out: string }> {
  const e: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined && k !== 'FORCE_COLOR') e[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
  });
}

describe('exit codes', () => {
  it('0: a valid topology', async () => {
    const r = await runDdp(['validate', EXAMPLE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`ddp: ${EXAMPLE} is valid\n`);
  });

  it('1: bad input, every problem at once, on stderr, nothing on stdout', async () => {
    const r = await runDdp(['validate', 'bad.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'bad.yaml:9:5: error[unknown-key]: unknown key `replicaz` in services.web (at /services/web/replicaz)\n' +
        '  hint: did you mean `replicas`?\n' +
        'bad.yaml:10:11: error[wrong-type]: services.web.port must be an integer, not the string "8080" (at /services/web/port)\n' +
        '  hint: write the number without quotes: 8080\n' +
        '2 errors\n',
    );
  });

  it('1: an unknown command, an unknown option, an unknown target', async () => {
    const cmd = await runDdp(['bogus']);
    expect([cmd.code, cmd.stdout, cmd.stderr.split('\n')[0]]).toEqual([1, '', "error: unknown command 'bogus'"]);
    const opt = await runDdp(['validate', '--bogus']);
    expect([opt.code, opt.stdout, opt.stderr.split('\n')[0]]).toEqual([1, '', "error: unknown option '--bogus'"]);
    const target = await runDdp(['generate', EXAMPLE, '--target', 'helm', '--stdout']);
    expect([target.code, target.stdout]).toEqual([1, '']);
    expect(target.stderr).toBe('error[unknown-target]: --target helm: unknown target\n  hint: targets: kubernetes, compose, nginx, varnish, twemproxy, fluent-bit\n1 error\n');
  });

  it('1: a --target that names no target (empty, or only commas): no-target, and DIR is not replaced with nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ddp-no-target-'));
    try {
      const out = join(dir, 'out');
      expect((await runDdp(['generate', EXAMPLE, '-o', out])).code).toBe(0);
      const before = readdirSync(out).sort();
      for (const list of ['', ',,', ' , ']) {
        const r = await runDdp(['generate', EXAMPLE, '-o', out, '--target', list]);
        expect([r.code, r.stderr]).toEqual([1, `error[no-target]: --target ${JSON.stringify(list)} names no target\n  hint: name one or more of kubernetes, compose, nginx, varnish, twemproxy, fluent-bit (comma-separated), or leave --target out for all of them\n1 error\n`]);
      }
      expect(readdirSync(out).sort()).toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('1: -o with an empty value', async () => {
    const r = await runDdp(['generate', EXAMPLE, '-o', '']);
    expect([r.code, r.stderr]).toEqual([1, 'error[output-empty]: -o is empty\n  hint: pass the directory to write, e.g. -o out (it is created if missing)\n1 error\n']);
  });

  it('1: an output directory that cannot be written is the user\'s situation, not a bug', async () => {
    writeFileSync(join(dir, 'a-file'), 'x');
    const r = await runDdp(['generate', join(ROOT, EXAMPLE), '-o', 'a-file/out'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error[output-unwritable]: cannot write the output to a-file/out: a part of the path is a file, not a directory (${join(dir, 'a-file')})\n  hint: pass -o a directory you can write (it is created if missing); the previous output, if any, is untouched\n1 error\n`);
  });

  describe('2: internal errors (a broken installation) ask for a report, without a stack trace', () => {
    let install: string;
    beforeAll(() => {
      // a copy of the installed package with one module of the build missing
      install = mkdtempSync(join(tmpdir(), 'ddp-broken-'));
      for (const p of ['bin', 'dist', 'schemas', 'templates', 'package.json']) cpSync(join(ROOT, p), join(install, p), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules'), join(install, 'node_modules'));
    });
    afterAll(() => rmSync(install, { recursive: true, force: true }));

    const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const run = (args: string[], env: Record<string, string> = {}) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [join(install, 'bin', 'ddp.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.once('error', reject);
        child.once('close', (code) => resolve({ code, stdout, stderr }));
      });

    it('a module of the build missing (a chunk of dist/bundle/ loaded on demand)', async () => {
      // bin/ddp.js runs the bundle (scripts/bundle.mjs); `ddp lint` loads its own chunk when used
      const chunk = readdirSync(join(install, 'dist', 'bundle')).find((f) => /^lint-.*\.cjs$/.test(f));
      expect(chunk).toBeDefined();
      rmSync(join(install, 'dist', 'bundle', chunk!));
      const r = await run(['lint', join(ROOT, 'examples')]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(
        new RegExp(`^ddp: internal error: Cannot find module '\\./${escape(chunk!)}'\\nRequire stack:\\n(- ${escape(join(install, 'dist', 'bundle'))}/\\S+\\n)+` +
          escape('This is a bug in ddp, not in your topology. Please report it with the topology that triggers it (set DDP_DEBUG=1 for a stack trace).\n') + '$'),
      );
      expect(r.stderr).not.toMatch(STACK_LINE);
      // the documented debug switch adds the stack
      const debug = await run(['lint', join(ROOT, 'examples')], { DDP_DEBUG: '1' });
      expect(debug.code).toBe(2);
      expect(debug.stderr).toMatch(STACK_LINE);
    });

    it('the program itself missing (dist/ not built)', async () => {
      // neither the bundle nor the plain tsc output (which bin/ddp.js falls back to)
      rmSync(join(install, 'dist', 'bundle'), { recursive: true });
      rmSync(join(install, 'dist', 'cli.js'));
      const r = await run(['validate', EXAMPLE]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `ddp: internal error: cannot load the program (Cannot find module '${join(install, 'dist', 'cli.js')}' imported from ${join(install, 'bin', 'ddp.js')})\n` +
          'The installation is incomplete: run `npm run build` in a checkout, or reinstall ddp. If that does not help, please report it.\n',
      );
      // --version does not load the program at all
      const v = await run(['--version']);
      expect([v.code, v.stdout]).toEqual([0, `${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`]);
    });
  });
});

describe('--json: JSON on stdout only', () => {
  it('validate --json (valid): the result on stdout, stderr empty', async () => {
    const r = await runDdp(['validate', EXAMPLE, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ file: EXAMPLE, ok: true, diagnostics: [] });
  });

  it('validate --json (invalid) and --format json are the same', async () => {
    const a = await runDdp(['validate', 'bad.yaml', '--json'], { cwd: dir });
    const b = await runDdp(['validate', 'bad.yaml', '--format', 'json'], { cwd: dir });
    expect(a).toEqual(b);
    expect(a.code).toBe(1);
    expect(a.stderr).toBe('');
    const j = JSON.parse(a.stdout) as { ok: boolean; diagnostics: { code: string; line: number; col: number; pointer: string }[] };
    expect(j.ok).toBe(false);
    expect(j.diagnostics.map((d) => [d.code, d.line, d.col, d.pointer])).toEqual([
      ['unknown-key', 9, 5, '/services/web/replicaz'],
      ['wrong-type', 10, 11, '/services/web/port'],
    ]);
  });

  it('generate --json: a report on stdout (files, the secrets to supply), stderr empty', async () => {
    const out = join(dir, 'json-out');
    const r = await runDdp(['generate', join(ROOT, EXAMPLE), '-o', out, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout) as Record<string, unknown> & { files: { path: string; target: string; bytes: number }[]; supplied: { secret: string; key: string; composePath: string }[] };
    expect(j.ok).toBe(true);
    expect(j.outDir).toBe(out);
    expect(j.env).toBe(null);
    expect(j.files.map((f) => `${f.target} ${f.path}`)).toEqual([
      'compose compose/docker-compose.yml',
      'kubernetes kubernetes/kustomization.yaml',
      'kubernetes kubernetes/namespace.yaml',
      'kubernetes kubernetes/web.yaml',
      'nginx nginx/web-lb.conf',
      'nginx nginx/web-tls.conf',
      'varnish varnish/web-cache.vcl',
    ]);
    for (const f of j.files) expect(f.bytes).toBe(statSync(join(out, f.path)).size);
    expect(j.supplied.map((s) => [s.secret, s.key, s.composePath])).toEqual([
      ['web-tls', 'tls.crt', 'secrets/web-tls/tls.crt'],
      ['web-tls', 'tls.key', 'secrets/web-tls/tls.key'],
    ]);
    // what compose publishes on the host, and the service and container port each reaches
    expect(j.hostPorts).toEqual([{ published: '8443-8444', protocol: 'tcp', service: 'web-tls', target: 8443, replicas: 2, ingress: 'shop.example.com/' }]);
    // without the compose file, nothing is published
    const k = await runDdp(['generate', join(ROOT, EXAMPLE), '-o', join(dir, 'json-k8s'), '-t', 'kubernetes', '--json']);
    expect((JSON.parse(k.stdout) as { hostPorts: unknown[] }).hostPorts).toEqual([]);
  });

  it('a failing generate --json: diagnostics as JSON on stdout, exit 1', async () => {
    const r = await runDdp(['generate', 'bad.yaml', '--json', '-o', 'never'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout) as { ok: boolean; diagnostics: { code: string }[] };
    expect([j.ok, j.diagnostics.map((d) => d.code)]).toEqual([false, ['unknown-key', 'wrong-type']]);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });
});

describe('--format github', () => {
  it('one workflow command per problem, on stdout', async () => {
    const r = await runDdp(['validate', 'bad.yaml', '--format', 'github'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      '::error file=bad.yaml,line=9,col=5,title=ddp unknown-key::unknown key `replicaz` in services.web (hint: did you mean `replicas`?)\n' +
        '::error file=bad.yaml,line=10,col=11,title=ddp wrong-type::services.web.port must be an integer, not the string "8080" (hint: write the number without quotes: 8080)\n',
    );
  });

  it('--format=github and --format=json (one argument) for an input that does not even parse', async () => {
    writeFileSync(join(dir, 'empty.yaml'), '');
    const gh = await runDdp(['validate', 'empty.yaml', '--format=github'], { cwd: dir });
    expect([gh.code, gh.stderr]).toEqual([1, '']);
    expect(gh.stdout).toBe('::error file=empty.yaml,line=1,col=1,title=ddp empty-file::empty.yaml is empty (hint: a topology starts with `apiVersion: ddp/v1` and `kind: Topology`; `ddp init` writes one)\n');
    const js = await runDdp(['validate', 'empty.yaml', '--format=json'], { cwd: dir });
    expect([js.code, js.stderr]).toEqual([1, '']);
    expect((JSON.parse(js.stdout) as { diagnostics: { code: string }[] }).diagnostics.map((d) => d.code)).toEqual(['empty-file']);
    // a file named like a format is no format request
    mkdirSync(join(dir, 'github'), { recursive: true });
    const named = await runDdp(['validate', 'github', '--format', 'text'], { cwd: dir });
    expect([named.code, named.stdout]).toEqual([1, '']);
    expect(named.stderr).toMatch(/^github: error\[not-a-file\]/);
  });

  it('a parse error in github format too', async () => {
    writeFileSync(join(dir, 'tab.yaml'), 'apiVersion: ddp/v1\n\tkind: Topology\n');
    const r = await runDdp(['validate', 'tab.yaml', '--format', 'github'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('::error file=tab.yaml,line=2,col=1,title=ddp yaml-syntax::YAML syntax error: tabs are not allowed as indentation (hint: indent with spaces, not tabs)\n');
  });
});

describe('colour', () => {
  it('no ANSI escapes when stderr is not a TTY', async () => {
    const r = await runDdp(['validate', 'bad.yaml'], { cwd: dir });
    expect(r.stderr).not.toMatch(ANSI);
    const g = await runDdp(['generate', join(ROOT, EXAMPLE), '-o', join(dir, 'colour-out')]);
    expect(g.stderr).not.toMatch(ANSI);
  });

  it.skipIf(!whichBinary('script'))('colour on a TTY; none on a TTY with NO_COLOR', async () => {
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} validate ${JSON.stringify(join(dir, 'bad.yaml'))}`;
    const tty = await onTty(cmd, { NO_COLOR: undefined, TERM: 'xterm' });
    expect(tty.code).toBe(1);
    expect(tty.out).toContain('\x1b[31merror\x1b[39m[unknown-key]');
    const plain = await onTty(cmd, { NO_COLOR: '1', TERM: 'xterm' });
    expect(plain.code).toBe(1);
    expect(plain.out).toContain('error[unknown-key]: unknown key `replicaz` in services.web');
    expect(plain.out).not.toMatch(ANSI);
  });
});

describe('--version, --help, help <command>, schema', () => {
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;

  it('--version and -V print the package version', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await runDdp([flag]);
      expect([r.code, r.stdout, r.stderr]).toEqual([0, `${version}\n`, '']);
    }
  });

  it('--help lists the commands and an example', async () => {
    const r = await runDdp(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: ddp \[options\] \[command\]/);
    for (const c of ['validate', 'generate', 'schema']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(r.stdout).toContain('Examples:\n  $ ddp generate examples/01-replicated/ddp.yaml -o out\n');
  });

  it.each([
    ['validate', '  $ ddp validate examples/01-replicated/ddp.yaml --format github'],
    ['generate', '  $ ddp generate examples/01-replicated/ddp.yaml -o out'],
    ['schema', '  $ ddp schema > topology.schema.json'],
  ])('%s: --help and `help <command>` show its usage and an example', async (cmd, example) => {
    const a = await runDdp([cmd, '--help']);
    const b = await runDdp(['help', cmd]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toMatch(new RegExp(`^Usage: ddp ${cmd} `));
    expect(a.stdout).toContain('\nExamples:\n');
    expect(a.stdout).toContain(example);
    if (cmd !== 'schema') expect(a.stdout).toMatch(/--json +/);
  });

  it('every command listed by --help has help with an example of itself', async () => {
    const top = await runDdp(['--help']);
    const commands = [...top.stdout.slice(top.stdout.indexOf('\nCommands:\n')).matchAll(/^  ([a-z][a-z-]*)\b/gm)].map((m) => m[1]).filter((c) => c !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['validate', 'generate', 'schema']));
    const missing: string[] = [];
    for (const c of commands) {
      const r = await runDdp(['help', c]);
      if (r.code !== 0 || !r.stdout.includes('\nExamples:\n') || !r.stdout.includes(`$ ddp ${c}`)) missing.push(c);
    }
    expect(missing, 'commands whose help has no `Examples:` with `$ ddp <command>`').toEqual([]);
  });

  it('ddp schema prints schemas/topology.schema.json byte for byte (valid JSON)', async () => {
    const r = await runDdp(['schema']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const file = readFileSync(join(ROOT, 'schemas', 'topology.schema.json'), 'utf8');
    expect(r.stdout).toBe(file);
    const schema = JSON.parse(r.stdout) as { $schema: string; properties: Record<string, unknown> };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['apiVersion', 'kind', 'metadata', 'services', 'environments']));
    const j = await runDdp(['schema', '--json']);
    expect([j.code, j.stdout]).toEqual([0, file]);
  });
});

describe('generate', () => {
  it('writes the layout of TOPOLOGY.md, the same bytes as the renderer, and lists the TLS secret to supply', async () => {
    const out = join(dir, 'gen');
    const r = await runDdp(['generate', EXAMPLE, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `ddp: wrote 7 files to ${out}/ (compose 1, kubernetes 3, nginx 2, varnish 1)\n` +
        'ddp: compose publishes on the host, in place of the Ingress (host port → compose service:container port):\n' +
        '  - 8443-8444/tcp → web-tls:8443, one port for each of its 2 replicas (Ingress shop.example.com/)\n' +
        'ddp: you supply (ddp never writes keys or secret values):\n' +
        `  - Secret web-tls, key tls.crt: TLS certificate for web-tls (compose: ${out}/compose/secrets/web-tls/tls.crt)\n` +
        `  - Secret web-tls, key tls.key: TLS private key for web-tls (compose: ${out}/compose/secrets/web-tls/tls.key)\n` +
        '  compose mounts each file as it is, owner and mode: the containers run as uid 10001 and must be able to read it (e.g. `chown 10001` a key kept at mode 600)\n',
    );
    expect(tree(out)).toEqual([
      '.ddp-manifest.json',
      'compose/docker-compose.yml',
      'kubernetes/kustomization.yaml',
      'kubernetes/namespace.yaml',
      'kubernetes/web.yaml',
      'nginx/web-lb.conf',
      'nginx/web-tls.conf',
      'varnish/web-cache.vcl',
    ]);
    for (const f of await renderExample('01-replicated')) expect(readFileSync(join(out, f.path), 'utf8'), f.path).toBe(f.content);
    // ddp never writes a key: the secret files are the user's
    expect(existsSync(join(out, 'compose', 'secrets'))).toBe(false);
  });

  it('a second run over an output that is up to date says so and writes nothing; --json says `untouched`', async () => {
    const out = join(dir, 'again');
    expect((await runDdp(['generate', EXAMPLE, '-o', out])).code).toBe(0);
    const dirIno = statSync(out).ino;
    const r = await runDdp(['generate', EXAMPLE, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n')[0]).toBe(`ddp: up to date: ${out}/ already holds these 7 files (compose 1, kubernetes 3, nginx 2, varnish 1); nothing written`);
    expect(statSync(out).ino).toBe(dirIno); // not swapped
    const j = await runDdp(['generate', EXAMPLE, '-o', out, '--json']);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: true, untouched: true, removed: [], kept: [] });
    writeFileSync(join(dir, 'again-changed.yaml'), readFileSync(join(ROOT, EXAMPLE), 'utf8').replace('replicas: 3', 'replicas: 4'));
    const changed = await runDdp(['generate', join(dir, 'again-changed.yaml'), '-o', out, '--json']);
    expect(JSON.parse(changed.stdout)).toMatchObject({ ok: true, untouched: false });
  });

  it('lists the env-file lines you supply: a Secret\'s value and a value of your ConfigMap', async () => {
    const topology = join(dir, 'env-refs.yaml');
    writeFileSync(
      topology,
      'apiVersion: ddp/v1\nkind: Topology\nmetadata: { name: demo }\nservices:\n  api:\n    pattern: replicated\n    image: ghcr.io/acme/api:1.0.0\n    port: 8080\n' +
        '    env: { DB_PASSWORD: { secret: db, key: password }, FEATURE: { configMap: flags, key: feature } }\n',
    );
    const out = join(dir, 'env-refs-out');
    const r = await runDdp(['generate', topology, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `ddp: wrote 4 files to ${out}/ (compose 1, kubernetes 3)\n` +
        'ddp: you supply (ddp never writes keys or secret values):\n' +
        `  - Secret db, key password: DB_PASSWORD of api, the line \`DB_PASSWORD=<value>\` (compose: ${out}/compose/secrets/api.env)\n` +
        `  - ConfigMap flags, key feature: FEATURE of api, the line \`FEATURE=<value>\` (compose: ${out}/compose/secrets/api.env)\n` +
        "  compose reads an env file as it reads .env: single-quote a value with `$`, `#` or spaces (KEY='pa$word #1'), or compose expands `$` and cuts it at ` #`\n",
    );
  });

  it("lists an Ingress's TLS Secret (Kubernetes only: no compose file), once when a TLS layer uses it too", async () => {
    const topology = join(dir, 'ingress-tls.yaml');
    const head = 'apiVersion: ddp/v1\nkind: Topology\nmetadata: { name: demo }\nservices:\n  api:\n    pattern: replicated\n    image: ghcr.io/acme/api:1.0.0\n    port: 8080\n';
    writeFileSync(topology, head + '    expose: { host: api.example.com, tlsSecret: api-ingress-tls }\n');
    const r = await runDdp(['generate', topology, '--stdout']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(
      'ddp: compose publishes on the host, in place of the Ingress (host port → compose service:container port):\n' +
        '  - 8080-8081/tcp → api:8080, one port for each of its 2 replicas (Ingress api.example.com/)\n' +
        'ddp: you supply (ddp never writes keys or secret values):\n' +
        '  - Secret api-ingress-tls, key tls.crt: TLS certificate of the Ingress api (api.example.com; Kubernetes only)\n' +
        '  - Secret api-ingress-tls, key tls.key: TLS private key of the Ingress api (api.example.com; Kubernetes only)\n',
    );
    expect(r.stdout).not.toContain('secrets:');
    writeFileSync(topology, head + '    tls: { secret: api-tls }\n    expose: { host: api.example.com, tlsSecret: api-tls }\n');
    const shared = await runDdp(['generate', topology, '--stdout']);
    expect(shared.stderr.split('\n').filter((l) => l.startsWith('  - '))).toEqual([
      '  - 8443-8444/tcp → api-tls:8443, one port for each of its 2 replicas (Ingress api.example.com/)',
      '  - Secret api-tls, key tls.crt: TLS certificate for api-tls (compose: <DIR>/compose/secrets/api-tls/tls.crt)',
      '  - Secret api-tls, key tls.key: TLS private key for api-tls (compose: <DIR>/compose/secrets/api-tls/tls.key)',
    ]);
  });

  it('says which uid must read the files compose mounts: the one the containers run as (defaults.runAsUser)', async () => {
    const topology = join(dir, 'uid.yaml');
    writeFileSync(topology, readFileSync(join(ROOT, EXAMPLE), 'utf8').replace(/^defaults:\n/m, 'defaults:\n  runAsUser: 20000\n'));
    const r = await runDdp(['generate', topology, '--stdout']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('  compose mounts'))).toEqual([
      '  compose mounts each file as it is, owner and mode: the containers run as uid 20000 and must be able to read it (e.g. `chown 20000` a key kept at mode 600)',
    ]);
    expect(r.stdout).toContain('user: "20000:20000"');
  });

  it('--stdout prints every file after a `# ddp: <path>` line and writes nothing', async () => {
    const cwd = join(dir, 'stdout-cwd');
    mkdirSync(cwd);
    const r = await runDdp(['generate', join(ROOT, EXAMPLE), '--stdout'], { cwd });
    expect(r.code).toBe(0);
    // no directory was written: the report says where the files go under the one you save the output in
    expect(r.stderr).toBe(
      'ddp: compose publishes on the host, in place of the Ingress (host port → compose service:container port):\n' +
        '  - 8443-8444/tcp → web-tls:8443, one port for each of its 2 replicas (Ingress shop.example.com/)\n' +
        'ddp: you supply (ddp never writes keys or secret values):\n' +
        '  - Secret web-tls, key tls.crt: TLS certificate for web-tls (compose: <DIR>/compose/secrets/web-tls/tls.crt)\n' +
        '  - Secret web-tls, key tls.key: TLS private key for web-tls (compose: <DIR>/compose/secrets/web-tls/tls.key)\n' +
        '  compose mounts each file as it is, owner and mode: the containers run as uid 10001 and must be able to read it (e.g. `chown 10001` a key kept at mode 600)\n',
    );
    const files = await renderExample('01-replicated');
    expect(r.stdout).toBe(files.map((f) => `# ddp: ${f.path}\n${f.content}`).join(''));
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('--stdout into a pipe read only later: every byte arrives (ddp exits early only with nothing queued)', async () => {
    const topology = join(dir, 'big-stdout.yaml');
    writeFileSync(topology, execFileSync(process.execPath, [join(ROOT, 'scripts/bench.mjs'), '--emit', '60'], { encoding: 'utf8' }));
    const viaFile = join(dir, 'big-stdout.txt');
    const fd = openSync(viaFile, 'w');
    spawnSync(process.execPath, [BIN, 'generate', topology, '--stdout'], { stdio: ['ignore', fd, 'ignore'] });
    closeSync(fd);
    const expected = readFileSync(viaFile);
    expect(expected.length).toBeGreaterThan(1 << 18); // far more than a pipe holds (64 KiB)
    const child = spawn(process.execPath, [BIN, 'generate', topology, '--stdout'], { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.pause();
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    await new Promise((r) => setTimeout(r, 500)); // ddp blocks on a full pipe meanwhile
    child.stdout.resume();
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(0);
    expect(Buffer.concat(chunks).equals(expected)).toBe(true);
  });

  it('--stdout into a reader that stops early (`| head`): ddp ends quietly, exit 0, no EPIPE stack trace', async () => {
    const topology = join(dir, 'big-head.yaml');
    writeFileSync(topology, execFileSync(process.execPath, [join(ROOT, 'scripts/bench.mjs'), '--emit', '200'], { encoding: 'utf8' }));
    for (const args of [['generate', topology, '--stdout'], ['--help']]) {
      const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.stdout.once('data', () => child.stdout.destroy()); // the first chunk, then the reader is gone
      const code = await new Promise((r) => child.on('close', r));
      expect([code, STACK_LINE.test(stderr) ? stderr.slice(-600) : 'no trace'], args.join(' ')).toEqual([0, 'no trace']);
    }
  });

  it('the summary counts files in words: one file, and no file for a target the topology does not use', async () => {
    const pipeline = join(ROOT, 'examples', '07-pipeline', 'ddp.yaml');
    const none = await runDdp(['generate', pipeline, '--target', 'nginx', '-o', join(dir, 'none')]);
    expect([none.code, none.stderr]).toEqual([0, `ddp: wrote 0 files to ${join(dir, 'none')}/ (this topology has nothing for --target nginx)\n`]);
    const one = await runDdp(['generate', EXAMPLE, '--target', 'varnish', '-o', join(dir, 'one')]);
    expect([one.code, one.stderr.split('\n')[0]]).toEqual([0, `ddp: wrote 1 file to ${join(dir, 'one')}/ (varnish 1)`]);
  });

  it('--target picks targets', async () => {
    const r = await runDdp(['generate', EXAMPLE, '--target', 'nginx,varnish', '--stdout']);
    expect(r.code).toBe(0);
    expect([...r.stdout.matchAll(/^# ddp: (.+)$/gm)].map((m) => m[1])).toEqual(['nginx/web-lb.conf', 'nginx/web-tls.conf', 'varnish/web-cache.vcl']);
    const out = join(dir, 'k8s-only');
    const k = await runDdp(['generate', EXAMPLE, '-t', 'kubernetes', '-o', out]);
    expect(k.code).toBe(0);
    expect(tree(out)).toEqual(['.ddp-manifest.json', 'kubernetes/kustomization.yaml', 'kubernetes/namespace.yaml', 'kubernetes/web.yaml']);
  });

  it('--target compose into a directory brings the configs compose mounts (docker compose up needs them); --stdout prints what was asked', async () => {
    const out = join(dir, 'compose-only');
    const c = await runDdp(['generate', EXAMPLE, '-t', 'compose', '-o', out]);
    expect([c.code, c.stderr.split('\n')[0]]).toEqual([0, `ddp: wrote 4 files to ${out}/ (compose 1, nginx 2, varnish 1)`]);
    expect(tree(out)).toEqual(['.ddp-manifest.json', 'compose/docker-compose.yml', 'nginx/web-lb.conf', 'nginx/web-tls.conf', 'varnish/web-cache.vcl']);
    // every bind mount of the compose file is there
    const binds = [...readFileSync(join(out, 'compose', 'docker-compose.yml'), 'utf8').matchAll(/source: "?\.\.\/([^"\n]+)"?$/gm)].map((m) => m[1]);
    expect(binds.length).toBeGreaterThan(0);
    for (const b of binds) expect(existsSync(join(out, b)), b).toBe(true);
    expect((await runDdp(['generate', EXAMPLE, '-t', 'compose', '--check', '-o', out])).code).toBe(0);
    const printed = await runDdp(['generate', EXAMPLE, '-t', 'compose', '--stdout']);
    expect([...printed.stdout.matchAll(/^# ddp: (.+)$/gm)].map((m) => m[1])).toEqual(['compose/docker-compose.yml']);
  });

  it('a problem found while rendering (compose out of host ports) says file:line:col, exit 1, nothing written', async () => {
    const topo = join(dir, 'hp.yaml');
    writeFileSync(topo, 'apiVersion: ddp/v1\nkind: Topology\nmetadata: { name: t }\nservices:\n  web: { pattern: replicated, image: ghcr.io/acme/web:1.4.2, port: 65535, replicas: 3, expose: { host: a.example.com } }\n');
    const r = await runDdp(['generate', topo, '-o', join(dir, 'hp-out')]);
    expect([r.code, r.stderr.split('\n')[0]]).toEqual([1, `${topo}:5:3: error[no-host-port]: compose: web publishes port 65535 on the host for 3 replicas, and no free host ports are left from 65535 up (the next free range, 65535-65537, passes 65535) (at /services/web)`]);
    expect(existsSync(join(dir, 'hp-out'))).toBe(false);
  });

  it('--json with another --format is refused, not settled silently (an explicit --format text too; lint\'s sarif too)', async () => {
    const cases: [string[], string][] = [
      [['validate', EXAMPLE, '--json', '--format', 'github'], 'github'],
      [['generate', EXAMPLE, '--json', '--format', 'github', '--stdout'], 'github'],
      [['validate', EXAMPLE, '--json', '--format', 'text'], 'text'],
      [['generate', EXAMPLE, '--json', '--format=text', '--stdout'], 'text'],
      [['lint', 'examples', '--json', '--format', 'sarif'], 'sarif'],
      [['lint', '--topology', EXAMPLE, '--format', 'text', '--json'], 'text'],
    ];
    for (const [argv, other] of cases) {
      const r = await runDdp(argv);
      // (--json asked for JSON: the refusal comes as JSON on stdout)
      expect(r.code, argv.join(' ')).toBe(1);
      expect(JSON.parse(r.stdout), argv.join(' ')).toEqual({ ok: false, diagnostics: [{ severity: 'error', code: 'conflicting-options', message: `--json and --format ${other} do not go together`, hint: '--json is --format json: pass one of them' }] });
    }
    // the same format twice is no conflict
    expect((await runDdp(['validate', EXAMPLE, '--json', '--format', 'json'])).code).toBe(0);
  });

  it('--stdout --json: one JSON document holding each file and its content (the `# ddp:` stream is not JSON)', async () => {
    const stream = await runDdp(['generate', EXAMPLE, '--target', 'nginx,varnish', '--stdout']);
    const r = await runDdp(['generate', EXAMPLE, '--target', 'nginx,varnish', '--stdout', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { ok: boolean; outDir: null; files: { path: string; target: string; bytes: number; content: string }[] };
    expect([j.ok, j.outDir, j.files.map((f) => f.path)]).toEqual([true, null, ['nginx/web-lb.conf', 'nginx/web-tls.conf', 'varnish/web-cache.vcl']]);
    const parts = stream.stdout.split(/^# ddp: .+\n/m).slice(1);
    expect(j.files.map((f) => f.content)).toEqual(parts);
    for (const f of j.files) expect(Buffer.byteLength(f.content)).toBe(f.bytes);
  });

  it('--env prod applies the overlay: web runs 6 replicas', async () => {
    const r = await runDdp(['generate', EXAMPLE, '--env', 'prod', '--target', 'kubernetes', '--stdout']);
    expect(r.code).toBe(0);
    const web = r.stdout.split(/^# ddp: /m).find((s) => s.startsWith('kubernetes/web.yaml\n'))!;
    const docs = parseAllDocuments(web.slice(web.indexOf('\n') + 1)).map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec: { replicas?: number } });
    const replicas = Object.fromEntries(docs.filter((d) => d.kind === 'Deployment').map((d) => [d.metadata.name, d.spec.replicas]));
    expect(replicas).toEqual({ web: 6, 'web-cache': 2, 'web-tls': 2 });
    const base = await runDdp(['generate', EXAMPLE, '--target', 'kubernetes', '--stdout']);
    expect(base.stdout).toContain('  name: "web"\n  namespace: "storefront"');
    expect(base.stdout).toMatch(/kind: Deployment\nmetadata:\n  name: "web"\n[\s\S]*?spec:\n  replicas: 3\n/);
  });

  it('a second generate over the same directory succeeds and keeps the files you added under compose/secrets/', async () => {
    const out = join(dir, 'again');
    expect((await runDdp(['generate', EXAMPLE, '-o', out])).code).toBe(0);
    mkdirSync(join(out, 'compose', 'secrets', 'web-tls'), { recursive: true });
    writeFileSync(join(out, 'compose', 'secrets', 'web-tls', 'tls.crt'), 'CERT\n');
    writeFileSync(join(out, 'compose', 'secrets', 'web-tls', 'tls.key'), 'KEY\n');
    const again = await runDdp(['generate', EXAMPLE, '-o', out, '--json']);
    expect(again.code).toBe(0);
    const j = JSON.parse(again.stdout) as { kept: string[]; removed: string[] };
    expect(j.kept).toEqual(['compose/secrets/web-tls/tls.crt', 'compose/secrets/web-tls/tls.key']);
    expect(j.removed).toEqual([]);
    expect(readFileSync(join(out, 'compose', 'secrets', 'web-tls', 'tls.crt'), 'utf8')).toBe('CERT\n');
    expect(readFileSync(join(out, 'compose', 'secrets', 'web-tls', 'tls.key'), 'utf8')).toBe('KEY\n');
    // and targets dropped on the third run remove their stale files, still keeping yours
    // (compose alone would bring the nginx and varnish configs it mounts: kubernetes only here)
    const third = await runDdp(['generate', EXAMPLE, '-o', out, '-t', 'kubernetes', '--json']);
    expect(third.code).toBe(0);
    expect((JSON.parse(third.stdout) as { removed: string[] }).removed).toEqual(['compose/docker-compose.yml', 'nginx/web-lb.conf', 'nginx/web-tls.conf', 'varnish/web-cache.vcl']);
    expect(tree(out)).toEqual([
      '.ddp-manifest.json',
      'compose/secrets/web-tls/tls.crt',
      'compose/secrets/web-tls/tls.key',
      'kubernetes/kustomization.yaml',
      'kubernetes/namespace.yaml',
      'kubernetes/web.yaml',
    ]);
  });

  it('refuses to overwrite a file it did not write (exit 1) unless --force', async () => {
    const out = join(dir, 'clobber');
    mkdirSync(join(out, 'kubernetes'), { recursive: true });
    writeFileSync(join(out, 'kubernetes', 'web.yaml'), 'mine\n');
    const r = await runDdp(['generate', EXAMPLE, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error[would-clobber]: refusing to overwrite: kubernetes/web.yaml exists and was not written by ddp\n  hint: move it away, or pass --force to overwrite\n1 error\n');
    expect(readFileSync(join(out, 'kubernetes', 'web.yaml'), 'utf8')).toBe('mine\n');
    const forced = await runDdp(['generate', EXAMPLE, '-o', out, '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(out, 'kubernetes', 'web.yaml'), 'utf8')).toMatch(/^# Generated by ddp/);
  });

  it('finds ddp.yaml in the working directory when no file is given', async () => {
    const cwd = join(dir, 'default-file');
    mkdirSync(cwd);
    cpSync(join(ROOT, EXAMPLE), join(cwd, 'ddp.yaml'));
    const r = await runDdp(['validate'], { cwd });
    expect([r.code, r.stderr]).toEqual([0, 'ddp: ddp.yaml is valid\n']);
  });
});

describe('standard input, pipes and devices as the topology', () => {
  const ddp = (args: string[], input?: string) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, input, encoding: 'utf8', timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } });

  it('- reads the topology from standard input: validate, generate --stdout, graph; diagnostics name <stdin>', () => {
    const text = readFileSync(join(ROOT, EXAMPLE), 'utf8');
    expect([ddp(['validate', '-'], text).status, ddp(['validate', '-'], text).stderr]).toEqual([0, 'ddp: <stdin> is valid\n']);
    expect(ddp(['generate', '-', '--stdout'], text).stdout).toBe(ddp(['generate', EXAMPLE, '--stdout']).stdout);
    expect(ddp(['graph', '-'], text).stdout).toBe(ddp(['graph', EXAMPLE]).stdout);
    const bad = ddp(['validate', '-'], BAD);
    expect([bad.status, bad.stderr.split('\n')[0]]).toEqual([1, '<stdin>:9:5: error[unknown-key]: unknown key `replicaz` in services.web (at /services/web/replicaz)']);
  });

  it('lint --topology - lints what the topology on standard input generates; - for both is refused', () => {
    const text = readFileSync(join(ROOT, EXAMPLE), 'utf8');
    const r = ddp(['lint', '--topology', '-'], text);
    expect([r.status, r.stderr]).toEqual([0, 'ddp lint: 14 Kubernetes objects and 4 compose services in 4 files generated from <stdin>: no problems\n']);
    const twice = ddp(['lint', '-', '--topology', '-'], text);
    expect([twice.status, twice.stderr]).toEqual([1, 'error[stdin-twice]: standard input (-) is given twice: as --topology and as a file to lint\n  hint: read one of them from a file\n1 error\n']);
  });

  it('a device that never ends (/dev/zero) or a pipe past 16 MiB: file-too-large, exit 1, at once', () => {
    const zero = ddp(['validate', '/dev/zero']);
    expect([zero.status, zero.signal, zero.stderr]).toEqual([
      1,
      null,
      '/dev/zero:1:1: error[file-too-large]: /dev/zero goes on past 16 MiB, the most ddp reads of a topology\n  hint: split the topology, or check that this is the right file\n1 error\n',
    ]);
    const piped = ddp(['validate', '-'], 'x'.repeat(16 * 1024 * 1024 + 1));
    expect([piped.status, piped.stderr.split('\n')[0]]).toEqual([1, '<stdin>:1:1: error[file-too-large]: <stdin> goes on past 16 MiB, the most ddp reads of a topology']);
    const lint = ddp(['lint', '/dev/zero']);
    expect([lint.status, lint.signal, lint.stderr.split('\n')[0]]).toEqual([1, null, '/dev/zero: error[file-too-large]: /dev/zero goes on past 32 MiB; ddp lints files of at most 32 MiB']);
  });

  it('a named pipe (FIFO): read once a writer writes to it; no waiting for ever for a writer that never comes', async () => {
    const { readCapped, NoWriter } = await import('../src/user-files.js');
    const [lonely, fed] = [join(dir, 'lonely.fifo'), join(dir, 'fed.fifo')];
    execFileSync('mkfifo', [lonely, fed]);
    // the command line: no writer in 10 s is no-writer, exit 1 (opening it the usual way waited for ever)
    const cli = new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [BIN, 'validate', lonely], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      p.stderr.on('data', (b: Buffer) => (stderr += b));
      p.on('exit', (code) => resolve({ code, stderr }));
    });
    // no writer: NoWriter after the wait, not a read that blocks
    const started = Date.now();
    expect(() => readCapped(join(dir, 'lonely.fifo'), 1 << 20, { fifoWaitMs: 300 })).toThrow(NoWriter);
    expect(Date.now() - started).toBeLessThan(5000);
    // a writer that comes later and writes in two goes: all of it is read, to its end
    const writer = spawn('sh', ['-c', `sleep 0.2; { printf 'apiVersion: ddp/v1\\n'; sleep 0.2; printf 'kind: Topology\\n'; } > ${fed}`]);
    expect(readCapped(fed, 1 << 20, { fifoWaitMs: 5000 })).toBe('apiVersion: ddp/v1\nkind: Topology\n');
    await new Promise((r) => writer.on('exit', r));
    // a process substitution is an anonymous pipe whose writer came with it: read as a pipe, at once
    const substituted = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" validate <(true)`], { encoding: 'utf8', timeout: 8000 });
    expect([substituted.status, substituted.stderr.split('\n')[0]]).toEqual([1, '/dev/fd/63:1:1: error[empty-file]: /dev/fd/63 is empty']);
    expect(await cli).toEqual({
      code: 1,
      stderr: `${lonely}: error[no-writer]: ${lonely} is a named pipe (FIFO) that nothing wrote to in 10 s\n  hint: start what writes to it first (or in the same command line), or pass the file itself\n1 error\n`,
    });
  }, 30_000);

  it('ddp add edits a file in place: standard input or a device is refused before anything is read', () => {
    const r = ddp(['add', 'sidecar', 'x', '--to', 'web', '--file', '-'], 'never read');
    expect([r.status, r.stderr]).toEqual([1, '<stdin>: error[not-a-regular-file]: ddp add edits the topology file in place, and standard input is not a regular file\n  hint: pass the topology file itself with --file\n1 error\n']);
    // a path through a file: the same diagnostic as validate's, not an internal error
    const through = ddp(['add', 'sidecar', 'x', '--to', 'web', '--file', `${EXAMPLE}/ddp.yaml`]);
    expect([through.status, through.stderr.split('\n')[0]]).toEqual([1, `${EXAMPLE}/ddp.yaml: error[file-not-found]: ${EXAMPLE}/ddp.yaml: no such file (a part of the path is a file, not a directory)`]);
    expect(ddp(['validate', `${EXAMPLE}/ddp.yaml`]).stderr).toBe(through.stderr);
    const dev = ddp(['add', 'sidecar', 'x', '--to', 'web', '--file', '/dev/zero']);
    expect([dev.status, dev.stderr.split('\n')[0]]).toEqual([1, '/dev/zero: error[not-a-regular-file]: ddp add edits the topology file in place, and /dev/zero is not a regular file']);
  });
});
