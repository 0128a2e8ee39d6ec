// Pinned (mutation testing of src/targets/compose.ts, 2026-11-29, third round): what the compose
// file says of env files, the volume hand-over and the environment, for topologies the examples
// do not hold.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runGenerate } from '../../src/commands/generate.js';

type Svc = { environment?: Record<string, string>; env_file?: { path: string; required: boolean }[]; command?: string[]; volumes?: { type: string; source?: string; target: string }[]; secrets?: { source: string; target: string }[] };
type Doc = { services: Record<string, Svc>; secrets?: Record<string, { file: string }> };

let base: string;
let n = 0;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'ddp-pinned-compose-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function compose(services: string) {
  const dir = join(base, `t${n++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'ddp.yaml'), `apiVersion: ddp/v1\nkind: Topology\nmetadata: { name: shop }\nservices:\n${services}`);
  const r = await runGenerate({ file: 'ddp.yaml', cwd: dir, stdout: true, target: 'compose' });
  return { doc: parse(r.contents!.find((f) => f.path === 'compose/docker-compose.yml')!.content) as Doc, supplied: r.supplied };
}

const WEB = '  web:\n    pattern: replicated\n    image: ghcr.io/acme/web:1.4.2\n    port: 8080\n';
const AGENT = '      - name: agent\n        image: ghcr.io/acme/agent:1.0\n        env: { TOKEN: { secret: agent, key: token } }\n';

describe('env files of sidecars', () => {
  it("a sidecar's secret env reads the sidecar's own env file, the one the report names", async () => {
    const { doc, supplied } = await compose(`${WEB}    sidecars:\n${AGENT}`);
    expect(doc.services['web-agent'].env_file).toEqual([{ path: './secrets/web-agent.env', required: true }]);
    expect(doc.services.web.env_file).toBeUndefined();
    expect(supplied).toEqual([{ secret: 'agent', key: 'token', composePath: 'secrets/web-agent.env', env: 'TOKEN', why: 'TOKEN of web-agent, the line `TOKEN=<value>`' }]);
  });

  it("a scheduled function's sidecar (a native sidecar: an init container) is in the report too", async () => {
    const { doc, supplied } = await compose(`  job:\n    pattern: function\n    image: ghcr.io/acme/job:1.4.2\n    trigger: { schedule: "*/5 * * * *" }\n    sidecars:\n${AGENT}`);
    expect(doc.services['job-agent'].env_file).toEqual([{ path: './secrets/job-agent.env', required: true }]);
    expect(supplied).toEqual([{ secret: 'agent', key: 'token', composePath: 'secrets/job-agent.env', env: 'TOKEN', why: 'TOKEN of job-agent, the line `TOKEN=<value>`' }]);
  });

  it('an env value from the TLS secret is a line of the env file, not a file compose mounts as a secret', async () => {
    const { doc } = await compose(`${WEB}    env: { PASS: { secret: web-tls, key: password } }\n    sidecars:\n      - { name: https, kind: tls, secret: web-tls, port: 8443 }\n`);
    expect(doc.secrets).toEqual({ 'web-tls-tls-crt': { file: './secrets/web-tls/tls.crt' }, 'web-tls-tls-key': { file: './secrets/web-tls/tls.key' } });
    expect(doc.services['web-https'].secrets).toEqual([
      { source: 'web-tls-tls-crt', target: '/etc/ddp-tls/tls.crt' },
      { source: 'web-tls-tls-key', target: '/etc/ddp-tls/tls.key' },
    ]);
    expect(doc.services.web.env_file).toEqual([{ path: './secrets/web.env', required: true }]);
  });
});

describe('order in the compose file', () => {
  it("environment by name: the topology's, and what compose adds (a leaf's DDP_LEAF_INDEX) among them", async () => {
    const { doc } = await compose('  search:\n    pattern: scatter-gather\n    root: { image: ghcr.io/acme/root:2.0, port: 8080 }\n    leaves: { image: ghcr.io/acme/leaf:2.0, port: 8080, count: 2, env: { ZED: "1", ALPHA: "2" } }\n');
    expect(Object.entries(doc.services['search-leaf-1'].environment!)).toEqual([['ALPHA', '2'], ['DDP_LEAF_COUNT', '2'], ['DDP_LEAF_INDEX', '1'], ['ZED', '1']]);
  });

  it('the volume hand-over chowns and mounts the named volumes by name, not in the order they are mounted', async () => {
    const { doc } = await compose(`${WEB}    replicas: 1\n    volumes: { zz: { type: persistent, size: 1Gi }, aa: { type: persistent, size: 1Gi } }\n    mounts: [{ volume: zz, path: /zz }, { volume: aa, path: /aa }]\n`);
    const init = doc.services['ddp-volume-init'];
    expect(init.command).toEqual(['chown -R 10001:10001 /volumes/web-aa && chown -R 10001:10001 /volumes/web-zz']);
    expect(init.volumes).toEqual([
      { type: 'volume', source: 'web-aa', target: '/volumes/web-aa' },
      { type: 'volume', source: 'web-zz', target: '/volumes/web-zz' },
    ]);
  });
});
