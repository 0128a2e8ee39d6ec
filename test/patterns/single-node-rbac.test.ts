// RBAC is least privilege: every Role any example generates has exactly the verbs and resources
// its pod needs — nothing more, no wildcards — and is bound to that pod's ServiceAccount only.
// A Role this file does not know fails the test: add its expected rules below, with the reason.
import { describe, expect, it } from 'vitest';
import { exampleNames, renderExample } from '../examples.js';
import { kubeObjects } from './single-node-helpers.js';

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };

/** The leader elector (client-go LeaseLock): get and update its one Lease, create it when absent
 *  (create cannot be restricted by resourceNames). */
const electorRules = (lock: string): Rule[] => [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [lock], verbs: ['get', 'update'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
];

/** example → Role name → the exact rules. */
const EXPECTED: Record<string, Record<string, Rule[]>> = {
  '11-election': { 'scheduler-elector': electorRules('scheduler-leader') },
  // the batch join barrier: `kubectl wait` reads the map Job (get), then watches it by name (list, watch)
  '12-batch': { 'vehicle-count-reduce': [{ apiGroups: ['batch'], resources: ['jobs'], resourceNames: ['vehicle-count-map'], verbs: ['get', 'list', 'watch'] }] },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const podSpecOf = (o: any) => o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;

describe.each(exampleNames())('example %s', (example) => {
  it('has only the Roles it needs, each with exactly its verbs and resources, bound to its own ServiceAccount', async () => {
    const objects = kubeObjects(await renderExample(example));
    const roles = objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole');
    expect(roles.filter((r) => r.kind === 'ClusterRole').map((r) => r.metadata.name)).toEqual([]);
    const expected = EXPECTED[example] ?? {};
    expect(Object.fromEntries(roles.map((r) => [r.metadata.name, r.rules]))).toEqual(expected);
    for (const role of roles) {
      for (const rule of role.rules as Rule[]) {
        expect(rule.verbs).not.toContain('*');
        expect(rule.resources).not.toContain('*');
        expect(rule.apiGroups).not.toContain('*');
      }
      const bindings = objects.filter((o) => o.kind === 'RoleBinding' && o.roleRef.name === role.metadata.name);
      expect(bindings.map((b) => [b.roleRef.kind, b.subjects])).toEqual([['Role', [{ kind: 'ServiceAccount', name: role.metadata.name, namespace: role.metadata.namespace }]]]);
      const users = objects.filter((o) => podSpecOf(o)?.serviceAccountName === role.metadata.name);
      expect(users.length).toBe(1);
    }
    // pods without a Role never get an API token
    for (const spec of objects.map(podSpecOf).filter(Boolean)) {
      expect(spec.automountServiceAccountToken).toBe(spec.serviceAccountName !== undefined);
    }
  });
});
