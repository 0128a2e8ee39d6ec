// Pinned (a mutation no other test caught, 2026-11-29) (lint rule image-tag, src/lint/rules/containers.ts): the tag of an image is
// read from its last path component, so a registry with a port (`registry.example.com:5000/api`)
// is no tag -- such an image is untagged and gets the warning; with a tag it gets none.
import { describe, expect, it } from 'vitest';
import { lintInputs, type LintResult } from '../../src/lint/lint.js';
import { imageTag } from '../../src/lint/rules/containers.js';

const lint = (text: string, file = 'x.yaml'): LintResult => lintInputs([{ file, text, explicit: true }]);
const deployment = (image: string) =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: { name: api }',
    'spec:',
    '  selector: { matchLabels: { app: api } }',
    '  template:',
    '    metadata: { labels: { app: api } }',
    '    spec:',
    '      containers:',
    `        - { name: api, image: "${image}" }`,
  ].join('\n') + '\n';
const imageTagFindings = (r: LintResult) => r.findings.filter((f) => f.rule === 'image-tag').map((f) => `${f.severity} ${f.line}:${f.col} ${f.message}`);

describe('image-tag: a registry port is not a tag', () => {
  it('imageTag: "" for an untagged image behind a registry port, the tag otherwise', () => {
    expect(imageTag('registry.example.com:5000/team/api')).toBe('');
    expect(imageTag('registry.example.com:5000/team/api:1.2.3')).toBe('1.2.3');
    expect(imageTag('localhost:5000/api@sha256:' + 'a'.repeat(64))).toBeUndefined();
  });

  it('a Deployment whose image has a registry port and no tag: the untagged warning', () => {
    expect(imageTagFindings(lint(deployment('registry.example.com:5000/team/api')))).toEqual([
      'warning 10:24 Deployment/api: container `api`: image `registry.example.com:5000/team/api` has no tag (it means `latest`)',
    ]);
  });

  it('the same image with a tag: no image-tag finding', () => {
    expect(imageTagFindings(lint(deployment('registry.example.com:5000/team/api:1.2.3')))).toEqual([]);
  });

  it('a compose service: the same', () => {
    const compose = (image: string) => `services:\n  api:\n    image: "${image}"\n`;
    expect(imageTagFindings(lint(compose('registry.example.com:5000/api'), 'compose.yml'))).toEqual([
      'warning 3:5 compose service api: image `registry.example.com:5000/api` has no tag (it means `latest`)',
    ]);
    expect(imageTagFindings(lint(compose('registry.example.com:5000/api:2.0'), 'compose.yml'))).toEqual([]);
  });
});
