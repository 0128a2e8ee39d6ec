// Pinned (mutation testing, 2026-11-29, src/lint/kubernetes-schema.ts podSpecChecks): the
// requests-within-limits check is for containers and initContainers; an ephemeral container is
// not held to it (the API server takes no resources on one at all, and ddp lint says nothing
// there). test/lint/pod-rules.test.ts has no ephemeral container with resources; checking them too
// made no test fail.
import { describe, expect, it } from 'vitest';
import { lintInputs } from '../../src/lint/lint.js';

const pod = (list: 'containers' | 'initContainers' | 'ephemeralContainers') =>
  [
    'apiVersion: v1',
    'kind: Pod',
    'metadata: { name: app }',
    'spec:',
    '  containers:',
    '    - { name: app, image: "ghcr.io/acme/app:1.0" }',
    ...(list === 'containers' ? [] : [`  ${list}:`]),
    `    - { name: debug, image: "busybox:1.36", resources: { requests: { cpu: "2" }, limits: { cpu: "1" } } }`,
    '',
  ].join('\n');
const schema = (text: string) =>
  lintInputs([{ file: 'x.yaml', text, explicit: true }]).findings.filter((f) => f.rule === 'k8s-schema').map((f) => `${f.line}:${f.col} ${f.message}`);

describe('k8s-schema: requests above limits, by container list', () => {
  it('in containers and initContainers: "must be less than or equal to"', () => {
    expect(schema(pod('containers'))).toEqual(['7:70 Pod/app: spec.containers[1].resources.requests.cpu: Invalid value: "2": must be less than or equal to cpu limit of 1']);
    expect(schema(pod('initContainers'))).toEqual(['8:70 Pod/app: spec.initContainers[0].resources.requests.cpu: Invalid value: "2": must be less than or equal to cpu limit of 1']);
  });

  it('in ephemeralContainers: no such finding', () => {
    expect(schema(pod('ephemeralContainers'))).toEqual([]);
  });
});
