// The tests' DNS server (dns.ts) answers as a resolver expects: node's own resolver (c-ares) asks it.
import { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsServer } from './dns.js';
import { allocateAddresses } from './proxies.js';

describe('the DNS server of the tests', () => {
  const addr = allocateAddresses(['dns']);
  let dns: DnsServer;
  const resolver = new Resolver({ timeout: 2000, tries: 1 });

  beforeAll(async () => {
    dns = await startDnsServer(addr.dns!, { 'db.prod.example.com': '127.0.0.5' }, { ttl: 1 });
    resolver.setServers([`${dns.address}:${dns.port}`]);
  });
  afterAll(() => dns.stop());

  it('answers A from its table with the TTL, case-insensitively, and counts the queries', async () => {
    expect(await resolver.resolve4('db.prod.example.com', { ttl: true })).toEqual([{ address: '127.0.0.5', ttl: 1 }]);
    expect(await resolver.resolve4('DB.prod.Example.com')).toEqual(['127.0.0.5']);
    expect(dns.queries('db.prod.example.com')).toBe(2);
  });

  it('answers what the test sets from the next query on; a name it no longer has is NXDOMAIN', async () => {
    dns.set('db.prod.example.com', '127.0.0.6');
    expect(await resolver.resolve4('db.prod.example.com')).toEqual(['127.0.0.6']);
    dns.set('db.prod.example.com', undefined);
    await expect(resolver.resolve4('db.prod.example.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('has no AAAA records (an empty NOERROR answer), and no other names', async () => {
    dns.set('api.example.com', '127.0.0.7');
    await expect(resolver.resolve6('api.example.com')).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(resolver.resolve4('other.example.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});
