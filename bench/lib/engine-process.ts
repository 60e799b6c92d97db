import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cleanup } from './cleanup.js';
import { startChildServer, type ChildServer } from './child-server.js';

export type Durability = 'full' | 'normal';

export interface EngineServer extends ChildServer {
  writeKey: string;
  identitySecret: string;
  dataDir: string;
  /** `Authorization` header of the ingest API. */
  authorization: string;
}

export interface EngineProcessOptions {
  durability: Durability;
  cleanup: Cleanup;
  /** Writes a V8 CPU profile (`--cpu-prof`) of the engine into this directory when it stops. */
  cpuProfileDir?: string;
}

const writeKey = 'bench-write-key-0001';
const adminKey = 'bench-admin-key-0000000000000001';
const identitySecret = 'bench-identity-secret-0000000001';

/** The real engine (`onramp start`) in a child process, on a fresh data directory removed afterwards. */
export async function startEngine(options: EngineProcessOptions): Promise<EngineServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'onramp-bench-'));
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
  options.cleanup.add(async () => removeDataDir(), removeDataDir);
  const server = await startChildServer({
    name: `engine (durability ${options.durability})`,
    args: ['packages/server/src/cli.ts', 'start'],
    nodeArgs:
      options.cpuProfileDir === undefined
        ? []
        : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`],
    env: {
      ONRAMP_DATA_DIR: dataDir,
      ONRAMP_WRITE_KEY: writeKey,
      ONRAMP_ADMIN_KEY: adminKey,
      ONRAMP_IDENTITY_SECRET: identitySecret,
      ONRAMP_LOG_LEVEL: 'warn',
      ONRAMP_DURABILITY: options.durability,
    },
    cleanup: options.cleanup,
  });
  return {
    ...server,
    writeKey,
    identitySecret,
    dataDir,
    authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
  };
}

/**
 * The bare Fastify route (bench/bare-fastify.ts) in a child process; with
 * `push`, it also streams per-user totals, as the peer of the push benchmark.
 */
export async function startBareFastify(
  cleanup: Cleanup,
  options: { push?: boolean } = {},
): Promise<ChildServer> {
  return startChildServer({
    name: options.push === true ? 'bare fastify (push)' : 'bare fastify',
    args: ['bench/bare-fastify.ts'],
    env: { BARE_PUSH: options.push === true ? '1' : '0' },
    cleanup,
  });
}
