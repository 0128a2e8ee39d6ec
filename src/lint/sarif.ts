// SARIF 2.1.0 (OASIS) for `ddp lint --format sarif`: one run, the tool's rules as
// reportingDescriptors, one result per finding with its physical location. GitHub code scanning
// and other SARIF viewers read it as is.
import type { Finding } from './types.js';
import { ruleList } from './rules/index.js';

export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

const level = (s: string) => (s === 'error' ? 'error' : 'warning');

/** A relative POSIX path is a valid URI reference once its characters are percent-encoded. */
const toUri = (file: string) => (file === '<stdin>' ? 'stdin' : file.split('/').map(encodeURIComponent).join('/'));

export function toSarif(findings: readonly Finding[], version: string): object {
  const rules = ruleList();
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'ddp',
            semanticVersion: version,
            version,
            informationUri: 'https://www.npmjs.com/package/ddp',
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase()),
              shortDescription: { text: r.description },
              fullDescription: { text: `${r.description} (${r.applies.join(' and ')}).` },
              help: { text: `${r.description}. Suppress it for one object with the annotation ddp.dev/ignore: ${r.id}` },
              defaultConfiguration: { level: level(r.severity) },
            })),
          },
        },
        columnKind: 'unicodeCodePoints',
        results: findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: index.get(f.rule) ?? -1,
          level: level(f.severity),
          message: { text: f.hint ? `${f.message}. Fix: ${f.hint}` : f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: toUri(f.file) },
                region: { startLine: Math.max(1, f.line), startColumn: Math.max(1, f.col) },
              },
              ...(f.object ? { logicalLocations: [{ name: f.object.name, fullyQualifiedName: `${f.object.kind}/${f.object.name}`, kind: 'resource' }] } : {}),
            },
          ],
        })),
      },
    ],
  };
}
