import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { Clock, WorkspaceSettings } from '@onramp/core';
import { parseConfig, type ConfigFile } from '../config/config-file.js';
import { readEngineEnv } from '../config/env.js';
import type { Engine } from '../engine/engine.js';
import { startServer } from '../start-server.js';

export interface TestServer {
  url: string;
  engine: Engine;
  app: FastifyInstance;
  dataDir: string;
  workspace: { id: string; writeKey: string; adminKey: string; identitySecret: string };
  /** Stops the server; the data directory is removed unless keepData. */
  close(options?: { keepData?: boolean }): Promise<void>;
}

export interface TestServerOptions {
  settings?: { [K in keyof WorkspaceSettings]?: Partial<WorkspaceSettings[K]> };
  clock?: Clock;
  /** Reuse a data directory (restart tests). */
  dataDir?: string;
  flushIntervalMs?: number;
}

/** A real engine on SQLite in a temporary directory, listening on an ephemeral port. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'onramp-test-'));
  const config: ConfigFile = parseConfig(JSON.stringify(options.settings ?? {}), 'test-config');
  const env = readEngineEnv(
    {},
    {
      port: 0,
      host: '127.0.0.1',
      dataDir,
      logLevel: 'silent',
      durability: 'normal',
      flushIntervalMs: options.flushIntervalMs ?? 50,
    },
  );
  const server = await startServer({
    env,
    config,
    logger: pino({ level: 'silent' }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const { id, writeKey, adminKey, identitySecret } = server.workspace;
  return {
    url: server.url,
    engine: server.engine,
    app: server.app,
    dataDir,
    workspace: { id, writeKey, adminKey, identitySecret },
    async close({ keepData = false } = {}) {
      await server.close();
      if (!keepData && options.dataDir === undefined)
        rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
