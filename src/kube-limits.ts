// The limits the Kubernetes API server puts on the names ddp derives (`<svc>-leaf`,
// `<svc>-router-twemproxy`, `<pipeline>-<stage>`, a sidecar's port name, ...). The schema checks
// each name the user writes; only the model knows what is built from them, so these checks run
// on it (in `expand`, for `validate` and `generate` alike). Without them an accepted topology
// could generate a StatefulSet whose pods are never created, or a CronJob the API refuses.
//
// It also holds each pod to the API server's uniqueness rules, which ddp's own additions can break:
// one name per container (containers and initContainers together), one name per volume, one
// mountPath per container (`podIsUnique`, then `podUniqueness` to say where each name comes from:
// the origin its maker recorded, model.ts Origin).
import { error, type Diagnostic } from './diagnostics.js';
import { configMapName, isYours, type Component, type Container, type Model, type Mount, type Origin, type Port, type Unit, type Volume } from './model.js';
import { dotted, dottedUnder } from './topology/schema.js';
import { cleanPath, CRONJOB_MAX, LABEL_MAX, portNameProblem, STATEFULSET_MAX } from './k8s-names.js';
import { STORAGE_VOLUME } from './patterns/naming.js';

/** Every derived name of the model checked against the Kubernetes limits. */
export function kubernetesLimits(model: Model): Diagnostic[] {
  return model.units.flatMap(unitLimits);
}

function unitLimits(unit: Unit): Diagnostic[] {
  const out: Diagnostic[] = [];
  let clashes: Clashes | undefined; // made at the first clash: most units have none
  // of the names too long, the one furthest over: shortening by that much fixes the rest
  let worst: { over: number; diagnostic: Diagnostic } | undefined;
  const tooLong = (what: string, name: string, max: number, why: string) => {
    const over = name.length - max;
    if (over <= 0 || (worst && worst.over >= over)) return;
    const owner = dotted(unit.pointer);
    worst = {
      over,
      diagnostic: error('name-too-long', `${owner} generates the ${what} \`${name}\` (${name.length} characters); Kubernetes takes at most ${max}${why}`, {
        pointer: unit.pointer,
        hint: `shorten ${owner}'s name (or the sidecar, stage or other part named in it) by ${over} character${over === 1 ? '' : 's'}`,
      }),
    };
  };
  let misnamed = false;
  const dns1035 = (what: string, name: string) => {
    if (misnamed || /^[a-z]/.test(name)) return;
    misnamed = true; // `1web`, `1web-cache`, ...: one problem, said once
    const owner = dotted(unit.pointer);
    out.push(error('bad-service-name', `${owner} generates the ${what} \`${name}\`, and its name must start with a letter (a Service name is a DNS-1035 label)`, {
      pointer: unit.pointer,
      hint: `rename ${owner} to start with a letter`,
    }));
  };
  for (const c of unit.components) {
    if (c.workload === 'None' || c.compose.only) continue; // not rendered for Kubernetes
    workloadLimits(c, tooLong);
    if (c.workload === 'KnativeService') dns1035('Knative Service', c.name); // Knative makes a Service of that name
    // the pod first: a Service publishes the pod's ports, the same name once is enough
    const reported = new Set<string>();
    portNames(unit, c, undefined, reported, out);
    if (c.service) {
      tooLong('Service', c.service.name, LABEL_MAX, '');
      dns1035('Service', c.service.name);
      portNames(unit, c, c.service, reported, out);
    }
    // (the strings are built only for a name that is too long: this runs for every container of a big topology)
    for (const v of c.pod.volumes) if (v.name.length > LABEL_MAX) tooLong(`volume (in ${c.name}'s pod)`, v.name, LABEL_MAX, '');
    for (const list of [c.pod.initContainers, c.pod.containers]) for (const x of list) if (x.name.length > LABEL_MAX) tooLong(`container (in ${c.name}'s pod)`, x.name, LABEL_MAX, '');
    if (!podIsUnique(c)) podUniqueness(unit, c, (clashes ??= new Clashes(unit)));
  }
  if (clashes) out.push(...clashes.diagnostics());
  for (const cfg of unit.configs) if (!cfg.composeOnly) tooLong('ConfigMap', configMapName(cfg), LABEL_MAX, ' (its name is its `app.kubernetes.io/name` label)');
  const claim = (unit.extra.claim as { name?: string } | undefined)?.name;
  if (claim) tooLong('PersistentVolumeClaim', claim, LABEL_MAX, ' (its name is its `app.kubernetes.io/name` label)');
  return worst ? [worst.diagnostic, ...out] : out;
}

type TooLong = (what: string, name: string, max: number, why: string) => void;

function workloadLimits(c: Component, tooLong: TooLong): void {
  switch (c.workload) {
    case 'StatefulSet':
      // (so its pods' names, and the Services named as them (model.podServiceNames), fit a DNS label)
      tooLong('StatefulSet', c.name, STATEFULSET_MAX, ': its pods carry the label `controller-revision-hash: <name>-<hash>`, and a longer name leaves them uncreated');
      break;
    case 'CronJob':
      tooLong('CronJob', c.name, CRONJOB_MAX, ' for a CronJob (the Jobs it starts add 11 characters)');
      break;
    case 'Job':
      if (c.job?.completionMode === 'Indexed' && !c.scaler) {
        // the Job controller names each pod's host `<job>-<index>`, a DNS-1123 label
        const last = `${c.name}-${c.job.completions - 1}`;
        tooLong('Indexed Job', c.name, LABEL_MAX - (last.length - c.name.length), `: the host name of its last pod, \`${last}\`, must be at most ${LABEL_MAX}`);
      } else tooLong('Job', c.name, LABEL_MAX, '');
      break;
    default:
      tooLong(c.workload === 'KnativeService' ? 'Knative Service' : c.workload, c.name, LABEL_MAX, '');
  }
}

/** Names that passed IANA_SVC_NAME: a big topology repeats a handful (main, http, metrics). */
const GOOD_PORT_NAMES = new Set<string>();

/** Port names of c's pod (or of its Service): IANA_SVC_NAME, each used once (`reported`: names already reported for the pod). */
function portNames(unit: Unit, c: Component, service: Component['service'], reported: Set<string>, out: Diagnostic[]): void {
  const seen = new Set<string>();
  const check = (p: Port) => {
    const good = GOOD_PORT_NAMES.has(p.name) || (portNameProblem(p.name) === undefined && !!GOOD_PORT_NAMES.add(p.name));
    const clash = good && seen.has(p.name);
    seen.add(p.name);
    if ((good && !clash) || reported.has(p.name)) return;
    reported.add(p.name);
    const where = service ? `the Service ${service.name}` : `${c.name}'s pod`;
    if (!good) {
      out.push(error('bad-port-name', `${dotted(unit.pointer)} gives port ${p.port} in ${where} the name \`${p.name}\`, which Kubernetes refuses: ${portNameProblem(p.name)}`, {
        pointer: unit.pointer,
        hint: "a port name is at most 15 lowercase letters, digits and single '-', with at least one letter (e.g. http, metrics, grpc-api)",
      }));
    } else {
      out.push(error('port-name-clash', `${dotted(unit.pointer)} uses the port name \`${p.name}\` twice in ${where}`, {
        pointer: unit.pointer,
        hint: 'give each port of a pod its own name',
      }));
    }
  };
  if (service) for (const p of service.ports) check(p);
  else for (const list of [c.pod.initContainers, c.pod.containers]) for (const x of list) for (const p of x.ports) check(p);
}

// ── one name per container and per volume, one mountPath per container ──────────────────────────
// The API server refuses a pod with two containers of one name (containers and initContainers
// share one namespace), two volumes of one name (ValidateVolumes) or two mounts at one mountPath
// in a container (ValidateVolumeMounts). The user's names meet ddp's here: the volumes it adds
// (`<container>-config`, `-tls`, `-logs`, `-tmp`, batch `data`), its containers (`elector`, a
// batch step's `map`), its mounts (/etc/ddp, storage at /data). The semantic checks see only what
// the user wrote; the model has both, each with the origin its maker recorded (model.ts Origin).

/** A mount path as the runtime sees it: `/data/`, `//data` and `/./data` are `/data` (src/k8s-names.ts). */
export const mountPathKey = cleanPath;

/** The fast pass over every pod: true when no container name, volume name or container mount path repeats.
 *  Builds no string: it runs for every pod of a big topology. */
function podIsUnique(c: Component): boolean {
  const { volumes, initContainers, containers } = c.pod;
  if (repeats(volumes, volumeName) || repeats(initContainers.length ? [...initContainers, ...containers] : containers, containerName)) return false;
  for (const list of [initContainers, containers]) for (const x of list) if (repeats(x.mounts, mountKey)) return false;
  return true;
}

const volumeName = (v: Volume): string => v.name;
const containerName = (x: Container): string => x.name;
const mountKey = (m: Mount): string => mountPathKey(m.path);

/** Whether two items share a key: a pod has a handful of each, compared pairwise (no Set to build) up to 8. */
function repeats<T>(items: readonly T[], key: (item: T) => string): boolean {
  const n = items.length;
  if (n < 2) return false;
  if (n <= 8) {
    for (let i = 1; i < n; i++) {
      const k = key(items[i]);
      for (let j = 0; j < i; j++) if (key(items[j]) === k) return true;
    }
    return false;
  }
  const seen = new Set<string>();
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) return true;
    seen.add(k);
  }
  return false;
}

/** What a message says of one side of a clash: its origin, in the user's terms. */
interface Said {
  text: string;
  /** the user's field behind it (a volume key, a sidecar, a mount, storage.path) */
  at?: string;
  /** 2: the user wrote this very thing (a volume, a sidecar, a mount); 1: a field of theirs steers it (storage.path); 0: ddp's */
  rank: 0 | 1 | 2;
  /** how to resolve the clash from this side */
  fix?: string;
}

/** The clashes of one unit: the same clash in several of its pods (a batch's map and reduce Jobs, hot shards) is said once. */
class Clashes {
  private readonly found = new Map<string, { pods: string[]; make: (where: string, each: string) => Diagnostic }>();
  constructor(readonly unit: Unit) {}

  add(key: string, pod: string, make: (where: string, each: string) => Diagnostic): void {
    const seen = this.found.get(key);
    if (seen) seen.pods.push(pod);
    else this.found.set(key, { pods: [pod], make });
  }

  diagnostics(): Diagnostic[] {
    const owner = dotted(this.unit.pointer);
    return [...this.found.values()].map(({ pods, make }) => {
      if (pods.length === 1) return make(pods[0] === this.unit.name ? `${owner}'s pod` : `${owner}'s pod ${pods[0]}`, '');
      const named = pods.length <= 3 ? pods : [...pods.slice(0, 2), `${pods.length - 2} others`];
      return make(`${owner}'s pods ${named.slice(0, -1).join(', ')} and ${named[named.length - 1]}`, 'each ');
    });
  }
}

const COUNT = ['', 'one', 'two', 'three', 'four'];
const count = (n: number): string => COUNT[n] ?? String(n);
const joinAnd = (texts: string[]): string => (texts.length <= 2 ? texts.join(' and ') : `${texts.slice(0, -1).join(', ')} and ${texts[texts.length - 1]}`);
const byRank = (a: Said, b: Said): number => b.rank - a.rank;

/** The side to point at: the user's own item before a field that steers ddp; of two alike, the later (the repeat). */
function pointed(said: Said[]): Said | undefined {
  let best: Said | undefined;
  for (const s of said) if (s.at !== undefined && (!best || s.rank >= best.rank)) best = s;
  return best;
}

/** The items that share a key with another, grouped by it in the order of each group's first. */
function repeated<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  for (const [k, group] of groups) if (group.length < 2) groups.delete(k);
  return groups;
}

/** The slow pass, for a pod the fast one found a repeat in: what clashes, and where each comes from. */
function podUniqueness(unit: Unit, c: Component, clashes: Clashes): void {
  const all = [...c.pod.initContainers, ...c.pod.containers];
  for (const [name, xs] of repeated(all, containerName)) {
    const said = xs.map((x) => containerSaid(unit, x)).sort(byRank);
    const target = pointed(said);
    const texts = said.map((s) => s.text);
    const others = said.filter((s) => s !== target).map((s) => s.text);
    clashes.add(`container\0${name}\0${texts.join('\0')}`, c.name, (where, each) =>
      error('duplicate-name', `${where} would ${each}have ${count(xs.length)} containers named \`${name}\`: ${joinAnd(texts)}`, {
        pointer: target?.at ?? unit.pointer,
        hint: target?.fix ? `${target.fix}: ${joinAnd(others)} ${others.length === 1 ? 'has' : 'have'} that name` : 'give each container of a pod its own name',
      }),
    );
  }
  for (const [name, vs] of repeated(c.pod.volumes, volumeName)) {
    const said = vs.map((v) => volumeSaid(unit, v)).sort(byRank);
    const target = pointed(said);
    const texts = said.map((s) => s.text);
    clashes.add(`volume\0${name}\0${texts.join('\0')}`, c.name, (where, each) =>
      error('name-collision', `${where} would ${each}have ${count(vs.length)} volumes named \`${name}\`: ${joinAnd(texts)}`, {
        pointer: target?.at ?? unit.pointer,
        hint: target?.fix ?? 'rename the sidecar, ambassador or adapter whose name the volume is built from',
      }),
    );
  }
  // mount paths, container by container
  for (const x of all) {
    for (const [path, ms] of repeated(x.mounts, mountKey)) {
      const said = ms.map((m) => mountSaid(unit, m));
      const target = pointed(said);
      const texts = said.map((s) => s.text);
      const written = [...new Set(ms.map((m) => m.path))];
      const shown = written.length === 1 ? `\`${path}\`` : `\`${path}\` (written ${joinAnd(written.map((p) => `\`${p}\``))})`;
      const fix = said.find((s) => s.fix)?.fix;
      const holder = isYours(x.origin) ? `your ${x.origin.kind ?? 'container'} \`${x.name}\`` : `container \`${x.name}\``;
      clashes.add(`mount\0${x.name}\0${path}\0${texts.join('\0')}`, c.name, (where, each) =>
        error('mount-path-clash', `${where} would ${each}mount ${count(ms.length)} volumes at ${shown} in ${holder}: ${joinAnd(texts)}`, {
          pointer: target?.at ?? unit.pointer,
          hint: fix ?? 'give each mount of a container its own path',
        }),
      );
    }
  }
}

/** ddp's side of a clash, as its maker named it (`fallback` when it did not). */
const ddps = (o: Origin | undefined, fallback: string): Said =>
  o && 'addedBy' in o ? { text: o.addedBy, at: o.steeredBy, rank: o.steeredBy ? 1 : 0, fix: o.fix } : { text: fallback, rank: 0 };

function containerSaid(unit: Unit, x: Container): Said {
  const o = x.origin;
  if (!isYours(o)) return ddps(o, `the container \`${x.name}\` ddp adds`);
  const kind = o.kind ?? 'container';
  const where = dottedUnder(unit.pointer, o.yours);
  return { text: `your ${kind} (${where})`, at: `${o.yours}/name`, rank: 2, fix: `rename your ${kind} \`${x.name}\` (${where})` };
}

function volumeSaid(unit: Unit, v: Volume): Said {
  const o = v.origin;
  if (!isYours(o)) return ddps(o, `the volume \`${v.name}\` ddp adds`);
  const fix = `rename your volume \`${v.name}\` and its mounts: ddp names the volumes it adds \`<container>-config\`, \`-tls\`, \`-logs\` and \`-tmp\`, and \`${STORAGE_VOLUME}\``;
  return { text: `yours (${dottedUnder(unit.pointer, o.yours)})`, at: o.yours, rank: 2, fix };
}

function mountSaid(unit: Unit, m: Mount): Said {
  const o = m.origin;
  if (!isYours(o)) return ddps(o, `\`${m.volume}\``);
  return { text: `\`${m.volume}\` (your ${dottedUnder(unit.pointer, o.yours)})`, at: `${o.yours}/path`, rank: 2 };
}
