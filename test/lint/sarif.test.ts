// `--format sarif` validates against the official SARIF 2.1.0 JSON schema (rtm.5, the OASIS
// standard's, as shipped by @microsoft/jest-sarif) and, stricter, against the required structure
// of every part ddp emits transcribed below (additionalProperties: false where the spec defines
// the full set).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { createRequire } from 'node:module';
import { lintInputs } from '../../src/lint/lint.js';
import { toSarif, SARIF_SCHEMA } from '../../src/lint/sarif.js';
import { ruleList } from '../../src/lint/rules/index.js';

const message = { type: 'object', anyOf: [{ required: ['text'] }, { required: ['id'] }], properties: { text: { type: 'string' }, id: { type: 'string' }, markdown: { type: 'string' }, arguments: { type: 'array', items: { type: 'string' } } }, additionalProperties: false };
const multiformat = { type: 'object', required: ['text'], properties: { text: { type: 'string' }, markdown: { type: 'string' } }, additionalProperties: false };
const level = { enum: ['none', 'note', 'warning', 'error'] };

/** The SARIF 2.1.0 objects ddp emits (sarifLog → run → tool → toolComponent → reportingDescriptor; result → location). */
const SARIF_SUBSET = {
  type: 'object',
  required: ['version', 'runs'],
  properties: {
    $schema: { type: 'string', format: 'uri' },
    version: { enum: ['2.1.0'] },
    runs: {
      type: ['array', 'null'],
      items: {
        type: 'object',
        required: ['tool'],
        additionalProperties: false,
        properties: {
          tool: {
            type: 'object',
            required: ['driver'],
            additionalProperties: false,
            properties: {
              driver: {
                type: 'object',
                required: ['name'],
                additionalProperties: false,
                properties: {
                  name: { type: 'string' },
                  version: { type: 'string' },
                  semanticVersion: { type: 'string' },
                  informationUri: { type: 'string', format: 'uri' },
                  rules: {
                    type: 'array',
                    uniqueItems: true,
                    items: {
                      type: 'object',
                      required: ['id'],
                      additionalProperties: false,
                      properties: {
                        id: { type: 'string' },
                        name: { type: 'string' },
                        shortDescription: multiformat,
                        fullDescription: multiformat,
                        help: multiformat,
                        defaultConfiguration: { type: 'object', additionalProperties: false, properties: { level, enabled: { type: 'boolean' }, rank: { type: 'number', minimum: -1, maximum: 100 } } },
                      },
                    },
                  },
                },
              },
            },
          },
          columnKind: { enum: ['utf16CodeUnits', 'unicodeCodePoints'] },
          results: {
            type: 'array',
            items: {
              type: 'object',
              required: ['message'],
              additionalProperties: false,
              properties: {
                ruleId: { type: 'string' },
                ruleIndex: { type: 'integer', minimum: -1 },
                level,
                message,
                locations: {
                  type: 'array',
                  items: {
                    type: 'object',
                    additionalProperties: false,
                    properties: {
                      physicalLocation: {
                        type: 'object',
                        anyOf: [{ required: ['address'] }, { required: ['artifactLocation'] }],
                        additionalProperties: false,
                        properties: {
                          artifactLocation: { type: 'object', additionalProperties: false, properties: { uri: { type: 'string', format: 'uri-reference' }, uriBaseId: { type: 'string' } } },
                          region: {
                            type: 'object',
                            additionalProperties: false,
                            properties: { startLine: { type: 'integer', minimum: 1 }, startColumn: { type: 'integer', minimum: 1 }, endLine: { type: 'integer', minimum: 1 }, endColumn: { type: 'integer', minimum: 1 } },
                          },
                        },
                      },
                      logicalLocations: {
                        type: 'array',
                        items: { type: 'object', additionalProperties: false, properties: { name: { type: 'string' }, fullyQualifiedName: { type: 'string' }, kind: { type: 'string' } } },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

const formats = {
  uri: (s: string) => /^[a-z][a-z0-9+.-]*:/i.test(s) && !/\s/.test(s),
  'uri-reference': (s: string) => !/[\s\\<>"{}|^`]/.test(s),
};

describe('SARIF 2.1.0', () => {
  const fixtures = join(import.meta.dirname, '..', 'fixtures', 'lint');
  const inputs = ['image-tag/fail.yaml', 'service-targets/fail.yaml', 'compose-schema/fail-compose.yaml', 'yaml-syntax/fail.yaml'].map((rel) => ({ file: `fixtures/${rel}`, text: readFileSync(join(fixtures, rel), 'utf8'), explicit: true }));
  const result = lintInputs(inputs);
  const log = toSarif(result.findings, '1.2.3') as any;

  it('validates against the official SARIF 2.1.0 schema', () => {
    const require = createRequire(import.meta.url);
    // a draft-04 schema: ajv 8 reads it once `id` is spelled `$id` (no draft-04-only keywords are used)
    const { $schema, id, ...schema } = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json') as Record<string, unknown>;
    expect([$schema, id]).toEqual(['http://json-schema.org/draft-04/schema#', 'https://raw.githubusercontent.com/schemastore/schemastore/master/src/schemas/json/sarif-2.1.0-rtm.5.json']);
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false, formats: { ...formats, 'date-time': true } }); // one pattern is no valid /u regex
    const validate = ajv.compile({ ...schema, $id: id as string });
    expect(validate(log) ? [] : validate.errors).toEqual([]);
    // and it does reject what is not SARIF
    expect(validate({ ...log, version: '2.0.0' })).toBe(false);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: {} } }] })).toBe(false);
  });

  it('validates against the schema\'s required structure', () => {
    const ajv = new Ajv({ allErrors: true, strict: false, formats });
    const validate = ajv.compile(SARIF_SUBSET);
    expect(validate(log) ? [] : validate.errors).toEqual([]);
    expect(log.$schema).toBe(SARIF_SCHEMA);
  });

  it('names every rule once, and every result points at its rule, file and line', () => {
    const rules = log.runs[0].tool.driver.rules;
    expect(rules.map((r: { id: string }) => r.id)).toEqual(ruleList().map((r) => r.id));
    expect(log.runs[0].results).toHaveLength(result.findings.length);
    const first = log.runs[0].results.find((r: { ruleId: string }) => r.ruleId === 'image-tag');
    expect(rules[first.ruleIndex].id).toBe('image-tag');
    expect(first).toEqual({
      ruleId: 'image-tag',
      ruleIndex: ruleList().findIndex((r) => r.id === 'image-tag'),
      level: 'warning',
      message: { text: 'Deployment/api: container `api`: image `ghcr.io/acme/api:latest` uses the `latest` tag. Fix: pin a version (name:1.4.2) or a digest (name@sha256:...) so every node runs the same image' },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: 'fixtures/image-tag/fail.yaml' }, region: { startLine: 28, startColumn: 11 } },
          logicalLocations: [{ name: 'api', fullyQualifiedName: 'Deployment/api', kind: 'resource' }],
        },
      ],
    });
    const err = log.runs[0].results.find((r: { ruleId: string }) => r.ruleId === 'service-targets');
    expect(err.level).toBe('error');
    const yaml = log.runs[0].results.find((r: { ruleId: string }) => r.ruleId === 'yaml-syntax');
    expect(yaml.locations[0].physicalLocation.region).toEqual({ startLine: 5, startColumn: 3 });
  });

  it('percent-encodes file names into URI references; stdin has a name', () => {
    const r = lintInputs([{ file: 'my dir/a b.yaml', text: readFileSync(join(fixtures, 'image-tag/fail.yaml'), 'utf8'), explicit: true }, { file: '<stdin>', text: readFileSync(join(fixtures, 'job-ttl/fail.yaml'), 'utf8'), explicit: true }]);
    const l = toSarif(r.findings, '0.0.0') as any;
    expect(l.runs[0].results.map((x: any) => x.locations[0].physicalLocation.artifactLocation.uri).sort()).toEqual(['my%20dir/a%20b.yaml', 'stdin']);
  });
});
