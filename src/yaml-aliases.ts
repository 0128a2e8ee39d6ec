// YAML aliases, checked before anything is expanded and then inlined: for the topology
// (src/topology/load.ts) and for the manifests `ddp lint` reads (src/lint/source.ts).
//
// An alias adds the nodes of what it repeats, aliases inside that included: `<<: *defaults` of a
// 2-key mapping adds 5, and thousands of such merges are fine; a "billion laughs" document adds
// ~10^9. So each alias is counted by what it adds, at the alias, in one pass over what is written
// (each node's size computed once), and the first alias past the limit is the error; so is an
// alias to no anchor, and one that repeats a node it is part of (it would expand forever).
//
// Once checked, `inline` puts the node each alias repeats in the alias's place, for `toJS`: yaml
// resolves an alias by scanning every anchor and alias before it, quadratic in their number
// (40,000 aliases: 12 s, and again for what each `<<` merge copies). Inlined, toJS does work in
// proportion to the expanded size, which the limit bounds.
import type * as YamlLib from 'yaml';
import type { Alias, Node } from 'yaml';

/** yaml's node predicates: passed in, so that this module does not load `yaml` (validate loads it only on demand). */
export type YamlNodeTests = Pick<typeof YamlLib, 'isAlias' | 'isMap' | 'isSeq' | 'isPair'>;

export interface AliasLimits {
  /** nodes all aliases may add; with `budget`, shared by every document it is passed with */
  maxAdded: number;
  /** nodes added by earlier documents of the same file (updated) */
  budget?: { added: number };
  /** how deep mappings and lists may nest, aliases expanded (the document is depth 0); none when absent */
  maxDepth?: number;
  /** called for each node as written (not for aliases), in document order, before what it holds */
  visit?: (node: Node, depth: number) => void;
}

export type AliasProblem =
  | { kind: 'no-anchor'; at: Alias }
  | { kind: 'cycle'; at: Alias }
  | { kind: 'limit'; at: Alias }
  /** at an alias: what it repeats nests too deep where it stands; at a node: the node itself is too deep */
  | { kind: 'too-deep'; at: Alias | Node };

export type AliasCheck =
  | { ok: false; problem: AliasProblem }
  | {
      ok: true;
      /** the node an alias repeats (the last node before it with its anchor, as yaml and go-yaml resolve it) */
      targetOf: (alias: Alias) => Node | undefined;
      /** put each alias's node in its place */
      inline: () => void;
    };

class Stop {
  constructor(readonly problem: AliasProblem) {}
}

/** Check the aliases of `contents` (a document's top node) against `limits`. */
export function checkAliases(y: YamlNodeTests, contents: Node, limits: AliasLimits): AliasCheck {
  const { maxAdded, maxDepth = Infinity, visit } = limits;
  const budget = limits.budget ?? { added: 0 };
  const CAP = maxAdded + 1; // sizes are capped, so that sums cannot overflow
  const anchors = new Map<string, Node>();
  const targets = new Map<Alias, Node>();
  const sizes = new Map<Node, { size: number; height: number }>();
  const open = new Set<Node>();
  const inline: (() => void)[] = [];

  /** The node `alias` repeats, counted where it stands (at `depth`); its size and height. */
  const follow = (alias: Alias, depth: number): { size: number; height: number } => {
    const target = anchors.get(alias.source);
    if (!target) throw new Stop({ kind: 'no-anchor', at: alias });
    if (open.has(target)) throw new Stop({ kind: 'cycle', at: alias });
    targets.set(alias, target);
    const m = sizes.get(target)!;
    budget.added = Math.min(CAP, budget.added + m.size);
    if (budget.added > maxAdded) throw new Stop({ kind: 'limit', at: alias });
    if (depth + m.height > maxDepth) throw new Stop({ kind: 'too-deep', at: alias });
    return m;
  };
  /** Size (nodes) and height of `node` where it stands; `put` puts another node in its place. */
  const walk = (node: unknown, depth: number, put: (n: Node) => void): { size: number; height: number } => {
    if (node === null || typeof node !== 'object') return { size: 0, height: -1 };
    if (y.isAlias(node)) {
      const m = follow(node, depth);
      const target = targets.get(node)!;
      inline.push(() => put(target));
      return m;
    }
    const n = node as Node;
    if (depth > maxDepth) throw new Stop({ kind: 'too-deep', at: n });
    if (n.anchor) anchors.set(n.anchor, n);
    visit?.(n, depth);
    let size = 1;
    let height = 0;
    if (y.isMap(n) || y.isSeq(n)) {
      open.add(n);
      const items = n.items as unknown[];
      const add = (m: { size: number; height: number }) => {
        size = Math.min(CAP, size + m.size);
        height = Math.max(height, m.height + 1);
      };
      items.forEach((item, i) => {
        if (y.isPair(item)) {
          add(walk(item.key, depth + 1, (t) => (item.key = t)));
          add(walk(item.value, depth + 1, (t) => (item.value = t)));
        } else add(walk(item, depth + 1, (t) => (items[i] = t)));
      });
      open.delete(n);
    }
    const r = { size, height };
    sizes.set(n, r);
    return r;
  };

  try {
    walk(contents, 0, () => undefined); // (a document is never an alias: its anchor would come after it)
  } catch (e) {
    if (e instanceof Stop) return { ok: false, problem: e.problem };
    throw e;
  }
  return { ok: true, targetOf: (a) => targets.get(a), inline: () => inline.forEach((f) => f()) };
}
