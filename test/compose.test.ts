// compose-specific behaviour of src/targets/compose.ts, on the bundled examples.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { runGenerate } from '../src/commands/generate.js';
import { composePublishedPorts, indent, noInterpolation, renderCompose, takeHostPorts, type HostPorts } from '../src/targets/compose.js';
import { prepareLoaded } from '../src/flow.js';
import { parseTopologyText } from '../src/topology/load.js';
import { lines } from './helpers/topology.js';
import fc from 'fast-check';
import { exampleNames, renderExample, ROOT } from './examples.js';

type Svc = { ports?: { target: number; published: string }[]; user?: string; command?: string[]; cap_add?: string[]; cap_drop?: string[]; depends_on?: Record<string, { condition: string }>; volumes?: { type: string; source?: string; target: string }[]; labels?: Record<string, string> };
async function compose(example: string, env?: string): Promise<{ services: Record<string, Svc>; volumes?: Record<string, unknown> }> {
  const files = await renderExample(example, env);
  return parse(files.find((f) => f.path === 'compose/docker-compose.yml')!.content);
}

describe('compose target', () => {
  it('publishes one host port per replica of the exposed layer (a range when there are several)', async () => {
    const doc = await compose('01-replicated');
    expect(doc.services['web-tls'].ports).toEqual([{ target: 8443, published: '8443-8444', protocol: 'tcp' }]);
  });

  it('hands named volumes to the non-root user before anything mounts them', async () => {
    const doc = await compose('12-batch');
    const init = doc.services['ddp-volume-init'];
    expect(init.user).toBe('0:0');
    expect(init.cap_drop).toEqual(['ALL']);
    expect(init.cap_add).toEqual(['CHOWN']);
    expect(init.labels).toEqual({ 'ddp.dev/ignore': 'run-as-non-root' });
    const named = Object.keys(doc.volumes ?? {}).sort();
    expect(named.length).toBeGreaterThan(0);
    expect(init.command).toEqual([named.map((n) => `chown -R 10001:10001 /volumes/${n}`).join(' && ')]);
    // every service that mounts a named volume waits for the init to complete
    for (const [name, svc] of Object.entries(doc.services)) {
      if (name === 'ddp-volume-init') continue;
      const mountsNamed = (svc.volumes ?? []).some((v) => v.type === 'volume');
      expect(svc.depends_on?.['ddp-volume-init']?.condition, name).toBe(mountsNamed ? 'service_completed_successfully' : undefined);
    }
  });

  it('an ambassador starts after the services it resolves when it loads (split routes, the shards it routes to); an outside proxy after its pod only', async () => {
    const doc = (await compose('09-ambassadors')) as unknown as { services: Record<string, { depends_on?: Record<string, unknown> }> };
    const after = (n: string) => Object.keys(doc.services[n].depends_on ?? {});
    expect(after('shop-experiment')).toEqual(['shop', 'web', 'web-next']);
    expect(after('shop-cache')).toEqual(['shop', 'sessions-0', 'sessions-1', 'sessions-2']);
    expect(after('shop-db')).toEqual(['shop']);
  });

  it('a proxy ambassador whose upstream is a service of the topology starts after it (nginx resolves its upstream when it loads); an outside host, or its own service, adds nothing', async () => {
    const text = lines(
      '    port: 8080',
      '    replicas: 1',
      '    ambassadors:',
      '      - { name: api, kind: proxy, protocol: http, listen: 8081, upstream: "api:8080" }',
      '      - { name: self, kind: proxy, listen: 8082, upstream: "web:8080" }',
      '      - { name: db, kind: proxy, listen: 5432, upstream: "db.example.com:5432" }',
      '  api:',
      '    pattern: replicated',
      '    image: ghcr.io/acme/api:1.0.0',
      '    port: 8080',
      '    replicas: 1',
    );
    const { model } = await prepareLoaded(parseTopologyText(text, 'ddp.yaml'), undefined);
    const doc = parse(renderCompose(model)[0].content) as { services: Record<string, Svc> };
    const after = (n: string) => Object.keys(doc.services[n].depends_on ?? {});
    expect(after('web-api')).toEqual(['web', 'api']);
    expect(after('web-self')).toEqual(['web']);
    expect(after('web-db')).toEqual(['web']);
  });

  it("gives varnish an exec tmpfs at /tmp (Docker mounts tmpfs noexec, and varnishd loads its compiled VCL from there); every other container's stays a noexec tmpfs volume", async () => {
    const docs = [await compose('01-replicated'), await compose('02-sharded-http')];
    const all = docs.flatMap((d) => Object.entries(d.services) as [string, Svc & { entrypoint?: string[]; tmpfs?: string[] }][]);
    const varnish = all.filter(([, s]) => s.entrypoint?.[0] === 'varnishd');
    expect(varnish.map(([n]) => n).sort()).toEqual(['profiles-router', 'web-cache']);
    for (const [name, s] of varnish) {
      expect(s.tmpfs, name).toEqual(['/tmp:exec,mode=1777']);
      expect((s.volumes ?? []).filter((v) => v.target === '/tmp'), name).toEqual([]);
    }
    for (const [name, s] of all.filter(([, x]) => x.entrypoint?.[0] !== 'varnishd')) {
      expect(s.tmpfs, name).toBeUndefined();
      if (s.user !== '0:0') expect((s.volumes ?? []).filter((v) => v.target === '/tmp').map((v) => v.type), name).toEqual(['tmpfs']);
    }
  });

  it('adds no init service when nothing uses a named volume', async () => {
    const doc = await compose('01-replicated');
    expect(doc.services['ddp-volume-init']).toBeUndefined();
    expect(doc.volumes).toBeUndefined();
  });
});

describe('secret values compose reads from an env file', () => {
  it('are in the report of what you supply, once per variable and file, with the line to write; the same whether written or printed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ddp-envsecret-'));
    try {
      const file = join(dir, 'ddp.yaml');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(
        file,
        [
          'apiVersion: ddp/v1',
          'kind: Topology',
          'metadata: { name: demo }',
          'services:',
          '  web:',
          '    pattern: replicated',
          '    image: ghcr.io/acme/web:1.4.2',
          '    port: 8080',
          '    env:',
          '      DB_PASSWORD: { secret: db, key: password }',
          '      MODE: { configMap: settings, key: mode }',
          '    sidecars:',
          '      - { name: sync, image: "busybox:1.36", env: { TOKEN: { secret: api, key: token } } }',
          '',
        ].join('\n'),
      );
      const expected = [
        { secret: 'db', key: 'password', composePath: 'secrets/web.env', env: 'DB_PASSWORD', why: 'DB_PASSWORD of web, the line `DB_PASSWORD=<value>`' },
        // ddp does not know the value of the user's ConfigMap either: compose reads it from the same file
        { configMap: 'settings', key: 'mode', composePath: 'secrets/web.env', env: 'MODE', why: 'MODE of web, the line `MODE=<value>`' },
        { secret: 'api', key: 'token', composePath: 'secrets/web-sync.env', env: 'TOKEN', why: 'TOKEN of web-sync, the line `TOKEN=<value>`' },
      ];
      const printed = await runGenerate({ file, stdout: true });
      expect(printed.supplied).toEqual(expected);
      const written = await runGenerate({ file, out: join(dir, 'out') });
      expect(written.supplied).toEqual(expected);
      // what you supply does not depend on the targets asked for (TLS files neither): the Secret is the cluster's too
      const kube = await runGenerate({ file, stdout: true, target: 'kubernetes' });
      expect(kube.supplied).toEqual(expected);
      // an env file is a line of a file, never a file compose mounts as a secret
      const doc = parse(readFileSync(join(dir, 'out', 'compose', 'docker-compose.yml'), 'utf8'));
      expect(doc.secrets).toBeUndefined();
      expect(doc.services.web.env_file).toEqual([{ path: './secrets/web.env', required: true }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('generate -o streams the compose file', () => {
  it('writes, piece by piece, exactly the bytes --stdout prints, for every example, and records their hash and size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ddp-compose-stream-'));
    try {
      for (const name of exampleNames()) {
        const expected = (await renderExample(name)).find((f) => f.path === 'compose/docker-compose.yml')!.content;
        const out = join(dir, name);
        const r = await runGenerate({ file: join(ROOT, 'examples', name, 'ddp.yaml'), out });
        const written = readFileSync(join(out, 'compose', 'docker-compose.yml'), 'utf8');
        expect(written, name).toBe(expected);
        expect(r.files.find((f) => f.path === 'compose/docker-compose.yml'), name).toEqual({ path: 'compose/docker-compose.yml', target: 'compose', bytes: Buffer.byteLength(expected) });
        const manifest = JSON.parse(readFileSync(join(out, '.ddp-manifest.json'), 'utf8'));
        expect(manifest.files['compose/docker-compose.yml'], name).toBe(createHash('sha256').update(expected).digest('hex'));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('compose helpers', () => {
  it('noInterpolation doubles every $ in strings at any depth, copies only what changes, and never changes its input', () => {
    const shared = { image: 'ghcr.io/acme/web:1.0', ports: [8080] };
    const svc = { name: 'web', env: [{ name: 'PRICE', value: '$5 and ${HOME}' }, { name: 'PLAIN', value: 'x' }], args: ['--a=$$b'], shared, n: 3, none: null };
    const before = structuredClone(svc);
    const out = noInterpolation(svc);
    expect(out).toEqual({ ...before, env: [{ name: 'PRICE', value: '$$5 and $${HOME}' }, { name: 'PLAIN', value: 'x' }], args: ['--a=$$$$b'] });
    expect(svc).toEqual(before); // input untouched
    expect(out.shared).toBe(shared); // nothing to change: not copied
    expect(out.env[1]).toBe(svc.env[1]);
    expect(noInterpolation(shared)).toBe(shared);
  });

  it('indent prefixes every non-empty line and nothing else', () => {
    const reference = (text: string, n: number) => text.split('\n').map((l) => (l ? ' '.repeat(n) + l : l)).join('\n');
    fc.assert(fc.property(fc.array(fc.constantFrom('a', 'b: 1', ' ', '', '\n', '\n\n', '\u2028', '\r'), { maxLength: 12 }).map((xs) => xs.join('')), fc.nat(4), (text, n) => {
      expect(indent(text, n)).toBe(reference(text, n));
    }));
  });
});

describe('host ports for published services', () => {
  it('takeHostPorts gives the first free range at or above the port asked for, as a search from scratch would', () => {
    const naive = (taken: Set<number>, first: number, count: number) => {
      let p = first;
      while (Array.from({ length: count }, (_, i) => p + i).some((x) => taken.has(x))) p++;
      for (let i = 0; i < count; i++) taken.add(p + i);
      return p;
    };
    const request = fc.tuple(fc.constantFrom(8080, 8081, 8443, 9000), fc.integer({ min: 1, max: 4 }));
    fc.assert(fc.property(fc.array(request, { maxLength: 40 }), (reqs) => {
      const ports: HostPorts = { taken: new Set(), from: new Map() };
      const reference = new Set<number>();
      for (const [first, count] of reqs) expect(takeHostPorts(ports, first, count)).toBe(naive(reference, first, count));
    }));
  });

  it('the header of the compose file says, for each published host port or range, the compose service and container port it reaches', async () => {
    const text =
      'apiVersion: ddp/v1\nkind: Topology\nmetadata: { name: shop }\nservices:\n' +
      '  api:\n    pattern: replicated\n    image: ghcr.io/acme/api:1.0.0\n    port: 8080\n    replicas: 3\n    expose: { host: api.example.com, path: /v1 }\n' +
      '  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.0.0\n    port: 8080\n    replicas: 1\n    tls: { secret: web-tls, replicas: 1 }\n    expose: { host: shop.example.com }\n' +
      '  www:\n    pattern: replicated\n    image: ghcr.io/acme/www:1.0.0\n    port: 8080\n    replicas: 1\n    expose: { host: www.example.com }\n';
    const { model } = await prepareLoaded(parseTopologyText(text, 'ddp.yaml'), undefined);
    const content = renderCompose(model)[0].content;
    // api takes 8080-8082; www asks for 8080 too and gets the next free port
    expect(content.split('\n').slice(0, 7)).toEqual([
      '# Generated by ddp; edit the topology and run `ddp generate`, not this file.',
      '# Run it with: docker compose -f compose/docker-compose.yml up',
      '# Host ports (compose has no Ingress; host port → compose service:container port):',
      '#   8080-8082/tcp → api:8080, one port for each of its 3 replicas (Ingress api.example.com/v1)',
      '#   8443/tcp → web-tls:8443 (Ingress shop.example.com/)',
      '#   8083/tcp → www:8080 (Ingress www.example.com/)',
      'name: "shop"',
    ]);
    const doc = parse(content) as { services: Record<string, Svc> };
    expect([doc.services.api.ports, doc.services['web-tls'].ports, doc.services.www.ports]).toEqual([
      [{ target: 8080, published: '8080-8082', protocol: 'tcp' }],
      [{ target: 8443, published: '8443', protocol: 'tcp' }],
      [{ target: 8080, published: '8083', protocol: 'tcp' }],
    ]);
  });

  it('what the report and the header say is what the compose file publishes, for every example', async () => {
    for (const name of exampleNames()) {
      const { model } = await prepareLoaded(parseTopologyText(readFileSync(join(ROOT, 'examples', name, 'ddp.yaml'), 'utf8'), 'ddp.yaml'), undefined);
      const doc = parse(renderCompose(model)[0].content) as { services: Record<string, Svc> };
      const inFile = Object.entries(doc.services).flatMap(([service, svc]) => (svc.ports ?? []).map((p) => ({ service, target: p.target, published: p.published })));
      const reported = composePublishedPorts(model).map((p) => ({ service: p.service, target: p.target, published: p.published }));
      expect(reported, name).toEqual(inFile);
    }
  });

  it('a decorator function in front of an exposed service is published in place of its Ingress, and says which', async () => {
    const text =
      'apiVersion: ddp/v1\nkind: Topology\nmetadata: { name: shop }\nservices:\n' +
      '  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.0.0\n    port: 8080\n    expose: { host: shop.example.com, path: /app }\n' +
      '  deco:\n    pattern: function\n    image: ghcr.io/acme/deco:1.0.0\n    port: 9090\n    decorates: web\n';
    const { model } = await prepareLoaded(parseTopologyText(text, 'ddp.yaml'), undefined);
    expect(composePublishedPorts(model)).toEqual([{ published: '9090', protocol: 'tcp', service: 'deco', target: 9090, replicas: 1, ingress: 'shop.example.com/app' }]);
  });

  it('a search resumes where the same request ended: 2,000 services publishing 8080 with 2 replicas get consecutive ranges', () => {
    const ports: HostPorts = { taken: new Set(), from: new Map() };
    const got = Array.from({ length: 2000 }, () => takeHostPorts(ports, 8080, 2));
    expect(got[0]).toBe(8080);
    expect(got[1999]).toBe(8080 + 2 * 1999);
  });
});
