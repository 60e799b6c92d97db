// The peer of the ingest benchmark: a Fastify route that parses the same JSON
// bodies as POST /v1/batch and acknowledges them, and does nothing else.
// With BARE_PUSH=1 it is also the peer of the push benchmark: it keeps a total
// per user and event name and writes it at once to the user's SSE stream
// (GET /client/v1/stream?userId=…, no authentication), which measures what the
// load generator, the loopback and the machine cost on their own.
// With BARE_PUSH=1 it is also the peer of the decision push benchmark: a decision
// stream per user (GET /client/v1/decisions/stream?userId=…, no authentication)
// that gets a `decisions` message showing `live-<side>` in the `live` placement at
// once for each `Bench Toggle` event (bench/lib/decide-push.ts).
// With BARE_DECIDE_ANSWER=<file>, it is also the peer of the decide benchmark:
// POST /client/v1/decide parses the JSON body and answers the JSON of that file
// (a real decide answer, serialized per request), and nothing else.
// Run as a child process by bench/lib/engine-process.ts; listens on PORT, HOST.
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { fastify } from 'fastify';

const app = fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
const pushing = process.env.BARE_PUSH === '1';
const streams = new Map<string, ServerResponse>();
const decisionStreams = new Map<string, ServerResponse>();
const totals = new Map<string, Record<string, { total: number }>>();
let version = 0;

interface Message {
  userId?: unknown;
  event?: unknown;
  properties?: { side?: unknown };
}

app.post('/v1/batch', async (request) => {
  const body = request.body as { batch?: unknown } | null;
  if (body === null || typeof body !== 'object' || !Array.isArray(body.batch)) {
    throw Object.assign(new Error('batch must be an array'), { statusCode: 400 });
  }
  if (pushing) {
    for (const message of body.batch as Message[]) {
      push(message);
      pushDecision(message);
    }
  }
  return { success: true };
});

function push({ userId, event }: Message): void {
  if (typeof userId !== 'string' || typeof event !== 'string') return;
  const stream = streams.get(userId);
  if (stream === undefined) return;
  let events = totals.get(userId);
  if (events === undefined) totals.set(userId, (events = {}));
  const counter = (events[event] ??= { total: 0 });
  counter.total++;
  version++;
  stream.write(
    `id: ${version}\nevent: profile\ndata: ${JSON.stringify({ metrics: { events } })}\n\n`,
  );
}

/** A changed `live` placement, shaped and sized as the engine's push of one placement. */
function pushDecision({ userId, event, properties }: Message): void {
  if (typeof userId !== 'string' || event !== 'Bench Toggle') return;
  const stream = decisionStreams.get(userId);
  const side = properties?.side;
  if (stream === undefined || (side !== 'a' && side !== 'b')) return;
  version++;
  const decision = {
    placement: 'live',
    content: { id: `live-${side}`, type: 'message', title: `Live ${side} for you`, body: 'Now.' },
    reason: { source: 'rule', rule: `live-${side}`, version: 1 },
  };
  const data = JSON.stringify({
    version: 1,
    profileVersion: version,
    decisions: { live: decision },
  });
  stream.write(`id: 1.${version}.000000000000\nevent: decisions\ndata: ${data}\n\n`);
}

const decideAnswerPath = process.env.BARE_DECIDE_ANSWER;
const decideAnswer: unknown =
  decideAnswerPath === undefined ? undefined : JSON.parse(readFileSync(decideAnswerPath, 'utf8'));

app.post('/client/v1/decide', async (request, reply) => {
  const body = request.body as { userId?: unknown } | null;
  if (decideAnswer === undefined) return reply.code(404).send({ success: false });
  if (body === null || typeof body !== 'object' || typeof body.userId !== 'string') {
    throw Object.assign(new Error('userId is required'), { statusCode: 400 });
  }
  void reply.header('cache-control', 'no-store');
  return decideAnswer;
});

app.get<{ Querystring: { userId?: string } }>('/client/v1/stream', async (request, reply) => {
  const { userId } = request.query;
  if (!pushing || userId === undefined) return reply.code(404).send({ success: false });
  reply.hijack();
  reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  reply.raw.write('retry: 2000\n\n');
  streams.set(userId, reply.raw);
  reply.raw.once('close', () => streams.delete(userId));
});

app.get<{ Querystring: { userId?: string } }>(
  '/client/v1/decisions/stream',
  async (request, reply) => {
    const { userId } = request.query;
    if (!pushing || userId === undefined) return reply.code(404).send({ success: false });
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    // The first message is the full state: nothing in `live` yet.
    reply.raw.write(`retry: 2000\n\nevent: decisions\ndata: {"full":true,"decisions":{}}\n\n`);
    decisionStreams.set(userId, reply.raw);
    reply.raw.once('close', () => decisionStreams.delete(userId));
  },
);

app.get('/readyz', async () => ({ status: 'ready' }));

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';
await app.listen({ port, host });

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    for (const stream of [...streams.values(), ...decisionStreams.values()]) stream.end();
    void app.close().then(() => process.exit(0));
  });
}
