/**
 * How the rules routes read requests and report errors: the route options, the
 * validators (discriminated unions, every field named), the nesting limit,
 * If-Match, and rule errors as 400s and 409s.
 */
import type { FastifySchema } from 'fastify';
import type { ValidateFunction } from 'ajv';
import { RuleConfigError, type RuleVersionConflictError } from '@onramp/core';
import { createAjv, schemaIssuesOf } from '../config/schema-issues.js';
import { RuleRequestError } from '../engine/engine-rules.js';
import { OnrampError } from '../http/errors.js';
import { ErrorReply } from './rules-schemas.js';

/** Rule bodies are small; this bounds what a request may make the compiler chew on. */
const BODY_LIMIT = 2 * 1024 * 1024;
/** Deeper bodies are refused before validation (conditions nest a few levels in practice). */
const MAX_DEPTH = 64;

export const errors = { 400: ErrorReply, 401: ErrorReply, 404: ErrorReply, 409: ErrorReply };
export const common = { tags: ['rules'], security: [{ adminKey: [] }] };

/** Where each issue of a published draft points in the request body. */
export type FieldOf = (path: (string | number)[]) => string;
export const wholeSet: FieldOf = ([first, ...rest]) =>
  first === '(settings)' ? ['settings', ...rest].join('.') : ['rules', first, ...rest].join('.');

/** Route options: the schema with the error replies, and the body limit. */
export function schema(
  summary: string,
  replies: Record<number, unknown>,
  parts: Omit<FastifySchema, 'response'> = {},
): { schema: FastifySchema; bodyLimit: number } {
  return {
    schema: { ...common, summary, ...parts, response: { ...replies, ...errors } },
    bodyLimit: BODY_LIMIT,
  };
}

/**
 * Request validators: bodies strictly (no coercion; unions discriminated by `type`),
 * query strings and parameters with coercion. Failures name every field.
 */
const bodyAjv = createAjv();
const coercingAjv = createAjv({ coerce: true });

export function compileValidator({
  schema: part,
  httpPart,
}: {
  schema: object;
  httpPart?: string;
}) {
  const validate: ValidateFunction = (httpPart === 'body' ? bodyAjv : coercingAjv).compile(part);
  const context = httpPart === 'body' || httpPart === undefined ? undefined : httpPart;
  return (data: unknown) => {
    if (validate(data)) return { value: data };
    const fieldErrors = schemaIssuesOf(validate.errors ?? []).map(({ path, message }) => ({
      field: [...(context === undefined ? [] : [context]), ...path].join('.') || 'body',
      message,
    }));
    const first = fieldErrors[0];
    return {
      error: new OnrampError(
        'ONR_VALIDATION',
        first === undefined ? 'Invalid request.' : `${first.field} ${first.message}`,
        fieldErrors,
      ),
    };
  };
}

/** Refuses bodies nested deeper than MAX_DEPTH, without recursion, naming the top-level field. */
export function checkDepth(body: unknown): void {
  const stack: { value: unknown; depth: number; path: string[] }[] = [
    { value: body, depth: 0, path: [] },
  ];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop() as (typeof stack)[number];
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_DEPTH) {
      const field = path.slice(0, 3).join('.') || 'body';
      throw new OnrampError(
        'ONR_VALIDATION',
        `${field} is nested more than ${MAX_DEPTH} levels deep.`,
        [{ field, message: `is nested more than ${MAX_DEPTH} levels deep` }],
      );
    }
    for (const [key, inner] of Object.entries(value)) {
      stack.push({ value: inner, depth: depth + 1, path: path.length < 3 ? [...path, key] : path });
    }
  }
}

/** Issues of the edited rule are named from the body (a single rule); others by their place in the set. */
export function oneRule(index: () => number): FieldOf {
  return ([first, ...rest]) =>
    first === index() && rest.length > 0 ? rest.join('.') : wholeSet([first ?? '', ...rest]);
}

/** `If-Match: "3"` (or W/"3", or 3) → 3; `*` → no condition. */
export function ifMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(header);
  if (match?.[1] === undefined) {
    throw new OnrampError(
      'ONR_VALIDATION',
      'headers.if-match must be a rules version such as "3".',
      [{ field: 'headers.if-match', message: 'must be a rules version such as "3"' }],
    );
  }
  return Number(match[1]);
}

export function versionConflict(error: RuleVersionConflictError): OnrampError {
  return new OnrampError(
    'ONR_VERSION_CONFLICT',
    `The rules are at version ${error.actual}, not ${error.expected}: read them again and retry.`,
  );
}

/** A RuleConfigError or RuleRequestError as a 400 naming each field; anything else passes through. */
export function asRuleError(error: unknown, fieldOf: FieldOf): unknown {
  if (error instanceof RuleRequestError) {
    return new OnrampError('ONR_VALIDATION', error.message, error.errors);
  }
  if (!(error instanceof RuleConfigError)) return error;
  const fieldErrors = error.issues.map((issue) => ({
    field: fieldOf(issue.path),
    message: issue.message,
  }));
  const first = fieldErrors[0];
  return new OnrampError(
    'ONR_VALIDATION',
    first === undefined ? 'Invalid rules.' : `${first.field} ${first.message}`,
    fieldErrors,
  );
}
