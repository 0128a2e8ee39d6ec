// Every lint rule, by group. Adding a rule: put it in its group's module (or a new module listed
// here), give it a failing and a passing fixture under test/fixtures/lint/.
import type { LintSeverity, Rule } from '../types.js';
import { rules as containers } from './containers.js';
import { rules as probes } from './probes.js';
import { rules as availability } from './availability.js';
import { rules as references } from './references.js';
import { rules as apis } from './apis.js';

export interface RuleInfo {
  id: string;
  severity: LintSeverity;
  description: string;
  applies: ('kubernetes' | 'compose')[];
}

export const ALL_RULES: Rule[] = [...containers, ...probes, ...availability, ...references, ...apis];

/** Checks that are no `Rule` object: the schemas and the reading of the inputs. */
export const SYNTHETIC_RULES: RuleInfo[] = [
  { id: 'k8s-schema', severity: 'error', description: 'Kubernetes objects match the API schema: types, required and unknown fields, names, labels; and what the API server checks beyond it: port numbers 1-65535, Ingress paths, one name per container and per volume, mounts of the pod volumes at distinct paths, requests within limits, the restartPolicy of Jobs', applies: ['kubernetes'] },
  { id: 'compose-schema', severity: 'error', description: 'compose files match the Compose Specification schema, every unknown key included, and booleans are what docker compose can read', applies: ['compose'] },
  { id: 'unknown-kind', severity: 'warning', description: 'an apiVersion/kind no schema knows (a custom resource ddp does not know, or a typo) is not schema-checked', applies: ['kubernetes'] },
  { id: 'yaml-syntax', severity: 'error', description: 'the input is well-formed YAML without duplicate keys; every alias names an earlier anchor, and aliases add at most a million nodes to a file', applies: ['kubernetes', 'compose'] },
  { id: 'template-not-rendered', severity: 'error', description: 'a file is not an unrendered Go/Helm template (`{{ ... }}` where YAML reads it)', applies: ['kubernetes', 'compose'] },
  { id: 'not-a-manifest', severity: 'warning', description: 'a file named on the command line holds Kubernetes objects or a compose file', applies: ['kubernetes', 'compose'] },
  { id: 'ignore-annotation', severity: 'warning', description: 'ddp.dev/ignore names existing rule ids', applies: ['kubernetes', 'compose'] },
];

export const RULES_BY_ID: Map<string, RuleInfo> = new Map(
  [...ALL_RULES.map((r): RuleInfo => ({ id: r.id, severity: r.severity, description: r.description, applies: r.applies })), ...SYNTHETIC_RULES].map((r) => [r.id, r]),
);

/** Every rule, sorted by id (for --list-rules, SARIF and the README). */
export function ruleList(): RuleInfo[] {
  return [...RULES_BY_ID.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
}
