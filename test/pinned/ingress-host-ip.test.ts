// Pinned (mutation testing, 2026-11-29, src/topology/semantic.ts isIPv4): an Ingress host is
// an IP address as the API server's ParseIPSloppy reads one -- four parts of 0 to 255, leading
// zeros allowed. bad-input.test.ts has 10.0.0.1 and 999.1.1.1; `<= 255` turned into `< 255` made no test fail.
import { describe, expect, it } from 'vitest';
import { errorsOf, lines } from '../helpers/topology.js';

const host = (h: string) => lines('    port: 8080', `    expose: { host: "${h}" }`);
const ipError = (h: string) => [
  '10:21 ingress-host-ip: expose.host ' + h + " is an IP address; an Ingress rule's host must be a DNS name",
];
const show = (d: { line?: number; col?: number; code: string; message: string }) => `${d.line}:${d.col} ${d.code}: ${d.message}`;

describe('ingress-host-ip: the bounds of an IPv4 address', () => {
  it.each(['255.255.255.255', '0.0.0.0', '10.0.0.255', '010.001.0.1'])('%s is an IP address', async (h) => {
    const ds = await errorsOf(host(h));
    expect(ds.map(show)).toEqual(ipError(h));
    expect(ds[0].pointer).toBe('/services/web/expose/host');
    expect(ds[0].hint).toBe('use a DNS name that points at your ingress controller (e.g. shop.example.com)');
  });

  it.each(['256.1.1.1', '10.0.0.256', '1.2.3', '1.2.3.4.5', '1234.1.1.1'])('%s is no IP address: no ingress-host-ip', async (h) => {
    expect((await errorsOf(host(h))).filter((d) => d.code === 'ingress-host-ip')).toEqual([]);
  });
});
