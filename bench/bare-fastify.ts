// The peer of the ingest benchmark: a Fastify route that parses the same JSON
// bodies as POST /v1/batch and acknowledges them, and does nothing else.
// Run as a child process by bench/lib/engine-process.ts; listens on PORT, HOST.
import { fastify } from 'fastify';

const app = fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });

app.post('/v1/batch', async (request) => {
  const body = request.body as { batch?: unknown } | null;
  if (body === null || typeof body !== 'object' || !Array.isArray(body.batch)) {
    throw Object.assign(new Error('batch must be an array'), { statusCode: 400 });
  }
  return { success: true };
});

app.get('/readyz', async () => ({ status: 'ready' }));

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';
await app.listen({ port, host });

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
