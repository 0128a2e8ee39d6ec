// Target: docker-compose. Model → OUT/compose/docker-compose.yml (templates/compose/<pattern>.hbs
// renders each unit's services; templates/compose/docker-compose.hbs wraps them).
// Each container of a pod becomes a compose service; the main container keeps the component's
// name (the DNS name others use) and the others join its network namespace.
import type { Component, ConfigFile, Container, Model, SuppliedFile, Unit, Volume } from '../model.js';
import { DdpError, error } from '../diagnostics.js';
import { CONFIG_DIR, IMAGES } from '../images.js';
import { configPath, sharedVolume } from '../model.js';
import { composeReplicaName } from '../patterns/naming.js';
import { nginxStart } from '../patterns/startup.js';
import { render } from '../render/engine.js';
import { endWithNewline } from '../render/text.js';
import type { OutputFile } from '../output/files.js';
import { composeCpus, composeMemory } from '../quantity.js';

export const COMPOSE_FILE = 'compose/docker-compose.yml';

interface ComposeVolume { type: 'bind' | 'volume' | 'tmpfs'; source?: string; target: string; readOnly: boolean }

export function composeSecretName(secret: string, key: string): string {
  return `${secret}-${key}`.replace(/[^a-zA-Z0-9_-]/g, '-');
}

const suppliedBySecret = new WeakMap<Model['supplied'], { bySecret: Map<string, Model['supplied']>; length: number }>();

/** What the user supplies for one secret (indexed once per model: a scan per mount is quadratic). */
function suppliedFor(model: Model, secret: string): Model['supplied'] {
  let index = suppliedBySecret.get(model.supplied);
  if (!index || index.length !== model.supplied.length) {
    const bySecret = new Map<string, Model['supplied']>();
    for (const s of model.supplied) {
      // a line of an env file, or a Secret only Kubernetes reads (an Ingress's): no file compose mounts
      if (s.env !== undefined || s.secret === undefined || s.composePath === undefined) continue;
      const list = bySecret.get(s.secret);
      if (list) list.push(s);
      else bySecret.set(s.secret, [s]);
    }
    index = { bySecret, length: model.supplied.length };
    suppliedBySecret.set(model.supplied, index);
  }
  return index.bySecret.get(secret) ?? [];
}

/** Named volumes → the uid that must own them (the first container that mounts them). */
type NamedVolumes = Map<string, number>;

/** The compose-only one-shot service that hands named volumes to the non-root users. */
export const VOLUME_INIT = 'ddp-volume-init';

/** Docker creates named volumes owned by root (or by the image's directory owner), but every ddp
 *  service runs as a non-root user: a one-shot busybox, root with only CAP_CHOWN, chowns them first. */
function volumeInitService(named: NamedVolumes) {
  const names = [...named.keys()].sort();
  const script = names.map((n) => `chown -R ${named.get(n)}:${named.get(n)} /volumes/${n}`).join(' && ');
  return {
    name: VOLUME_INIT,
    image: IMAGES.busybox,
    entrypoint: ['sh', '-c'],
    command: [script],
    user: '0:0', // chown needs root; it holds CAP_CHOWN alone and exits
    capAdd: ['CHOWN'],
    labels: [{ key: 'ddp.dev/ignore', value: 'run-as-non-root' }],
    restart: 'no',
    environment: [],
    volumes: names.map((n) => ({ type: 'volume', source: n, target: `/volumes/${n}`, readOnly: false })),
    secrets: [],
    ports: [],
    dependsOn: [],
    limits: { cpus: '0.1', memory: '32m' },
    reservations: { cpus: '0.01', memory: '8m' },
  };
}

/**
 * varnishd compiles its VCL into a shared object in its working directory (`-n /tmp/varnish`) and
 * loads it, and Docker mounts every tmpfs `noexec` unless told otherwise: on a `type: tmpfs`
 * volume (whose long syntax takes no mount options) varnish stops at "failed to map segment from
 * shared object". Its scratch tmpfs is a service-level `tmpfs:` entry with `exec` instead.
 */
function loadsCodeFromScratch(container: Container): boolean {
  // varnishd itself, or behind the start-up shell (a varnish ambassador: `sh -c … varnishd …`)
  return container.command?.[0] === 'varnishd' || (container.command?.[0] === 'sh' && container.args?.[0] === 'varnishd');
}

function volumeMounts(model: Model, unit: Unit, c: Component, container: Container, named: NamedVolumes, secrets: Map<string, string>) {
  const volumes: ComposeVolume[] = [];
  const secretMounts: { source: string; target: string }[] = [];
  const tmpfs: string[] = []; // service-level `tmpfs:` entries, which take mount options
  for (const m of container.mounts) {
    const v = c.pod.volumes.find((x) => x.name === m.volume) as Volume | undefined;
    if (!v) throw new Error(`${c.name}/${container.name} mounts unknown volume ${m.volume}`);
    if (v.configFile) {
      const cfg = unit.configs.find((x) => x.name === v.configFile!.config)!;
      volumes.push({ type: 'bind', source: `../${configPath(cfg)}`, target: `${m.path}/${cfg.key}`, readOnly: true });
    } else if (v.secret) {
      for (const s of suppliedFor(model, v.secret.secretName)) {
        const name = composeSecretName(v.secret.secretName, s.key);
        secrets.set(name, `./${s.composePath}`);
        secretMounts.push({ source: name, target: `${m.path}/${s.key}` });
      }
    } else if (v.persistent || v.claim) {
      const name = v.claim ? v.claim.claimName : `${c.name}-${v.name}`;
      if (!named.has(name)) named.set(name, container.runAsUser);
      volumes.push({ type: 'volume', source: name, target: m.path, readOnly: m.readOnly });
    } else {
      if (sharedVolume(c, v.name)) {
        const name = `${c.name}-${v.name}`;
        if (!named.has(name)) named.set(name, container.runAsUser);
        volumes.push({ type: 'volume', source: name, target: m.path, readOnly: m.readOnly });
      } else if (loadsCodeFromScratch(container)) {
        tmpfs.push(`${m.path}:exec,mode=1777`);
      } else {
        volumes.push({ type: 'tmpfs', target: m.path, readOnly: false });
      }
    }
  }
  return { volumes, secretMounts, tmpfs };
}

/** Host ports taken so far in the compose file, and where the next search for a range may start. */
export interface HostPorts {
  taken: Set<number>;
  /** `${first}/${count}` → the start of the range last given for that request */
  from: Map<string, number>;
}

/**
 * The first range of `count` free host ports at or above `first`, now taken. The search for a
 * request resumes where the same request last ended (ports are only ever taken, so nothing below
 * is free for it): a topology with hundreds of services publishing 8080 stays linear.
 */
export function takeHostPorts(ports: HostPorts, first: number, count: number): number {
  const key = `${first}/${count}`;
  let p = ports.from.get(key) ?? first;
  for (let i = 0; i < count; ) {
    if (ports.taken.has(p + i)) {
      p++;
      i = 0;
    } else i++;
  }
  for (let i = 0; i < count; i++) ports.taken.add(p + i);
  ports.from.set(key, p);
  return p;
}

/** A host port compose publishes, or a range of them (one per replica), and what it reaches. */
export interface PublishedPort {
  /** the host port, or the range `8443-8444`: compose gives each replica one port of it */
  published: string;
  protocol: 'tcp';
  /** the compose service it reaches, and that service's container port */
  service: string;
  target: number;
  replicas: number;
  /** the Ingress it stands in for (compose has none): `shop.example.com/` */
  ingress: string;
}

/** One published port as the compose file's header and `generate`'s report say it:
 *  `8443-8444/tcp → web-tls:8443, one port for each of its 2 replicas (Ingress shop.example.com/)`. */
export function publishedLine(p: PublishedPort): string {
  return `${p.published}/${p.protocol} → ${p.service}:${p.target}${p.replicas > 1 ? `, one port for each of its ${p.replicas} replicas` : ''} (Ingress ${p.ingress})`;
}

/**
 * What compose publishes on the host, in the order of the compose file: the outermost layer of an
 * exposed service (the Ingress's backend, on the Ingress's port), or a decorator function in front
 * of one. Host ports are the container port, or the first free ones above it: one for each replica.
 * Pure, and made once per model: the compose target renders these, and `generate` reports them.
 */
export function composePublishedPorts(model: Model): PublishedPort[] {
  let out = publishedPorts.get(model);
  if (!out) publishedPorts.set(model, (out = allocatePublishedPorts(model)));
  return out;
}
const publishedPorts = new WeakMap<Model, PublishedPort[]>();

function allocatePublishedPorts(model: Model): PublishedPort[] {
  const ports: HostPorts = { taken: new Set(), from: new Map() };
  const out: PublishedPort[] = [];
  for (const unit of model.units) {
    const ingress = unit.extra.ingress as { service: string; port: number; host: string; path: string } | undefined;
    for (const c of unit.components) {
      if (c.workload === 'None' || c.compose.skip) continue;
      const entry = ingress && ingress.service === c.name ? { port: ingress.port, ingress: `${ingress.host}${ingress.path}` } : c.compose.publish !== undefined ? { port: c.pod.containers[0].ports[0]?.port, ingress: c.compose.publish } : undefined;
      if (entry?.port === undefined) continue;
      const main = composeContainers(c).find((x) => x.isMain);
      if (!main) continue;
      // one host port per replica: with several replicas compose needs a range to bind them all
      const count = Math.max(1, c.compose.replicas ?? c.replicas);
      const p = takeHostPorts(ports, entry.port, count);
      if (p + count - 1 > 65535) {
        throw new DdpError(error('no-host-port', `compose: ${c.name} publishes port ${entry.port} on the host${count > 1 ? ` for ${count} replicas` : ''}, and no free host ports are left from ${entry.port} up (the next free range, ${count > 1 ? `${p}-${p + count - 1}` : p}, passes 65535)`, {
          pointer: unit.pointer,
          hint: 'give the service a lower port, or fewer replicas (compose publishes one host port per replica)',
        }));
      }
      out.push({ published: count === 1 ? String(p) : `${p}-${p + count - 1}`, protocol: 'tcp', service: main.name, target: entry.port, replicas: count, ingress: entry.ingress });
    }
  }
  return out;
}

/** The compose services others reach by a component's name: its main container's, or its load
 *  balancer's. Nothing depends on ambassadors or sidecars, so waiting for these makes no cycle. */
export function componentServiceNames(model: Model): Set<string> {
  const names = new Set<string>();
  for (const unit of model.units) for (const c of unit.components) if (composeContainers(c).some((x) => x.isMain)) names.add(c.name);
  return names;
}

/** The compose services a container waits for: those its config resolves when it loads. */
function waitsFor(container: Container, own: string, components: ReadonlySet<string>): string[] {
  const maybe = (container.composeAfterIfService ?? []).filter((host) => host !== own && components.has(host));
  return [...new Set([...(container.composeAfter ?? []), ...maybe])].sort();
}

export function composeServices(model: Model, unit: Unit, named: NamedVolumes, secrets: Map<string, string>, published: ReadonlyMap<string, PublishedPort>, components: ReadonlySet<string> = componentServiceNames(model)) {
  const services = [];
  for (const c of unit.components) {
    if (c.workload === 'None' || c.compose.skip) continue;
    const lb = c.compose.loadBalancer ? unit.configs.find((x) => x.name === c.compose.loadBalancer) : undefined;
    const containers = composeContainers(c);
    const mainName = containers.find((x) => x.isMain)?.name ?? c.name;
    if (lb) services.push(loadBalancerService(c, lb, mainName));
    for (const { container, name, isMain } of containers) {
      const { volumes, secretMounts, tmpfs } = volumeMounts(model, unit, c, container, named, secrets);
      const plainEnv = [...container.env, ...(isMain ? c.compose.environment ?? [] : [])].filter((e) => e.value !== undefined);
      const refEnv = container.env.filter((e) => e.secret || e.configMap);
      const host = isMain ? published.get(name) : undefined;
      const ports = host ? [{ target: host.target, published: host.published, protocol: host.protocol }] : [];
      services.push({
        name,
        image: container.image,
        entrypoint: isMain && c.compose.command ? c.compose.command : container.command,
        command: container.args,
        networkMode: isMain ? undefined : `service:${mainName}`,
        // behind a compose load balancer the names belong to the balancer (named like the component)
        aliases: isMain && !lb ? c.compose.aliases ?? [] : [],
        pid: !isMain && c.pod.shareProcessNamespace ? `service:${mainName}` : undefined,
        user: `${container.runAsUser}:${container.runAsUser}`,
        restart: c.compose.restart ?? (c.workload === 'Job' || c.workload === 'CronJob' ? 'no' : 'unless-stopped'),
        environment: plainEnv.map((e) => ({ name: e.name, value: e.value })).sort((a, b) => (a.name < b.name ? -1 : 1)),
        envFile: refEnv.length ? `./${composeEnvFile(name)}` : undefined,
        volumes,
        tmpfs,
        secrets: secretMounts,
        ports,
        dependsOn: [
          ...(isMain ? c.compose.dependsOn ?? [] : [{ name: mainName, condition: 'service_started' }]),
          ...waitsFor(container, c.name, components).map((s) => ({ name: s, condition: 'service_started' })),
          // named volumes start out owned by root: wait until they belong to the service's user
          ...(volumes.some((v) => v.type === 'volume') ? [{ name: VOLUME_INIT, condition: 'service_completed_successfully' }] : []),
        ],
        healthcheck: container.healthcheck ? ['CMD', ...container.healthcheck] : undefined,
        replicas: isMain ? c.compose.replicas ?? c.replicas : undefined,
        limits: { cpus: composeCpus(container.resources.cpuLimit), memory: composeMemory(container.resources.memoryLimit) },
        reservations: { cpus: composeCpus(container.resources.cpu), memory: composeMemory(container.resources.memory) },
      });
    }
  }
  return services;
}

/**
 * The compose services one component becomes, one per container compose runs: restartable init
 * containers (native sidecars), then the pod's containers; none for a component compose skips.
 * The main container keeps the component's name (others reach it by that name), or is
 * `<name>-replica` behind a compose load balancer; every other container is `<component>-<container>`.
 */
export function composeContainers(c: Component): { container: Container; name: string; isMain: boolean }[] {
  if (c.workload === 'None' || c.compose.skip) return [];
  const main = c.pod.containers[0];
  const mainName = c.compose.loadBalancer ? composeReplicaName(c.name) : c.name;
  return [...c.pod.initContainers.filter((x) => x.restartPolicy === 'Always'), ...c.pod.containers]
    .filter((x) => !x.kubernetesOnly)
    .map((container) => ({ container, isMain: container === main, name: container === main ? mainName : `${c.name}-${container.name}` }));
}

/**
 * What compose reads from env files, which only the user can supply: ddp knows neither a Secret's
 * value nor a value of the user's ConfigMap, so a service whose env refers to one reads it from
 * `compose/secrets/<compose service>.env`. One entry of the report per line of such a file.
 * Worked out with the model, not while rendering (rendering changes nothing).
 */
export function composeEnvLines(units: Unit[]): SuppliedFile[] {
  const supplied: SuppliedFile[] = [];
  const refers = (x: Container) => x.env.some((e) => e.secret !== undefined || e.configMap !== undefined);
  for (const unit of units) {
    for (const c of unit.components) {
      // (most components refer to nothing: looked at without building their compose services)
      if (!c.pod.containers.some(refers) && !c.pod.initContainers.some(refers)) continue;
      for (const { container, name } of composeContainers(c)) {
        for (const e of container.env) {
          const from = e.secret ? { secret: e.secret.name, key: e.secret.key } : e.configMap ? { configMap: e.configMap.name, key: e.configMap.key } : undefined;
          if (from) supplied.push({ ...from, composePath: composeEnvFile(name), env: e.name, why: `${e.name} of ${name}, the line \`${e.name}=<value>\`` });
        }
      }
    }
  }
  return supplied;
}

/** The env file of one compose service, relative to OUT/compose. */
const composeEnvFile = (service: string): string => `secrets/${service}.env`;

/** compose has no ClusterIP: an nginx under the component's name balances over its replicas. */
function loadBalancerService(c: Component, lb: ConfigFile, replicaName: string) {
  // the start-up shell adds the IPv6 listeners where the container has IPv6 (patterns/startup.ts)
  const start = nginxStart(lb);
  return {
    name: c.name,
    image: IMAGES.nginx,
    entrypoint: start.command,
    command: start.args,
    networkMode: undefined,
    aliases: c.compose.aliases ?? [],
    pid: undefined,
    user: `${c.pod.containers[0].runAsUser}:${c.pod.containers[0].runAsUser}`,
    restart: 'unless-stopped',
    environment: [],
    envFile: undefined,
    volumes: [
      { type: 'bind', source: `../${configPath(lb)}`, target: `${CONFIG_DIR}/${lb.key}`, readOnly: true },
      { type: 'tmpfs', target: '/tmp', readOnly: false },
    ],
    secrets: [],
    ports: [],
    dependsOn: [{ name: replicaName, condition: 'service_started' }],
    healthcheck: undefined,
    replicas: 1,
    limits: { cpus: '0.5', memory: '128m' },
    reservations: { cpus: '0.05', memory: '32m' },
  };
}

/** Every non-empty line of `text` indented by n spaces. */
export function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  let out = '';
  for (let from = 0; from <= text.length; ) {
    let nl = text.indexOf('\n', from);
    if (nl < 0) nl = text.length;
    if (nl > from) out += pad;
    out += text.slice(from, nl + 1);
    from = nl + 1;
  }
  return out;
}

/**
 * compose substitutes `$VAR` and `${VAR}` in every value of the file when it loads it; a value the
 * user wrote (`PRICE: "$5"`, an argument `${HOME}`) must reach the container as written, so every
 * `$` in a service's values is written `$$`. Copy on write: what holds no `$` is returned as it
 * is, what does is copied (the model is never changed).
 */
export function noInterpolation<T>(v: T): T {
  if (typeof v === 'string') return (v.includes('$') ? v.replaceAll('$', '$$$$') : v) as T;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x = noInterpolation(v[i]);
      if (x !== v[i]) (out ??= v.slice())[i] = x;
    }
    return (out ?? v) as T;
  }
  if (v && typeof v === 'object') {
    let out: Record<string, unknown> | undefined;
    for (const k of Object.keys(v)) {
      const old = (v as Record<string, unknown>)[k];
      const x = noInterpolation(old);
      if (x !== old) (out ??= { ...(v as Record<string, unknown>) })[k] = x;
    }
    return (out ?? v) as T;
  }
  return v;
}

export function renderCompose(model: Model): OutputFile[] {
  // `content` joins the pieces (for --stdout, --check, tests); `generate -o` streams them instead
  return [{ path: COMPOSE_FILE, target: 'compose', pieces: () => composePieces(model), get content() { return [...composePieces(model)].join(''); } }];
}

/**
 * docker-compose.yml a piece at a time: the head, each unit's services, the volume hand-over,
 * the end (volumes and secrets, known once every unit is rendered). Each piece ends with exactly
 * one newline, so the file does.
 */
export function* composePieces(model: Model): Generator<string> {
  const named: NamedVolumes = new Map();
  const secrets = new Map<string, string>();
  const hostPorts = composePublishedPorts(model);
  const published = new Map(hostPorts.map((p) => [p.service, p]));
  const components = componentServiceNames(model);
  yield endWithNewline(
    render('compose/docker-compose', {
      name: model.name,
      // which service each published host port reaches, as `generate` reports it
      published: hostPorts.map(publishedLine),
      // what compose cannot do that Kubernetes does (e.g. leader election): said in the file too
      warnings: model.notes.filter((n) => n.severity === 'warning' && n.code.startsWith('compose-')).map((n) => n.message.replace(/^compose: /, '').replace(/[\r\n]+/g, ' ')),
    }),
  );
  for (const unit of model.units) {
    const fragment = render(`compose/${unit.pattern}`, { unit, model, services: composeServices(model, unit, named, secrets, published, components).map(noInterpolation) });
    yield indent(endWithNewline(fragment), 2);
  }
  if (named.size) yield indent(endWithNewline(render('compose/volume-init', { services: [volumeInitService(named)] })), 2);
  const end = render('compose/docker-compose-end', {
    volumes: [...named.keys()].sort(),
    secrets: [...secrets].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, file]) => ({ name, file })),
  });
  if (end.trim() !== '') yield endWithNewline(end);
}
