// Kubernetes resource quantities: parse for comparison, format for compose.
const SUFFIX: Record<string, number> = {
  '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15,
  Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5,
};

/** Parsed quantities by text: a topology repeats a few values over every container. */
const parsed = new Map<string, number>();

export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') return q;
  let v = parsed.get(q);
  if (v === undefined) {
    const m = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$/.exec(q);
    v = m ? Number(m[1]) * SUFFIX[m[2] ?? '']! : NaN;
    if (parsed.size < 10_000) parsed.set(q, v);
  }
  return v;
}

/** CPU for compose `cpus`: "500m" → "0.5" */
export function composeCpus(q: string): string {
  return String(Math.round(parseQuantity(q) * 1000) / 1000);
}

/** Memory for compose: bytes → "256M"-style (binary units, as docker reads them). */
export function composeMemory(q: string): string {
  const bytes = parseQuantity(q);
  for (const [unit, size] of [['g', 1024 ** 3], ['m', 1024 ** 2], ['k', 1024]] as const) {
    if (bytes >= size && Number.isInteger(bytes / size)) return `${bytes / size}${unit}`;
  }
  return `${Math.ceil(bytes)}b`;
}

/** Duration "2s" / "500ms" / "5m" → milliseconds. */
export function durationMs(d: string): number {
  const m = /^([0-9]+)(ms|s|m|h)$/.exec(d);
  if (!m) return NaN;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60000, h: 3600000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}
