import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { Clock, Workspace, WorkspaceSettings } from '@onramp/core';
import { parseConfig, type ConfigFile } from '../config/config-file.js';
import { readEngineEnv } from '../config/env.js';
import type { Engine } from '../engine/engine.js';
import { startServer } from '../start-server.js';
import { openDatabase } from '../storage/sqlite/database.js';
import { createSqliteWorkspaceStore } from '../storage/sqlite/sqlite-workspace-store.js';

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
  /** More workspaces to create before start (tests that one key never reads another's data). */
  otherWorkspaces?: Omit<Workspace, 'createdAt'>[];
}

/** A real engine on SQLite in a temporary directory, listening on an ephemeral port. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'onramp-test-'));
  if (options.otherWorkspaces !== undefined && options.otherWorkspaces.length > 0) {
    await seedWorkspaces(dataDir, options.otherWorkspaces);
  }
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

async function seedWorkspaces(
  dataDir: string,
  workspaces: Omit<Workspace, 'createdAt'>[],
): Promise<void> {
  const db = openDatabase({ path: join(dataDir, 'onramp.db'), durability: 'normal' });
  const store = createSqliteWorkspaceStore({ db });
  for (const workspace of workspaces) await store.save({ ...workspace, createdAt: Date.now() });
  await store.close();
  db.close();
}

/** Posts messages to `/v1/batch` with the workspace's write key; fails unless accepted (200). */
export async function sendBatch(
  server: Pick<TestServer, 'url' | 'workspace'>,
  messages: Record<string, unknown>[],
): Promise<void> {
  const response = await fetch(`${server.url}/v1/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${server.workspace.writeKey}:`).toString('base64')}`,
    },
    body: JSON.stringify({ batch: messages }),
  });
  if (response.status !== 200) {
    throw new Error(`batch refused: ${response.status} ${await response.text()}`);
  }
}
