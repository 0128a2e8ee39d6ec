// The topology JSON Schema as data (for `ddp schema` and "did you mean" hints). Read lazily.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const schemaPath = fileURLToPath(new URL('../../schemas/topology.schema.json', import.meta.url));
let cached: Record<string, unknown> | undefined;
export const topologySchemaText = (): string => readFileSync(schemaPath, 'utf8');
export const topologySchema: Record<string, unknown> = new Proxy({} as Record<string, unknown>, {
  get(_t, prop: string) {
    cached ??= JSON.parse(topologySchemaText()) as Record<string, unknown>;
    return cached[prop];
  },
});
