import { get, type IncomingMessage } from 'node:http';

/** One dispatched server-sent event. `id` is the stream's last event id when it was dispatched. */
export interface SseEvent {
  id: string;
  event: string;
  data: string;
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** The last `retry:` value received, in ms. */
  readonly retry: number | undefined;
  /** Comment lines received so far (heartbeats), without the leading colon. */
  readonly comments: readonly string[];
  /** The next event; rejects with code SSE_TIMEOUT after timeoutMs, or SSE_CLOSED when the stream ended. */
  next(timeoutMs?: number): Promise<SseEvent>;
  /** Resolves once the server ended the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

export class SseClientError extends Error {
  constructor(
    readonly code: 'SSE_TIMEOUT' | 'SSE_CLOSED',
    message: string,
  ) {
    super(message);
    this.name = 'SseClientError';
  }
}

/**
 * A minimal EventSource over HTTP/1.1, for tests and benchmarks: no reconnection,
 * any headers. Resolves when the response headers arrive, whatever the status
 * (a non-2xx body is not parsed: check `status`).
 */
export async function openSseStream(
  url: string,
  options: { headers?: Record<string, string> } = {},
): Promise<SseStream> {
  // node:http with a connection of its own: closing the stream closes the socket, and no
  // pool opens spare connections behind it (they would hold up the server's shutdown).
  const request = get(url, {
    agent: false,
    headers: { accept: 'text/event-stream', ...options.headers },
  });
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  const queue: SseEvent[] = [];
  const waiters: { resolve: (event: SseEvent) => void; reject: (error: Error) => void }[] = [];
  const comments: string[] = [];
  let retry: number | undefined;
  let closed = false;
  const parser = createSseParser({
    onEvent(event) {
      const waiter = waiters.shift();
      if (waiter === undefined) queue.push(event);
      else waiter.resolve(event);
    },
    onComment: (comment) => comments.push(comment),
    onRetry: (ms) => (retry = ms),
  });

  const ended = new Promise<void>((resolve) => {
    const finish = (): void => {
      if (closed) return;
      closed = true;
      for (const waiter of waiters.splice(0)) {
        waiter.reject(new SseClientError('SSE_CLOSED', 'the stream ended'));
      }
      resolve();
    };
    response.once('end', finish);
    response.once('close', finish);
    // Closing (or a dropped connection) ends the stream; it is not a failure here.
    response.on('error', finish);
    request.on('error', finish);
  });
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) {
    response.setEncoding('utf8');
    response.on('data', (text: string) => parser.push(text));
  } else {
    response.resume();
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }

  return {
    status,
    headers,
    get retry() {
      return retry;
    },
    comments,
    ended,
    next(timeoutMs = 2000) {
      const queued = queue.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      if (closed) return Promise.reject(new SseClientError('SSE_CLOSED', 'the stream ended'));
      return new Promise<SseEvent>((resolve, reject) => {
        const waiter = {
          resolve: (event: SseEvent) => {
            clearTimeout(timer);
            resolve(event);
          },
          reject: (error: Error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new SseClientError('SSE_TIMEOUT', `no event within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    close() {
      request.destroy();
    },
  };
}

/** The text/event-stream parser of the HTML spec (§9.2.6), fed with decoded text. */
export function createSseParser(handlers: {
  onEvent: (event: SseEvent) => void;
  onComment?: (comment: string) => void;
  onRetry?: (ms: number) => void;
}): { push(text: string): void } {
  let buffer = '';
  let data: string[] = [];
  let eventType = '';
  let lastEventId = '';

  function line(text: string): void {
    if (text === '') {
      if (data.length > 0)
        handlers.onEvent({ id: lastEventId, event: eventType || 'message', data: data.join('\n') });
      data = [];
      eventType = '';
      return;
    }
    if (text.startsWith(':')) {
      handlers.onComment?.(text.slice(1).trimStart());
      return;
    }
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') eventType = value;
    else if (field === 'id' && !value.includes('\0')) lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) handlers.onRetry?.(Number(value));
  }

  return {
    push(text) {
      buffer += text;
      // A trailing \r may be the first half of \r\n: keep it for the next chunk.
      const pattern = /\r\n|\r(?!$)|\n/g;
      let start = 0;
      for (let match = pattern.exec(buffer); match !== null; match = pattern.exec(buffer)) {
        line(buffer.slice(start, match.index));
        start = match.index + match[0].length;
      }
      buffer = buffer.slice(start);
    },
  };
}
