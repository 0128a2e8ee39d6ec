// The function pattern (issue 3): Deployment + HPA, Knative Service, CronJob, queue consumer,
// decorators (the decorated service's Ingress or TLS layer routes through the function), and the
// validation of what does not fit together.
import { describe, expect, it } from 'vitest';
import { validateKubernetes, parseAllDocuments } from '../helpers/kubernetes.js';
import { validateCompose } from '../helpers/compose.js';
import { TOPOLOGY_HEAD, composeDoc, failures, file, generate, kubeObject, kubeObjects } from './single-node-helpers.js';
import { reachable } from './serving-helpers.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const topo = (lines: string[]) => TOPOLOGY_HEAD + lines.join('\n') + '\n';
const fn = (name: string, fields: string[]) => [`  ${name}:`, '    pattern: function', ...fields.map((f) => `    ${f}`)];
const envOf = (c: Obj) => Object.fromEntries((c.env ?? []).map((e: Obj) => [e.name, e.value ?? e.valueFrom]));
const mainOf = (o: Obj) => (o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template : o.spec.template).spec.containers[0];
const WEB = ['  web:', '    pattern: replicated', '    image: ghcr.io/acme/web:1.4.2', '    port: 8080'];

async function strictlyValid(text: string): Promise<void> {
  const g = await generate(text);
  for (const f of g.files.filter((x) => x.target === 'kubernetes')) expect({ path: f.path, problems: validateKubernetes(parseAllDocuments(f.content)) }).toEqual({ path: f.path, problems: [] });
  expect(validateCompose(composeDoc(g.files))).toEqual([]);
}

describe('function: runtime deployment', () => {
  it('a Deployment without fixed replicas, a Service and an HPA within scale', async () => {
    const g = await generate(topo(fn('add', ['image: acme/add:1.0.0', 'port: 8081', 'scale: { min: 2, max: 6, cpu: 55 }'])));
    const d = kubeObject(g.files, 'Deployment', 'add');
    expect(d.spec.replicas).toBeUndefined();
    expect(mainOf(d).ports).toEqual([{ name: 'main', containerPort: 8081, protocol: 'TCP' }]);
    expect(kubeObject(g.files, 'Service', 'add').spec.ports).toEqual([{ name: 'main', port: 8081, targetPort: 8081, protocol: 'TCP' }]);
    const hpa = kubeObject(g.files, 'HorizontalPodAutoscaler', 'add');
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'add' },
      minReplicas: 2,
      maxReplicas: 6,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 55 } } }],
    });
    expect(kubeObject(g.files, 'PodDisruptionBudget', 'add').spec.maxUnavailable).toBe(1);
    expect(composeDoc(g.files).services.add.deploy.replicas).toBe(2);
  });

  it('defaults: port 8080, scale 1 to 10 at 70% CPU, no PodDisruptionBudget for one replica', async () => {
    const g = await generate(topo(fn('add', ['image: acme/add:1.0.0'])));
    expect(kubeObject(g.files, 'HorizontalPodAutoscaler', 'add').spec).toMatchObject({ minReplicas: 1, maxReplicas: 10, metrics: [{ resource: { target: { averageUtilization: 70 } } }] });
    expect(mainOf(kubeObject(g.files, 'Deployment', 'add')).ports[0].containerPort).toBe(8080);
    expect(kubeObjects(g.files).filter((o) => o.kind === 'PodDisruptionBudget')).toEqual([]);
  });
});

describe('function: runtime knative', () => {
  const KN = topo(fn('resize', ['image: acme/resize:0.4.0', 'port: 8080', 'runtime: knative', 'scale: { min: 0, max: 20 }', 'health: { path: /ready }']));

  it('a serving.knative.dev/v1 Service with min/max-scale annotations and a revision Knative accepts', async () => {
    const g = await generate(KN);
    const objs = kubeObjects(g.files).filter((o) => o.metadata?.name === 'resize');
    expect(objs.map((o) => `${o.apiVersion} ${o.kind}`)).toEqual(['serving.knative.dev/v1 Service']);
    const ks = objs[0]!;
    expect(ks.spec.template.metadata.annotations).toEqual({ 'autoscaling.knative.dev/max-scale': '20', 'autoscaling.knative.dev/min-scale': '0' });
    const spec = ks.spec.template.spec;
    // Knative: no pod-level securityContext (a feature flag), automount only false, one port named http1
    expect(spec.securityContext).toBeUndefined();
    expect(spec.automountServiceAccountToken).toBe(false);
    const c = spec.containers[0];
    expect(c.ports).toEqual([{ name: 'http1', containerPort: 8080, protocol: 'TCP' }]);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 8080 });
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    // Knative reserves /, /dev, /dev/log, /tmp, /var and /var/log: scratch space is /var/tmp, named by TMPDIR
    expect(c.volumeMounts).toEqual([{ name: 'resize-tmp', mountPath: '/var/tmp' }]);
    expect(envOf(c)).toEqual({ TMPDIR: '/var/tmp' });
    expect(spec.volumes).toEqual([{ name: 'resize-tmp', emptyDir: {} }]);
    expect(kubeObjects(g.files).filter((o) => o.kind === 'HorizontalPodAutoscaler' || o.kind === 'Deployment')).toEqual([]);
    await strictlyValid(KN);
  });

  it('scale.cpu switches Knative to its HPA-class autoscaler on CPU; compose runs at least one replica', async () => {
    const g = await generate(topo(fn('resize', ['image: acme/resize:0.4.0', 'runtime: knative', 'scale: { max: 5, cpu: 80 }'])));
    expect(kubeObject(g.files, 'Service', 'resize').spec.template.metadata.annotations).toEqual({
      'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev',
      'autoscaling.knative.dev/max-scale': '5',
      'autoscaling.knative.dev/metric': 'cpu',
      'autoscaling.knative.dev/min-scale': '0',
      'autoscaling.knative.dev/target': '80',
    });
    const svc = composeDoc(g.files).services.resize;
    expect(svc.deploy.replicas).toBe(1);
    expect(svc.volumes).toEqual([{ type: 'tmpfs', target: '/var/tmp' }]);
  });
});

describe('function: trigger schedule', () => {
  const CRON = topo(fn('report', ['image: acme/report:2.1.0', 'trigger: { schedule: "30 2 * * *", concurrencyPolicy: Replace }']));

  it('a CronJob with concurrencyPolicy and history limits; no Service, no probes', async () => {
    const g = await generate(CRON);
    const cj = kubeObject(g.files, 'CronJob', 'report');
    expect(cj.spec).toMatchObject({ schedule: '30 2 * * *', concurrencyPolicy: 'Replace', successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect(cj.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 2, ttlSecondsAfterFinished: 86400 });
    expect(cj.spec.jobTemplate.spec.template.spec.restartPolicy).toBe('OnFailure');
    // the Jobs it starts carry the labels of every generated object (TOPOLOGY.md), as its pods do
    expect(cj.spec.jobTemplate.metadata.labels).toEqual(cj.metadata.labels);
    expect(cj.spec.jobTemplate.spec.template.metadata.labels).toEqual(cj.metadata.labels);
    expect(mainOf(cj).readinessProbe).toBeUndefined();
    expect(kubeObjects(g.files).filter((o) => o.kind === 'Service' || o.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    await strictlyValid(CRON);
  });

  it('concurrencyPolicy defaults to Forbid; compose runs it once and says so in the file and the report', async () => {
    const g = await generate(topo(fn('report', ['image: acme/report:2.1.0', 'trigger: { schedule: "@hourly" }'])));
    expect(kubeObject(g.files, 'CronJob', 'report').spec.concurrencyPolicy).toBe('Forbid');
    expect(composeDoc(g.files).services.report.restart).toBe('no');
    const message = 'compose: report runs once when the project starts, not on its schedule `@hourly` (compose has no scheduler); run it again with `docker compose run --rm report`';
    expect(g.model.notes.filter((n) => n.code === 'compose-no-schedule').map((n) => [n.message, n.pointer])).toEqual([[message, '/services/report/trigger/schedule']]);
    expect(file(g.files, 'compose/docker-compose.yml')).toContain(`# WARNING: ${message.replace('compose: ', '')}\n`);
  });
});

describe('function: trigger queue', () => {
  const queue = (broker: string) => ['  emails:', '    pattern: work-queue', `    broker: ${broker}`, '    queue: outbox', '    worker: { image: acme/archiver:1.0.0 }'];
  const consumer = fn('send', ['image: acme/send:3.2.0', 'trigger: { queue: emails }', 'scale: { min: 1, max: 5 }']);

  it('consumes the work queue: broker URL and queue in env, KEDA scales it on the queue length, compose waits for the broker', async () => {
    const g = await generate(topo([...queue('redis'), ...consumer]));
    const d = kubeObject(g.files, 'Deployment', 'send');
    expect(d.spec.replicas).toBeUndefined();
    expect(envOf(mainOf(d))).toEqual({ DDP_BROKER_URL: 'redis://emails-broker:6379', DDP_QUEUE: 'outbox', DDP_WORKER_ID: { fieldRef: { fieldPath: 'metadata.name' } } });
    expect(kubeObject(g.files, 'ScaledObject', 'send').spec).toMatchObject({
      scaleTargetRef: { name: 'send' },
      minReplicaCount: 1,
      maxReplicaCount: 5,
      triggers: [{ type: 'redis', metadata: { address: 'emails-broker.shop.svc.cluster.local:6379', listName: 'outbox', listLength: '5' } }],
    });
    expect(kubeObjects(g.files).filter((o) => o.kind === 'Service' && o.metadata.name === 'send')).toEqual([]);
    expect(composeDoc(g.files).services.send.depends_on).toEqual({ 'emails-broker': { condition: 'service_healthy' } });
    await strictlyValid(topo([...queue('redis'), ...consumer]));
  });

  it('nats: the stream and the durable consumer the workers share; an outside broker: its URL, nothing to wait for', async () => {
    const nats = await generate(topo([...queue('nats'), ...consumer]));
    expect(envOf(mainOf(kubeObject(nats.files, 'Deployment', 'send')))).toEqual({ DDP_BROKER_URL: 'nats://emails-broker:4222', DDP_CONSUMER: 'emails', DDP_QUEUE: 'outbox', DDP_STREAM: 'outbox' });
    const outside = await generate(topo([...queue('{ url: "amqp://mq.example.com:5672" }'), ...consumer]));
    expect(envOf(mainOf(kubeObject(outside.files, 'Deployment', 'send')))).toEqual({ DDP_BROKER_URL: 'amqp://mq.example.com:5672', DDP_QUEUE: 'outbox' });
    expect(composeDoc(outside.files).services.send.depends_on).toBeUndefined();
  });
});

describe('function: decorates', () => {
  /** The Service and port UPSTREAM_URL names exist in the output. */
  function expectUpstream(g: Awaited<ReturnType<typeof generate>>, fnName: string, url: string): void {
    expect(envOf(mainOf(kubeObject(g.files, 'Deployment', fnName))).UPSTREAM_URL).toBe(url);
    const { hostname, port } = new URL(url);
    expect(reachable(kubeObjects(g.files)).get(hostname)).toMatchObject({ kind: 'service', ports: expect.arrayContaining([Number(port)]) });
  }
  const decorator = (target: string) => fn('add-defaults', ['image: acme/add-defaults:1.0.3', 'port: 8090', `decorates: ${target}`]);

  it('a TLS layer sends its traffic to the function, which calls the service behind it', async () => {
    const g = await generate(topo([...WEB, '    tls: { secret: web-tls }', '    expose: { host: shop.example.com }', ...decorator('web')]));
    expect(file(g.files, 'nginx/web-tls.conf')).toContain('server add-defaults:8090;');
    expect(kubeObject(g.files, 'Ingress', 'web').spec.rules[0].http.paths[0].backend).toEqual({ service: { name: 'web-tls', port: { number: 8443 } } });
    expectUpstream(g, 'add-defaults', 'http://web:8080');
    const compose = composeDoc(g.files);
    expect(compose.services['web-tls'].ports).toEqual([{ target: 8443, published: '8443-8444', protocol: 'tcp' }]);
    expect(compose.services['add-defaults'].ports).toBeUndefined();
  });

  it('without TLS, the Ingress sends traffic to the function (compose publishes it); behind it the cache layer', async () => {
    const g = await generate(topo([...WEB, '    cache: { replicas: 2 }', '    expose: { host: shop.example.com }', ...decorator('web')]));
    expect(kubeObject(g.files, 'Ingress', 'web').spec.rules[0].http.paths[0].backend).toEqual({ service: { name: 'add-defaults', port: { number: 8090 } } });
    expectUpstream(g, 'add-defaults', 'http://web-cache:8080');
    const compose = composeDoc(g.files);
    expect(compose.services['add-defaults'].ports).toEqual([{ target: 8090, published: '8090', protocol: 'tcp' }]);
    expect(compose.services['web-cache'].ports).toBeUndefined();
  });

  it('a sharded service: its Ingress goes to the function, the function calls the router', async () => {
    const pages = ['  pages:', '    pattern: sharded', '    image: acme/pages:1.0.0', '    shards: 2', '    router: { port: 9000 }', '    expose: { host: pages.example.com }'];
    const g = await generate(topo([...pages, ...decorator('pages')]));
    expect(kubeObject(g.files, 'Ingress', 'pages').spec.rules[0].http.paths[0].backend).toEqual({ service: { name: 'add-defaults', port: { number: 8090 } } });
    expectUpstream(g, 'add-defaults', 'http://pages-router:9000');
  });

  it('a scatter-gather service and another function: the function calls the root, or the function', async () => {
    const search = ['  search:', '    pattern: scatter-gather', '    root: { image: acme/root:1.0.0, port: 7000 }', '    leaves: { image: acme/leaf:1.0.0 }'];
    expectUpstream(await generate(topo([...search, ...decorator('search')])), 'add-defaults', 'http://search:7000');
    const inner = fn('inner', ['image: acme/inner:1.0.0', 'port: 7100', 'expose: { host: inner.example.com }']);
    const g = await generate(topo([...inner, ...decorator('inner')]));
    expectUpstream(g, 'add-defaults', 'http://inner:7100');
    expect(kubeObject(g.files, 'Ingress', 'inner').spec.rules[0].http.paths[0].backend).toEqual({ service: { name: 'add-defaults', port: { number: 8090 } } });
  });

  it('the example: Ingress → web-tls → add-defaults → web, valid on every schema', async () => {
    const text = topo([...WEB, '    tls: { secret: web-tls }', '    expose: { host: shop.example.com }', ...decorator('web')]);
    await strictlyValid(text);
  });
});

describe('function: validation', () => {
  const messages = async (lines: string[]) => (await failures(topo(lines))).map((d) => ({ code: d.code, message: d.message, hint: d.hint, pointer: d.pointer }));

  it('scale.min 0 without knative', async () => {
    expect(await messages(fn('f', ['image: acme/f:1.0.0', 'scale: { min: 0, max: 3 }']))).toEqual([
      { code: 'scale-to-zero', message: 'scale.min 0 needs `runtime: knative`: a Deployment with an HPA cannot scale to zero', hint: 'set `runtime: knative`, or raise scale.min to 1', pointer: '/services/f/scale/min' },
    ]);
  });

  it('knative with a schedule; a schedule with expose, decorates and scale', async () => {
    expect(await messages(fn('f', ['image: acme/f:1.0.0', 'runtime: knative', 'trigger: { schedule: "@daily" }']))).toEqual([
      { code: 'knative-needs-http', message: 'runtime knative serves HTTP requests; a scheduled function runs as a CronJob', hint: 'remove `runtime: knative`, or use `trigger: http`', pointer: '/services/f/runtime' },
    ]);
    expect(await messages([...WEB, ...fn('f', ['image: acme/f:1.0.0', 'trigger: { schedule: "@daily" }', 'expose: { host: f.example.com }', 'decorates: web', 'scale: { max: 2 }'])])).toEqual([
      { code: 'expose-needs-http', message: 'expose routes HTTP requests to f, but a scheduled function runs as a CronJob and takes none', hint: 'remove `expose`, or use `trigger: http`', pointer: '/services/f/expose' },
      { code: 'decorator-needs-http', message: 'a decorator takes the requests of the service it fronts, but a scheduled function runs as a CronJob', hint: 'use `trigger: http`', pointer: '/services/f/decorates' },
      { code: 'scale-not-scheduled', message: 'a scheduled function runs one Job per schedule: `scale` does not apply', hint: 'remove `scale`', pointer: '/services/f/scale' },
    ]);
  });

  it('knative with expose, a reserved variable, a persistent volume, a second port', async () => {
    expect(await messages(fn('f', ['image: acme/f:1.0.0', 'runtime: knative', 'expose: { host: f.example.com }', 'env: { PORT: "9000" }', 'volumes: { cache: { type: persistent } }']))).toEqual([
      { code: 'knative-expose', message: "a Knative Service is reached through Knative's own ingress (f.<namespace>.<domain>), not an Ingress", hint: 'remove `expose` (map a domain with a Knative DomainMapping), or use `runtime: deployment`', pointer: '/services/f/expose' },
      { code: 'knative-reserved-env', message: 'Knative sets PORT itself and rejects a revision that sets it', hint: 'rename PORT', pointer: '/services/f/env/PORT' },
      { code: 'knative-volume', message: 'Knative revisions take no persistent volumes; `cache` is one', hint: 'use `type: emptyDir`, or `runtime: deployment`', pointer: '/services/f/volumes/cache' },
    ]);
    expect(await messages(fn('f', ['image: acme/f:1.0.0', 'runtime: knative', 'sidecars: [{ name: stats, image: acme/stats:1.0.0, port: 9100 }]']))).toEqual([
      { code: 'knative-ports', message: "a Knative revision serves exactly one port, but f's pod has ports on f, stats", hint: 'give the function one `port` and no sidecar, adapter or elector with a port, or use `runtime: deployment`', pointer: '/services/f' },
    ]);
  });

  it('decorating what takes no HTTP, a Knative function, or an exposed service from Knative; two decorators', async () => {
    const wq = ['  jobs:', '    pattern: work-queue', '    worker: { image: acme/w:1.0.0 }'];
    expect(await messages([...wq, ...fn('f', ['image: acme/f:1.0.0', 'decorates: jobs'])])).toEqual([
      { code: 'bad-reference', message: '`decorates` fronts an HTTP service, but `jobs` is a work-queue', hint: 'decorate a replicated, http sharded, scatter-gather or http function service', pointer: '/services/f/decorates' },
    ]);
    expect(await messages([...fn('kn', ['image: acme/kn:1.0.0', 'runtime: knative']), ...fn('f', ['image: acme/f:1.0.0', 'decorates: kn'])])).toEqual([
      { code: 'knative-decorated', message: '`kn` runs on Knative, which only its own ingress reaches: a decorator cannot sit in front of it', hint: 'give `kn` `runtime: deployment`', pointer: '/services/f/decorates' },
    ]);
    expect(await messages([...WEB, '    expose: { host: shop.example.com }', ...fn('f', ['image: acme/f:1.0.0', 'runtime: knative', 'decorates: web'])])).toEqual([
      { code: 'knative-decorator', message: "the Ingress of `web` must send its traffic through f, but a Knative Service is reached only through Knative's ingress", hint: 'use `runtime: deployment` for a decorator in front of an exposed service', pointer: '/services/f/runtime' },
    ]);
    expect(await messages([...WEB, ...fn('a', ['image: acme/a:1.0.0', 'decorates: web']), ...fn('b', ['image: acme/b:1.0.0', 'decorates: web'])])).toEqual([
      { code: 'duplicate-decorator', message: '`web` is decorated by both `a` and `b`; its front routes through one function', hint: 'one function decorates a service: merge the two, or remove `decorates` from one of them', pointer: '/services/b/decorates' },
    ]);
  });

  it('a queue trigger naming something that is not a work queue', async () => {
    expect(await messages([...WEB, ...fn('f', ['image: acme/f:1.0.0', 'trigger: { queue: web }'])])).toEqual([
      { code: 'bad-reference', message: 'trigger.queue `web` is replicated, not a work-queue', hint: 'point trigger.queue at a `pattern: work-queue` service', pointer: '/services/f/trigger/queue' },
    ]);
  });
});
