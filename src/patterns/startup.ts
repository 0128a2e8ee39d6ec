// How ddp's proxies start: one POSIX shell in front of the proxy (`sh -c SCRIPT ddp-start PROXY
// ARGS...`) that prepares what only the container knows, then execs the proxy. Its steps:
//  - listenStep: every nginx listener answers on IPv6 too, where the container has IPv6;
//  - varnishListenStep: the same for a loopback varnishd (an ambassador);
//  - resolverStep (upstream-dns.ts): the `resolver` line from /etc/resolv.conf.
//
// Why a shell and not a fixed `listen [::]:PORT`: a Service of an IPv6-only cluster, or of a
// dual-stack one whose first family is IPv6, reaches the pod over IPv6, and an app that dials
// `localhost` may try ::1 first (kubelet's /etc/hosts maps localhost to both; Node 17-19 take the
// resolver's order and do not fall back) -- so an IPv4-only listener refuses them. But where a pod
// has no IPv6 (a node booted with ipv6.disable=1, a CNI that sets disable_ipv6 in pods) nginx stops
// at a listen it cannot bind: `[::1]:PORT` is "Cannot assign requested address", `[::]:PORT` on a
// kernel without IPv6 "Address family not supported". Which case a pod is in is known only when it
// starts: the kernel lists the pod's IPv6 addresses in /proc/net/if_inet6 (the file the official
// nginx image's entrypoint reads too) -- none, or no file, when it has none.
//
// nginx's part: each listener stays `listen 8443 ssl;` in the config, followed by
// `include <scratch>/ddp-listen-8443.con[f];`, which the shell writes before nginx starts, holding
// `listen [::]:8443 ssl;` (`[::1]` for a loopback listener) or nothing. The `[f]` makes the name a
// pattern, and nginx takes a pattern that matches no file as an empty include: without the shell
// (`nginx -t` in CI, an image of yours run with its own command) the config runs IPv4-only, as it
// did. The file lives in the container's scratch directory, the one writable path of a read-only
// root filesystem (/var/tmp in a Knative pod).
import { DEFAULT_SCRATCH, type ConfigFile } from '../model.js';
import { CONFIG_DIR } from '../images.js';

/** `$0` of the start-up shell: the name its messages start with. */
export const START_SCRIPT_NAME = 'ddp-start';

/** The kernel's list of the container's IPv6 addresses (32 hex digits, then index, prefix, scope, flags, interface). */
export const IF_INET6 = '/proc/net/if_inet6';
/** ::1 as /proc/net/if_inet6 writes it. */
const LOOPBACK6 = '00000000000000000000000000000001';

/** One address:port an nginx server block listens on: every address (a Service's port) or the
 *  loopback one (an ambassador: nothing outside the pod reaches it). `params` follow the address
 *  (`ssl`, `udp reuseport`). */
export interface Listener {
  port: number;
  loopback?: boolean;
  params?: string;
}

/** A listener as a config says it: its IPv4 `listen` address, the IPv6 one the shell adds where
 *  the container has IPv6, and the include file (under the scratch directory, no extension). */
export interface Bind {
  ipv4: string;
  ipv6: string;
  /** ` ssl`, ` udp reuseport`, or empty: what follows the address in both `listen` lines. */
  params: string;
  file: string;
  loopback: boolean;
}

/** `{ port: 8443, params: 'ssl' }` → `listen 8443 ssl;` and, with IPv6, `listen [::]:8443 ssl;`. */
export function bind(l: Listener): Bind {
  const udp = /\budp\b/.test(l.params ?? '');
  return {
    ipv4: l.loopback ? `127.0.0.1:${l.port}` : String(l.port),
    ipv6: `${l.loopback ? '[::1]' : '[::]'}:${l.port}`,
    params: l.params ? ` ${l.params}` : '',
    file: `ddp-listen-${l.port}${udp ? '-udp' : ''}`, // a port may serve TCP and UDP: two files
    loopback: l.loopback ?? false,
  };
}

/** The include line of a config (a pattern: no file, no listener) and the file the shell writes. */
export const listenInclude = (scratch: string, b: Bind): string => `${scratch}/${b.file}.con[f]`;
export const listenFile = (scratch: string, b: Bind): string => `${scratch}/${b.file}.conf`;

/** The shell's test for IPv6: ::1 for a loopback listener, any address for a wildcard one. */
export const hasIpv6 = (loopback: boolean): string => `grep -q ${loopback ? `'^${LOOPBACK6} '` : '.'} ${IF_INET6} 2>/dev/null`;

/** Writes the IPv6 `listen` line of `b`, or an empty file, into the scratch directory; a file it
 *  cannot write stops the container (the shell has said why). */
export function listenStep(scratch: string, b: Bind): string {
  return `if ${hasIpv6(b.loopback)}; then echo 'listen ${b.ipv6}${b.params};'; fi > ${listenFile(scratch, b)} || exit 1`;
}

/** varnishd takes several `-a`: a loopback one gains `-a [::1]:PORT` where the container has ::1.
 *  (`-a localhost:PORT` binds both where both exist, but stops varnishd where ::1 does not.) */
export function varnishListenStep(port: number): string {
  return `if ${hasIpv6(true)}; then set -- "$@" -a '[::1]:${port}'; fi`;
}

/** The container's command and args: the shell with `steps`, then `exec` of `argv` (args, so a
 *  reader sees the proxy's own command line as it was). */
export function startCommand(steps: readonly string[], argv: readonly string[]): { command: string[]; args: string[] } {
  return { command: ['sh', '-c', [...steps, 'exec "$@"'].join('; '), START_SCRIPT_NAME], args: [...argv] };
}

/** The steps that write an nginx config's listen includes, in its scratch directory. */
export const listenSteps = (binds: readonly Bind[] | undefined, scratch = DEFAULT_SCRATCH): string[] => (binds ?? []).map((b) => listenStep(scratch, b));

/** How an nginx container starts: the shell that writes its listen includes (after `before`, e.g.
 *  the resolver step), then `nginx -c /etc/ddp/<key>`. */
export function nginxStart(config: Pick<ConfigFile, 'key' | 'binds' | 'scratch'>, before: readonly string[] = []): { command: string[]; args: string[] } {
  return startCommand([...before, ...listenSteps(config.binds, config.scratch ?? DEFAULT_SCRATCH)], ['nginx', '-c', `${CONFIG_DIR}/${config.key}`]);
}
