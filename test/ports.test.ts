// A port is taken per protocol in a pod: TCP and UDP on one number (DNS on 53) is a pair the API
// server allows, and the Service publishes both (src/topology/semantic.ts podPortChecks).
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { prepareLoaded } from '../src/flow.js';
import { parseTopologyText } from '../src/topology/load.js';
import { renderTargets } from '../src/flow.js';
import { errorsOf, lines } from './helpers/topology.js';
import { validateKubernetes } from './helpers/kubernetes.js';

const DNS = lines('    ports:', '      - { name: dns-udp, port: 5353, protocol: UDP }', '      - { name: dns-tcp, port: 5353, protocol: TCP }');

describe('ports per protocol', () => {
  it('TCP and UDP on one number: accepted, both on the container and the Service, and the API schemas take it', async () => {
    expect(await errorsOf(DNS)).toEqual([]);
    const { model } = await prepareLoaded(parseTopologyText(DNS, 'ddp.yaml'), undefined);
    const files = await renderTargets(model, ['kubernetes', 'compose']);
    const objs = parseAllDocuments(files.find((f) => f.path === 'kubernetes/web.yaml')!.content).map((d) => d.toJS());
    const svc = objs.find((o) => o.kind === 'Service');
    expect(svc.spec.ports).toEqual([
      { name: 'dns-udp', port: 5353, targetPort: 5353, protocol: 'UDP' },
      { name: 'dns-tcp', port: 5353, targetPort: 5353, protocol: 'TCP' },
    ]);
    expect(objs.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].ports).toEqual([
      { name: 'dns-udp', containerPort: 5353, protocol: 'UDP' },
      { name: 'dns-tcp', containerPort: 5353, protocol: 'TCP' },
    ]);
    expect(validateKubernetes(objs)).toEqual([]);
    expect(parse(files.find((f) => f.path === 'compose/docker-compose.yml')!.content).services.web).toBeDefined();
  });

  it('a sidecar on the TCP port the main container takes over UDP: accepted; on the same protocol: port-clash', async () => {
    const udp = lines('    ports: [{ name: dns, port: 5353, protocol: UDP }]', '    sidecars: [{ name: s, image: ghcr.io/acme/s:1.0.0, port: 5353 }]');
    expect(await errorsOf(udp)).toEqual([]);
    const tcp = lines('    port: 5353', '    sidecars: [{ name: s, image: ghcr.io/acme/s:1.0.0, port: 5353 }]');
    expect((await errorsOf(tcp)).map((d) => `${d.line}:${d.col} ${d.code}: ${d.message}`)).toEqual(['10:62 port-clash: port 5353 is used twice in one pod: by the main container and by sidecar s']);
  });
});
