// `--env NAME`: deep-merge environments.NAME over the document. Maps merge by key; lists of
// named items (containers, sidecars, stages...) merge by `name`; other lists are replaced.
import { DdpError, didYouMean, error, type Diagnostic } from '../diagnostics.js';

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
  return merge(result, envs[env]);
}

export function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (isObj(base) && isObj(over)) {
    const out = Object.assign(Object.create(null) as Obj, base);
    for (const k of Object.keys(over)) out[k] = own(out, k) ? merge(out[k], over[k]) : over[k];
    return out;
  }
  if (Array.isArray(base) && Array.isArray(over) && isNamedList(base) && isNamedList(over)) {
    const out = [...base];
    for (const item of over as Obj[]) {
      const i = out.findIndex((x) => (x as Obj).name === item.name);
      if (i >= 0) out[i] = merge(out[i], item);
      else out.push(item);
    }
    return out;
  }
  return over;
}

const isNamedList = (l: unknown[]) => l.length > 0 && l.every((x) => isObj(x) && typeof x.name === 'string');
