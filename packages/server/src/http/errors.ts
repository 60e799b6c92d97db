import type { FieldError } from '@onramp/core';

/**
 * Stable error codes of the HTTP API. Documented in docs/http-errors.md; a code
 * is never reused for another meaning.
 */
export const errorCodes = {
  ONR_INVALID_JSON: 400,
  ONR_VALIDATION: 400,
  ONR_UNSUPPORTED_MEDIA_TYPE: 415,
  ONR_PAYLOAD_TOO_LARGE: 413,
  ONR_UNAUTHORIZED: 401,
  ONR_FORBIDDEN: 403,
  ONR_NOT_FOUND: 404,
  ONR_RULE_EXISTS: 409,
  ONR_ALREADY_EXISTS: 409,
  ONR_VERSION_CONFLICT: 409,
  ONR_NOT_READY: 503,
  ONR_INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof errorCodes;

/** The one error type the HTTP layer throws; Fastify's error handler renders it with toJSON(). */
export class OnrampError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly errors: FieldError[];

  constructor(code: ErrorCode, message: string, errors: FieldError[] = []) {
    super(message);
    this.name = 'OnrampError';
    this.code = code;
    this.statusCode = errorCodes[code];
    this.errors = errors;
  }

  toJSON(): { success: false; code: ErrorCode; message: string; errors?: FieldError[] } {
    return {
      success: false,
      code: this.code,
      message: this.message,
      ...(this.errors.length > 0 ? { errors: this.errors } : {}),
    };
  }
}
