// Shared by the work-queue and pipeline end-to-end tests: run the redis broker exactly as the
// generated StatefulSet runs it (its command and args; only the data directory moves to a temp dir
// and it binds a private loopback address), and run test workers as separate processes that see
// nothing but the environment ddp generated (`env -i`) and resolve the broker's name through a
// private /etc/hosts.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { binaryPath } from '../helpers/binaries.js';
import { makeTempDir, startProcess, type Running } from '../helpers/proxies.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The generated redis broker container (from its StatefulSet), started on `ip`. */
export async function startGeneratedRedis(statefulSet: Obj, ip: string, port: number): Promise<Running> {
  const container = statefulSet.spec.template.spec.containers[0];
  const [cmd, ...cmdArgs] = container.command as string[];
  const mount = (container.volumeMounts as Obj[]).find((m) => m.name === 'data')!;
  const dir = makeTempDir('redis-broker');
  const args = [...cmdArgs, ...(container.args as string[])].map((a) => (a === mount.mountPath ? dir : a));
  return startProcess(binaryPath(cmd), [...args, '--bind', ip], { dir, waitFor: [`${ip}:${port}`], label: `generated ${cmd}` });
}

/** `node FIXTURES/<script> ...args` with exactly `env` as its environment, `host` → `ip` in its /etc/hosts. */
export async function startWorker(script: string, args: string[], env: Record<string, string>, hosts: Record<string, string>, label: string): Promise<Running> {
  const pairs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return startProcess(binaryPath('env'), ['-i', ...pairs, process.execPath, join(FIXTURES, script), ...args], { dir: makeTempDir('worker'), waitFor: [], hosts, label });
}

/** Polls `check` until it returns true (or throws after `timeoutMs`, with `describe()` in the message). */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, describe: () => Promise<string> | string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${await describe()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
