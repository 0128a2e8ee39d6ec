// A `proxy` ambassador's upstream outside the cluster (a managed database, a payments API) moves
// by DNS: a failover points its name at another address. nginx resolves a `server` name of an
// `upstream` block once, when it loads its config, and then sent every connection to the old
// address until the pod was restarted. So for such a host the config names it in a variable
// (`proxy_pass $ddp_upstream`), which nginx resolves per request or connection with its own
// resolver, each answer kept at most RESOLVER_VALID.
//
// nginx's resolver needs the nameserver's address (it does not read /etc/resolv.conf, nor its
// search path), and that differs per cluster (kube-dns's ClusterIP) and in compose (Docker's
// 127.0.0.11). So the container starts with a shell (startup.ts) that writes the `resolver` line from the
// pod's /etc/resolv.conf into resolverFile() (its scratch dir: the one writable path of a root filesystem
// that is read-only) and then execs nginx. `upstream ... server NAME resolve` (nginx 1.27.3 OSS)
// keeps upstream keepalive and would need no variable, but the nginx the tests run (1.22) lacks it.
//
// A Service keeps its address as long as it exists: a name of the cluster keeps the static config
// (resolved once through the search path, which nginx's resolver would not use).

/** Where the start-up shell writes the `resolver` line the config includes: in the container's scratch directory. */
export const resolverFile = (scratch: string): string => `${scratch}/ddp-resolver.conf`;
/** How long nginx keeps an answer, whatever its TTL (`valid=` replaces the TTL): how soon a
 *  DNS change reaches new connections. */
export const RESOLVER_VALID = '10s';
/** How long nginx waits for an answer before it fails the request (502) or the connection. */
export const RESOLVER_TIMEOUT = '5s';

/**
 * Whether nginx should resolve `host` per request (a name outside the cluster) rather than once
 * at start. Not an IPv4 address (nothing to resolve), not a one-label name (a Service of the
 * topology -- `web`, `web-cache`, `carts-router` -- or another name of the cluster or compose
 * project: only the search path finds it), not two labels (`<service>.<namespace>`, of any
 * namespace: only the search path finds that too, and it worked before; an outside name of two
 * labels, `example.com`, is resolved once as before), not `<service>.<namespace>.svc[.<cluster
 * domain>]`: a Service's address lasts.
 */
export function resolvesPerRequest(host: string): boolean {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return false;
  const labels = host.toLowerCase().split('.');
  if (labels.length <= 2) return false;
  return labels[2] !== 'svc';
}

/**
 * The step of the start-up shell (startup.ts: `sh -c SCRIPT ddp-start nginx -c FILE`) that writes
 * the resolver line: every `nameserver` of /etc/resolv.conf, an IPv6 one in brackets, one with a
 * zone (`fe80::1%eth0`, which nginx refuses) left out; none at all stops the container with a
 * message that says why. POSIX sh: busybox's in the nginx image, dash in the tests.
 */
export function resolverStep(host: string, file: string): string {
  return [
    'ns=',
    'while read -r key addr rest || [ -n "$key" ]; do case "$key:$addr" in nameserver:*%*|nameserver:) ;; nameserver:*:*) ns="$ns [$addr]" ;; nameserver:*) ns="$ns $addr" ;; esac; done < /etc/resolv.conf',
    `[ -n "$ns" ] || { echo "$0: no nameserver in /etc/resolv.conf: nginx cannot resolve ${host}" >&2; exit 1; }`,
    `echo "resolver$ns valid=${RESOLVER_VALID};" > ${file} || exit 1`,
  ].join('; ');
}
