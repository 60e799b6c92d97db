// When to try again: exponential backoff with jitter, or what the server said (Retry-After).

export interface RetrySettings {
  minDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetry: RetrySettings = { minDelayMs: 1000, maxDelayMs: 60_000 };

/** The longest Retry-After honoured (a misconfigured proxy must not stall the queue for days). */
const maxRetryAfterMs = 3_600_000;

/**
 * The wait before retry number `attempt` (1, 2, …): the cap min·2^(attempt−1), at most max,
 * of which the upper half is random ("equal jitter"), so clients that failed together
 * do not come back together.
 */
export function backoffDelay(
  attempt: number,
  retry: RetrySettings,
  random: () => number = Math.random,
): number {
  const cap = Math.min(retry.maxDelayMs, retry.minDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or bad. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const text = header.trim();
  // delta-seconds, or an HTTP date (every HTTP date form begins with the day's name).
  let ms = Number.NaN;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else if (/^[A-Za-z]/.test(text)) ms = Date.parse(text) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(0, ms), maxRetryAfterMs);
}

/** Statuses worth retrying: no answer, timeouts, rate limits and server errors. */
export function isRetryable(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}
