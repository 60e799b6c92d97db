// The real engine for the SDK's tests: startServer on SQLite in a temporary directory, like
// startTestServer, but on a port of our choosing so a test can stop it and start it again
// on the same address (the SDK keeps its host).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';

/**
 * The parts of @onramp/server used here. It is imported by a name TypeScript does not follow:
 * this project compiles with the DOM library (the SDK runs in browsers), under which the
 * server's and core's sources do not typecheck; their own project checks them.
 */
interface ServerModule {
  readEngineEnv(env: object, overrides: Record<string, string | number>): unknown;
  parseConfig(text: string, name: string): unknown;
  signUserToken(userId: string, secret: string): string;
  startServer(options: { env: unknown; config: unknown; logger: Logger }): Promise<{
    url: string;
    workspace: { writeKey: string; adminKey: string; identitySecret: string };
    engine: { flush(): Promise<void> };
    close(): Promise<void>;
  }>;
}
const serverPackage: string = '@onramp/server';
const { parseConfig, readEngineEnv, signUserToken, startServer } = (await import(
  serverPackage
)) as ServerModule;

export interface Engine {
  url: string;
  port: number;
  dataDir: string;
  writeKey: string;
  token(userId: string): string;
  /** GET an admin API path (`/admin/v1/…`) with the admin key. */
  admin(path: string): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Waits until the processor applied what was acknowledged. */
  settle(): Promise<void>;
  /** Stops; the data directory is removed unless keepData. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** Placements, content and a rule: enough for decide and the decision stream. */
export const testConfig = {
  workspace: { id: 'sdk', name: 'SDK tests' },
  placements: [{ id: 'banner', default: 'welcome' }, { id: 'sidebar' }],
  content: [
    {
      id: 'welcome',
      type: 'banner',
      fields: { title: 'Welcome, {{ traits.name | default: "there" }}' },
    },
    { id: 'upgrade', type: 'banner', fields: { title: 'Upgrade now' } },
  ],
  rules: [
    {
      id: 'upsell',
      trigger: { type: 'event', event: 'Limit Reached' },
      actions: [{ type: 'decide', placement: 'sidebar', content: 'upgrade' }],
    },
  ],
};

export async function startEngine(
  options: { port?: number; dataDir?: string; config?: object } = {},
): Promise<Engine> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'onramp-sdk-'));
  const env = readEngineEnv(
    {},
    {
      port: options.port ?? 0,
      host: '127.0.0.1',
      dataDir,
      logLevel: 'silent',
      durability: 'normal',
      flushIntervalMs: 50,
    },
  );
  const server = await startServer({
    env,
    config: parseConfig(JSON.stringify(options.config ?? testConfig), 'sdk-test-config'),
    logger: pino({ level: 'silent' }),
  });
  const { writeKey, adminKey, identitySecret } = server.workspace;
  return {
    url: server.url,
    port: Number(new URL(server.url).port),
    dataDir,
    writeKey,
    token: (userId) => signUserToken(userId, identitySecret),
    async admin(path) {
      const response = await fetch(`${server.url}${path}`, {
        headers: { authorization: `Bearer ${adminKey}` },
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    settle: () => server.engine.flush(),
    async stop({ keepData = false } = {}) {
      await server.close();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A port nothing listens on (the OS's pick, closed again). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Polls until `check` returns a value (not undefined), or fails after timeoutMs. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The events stored for a profile, newest first (admin API). */
export async function storedEvents(
  engine: Engine,
  kind: 'user' | 'anonymous',
  id: string,
): Promise<Record<string, unknown>[]> {
  await engine.settle();
  const { status, body } = await engine.admin(
    `/admin/v1/profiles/${kind}/${encodeURIComponent(id)}/events?limit=500`,
  );
  if (status === 404) return [];
  if (status !== 200) throw new Error(`events: ${status} ${JSON.stringify(body)}`);
  return (body['events'] as { event: Record<string, unknown> }[]).map(({ event }) => event);
}

/** A fetch that records every request before passing it on to the real one. */
export function recordingFetch(): {
  fetch: typeof fetch;
  requests: { url: string; body: string | undefined; keepalive: boolean }[];
} {
  const requests: { url: string; body: string | undefined; keepalive: boolean }[] = [];
  return {
    requests,
    fetch: (input, init) => {
      requests.push({
        url: String(input),
        body: typeof init?.body === 'string' ? init.body : undefined,
        keepalive: init?.keepalive === true,
      });
      return fetch(input, init);
    },
  };
}
