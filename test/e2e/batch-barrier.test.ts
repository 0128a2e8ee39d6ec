// End to end: the batch join barrier of examples/12-batch. The reduce Job's generated init
// container (its exact command, args and env) runs the real kubectl against a small fake
// Kubernetes API server: it keeps waiting while the map Job is active, exits 0 once the Job is
// Complete, and every request it makes is allowed by the generated Role — which grants no verb
// that kubectl does not use.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderExample } from '../examples.js';
import { binaryPath, describeWithBinaries } from '../helpers/binaries.js';
import { allocateAddresses, freePort, makeTempDir } from '../helpers/proxies.js';
import { kubeObject, podSpec, type Obj } from '../patterns/batch-helpers.js';

interface Rule { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }
interface Request { verb: string; group: string; resource: string; namespace: string; name?: string }

/** The RBAC decision for a resource request (resourceNames bind get by name, list/watch by a metadata.name field selector). */
function allowed(rules: Rule[], r: Request): boolean {
  return rules.some((rule) => rule.apiGroups.includes(r.group) && rule.resources.includes(r.resource) && rule.verbs.includes(r.verb) && (!rule.resourceNames || (r.name !== undefined && rule.resourceNames.includes(r.name))));
}

/** A fake API server that knows one Job; `complete()` sets its Complete condition and tells every open watch. */
function fakeApiServer(namespace: string, jobName: string) {
  let done = false;
  const requests: Request[] = [];
  const other: string[] = [];
  const watches: http.ServerResponse[] = [];
  const job = () => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: jobName, namespace, uid: 'b5d0c2c4-0000-4000-8000-000000000001', resourceVersion: done ? '2' : '1' },
    spec: { completionMode: 'Indexed' },
    status: done ? { succeeded: 10, conditions: [{ type: 'Complete', status: 'True' }] } : { active: 5 },
  });
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://api');
    const send = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const discovery: Record<string, object> = {
      '/version': { major: '1', minor: '31', gitVersion: 'v1.31.2' },
      '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
      '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: 'batch', versions: [{ groupVersion: 'batch/v1', version: 'v1' }], preferredVersion: { groupVersion: 'batch/v1', version: 'v1' } }] },
      '/api/v1': { kind: 'APIResourceList', groupVersion: 'v1', resources: [] },
      '/apis/batch/v1': { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'batch/v1', resources: [{ name: 'jobs', singularName: 'job', namespaced: true, kind: 'Job', verbs: ['get', 'list', 'watch'] }] },
    };
    if (discovery[u.pathname]) return send(200, discovery[u.pathname]);
    const m = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs(?:\/([^/]+))?$/.exec(u.pathname);
    if (!m || req.method !== 'GET') {
      other.push(`${req.method} ${u.pathname}`);
      return send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound' });
    }
    const field = /^metadata\.name=(.+)$/.exec(u.searchParams.get('fieldSelector') ?? '');
    const watch = u.searchParams.get('watch') === 'true';
    requests.push({ verb: m[2] ? 'get' : watch ? 'watch' : 'list', group: 'batch', resource: 'jobs', namespace: m[1], name: m[2] ?? field?.[1] });
    if (m[1] !== namespace || (m[2] !== undefined && m[2] !== jobName)) return send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound' });
    if (m[2]) return send(200, job());
    if (watch) {
      res.writeHead(200, { 'content-type': 'application/json' });
      watches.push(res);
      return;
    }
    send(200, { kind: 'JobList', apiVersion: 'batch/v1', metadata: { resourceVersion: done ? '2' : '1' }, items: [job()] });
  });
  return {
    server,
    requests,
    other,
    complete() {
      done = true;
      for (const w of watches) w.write(JSON.stringify({ type: 'MODIFIED', object: job() }) + '\n');
    },
    close() {
      for (const w of watches) w.end();
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describeWithBinaries(['kubectl'], 'batch join barrier: the generated init container with a real kubectl', () => {
  let api: ReturnType<typeof fakeApiServer>;
  let kubectl: ChildProcess | undefined;
  let exit: Promise<number | null>;
  let stdout = '';
  let stderr = '';
  let rules: Rule[] = [];
  let namespace = '';

  beforeAll(async () => {
    const files = await renderExample('12-batch');
    const reduce = kubeObject(files, 'Job', 'vehicle-count-reduce');
    namespace = reduce.metadata.namespace;
    rules = kubeObject(files, 'Role', podSpec(reduce).serviceAccountName).rules;
    const init = podSpec(reduce).initContainers[0] as Obj;
    api = fakeApiServer(namespace, 'vehicle-count-map');
    const ip = allocateAddresses(['api']).api;
    const port = await freePort(ip);
    await new Promise<void>((r) => api.server.listen(port, ip, r));
    // the pod's in-cluster config (API address, its own namespace) as a kubeconfig
    const dir = makeTempDir('kubectl');
    writeFileSync(join(dir, 'kubeconfig'), JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'pod',
      clusters: [{ name: 'cluster', cluster: { server: `http://${ip}:${port}` } }],
      contexts: [{ name: 'pod', context: { cluster: 'cluster', namespace, user: 'reduce' } }],
      users: [{ name: 'reduce', user: {} }],
    }));
    const env = Object.fromEntries((init.env as Obj[]).map((e) => [e.name, e.value as string]));
    expect(env).toEqual({ HOME: '/tmp' });
    const [cmd, ...cmdArgs] = init.command as string[];
    // HOME holds kubectl's discovery cache: /tmp is the container's emptyDir, a temp dir here
    kubectl = spawn(binaryPath(cmd), [...cmdArgs, ...(init.args as string[])], { env: { ...env, HOME: dir, KUBECONFIG: join(dir, 'kubeconfig') }, stdio: ['ignore', 'pipe', 'pipe'] });
    kubectl.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    kubectl.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    exit = new Promise((resolve) => kubectl!.once('exit', (code) => resolve(code)));
  });

  afterAll(async () => {
    if (kubectl && kubectl.exitCode === null) kubectl.kill('SIGKILL');
    await api?.close();
  });

  it('holds reduce back while the map Job runs and releases it once the Job is Complete', async () => {
    // kubectl has looked at the active Job and is watching it, still waiting
    const deadline = Date.now() + 15_000;
    while (!api.requests.some((r) => r.verb === 'watch') && kubectl!.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    expect(kubectl!.exitCode, `kubectl: ${stdout}${stderr}`).toBeNull();
    expect(api.requests.map((r) => r.verb)).toContain('watch');
    api.complete();
    const code = await Promise.race([exit, new Promise((r) => setTimeout(() => r('still waiting after 15 s'), 15_000))]);
    expect(code, `kubectl: ${stdout}${stderr}`).toBe(0);
    expect(stdout).toBe('job.batch/vehicle-count-map condition met\n');
  });

  it('asks only for the map Job in its own namespace, and the generated Role allows exactly the verbs it uses', () => {
    expect(api.other).toEqual([]);
    expect(api.requests.length).toBeGreaterThan(0);
    for (const r of api.requests) {
      expect(r).toMatchObject({ namespace, name: 'vehicle-count-map' });
      expect(allowed(rules, r), JSON.stringify(r)).toBe(true);
    }
    expect([...new Set(api.requests.map((r) => r.verb))].sort()).toEqual([...new Set(rules.flatMap((r) => r.verbs))].sort());
    // and nothing else: the Role does not let it see another Job
    expect(allowed(rules, { verb: 'get', group: 'batch', resource: 'jobs', namespace, name: 'vehicle-count-reduce' })).toBe(false);
    expect(allowed(rules, { verb: 'list', group: 'batch', resource: 'jobs', namespace })).toBe(false);
  });
});
