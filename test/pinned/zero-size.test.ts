// Pinned (mutation testing, 2026-11-29, src/topology/semantic.ts claimSizes): `storage.size`
// becomes a PersistentVolumeClaim's size too, and 0 is refused there as on a persistent volume.
// bad-input.test.ts has only a volume; dropping the storage check made no test fail.
import { describe, expect, it } from 'vitest';
import { errorsOf, prepareErrors, BASE } from '../helpers/topology.js';
import type { Diagnostic } from '../../src/diagnostics.js';

const show = (d: Diagnostic) => `${d.line}:${d.col} ${d.code}: ${d.message}`;
const MESSAGE = 'zero-size: size 0 is zero; Kubernetes refuses a PersistentVolumeClaim that asks for no storage';
/** BASE (web on lines 6-8, its port on 9) and then another service from line 10 on. */
const withService = (...ls: string[]) => BASE + '    port: 8080\n' + ls.join('\n') + '\n';

describe('zero-size: storage of size 0', () => {
  it('sharded storage: an error at storage.size, in validate and generate alike', async () => {
    const text = withService('  cache:', '    pattern: sharded', '    image: redis:7.2', '    port: 6379', '    protocol: redis', '    shards: 2', '    storage: { size: "0" }');
    const ds = await errorsOf(text);
    expect(ds.map(show)).toEqual([`16:22 ${MESSAGE}`]);
    expect([ds[0].pointer, ds[0].hint]).toEqual(['/services/cache/storage/size', 'give a size above zero, e.g. 1Gi']);
    expect((await prepareErrors(text)).map(show)).toEqual([`16:22 ${MESSAGE}`]);
  });

  it('batch storage: an error at storage.size; 0Gi is zero too, 1Mi is not', async () => {
    const batch = (size: string) => withService('  vc:', '    pattern: batch', '    map: { image: ghcr.io/acme/m:1.0 }', '    reduce: { image: ghcr.io/acme/r:1.0 }', `    storage: { size: "${size}" }`);
    const ds = await errorsOf(batch('0Gi'));
    expect(ds.map(show)).toEqual([`14:22 ${MESSAGE.replace('size 0 ', 'size 0Gi ')}`]);
    expect(ds[0].pointer).toBe('/services/vc/storage/size');
    expect((await errorsOf(batch('1Mi'))).filter((d) => d.code === 'zero-size')).toEqual([]);
  });
});
