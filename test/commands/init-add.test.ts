// `ddp init` and `ddp add` round trips: what they write validates and generates, `add` keeps every
// byte of the file it edits (comments, alignment, blank lines, order) and only inserts lines.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync, chmodSync, symlinkSync, lstatSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInit } from '../../src/commands/init.js';
import { runAdd } from '../../src/commands/add.js';
import { runGenerate } from '../../src/commands/generate.js';
import { runValidate } from '../../src/commands/validate.js';
import { DdpError } from '../../src/diagnostics.js';
import { PATTERN_IDS } from '../../src/explain/patterns.js';
import { ROOT } from '../examples.js';

/** Patterns whose module exists in this tree (others land as their engineers finish them). */
const implemented = (p: string): boolean => {
  const mod = p === 'pipeline' ? 'pipeline' : ['sidecar', 'ambassador', 'adapter', 'election'].includes(p) ? 'replicated' : p;
  return existsSync(join(ROOT, 'src', 'patterns', `${mod}.ts`));
};
const ready = PATTERN_IDS.filter(implemented);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ddp-init-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function diagnosticsOf(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DdpError) return e.diagnostics.map((d) => `${d.code}: ${d.message}`);
    throw e;
  }
  throw new Error('expected a DdpError');
}

describe('ddp init', () => {
  it('knows every pattern of ddp explain', () => {
    expect(PATTERN_IDS).toEqual(['replicated', 'sharded', 'scatter-gather', 'function', 'work-queue', 'batch', 'pipeline', 'sidecar', 'ambassador', 'adapter', 'election']);
    expect(ready).toContain('replicated');
  });

  it.each(ready)('scaffolds %s: the file validates and generates', async (pattern) => {
    const r = await runInit({ dir: 'app', pattern, name: 'demo', cwd: dir });
    expect(r).toEqual({ file: 'app/ddp.yaml', pattern, name: 'demo', overwritten: false, diagnostics: [] });
    const text = readFileSync(join(dir, 'app', 'ddp.yaml'), 'utf8');
    expect(text.startsWith(`# demo: a ddp topology — `)).toBe(true);
    expect(text).toContain(`#   ddp explain ${pattern}`);
    expect((await runValidate({ file: 'app/ddp.yaml', cwd: dir })).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const g = await runGenerate({ file: 'app/ddp.yaml', out: 'out', cwd: dir });
    expect(g.files.some((f) => f.path === 'compose/docker-compose.yml')).toBe(true);
    expect(g.files.some((f) => f.path.startsWith('kubernetes/demo'))).toBe(true);
  });

  it('--image: your image in the scaffold (several by key, as ddp add); a bad one is refused before anything is written', async () => {
    await runInit({ dir: 'a', pattern: 'replicated', name: 'web', cwd: dir, images: ['registry.example.com/web:2.0'] });
    expect(readFileSync(join(dir, 'a', 'ddp.yaml'), 'utf8')).toContain('\n    image: registry.example.com/web:2.0        # your image, pinned to a version\n');
    await runInit({ dir: 'b', pattern: 'batch', name: 'count', cwd: dir, images: ['reduce=registry.example.com/count-reduce:1'] });
    const b = readFileSync(join(dir, 'b', 'ddp.yaml'), 'utf8');
    expect(b).toContain('\n    reduce: { image: registry.example.com/count-reduce:1 }\n');
    expect(b).toContain('ghcr.io/acme/count-map:1.0.0');
    expect(await diagnosticsOf(runInit({ dir: 'c', pattern: 'batch', name: 'count', cwd: dir, images: ['registry.example.com/x:1'] }))).toEqual(['bad-option: --image registry.example.com/x:1: `batch` has 2 images (map, reduce): say which each is']);
    expect(existsSync(join(dir, 'c'))).toBe(false);
  });

  it('refuses to overwrite without --force, and replaces with it', async () => {
    writeFileSync(join(dir, 'ddp.yaml'), '# mine\n');
    expect(await diagnosticsOf(runInit({ pattern: 'replicated', name: 'web', cwd: dir }))).toEqual(['file-exists: ddp.yaml exists; ddp init does not overwrite it']);
    expect(readFileSync(join(dir, 'ddp.yaml'), 'utf8')).toBe('# mine\n');
    const r = await runInit({ pattern: 'replicated', name: 'web', cwd: dir, force: true });
    expect(r.overwritten).toBe(true);
    expect(readFileSync(join(dir, 'ddp.yaml'), 'utf8')).toContain('  web:\n    pattern: replicated\n');
  });

  it('a DIR that is a file: file-unwritable (exit 1), not an internal error; nothing left behind', async () => {
    writeFileSync(join(dir, 'plain'), 'x\n');
    expect(await diagnosticsOf(runInit({ dir: 'plain', pattern: 'replicated', name: 'web', cwd: dir }))).toEqual(['file-unwritable: cannot write plain/ddp.yaml: a part of the path is a file, not a directory']);
    expect(await diagnosticsOf(runInit({ dir: 'plain/deeper', pattern: 'replicated', name: 'web', cwd: dir }))).toEqual(['file-unwritable: cannot write plain/deeper/ddp.yaml: a part of the path is a file, not a directory']);
    expect(readdirSync(dir).sort()).toEqual(['plain']);
  });

  it('without a terminal it needs the flags (never waits for input)', async () => {
    expect(await diagnosticsOf(runInit({ cwd: dir }))).toEqual(['missing-option: --pattern and --name are required when ddp init does not run on a terminal']);
    expect(await diagnosticsOf(runInit({ cwd: dir, pattern: 'replicated' }))).toEqual(['missing-option: --name is required when ddp init does not run on a terminal']);
    expect(await diagnosticsOf(runInit({ cwd: dir, pattern: 'replicatd', name: 'x' }))).toEqual(['unknown-pattern: --pattern replicatd: no such pattern']);
    expect(await diagnosticsOf(runInit({ cwd: dir, pattern: 'replicated', name: 'Web_1' }))).toEqual(['invalid-name: --name "Web_1" is not a usable name']);
    expect(existsSync(join(dir, 'ddp.yaml'))).toBe(false);
  });

  it('asks on a terminal for what the flags leave out (number or name, defaults on empty)', async () => {
    const asked: string[] = [];
    const answers = ['1', ''];
    const r = await runInit({ dir: 'shop', cwd: dir, ask: async (q, fallback) => (asked.push(`${q.split('\n').pop()} [${fallback}]`), answers.shift() || fallback) });
    expect(asked).toEqual(['Pattern (name or number) [replicated]', 'Name (lowercase letters, digits and -) [shop]']);
    expect(r).toMatchObject({ pattern: 'replicated', name: 'shop', file: 'shop/ddp.yaml' });
  });
});

const BASE = `# Our shop.   Comments, alignment and blank lines must survive.
apiVersion: ddp/v1
kind: Topology
metadata:
  name: shop      # the namespace too
  labels: { team: "web" }

services:
    # the storefront
    web:
        pattern: replicated
        image: 'ghcr.io/acme/web:1.4.2'
        port: 8080          # main port
        replicas: 3
        # cache: { replicas: 2 }   (later)

environments:   # overlays
    prod:
        services:
            web: { replicas: 6 }
`;

/** The lines `after` has that `before` lacks, checking that nothing else changed. */
function insertedLines(before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  let j = 0;
  while (j < a.length - i && a[a.length - 1 - j] === b[b.length - 1 - j]) j++;
  expect(a.length - i - j, 'no original line is changed or removed').toBe(0);
  return b.slice(i, b.length - j).join('\n') + '\n';
}

describe('ddp add', () => {
  beforeEach(() => writeFileSync(join(dir, 'ddp.yaml'), BASE));

  it.each(ready.filter((p) => p !== 'pipeline'))('adds a %s service: only new lines, at the 4-space indent of the file; it validates and generates', async (pattern) => {
    const r = await runAdd({ pattern, name: 'extra', cwd: dir });
    expect(r).toMatchObject({ file: 'ddp.yaml', pattern, name: 'extra', added: '/services/extra', method: 'splice' });
    const after = readFileSync(join(dir, 'ddp.yaml'), 'utf8');
    const added = insertedLines(BASE, after);
    expect(added.startsWith('    extra:\n        pattern: ')).toBe(true);
    // every example image of the snippet is named as one to set, once, without the YAML around it
    const images = [...new Set(added.match(/ghcr\.io\/acme\/[a-z0-9-]+:[0-9.]+/g) ?? [])].length ? [expect.stringMatching(/^(`ghcr\.io\/acme\/[a-z0-9-]+:[0-9.]+`(, )?)+ stands? in for your images?$/)] : [];
    // the ambassador and adapter snippets hold the attached item's placeholder too
    const own = pattern === 'ambassador' ? [expect.stringMatching(/^`upstream: db\.example\.com:5432` stands in/)] : pattern === 'adapter' ? [expect.stringMatching(/^`path: \/var\/log\/app` stands in/)] : [];
    expect(r.placeholders).toEqual([...own, ...images]);
    expect(after.indexOf('    extra:')).toBeGreaterThan(after.indexOf('# cache: { replicas: 2 }   (later)'));
    expect(after.indexOf('    extra:')).toBeLessThan(after.indexOf('environments:'));
    const g = await runGenerate({ file: 'ddp.yaml', out: 'out', cwd: dir, env: 'prod' });
    expect(g.files.some((f) => f.path === 'kubernetes/extra.yaml')).toBe(true);
  });

  it.runIf(ready.includes('pipeline'))('adds a pipeline: a new top-level pipelines block after the services', async () => {
    const r = await runAdd({ pattern: 'pipeline', name: 'photos', cwd: dir });
    expect(r.added).toBe('/pipelines/photos');
    const added = insertedLines(BASE, readFileSync(join(dir, 'ddp.yaml'), 'utf8'));
    expect(added.split('\n').slice(0, 3)).toEqual(['pipelines:', '    photos:', '        broker: redis                        # redis | nats | kafka']);
    expect((await runGenerate({ file: 'ddp.yaml', out: 'out', cwd: dir })).files.some((f) => f.path === 'kubernetes/photos.yaml')).toBe(true);
  });

  it('attaches a sidecar, an ambassador, an adapter and an election to an existing service', async () => {
    expect((await runAdd({ pattern: 'sidecar', name: 'log-shipper', to: 'web', cwd: dir })).placeholders).toEqual(['`ghcr.io/acme/log-shipper:1.0.0` stands in for your image']);
    let after = readFileSync(join(dir, 'ddp.yaml'), 'utf8');
    expect(insertedLines(BASE, after)).toBe('        sidecars:\n            - name: log-shipper\n              image: ghcr.io/acme/log-shipper:1.0.0\n');
    const before2 = after;
    await runAdd({ pattern: 'sidecar', name: 'stats', to: 'web', cwd: dir });
    after = readFileSync(join(dir, 'ddp.yaml'), 'utf8');
    expect(insertedLines(before2, after)).toBe('            - name: stats\n              image: ghcr.io/acme/stats:1.0.0\n');
    // what stands in for a value of yours is said, so that nothing is deployed as the example has it
    expect((await runAdd({ pattern: 'ambassador', name: 'db', to: 'web', cwd: dir })).placeholders).toEqual([
      '`upstream: db.example.com:5432` stands in for yours; or make it `kind: shard-router` with `target:` a sharded service, or `kind: split` with `routes:`',
    ]);
    expect((await runAdd({ pattern: 'adapter', name: 'logs', to: 'web', cwd: dir })).placeholders).toEqual([
      "`path: /var/log/app` stands in for the directory your app writes its *.log files to; or make it `kind: prometheus` with your exporter's `image`",
    ]);
    expect((await runAdd({ pattern: 'election', name: 'web-leader', to: 'web', cwd: dir })).placeholders).toEqual([]);
    after = readFileSync(join(dir, 'ddp.yaml'), 'utf8');
    expect(after).toContain('        election:\n            lock: web-leader\n');
    expect(after).toContain('        ambassadors:\n            - name: db\n              kind: proxy\n              listen: 5432\n              upstream: db.example.com:5432\n');
    const g = await runGenerate({ file: 'ddp.yaml', out: 'out', cwd: dir });
    expect(g.files.map((f) => f.path)).toContain('kubernetes/web.yaml');
    const web = readFileSync(join(dir, 'out', 'kubernetes', 'web.yaml'), 'utf8');
    for (const c of ['log-shipper', 'stats', 'db', 'logs']) expect(web).toContain(`- name: "${c}"`);
    expect(web).toContain('kind: Role');
  });

  it('--image puts your images in place of the example ones, each by the key that holds it where the pattern has several', async () => {
    const r = await runAdd({ pattern: 'scatter-gather', name: 'search', cwd: dir, images: ['root=registry.example.com/search-root:2.1', 'leaves=registry.example.com/search-leaf:2.1'] });
    expect(r.placeholders).toEqual([]);
    expect(insertedLines(BASE, readFileSync(join(dir, 'ddp.yaml'), 'utf8')).split('\n').slice(1, 4)).toEqual([
      '        pattern: scatter-gather',
      '        root: { image: registry.example.com/search-root:2.1, port: 8080, replicas: 2 }',
      '        leaves: { image: registry.example.com/search-leaf:2.1, port: 8080, count: 4 }',
    ]);
    // one image: IMAGE, or by its key; the others stay examples, and are said to be
    expect((await runAdd({ pattern: 'work-queue', name: 'thumbs', cwd: dir, images: ['worker=registry.example.com/thumbs:1'] })).placeholders).toEqual([]);
    expect((await runAdd({ pattern: 'batch', name: 'count', cwd: dir, images: ['map=registry.example.com/count-map:3'] })).placeholders).toEqual(['`ghcr.io/acme/count-reduce:1.0.0` stands in for your image']);
    // a reference that is not a plain YAML word is quoted, and reads back as given
    await runAdd({ pattern: 'function', name: 'fn', cwd: dir, images: ['[::1]:5000/fn:1'] });
    expect(readFileSync(join(dir, 'ddp.yaml'), 'utf8')).toContain('        image: "[::1]:5000/fn:1"\n');
    await runAdd({ pattern: 'sidecar', name: 'shipper', to: 'web', cwd: dir, images: ['busybox:1.36.1'] });
    expect(readFileSync(join(dir, 'ddp.yaml'), 'utf8')).toContain('            - name: shipper\n              image: busybox:1.36.1\n');
    const g = await runGenerate({ file: 'ddp.yaml', out: 'out', cwd: dir });
    expect(g.files.map((f) => f.path)).toEqual(expect.arrayContaining(['kubernetes/search.yaml', 'kubernetes/fn.yaml']));
    expect(readFileSync(join(dir, 'out', 'kubernetes', 'search.yaml'), 'utf8')).toContain('image: "registry.example.com/search-leaf:2.1"');
  });

  it('--image refuses, writing nothing: a bare IMAGE for several, an unknown or repeated key, a reference no runtime pulls, a pattern with no image', async () => {
    const refused = async (pattern: string, images: string[], to?: string) => {
      const d = await diagnosticsOf(runAdd({ pattern, name: 'extra', to, cwd: dir, images }));
      expect(readFileSync(join(dir, 'ddp.yaml'), 'utf8')).toBe(BASE);
      return d;
    };
    expect(await refused('batch', ['registry.example.com/x:1'])).toEqual(['bad-option: --image registry.example.com/x:1: `batch` has 2 images (map, reduce): say which each is']);
    expect(await refused('batch', ['mapp=registry.example.com/x:1'])).toEqual(['bad-option: --image mapp=registry.example.com/x:1: `batch` has no image `mapp`']);
    expect(await refused('batch', ['map=a:1', 'map=b:1'])).toEqual(['bad-option: --image gives the image `map` twice']);
    expect(await refused('replicated', ['a:1', 'b:1'])).toEqual(['bad-option: --image gives the image twice']);
    expect(await refused('replicated', ['root=a:1'])).toEqual(['bad-option: --image root=a:1: `replicated` has one image']);
    expect(await refused('work-queue', ['root=a:1'])).toEqual(['bad-option: --image root=a:1: `work-queue` has one image (`worker`)']);
    expect(await refused('replicated', ['Web:1.0'])).toEqual(['bad-image: --image "Web:1.0": image `Web:1.0` cannot be pulled: a repository name is lower case (only the registry host may have capitals)']);
    // never spliced into the YAML as it is (a newline would add a key)
    expect(await refused('replicated', ['web:1\n  evil: x'])).toEqual([expect.stringMatching(/^bad-image: --image "web:1\\n  evil: x": image `web:1\n  evil: x` cannot be pulled: /)]);
    expect(await refused('ambassador', ['a:1'], 'web')).toEqual(['bad-option: --image: `ambassador` has no image of yours to set']);
  });

  it('keeps comments in a flow-style services map (Document API fallback)', async () => {
    const flow = 'apiVersion: ddp/v1\nkind: Topology\nmetadata: { name: shop }  # inline\n# the services, on one line\nservices: { web: { pattern: replicated, image: "ghcr.io/acme/web:1.0", port: 8080 } }\n';
    writeFileSync(join(dir, 'ddp.yaml'), flow);
    const r = await runAdd({ pattern: 'replicated', name: 'api', cwd: dir });
    expect(r.method).toBe('document');
    const after = readFileSync(join(dir, 'ddp.yaml'), 'utf8');
    expect(after).toContain('# the services, on one line');
    expect(after).toContain('# inline');
    expect(after).toContain('# your image, pinned to a version');
    expect((await runValidate({ file: 'ddp.yaml', cwd: dir })).ok).toBe(true);
  });

  it('a second ambassador listens on the next free port of the pod (5432 was taken: a port-clash, nothing written)', async () => {
    await runAdd({ pattern: 'ambassador', name: 'db', to: 'web', cwd: dir });
    await runAdd({ pattern: 'ambassador', name: 'db2', to: 'web', cwd: dir });
    const after = readFileSync(join(dir, 'ddp.yaml'), 'utf8');
    expect(after).toContain('            - name: db\n              kind: proxy\n              listen: 5432\n');
    expect(after).toContain('            - name: db2\n              kind: proxy\n              listen: 5433\n');
    expect((await runValidate({ file: 'ddp.yaml', cwd: dir })).ok).toBe(true);
  });

  it('an empty [] or {} becomes a block in place: every other line, comment and alignment stays', async () => {
    const text = 'apiVersion: ddp/v1\nkind: Topology\nmetadata: {name: s}   # meta\nservices:   # my services\n  web:   # the web\n    pattern: replicated\n    image: "ghcr.io/acme/web:1.4.2"\n    port: 8080\n    sidecars: []   # none yet\npipelines: {}  # later\n';
    writeFileSync(join(dir, 'ddp.yaml'), text);
    expect((await runAdd({ pattern: 'sidecar', name: 's1', to: 'web', cwd: dir })).method).toBe('splice');
    const one = readFileSync(join(dir, 'ddp.yaml'), 'utf8');
    expect(one).toBe(text.replace('    sidecars: []   # none yet\n', '    sidecars:   # none yet\n      - name: s1\n        image: ghcr.io/acme/s1:1.0.0\n'));
    if (ready.includes('pipeline')) {
      expect((await runAdd({ pattern: 'pipeline', name: 'p1', cwd: dir })).method).toBe('splice');
      const two = readFileSync(join(dir, 'ddp.yaml'), 'utf8');
      expect(two.startsWith(one.replace('pipelines: {}  # later\n', 'pipelines:  # later\n  p1:\n'))).toBe(true);
      expect((await runValidate({ file: 'ddp.yaml', cwd: dir })).ok).toBe(true);
    }
  });

  it('refuses to add to a list shared through a YAML anchor (it would change every service using it), or to a value that is not a list', async () => {
    const text = 'apiVersion: ddp/v1\nkind: Topology\nmetadata: {name: shop}\nservices:\n  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.4.2\n    port: 8080\n    sidecars: &sc\n      - name: s0\n        image: busybox:1.36\n  api:\n    pattern: replicated\n    image: ghcr.io/acme/api:1.4.2\n    port: 8080\n    sidecars: *sc\n';
    writeFileSync(join(dir, 'ddp.yaml'), text);
    expect(await diagnosticsOf(runAdd({ pattern: 'sidecar', name: 's1', to: 'api', cwd: dir }))).toEqual(['shared-value: services.api.sidecars is a YAML alias (*sc): adding to it would change every service that shares it']);
    expect(await diagnosticsOf(runAdd({ pattern: 'sidecar', name: 's1', to: 'web', cwd: dir }))).toEqual(['shared-value: services.web.sidecars is a YAML anchor (&sc): adding to it would change every service that shares it']);
    expect(readFileSync(join(dir, 'ddp.yaml'), 'utf8')).toBe(text);
    // an anchor nothing refers to is just a list
    writeFileSync(join(dir, 'ddp.yaml'), text.replace('    sidecars: *sc\n', ''));
    expect((await runAdd({ pattern: 'sidecar', name: 's1', to: 'web', cwd: dir })).method).toBe('splice');
    writeFileSync(join(dir, 'ddp.yaml'), text.replace('    sidecars: *sc\n', '    ambassadors: none\n'));
    expect(await diagnosticsOf(runAdd({ pattern: 'ambassador', name: 'db', to: 'api', cwd: dir }))).toEqual(['not-a-list: services.api.ambassadors is not a list']);
  });

  it('a file with CRLF line endings keeps them: the added lines are CRLF too, none bare', async () => {
    const lf = 'apiVersion: ddp/v1\nkind: Topology\nmetadata:\n  name: shop\nservices:\n  web:\n    pattern: replicated\n    image: nginx:1.25\n    port: 8080\n';
    writeFileSync(join(dir, 'ddp.yaml'), lf.replace(/\n/g, '\r\n'));
    await runAdd({ pattern: 'sharded', name: 'cache', cwd: dir });
    await runAdd({ pattern: 'sidecar', name: 'logs', to: 'web', cwd: dir });
    const text = readFileSync(join(dir, 'ddp.yaml'), 'utf8');
    expect(text.match(/(^|[^\r])\n/g)).toBeNull();
    expect(text.startsWith(lf.replace(/\n/g, '\r\n').slice(0, -'    port: 8080\r\n'.length))).toBe(true);
    expect(text).toContain('\r\n  cache:\r\n    pattern: sharded\r\n');
  });

  it('a JSON topology stays JSON (it became YAML flow style with comments), indented as it was', async () => {
    const data = { apiVersion: 'ddp/v1', kind: 'Topology', metadata: { name: 'shop' }, services: { web: { pattern: 'replicated', image: 'nginx:1.25', port: 8080 } } };
    writeFileSync(join(dir, 'topology.json'), JSON.stringify(data, null, 4) + '\n');
    await runAdd({ pattern: 'sharded', name: 'cache', file: 'topology.json', cwd: dir });
    await runAdd({ pattern: 'sidecar', name: 'logs', to: 'web', file: 'topology.json', cwd: dir });
    const text = readFileSync(join(dir, 'topology.json'), 'utf8');
    const parsed = JSON.parse(text);
    expect(text).toBe(JSON.stringify(parsed, null, 4) + '\n');
    expect(Object.keys(parsed.services)).toEqual(['web', 'cache']);
    expect(parsed.services.web.sidecars.map((s: { name: string }) => s.name)).toEqual(['logs']);
    expect(parsed.services.cache).toMatchObject({ pattern: 'sharded', port: 11211, shards: 3 });
    // one line stays one line
    writeFileSync(join(dir, 'one.json'), JSON.stringify(data));
    await runAdd({ pattern: 'work-queue', name: 'jobs', file: 'one.json', cwd: dir });
    const one = readFileSync(join(dir, 'one.json'), 'utf8');
    expect([one.includes('\n'), Object.keys(JSON.parse(one).services)]).toEqual([false, ['web', 'jobs']]);
    expect((await runValidate({ file: 'one.json', cwd: dir })).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('refuses what would not validate, an existing name and an unknown service; writes nothing', async () => {
    expect(await diagnosticsOf(runAdd({ pattern: 'replicated', name: 'web', cwd: dir }))).toEqual(['entry-exists: services.web exists already']);
    expect(await diagnosticsOf(runAdd({ pattern: 'sidecar', name: 'x', to: 'api', cwd: dir }))).toEqual(['unknown-service: --to api: the topology has no service `api`']);
    expect(await diagnosticsOf(runAdd({ pattern: 'replicated', name: 'x', to: 'web', cwd: dir }))).toEqual(['bad-option: --to attaches a single-node pattern to a service; `replicated` is a service pattern of its own']);
    // web-cache is the name web's cache layer would take: adding a service `web` + `-cache` collides once web has a cache
    writeFileSync(join(dir, 'ddp.yaml'), BASE.replace('        # cache: { replicas: 2 }   (later)', '        cache: { replicas: 2 }'));
    const ds = await diagnosticsOf(runAdd({ pattern: 'replicated', name: 'web-cache', cwd: dir }));
    expect(ds[0]).toBe('add-invalid: adding replicated `web-cache` would leave ddp.yaml invalid; nothing was written');
    expect(ds.some((d) => d.startsWith('name-collision:'))).toBe(true);
    expect(readFileSync(join(dir, 'ddp.yaml'), 'utf8')).not.toContain('web-cache:');
  });

  it('a refused add places the problems for the file as it is: an old one at its own line, a new one at none', async () => {
    const text = 'apiVersion: ddp/v1\nkind: Topology\nmetadata: { name: demo }\nservices:\n  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.0.0\n    port: 8080\n    cache: { replicas: 1 }\n    ports: []\n';
    writeFileSync(join(dir, 'ddp.yaml'), text);
    const placed = async (p: Promise<unknown>) => {
      const e = await p.then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(DdpError);
      return (e as DdpError).diagnostics.map((d) => `${d.line ?? '-'}:${d.col ?? '-'} ${d.code}`);
    };
    // the sidecar goes in above `ports:` in the edited text: still line 10 in the file
    expect(await placed(runAdd({ pattern: 'sidecar', name: 'log', to: 'web', cwd: dir }))).toEqual(['-:- add-invalid', '10:12 too-few']);
    writeFileSync(join(dir, 'ddp.yaml'), text.replace('    ports: []\n', ''));
    expect(await placed(runAdd({ pattern: 'replicated', name: 'web-cache', cwd: dir }))).toEqual(['-:- add-invalid', '-:- name-collision']);
    expect(readFileSync(join(dir, 'ddp.yaml'), 'utf8')).toBe(text.replace('    ports: []\n', ''));
  });

  it('a list a service gets through a merge key is not replaced by one written beside it: refused, nothing written', async () => {
    const text = 'apiVersion: ddp/v1\nkind: Topology\nmetadata: { name: demo }\nx-d: &d\n  pattern: replicated\n  image: ghcr.io/acme/web:1.0.0\n  port: 8080\n  sidecars: [{ name: a, image: "busybox:1.36" }]\n  election: { lock: web-leader }\nservices:\n  web:\n    <<: *d\n';
    writeFileSync(join(dir, 'ddp.yaml'), text);
    expect(await diagnosticsOf(runAdd({ pattern: 'sidecar', name: 'b', to: 'web', cwd: dir }))).toEqual([
      'shared-value: services.web gets its sidecars through a merge key (<<: *d): a list written here would replace them, not add to them',
    ]);
    expect(await diagnosticsOf(runAdd({ pattern: 'election', name: 'leader', to: 'web', cwd: dir }))).toEqual(['entry-exists: services.web has an election already, through a merge key (<<: *d)']);
    expect(readFileSync(join(dir, 'ddp.yaml'), 'utf8')).toBe(text);
    // what the merge does not bring may be added as ever
    await runAdd({ pattern: 'adapter', name: 'metrics', to: 'web', cwd: dir });
    expect((await runValidate({ file: 'ddp.yaml', cwd: dir })).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('a file with CR-only line ends: read, edited and written back with CR line ends', async () => {
    const text = 'apiVersion: ddp/v1\rkind: Topology\rmetadata: { name: demo }\rservices:\r  web:\r    pattern: replicated\r    image: ghcr.io/acme/web:1.0.0\r    port: 8080\r';
    writeFileSync(join(dir, 'ddp.yaml'), text);
    await runAdd({ pattern: 'replicated', name: 'api', cwd: dir });
    const after = readFileSync(join(dir, 'ddp.yaml'), 'utf8');
    expect([after.startsWith(text), after.includes('\n'), after.includes('  api:\r')]).toEqual([true, false, true]);
    expect((await runValidate({ file: 'ddp.yaml', cwd: dir })).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('finds the default topology file and reports a missing one', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect((await diagnosticsOf(runAdd({ pattern: 'replicated', name: 'x', cwd: empty })))[0]).toMatch(/^no-topology-file: no topology file given/);
  });

  it('edits the file a symlink points at (the link stays a link) and keeps its mode; nothing left beside it', async () => {
    const real = join(dir, 'real');
    mkdirSync(real);
    writeFileSync(join(real, 'topology.yaml'), BASE, { mode: 0o640 });
    chmodSync(join(real, 'topology.yaml'), 0o640);
    rmSync(join(dir, 'ddp.yaml'));
    symlinkSync(join('real', 'topology.yaml'), join(dir, 'ddp.yaml'));
    await runAdd({ pattern: 'replicated', name: 'extra', cwd: dir });
    expect(lstatSync(join(dir, 'ddp.yaml')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(real, 'topology.yaml'), 'utf8')).toContain('    extra:\n');
    expect(statSync(join(real, 'topology.yaml')).mode & 0o777).toBe(0o640);
    expect(readdirSync(real)).toEqual(['topology.yaml']);
  });
});
