// Errors the SDK surfaces: the engine's error body (docs/http-errors.md) or a local problem.

export interface FieldError {
  field: string;
  message: string;
}

/**
 * Codes the SDK adds to the engine's (`ONR_VALIDATION`, `ONR_FORBIDDEN`…):
 * `ONR_NETWORK` (no answer), `ONR_HTTP` (an answer without Onramp's error body),
 * `ONR_SDK_INVALID` (bad input to a tracking call, nothing sent),
 * `ONR_SDK_NO_TOKEN` (a userId without a user token, where one is needed).
 */
export class OnrampError extends Error {
  override name = 'OnrampError';
  /** HTTP status; 0 when no answer came (network error) or the problem is local. */
  readonly status: number;
  readonly code: string;
  readonly errors: FieldError[];
  /** For events the SDK gave up on: their messageIds. */
  readonly messageIds: string[] | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    errors: FieldError[] = [],
    messageIds?: string[],
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.errors = errors;
    this.messageIds = messageIds;
  }

  toJSON(): Record<string, unknown> {
    return { status: this.status, code: this.code, message: this.message, errors: this.errors };
  }
}

/** Reads an answer that is not 2xx into an OnrampError (Onramp's body, or the status alone). */
export async function errorOf(response: Response, messageIds?: string[]): Promise<OnrampError> {
  let body: unknown;
  try {
    body = JSON.parse(await response.text());
  } catch {
    body = undefined;
  }
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const code = typeof record['code'] === 'string' ? record['code'] : 'ONR_HTTP';
  const message =
    typeof record['message'] === 'string' ? record['message'] : `HTTP ${response.status}`;
  const errors = Array.isArray(record['errors'])
    ? record['errors'].filter(isFieldError).map(({ field, message }) => ({ field, message }))
    : [];
  return new OnrampError(response.status, code, message, errors, messageIds);
}

function isFieldError(value: unknown): value is FieldError {
  const record = value as Record<string, unknown> | null;
  return (
    typeof record === 'object' &&
    record !== null &&
    typeof record['field'] === 'string' &&
    typeof record['message'] === 'string'
  );
}

export function networkError(error: unknown): OnrampError {
  const message = error instanceof Error ? error.message : String(error);
  return new OnrampError(0, 'ONR_NETWORK', `Network error: ${message}`);
}

export function invalidInput(field: string, message: string): OnrampError {
  return new OnrampError(0, 'ONR_SDK_INVALID', `${field} ${message}`, [{ field, message }]);
}
