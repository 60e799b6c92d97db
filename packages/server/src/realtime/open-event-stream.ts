import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

/**
 * Takes the response over from Fastify and starts a server-sent event stream:
 * the headers hooks set (CORS) are copied, proxies are told not to buffer, and the
 * browser's reconnection delay is sent first.
 */
export function openEventStream(reply: FastifyReply, retryMs: number): ServerResponse {
  reply.hijack();
  const response = reply.raw;
  // Headers set by hooks (CORS) live on the reply until it is sent; hijacking skips that.
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) response.setHeader(name, value);
  }
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  });
  response.write(`retry: ${retryMs}\n\n`);
  return response;
}

/**
 * Writes an event and sends it now. `ServerResponse.write` corks the socket and
 * uncorks it on `process.nextTick`, which comes only once the JavaScript under way
 * returns to the event loop: a push written in the middle of a processor pass would
 * wait for the rest of the pass (measured: +1.5 ms at the median on the decide
 * benchmark). Uncorking here sends it with this write; Node's own uncork later finds
 * nothing to do.
 */
export function writeEventNow(response: ServerResponse, text: string): void {
  response.write(text);
  response.socket?.uncork();
}
