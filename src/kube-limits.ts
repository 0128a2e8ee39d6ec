// The limits the Kubernetes API server puts on the names ddp derives (`<svc>-leaf`,
// `<svc>-router-twemproxy`, `<pipeline>-<stage>`, a sidecar's port name, ...). The schema checks
// each name the user writes; only the model knows what is built from them, so these checks run
// on it (in `expand`, for `validate` and `generate` alike). Without them an accepted topology
// could generate a StatefulSet whose pods are never created, or a CronJob the API refuses.
import { error, type Diagnostic } from './diagnostics.js';
import { configMapName, type Component, type Model, type Port, type Unit } from './model.js';
import { dotted } from './topology/schema.js';
import { CRONJOB_MAX, LABEL_MAX, portNameProblem, STATEFULSET_MAX } from './k8s-names.js';

/** Every derived name of the model checked against the Kubernetes limits. */
export function kubernetesLimits(model: Model): Diagnostic[] {
  return model.units.flatMap(unitLimits);
}

function unitLimits(unit: Unit): Diagnostic[] {
  const out: Diagnostic[] = [];
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
  }
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
