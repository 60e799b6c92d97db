/**
 * Schema validation shared by the config file and the admin API: one Ajv setup,
 * discriminated unions for `type`-tagged objects (triggers, actions), and Ajv
 * errors turned into one readable issue per field.
 */
import { Ajv, type ErrorObject } from 'ajv';
import type { TSchema } from '@sinclair/typebox';

/** One problem found by a schema: `path` from the validated document's root. */
export interface SchemaIssue {
  path: string[];
  message: string;
}

const DURATION_HINT =
  'must be a positive duration such as "500ms", "30s", "30m", "24h", "7d", "2w"';
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * An Ajv for documents written by people: every error, defaults filled,
 * discriminated unions, `date-time` checked. `coerce` is for query strings.
 */
export function createAjv(options: { coerce?: boolean } = {}): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    useDefaults: true,
    strict: false,
    discriminator: true,
    verbose: true,
    coerceTypes: options.coerce === true ? 'array' : false,
  });
  ajv.addFormat('date-time', {
    type: 'string',
    validate: (value: string) => ISO_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)),
  });
  return ajv;
}

/**
 * The schema with every union of objects tagged by a `type` literal rewritten as a
 * discriminated `oneOf` (an OpenAPI discriminator too): a bad object then gets the
 * errors of its own branch, or one "unknown type" error, instead of every branch's.
 */
export function discriminated<T extends TSchema>(schema: T): T {
  return rewrite(schema) as T;
}

function rewrite(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewrite);
  if (node === null || typeof node !== 'object') return node;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) copy[key] = rewrite(value);
  const branches = copy.anyOf;
  if (!Array.isArray(branches) || branches.length < 2 || !branches.every(isTagged)) return copy;
  const { anyOf: _anyOf, ...rest } = copy;
  return {
    ...rest,
    type: 'object',
    required: ['type'],
    discriminator: { propertyName: 'type' },
    oneOf: branches,
  };
}

function isTagged(branch: unknown): boolean {
  const properties = (branch as { properties?: { type?: { const?: unknown } } }).properties;
  return (
    (branch as { type?: unknown }).type === 'object' && typeof properties?.type?.const === 'string'
  );
}

/** Ajv's errors as issues: one per field, unions collapsed, durations and unknown fields named plainly. */
export function schemaIssuesOf(errors: readonly ErrorObject[]): SchemaIssue[] {
  const tagged = new Set(
    errors.filter((e) => e.keyword === 'discriminator').map((e) => e.instancePath),
  );
  const unions = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const issues: SchemaIssue[] = [];
  for (const error of errors) {
    const path = error.instancePath.split('/').slice(1).map(decodePointer);
    if (error.keyword === 'discriminator') {
      issues.push(tagIssue(error, path));
      continue;
    }
    // The tag's own "required" error is said better by the discriminator's.
    if (tagged.has(error.instancePath) && error.keyword === 'required') continue;
    if (unions.has(error.instancePath)) {
      if (error.keyword === 'anyOf') issues.push({ path, message: alternativesOf(error, errors) });
      continue;
    }
    issues.push(issueOf(error, path));
  }
  return issues;
}

function issueOf(error: ErrorObject, path: string[]): SchemaIssue {
  const { params } = error;
  if (error.keyword === 'additionalProperties') {
    return { path: [...path, String(params.additionalProperty)], message: 'is not a known field' };
  }
  if (error.keyword === 'required') {
    return { path: [...path, String(params.missingProperty)], message: 'is required' };
  }
  if (error.keyword === 'pattern' && String(params.pattern).includes('(ms|s|m|h|d|w)')) {
    return { path, message: DURATION_HINT };
  }
  if (error.keyword === 'pattern' && String(params.pattern).includes('[0-5]\\d$')) {
    return { path, message: 'must be a local time "HH:MM" (00:00 to 23:59)' };
  }
  if (error.keyword === 'format' && params.format === 'date-time') {
    return { path, message: 'must be an ISO 8601 date-time such as "2026-01-31T09:00:00Z"' };
  }
  if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    return { path, message: `must be one of: ${params.allowedValues.join(', ')}` };
  }
  return { path, message: error.message ?? 'is invalid' };
}

/** "unknown action type \"decid\"; must be one of: decide, clearDecision, …" */
function tagIssue(error: ErrorObject, path: string[]): SchemaIssue {
  const tags = tagsOf(error.parentSchema);
  const allowed = `must be one of: ${tags.join(', ')}`;
  const tagValue = (error.params as { tagValue?: unknown }).tagValue;
  const field = [...path, 'type'];
  if (tagValue === undefined) return { path: field, message: `is required (${allowed})` };
  if (typeof tagValue !== 'string') return { path: field, message: allowed };
  const noun = nounOf(path);
  return { path: field, message: `unknown ${noun} type ${JSON.stringify(tagValue)}; ${allowed}` };
}

function tagsOf(schema: unknown): string[] {
  const branches = (schema as { oneOf?: unknown[] } | undefined)?.oneOf ?? [];
  return branches.map((branch) =>
    String((branch as { properties: { type: { const: unknown } } }).properties.type.const),
  );
}

/** The singular of the field holding the union: actions.0 → action, trigger → trigger. */
function nounOf(path: string[]): string {
  const named = [...path].reverse().find((segment) => !/^\d+$/.test(segment)) ?? 'object';
  return named.endsWith('s') ? named.slice(0, -1) : named;
}

/** Ajv reports a failed union of literals as one error per literal plus the anyOf: say it once. */
function alternativesOf(union: ErrorObject, errors: readonly ErrorObject[]): string {
  const allowed = errors
    .filter((e) => e.instancePath === union.instancePath && e.keyword === 'const')
    .map((e) => String((e.params as { allowedValue?: unknown }).allowedValue));
  return allowed.length > 0
    ? `must be one of: ${allowed.join(', ')}`
    : (union.message ?? 'is invalid');
}

function decodePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
