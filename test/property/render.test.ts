// Property: any valid topology (every implemented pattern, random names, values YAML likes to
// mangle) renders Kubernetes and compose output that parses, validates strictly (unknown fields
// included), reads the same as YAML 1.2 and YAML 1.1 (no type coercion anywhere), and carries
// every string value through unchanged (no key injected through a crafted value).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseAllDocuments as parseYaml } from 'yaml';
import { parseTopologyText } from '../../src/topology/load.js';
import { prepareLoaded, renderTargets, TARGETS } from '../../src/flow.js';
import type { OutputFile } from '../../src/output/files.js';
import { parseAllDocuments, validateKubernetes } from '../helpers/kubernetes.js';
import { validateCompose } from '../helpers/compose.js';
import { loadBalancerPortProblems } from '../patterns/serving-helpers.js';
import { validTopology, toYamlText, textStyle, fcParams, SEED, implemented, PATTERNS, type GeneratedTopology } from '../arbitraries.js';

/** Every YAML document of a file, parsed as YAML 1.1 (what go-yaml v2 and PyYAML read). */
function parseYaml11(text: string): unknown[] {
  return parseYaml(text, { version: '1.1' }).map((d) => d.toJS()).filter((v) => v !== null && v !== undefined);
}

/** Objects anywhere under `v` (depth first). */
function* objects(v: unknown): Generator<Record<string, unknown>> {
  if (Array.isArray(v)) for (const x of v) yield* objects(x);
  else if (v && typeof v === 'object') {
    yield v as Record<string, unknown>;
    for (const x of Object.values(v)) yield* objects(x);
  }
}

/** What compose makes of a string after interpolation: `$$` is `$`; any other `$` is substituted (undefined: changed). */
export function afterComposeInterpolation(s: string): string | undefined {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '$') out += s[i];
    else if (s[i + 1] === '$') {
      out += '$';
      i++;
    } else return undefined;
  }
  return out;
}

/**
 * What Kubernetes passes to a container for an env value, a command or an argument: `$$` becomes
 * `$`, and `$(NAME)` is replaced by the variable when the container defines it (kubelet's
 * expansion). undefined when a reference is left unescaped (this test counts that as changed).
 */
export function afterKubernetesExpansion(s: string): string | undefined {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '$') out += s[i];
    else if (s[i + 1] === '$') {
      out += '$';
      i++;
    } else if (s[i + 1] === '(' && s.indexOf(')', i + 2) > i + 2) return undefined;
    else out += '$';
  }
  return out;
}

async function render(t: GeneratedTopology, style: Parameters<typeof toYamlText>[1]): Promise<OutputFile[]> {
  const text = toYamlText(t.doc, style);
  const prepared = await prepareLoaded(parseTopologyText(text, 'random.yaml'), undefined);
  return renderTargets(prepared.model, TARGETS);
}

function checkOutput(t: GeneratedTopology, files: OutputFile[]): void {
  const k8s = files.filter((f) => f.path.startsWith('kubernetes/'));
  expect(k8s.length).toBeGreaterThan(0);
  const docs: unknown[] = [];
  for (const f of k8s) {
    const parsed = parseAllDocuments(f.content);
    // YAML 1.1 and 1.2 read the same data: no `yes`, `0755` or `1e3` changes its type
    expect(parseYaml11(f.content), f.path).toEqual(parsed);
    docs.push(...parsed);
  }
  expect(validateKubernetes(docs)).toEqual([]);

  // compose's load balancers serve every port of the Service they stand in for (src/patterns/compose-lb.ts)
  expect(loadBalancerPortProblems(files, docs as Record<string, unknown>[])).toEqual([]);

  const composeFile = files.find((f) => f.path === 'compose/docker-compose.yml');
  expect(composeFile).toBeDefined();
  const [compose] = parseAllDocuments(composeFile!.content);
  expect(parseYaml11(composeFile!.content)).toEqual([compose]);
  expect(validateCompose(compose)).toEqual([]);
  // compose services name only compose services: depends_on, network_mode and pid service:X
  const composeServices = (compose as { services: Record<string, Record<string, unknown>> }).services;
  for (const [n, svc] of Object.entries(composeServices)) {
    for (const d of Object.keys((svc.depends_on as object) ?? {})) expect(composeServices[d], `${n} depends_on ${d}`).toBeDefined();
    for (const k of ['network_mode', 'pid']) {
      const m = typeof svc[k] === 'string' ? /^service:(.+)$/.exec(svc[k] as string) : null;
      if (m) expect(composeServices[m[1]], `${n} ${k} service:${m[1]}`).toBeDefined();
    }
  }

  // every value the topology gave reaches the output as the very same string
  const k8sEnv = new Set<string>();
  const k8sArgs = new Set<string>();
  for (const o of objects(docs)) {
    if (Array.isArray(o.env)) for (const e of o.env as Record<string, unknown>[]) if (typeof e.value === 'string') k8sEnv.add(`${e.name}\0${afterKubernetesExpansion(e.value)}`);
    if (Array.isArray(o.args)) for (const a of o.args) k8sArgs.add(afterKubernetesExpansion(a as string) as string);
    if (Array.isArray(o.command)) for (const a of o.command) k8sArgs.add(afterKubernetesExpansion(a as string) as string);
  }
  const composeEnv = new Set<string>();
  const composeArgs = new Set<string>();
  for (const svc of Object.values((compose as { services: Record<string, Record<string, unknown>> }).services)) {
    for (const [k, v] of Object.entries((svc.environment as Record<string, string>) ?? {})) {
      const seen = afterComposeInterpolation(String(v));
      expect(seen, `compose would interpolate the value of ${k}: ${JSON.stringify(v)}`).toBeDefined();
      composeEnv.add(`${k}\0${seen}`);
    }
    for (const list of [svc.command, svc.entrypoint]) {
      if (!Array.isArray(list)) continue;
      for (const a of list) {
        const seen = afterComposeInterpolation(String(a));
        expect(seen, `compose would interpolate the argument ${JSON.stringify(a)}`).toBeDefined();
        composeArgs.add(seen!);
      }
    }
  }
  const namespace = docs.find((d) => (d as { kind?: string }).kind === 'Namespace') as { metadata: { labels?: Record<string, unknown>; annotations?: Record<string, unknown> } };
  const workloads = docs.filter((d) => ['Deployment', 'StatefulSet', 'Job', 'CronJob'].includes((d as { kind: string }).kind)) as { metadata: { annotations?: Record<string, unknown> } }[];
  for (const c of t.carried) {
    if (c.kind === 'env') {
      expect(k8sEnv.has(`${c.name}\0${c.value}`), `Kubernetes env ${c.name}=${JSON.stringify(c.value)}`).toBe(true);
      expect(composeEnv.has(`${c.name}\0${c.value}`), `compose env ${c.name}=${JSON.stringify(c.value)}`).toBe(true);
    } else if (c.kind === 'arg') {
      expect(k8sArgs.has(c.value), `Kubernetes argument ${JSON.stringify(c.value)}`).toBe(true);
      expect(composeArgs.has(c.value), `compose argument ${JSON.stringify(c.value)}`).toBe(true);
    } else if (c.kind === 'annotation') {
      expect(namespace.metadata.annotations?.[c.key], `annotation ${c.key} on the Namespace`).toBe(c.value);
      for (const w of workloads) expect(w.metadata.annotations?.[c.key], `annotation ${c.key}`).toBe(c.value);
    } else if (c.kind === 'object-annotation') {
      const o = docs.find((d) => (d as { kind?: string }).kind === c.object && (d as { metadata?: { name?: string } }).metadata?.name === c.name) as { metadata: { annotations?: Record<string, unknown> } } | undefined;
      expect(o, `${c.object} ${c.name}`).toBeDefined();
      expect(o!.metadata.annotations?.[c.key], `annotation ${c.key} on ${c.object} ${c.name}`).toBe(c.value);
    } else if (c.kind === 'node-selector') {
      const pods = [...objects(docs)].filter((o) => Array.isArray(o.containers));
      expect(pods.length).toBeGreaterThan(0);
      for (const p of pods) expect((p.nodeSelector as Record<string, unknown> | undefined)?.[c.key], `nodeSelector ${c.key} of a pod`).toBe(c.value);
    } else {
      expect(namespace.metadata.labels?.[c.key], `label ${c.key} on the Namespace`).toBe(c.value);
    }
  }
}

describe('random valid topologies', () => {
  it(`render Kubernetes and compose that parse, validate strictly and carry every value unchanged (seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(validTopology(), textStyle, async (t, style) => {
        checkOutput(t, await render(t, style));
      }),
      fcParams(60),
    );
  });

  it(`do so with every implemented pattern in one topology (seed ${SEED})`, async () => {
    const patterns = [...PATTERNS, 'pipeline' as const].filter(implemented);
    await fc.assert(
      fc.asyncProperty(validTopology({ everyPattern: true }), async (t) => {
        for (const p of patterns) expect(t.patterns).toContain(p);
        checkOutput(t, await render(t, 'block'));
      }),
      fcParams(15),
    );
  });

  it('Kubernetes expansion is understood by this test as the kubelet does it', () => {
    expect(afterKubernetesExpansion('a$$b')).toBe('a$b');
    expect(afterKubernetesExpansion('$$(X)')).toBe('$(X)');
    expect(afterKubernetesExpansion('$(X)')).toBeUndefined();
    expect(afterKubernetesExpansion('$HOME and $5')).toBe('$HOME and $5');
  });

  it('compose interpolation is understood by this test as compose does it', () => {
    expect(afterComposeInterpolation('a$$b')).toBe('a$b');
    expect(afterComposeInterpolation('$HOME')).toBeUndefined();
    expect(afterComposeInterpolation('${X}')).toBeUndefined();
    expect(afterComposeInterpolation('plain')).toBe('plain');
  });
});
