// Pinned (mutation testing, 2026-11-29, src/topology/semantic.ts TLS_SIDECAR_UNUSED): each
// field of a container that a `kind: tls` sidecar does not use is an error -- command, args, env,
// mounts, ports and health. bad-input.test.ts has env and mounts; dropping `health` (or command,
// args, ports) from the list made no test fail.
import { describe, expect, it } from 'vitest';
import { errorsOf, lines } from '../helpers/topology.js';

const sidecar = (field: string) => lines('    port: 8080', '    sidecars:', `      - { name: https, kind: tls, secret: web-tls, ${field} }`);

describe('tls-sidecar-field: every field ddp writes itself for its nginx', () => {
  it.each([
    ['command', 'command: [nginx]'],
    ['args', 'args: ["-g", "daemon off;"]'],
    ['env', 'env: { A: b }'],
    ['ports', 'ports: [{ name: metrics, port: 9113 }]'],
    ['health', 'health: { exec: ["true"] }'],
  ])('%s', async (field, yaml) => {
    const ds = await errorsOf(sidecar(yaml));
    expect(ds.map((d) => [d.code, d.message, d.pointer, d.hint])).toEqual([
      ['tls-sidecar-field', `a \`kind: tls\` sidecar runs ddp's nginx, configured by ddp: \`${field}\` is not used`, `/services/web/sidecars/0/${field}`, `remove \`${field}\`, or make \`https\` a sidecar of your own image (no \`kind: tls\`)`],
    ]);
  });

  it('the fields a TLS sidecar takes (name, secret, port, image, resources, native): none', async () => {
    expect(await errorsOf(lines('    port: 8080', '    sidecars:', '      - { name: https, kind: tls, secret: web-tls, port: 8443, image: "nginxinc/nginx-unprivileged:1.27", resources: { cpu: 50m }, native: true }'))).toEqual([]);
  });
});
