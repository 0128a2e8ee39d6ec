// The shapes `ddp lint` works on: Kubernetes objects and compose services found in the inputs,
// rules that look at all of them at once, and the findings those rules report.
import type { Seg } from './kubernetes-schema.js';
import type { SourceDoc } from './source.js';

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A compose boolean as docker compose reads it (compose-go's cast, any case): true or false, or
 *  undefined for a string it cannot cast. */
export function composeBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string') return undefined;
  if (/^(true|y|yes|on)$/i.test(v)) return true;
  if (/^(false|n|no|off)$/i.test(v)) return false;
  return undefined;
}

export type LintSeverity = 'error' | 'warning';

/** One Kubernetes object: a document, or an item of a `kind: List` document. */
export interface K8sObject {
  type: 'kubernetes';
  file: string;
  doc: SourceDoc;
  base: Seg[]; // path of the object inside its document ([] or ["items", i])
  data: Obj;
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string; // '' when the object names none
}

/** One service of a compose file. */
export interface ComposeService {
  type: 'compose';
  file: string;
  doc: SourceDoc;
  base: Seg[]; // ["services", name]
  data: Obj;
  name: string;
}

export type LintTarget = K8sObject | ComposeService;

export interface LintContext {
  objects: K8sObject[];
  services: ComposeService[];
}

/** What a rule reports: the object, the path inside it, the message (without the object's name) and the fix. */
export interface RuleHit {
  target: LintTarget;
  path: Seg[];
  message: string;
  hint: string;
}

export interface Rule {
  id: string;
  severity: LintSeverity;
  /** one line: what the rule wants */
  description: string;
  /** which inputs it looks at */
  applies: ('kubernetes' | 'compose')[];
  check(ctx: LintContext): RuleHit[];
}

export interface Finding {
  rule: string;
  severity: LintSeverity;
  message: string; // "Deployment/web: container `web` has no memory limit"
  hint?: string;
  file: string;
  line: number;
  col: number;
  object?: { apiVersion?: string; kind: string; name: string; namespace?: string };
  path?: string; // spec.template.spec.containers[0].resources
}

/** `Deployment/web` or `compose service web`. */
export function targetName(t: LintTarget): string {
  return t.type === 'kubernetes' ? `${t.kind}/${t.name}` : `compose service ${t.name}`;
}
