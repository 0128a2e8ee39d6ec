// Ownership election (book ch. 9): a leader-elector sidecar that campaigns for a
// coordination.k8s.io/v1 Lease and serves the current leader at http://localhost:<port>/ as
// {"name": "<pod name>"} — the answer of the book's original leader-elector. It needs the API, so
// the pod gets a ServiceAccount and a Role with exactly the verbs client-go's LeaseLock uses: get
// and update on its one Lease (resourceNames), create on leases (create cannot be limited by name).
// compose has no Kubernetes API: the elector is not run there, and `generate` says so.
import type { Component, ServiceAccountSpec, Unit } from '../../model.js';
import type { Election } from '../../generated/topology.js';
import type { Context } from '../context.js';
import { warning } from '../../diagnostics.js';
import { infraContainer, tcpReadiness } from '../containers.js';
import { IMAGES } from '../../images.js';
import { attach, mainContainer } from './attach.js';
import { ELECTOR_CONTAINER } from '../naming.js';

export const ELECTION_PORT = 4040;

/** The Role of an elector for Lease `lock`: least privilege for client-go's LeaseLock. */
export function electionRules(lock: string): ServiceAccountSpec['rules'] {
  return [
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [lock], verbs: ['get', 'update'] },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
  ];
}

export const leaderUrl = (port: number): string => `http://localhost:${port}`;

export function applyElection(unit: Unit, c: Component, election: Election, ctx: Context, pointer: string): void {
  const port = election.port ?? ELECTION_PORT;
  attach(
    c,
    infraContainer(ctx, {
      name: ELECTOR_CONTAINER,
      image: election.image ?? IMAGES.leaderElector,
      env: [
        { name: 'ELECTION_NAME', value: election.lock },
        { name: 'ELECTION_NAMESPACE', field: 'metadata.namespace' },
        { name: 'ELECTION_PORT', value: String(port) },
        { name: 'ELECTION_TYPE', value: 'leases' },
      ],
      ports: [{ name: 'leader', port, protocol: 'TCP' }],
      resources: ctx.defaults.resources,
      readiness: tcpReadiness(port),
      liveness: { tcp: { port }, initialDelaySeconds: 15, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
      role: 'sidecar',
      kubernetesOnly: true,
      origin: { addedBy: 'the leader elector that `election` adds' },
    }),
  );
  const main = mainContainer(c);
  main.env = [...main.env.filter((e) => e.name !== 'DDP_LEADER_URL'), { name: 'DDP_LEADER_URL', value: leaderUrl(port) }].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rules = electionRules(election.lock);
  c.pod.serviceAccount = c.pod.serviceAccount
    ? { ...c.pod.serviceAccount, rules: [...c.pod.serviceAccount.rules, ...rules] }
    : { name: `${c.name}-elector`, rules };
  ctx.notes.push(
    warning('compose-no-election', `compose: ${unit.name} runs without its leader elector (Lease \`${election.lock}\`): compose has no Kubernetes API, so nothing answers on ${leaderUrl(port)}`, {
      pointer: `${pointer}/election`,
      hint: `run one replica of ${c.name} in compose (it is then the only candidate), or deploy to Kubernetes for a real election`,
    }),
  );
}
