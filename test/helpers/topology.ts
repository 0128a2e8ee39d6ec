// Diagnostics for a topology text, through the library (no build needed): as `ddp validate`
// finds them, and as the generate path (prepare) refuses it. Shared by the tests that assert
// exact `line:col code: message`.
import { parseTopologyText } from '../../src/topology/load.js';
import { prepareLoaded, validateAll } from '../../src/flow.js';
import { DdpError, type Diagnostic } from '../../src/diagnostics.js';

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
