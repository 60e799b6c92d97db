import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cleanup } from './cleanup.js';
import { startChildServer, type ChildServer } from './child-server.js';
import { writeDecideBenchConfig } from './decide-config.js';

export interface DecideEngine extends ChildServer {
  writeKey: string;
  adminKey: string;
  identitySecret: string;
  /** `Authorization` header of the ingest API (the write key as Basic username). */
  ingestAuthorization: string;
  /** A scratch directory removed with the engine's data (answers for the bare peer…). */
  scratchDir: string;
}

const writeKey = 'bench-decide-write-key-01';
const adminKey = 'bench-decide-admin-key-000000001';
const identitySecret = 'bench-decide-identity-secret-001';

/**
 * The real engine (`onramp start`, durability full) in a child process with the
 * decide benchmark's config file (decide-config.ts), on a fresh data directory
 * removed afterwards. With `cpuProfileDir`, it writes a V8 CPU profile there when it stops.
 */
export async function startDecideEngine(
  cleanup: Cleanup,
  cpuProfileDir?: string,
): Promise<DecideEngine> {
  const scratchDir = mkdtempSync(join(tmpdir(), 'onramp-bench-decide-'));
  const remove = () => rmSync(scratchDir, { recursive: true, force: true });
  cleanup.add(async () => remove(), remove);
  const configPath = join(scratchDir, 'onramp.json');
  writeDecideBenchConfig(configPath);
  const server = await startChildServer({
    name: 'engine (decide config)',
    args: ['packages/server/src/cli.ts', 'start'],
    nodeArgs: cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`],
    env: {
      ONRAMP_DATA_DIR: join(scratchDir, 'data'),
      ONRAMP_CONFIG: configPath,
      ONRAMP_WRITE_KEY: writeKey,
      ONRAMP_ADMIN_KEY: adminKey,
      ONRAMP_IDENTITY_SECRET: identitySecret,
      ONRAMP_LOG_LEVEL: 'warn',
      ONRAMP_DURABILITY: 'full',
    },
    cleanup,
  });
  return {
    ...server,
    writeKey,
    adminKey,
    identitySecret,
    ingestAuthorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
    scratchDir,
  };
}

/**
 * The bare Fastify peer (bench/bare-fastify.ts) in a child process, answering
 * `POST /client/v1/decide` with `answer` (a real decide answer of the engine).
 */
export async function startBareDecidePeer(
  cleanup: Cleanup,
  scratchDir: string,
  answer: unknown,
): Promise<ChildServer> {
  const path = join(scratchDir, 'bare-decide-answer.json');
  writeFileSync(path, JSON.stringify(answer));
  return startChildServer({
    name: 'bare fastify (decide)',
    args: ['bench/bare-fastify.ts'],
    env: { BARE_PUSH: '0', BARE_DECIDE_ANSWER: path },
    cleanup,
  });
}

/**
 * The bare Fastify peer as the push benchmark's floor (bench/bare-fastify.ts,
 * `BARE_PUSH=1`): a decision stream per user that shows each toggle as soon as its
 * batch is parsed, which measures the load generator, the loopback and the machine.
 */
export async function startBarePushPeer(cleanup: Cleanup): Promise<ChildServer> {
  return startChildServer({
    name: 'bare fastify (decision push)',
    args: ['bench/bare-fastify.ts'],
    env: { BARE_PUSH: '1' },
    cleanup,
  });
}
