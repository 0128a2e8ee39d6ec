// Pinned (mutation testing, 2026-11-29, src/kube-limits.ts swallowed): in scatter-gather's
// root, a sidecar's volume joined the pod only if no volume of its name was there yet, so a TLS
// sidecar listed first took the name `<sidecar>-tls` too, and your sidecar would have mounted the
// TLS certificates in place of your volume. Now your volume joins the pod beside the TLS
// sidecar's (attach.ts ensureDeclaredVolume), and the two are refused as in every pattern;
// pod-uniqueness.test.ts has the `-config` half.
import { describe, expect, it } from 'vitest';
import { errorsOf, prepareErrors } from '../helpers/topology.js';
import type { Diagnostic } from '../../src/diagnostics.js';

const show = (d: Diagnostic) => `${d.line}:${d.col} ${d.code}: ${d.message}`;
const doc = (...ls: string[]) => ['apiVersion: ddp/v1', 'kind: Topology', 'metadata:', '  name: shop', 'services:', ...ls].join('\n') + '\n';
const sg = (volume: string) =>
  doc('  sg:', '    pattern: scatter-gather', '    root: { image: ghcr.io/acme/r:1.0, port: 8080 }', '    leaves: { image: ghcr.io/acme/l:1.0, port: 9090, count: 2 }', `    volumes: { ${volume}: {} }`, '    sidecars:', '      - { name: https, kind: tls, secret: sg-tls }', `      - { name: helper, image: busybox:1.36, mounts: [{ volume: ${volume}, path: /x }] }`);

describe("a volume of yours named like the TLS sidecar's certificates, mounted by your sidecar in scatter-gather's root", () => {
  it('an error at your volume, in validate and generate alike', async () => {
    const want = ["10:16 name-collision: services.sg's pod would have two volumes named `https-tls`: yours (volumes.https-tls) and the TLS sidecar https's TLS certificates"];
    const ds = await errorsOf(sg('https-tls'));
    expect(ds.map(show)).toEqual(want);
    expect(ds[0].pointer).toBe('/services/sg/volumes/https-tls');
    expect(ds[0].hint).toBe('rename your volume `https-tls` and its mounts: ddp names the volumes it adds `<container>-config`, `-tls`, `-logs` and `-tmp`, and `data`');
    expect((await prepareErrors(sg('https-tls'))).map(show)).toEqual(want);
  });

  it('a volume named otherwise (https-certs): no error', async () => {
    expect(await errorsOf(sg('https-certs'))).toEqual([]);
  });
});
