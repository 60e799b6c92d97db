// Sends the queue to POST {host}/v1/batch: batching, retries with backoff, keepalive on page hide.
import { backoffDelay, isRetryable, retryAfterMs, type RetrySettings } from './backoff.js';
import { errorOf, networkError, OnrampError, type FieldError } from './errors.js';
import type { EventQueue, QueuedEvent } from './event-queue.js';
import type { Timers } from './environment.js';

/** Most events in one request, and most bytes (the engine's default maxBatchBytes is 500 KB). */
const maxBatchEvents = 100;
const maxBatchBytes = 480_000;
/** Browsers refuse keepalive bodies beyond 64 KB (in flight at once); leave room for headers. */
export const maxKeepaliveBytes = 60_000;

export interface DeliveryOptions {
  host: string;
  writeKey: string;
  fetch: typeof fetch;
  queue: EventQueue;
  timers: Timers;
  now: () => number;
  random: () => number;
  flushAt: number;
  flushIntervalMs: number;
  retry: RetrySettings;
  report: (error: OnrampError) => void;
}

export interface Delivery {
  /** After an event was queued: send now (flushAt reached) or arm the interval timer. */
  schedule(): void;
  flush(): Promise<void>;
  /** Page hide: one keepalive request with what fits in 64 KB; the rest stays in storage. */
  flushOnHide(): void;
  /** Consecutive failed attempts (0 after a success). */
  readonly failures: number;
  close(): void;
}

export function createDelivery(options: DeliveryOptions): Delivery {
  const { queue, timers } = options;
  const inFlight = new Set<string>();
  let intervalTimer: unknown;
  let retryTimer: unknown;
  let running: Promise<void> | undefined;
  let failures = 0;
  let closed = false;

  const ready = () => queue.items.filter((i) => !i.held && !inFlight.has(i.message.messageId));
  const cancel = (timer: unknown) => (timer === undefined ? undefined : timers.clearTimeout(timer));

  const take = (limitBytes: number): QueuedEvent[] => {
    const batch: QueuedEvent[] = [];
    let bytes = 200;
    for (const item of ready()) {
      const size = JSON.stringify(item.message).length + 40;
      if (batch.length > 0 && (bytes + size > limitBytes || batch.length >= maxBatchEvents)) break;
      batch.push(item);
      bytes += size;
    }
    return batch;
  };

  /** Sends one batch; true when it is settled (sent or dropped), false when kept for retry. */
  const send = async (batch: QueuedEvent[], keepalive: boolean): Promise<boolean> => {
    const ids = batch.map((item) => item.message.messageId);
    for (const id of ids) inFlight.add(id);
    try {
      const sentAt = new Date(options.now()).toISOString();
      const body = JSON.stringify({
        batch: batch.map((item) => ({ ...item.message, sentAt })),
        sentAt,
        writeKey: options.writeKey,
      });
      // A string body goes as text/plain: no CORS preflight; the engine reads it as JSON.
      let response: Response;
      try {
        response = await options.fetch(`${options.host}/v1/batch`, {
          method: 'POST',
          body,
          keepalive,
        });
      } catch (error) {
        return fail(networkError(error), undefined);
      }
      if (isRetryable(response.status)) return fail(await errorOf(response, ids), response);
      if (response.status === 207) options.report(await partialError(response, ids));
      else if (!response.ok) options.report(await errorOf(response, ids));
      else void response.body?.cancel();
      queue.remove(new Set(ids));
      failures = 0;
      return true;
    } finally {
      for (const id of ids) inFlight.delete(id);
    }
  };

  const fail = (error: OnrampError, response: Response | undefined): false => {
    failures++;
    const hinted = retryAfterMs(response?.headers.get('retry-after') ?? null, options.now());
    const delay = hinted ?? backoffDelay(failures, options.retry, options.random);
    if (!closed) {
      cancel(retryTimer);
      retryTimer = timers.setTimeout(() => {
        retryTimer = undefined;
        void delivery.flush();
      }, delay);
    }
    if (failures === 1) options.report(error);
    return false;
  };

  const run = async () => {
    for (let batch = take(maxBatchBytes); batch.length > 0; batch = take(maxBatchBytes)) {
      if (!(await send(batch, false))) return;
    }
  };

  const delivery: Delivery = {
    get failures() {
      return failures;
    },
    schedule() {
      if (closed || retryTimer !== undefined) return;
      if (ready().length >= options.flushAt) {
        void delivery.flush();
      } else if (intervalTimer === undefined) {
        intervalTimer = timers.setTimeout(() => {
          intervalTimer = undefined;
          void delivery.flush();
        }, options.flushIntervalMs);
      }
    },
    flush() {
      intervalTimer = cancel(intervalTimer);
      running ??= run().finally(() => (running = undefined));
      return running;
    },
    flushOnHide() {
      const batch = take(maxKeepaliveBytes);
      if (batch.length > 0) void send(batch, true);
    },
    close() {
      closed = true;
      intervalTimer = cancel(intervalTimer);
      retryTimer = cancel(retryTimer);
    },
  };
  return delivery;
}

/** A 207: some messages were rejected (their indexes name them); the rest were stored. */
async function partialError(response: Response, ids: string[]): Promise<OnrampError> {
  let rejected: { index?: unknown; errors?: unknown }[] = [];
  try {
    const body = (await response.json()) as { rejected?: unknown };
    if (Array.isArray(body.rejected)) rejected = body.rejected as typeof rejected;
  } catch {
    // Keep what we know: the batch was partly refused.
  }
  const messageIds: string[] = [];
  const errors: FieldError[] = [];
  for (const entry of rejected) {
    const id = typeof entry.index === 'number' ? ids[entry.index] : undefined;
    if (id !== undefined) messageIds.push(id);
    if (Array.isArray(entry.errors)) errors.push(...(entry.errors as FieldError[]));
  }
  const message = `${messageIds.length} of ${ids.length} events were rejected`;
  return new OnrampError(207, 'ONR_REJECTED', message, errors, messageIds);
}
