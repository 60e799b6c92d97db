import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { UsageError, rulesUsage, runRulesCommand } from './admin/rules-cli.js';
import { runSegmentsCommand, segmentsUsage } from './admin/segments-cli.js';
import { ConfigError, defaultConfig, loadConfigFile } from './config/config-file.js';
import { EnvError, environmentVariables, readEngineEnv, type EngineEnv } from './config/env.js';
import { signUserToken } from './realtime/user-token.js';
import { startServer } from './start-server.js';
import { openSqliteStorage } from './storage/sqlite/sqlite-storage.js';
import { systemClock } from '@onramp/core';

const help = `onramp — real-time personalization engine for customer onboarding

Usage:
  onramp start [--port N] [--host H] [--data-dir DIR] [--config FILE]
                            start the engine on embedded storage (SQLite)
  onramp keys [--data-dir DIR]
                            print the keys of the workspaces in the data directory
  onramp token <userId> [--data-dir DIR] [--workspace ID]
                            print the user token a browser needs for the realtime stream
  onramp config check <FILE>
                            validate a config file (rules included); errors name file, line and field
${rulesUsage}
${segmentsUsage}
                            (--url defaults to http://127.0.0.1:$PORT, --admin-key to ONRAMP_ADMIN_KEY)
  onramp --help | --version

Environment:
  ${environmentVariables.join(', ')}
  (flags win over the environment; see docs/configuration.md)
`;

const cliOptions = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  config: { type: 'string', short: 'c' },
  workspace: { type: 'string' },
  // rules dry-run / simulate
  url: { type: 'string' },
  'admin-key': { type: 'string' },
  user: { type: 'string' },
  anonymous: { type: 'string' },
  profile: { type: 'string' },
  event: { type: 'string' },
  rules: { type: 'string' },
  now: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  sample: { type: 'string' },
  json: { type: 'boolean' },
  // segments / clusters
  limit: { type: 'string' },
  after: { type: 'string' },
  before: { type: 'string' },
} as const;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: cliOptions,
  });
  const [command, ...rest] = positionals;
  if (values.version === true) {
    process.stdout.write('onramp 0.1.0\n');
    return 0;
  }
  if (values.help === true || command === undefined || command === 'help') {
    process.stdout.write(help);
    return command === undefined && values.help !== true ? 1 : 0;
  }
  const env = readEngineEnv(process.env, {
    ...(values.port === undefined ? {} : { port: Number(values.port) }),
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values['data-dir'] === undefined ? {} : { dataDir: values['data-dir'] }),
    ...(values.config === undefined ? {} : { configPath: values.config }),
  });
  switch (command) {
    case 'start':
      return start(env);
    case 'keys':
      return printKeys(env);
    case 'token':
      return printToken(env, rest[0], values.workspace);
    case 'config':
      if (rest[0] !== 'check' || rest[1] === undefined) break;
      loadConfigFile(rest[1]);
      process.stdout.write(`${rest[1]}: valid\n`);
      return 0;
    case 'rules':
      return runRulesCommand(
        rest[0],
        {
          ...values,
          url: values.url ?? `http://127.0.0.1:${env.port}`,
          adminKey: values['admin-key'] ?? env.adminKey,
        },
        {
          stdout: (text) => process.stdout.write(text),
          stderr: (text) => process.stderr.write(text),
        },
      );
    case 'segments':
    case 'clusters':
      return runSegmentsCommand(
        command,
        rest,
        {
          ...values,
          url: values.url ?? `http://127.0.0.1:${env.port}`,
          adminKey: values['admin-key'] ?? env.adminKey,
        },
        {
          stdout: (text) => process.stdout.write(text),
          stderr: (text) => process.stderr.write(text),
        },
      );
  }
  process.stderr.write(`Unknown command: ${[command, ...rest].join(' ')}\n\n${help}`);
  return 1;
}

async function start(env: EngineEnv): Promise<number> {
  const server = await startServer({ env });
  const { workspace } = server;
  process.stdout.write(
    [
      '',
      `  Onramp is running at ${server.url}`,
      `  workspace   ${workspace.id} (${workspace.name})`,
      `  write key   ${workspace.writeKey}`,
      `  admin key   ${workspace.adminKey}${server.generatedKeys ? '   (generated; kept in the data directory)' : ''}`,
      `  API docs    ${server.url}/docs`,
      '',
    ].join('\n') + '\n',
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      server.app.log.info({ signal }, 'shutting down');
      server.close().then(resolve, (error: unknown) => {
        server.app.log.error({ err: error }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

async function withStorage<T>(
  env: EngineEnv,
  work: (storage: ReturnType<typeof openSqliteStorage>) => Promise<T>,
): Promise<T> {
  const path = join(env.dataDir, 'onramp.db');
  if (!existsSync(path))
    throw new EnvError(`No Onramp data in ${env.dataDir}: run "onramp start" first.`);
  const storage = openSqliteStorage({
    path,
    durability: env.durability,
    partitions: env.partitions,
    clock: systemClock,
    dedupWindowMs: 1,
  });
  try {
    return await work(storage);
  } finally {
    await storage.close();
  }
}

async function printKeys(env: EngineEnv): Promise<number> {
  return withStorage(env, async (storage) => {
    for (const workspace of await storage.workspaces.list()) {
      process.stdout.write(
        `${workspace.id}\n  write key        ${workspace.writeKey}\n  admin key        ${workspace.adminKey}\n  identity secret  ${workspace.identitySecret}\n`,
      );
    }
    return 0;
  });
}

async function printToken(
  env: EngineEnv,
  userId: string | undefined,
  workspaceId: string | undefined,
): Promise<number> {
  if (userId === undefined) throw new EnvError('Usage: onramp token <userId> [--workspace ID]');
  return withStorage(env, async (storage) => {
    // The config's workspace by default, as `onramp start` would use.
    const id =
      workspaceId ??
      (env.configPath === undefined ? defaultConfig() : loadConfigFile(env.configPath)).workspace
        .id;
    const workspace = await storage.workspaces.get(id);
    if (workspace === undefined) throw new EnvError(`No workspace ${id} in ${env.dataDir}`);
    process.stdout.write(`${signUserToken(userId, workspace.identitySecret)}\n`);
    return 0;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const code = (error as { code?: unknown }).code;
    if (error instanceof ConfigError || error instanceof EnvError || error instanceof UsageError)
      process.stderr.write(`${error.message}\n`);
    else if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(
        `${(error as Error).message.split('. ')[0]}.\nRun "onramp --help" for usage.\n`,
      );
      // The segments and clusters commands exit 2 on any usage mistake.
      const [command] = parseArgs({
        args: process.argv.slice(2),
        options: cliOptions,
        strict: false,
        allowPositionals: true,
      }).positionals;
      process.exitCode = command === 'segments' || command === 'clusters' ? 2 : 1;
      return;
    } else process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
