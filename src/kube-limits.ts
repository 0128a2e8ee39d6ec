// The limits the Kubernetes API server puts on the names ddp derives (`<svc>-leaf`,
// `<svc>-router-twemproxy`, `<pipeline>-<stage>`, a sidecar's port name, ...). The schema checks
// each name the user writes; only the model knows what is built from them, so these checks run
// on it (in `expand`, for `validate` and `generate` alike). Without them an accepted topology
// could generate a StatefulSet whose pods are never created, or a CronJob the API refuses.
//
// It also holds each pod to the API server's uniqueness rules, which ddp's own additions can break:
// one name per container (containers and initContainers together), one name per volume, one
// mountPath per container (`podIsUnique`, then `podUniqueness` to say where each name comes from).
import { error, type Diagnostic } from './diagnostics.js';
import { configMapName, type Component, type Container, type Model, type Mount, type Port, type Unit, type Volume } from './model.js';
import { dotted } from './topology/schema.js';
import { cleanPath, CRONJOB_MAX, LABEL_MAX, portNameProblem, STATEFULSET_MAX } from './k8s-names.js';
import { ELECTOR_CONTAINER, STORAGE_VOLUME } from './patterns/naming.js';
import { CONFIG_DIR } from './images.js';

/** Every derived name of the model checked against the Kubernetes limits. */
export function kubernetesLimits(model: Model): Diagnostic[] {
  return model.units.flatMap((unit) => unitLimits(unit, model.notes));
}

function unitLimits(unit: Unit, notes: readonly Diagnostic[]): Diagnostic[] {
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
    if (!podIsUnique(c)) podUniqueness(unit, c, (clashes ??= new Clashes(unit, notes)));
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
// the user wrote; the model has both.


/** A mount path as the runtime sees it: `/data/`, `//data` and `/./data` are `/data` (src/k8s-names.ts). */
export const mountPathKey = cleanPath;

/** The fast pass over every pod: true when no container name, volume name or container mount path repeats,
 *  and no mount of yours reaches a volume of ddp's. Builds no string: it runs for every pod of a big topology. */
function podIsUnique(c: Component): boolean {
  const { volumes, initContainers, containers } = c.pod;
  if (repeats(volumes, volumeName) || repeats(initContainers.length ? [...initContainers, ...containers] : containers, containerName)) return false;
  for (const list of [initContainers, containers]) {
    for (const x of list) {
      if (repeats(x.mounts, mountKey)) return false;
      if (x.role === 'main' || x.role === 'sidecar') for (const m of x.mounts) if (swallowed(c, x, m)) return false;
    }
  }
  return true;
}

/**
 * A mount of yours that reaches ddp's config or TLS volume: your volume of that name never made it
 * into the pod. A sidecar's volume joins the pod only if no volume of its name is there yet
 * (scatter-gather's root has only the volumes it mounts), so a TLS sidecar listed before it
 * takes the name, and the sidecar would mount nginx's config in place of your volume.
 */
function swallowed(c: Component, x: Container, m: Mount): boolean {
  if (!(m.volume.endsWith('-config') || m.volume.endsWith('-tls')) || (x.role === 'sidecar' && attachmentKind(x) !== 'sidecar')) return false;
  const v = c.pod.volumes.find((w) => w.name === m.volume);
  return !!(v?.configFile || v?.secret);
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

/** Where a clashing name or path comes from, in the user's terms. */
interface Origin {
  text: string;
  /** the user's field behind it (a volume key, a sidecar, a mount, storage.path) */
  at?: string;
  /** 2: the user wrote this very thing (a volume, a sidecar, a mount); 1: a field of theirs steers it (storage.path) */
  rank?: 1 | 2;
  /** how to resolve the clash from this side */
  fix?: string;
}

/** The clashes of one unit: the same clash in several of its pods (a batch's map and reduce Jobs, hot shards) is said once. */
class Clashes {
  private readonly found = new Map<string, { pods: string[]; make: (where: string, each: string) => Diagnostic }>();
  constructor(
    readonly unit: Unit,
    readonly notes: readonly Diagnostic[],
  ) {}

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

/** The origin to point at: the user's own item before a field that steers ddp; of two alike, the later (the repeat). */
function pointed(origins: Origin[]): Origin | undefined {
  let best: Origin | undefined;
  for (const o of origins) if (o.at !== undefined && (!best || (o.rank ?? 0) >= (best.rank ?? 0))) best = o;
  return best;
}

/** The slow pass, for a pod the fast one found a repeat in: what clashes, and where each comes from. */
function podUniqueness(unit: Unit, c: Component, clashes: Clashes): void {
  const { notes } = clashes;
  // containers
  const byName = new Map<string, Container[]>();
  for (const list of [c.pod.initContainers, c.pod.containers]) for (const x of list) byName.set(x.name, [...(byName.get(x.name) ?? []), x]);
  for (const [name, xs] of byName) {
    if (xs.length < 2) continue;
    const origins = xs.map((x) => containerOrigin(unit, c, x, notes)).sort((a, b) => (b.rank ?? 0) - (a.rank ?? 0));
    const target = pointed(origins);
    const others = origins.filter((o) => o !== target).map((o) => o.text);
    clashes.add(`container\0${name}\0${origins.map((o) => o.text).join('\0')}`, c.name, (where, each) =>
      error('duplicate-name', `${where} would ${each}have ${count(xs.length)} containers named \`${name}\`: ${joinAnd(origins.map((o) => o.text))}`, {
        pointer: target?.at ?? unit.pointer,
        hint: target?.fix ? `${target.fix}: ${joinAnd(others)} ${others.length === 1 ? 'has' : 'have'} that name` : 'give each container of a pod its own name',
      }),
    );
  }
  // volumes
  const volumes = new Map<string, Volume[]>();
  for (const v of c.pod.volumes) volumes.set(v.name, [...(volumes.get(v.name) ?? []), v]);
  for (const [name, vs] of volumes) {
    if (vs.length < 2) continue;
    const origins = volumeOrigins(unit, c, name, vs);
    const target = pointed(origins);
    clashes.add(`volume\0${name}\0${origins.map((o) => o.text).join('\0')}`, c.name, (where, each) =>
      error('name-collision', `${where} would ${each}have ${count(vs.length)} volumes named \`${name}\`: ${joinAnd(origins.map((o) => o.text))}`, {
        pointer: target?.at ?? unit.pointer,
        hint: target?.fix ?? 'rename the sidecar, ambassador or adapter whose name the volume is built from',
      }),
    );
  }
  // a volume of yours that one of ddp's took the place of (see `swallowed`)
  for (const list of [c.pod.initContainers, c.pod.containers]) {
    for (const x of list) {
      if (x.role !== 'main' && x.role !== 'sidecar') continue;
      x.mounts.forEach((m, i) => {
        if (!swallowed(c, x, m) || !unit.pointer.startsWith('/services/')) return;
        const [yours, ddp] = volumeOrigins(unit, c, m.volume, [{ name: m.volume, emptyDir: {} }, c.pod.volumes.find((v) => v.name === m.volume)!]);
        const at = userMountPointer(unit, c, x, i, notes);
        const by = `${x.role === 'main' ? `container \`${x.name}\`` : `your sidecar \`${x.name}\``} would mount it at ${m.path}${at ? ` (${relative(unit, at)})` : ''}`;
        clashes.add(`swallowed\0${m.volume}\0${ddp.text}\0${by}`, c.name, (where, each) =>
          error('name-collision', `${where} would ${each}have two volumes named \`${m.volume}\`, ${yours.text} and ${ddp.text}, and keeps only the latter: ${by}`, {
            pointer: yours.at,
            hint: yours.fix,
          }),
        );
      });
    }
  }
  // mount paths, container by container
  for (const list of [c.pod.initContainers, c.pod.containers]) {
    for (const x of list) {
      if (x.mounts.length < 2) continue;
      const byPath = new Map<string, number[]>();
      x.mounts.forEach((m, i) => {
        const p = mountPathKey(m.path);
        byPath.set(p, [...(byPath.get(p) ?? []), i]);
      });
      for (const [path, at] of byPath) {
        if (at.length < 2) continue;
        const origins = at.map((i) => mountOrigin(unit, c, x, i, notes));
        const target = pointed(origins);
        const written = [...new Set(at.map((i) => x.mounts[i].path))];
        const shown = written.length === 1 ? `\`${path}\`` : `\`${path}\` (written ${joinAnd(written.map((p) => `\`${p}\``))})`;
        const fix = origins.find((o) => o.fix)?.fix;
        const kind = attachmentKind(x);
        const holder = kind ? `your ${kind} \`${x.name}\`` : `container \`${x.name}\``;
        clashes.add(`mount\0${x.name}\0${path}\0${origins.map((o) => o.text).join('\0')}`, c.name, (where, each) =>
          error('mount-path-clash', `${where} would ${each}mount ${count(at.length)} volumes at ${shown} in ${holder}: ${joinAnd(origins.map((o) => o.text))}`, {
            pointer: target?.at ?? unit.pointer,
            hint: fix ?? 'give each mount of a container its own path',
          }),
        );
      }
    }
  }
}

const isElector = (x: Container): boolean => x.kubernetesOnly === true && x.role === 'sidecar' && x.name === ELECTOR_CONTAINER;
/** A proxy or agent ddp configures (TLS sidecar, ambassador, logging adapter) mounts `<name>-config` at /etc/ddp. */
const configured = (x: Container): boolean => x.mounts.some((m) => m.volume === `${x.name}-config` && m.path === CONFIG_DIR);

/** What the user calls an attached container: `sidecar`, `TLS sidecar`, `ambassador`, ...; undefined for the main container and ddp's own. */
function attachmentKind(x: Container): string | undefined {
  switch (x.role) {
    case 'sidecar':
      return isElector(x) ? undefined : configured(x) ? 'TLS sidecar' : 'sidecar';
    case 'ambassador':
      return 'ambassador';
    case 'adapter':
      return configured(x) ? 'logging adapter' : 'prometheus adapter';
    default:
      return undefined;
  }
}

const LISTS: Partial<Record<Container['role'], string>> = { sidecar: 'sidecars', ambassador: 'ambassadors', adapter: 'adapters' };

/**
 * The pointer of the sidecar, ambassador or adapter `x` came from (`/services/web/sidecars/2`),
 * or of its list when the model no longer tells its place: they are attached in the order
 * written, but a native sidecar goes to initContainers and the others to containers, and one
 * that failed (a TLS sidecar with nothing to proxy to) was never attached.
 */
function attachmentPointer(unit: Unit, c: Component, x: Container, notes: readonly Diagnostic[]): string {
  const key = LISTS[x.role]!;
  const listPtr = `${unit.pointer}/${key}`;
  const same = (y: Container) => y.role === x.role && !isElector(y);
  const inInit = c.pod.initContainers.includes(x);
  if ((inInit ? c.pod.containers : c.pod.initContainers).some(same)) return listPtr;
  if (notes.some((n) => n.severity === 'error' && n.pointer?.startsWith(`${listPtr}/`))) return listPtr;
  return `${listPtr}/${(inInit ? c.pod.initContainers : c.pod.containers).filter(same).indexOf(x)}`;
}

/** Where the main container's spec is written: the service itself, or its `map`, `reduce`, `root`, `leaves`, `worker` or stage. */
function mainSpecPointer(unit: Unit, c: Component, x: Container): string {
  if (c.role === 'pipeline-stage') return `${unit.pointer}/stages/${x.name}`;
  const key = ({ map: 'map', reduce: 'reduce', root: 'root', leaf: 'leaves', worker: 'worker' } as Record<string, string>)[c.role];
  return key ? `${unit.pointer}/${key}` : unit.pointer;
}

/** `sidecars[0]`, `map.mounts[1]`: a pointer relative to the unit, for a message that names the unit already. */
const relative = (unit: Unit, ptr: string): string => dotted(ptr).slice(dotted(unit.pointer).length + 1);

function containerOrigin(unit: Unit, c: Component, x: Container, notes: readonly Diagnostic[]): Origin {
  const kind = attachmentKind(x);
  if (kind) {
    const at = attachmentPointer(unit, c, x, notes);
    const listed = at.endsWith(`/${LISTS[x.role]}`); // its place is not known: the list
    const named = listed ? '' : ` (${relative(unit, at)})`;
    return { text: `your ${kind}${named}`, at: listed ? at : `${at}/name`, rank: 2, fix: `rename your ${kind} \`${x.name}\`${named}` };
  }
  if (isElector(x)) return { text: 'the leader elector that `election` adds' };
  if (x.role === 'main') {
    const step = ({ map: "the map step's own container", reduce: "the reduce step's own container", root: "the root's own container", leaf: "the leaves' own container", worker: 'the worker container', 'pipeline-stage': "the stage's container" } as Record<string, string>)[c.role];
    return { text: step ?? 'the main container' };
  }
  return { text: `the container \`${x.name}\` ddp adds` };
}

function volumeOrigins(unit: Unit, c: Component, name: string, vs: Volume[]): Origin[] {
  const containerNamed = (n: string) => c.pod.containers.find((x) => x.name === n) ?? c.pod.initContainers.find((x) => x.name === n);
  const of = (suffix: string): string => {
    const x = name.endsWith(suffix) ? containerNamed(name.slice(0, -suffix.length)) : undefined;
    const kind = x && attachmentKind(x);
    return x ? `the ${kind ?? 'container'} ${x.name}'s ` : '';
  };
  // an emptyDir or persistent volume is the user's, or one ddp made by that name: its scratch
  // space (flow.addScratchVolumes), a logging adapter's log volume, sharded storage
  const made: string[] = [];
  const scratchPath = c.scratchPath ?? '/tmp';
  for (const x of [...c.pod.initContainers, ...c.pod.containers]) {
    const last = x.mounts[x.mounts.length - 1];
    if (last?.volume === name && last.path === scratchPath && name.endsWith('-tmp')) made.push(`the scratch space ddp mounts at ${scratchPath} in ${x.name}`);
    if (x.role === 'adapter' && name === `${x.name}-logs` && x.mounts.some((m) => m.volume === name)) made.push(`the logging adapter ${x.name}'s log volume`);
  }
  if (name === STORAGE_VOLUME && c.statefulSet && c.role === 'shard') made.push('the storage volume (`storage`)');
  const ddp: Origin[] = [];
  let yours = 0;
  for (const v of vs) {
    if (v.configFile) ddp.push({ text: `${of('-config') || "ddp's "}config` });
    else if (v.secret) ddp.push({ text: `${of('-tls') || 'the '}TLS certificates` });
    else if (v.claim) ddp.push({ text: `the batch storage (the claim ${v.claim.claimName})` });
    else if (made.length) ddp.push({ text: made.shift()! });
    else yours++;
  }
  if (!yours || !unit.pointer.startsWith('/services/')) return ddp;
  const at = `${unit.pointer}/volumes/${name}`;
  return [
    {
      text: `yours (${relative(unit, at)})`,
      at,
      rank: 2,
      fix: `rename your volume \`${name}\` and its mounts: ddp names the volumes it adds \`<container>-config\`, \`-tls\`, \`-logs\` and \`-tmp\`, and \`${STORAGE_VOLUME}\``,
    },
    ...ddp,
  ];
}

/** The pointer of mount i of your main container or sidecar x (yours come first, ddp's follow); undefined when the sidecar's place is not known. */
function userMountPointer(unit: Unit, c: Component, x: Container, i: number, notes: readonly Diagnostic[]): string | undefined {
  if (x.role === 'main') return `${mainSpecPointer(unit, c, x)}/mounts/${i}`;
  const at = attachmentPointer(unit, c, x, notes);
  return at.endsWith('/sidecars') ? undefined : `${at}/mounts/${i}`;
}

function mountOrigin(unit: Unit, c: Component, x: Container, i: number, notes: readonly Diagnostic[]): Origin {
  const m: Mount = x.mounts[i];
  const vol = `\`${m.volume}\``;
  const scratch = (j: number) => j === x.mounts.length - 1 && x.mounts[j].path === (c.scratchPath ?? '/tmp') && x.mounts[j].volume.endsWith('-tmp');
  if (scratch(i)) return { text: `the scratch space ddp mounts at ${m.path}` };
  const kind = attachmentKind(x);
  if (x.role === 'main') {
    // after yours, ddp's: storage (batch; sharded `storage`), the logging adapters' log volumes, the scratch space
    const logs = (n: Mount) => [...c.pod.containers, ...c.pod.initContainers].find((a) => a.role === 'adapter' && n.volume === `${a.name}-logs` && a.mounts.some((o) => o.volume === n.volume));
    let last = x.mounts.length - 1;
    while (last >= 0 && (scratch(last) || logs(x.mounts[last]))) last--;
    // (a sharded service's own volume `data`, mounted last, is told from `storage` by nothing in the model: said as storage)
    if (i === last && m.volume === STORAGE_VOLUME && (c.role === 'map' || c.role === 'reduce' || (c.role === 'shard' && c.statefulSet))) {
      return { text: `the storage volume ${vol} (storage.path, by default /data)`, at: `${unit.pointer}/storage/path`, rank: 1, fix: 'mount your volume at another path, or set storage.path to another directory' };
    }
    const adapter = logs(m);
    if (adapter) {
      return { text: `the logging adapter ${adapter.name}'s log volume`, fix: "write your mount's path as the adapter's path is written (it then reads your volume), or give the adapter another path" };
    }
  }
  if (x.role === 'main' || kind === 'sidecar') {
    const at = userMountPointer(unit, c, x, i, notes);
    return at ? { text: `${vol} (your ${relative(unit, at)})`, at: `${at}/path`, rank: 2 } : { text: `${vol} (your sidecar's mounts[${i}])`, at: `${unit.pointer}/sidecars`, rank: 2 };
  }
  if (m.volume === `${x.name}-config` && m.path === CONFIG_DIR) return { text: 'its config' };
  if (kind === 'logging adapter') {
    const at = attachmentPointer(unit, c, x, notes);
    const listed = at.endsWith('/adapters');
    return { text: `the log directory it reads (${listed ? 'its `path`' : relative(unit, `${at}/path`)})`, at: listed ? at : `${at}/path`, rank: 1, fix: `give the logging adapter \`${x.name}\` another path: ${CONFIG_DIR} holds its config` };
  }
  return { text: vol };
}
