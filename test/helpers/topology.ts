// Diagnostics for a topology text, through the library (no build needed): as `ddp validate`
// finds them, and as the generate path (prepare) refuses it. Shared by the tests that assert
// exact `line:col code: message`.
import { parseTopologyText } from '../../src/topology/load.js';
import { prepareLoaded, validateAll } from '../../src/flow.js';
import { DdpError, type Diagnostic } from '../../src/diagnostics.js';

/** Lines 1-8 of a topology with one replicated service, `web`: what a case adds starts on line 9. */
export const BASE = [
  'apiVersion: ddp/v1', //                          1
  'kind: Topology', //                              2
  'metadata:', //                                   3
  '  name: shop', //                                4
  'services:', //                                   5
  '  web:', //                                      6
  '    pattern: replicated', //                     7
  '    image: ghcr.io/acme/web:1.4.2', //           8
].join('\n') + '\n';

/** BASE and then `ls`, from line 9 on. */
export const lines = (...ls: string[]): string => BASE + ls.join('\n') + '\n';

/** Errors for a topology text, as `ddp validate` finds them (parse errors throw; the rest is collected). */
export async function errorsOf(text: string, env?: string): Promise<Diagnostic[]> {
  try {
    return (await validateAll(parseTopologyText(text, 'ddp.yaml'), env)).filter((d) => d.severity === 'error');
  } catch (e) {
    if (e instanceof DdpError) return e.diagnostics;
    throw e;
  }
}

/** The same text through prepare (the generate path): the errors it fails with. */
export async function prepareErrors(text: string, env?: string): Promise<Diagnostic[]> {
  try {
    await prepareLoaded(parseTopologyText(text, 'ddp.yaml'), env);
  } catch (e) {
    if (e instanceof DdpError) return e.diagnostics;
    throw e;
  }
  throw new Error('prepare accepted a topology validate refuses');
}

/** A diagnostic as the tests compare it: `line:col code: message` (`-` for a position it lacks). */
export const show = (d: Diagnostic): string => `${d.line ?? '-'}:${d.col ?? '-'} ${d.code}: ${d.message}`;

/** The diagnostics of parsing a text (YAML and its slips, before any schema): none when it parses. */
export function parseDiagnostics(text: string): Diagnostic[] {
  try {
    parseTopologyText(text, 'ddp.yaml');
    return [];
  } catch (e) {
    if (e instanceof DdpError) return e.diagnostics;
    throw e;
  }
}
