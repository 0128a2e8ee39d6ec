/**
 * Which external programs the real-binary tests need, and what to do when one is missing.
 *
 * Policy (DESIGN.md "Tests"): with `CI` set, a missing binary FAILS the run with
 * `missing binary X: apt-get install -y PKG`; elsewhere the tests skip and print one line
 * saying what to install.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, it } from 'vitest';

/** Debian package that provides each binary the harness uses. */
export const APT_PACKAGES: Readonly<Record<string, string>> = {
  nginx: 'nginx-light',
  varnishd: 'varnish',
  nutcracker: 'nutcracker',
  'redis-server': 'redis-server',
  'redis-cli': 'redis-tools',
  memcached: 'memcached',
  openssl: 'openssl',
  unshare: 'util-linux',
  mount: 'mount',
  cc: 'gcc', // varnishd compiles VCL with the system C compiler
  curl: 'curl',
  ip: 'iproute2',
  sysctl: 'procps',
};

/** Directories searched besides $PATH (sbin is often missing from a non-root PATH). */
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

const found = new Map<string, string | undefined>();

/** Absolute path of an executable named `name`, or undefined. Cached per process. */
export function whichBinary(name: string): string | undefined {
  if (found.has(name)) return found.get(name);
  let hit: string | undefined;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      hit = candidate;
      break;
    } catch {
      /* not here */
    }
  }
  found.set(name, hit);
  return hit;
}

/** Like whichBinary, but throws the install hint when the binary is missing. */
export function binaryPath(name: string): string {
  const p = whichBinary(name);
  if (!p) throw new Error(missingMessage([name]));
  return p;
}

/** True when `name` is an executable on this machine. */
export function needBinary(name: string): boolean {
  return whichBinary(name) !== undefined;
}

/** The names among `names` that are not installed. */
export function missingBinaries(names: readonly string[]): string[] {
  return names.filter((n) => !needBinary(n));
}

/** `missing binary nginx: apt-get install -y nginx-light` (one clause per missing binary). */
export function missingMessage(missing: readonly string[]): string {
  return missing
    .map((n) => `missing binary ${n}: apt-get install -y ${APT_PACKAGES[n] ?? n}`)
    .join('; ');
}

/** True when running under CI (the CI variable is set and not "false"/"0"). */
export function isCI(): boolean {
  const v = process.env.CI;
  return v !== undefined && v !== '' && v !== 'false' && v !== '0';
}

/** True when the process runs as root (needed for `unshare -m` + `mount --bind`). */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export interface BinaryRequirement {
  /** Also require root (private mount namespaces for the hosts file). Default true. */
  root?: boolean;
}

/**
 * What is missing for a group of tests, as one human-readable reason, or undefined if
 * everything is there.
 */
export function requirementProblem(
  names: readonly string[],
  opts: BinaryRequirement = {},
): string | undefined {
  const problems: string[] = [];
  const missing = missingBinaries(names);
  if (missing.length) problems.push(missingMessage(missing));
  if ((opts.root ?? true) && !isRoot()) problems.push('not root: these tests need unshare -m and mount --bind');
  return problems.length ? problems.join('; ') : undefined;
}

/**
 * `describe` that needs real binaries.
 *  - all present: a normal `describe`;
 *  - missing, CI set: the suite contains one failing test whose error is
 *    `missing binary X: apt-get install -y PKG` (the rest is not registered);
 *  - missing elsewhere: `describe.skipIf(true)` and a `skipping ...: missing binary ...` line on stderr.
 */
export function describeWithBinaries(
  names: readonly string[],
  title: string,
  fn: () => void,
  opts: BinaryRequirement = {},
): void {
  const problem = requirementProblem(names, opts);
  if (problem && isCI()) {
    describe(title, () => {
      it('has the binaries it needs', () => {
        throw new Error(problem);
      });
    });
    return;
  }
  if (problem) process.stderr.write(`skipping "${title}": ${problem}\n`);
  describe.skipIf(problem !== undefined)(title, fn);
}
