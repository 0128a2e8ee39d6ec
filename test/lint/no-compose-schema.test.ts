// A build made without the Compose Specification schema says so, instead of passing compose
// files it could not check.
import { expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

vi.mock('../../src/generated/validate-compose.js', () => ({ default: null, COMPOSE_SCHEMA_ID: null }));

it('notes the missing compose schema and still runs the compose rules', async () => {
  const { lintInputs, COMPOSE_SCHEMA_MISSING } = await import('../../src/lint/lint.js');
  const { lintSummary } = await import('../../src/commands/lint.js');
  const text = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'lint', 'compose-schema', 'fail-compose.yaml'), 'utf8');
  const r = lintInputs([{ file: 'c.yml', text, explicit: true }]);
  expect(r.findings).toEqual([]); // the unknown key goes unseen without the schema...
  expect(r.notes).toEqual([COMPOSE_SCHEMA_MISSING]); // ...and the run says so
  expect(lintSummary(r)).toBe(`ddp lint: note: ${COMPOSE_SCHEMA_MISSING}\nddp lint: 0 Kubernetes objects and 1 compose service in 1 file: no problems\n`);
  const priv = lintInputs([{ file: 'p.yml', text: text.replace('portz: ["80:80"]', 'privileged: true'), explicit: true }]);
  expect(priv.findings.map((f) => f.rule)).toEqual(['privileged']);
});
