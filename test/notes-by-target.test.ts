// What compose cannot do (the compose-* notes) is said with the compose file only: a run for
// Kubernetes alone reports none of it (src/commands/generate.ts).
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runGenerate } from '../src/commands/generate.js';
import { ROOT } from './examples.js';

describe('notes by target', () => {
  const file = join(ROOT, 'examples', '11-election', 'ddp.yaml');
  it('compose-no-election with compose among the targets, and not for --target kubernetes', async () => {
    const all = await runGenerate({ file, stdout: true });
    expect(all.notes.map((n) => n.code)).toContain('compose-no-election');
    const kube = await runGenerate({ file, stdout: true, target: 'kubernetes' });
    expect(kube.notes.filter((n) => n.code.startsWith('compose-'))).toEqual([]);
    const compose = await runGenerate({ file, stdout: true, target: 'compose' });
    expect(compose.notes.map((n) => n.code)).toContain('compose-no-election');
  });
});

describe('compose-no-affinity', () => {
  const text = (extra: string[]) =>
    ['apiVersion: ddp/v1', 'kind: Topology', 'metadata: { name: shop }', 'services:', '  web:', '    pattern: replicated', '    image: ghcr.io/acme/web:1.0.0', '    port: 8080', '    sessionAffinity: client-ip', ...extra].join('\n') + '\n';
  const notes = async (extra: string[]) => {
    const { prepareLoaded } = await import('../src/flow.js');
    const { parseTopologyText } = await import('../src/topology/load.js');
    return (await prepareLoaded(parseTopologyText(text(extra), 'ddp.yaml'), undefined)).model.notes.filter((n) => n.code === 'compose-no-affinity');
  };
  it('client-ip affinity over several replicas without compose\'s load balancer: compose cannot keep it, and says so', async () => {
    expect(await notes([])).toEqual([
      {
        severity: 'warning',
        code: 'compose-no-affinity',
        message: 'compose: sessionAffinity client-ip has no counterpart for web: compose has no Service, and its DNS spreads the connections over the replicas',
        pointer: '/services/web/sessionAffinity',
        hint: 'for a compose test, run one replica (an environment overlay with replicas: 1)',
      },
    ]);
  });
  it('one replica, or a cache (whose load balancer hashes the client address): nothing to say', async () => {
    expect(await notes(['    replicas: 1'])).toEqual([]);
    expect(await notes(['    cache: {}'])).toEqual([]);
  });
});
