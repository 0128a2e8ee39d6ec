// What Knative Serving's webhook refuses in a revision, or what ddp would leave out of a Knative
// Service without a word, found by `ddp validate` (src/topology/knative.ts): for each check a
// topology that fails with the exact `line:col code: message` (through the library, as `ddp
// validate` and `ddp generate` see it), and a neighbouring one that passes and still generates a
// Knative Service that the webhook's rules accept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTopologyText } from '../src/topology/load.js';
import { validateAll } from '../src/flow.js';
import { runGenerate } from '../src/commands/generate.js';
import type { Diagnostic } from '../src/diagnostics.js';
import { cleanPath, KNATIVE_RESERVED_ENV, KNATIVE_RESERVED_PATHS, KNATIVE_RESERVED_PORTS, KNATIVE_RESERVED_SIDECAR_ENV } from '../src/topology/knative.js';
import { parseAllDocuments } from './helpers/kubernetes.js';
import { prepareErrors, show } from './helpers/topology.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// Lines 1-9 of every case; what a case adds starts on line 10.
const BASE = [
  'apiVersion: ddp/v1', //                          1
  'kind: Topology', //                              2
  'metadata:', //                                   3
  '  name: shop', //                                4
  'services:', //                                   5
  '  fn:', //                                       6
  '    pattern: function', //                       7
  '    image: ghcr.io/acme/fn:1.0.0', //            8
  '    runtime: knative', //                        9
].join('\n') + '\n';
const kn = (...ls: string[]) => BASE + ls.join('\n') + '\n';
/** One more Knative function, `name`, with `lines`. */
const another = (name: string, ...ls: string[]) => [`  ${name}:`, '    pattern: function', '    image: ghcr.io/acme/fn:1.0.0', '    runtime: knative', ...ls];


/** Everything `ddp validate` says about a topology text. */
async function validate(text: string): Promise<Diagnostic[]> {
  return validateAll(parseTopologyText(text, 'ddp.yaml'));
}


let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ddp-knative-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The Knative Services `ddp generate` writes for a topology (the real command, from a file). */
async function knativeServices(text: string): Promise<{ services: Obj[]; diagnostics: Diagnostic[] }> {
  writeFileSync(join(dir, 'ddp.yaml'), text);
  const r = await runGenerate({ file: 'ddp.yaml', cwd: dir, stdout: true, target: 'kubernetes' });
  const objs = (r.contents ?? []).filter((f) => f.path.startsWith('kubernetes/')).flatMap((f) => parseAllDocuments(f.content) as Obj[]);
  return { services: objs.filter((o) => o.apiVersion === 'serving.knative.dev/v1' && o.kind === 'Service'), diagnostics: r.diagnostics };
}

/**
 * The rules of Knative's webhook (knative/serving pkg/apis/serving/k8s_validation.go, fieldmask.go,
 * config/features.go defaults) that these checks are about, applied to a rendered revision
 * template: what it would refuse, as its messages say it.
 */
function webhookProblems(ksvc: Obj): string[] {
  const spec = ksvc.spec.template.spec as Obj;
  const out: string[] = [];
  const containers = (spec.containers ?? []) as Obj[];
  if (spec.initContainers !== undefined) out.push('pod spec support for init-containers is off');
  if (spec.shareProcessNamespace !== undefined) out.push('must not set the field(s): shareProcessNamespace');
  const mounted = new Set(containers.flatMap((c) => (c.volumeMounts ?? []).map((m: Obj) => m.name as string)));
  for (const v of (spec.volumes ?? []) as Obj[]) if (!mounted.has(v.name)) out.push(`volume with name "${v.name}" not mounted`);
  const ported = containers.filter((c) => (c.ports ?? []).length > 0);
  if (ported.flatMap((c) => c.ports).length > 1) out.push('more than one container port is set');
  for (const c of containers) {
    if (c.name === 'queue-proxy') out.push(`"${c.name}" is a reserved container name`);
    // a container with ports is validated as the serving one (all four), one without as a sidecar
    const reservedEnv = (c.ports ?? []).length > 0 || containers.length === 1 ? KNATIVE_RESERVED_ENV : KNATIVE_RESERVED_SIDECAR_ENV;
    for (const e of (c.env ?? []) as Obj[]) if (reservedEnv.includes(e.name)) out.push(`"${e.name}" is a reserved environment variable`);
    const first = (c.ports ?? [])[0] as Obj | undefined;
    if (first && KNATIVE_RESERVED_PORTS.includes(first.containerPort)) out.push(`${first.containerPort} is a reserved port`);
    if (first && first.protocol !== undefined && first.protocol !== 'TCP') out.push(`invalid value: ${first.protocol}: protocol`);
    const paths = new Set<string>();
    for (const m of (c.volumeMounts ?? []) as Obj[]) {
      const p = cleanPath(m.mountPath);
      if (KNATIVE_RESERVED_PATHS.includes(p)) out.push(`mountPath "${p}" is a reserved path`);
      else if (paths.has(p)) out.push(`"${m.mountPath}" must be unique`);
      paths.add(p);
    }
  }
  return out;
}

/** A topology that validates without an error (or a Knative warning) and generates Knative Services the webhook's rules accept. */
async function passes(text: string): Promise<Obj[]> {
  const ds = await validate(text);
  expect(ds.filter((d) => d.severity === 'error' || d.code.startsWith('knative-')).map(show)).toEqual([]);
  const { services } = await knativeServices(text);
  expect(services.length).toBeGreaterThan(0);
  for (const s of services) expect({ name: s.metadata.name, problems: webhookProblems(s) }).toEqual({ name: s.metadata.name, problems: [] });
  return services;
}

/** A topology that fails validate and generate with exactly `errors` (`line:col code: message`, in order). */
async function fails(text: string, errors: string[], hint?: string): Promise<void> {
  const ds = (await validate(text)).filter((d) => d.severity === 'error');
  expect(ds.map(show)).toEqual(errors);
  if (hint !== undefined) expect(ds[0].hint).toBe(hint);
  expect((await prepareErrors(text)).map(show)).toEqual(errors);
}

const containerOf = (ksvc: Obj, name: string): Obj => (ksvc.spec.template.spec.containers as Obj[]).find((c) => c.name === name)!;

const RESERVED_PORT = 'which Knative reserves for the queue-proxy it runs in every revision pod: it rejects a revision that declares it';

describe('Knative: the queue-proxy ports 8012, 8013, 8022, 9090, 9091 and 8008', () => {
  it('the main `port`, or any entry of `ports`', async () => {
    await fails(kn('    port: 8012'), [`10:11 knative-reserved-port: the function listens on port 8012, ${RESERVED_PORT}`], 'use another port; Knative reserves 8008, 8012, 8013, 8022, 9090 and 9091');
    await fails(kn('    ports:', '      - { name: web, port: 8013 }'), [`11:28 knative-reserved-port: the function (port \`web\`) listens on port 8013, ${RESERVED_PORT}`]);
    await fails(kn('    ports:', '      - { name: http1, port: 8080 }', '      - { name: metrics, port: 9090 }'), [
      '12:9 knative-ports: a Knative revision serves exactly one port, and `ports` lists 2: ddp would leave out all but `http1`',
      `12:32 knative-reserved-port: the function (port \`metrics\`) listens on port 9090, ${RESERVED_PORT}`,
    ]);
  });

  it('a second entry of `ports` (ddp wrote the first one only)', async () => {
    await fails(kn('    ports:', '      - { name: http1, port: 8080 }', '      - { name: admin, port: 8081 }'), ['12:9 knative-ports: a Knative revision serves exactly one port, and `ports` lists 2: ddp would leave out all but `http1`'], 'keep one entry in `ports` (or give `port`), or use `runtime: deployment`');
  });

  it('a sidecar, an adapter or the leader elector declaring one; an ambassador listening on one', async () => {
    await fails(
      kn(
        '    sidecars: [{ name: stats, image: ghcr.io/acme/stats:1.0.0, port: 8022 }]',
        '    adapters: [{ name: exporter, kind: prometheus, image: ghcr.io/acme/exporter:1.0.0, port: 9091 }]',
        '    ambassadors: [{ name: db, kind: proxy, listen: 8008, upstream: "db.example.com:5432" }]',
        '    election: { lock: fn-leader, port: 8013 }',
      ),
      [
        `10:70 knative-reserved-port: sidecar \`stats\` listens on port 8022, ${RESERVED_PORT}`,
        `11:94 knative-reserved-port: adapter \`exporter\` listens on port 9091, ${RESERVED_PORT}`,
        '12:52 knative-reserved-port: ambassador `db` listens on port 8008, which Knative reserves for the queue-proxy it runs in every revision pod, on the network the ambassador shares',
        `13:40 knative-reserved-port: the leader elector listens on port 8013, ${RESERVED_PORT}`,
      ],
    );
  });

  it('a port next to them passes and generates', async () => {
    const [ksvc] = await passes(kn('    port: 8011', '    ambassadors: [{ name: db, kind: proxy, listen: 9092, upstream: "db.example.com:5432" }]'));
    expect(containerOf(ksvc, 'fn').ports).toEqual([{ name: 'http1', containerPort: 8011, protocol: 'TCP' }]);
    expect(containerOf(ksvc, 'db').ports).toBeUndefined();
  });
});

describe('Knative: the main port is TCP', () => {
  it('a UDP main port', async () => {
    await fails(
      kn('    ports: [{ name: dns, port: 5353, protocol: UDP }]'),
      ['10:48 knative-protocol: the main port 5353 is UDP, and Knative rejects a revision whose port is not TCP: it sends the function HTTP requests'],
      'drop `protocol: UDP` (TCP is the default), or use `runtime: deployment`',
    );
  });

  it('protocol TCP, written out, passes and generates', async () => {
    const [ksvc] = await passes(kn('    ports: [{ name: dns, port: 5353, protocol: TCP }]'));
    expect(containerOf(ksvc, 'fn').ports).toEqual([{ name: 'http1', containerPort: 5353, protocol: 'TCP' }]);
  });
});

describe('Knative: reserved environment variables in every container', () => {
  it('K_SERVICE, K_CONFIGURATION, K_REVISION in a sidecar or an adapter; PORT in one with a port', async () => {
    await fails(
      kn(
        '    sidecars:',
        '      - { name: agent, image: ghcr.io/acme/agent:1.0.0, env: { K_SERVICE: a, K_REVISION: b } }',
        '      - { name: stats, image: ghcr.io/acme/stats:1.0.0, port: 9100, env: { PORT: "9100" } }',
        '    adapters: [{ name: shipper, kind: logging, env: { K_CONFIGURATION: c } }]',
      ),
      [
        '11:75 knative-reserved-env: Knative reserves K_SERVICE in every container of a revision and rejects a revision where sidecar `agent` sets it',
        '11:90 knative-reserved-env: Knative reserves K_REVISION in every container of a revision and rejects a revision where sidecar `agent` sets it',
        '12:82 knative-reserved-env: Knative reserves PORT in a container with a port and rejects a revision where sidecar `stats` sets it',
        '13:72 knative-reserved-env: Knative reserves K_CONFIGURATION in every container of a revision and rejects a revision where adapter `shipper` sets it',
      ],
      'rename K_SERVICE',
    );
  });

  it('the function itself: all four (as before)', async () => {
    await fails(kn('    env: { K_SERVICE: a }'), ['10:23 knative-reserved-env: Knative sets K_SERVICE itself and rejects a revision that sets it']);
  });

  it('PORT in a sidecar without a port, a name next to a reserved one in an adapter: pass and generate', async () => {
    const [ksvc] = await passes(kn('    sidecars: [{ name: agent, image: ghcr.io/acme/agent:1.0.0, env: { PORT: "9000" } }]', '    adapters: [{ name: shipper, kind: logging, env: { K_SERVICE_NAME: fn } }]'));
    expect(containerOf(ksvc, 'agent').env).toEqual([{ name: 'PORT', value: '9000' }]);
    expect(containerOf(ksvc, 'shipper').env).toEqual([{ name: 'K_SERVICE_NAME', value: 'fn' }]);
  });
});

describe('Knative: no container called queue-proxy', () => {
  it('a function called queue-proxy (its container has its name)', async () => {
    await fails(
      BASE.replace('  fn:\n', '  queue-proxy:\n'),
      ["6:3 knative-reserved-name: the function's container is named after it, `queue-proxy`, the container Knative adds to every revision pod: it rejects a revision with a second one"],
      'rename the function (ddp names its container after it)',
    );
  });

  it('a sidecar, an ambassador or an adapter called queue-proxy', async () => {
    await fails(
      kn(
        '    sidecars: [{ name: queue-proxy, image: ghcr.io/acme/agent:1.0.0 }]',
        ...another('fn2', '    ambassadors: [{ name: queue-proxy, kind: proxy, listen: 9000, upstream: "db.example.com:5432" }]'),
        ...another('fn3', '    adapters: [{ name: queue-proxy, kind: logging }]'),
      ),
      [
        '10:24 knative-reserved-name: sidecar `queue-proxy` has the name of the container Knative adds to every revision pod: it rejects a revision with a second one',
        '15:27 knative-reserved-name: ambassador `queue-proxy` has the name of the container Knative adds to every revision pod: it rejects a revision with a second one',
        '20:24 knative-reserved-name: adapter `queue-proxy` has the name of the container Knative adds to every revision pod: it rejects a revision with a second one',
      ],
      'rename the sidecar',
    );
  });

  it('names next to it pass and generate', async () => {
    const [ksvc] = await passes(BASE.replace('  fn:\n', '  queue-proxy-2:\n') + '    sidecars: [{ name: queue, image: ghcr.io/acme/agent:1.0.0 }]\n');
    expect((ksvc.spec.template.spec.containers as Obj[]).map((c) => c.name)).toEqual(['queue-proxy-2', 'queue']);
  });
});

describe('Knative: every volume mounted', () => {
  it('a declared volume no container mounts', async () => {
    await fails(
      kn('    volumes: { cache: {}, data: {} }', '    mounts: [{ volume: data, path: /data }]'),
      ['10:16 knative-unmounted-volume: no container mounts volume `cache`, and Knative rejects a revision with a volume that is not mounted'],
      'mount it (`mounts: [{ volume: cache, path: /data }]`), or remove it from `volumes`',
    );
  });

  it('an unmounted persistent volume: one error, the one it has already', async () => {
    await fails(kn('    volumes: { cache: { type: persistent } }'), ['10:16 knative-volume: Knative revisions take no persistent volumes; `cache` is one']);
  });

  it('a volume only a sidecar mounts passes and generates', async () => {
    const [ksvc] = await passes(kn('    volumes: { cache: {} }', '    sidecars: [{ name: warmer, image: ghcr.io/acme/warmer:1.0.0, mounts: [{ volume: cache, path: /cache }] }]'));
    expect(containerOf(ksvc, 'warmer').volumeMounts).toContainEqual({ name: 'cache', mountPath: '/cache' });
    expect(ksvc.spec.template.spec.volumes).toContainEqual({ name: 'cache', emptyDir: {} });
  });
});

describe('Knative: what ddp would leave out of the Knative Service', () => {
  it('a native sidecar (an init container: off by default in Knative)', async () => {
    await fails(
      kn('    volumes: { cache: {} }', '    sidecars: [{ name: agent, image: ghcr.io/acme/agent:1.0.0, native: true, mounts: [{ volume: cache, path: /cache }] }]'),
      ['11:72 knative-native-sidecar: sidecar `agent` is native, an init container, and a Knative revision takes none unless the cluster turns on kubernetes.podspec-init-containers (off by default): ddp leaves it out of the Knative Service'],
      'remove `native: true` (the sidecar then runs beside the function), or use `runtime: deployment`',
    );
  });

  it('native: false passes and generates the sidecar beside the function', async () => {
    const [ksvc] = await passes(kn('    sidecars: [{ name: agent, image: ghcr.io/acme/agent:1.0.0, native: false }]'));
    expect((ksvc.spec.template.spec.containers as Obj[]).map((c) => c.name)).toEqual(['fn', 'agent']);
    // each container's scratch space, mounted where it is declared
    expect(ksvc.spec.template.spec.volumes).toEqual([{ name: 'fn-tmp', emptyDir: {} }, { name: 'agent-tmp', emptyDir: {} }]);
  });

  it('shareProcessNamespace (off by default in Knative)', async () => {
    await fails(
      kn('    sidecars: [{ name: debug, image: ghcr.io/acme/debug:1.0.0, shareProcessNamespace: true }]'),
      ["10:87 knative-share-process-namespace: a Knative revision cannot share its process namespace unless the cluster turns on kubernetes.podspec-shareprocessnamespace (off by default): ddp leaves it out of the Knative Service, and sidecar `debug` would not see the function's processes"],
      'remove `shareProcessNamespace`, or use `runtime: deployment`',
    );
  });

  it('shareProcessNamespace: false passes and generates', async () => {
    const [ksvc] = await passes(kn('    sidecars: [{ name: debug, image: ghcr.io/acme/debug:1.0.0, shareProcessNamespace: false }]'));
    expect(ksvc.spec.template.spec.shareProcessNamespace).toBeUndefined();
    expect(containerOf(ksvc, 'debug').image).toBe('ghcr.io/acme/debug:1.0.0');
  });
});

describe('Knative: reserved mount paths (/, /dev, /dev/log, after path.Clean)', () => {
  it('the function, a sidecar, and a logging adapter (whose directory the function mounts too)', async () => {
    await fails(
      kn(
        '    volumes: { data: {}, logs: {} }',
        '    mounts: [{ volume: data, path: /dev/ }]',
        '    sidecars: [{ name: agent, image: ghcr.io/acme/agent:1.0.0, mounts: [{ volume: logs, path: /dev/log }, { volume: data, path: /x/../ }] }]',
        '    adapters: [{ name: shipper, kind: logging, path: /dev }]',
      ),
      [
        '11:36 knative-reserved-path: the function mounts volume `data` at `/dev/` (/dev), a path Knative reserves (/, /dev, /dev/log): it rejects a revision that mounts one there',
        '12:95 knative-reserved-path: sidecar `agent` mounts volume `logs` at `/dev/log`, a path Knative reserves (/, /dev, /dev/log): it rejects a revision that mounts one there',
        '12:129 knative-reserved-path: sidecar `agent` mounts volume `data` at `/x/../` (/), a path Knative reserves (/, /dev, /dev/log): it rejects a revision that mounts one there',
        '13:54 knative-reserved-path: logging adapter `shipper` and the function mount the log volume at `/dev`, a path Knative reserves (/, /dev, /dev/log): it rejects a revision that mounts one there',
      ],
      'mount it elsewhere, e.g. /data',
    );
  });

  it('paths next to them (and /tmp, reserved before Knative 1.13) pass and generate', async () => {
    const [ksvc] = await passes(
      kn('    volumes: { data: {}, scratch: {} }', '    mounts: [{ volume: data, path: /devices }, { volume: scratch, path: /tmp }]', '    adapters: [{ name: shipper, kind: logging, path: /dev/logs }]'),
    );
    expect(containerOf(ksvc, 'fn').volumeMounts.map((m: Obj) => m.mountPath)).toEqual(['/devices', '/tmp', '/dev/logs', '/var/tmp']);
  });
});

describe('Knative: scale.cpu and scale to zero', () => {
  const cpuAt = (text: string) => validate(text).then((ds) => ds.filter((d) => d.code.startsWith('knative-')).map((d) => [d.severity, show(d), d.hint]));
  const hint = 'set `scale.min: 1` to say so, or remove `scale.cpu` to scale on concurrency, to zero when idle';

  it('scale.cpu with scale.min 0, by default or written: a warning, and it still generates', async () => {
    expect(await cpuAt(kn('    scale: { max: 5, cpu: 80 }'))).toEqual([
      ['warning', "10:27 knative-hpa-no-zero: scale.cpu puts the function on Knative's HPA-class autoscaler, which does not scale to zero: ddp writes min-scale 0 (scale.min, 0 by default on Knative), and the HPA Knative makes for it keeps at least one pod", hint],
    ]);
    expect(await cpuAt(kn('    scale: { min: 0, max: 5, cpu: 80 }'))).toEqual([
      ['warning', "10:35 knative-hpa-no-zero: scale.cpu puts the function on Knative's HPA-class autoscaler, which does not scale to zero: ddp writes min-scale 0 (scale.min), and the HPA Knative makes for it keeps at least one pod", hint],
    ]);
    const { services, diagnostics } = await knativeServices(kn('    scale: { max: 5, cpu: 80 }'));
    expect(services[0].spec.template.metadata.annotations).toMatchObject({ 'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev', 'autoscaling.knative.dev/min-scale': '0' });
    expect(diagnostics.map((d) => d.code)).toContain('knative-hpa-no-zero');
  });

  it('scale.min 1 with scale.cpu, or scale.min 0 without it: no warning', async () => {
    const [hpa] = await passes(kn('    scale: { min: 1, max: 5, cpu: 80 }'));
    expect(hpa.spec.template.metadata.annotations).toMatchObject({ 'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev', 'autoscaling.knative.dev/min-scale': '1' });
    const [kpa] = await passes(kn('    scale: { min: 0, max: 5 }'));
    expect(kpa.spec.template.metadata.annotations).toEqual({ 'autoscaling.knative.dev/max-scale': '5', 'autoscaling.knative.dev/min-scale': '0' });
  });
});

describe("the webhook's rules above (what the passing cases are checked with)", () => {
  it('find in a rendered revision what each check is about', async () => {
    const [good] = await passes(kn('    sidecars: [{ name: agent, image: ghcr.io/acme/agent:1.0.0 }]'));
    const bad = structuredClone(good);
    const spec = bad.spec.template.spec;
    spec.initContainers = [];
    spec.shareProcessNamespace = true;
    spec.volumes.push({ name: 'cache', emptyDir: {} });
    spec.containers[0].ports = [{ name: 'http1', containerPort: 8012, protocol: 'UDP' }];
    spec.containers[0].volumeMounts.push({ name: 'fn-tmp', mountPath: '/dev/' });
    spec.containers[1].name = 'queue-proxy';
    spec.containers[1].env = [{ name: 'PORT', value: '1' }, { name: 'K_REVISION', value: 'x' }];
    expect(webhookProblems(bad)).toEqual([
      'pod spec support for init-containers is off',
      'must not set the field(s): shareProcessNamespace',
      'volume with name "cache" not mounted',
      '8012 is a reserved port',
      'invalid value: UDP: protocol',
      'mountPath "/dev" is a reserved path',
      '"queue-proxy" is a reserved container name',
      '"K_REVISION" is a reserved environment variable',
    ]);
  });
});

describe('cleanPath (Go path.Clean, as Knative compares mount paths)', () => {
  it.each([
    ['/', '/'],
    ['/dev/', '/dev'],
    ['//dev//log/', '/dev/log'],
    ['/dev/./log', '/dev/log'],
    ['/x/../', '/'],
    ['/../dev', '/dev'],
    ['/var/tmp', '/var/tmp'],
  ])('%s → %s', (p, want) => expect(cleanPath(p)).toBe(want));
});
