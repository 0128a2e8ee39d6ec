// One name per container and per volume in a pod, one mountPath per container: the API server
// refuses a pod template that repeats one (ValidateVolumes, validateContainers, ValidateVolumeMounts).
// The user's names meet the ones ddp adds itself (src/kube-limits.ts podUniqueness): its volumes
// `<container>-config`, `-tls`, `-logs`, `-tmp` and batch `data`, its containers `elector` and a
// batch step's `map`, its mounts at /etc/ddp and at storage.path. Exact diagnostics through the
// library (validate and the generate path alike), `line:col code: message`, as in bad-input.test.ts.
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseTopologyText } from '../src/topology/load.js';
import { addScratchVolumes, prepareLoaded, renderTargets } from '../src/flow.js';
import { mountPathKey } from '../src/kube-limits.js';
import type { Diagnostic } from '../src/diagnostics.js';
import type { Component } from '../src/model.js';
import { errorsOf, prepareErrors, show } from './helpers/topology.js';

// Lines 1-5 of every case; its services start on line 6.
const HEAD = ['apiVersion: ddp/v1', 'kind: Topology', 'metadata:', '  name: shop', 'services:'];
const doc = (...ls: string[]) => [...HEAD, ...ls].join('\n') + '\n';
/** `web`, replicated: lines 6-9; what a case adds starts on line 10. */
const web = (...ls: string[]) => doc('  web:', '    pattern: replicated', '    image: ghcr.io/acme/web:1.0', '    port: 8080', ...ls);
/** `vc`, batch: lines 6-9; what a case adds starts on line 10. */
const batch = (...ls: string[]) => doc('  vc:', '    pattern: batch', '    map: { image: ghcr.io/acme/m:1.0 }', '    reduce: { image: ghcr.io/acme/r:1.0 }', ...ls);



interface Case {
  name: string;
  text: string;
  /** every error, in order: `line:col code: message` */
  errors: string[];
  /** hint of the first clash (duplicate-name, name-collision, mount-path-clash) */
  hint: string;
}

const CLASHES = ['duplicate-name', 'name-collision', 'mount-path-clash'];
const VOLUME_HINT = (v: string) => `rename your volume \`${v}\` and its mounts: ddp names the volumes it adds \`<container>-config\`, \`-tls\`, \`-logs\` and \`-tmp\`, and \`data\``;

const CASES: Case[] = [
  // ── two volumes of one name ──
  {
    name: "a volume of yours named like the TLS sidecar's config (audit F10a)",
    text: web('    volumes: { https-config: {} }', '    sidecars:', '      - { name: https, kind: tls, secret: web-tls }'),
    errors: ["10:16 name-collision: services.web's pod would have two volumes named `https-config`: yours (volumes.https-config) and the TLS sidecar https's config"],
    hint: VOLUME_HINT('https-config'),
  },
  {
    name: "a batch service's own volume `data`, mounted by both steps: both Jobs, said once (audit F10b; a step gets only the volumes it mounts)",
    text: doc('  vc:', '    pattern: batch', '    map: { image: ghcr.io/acme/m:1.0, mounts: [{ volume: data, path: /in }] }', '    reduce: { image: ghcr.io/acme/r:1.0, mounts: [{ volume: data, path: /in }] }', '    volumes: { data: {} }'),
    errors: ["10:16 name-collision: services.vc's pods vc-map and vc-reduce would each have two volumes named `data`: yours (volumes.data) and the batch storage (the claim vc-data)"],
    hint: VOLUME_HINT('data'),
  },
  {
    name: "a volume of yours named like the main container's scratch space: never taken for /tmp (audit 15a)",
    text: web('    volumes: { web-tmp: { type: persistent, size: 1Gi } }', '    replicas: 1'),
    errors: ["10:16 name-collision: services.web's pod would have two volumes named `web-tmp`: yours (volumes.web-tmp) and the scratch space ddp mounts at /tmp in web"],
    hint: VOLUME_HINT('web-tmp'),
  },
  {
    name: "a volume of yours named like a sidecar's scratch space",
    text: web('    volumes: { helper-tmp: {} }', '    sidecars:', '      - { name: helper, image: busybox:1.36 }'),
    errors: ["10:16 name-collision: services.web's pod would have two volumes named `helper-tmp`: yours (volumes.helper-tmp) and the scratch space ddp mounts at /tmp in helper"],
    hint: VOLUME_HINT('helper-tmp'),
  },
  {
    name: "a volume of yours named like a logging adapter's log volume (and not mounted where the adapter reads)",
    text: web('    volumes: { logs-logs: {} }', '    adapters:', '      - { name: logs, kind: logging }'),
    errors: ["10:16 name-collision: services.web's pod would have two volumes named `logs-logs`: yours (volumes.logs-logs) and the logging adapter logs's log volume"],
    hint: VOLUME_HINT('logs-logs'),
  },
  {
    name: 'hot shards: the same clash in every shard, said once with a count',
    text: doc('  sh:', '    pattern: sharded', '    image: ghcr.io/acme/s:1.0', '    port: 8080', '    shards: 4', '    replicasPerShard: 2', '    volumes: { sh-tmp: {} }'),
    errors: ["12:16 name-collision: services.sh's pods sh-0, sh-1 and 2 others would each have two volumes named `sh-tmp`: yours (volumes.sh-tmp) and the scratch space ddp mounts at /tmp in sh"],
    hint: VOLUME_HINT('sh-tmp'),
  },
  {
    // (the TLS sidecar's volume used to take the place of yours, which a later sidecar mounts: said apart, "and keeps only the latter")
    name: 'scatter-gather: a TLS sidecar listed before the sidecar that mounts your volume of its config\'s name: both volumes, refused as in every pattern',
    text: doc('  sg:', '    pattern: scatter-gather', '    root: { image: ghcr.io/acme/r:1.0, port: 8080 }', '    leaves: { image: ghcr.io/acme/l:1.0, port: 9090, count: 2 }', '    volumes: { https-config: {} }', '    sidecars:', '      - { name: https, kind: tls, secret: sg-tls }', '      - { name: helper, image: busybox:1.36, mounts: [{ volume: https-config, path: /x }] }'),
    errors: ["10:16 name-collision: services.sg's pod would have two volumes named `https-config`: yours (volumes.https-config) and the TLS sidecar https's config"],
    hint: VOLUME_HINT('https-config'),
  },
  // ── two containers of one name ──
  {
    name: 'a sidecar named `elector` beside `election` (audit F11a)',
    text: web('    election: { lock: web-leader }', '    sidecars:', '      - { name: elector, image: busybox:1.36 }'),
    errors: ["12:17 duplicate-name: services.web's pod would have two containers named `elector`: your sidecar (sidecars[0]) and the leader elector that `election` adds"],
    hint: 'rename your sidecar `elector` (sidecars[0]): the leader elector that `election` adds has that name',
  },
  {
    name: "a sidecar named `map` on a batch service, whose map step's container is `map` (audit F11b)",
    text: batch('    sidecars:', '      - { name: map, image: busybox:1.36 }'),
    errors: ["11:17 duplicate-name: services.vc's pod vc-map would have two containers named `map`: your sidecar (sidecars[0]) and the map step's own container"],
    hint: "rename your sidecar `map` (sidecars[0]): the map step's own container has that name",
  },
  {
    name: 'an ambassador named `map` on a batch service: pointed at the ambassador',
    text: batch('    sidecars:', '      - { name: helper, image: busybox:1.36 }', '    ambassadors:', '      - { name: db, kind: proxy, listen: 5432, upstream: db.example.com:5432 }', '      - { name: map, kind: proxy, listen: 6379, upstream: cache.example.com:6379 }'),
    errors: ["14:17 duplicate-name: services.vc's pod vc-map would have two containers named `map`: your ambassador (ambassadors[1]) and the map step's own container"],
    hint: "rename your ambassador `map` (ambassadors[1]): the map step's own container has that name",
  },
  {
    name: 'a prometheus adapter named `elector` beside `election`',
    text: web('    election: { lock: web-leader }', '    adapters:', '      - { name: elector, kind: prometheus, image: ghcr.io/acme/exporter:1.0 }'),
    errors: ["12:17 duplicate-name: services.web's pod would have two containers named `elector`: your prometheus adapter (adapters[0]) and the leader elector that `election` adds"],
    hint: 'rename your prometheus adapter `elector` (adapters[0]): the leader elector that `election` adds has that name',
  },
  // (the next two pointed at the list `sidecars` while the item was inferred from the pod: a native
  // sidecar is in initContainers, the others in containers, and a failed one is in neither)
  {
    name: 'native and regular sidecars mixed: pointed at the sidecar itself, whose place it records',
    text: web('    election: { lock: web-leader }', '    sidecars:', '      - { name: warm, image: busybox:1.36, native: true }', '      - { name: elector, image: busybox:1.36 }'),
    errors: ["13:17 duplicate-name: services.web's pod would have two containers named `elector`: your sidecar (sidecars[1]) and the leader elector that `election` adds"],
    hint: 'rename your sidecar `elector` (sidecars[1]): the leader elector that `election` adds has that name',
  },
  {
    name: 'a sidecar left out before the clashing one (a TLS sidecar with nothing to proxy to): pointed at the clashing one',
    text: batch('    sidecars:', '      - { name: https, kind: tls, secret: vc-tls }', '      - { name: map, image: busybox:1.36 }'),
    errors: [
      '11:9 tls-sidecar-no-port: the TLS sidecar `https` has nothing to proxy to: the main container has no port',
      "12:17 duplicate-name: services.vc's pod vc-map would have two containers named `map`: your sidecar (sidecars[1]) and the map step's own container",
    ],
    hint: "rename your sidecar `map` (sidecars[1]): the map step's own container has that name",
  },
  {
    // (it was called a TLS sidecar: one was told by its mount of `<name>-config` at /etc/ddp)
    name: 'a sidecar of yours that mounts a volume `<its name>-config` at /etc/ddp is your sidecar, not a TLS sidecar',
    text: web('    volumes: { web-config: {} }', '    sidecars:', '      - { name: web, image: busybox:1.36, mounts: [{ volume: web-config, path: /etc/ddp }] }'),
    errors: ["12:17 duplicate-name: services.web's pod would have two containers named `web`: your sidecar (sidecars[0]) and the main container"],
    hint: 'rename your sidecar `web` (sidecars[0]): the main container has that name',
  },
  // ── two mounts at one path in a container ──
  {
    name: 'two mounts of yours at one path (audit F12a)',
    text: web('    volumes: { a: {}, b: {} }', '    mounts: [{ volume: a, path: /data }, { volume: b, path: /data }]'),
    errors: ["11:61 mount-path-clash: services.web's pod would mount two volumes at `/data` in container `web`: `a` (your mounts[0]) and `b` (your mounts[1])"],
    hint: 'give each mount of a container its own path',
  },
  {
    name: 'paths compared as the runtime sees them: `/data/`, `//data` and `/./data` are `/data`',
    text: web('    volumes: { a: {}, b: {}, c: {} }', '    mounts: [{ volume: a, path: /data/ }, { volume: b, path: //data }, { volume: c, path: /./data }]'),
    errors: ["11:91 mount-path-clash: services.web's pod would mount three volumes at `/data` (written `/data/`, `//data` and `/./data`) in container `web`: `a` (your mounts[0]), `b` (your mounts[1]) and `c` (your mounts[2])"],
    hint: 'give each mount of a container its own path',
  },
  {
    name: "a sharded service's own volume `data` (no `storage`) is yours, like any other",
    text: doc('  sh:', '    pattern: sharded', '    image: ghcr.io/acme/s:1.0', '    shards: 2', '    volumes: { data: { type: persistent }, other: {} }', '    mounts: [{ volume: data, path: /x }, { volume: other, path: /x }]'),
    errors: ["11:65 mount-path-clash: services.sh's pod would mount two volumes at `/x` in container `sh`: `data` (your mounts[0]) and `other` (your mounts[1])"],
    hint: 'give each mount of a container its own path',
  },
  {
    // (it was said as the storage volume, at storage.path, which this service does not have: a mount of `data` last was taken for storage's)
    name: "a sharded service's own volume `data` (no `storage`) mounted last is yours too",
    text: doc('  sh:', '    pattern: sharded', '    image: ghcr.io/acme/s:1.0', '    shards: 2', '    volumes: { data: { type: persistent }, other: {} }', '    mounts: [{ volume: other, path: /x }, { volume: data, path: /x }]'),
    errors: ["11:65 mount-path-clash: services.sh's pod would mount two volumes at `/x` in container `sh`: `other` (your mounts[0]) and `data` (your mounts[1])"],
    hint: 'give each mount of a container its own path',
  },
  {
    name: "a batch map step's mount at /data, storage's default path (audit F12b)",
    text: doc('  vc:', '    pattern: batch', '    map: { image: ghcr.io/acme/m:1.0, mounts: [{ volume: s, path: /data }] }', '    reduce: { image: ghcr.io/acme/r:1.0 }', '    volumes: { s: {} }'),
    errors: ["8:67 mount-path-clash: services.vc's pod vc-map would mount two volumes at `/data` in container `map`: `s` (your map.mounts[0]) and the storage volume `data` (storage.path, by default /data)"],
    hint: 'mount your volume at another path, or set storage.path to another directory',
  },
  {
    name: "a sharded service's mount at /data beside `storage` (audit m02)",
    text: doc('  sh:', '    pattern: sharded', '    image: ghcr.io/acme/s:1.0', '    shards: 2', '    storage: { size: 1Gi }', '    volumes: { extra: {} }', '    mounts: [{ volume: extra, path: /data }]'),
    errors: ["12:37 mount-path-clash: services.sh's pod would mount two volumes at `/data` in container `sh`: `extra` (your mounts[0]) and the storage volume `data` (storage.path, by default /data)"],
    hint: 'mount your volume at another path, or set storage.path to another directory',
  },
  {
    name: 'a logging adapter reading /etc/ddp, where fluent-bit has its config (audit F12c)',
    text: web('    adapters:', '      - { name: logs, kind: logging, path: /etc/ddp }'),
    errors: ["11:44 mount-path-clash: services.web's pod would mount two volumes at `/etc/ddp` in your logging adapter `logs`: its config and the log directory it reads (adapters[0].path)"],
    hint: 'give the logging adapter `logs` another path: /etc/ddp holds its config',
  },
  {
    name: 'a sidecar named after the service whose main container has that name',
    text: web('    sidecars:', '      - { name: web, image: busybox:1.36 }'),
    errors: ["11:17 duplicate-name: services.web's pod would have two containers named `web`: your sidecar (sidecars[0]) and the main container"],
    hint: 'rename your sidecar `web` (sidecars[0]): the main container has that name',
  },
  {
    name: "a sidecar's two mounts at one path: pointed at its second mount",
    text: web('    volumes: { a: {}, b: {} }', '    sidecars:', '      - { name: helper, image: busybox:1.36, mounts: [{ volume: a, path: /x }, { volume: b, path: /x/ }] }'),
    errors: ["12:99 mount-path-clash: services.web's pod would mount two volumes at `/x` (written `/x` and `/x/`) in your sidecar `helper`: `a` (your sidecars[0].mounts[0]) and `b` (your sidecars[0].mounts[1])"],
    hint: 'give each mount of a container its own path',
  },
  {
    // (it pointed at the list, `your sidecar's mounts[0]`: the sidecar's place was not known)
    name: "a sidecar's two mounts at one path, a native sidecar before it: pointed at its second mount",
    text: web('    volumes: { a: {}, b: {} }', '    sidecars:', '      - { name: warm, image: busybox:1.36, native: true }', '      - { name: helper, image: busybox:1.36, mounts: [{ volume: a, path: /x }, { volume: b, path: /x/ }] }'),
    errors: ["13:99 mount-path-clash: services.web's pod would mount two volumes at `/x` (written `/x` and `/x/`) in your sidecar `helper`: `a` (your sidecars[1].mounts[0]) and `b` (your sidecars[1].mounts[1])"],
    hint: 'give each mount of a container its own path',
  },
];

describe('pod uniqueness: what validate refuses, with where each name comes from', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const errors = await errorsOf(c.text);
    expect(errors.map(show)).toEqual(c.errors);
    expect(errors.find((d) => CLASHES.includes(d.code))?.hint).toBe(c.hint);
    for (const d of errors) expect(d.file).toBe('ddp.yaml');
    // generate refuses it with the same errors, each once (not once per pod)
    expect((await prepareErrors(c.text)).map(show)).toEqual(c.errors);
  });

  it("scatter-gather says your volume beside a TLS sidecar's as replicated does, whichever sidecar comes first (the TLS sidecar's volume used to take the place of yours)", async () => {
    const tls = '      - { name: https, kind: tls, secret: web-tls }';
    const helper = '      - { name: helper, image: busybox:1.36, mounts: [{ volume: https-config, path: /x }] }';
    const sg = (...sidecars: string[]) => doc('  web:', '    pattern: scatter-gather', '    root: { image: ghcr.io/acme/r:1.0, port: 8080 }', '    leaves: { image: ghcr.io/acme/l:1.0, port: 9090 }', '    volumes: { https-config: {} }', '    sidecars:', ...sidecars);
    const want = ["10:16 name-collision: services.web's pod would have two volumes named `https-config`: yours (volumes.https-config) and the TLS sidecar https's config"];
    for (const text of [sg(tls, helper), sg(helper, tls), web('    volumes: { https-config: {} }', '    sidecars:', tls, helper)]) {
      expect((await errorsOf(text)).map(show)).toEqual(want);
      expect((await prepareErrors(text)).map(show)).toEqual(want);
    }
  });

  it('a clash only an environment makes is named for it, at the line of the overlay', async () => {
    const text = web('    sidecars:', '      - { name: https, kind: tls, secret: web-tls }', 'environments:', '  prod:', '    services:', '      web:', '        volumes: { https-config: {} }');
    expect((await errorsOf(text)).map(show)).toEqual(["16:20 name-collision: services.web's pod would have two volumes named `https-config`: yours (volumes.https-config) and the TLS sidecar https's config (environment prod)"]);
  });
});

describe('pod uniqueness: the neighbours validate and generate as before', () => {
  const OK: [string, string][] = [
    ['a volume `data` on a replicated service, mounted at /data', web('    volumes: { data: {} }', '    mounts: [{ volume: data, path: /data }]')],
    ["a volume named near the TLS sidecar's (`https-conf`)", web('    volumes: { https-conf: {} }', '    mounts: [{ volume: https-conf, path: /conf }]', '    sidecars:', '      - { name: https, kind: tls, secret: web-tls }')],
    ['mounts at /data, /data2 and /data/sub', web('    volumes: { a: {}, b: {}, c: {} }', '    mounts: [{ volume: a, path: /data }, { volume: b, path: /data2 }, { volume: c, path: /data/sub }]')],
    ['one volume mounted at two paths', web('    volumes: { a: {} }', '    mounts: [{ volume: a, path: /data }, { volume: a, path: /cache }]')],
    ['a batch map step mounting /data when storage.path moves the storage', doc('  vc:', '    pattern: batch', '    map: { image: ghcr.io/acme/m:1.0, mounts: [{ volume: s, path: /data }] }', '    reduce: { image: ghcr.io/acme/r:1.0 }', '    volumes: { s: {} }', '    storage: { path: /work }')],
    ['a sharded service mounting /data2 beside storage at /data', doc('  sh:', '    pattern: sharded', '    image: ghcr.io/acme/s:1.0', '    shards: 2', '    storage: { size: 1Gi }', '    volumes: { extra: {} }', '    mounts: [{ volume: extra, path: /data2 }]')],
    ['a sidecar `elector2` beside `election`', web('    election: { lock: web-leader }', '    sidecars:', '      - { name: elector2, image: busybox:1.36 }')],
    ['a sidecar `mapper` on a batch service', batch('    sidecars:', '      - { name: mapper, image: busybox:1.36 }')],
    ["a sidecar named after the batch service (its pods' containers are map and reduce): it was refused", batch('    sidecars:', '      - { name: vc, image: busybox:1.36 }')],
    ['a logging adapter reading /etc/ddp-logs', web('    adapters:', '      - { name: logs, kind: logging, path: /etc/ddp-logs }')],
    ['scatter-gather: the root and a sidecar mounting one volume of yours: in the pod once', doc('  sg:', '    pattern: scatter-gather', '    root: { image: ghcr.io/acme/r:1.0, port: 8080, mounts: [{ volume: conf, path: /conf }] }', '    leaves: { image: ghcr.io/acme/l:1.0, port: 9090 }', '    volumes: { conf: {} }', '    sidecars:', '      - { name: https, kind: tls, secret: sg-tls }', '      - { name: helper, image: busybox:1.36, mounts: [{ volume: conf, path: /x }] }')],
    ['scatter-gather: a sidecar mounting a volume of yours beside a TLS sidecar', doc('  sg:', '    pattern: scatter-gather', '    root: { image: ghcr.io/acme/r:1.0, port: 8080 }', '    leaves: { image: ghcr.io/acme/l:1.0, port: 9090 }', '    volumes: { conf: {} }', '    sidecars:', '      - { name: https, kind: tls, secret: sg-tls }', '      - { name: helper, image: busybox:1.36, mounts: [{ volume: conf, path: /x }] }')],
    ['a mount of yours where the logging adapter reads: the adapter reads your volume', web('    volumes: { app-logs: {} }', '    mounts: [{ volume: app-logs, path: /var/log/app }]', '    adapters:', '      - { name: logs, kind: logging }')],
    ['the same path written otherwise (`/var/log/app/`): the adapter reads your volume too (it used to add one of its own, and the two clashed)', web('    volumes: { app-logs: {} }', '    mounts: [{ volume: app-logs, path: /var/log/app/ }]', '    adapters:', '      - { name: logs, kind: logging }')],
  ];
  it.each(OK)('%s', async (_name, text) => {
    expect((await errorsOf(text)).map(show)).toEqual([]);
    await prepareLoaded(parseTopologyText(text, 'ddp.yaml'), undefined);
  });

  it('your volume `web-tmp` mounted at /tmp/ is web\'s /tmp: no scratch volume beside it', async () => {
    const text = web('    volumes: { web-tmp: {} }', '    mounts: [{ volume: web-tmp, path: /tmp/ }]');
    expect(await errorsOf(text)).toEqual([]);
    const { model } = await prepareLoaded(parseTopologyText(text, 'ddp.yaml'), undefined);
    const pod = model.units[0].components[0].pod;
    expect(pod.volumes.map((v) => v.name)).toEqual(['web-tmp']);
    expect(pod.containers[0].mounts).toEqual([{ volume: 'web-tmp', path: '/tmp/', readOnly: false, origin: { yours: '/services/web/mounts/0' } }]);
    const docs = parseAllDocuments((await renderTargets(model, ['kubernetes'])).find((f) => f.path === 'kubernetes/web.yaml')!.content).map((d) => d.toJS());
    const spec = docs.find((d) => d?.kind === 'Deployment').spec.template.spec;
    expect(spec.volumes).toEqual([{ name: 'web-tmp', emptyDir: {} }]);
    expect(spec.containers[0].volumeMounts).toEqual([{ name: 'web-tmp', mountPath: '/tmp/' }]);
  });
});

describe('the scratch volume step and the path key', () => {
  const component = (): Component => ({
    name: 'web',
    role: 'server',
    workload: 'Deployment',
    replicas: 1,
    compose: {},
    pod: {
      initContainers: [],
      containers: [{ name: 'web', image: 'x', imagePullPolicy: 'IfNotPresent', ports: [], env: [], resources: { cpu: '1', memory: '1Mi', cpuLimit: '1', memoryLimit: '1Mi' }, mounts: [], runAsUser: 10001, role: 'main' }],
      volumes: [{ name: 'web-tmp', persistent: { size: '1Gi' } }],
    },
  });

  it("never takes a volume of yours for a container's /tmp: it adds its own, and validate says the two names clash", () => {
    const c = component();
    addScratchVolumes(c);
    expect(c.pod.volumes).toEqual([
      { name: 'web-tmp', persistent: { size: '1Gi' } },
      { name: 'web-tmp', emptyDir: {}, origin: { addedBy: 'the scratch space ddp mounts at /tmp in web' } },
    ]);
    expect(c.pod.containers[0].mounts).toEqual([{ volume: 'web-tmp', path: '/tmp', readOnly: false, origin: { addedBy: 'the scratch space ddp mounts at /tmp' } }]);
  });

  it('two containers of one name (refused too) share the one scratch volume it adds', () => {
    const c = component();
    c.pod.volumes = [];
    c.pod.containers.push({ ...c.pod.containers[0], mounts: [] });
    addScratchVolumes(c);
    expect(c.pod.volumes).toEqual([{ name: 'web-tmp', emptyDir: {}, origin: { addedBy: 'the scratch space ddp mounts at /tmp in web' } }]);
  });

  it('mountPathKey: trailing /, //, /./ and .. as the runtime resolves them; anything else as written', () => {
    expect(['/data', '/data/', '//data', '/./data', '/data/.', '/a//b/./c/', '/a/../b', '/', '//', '/.cache', '/data2'].map(mountPathKey)).toEqual(['/data', '/data', '/data', '/data', '/data', '/a/b/c', '/b', '/', '/', '/.cache', '/data2']);
  });
});
