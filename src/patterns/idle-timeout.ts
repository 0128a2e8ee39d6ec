// How long a long-lived connection stays open through a proxy ddp runs with no byte either way:
// a connection upgrade (WebSocket), an event stream (`Accept: text/event-stream`), and every
// connection of a tcp proxy (nginx `stream`). A service's `idleTimeout` (default 1h) is what its
// own proxies use -- TLS layer, cache layer, router, TLS sidecar, compose load balancer -- and the
// split and shard-router ambassadors that reach it; a proxy ambassador has its own.
//  - nginx (http): the location `@long_lived` (templates/nginx/_partials/locations.hbs) sets
//    proxy_read_timeout and proxy_send_timeout to it; any other request keeps nginx's 60s.
//  - nginx (stream): proxy_timeout.
//  - varnish pipes a long-lived request: `varnishd -p pipe_timeout=<seconds>` (7.1 has no
//    per-request pipe timeout in VCL), on the command line Kubernetes and compose both run.
import { durationMs } from '../quantity.js';

export const DEFAULT_IDLE_TIMEOUT = '1h';
/** Shorter than a second, a WebSocket would close between a ping and its pong. */
export const MIN_IDLE_TIMEOUT_MS = 1000;
/** Longer than a day, a client gone without a word (a phone off the network, no FIN) holds a
 *  connection -- and in varnish a worker thread -- for days: a client that idles longer pings. */
export const MAX_IDLE_TIMEOUT_MS = 24 * 3600 * 1000;

export const idleTimeoutOf = (x: { idleTimeout?: string } | undefined): string => x?.idleTimeout ?? DEFAULT_IDLE_TIMEOUT;

/** The longest of several (one nginx location reaches all of a split ambassador's routes). */
export function longestIdleTimeout(timeouts: readonly string[]): string {
  return timeouts.reduce((a, b) => (durationMs(b) > durationMs(a) ? b : a), timeouts[0] ?? DEFAULT_IDLE_TIMEOUT);
}

/** varnishd's `-p pipe_timeout=<seconds>`: how long a piped connection (an upgrade, an event
 *  stream) lives with no byte either way -- 60s unless told. Plain seconds: every varnishd reads them. */
export function pipeTimeoutArgs(timeout: string): string[] {
  return ['-p', `pipe_timeout=${durationMs(timeout) / 1000}`];
}
