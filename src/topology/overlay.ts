// `--env NAME`: deep-merge environments.NAME over the document. Maps merge by key; lists of
// named items (containers, sidecars, stages...) merge by `name`; other lists are replaced; a key
// set to null is removed (as in a JSON merge patch, RFC 7386).
import { DdpError, didYouMean, error, pointer, type Diagnostic } from '../diagnostics.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const own = (o: Obj, k: string) => Object.prototype.hasOwnProperty.call(o, k);

export function environmentNames(data: unknown): string[] {
  return isObj(data) && isObj(data.environments) ? Object.keys(data.environments).sort() : [];
}

/** The document with environment `env` applied and `environments` removed. */
export function applyEnvironment(data: unknown, env: string | undefined, file?: string): unknown {
  if (!isObj(data)) return data;
  const { environments, ...base } = data as Obj & { environments?: unknown };
  const result = Object.assign(Object.create(null) as Obj, base);
  if (env === undefined) return result;
  const envs = isObj(environments) ? environments : {};
  if (!own(envs, env)) {
    const names = Object.keys(envs).sort();
    const guess = didYouMean(env, names);
    const d: Diagnostic = error('unknown-environment', `--env ${env}: the topology has no environment \`${env}\``, {
      ...(file ? { file } : {}),
      hint: guess ? `did you mean \`${guess}\`?` : names.length ? `environments: ${names.join(', ')}` : 'add it under `environments:` in the topology',
    });
    throw new DdpError(d);
  }
  const unknown = additionsWithoutTheirKey(result, envs[env], env, file);
  if (unknown.length) throw new DdpError(unknown);
  const missing: Missing[] = [];
  const merged = merge(result, envs[env], { ptr: '', label: '' }, missing);
  if (missing.length) {
    throw new DdpError(
      missing.map(({ ptr, label }) =>
        error('overlay-removes-nothing', `${label}: null removes it, and the document has no ${label}`, {
          ...(file ? { file } : {}),
          pointer: `/environments/${env}${ptr}`,
          hint: 'check the name (null removes a key the document has), or drop the line',
        }),
      ),
    );
  }
  return merged;
}

/** A service the overlay sets that the document lacks, without a `pattern` (a pipeline without
 *  `stages`): not one it adds (that needs them), most likely a misspelt name -- which would
 *  otherwise read "services.apii is missing the required key `pattern`", pointing at the
 *  document's `services:`. */
function additionsWithoutTheirKey(base: Obj, over: unknown, env: string, file: string | undefined): Diagnostic[] {
  // a pipeline an environment adds needs its `stages` as a service needs its `pattern`
  return (
    [
      ['services', 'service', 'pattern'],
      ['pipelines', 'pipeline', 'stages'],
    ] as const
  ).flatMap(([section, what, key]) => {
    const existing = isObj(base[section]) ? base[section] : {};
    const added = isObj(over) && isObj(over[section]) ? over[section] : {};
    const names = Object.keys(existing).sort();
    return Object.keys(added)
      .filter((k) => !own(existing, k) && isObj(added[k]) && !own(added[k] as Obj, key))
      .map((k) => {
        const guess = didYouMean(k, names);
        return error('overlay-unknown-service', `${what} \`${k}\` is not in the document, and the environment gives it no \`${key}\` (a ${what} an environment adds needs ${key === 'stages' ? 'them' : 'one'})`, {
          ...(file ? { file } : {}),
          pointer: `/environments/${env}/${section}${pointer(k)}`,
          hint: guess ? `did you mean \`${guess}\`?` : names.length ? `${section}: ${names.join(', ')}` : `add \`${key}:\` to add the ${what} in this environment`,
        });
      });
  });
}

/** A key an overlay sets to null that the document lacks: where it is in the overlay (a JSON
 *  pointer), and its name for people (`services.web.sidecars[sync].port`). */
interface Missing {
  ptr: string;
  label: string;
}

/**
 * `over` merged into `base`. A key `over` sets to null is removed; where `base` has no such key,
 * it goes into `missing` when given: removing nothing is most likely a typo.
 */
export function merge(base: unknown, over: unknown, at: Missing = { ptr: '', label: '' }, missing?: Missing[]): unknown {
  if (over === undefined) return base;
  if (isObj(base) && isObj(over)) {
    const out = Object.assign(Object.create(null) as Obj, base);
    for (const k of Object.keys(over)) {
      const here = { ptr: at.ptr + pointer(k), label: at.label ? `${at.label}.${k}` : k };
      if (over[k] === null) {
        if (own(out, k)) delete out[k];
        else missing?.push(here);
      } else if (own(out, k)) out[k] = merge(out[k], over[k], here, missing);
      else {
        // new here: a null inside removes nothing either
        if (missing) nullsIn(over[k], here, missing);
        out[k] = over[k];
      }
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(over) && isNamedList(base) && isNamedList(over)) {
    const out = [...base];
    (over as Obj[]).forEach((item, j) => {
      const i = out.findIndex((x) => (x as Obj).name === item.name);
      const here = { ptr: `${at.ptr}/${j}`, label: `${at.label}[${String(item.name)}]` };
      if (i >= 0) out[i] = merge(out[i], item, here, missing);
      else {
        if (missing) nullsIn(item, here, missing);
        out.push(item);
      }
    });
    return out;
  }
  return over;
}

/** Every null at a key inside a mapping the document does not have (where the overlay adds it
 *  whole): it removes nothing. A list is a value as it stands (a null in it is an item). */
function nullsIn(v: unknown, at: Missing, missing: Missing[]): void {
  if (!isObj(v)) return;
  for (const k of Object.keys(v)) {
    const here = { ptr: at.ptr + pointer(k), label: `${at.label}.${k}` };
    if (v[k] === null) missing.push(here);
    else nullsIn(v[k], here, missing);
  }
}

const isNamedList = (l: unknown[]) => l.length > 0 && l.every((x) => isObj(x) && typeof x.name === 'string');
