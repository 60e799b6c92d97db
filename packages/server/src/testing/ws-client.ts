import type { ClientRequest, IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';

/** The part of the `ws` client used here (the package ships no types of its own). */
interface RawClient {
  readonly readyState: number;
  send(data: string | Buffer, options?: { binary?: boolean }): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  pause(): void;
  on(event: 'open', listener: () => void): void;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  on(
    event: 'unexpected-response',
    listener: (request: ClientRequest, response: IncomingMessage) => void,
  ): void;
  on(event: 'ping', listener: () => void): void;
}
type RawClientClass = new (
  url: string,
  options?: { headers?: Record<string, string>; autoPong?: boolean },
) => RawClient;

const { WebSocket } = createRequire(import.meta.url)('ws') as { WebSocket: RawClientClass };

export class WsClientError extends Error {
  constructor(
    readonly code: 'WS_TIMEOUT' | 'WS_CLOSED',
    message: string,
  ) {
    super(message);
    this.name = 'WsClientError';
  }
}

/** An open test WebSocket: parsed JSON messages in order. */
export interface TestSocket {
  /** The next message (parsed JSON); rejects with WS_TIMEOUT or WS_CLOSED. */
  next(timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Sends an object as JSON, or a string / Buffer as is (a Buffer as a binary frame). */
  send(message: unknown): void;
  /** Pings received from the server. */
  readonly pings: number;
  /** Resolves with the close code and reason once the socket closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  close(): void;
  /** Drops the connection without a close frame. */
  terminate(): void;
  raw: RawClient;
}

/** The outcome of an upgrade: a socket, or the HTTP response that refused it. */
export type WsOpenResult =
  { ok: true; socket: TestSocket } | { ok: false; status: number; body: string };

/** Opens a WebSocket for tests; a refused upgrade resolves with its status and body. */
export async function openWebSocket(
  url: string,
  options: { headers?: Record<string, string>; autoPong?: boolean } = {},
): Promise<WsOpenResult> {
  const raw = new WebSocket(url, {
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    autoPong: options.autoPong ?? true,
  });
  const queue: Record<string, unknown>[] = [];
  const waiters: {
    resolve: (value: Record<string, unknown>) => void;
    reject: (e: Error) => void;
  }[] = [];
  let closedInfo: { code: number; reason: string } | undefined;
  let pings = 0;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    raw.on('close', (code, reason) => {
      closedInfo = { code, reason: reason.toString('utf8') };
      for (const waiter of waiters.splice(0)) {
        waiter.reject(new WsClientError('WS_CLOSED', `closed with ${code}`));
      }
      resolve(closedInfo);
    });
  });
  raw.on('message', (data) => {
    const message = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
    const waiter = waiters.shift();
    if (waiter === undefined) queue.push(message);
    else waiter.resolve(message);
  });
  raw.on('ping', () => pings++);

  const opened = await new Promise<WsOpenResult | undefined>((resolve, reject) => {
    raw.on('open', () => resolve(undefined));
    raw.on('error', (error) => reject(error));
    raw.on('unexpected-response', (request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        request.destroy();
        resolve({ ok: false, status: response.statusCode ?? 0, body });
      });
    });
  });
  if (opened !== undefined) return opened;

  const socket: TestSocket = {
    next(timeoutMs = 2000) {
      const queued = queue.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      if (closedInfo !== undefined) {
        return Promise.reject(new WsClientError('WS_CLOSED', `closed with ${closedInfo.code}`));
      }
      return new Promise((resolve, reject) => {
        const waiter = {
          resolve: (value: Record<string, unknown>) => {
            clearTimeout(timer);
            resolve(value);
          },
          reject: (error: Error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new WsClientError('WS_TIMEOUT', `no message within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    send(message) {
      if (Buffer.isBuffer(message)) raw.send(message, { binary: true });
      else raw.send(typeof message === 'string' ? message : JSON.stringify(message));
    },
    get pings() {
      return pings;
    },
    closed,
    close: () => raw.close(),
    terminate: () => raw.terminate(),
    raw,
  };
  return { ok: true, socket };
}
