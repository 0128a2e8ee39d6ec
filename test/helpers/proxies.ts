/**
 * Real-binary helpers: config checks (`nginx -t`, `varnishd -C`, `nutcracker -t`) and long-running
 * nginx / varnish / twemproxy / memcached / redis / node backends on loopback, for end-to-end tests.
 *
 * Name resolution: a process that is given a non-empty `hosts` map runs as
 *   unshare -m sh -c 'mount --bind HOSTS /etc/hosts && exec CMD…'
 * so it (and nothing else) sees a private /etc/hosts. Needs root (DESIGN.md "Tests").
 *
 * Addresses: `allocateAddresses` hands every name its own 127.x.y.z; Linux routes all of
 * 127.0.0.0/8 to `lo`, so any of them can be bound without setup (checked in proxies.test.ts).
 *
 * Cleanup: every child runs in its own process group (detached) and `stop()` kills the whole group
 * (TERM, then KILL). Backstops: a `process.on('exit')` hook SIGKILLs every group still running, and a
 * detached `sh` janitor does the same (and removes the scratch dir) once the test process is gone —
 * vitest ends its fork workers without 'exit' events. See `sessionRoot`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { binaryPath } from './binaries.js';

// ───────────────────────────── addresses & ports ─────────────────────────────

/**
 * Host name → address(es), as written into the private /etc/hosts. Several addresses for one name
 * model a headless Service (e.g. to prove that varnish refuses such a backend).
 */
export type Hosts = Record<string, string | readonly string[]>;

/**
 * Gives each name its own loopback address `127.B.C.i` (B in 1..254 and C in 0..255 random per
 * call, i = 1, 2, …), so concurrent test files and engineers do not clash.
 */
export function allocateAddresses(names: readonly string[]): Record<string, string> {
  if (names.length > 254) throw new Error('allocateAddresses: at most 254 names per call');
  const b = 1 + Math.floor(Math.random() * 254);
  const c = Math.floor(Math.random() * 256);
  return Object.fromEntries(names.map((n, i) => [n, `127.${b}.${c}.${i + 1}`]));
}

/** A TCP port that was free on `ip` (default 127.0.0.1) a moment ago. */
export function freePort(ip = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, ip, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** `"127.1.2.3:80"` → `{ host, port }`. */
export function splitAddress(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  if (i < 0) throw new Error(`not host:port: ${addr}`);
  return { host: addr.slice(0, i), port: Number(addr.slice(i + 1)) };
}

/** Resolves when `ip:port` accepts a TCP connection; rejects after `timeoutMs` or when `isDead()` says so. */
export async function waitForPort(
  ip: string,
  port: number,
  opts: { timeoutMs?: number; isDead?: () => string | undefined } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    const dead = opts.isDead?.();
    if (dead !== undefined) throw new Error(dead);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: ip, port });
      s.setTimeout(500);
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('timeout', () => (s.destroy(), resolve(false)));
      s.once('error', () => (s.destroy(), resolve(false)));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${ip}:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ───────────────────────────── processes ─────────────────────────────

/** A managed child process (and its process group). */
export interface Running {
  readonly pid: number;
  /** Temporary directory holding its config (removed by stop()). */
  readonly dir: string;
  /** stdout+stderr so far (last 64 KiB). */
  output(): string;
  /** Kills the whole process group (TERM, then KILL after 3 s) and removes `dir`. Idempotent. */
  stop(): Promise<void>;
}

/** Process groups started here and still running. */
const live = new Set<number>();
let root: string | undefined;

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* already gone */
  }
}

/** Keeps `ROOT/pgids` in step with `live`, for the janitor. */
function writePgids(): void {
  if (root) writeFileSync(join(root, 'pgids'), [...live].map((g) => `${g}\n`).join(''));
}

/**
 * The per-test-process scratch root `$TMPDIR/ddp-test-XXXXXX` (0755, so workers that drop
 * privileges can traverse it). Created on first use together with the two cleanup backstops:
 *  - a `process.on('exit')` hook (runs when node exits normally);
 *  - a detached `sh` janitor that polls this process and, once it is gone (vitest kills its fork
 *    workers without 'exit' events), SIGKILLs every group listed in ROOT/pgids and removes ROOT.
 */
function sessionRoot(): string {
  if (root) return root;
  const dir = mkdtempSync(join(tmpdir(), 'ddp-test-'));
  chmodSync(dir, 0o755);
  root = dir;
  writePgids();
  const janitor = spawn(
    'sh',
    [
      '-c',
      'while kill -0 "$0" 2>/dev/null; do sleep 1; done; ' +
        'if [ -f "$1/pgids" ]; then while read g; do kill -9 -"$g" 2>/dev/null; done < "$1/pgids"; fi; rm -rf "$1"',
      String(process.pid),
      dir,
    ],
    { detached: true, stdio: 'ignore' },
  );
  janitor.unref();
  process.on('exit', () => {
    for (const pgid of live) killGroup(pgid, 'SIGKILL');
    live.clear();
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/**
 * A fresh temporary directory `ROOT/PREFIX-XXXXXX` (0755) under the per-process scratch root;
 * everything under it is removed when the test process ends at the latest.
 */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(sessionRoot(), `${prefix}-`));
  chmodSync(dir, 0o755);
  return dir;
}

function hostsFileText(hosts: Hosts): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  for (const [name, ips] of Object.entries(hosts)) {
    if (!/^[A-Za-z0-9.-]+$/.test(name)) throw new Error(`bad host name for hosts file: ${name}`);
    for (const ip of typeof ips === 'string' ? [ips] : ips) {
      if (net.isIP(ip) === 0) throw new Error(`bad address for ${name}: ${ip}`);
      lines.push(`${ip}\t${name}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** A file or directory mounted over a path in the private mount namespace: `[source, target]`. */
export type Bind = readonly [source: string, target: string];

/**
 * The argv that runs `cmd args…` with a private /etc/hosts (written to `dir/hosts`) when `hosts`
 * is non-empty, and with each of `binds` mounted over its target (in order, after the hosts file:
 * a bind over /tmp comes last, its sources are found before it hides them); else `cmd args…` unchanged.
 */
export function withHosts(cmd: string, args: readonly string[], hosts: Hosts, dir: string, binds: readonly Bind[] = []): [string, string[]] {
  const all: Bind[] = [...binds];
  if (Object.keys(hosts).length > 0) {
    const hostsFile = join(dir, 'hosts');
    writeFileSync(hostsFile, hostsFileText(hosts));
    all.unshift([hostsFile, '/etc/hosts']);
  }
  if (all.length === 0) return [cmd, [...args]];
  // the paths and the command as arguments ("$1" "$2" ..., then "$@"): no shell quoting of values
  const mounts = all.map((_, i) => `mount --bind "\${${2 * i + 1}}" "\${${2 * i + 2}}"`).join(' && ');
  return [binaryPath('unshare'), ['-m', 'sh', '-c', `${mounts} && shift ${2 * all.length} && exec "$@"`, 'sh', ...all.flat(), cmd, ...args]];
}

/** Runs a command to completion (no process group games: it is short-lived). */
export function run(
  cmd: string,
  args: readonly string[],
  opts: { timeoutMs?: number; keepStdout?: boolean } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => {
      if (opts.keepStdout !== false && stdout.length < 1 << 20) stdout += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.once('error', (e) => (clearTimeout(timer), reject(e)));
    child.once('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
  });
}

interface SpawnOptions {
  hosts?: Hosts;
  dir: string;
  /** `ip:port` addresses to wait for. */
  waitFor: readonly string[];
  timeoutMs?: number;
  label: string;
  /** More output to show (e.g. a log file the program writes). */
  extraOutput?: () => string;
  /** Paths mounted over others in the private mount namespace (see `withHosts`). */
  binds?: readonly Bind[];
}

/** Spawns a long-running child in its own process group and waits until its ports accept connections. */
export async function startProcess(cmd: string, args: readonly string[], opts: SpawnOptions): Promise<Running> {
  sessionRoot();
  const [file, argv] = withHosts(cmd, args, opts.hosts ?? {}, opts.dir, opts.binds);
  const child: ChildProcess = spawn(file, argv, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.dir });
  let out = '';
  const append = (d: Buffer) => {
    out += d.toString();
    if (out.length > 65536) out = out.slice(-65536);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  let exited: string | undefined;
  const exitedP = new Promise<void>((resolve) => {
    child.once('exit', (code, sig) => {
      exited = `exited with ${sig ?? code}`;
      resolve();
    });
    child.once('error', (e) => {
      exited = `failed to start: ${e.message}`;
      resolve();
    });
  });
  const output = (): string => {
    let extra = '';
    try {
      extra = opts.extraOutput?.() ?? '';
    } catch {
      /* dir gone */
    }
    return out + extra;
  };
  const pid = child.pid;
  if (pid === undefined) {
    await exitedP;
    throw new Error(`${opts.label}: ${exited ?? 'failed to start'}\n${out}`);
  }
  live.add(pid);
  writePgids();

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      killGroup(pid, 'SIGTERM');
      const t = setTimeout(() => killGroup(pid, 'SIGKILL'), 3000);
      await exitedP;
      clearTimeout(t);
      killGroup(pid, 'SIGKILL'); // leftovers (workers, children) of the group
      live.delete(pid);
      writePgids();
      rmSync(opts.dir, { recursive: true, force: true });
    })());

  try {
    for (const addr of opts.waitFor) {
      const { host, port } = splitAddress(addr);
      await waitForPort(host, port, {
        timeoutMs: opts.timeoutMs,
        isDead: () => (exited ? `${opts.label} ${exited}` : undefined),
      });
    }
  } catch (e) {
    await new Promise((r) => setTimeout(r, 50)); // let the last stderr arrive
    const text = output();
    await stop();
    throw new Error(`${opts.label} did not come up (${(e as Error).message}); output:\n${text}`);
  }
  return { pid, dir: opts.dir, output, stop };
}

// ───────────────────────────── files in a prefix dir ─────────────────────────────

/** Options for placing a config and its referenced files into a temporary prefix directory. */
export interface ConfFiles {
  /**
   * Extra files. A relative key is written under the temp dir. An absolute key (e.g.
   * `/etc/nginx/tls/tls.crt`) is written under the temp dir at the same path
   * (`DIR/etc/nginx/tls/tls.crt`) and that absolute path is added to `pathMap`, so the config
   * keeps its production paths and nothing outside the temp dir is touched.
   */
  files?: Record<string, string>;
  /**
   * Text substitutions applied to the config: every occurrence of a key (an absolute path or
   * prefix such as `/etc/nginx/tls/` or `/tmp/`) is replaced by its value; a relative value is
   * resolved against the temp dir. Longest keys win.
   */
  pathMap?: Record<string, string>;
  /** Last-chance rewrite of the config text (after pathMap); `dir` is the temp dir. */
  rewrite?: (conf: string, dir: string) => string;
}

function placeFiles(conf: string, dir: string, opts: ConfFiles): string {
  const map: Record<string, string> = {};
  for (const [rel, content] of Object.entries(opts.files ?? {})) {
    const target = join(dir, rel); // an absolute key is mirrored under dir
    if (!target.startsWith(dir + '/')) throw new Error(`file escapes the temp dir: ${rel}`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    if (isAbsolute(rel)) map[rel] = target;
  }
  for (const [from, to] of Object.entries(opts.pathMap ?? {})) map[from] = isAbsolute(to) ? to : join(dir, to);
  const keys = Object.keys(map).sort((a, b) => b.length - a.length);
  let text = conf;
  if (keys.length) {
    const re = new RegExp(keys.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
    text = text.replace(re, (m) => map[m]!);
  }
  return opts.rewrite ? opts.rewrite(text, dir) : text;
}

/** Result of a config check: `ok` iff the tool exited 0; `output` is what it printed (stderr). */
export interface CheckResult {
  ok: boolean;
  output: string;
}

// ───────────────────────────── TLS ─────────────────────────────

/** Writes `tls.crt` / `tls.key` (self-signed, RSA 2048, 1 day) into `dir` with openssl. */
export async function selfSignedCert(
  dir: string,
  cn = 'localhost',
): Promise<{ certPath: string; keyPath: string; cert: string; key: string }> {
  mkdirSync(dir, { recursive: true });
  const certPath = join(dir, 'tls.crt');
  const keyPath = join(dir, 'tls.key');
  const r = await run(binaryPath('openssl'), [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-days', '1',
    '-addext', `subjectAltName=DNS:${cn}`, '-keyout', keyPath, '-out', certPath,
  ]);
  if (r.code !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return { certPath, keyPath, cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
}

// ───────────────────────────── nginx ─────────────────────────────

/**
 * Wraps an `http {}` body (e.g. a generated conf.d server/upstream snippet) into a complete
 * nginx.conf whose pid, temp paths and logs stay inside the prefix dir (`-p DIR`).
 */
export function nginxMainConf(httpBody: string): string {
  return [
    'worker_processes 1;',
    'pid nginx.pid;',
    'error_log stderr notice;',
    'events { worker_connections 256; }',
    'http {',
    '  access_log off;',
    '  client_body_temp_path tmp/client_body;',
    '  proxy_temp_path tmp/proxy;',
    '  fastcgi_temp_path tmp/fastcgi;',
    '  uwsgi_temp_path tmp/uwsgi;',
    '  scgi_temp_path tmp/scgi;',
    httpBody,
    '}',
    '',
  ].join('\n');
}

function prepareNginx(conf: string, opts: ConfFiles): { dir: string; file: string; text: string } {
  const dir = makeTempDir('nginx');
  for (const d of ['logs', 'tmp', 'conf.d']) mkdirSync(join(dir, d), { recursive: true });
  const text = placeFiles(conf, dir, opts);
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, text);
  return { dir, file, text };
}

/** The `resolver` line a proxy ambassador's start-up shell writes into /tmp before nginx starts
 *  (src/patterns/single-node/upstream-dns.ts), for `nginx -t` of a config that includes it, with
 *  /tmp/ mapped to DIR/tmp/ (`files`): any nameserver parses, nothing asks it. */
export const RESOLVER_INCLUDE: Readonly<Record<string, string>> = { 'tmp/ddp-resolver.conf': 'resolver 127.0.0.1 valid=10s;\n' };

/**
 * `nginx -t -q -p DIR/ -c DIR/nginx.conf -e stderr` on a full nginx.conf (see `nginxMainConf`
 * for snippets), names resolved through `hosts`. Relative paths in the conf resolve against DIR.
 */
export async function checkNginx(confText: string, hosts: Hosts = {}, opts: ConfFiles = {}): Promise<CheckResult> {
  const { dir, file } = prepareNginx(confText, opts);
  try {
    const [cmd, args] = withHosts(binaryPath('nginx'), ['-t', '-q', '-p', dir + '/', '-c', file, '-e', 'stderr'], hosts, dir);
    const r = await run(cmd, args);
    return { ok: r.code === 0, output: (r.stderr + r.stdout).trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface StartNginxOptions extends ConfFiles {
  /** `ip:port` to wait for; default: every `listen ip:port` in the conf (a bare port → 127.0.0.1). */
  waitFor?: string[];
  timeoutMs?: number;
}

function nginxListens(conf: string): string[] {
  const out: string[] = [];
  for (const m of conf.matchAll(/(?:^|[\s{;])listen\s+([^\s;]+)/g)) {
    const a = m[1]!;
    if (/^\d+$/.test(a)) out.push(`127.0.0.1:${a}`);
    else if (/^[\d.]+:\d+$/.test(a)) out.push(a);
  }
  return [...new Set(out)];
}

/** Runs nginx in the foreground (`-g 'daemon off;'` unless the conf sets `daemon`). */
export async function startNginx(confText: string, hosts: Hosts = {}, opts: StartNginxOptions = {}): Promise<Running> {
  const { dir, file, text } = prepareNginx(confText, opts);
  const args = ['-p', dir + '/', '-c', file, '-e', 'stderr'];
  if (!/^\s*daemon\s/m.test(text)) args.push('-g', 'daemon off;');
  const waitFor = opts.waitFor ?? nginxListens(text);
  if (!waitFor.length) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error('startNginx: no listen ip:port found; pass opts.waitFor');
  }
  return startProcess(binaryPath('nginx'), args, { hosts, dir, waitFor, timeoutMs: opts.timeoutMs, label: 'nginx' });
}

/**
 * Runs a container's generated nginx command line (`command` then `args`: `nginx -c
 * /etc/ddp/nginx.conf`, or the start-up shell in front of it) as the container would: in a private
 * mount namespace with a fresh DIR mounted over /tmp (the container's scratch emptyDir) and
 * `resolvConf` (its text) over /etc/resolv.conf. The config goes to DIR/nginx.conf in place of
 * /etc/ddp/nginx.conf (after `rewrite`), and the word `nginx` of the command line becomes the test's
 * nginx with `-p /tmp/ -e stderr`; everything else runs as generated.
 */
export async function startNginxCommandLine(
  conf: string,
  commandLine: readonly string[],
  resolvConf: string,
  opts: { rewrite?: (conf: string) => string; waitFor?: string[]; timeoutMs?: number } = {},
): Promise<Running> {
  const dir = makeTempDir('nginx-cmd');
  const text = opts.rewrite ? opts.rewrite(conf) : conf;
  writeFileSync(join(dir, 'nginx.conf'), text);
  const resolvFile = join(dir, 'resolv.conf');
  writeFileSync(resolvFile, resolvConf);
  const argv = commandLine.flatMap((a) => (a === 'nginx' ? [binaryPath('nginx'), '-p', '/tmp/', '-e', 'stderr'] : a === '/etc/ddp/nginx.conf' ? ['/tmp/nginx.conf'] : [a]));
  const waitFor = opts.waitFor ?? nginxListens(text);
  return startProcess(argv[0]!, argv.slice(1), { dir, waitFor, timeoutMs: opts.timeoutMs, label: commandLine.join(' ').slice(0, 60), binds: [[resolvFile, '/etc/resolv.conf'], [dir, '/tmp']] });
}

// ───────────────────────────── varnish ─────────────────────────────

/**
 * `varnishd -C -f DIR/default.vcl -n DIR/work`: compiles the VCL (resolving backend hosts through
 * `hosts`). The generated C (stdout) is dropped; `output` is varnishd's stderr.
 */
export async function checkVarnish(vclText: string, hosts: Hosts = {}, opts: ConfFiles = {}): Promise<CheckResult> {
  const dir = makeTempDir('varnish');
  try {
    const file = join(dir, 'default.vcl');
    writeFileSync(file, placeFiles(vclText, dir, opts));
    const [cmd, args] = withHosts(binaryPath('varnishd'), ['-C', '-f', file, '-n', join(dir, 'work')], hosts, dir);
    const r = await run(cmd, args, { keepStdout: false });
    return { ok: r.code === 0, output: r.stderr.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface StartVarnishOptions extends ConfFiles {
  /** `ip:port` for `-a`. */
  listen: string;
  /** `-s` storage, default `malloc,32m`. */
  storage?: string;
  /** Extra `-p name=value` parameters. */
  params?: string[];
  timeoutMs?: number;
}

/** `varnishd -F -f FILE -n DIR/work -a LISTEN -s STORAGE -T 127.0.0.1:0` in the foreground. */
export async function startVarnish(vclText: string, hosts: Hosts, opts: StartVarnishOptions): Promise<Running> {
  const dir = makeTempDir('varnish');
  const file = join(dir, 'default.vcl');
  writeFileSync(file, placeFiles(vclText, dir, opts));
  const args = ['-F', '-f', file, '-n', join(dir, 'work'), '-a', opts.listen, '-s', opts.storage ?? 'malloc,32m', '-T', '127.0.0.1:0'];
  for (const p of opts.params ?? []) args.push('-p', p);
  return startProcess(binaryPath('varnishd'), args, { hosts, dir, waitFor: [opts.listen], timeoutMs: opts.timeoutMs ?? 20_000, label: 'varnishd' });
}

// ───────────────────────────── twemproxy ─────────────────────────────

/**
 * `nutcracker -t -c FILE`. Its -t mode only says "syntax is invalid"; on failure the reason is
 * gathered by a short non-test run logging to stderr (it exits at once on a bad config).
 */
export async function checkNutcracker(ymlText: string, hosts: Hosts = {}, opts: ConfFiles = {}): Promise<CheckResult> {
  const dir = makeTempDir('nutcracker');
  try {
    const file = join(dir, 'nutcracker.yml');
    writeFileSync(file, placeFiles(ymlText, dir, opts));
    const bin = binaryPath('nutcracker');
    const [cmd, args] = withHosts(bin, ['-t', '-c', file], hosts, dir);
    const r = await run(cmd, args);
    let output = (r.stderr + r.stdout).trim();
    if (r.code !== 0) {
      const stats = await freePort();
      const log = join(dir, 'nutcracker.log');
      const [c2, a2] = withHosts(
        bin,
        ['-c', file, '-o', log, '-v', '5', '-a', '127.0.0.1', '-s', String(stats), '-p', join(dir, 'pid')],
        hosts,
        dir,
      );
      const d = await run(c2, a2, { timeoutMs: 3000 });
      const logged = existsSync(log) ? readFileSync(log, 'utf8') : '';
      const detail = (d.stderr + logged).split('\n').filter((l) => /nc_conf|error|invalid|failed/i.test(l));
      if (detail.length) output += '\n' + detail.join('\n');
    }
    return { ok: r.code === 0, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface StartNutcrackerOptions extends ConfFiles {
  /** Default: every pool's `listen`, hostnames looked up in `hosts`. */
  waitFor?: string[];
  timeoutMs?: number;
}

/**
 * `nutcracker -c FILE -o DIR/nutcracker.log -s PORT -a IP -p DIR/pid` in the foreground (stats on a
 * free port; `output()` includes the log: `-o /dev/stderr` fails with ENXIO when stderr is a socket).
 */
export async function startNutcracker(ymlText: string, hosts: Hosts = {}, opts: StartNutcrackerOptions = {}): Promise<Running> {
  const dir = makeTempDir('nutcracker');
  const text = placeFiles(ymlText, dir, opts);
  const file = join(dir, 'nutcracker.yml');
  writeFileSync(file, text);
  let waitFor = opts.waitFor;
  if (!waitFor) {
    const pools = (parseYaml(text) ?? {}) as Record<string, { listen?: string }>;
    waitFor = Object.values(pools)
      .map((p) => p?.listen)
      .filter((l): l is string => typeof l === 'string' && l.includes(':'))
      .map((l) => {
        const { host, port } = splitAddress(l.split(' ')[0]!);
        const ip = hosts[host];
        return `${(typeof ip === 'string' ? ip : ip?.[0]) ?? host}:${port}`;
      });
  }
  const statsIp = waitFor[0] ? splitAddress(waitFor[0]).host : '127.0.0.1';
  const stats = await freePort(statsIp);
  const log = join(dir, 'nutcracker.log');
  const args = ['-c', file, '-o', log, '-a', statsIp, '-s', String(stats), '-p', join(dir, 'nutcracker.pid')];
  return startProcess(binaryPath('nutcracker'), args, {
    hosts, dir, waitFor, timeoutMs: opts.timeoutMs, label: 'nutcracker',
    extraOutput: () => (existsSync(log) ? readFileSync(log, 'utf8') : ''),
  });
}

// ───────────────────────────── memcached / redis ─────────────────────────────

/** memcached on ip:port (16 MB, one thread, no UDP; `-u root` when root, as memcached demands). */
export async function startMemcached(ip: string, port: number): Promise<Running> {
  const dir = makeTempDir('memcached');
  const args = ['-l', ip, '-p', String(port), '-U', '0', '-m', '16', '-t', '1'];
  if (process.getuid?.() === 0) args.push('-u', 'root');
  return startProcess(binaryPath('memcached'), args, { dir, waitFor: [`${ip}:${port}`], label: 'memcached' });
}

/** redis-server on ip:port: no RDB/AOF persistence, protected mode off, files in a temp dir. */
export async function startRedis(ip: string, port: number): Promise<Running> {
  const dir = makeTempDir('redis');
  const args = [
    '--bind', ip, '--port', String(port), '--save', '', '--appendonly', 'no', '--protected-mode', 'no',
    '--dir', dir, '--daemonize', 'no', '--logfile', '', '--databases', '1',
  ];
  return startProcess(binaryPath('redis-server'), args, { dir, waitFor: [`${ip}:${port}`], label: 'redis-server' });
}

// ───────────────────────────── node servers ─────────────────────────────

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface HttpBackend {
  readonly name: string;
  readonly url: string;
  /** Every request this backend answered, in order. */
  readonly requests: SeenRequest[];
  stop(): Promise<void>;
}

/**
 * An in-process HTTP server on ip:port that answers every request with 200,
 * `x-backend: NAME`, `Cache-Control: max-age=60` (so varnish caches it) and a JSON body
 * `{ backend, method, url, headers }`.
 */
export function startHttpBackend(ip: string, port: number, name: string): Promise<HttpBackend> {
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    const body = JSON.stringify({ backend: name, method: req.method, url: req.url, headers: req.headers }) + '\n';
    res.writeHead(200, {
      'content-type': 'application/json',
      'x-backend': name,
      'cache-control': 'max-age=60',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
  return listen(server, ip, port).then(() => ({
    name,
    url: `http://${ip}:${port}`,
    requests,
    stop: () => closeServer(server),
  }));
}

export interface TcpRoundRobin {
  /** Connections sent to each target so far (same order as `targets`). */
  readonly counts: number[];
  stop(): Promise<void>;
}

/**
 * A tiny TCP proxy on listenIp:port sending each new connection to the next of `targets`
 * (`ip:port`) — a stand-in for a Kubernetes ClusterIP Service in front of several replicas.
 */
export function startTcpRoundRobin(listenIp: string, port: number, targets: readonly string[]): Promise<TcpRoundRobin> {
  if (!targets.length) throw new Error('startTcpRoundRobin: no targets');
  const counts = targets.map(() => 0);
  let next = 0;
  const server = net.createServer((client) => {
    const i = next++ % targets.length;
    counts[i]!++;
    const { host, port: p } = splitAddress(targets[i]!);
    const upstream = net.connect({ host, port: p });
    client.pipe(upstream).pipe(client);
    const done = () => (client.destroy(), upstream.destroy());
    client.on('error', done).on('close', done);
    upstream.on('error', done).on('close', done);
  });
  return listen(server, listenIp, port).then(() => ({ counts, stop: () => closeServer(server) }));
}

const openSockets = new WeakMap<net.Server, Set<net.Socket>>();

function listen(server: net.Server, ip: string, port: number): Promise<void> {
  const sockets = new Set<net.Socket>();
  openSockets.set(server, sockets);
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    for (const s of openSockets.get(server) ?? []) s.destroy();
    server.close(() => resolve());
  });
}

// ───────────────────────────── clients ─────────────────────────────

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpGetOptions {
  headers?: Record<string, string>;
  /** Host header (and TLS SNI servername) to send instead of the URL's host. */
  host?: string;
  /** CA certificate (PEM) to trust for https. */
  ca?: string;
  /** Accept any certificate (self-signed) for https. Default true when no `ca` is given. */
  insecure?: boolean;
  method?: string;
  timeoutMs?: number;
}

/** One HTTP(S) request on a fresh connection (no keep-alive agent). */
export function httpGet(url: string, opts: HttpGetOptions = {}): Promise<HttpResponse> {
  const u = new URL(url);
  const isHttps = u.protocol === 'https:';
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.host) headers.host = opts.host;
  return new Promise((resolve, reject) => {
    const reqOpts: https.RequestOptions = {
      method: opts.method ?? 'GET',
      headers,
      agent: false,
      timeout: opts.timeoutMs ?? 5000,
    };
    if (isHttps) {
      if (opts.ca) reqOpts.ca = opts.ca;
      reqOpts.rejectUnauthorized = !(opts.insecure ?? !opts.ca);
      if (opts.host) reqOpts.servername = opts.host.replace(/:\d+$/, '');
    }
    const req = (isHttps ? https : http).request(u, reqOpts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Sends `payload` to `addr` (`ip:port`) and collects the reply until `complete(buffer)` is true.
 */
export function tcpExchange(
  addr: string,
  payload: string | Buffer,
  complete: (reply: Buffer) => boolean,
  timeoutMs = 5000,
): Promise<Buffer> {
  const { host, port } = splitAddress(addr);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`timeout talking to ${addr}; got ${JSON.stringify(Buffer.concat(chunks).toString())}`));
    }, timeoutMs);
    s.on('connect', () => s.write(payload));
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      const all = Buffer.concat(chunks);
      if (complete(all)) {
        clearTimeout(timer);
        s.destroy();
        resolve(all);
      }
    });
    s.on('error', (e) => (clearTimeout(timer), reject(e)));
    s.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`${addr} closed the connection; got ${JSON.stringify(Buffer.concat(chunks).toString())}`));
    });
  });
}

/** memcached text protocol `set`; throws unless the reply is STORED. */
export async function memcacheSet(addr: string, key: string, value: string, ttlSeconds = 0): Promise<void> {
  const bytes = Buffer.byteLength(value);
  const reply = (await tcpExchange(addr, `set ${key} 0 ${ttlSeconds} ${bytes}\r\n${value}\r\n`, (b) => b.includes('\r\n'))).toString();
  if (reply !== 'STORED\r\n') throw new Error(`memcache set ${key}: ${JSON.stringify(reply)}`);
}

/** memcached text protocol `get`; undefined on a miss. */
export async function memcacheGet(addr: string, key: string): Promise<string | undefined> {
  const reply = (await tcpExchange(addr, `get ${key}\r\n`, (b) => b.toString().endsWith('END\r\n') || /^(SERVER_|CLIENT_)?ERROR/.test(b.toString()))).toString();
  if (reply === 'END\r\n') return undefined;
  const m = /^VALUE \S+ \d+ (\d+)\r\n/.exec(reply);
  if (!m) throw new Error(`memcache get ${key}: ${JSON.stringify(reply)}`);
  const start = m[0].length;
  return Buffer.from(reply).subarray(start, start + Number(m[1])).toString();
}

export type RespValue = string | number | null | RespValue[];

/** Parses one RESP reply from `buf`; undefined if incomplete. Error replies become `Error` (thrown by redisCommand). */
function parseResp(buf: Buffer, pos = 0): { value: RespValue | Error; end: number } | undefined {
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[pos]!);
  const line = buf.subarray(pos + 1, eol).toString();
  const after = eol + 2;
  switch (type) {
    case '+':
      return { value: line, end: after };
    case '-':
      return { value: new Error(line), end: after };
    case ':':
      return { value: Number(line), end: after };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: null, end: after };
      if (buf.length < after + n + 2) return undefined;
      return { value: buf.subarray(after, after + n).toString(), end: after + n + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, end: after };
      const items: RespValue[] = [];
      let p = after;
      for (let i = 0; i < n; i++) {
        const r = parseResp(buf, p);
        if (!r) return undefined;
        if (r.value instanceof Error) return r;
        items.push(r.value);
        p = r.end;
      }
      return { value: items, end: p };
    }
    default:
      throw new Error(`bad RESP reply: ${JSON.stringify(buf.toString())}`);
  }
}

/** Sends one redis command (RESP array of bulk strings) and returns the parsed reply; error replies throw. */
export async function redisCommand(addr: string, ...args: string[]): Promise<RespValue> {
  const payload = `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
  const reply = await tcpExchange(addr, payload, (b) => parseResp(b) !== undefined);
  const { value } = parseResp(reply)!;
  if (value instanceof Error) throw new Error(`redis ${args[0]}: ${value.message}`);
  return value;
}

// ───────────────────────────── network namespaces ─────────────────────────────

/**
 * Runs `sh -c SCRIPT sh ARGS…` as a pod would have its network: in a new network namespace with
 * only `lo` (up: 127.0.0.1 and, with `ipv6`, ::1) and a new mount namespace with each of `binds`
 * mounted over its target. Without `ipv6`, IPv6 is turned off in the namespace as a CNI does
 * (net.ipv6.conf.*.disable_ipv6=1): /proc/net/if_inet6 is then empty and the kernel refuses a bind
 * to [::1] ("Cannot assign requested address"), as in a pod without IPv6. Everything the script
 * starts must end with it (the namespace goes with its last process). Needs root.
 */
export function runInNetns(script: string, args: readonly string[], opts: { ipv6: boolean; binds?: readonly Bind[]; timeoutMs?: number }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const binds = opts.binds ?? [];
  const mounts = binds.map((_, i) => `mount --bind "\${${2 * i + 1}}" "\${${2 * i + 2}}" && `).join('');
  const off = opts.ipv6 ? '' : 'sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.lo.disable_ipv6=1 && ';
  const prelude = `${mounts}ip link set lo up && ${off}shift ${2 * binds.length} && exec sh -c "$SCRIPT" sh "$@"`;
  return runWithEnv(binaryPath('unshare'), ['-n', '-m', 'sh', '-c', prelude, 'sh', ...binds.flat(), ...args], { SCRIPT: script }, opts.timeoutMs);
}

function runWithEnv(cmd: string, args: readonly string[], env: Record<string, string>, timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => (clearTimeout(timer), reject(e)));
    child.once('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
  });
}
