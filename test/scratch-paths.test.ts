// Every file a proxy ddp runs writes -- nginx's pid and temp files, the resolver line its start-up
// shell writes, varnishd's working directory, fluent-bit's tail database -- lies on a writable
// mount of its own container: the root filesystem of every container is read-only. A Knative pod
// may not mount /tmp (a reserved path), so there the scratch space is /var/tmp and the proxies'
// files go there too (they went to /tmp, and nginx could not start: open() /tmp/nginx.pid failed).
import { describe, expect, it } from 'vitest';
import { exampleNames, renderExample } from './examples.js';
import { generate, kubeObjects } from './patterns/single-node-helpers.js';
import type { OutputFile } from '../src/output/files.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The paths a container's command line and config files say it writes. */
function writtenPaths(args: string[], configs: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) if (args[i] === '-n' && args[i + 1]?.startsWith('/')) out.push(args[i + 1]!); // varnishd -n DIR
  for (const a of args) for (const m of a.matchAll(/> (\/[^\s|;]+)/g)) out.push(m[1]!); // the resolver shell's `> FILE`
  for (const text of configs) {
    for (const m of text.matchAll(/^\s*(?:pid|[a-z_]+_temp_path)\s+(\/\S+?);/gm)) out.push(m[1]!);
    for (const m of text.matchAll(/^\s*DB\s+(\/\S+)$/gm)) out.push(m[1]!);
  }
  return out;
}

/** Each path a read-only-root container of the Kubernetes output writes (`checked`), and those on no writable mount of it (`found`). */
function problems(files: OutputFile[]): { found: string[]; checked: string[] } {
  const objects = kubeObjects(files);
  const configMaps = new Map(objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name as string, o.data as Record<string, string>]));
  const found: string[] = [];
  const checked: string[] = [];
  const visit = (owner: string, spec: Obj) => {
    const volumes = new Map(((spec.volumes ?? []) as Obj[]).map((v) => [v.name as string, v]));
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])] as Obj[]) {
      if (c.securityContext?.readOnlyRootFilesystem !== true) continue;
      const mounts = (c.volumeMounts ?? []) as Obj[];
      const configs = mounts.flatMap((m) => {
        const cm = volumes.get(m.name)?.configMap?.name as string | undefined;
        return cm && configMaps.has(cm) ? Object.values(configMaps.get(cm)!) : [];
      });
      const args = [...(c.command ?? []), ...(c.args ?? [])].map((a: string) => a.replace(/\$\$/g, '$'));
      for (const path of writtenPaths(args, configs)) {
        checked.push(path);
        const on = mounts.find((m) => !m.readOnly && (path === m.mountPath || path.startsWith(`${String(m.mountPath).replace(/\/$/, '')}/`)));
        if (!on) found.push(`${owner} container ${c.name} writes ${path}, on no writable mount (mounts: ${mounts.map((m) => `${m.mountPath}${m.readOnly ? ' ro' : ''}`).join(', ')})`);
      }
    }
  };
  for (const o of objects) {
    const spec = o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;
    if (spec) visit(`${o.kind} ${o.metadata.name}`, spec);
  }
  return { found, checked };
}

describe('what the proxies write lands on a writable mount', () => {
  it('every example', async () => {
    let checked = 0;
    for (const name of exampleNames()) {
      const r = problems(await renderExample(name));
      expect(r.found, name).toEqual([]);
      checked += r.checked.length;
    }
    expect(checked).toBeGreaterThan(30); // an http nginx writes 6 paths, a varnish 1
  });

  it('in a Knative pod: /var/tmp for nginx (pid, temp files, resolver), varnish and fluent-bit', async () => {
    const { files } = await generate(`apiVersion: ddp/v1
kind: Topology
metadata: { name: shop }
services:
  pages:
    pattern: sharded
    image: ghcr.io/acme/pages:1.0.0
    port: 8080
    shards: 2
    router: { kind: varnish }
  fn:
    pattern: function
    runtime: knative
    image: ghcr.io/acme/fn:1.0.0
    port: 8080
    ambassadors:
      - { name: db, kind: proxy, listen: 5432, upstream: "db.prod.example.com:5432" }
      - { name: api, kind: proxy, protocol: http, listen: 8082, upstream: "api.example.com:8081" }
      - { name: pages, kind: shard-router, target: pages, listen: 8083 }
    adapters:
      - { name: logs, kind: logging, path: /var/log/app }
`);
    const r = problems(files);
    expect(r.found).toEqual([]);
    expect(r.checked.filter((p) => p.startsWith('/var/tmp/')).sort()).toEqual([
      // the http proxy's temp files (the tcp one has none), both proxies' pid, IPv6 listener and resolver line
      '/var/tmp/client_temp', '/var/tmp/ddp-listen-5432.conf', '/var/tmp/ddp-listen-8082.conf', '/var/tmp/ddp-resolver.conf', '/var/tmp/ddp-resolver.conf', '/var/tmp/fastcgi_temp',
      '/var/tmp/fluent-bit-tail.db', '/var/tmp/nginx.pid', '/var/tmp/nginx.pid', '/var/tmp/proxy_temp', '/var/tmp/scgi_temp',
      '/var/tmp/uwsgi_temp', '/var/tmp/varnish',
    ]);
    const ksvc = kubeObjects(files).find((o) => o.kind === 'Service' && o.apiVersion?.startsWith('serving.knative.dev'))!;
    const mounts = (ksvc.spec.template.spec.containers as Obj[]).flatMap((c) => (c.volumeMounts as Obj[]).map((m) => m.mountPath));
    expect(mounts).not.toContain('/tmp');
    expect(mounts).toContain('/var/tmp');
  });
});
