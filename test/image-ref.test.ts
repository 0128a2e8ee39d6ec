// Image references: what the schema lets through (no spaces) but a runtime cannot pull
// (InvalidImageName on every pod) is an error at validate, on every image of the topology.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageProblem } from '../src/topology/image-ref.js';
import { runValidate } from '../src/commands/validate.js';

const hex = 'ab'.repeat(32);

describe('imageProblem', () => {
  it('takes what docker, containerd and the kubelet pull', () => {
    const good = [
      'nginx', 'nginx:1.25', 'library/nginx:1.25', 'docker.io/library/nginx:1.25-alpine', 'ghcr.io/acme/web:1.4.2', 'localhost:5000/app:dev',
      `registry.example.com:443/team/app@sha256:${hex}`, `app:1.0@sha256:${hex}`, '[::1]:5000/app:1', 'a_b/c__d/e--f:Tag_1.0', 'Registry.Example.com/app:1',
      `web:${'x'.repeat(128)}`,
    ];
    expect(good.filter((r) => imageProblem(r) !== undefined)).toEqual([]);
  });

  it('refuses the rest, saying why', () => {
    const lower = 'a repository name is lower case (only the registry host may have capitals)';
    const tag = 'a tag is at most 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`';
    const shape = 'expected [registry[:port]/]name[:tag][@digest], the name made of lower-case letters, digits and `.`, `_`, `-` between them, parts joined by `/`';
    expect(Object.fromEntries(['MyApp:1.0', 'acme/Web:1', 'ghcr.io/Acme/web:1', 'web:', 'web:-1', `web:${'x'.repeat(129)}`, 'web:1.0"]<b>', 'web@sha256:abc', ':1.0', '-web:1', 'web/:1', 'a//b', 'web::1'].map((r) => [r, imageProblem(r)]))).toEqual({
      'MyApp:1.0': lower,
      'acme/Web:1': lower,
      'ghcr.io/Acme/web:1': lower,
      'web:': 'the tag after `:` is empty',
      'web:-1': tag,
      [`web:${'x'.repeat(129)}`]: tag,
      'web:1.0"]<b>': tag,
      'web@sha256:abc': 'after @ comes a digest: an algorithm and at least 32 hex digits, e.g. @sha256:<64 hex digits>',
      ':1.0': shape,
      '-web:1': shape,
      'web/:1': shape,
      'a//b': shape,
      'web::1': shape,
    });
  });
});

describe('ddp validate', () => {
  it('bad-image on the main container and on a sidecar, with file:line:col; no image-untagged on top', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ddp-image-'));
    try {
      writeFileSync(
        join(dir, 'ddp.yaml'),
        'apiVersion: ddp/v1\nkind: Topology\nmetadata:\n  name: shop\nservices:\n  web:\n    pattern: replicated\n    image: ghcr.io/Acme/web\n    port: 8080\n    sidecars:\n      - { name: logs, image: "fluent/fluent-bit:3.1.9\\"" }\n',
      );
      const r = await runValidate({ cwd: dir });
      expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.severity}[${d.code}] ${d.message}`)).toEqual([
        '8:12 error[bad-image] image `ghcr.io/Acme/web` cannot be pulled: a repository name is lower case (only the registry host may have capitals)',
        '11:30 error[bad-image] image `fluent/fluent-bit:3.1.9"` cannot be pulled: a tag is at most 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`',
      ]);
      expect(r.diagnostics[0]!.hint).toBe('e.g. ghcr.io/acme/web:1.4.2, nginx:1.27, or a digest: name@sha256:...');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
