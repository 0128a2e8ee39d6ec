/**
 * docker-compose validation against the official Compose Specification schema.
 *
 * The schema is read from `../shared/vendor/compose-spec.json` relative to the repository root
 * (that is, /work/shared/vendor/compose-spec.json); it is never copied into the project.
 * It declares `"$schema": "https://json-schema.org/draft-07/schema"` — an https spelling that ajv's
 * built-in draft-07 meta-schema (`http://…#`) does not recognise — so `$schema` is dropped before
 * compiling with ajv's default (draft-07) dialect.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/** Repository root: two levels up from test/helpers. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Absolute path of the vendored Compose Specification schema. */
export const COMPOSE_SCHEMA_PATH = resolve(REPO_ROOT, '..', 'shared', 'vendor', 'compose-spec.json');

let validator: ValidateFunction | undefined;

function composeValidator(): ValidateFunction {
  if (validator) return validator;
  let schema: Record<string, unknown>;
  try {
    schema = JSON.parse(readFileSync(COMPOSE_SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`cannot read the Compose schema at ${COMPOSE_SCHEMA_PATH}: ${(e as Error).message}`);
  }
  delete schema.$schema;
  const ajv = new Ajv({ allErrors: true, strict: false });
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => void;
  addFormats(ajv);
  validator = ajv.compile(schema);
  return validator;
}

function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `unknown key "${String(p.additionalProperty)}"`;
    case 'required':
      return `missing required key "${String(p.missingProperty)}"`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return e.message ?? e.keyword;
  }
}

/**
 * Validates a parsed compose document. Returns one line per problem, `instancePath: message`,
 * e.g. `/services/web: unknown key "portz"`; `(root)` for the top level. Empty = valid.
 * Errors of the anyOf/oneOf wrappers are kept (they name the failing branch's parent), duplicates dropped.
 */
export function validateCompose(doc: unknown): string[] {
  const v = composeValidator();
  if (v(doc)) return [];
  const lines = (v.errors ?? []).map((e) => `${e.instancePath || '(root)'}: ${describe(e)}`);
  return [...new Set(lines)];
}
