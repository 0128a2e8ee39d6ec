// Name limits of the Kubernetes API server and its controllers, beyond what the OpenAPI schema
// says: shared by validate (src/kube-limits.ts, on the names ddp builds) and lint
// (src/lint/kubernetes-schema.ts, on any manifest). A module of its own, free of imports, so
// that lint's chunk does not pull in the topology validator.

/** A label value (every generated name is one: `app.kubernetes.io/name`) and a DNS-1123 label. */
export const LABEL_MAX = 63;
/** StatefulSet pods carry `controller-revision-hash: <name>-<10-char hash>`, a label value (kubernetes#64023). */
export const STATEFULSET_MAX = 52;
/** The API server's own limit: the Jobs a CronJob starts are `<name>-<11-digit time>` (ValidateCronJobCreate). */
export const CRONJOB_MAX = 52;

/** A container or Service port name (apimachinery IsValidPortName): at most 15 lowercase letters,
 *  digits and '-', at least one letter, no '--', a letter or digit at both ends. */
export const IANA_SVC_NAME = /^(?=.{1,15}$)(?=[-a-z0-9]*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why `name` is not a valid container/Service port name (IANA_SVC_NAME), or undefined. */
export function portNameProblem(name: string): string | undefined {
  if (IANA_SVC_NAME.test(name)) return undefined;
  if (name.length > 15) return `it is ${name.length} characters (at most 15)`;
  if (!/[a-z]/.test(name)) return 'it has no letter';
  if (name.includes('--')) return "it has '--'";
  return "only lowercase letters, digits and '-' between them";
}

/** What the API server refuses in an Ingress path of pathType Prefix or Exact
 *  (pkg/apis/networking/validation: invalidPathSequences, invalidPathSuffixes). */
export const INGRESS_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
export const INGRESS_PATH_SUFFIXES = ['/..', '/.'];

/**
 * Go's path.Clean: a path as the container runtime and Knative's webhook compare mount paths --
 * `/data/`, `//data`, `/./data` and `/x/../data` are `/data`. Mostly called on paths with nothing
 * to clean: those come back as they are, without a string built.
 */
export function cleanPath(p: string): string {
  if (p.startsWith('/') && !/\/[/.]|.\/$/.test(p)) return p;
  const abs = p.startsWith('/');
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg !== '..') parts.push(seg);
    else if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else if (!abs) parts.push('..');
  }
  const joined = parts.join('/');
  return abs ? `/${joined}` : joined || '.';
}

/** A proxy ambassador's `upstream`, host:port (the schema's pattern holds it), split at its last colon. */
export function splitUpstream(upstream: string): { host: string; port: number } {
  const i = upstream.lastIndexOf(':');
  return { host: upstream.slice(0, i), port: Number(upstream.slice(i + 1)) };
}
