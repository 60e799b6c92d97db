import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfigFile } from '../src/config/config-file.js';
import { readEngineEnv } from '../src/config/env.js';
import { watchConfig } from '../src/config/watch-config.js';
import { startServer, type RunningServer } from '../src/start-server.js';
import { startTestServer } from '../src/testing/test-server.js';

type Json = Record<string, unknown>;

let dir: string;
const logLines: Json[] = [];
const logger = pino(
  { level: 'info' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line !== '') logLines.push(JSON.parse(line) as Json);
      done();
    },
  }),
);

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'onramp-reload-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function configText(rules: { id: string; content: string }[], sessionTimeout = '30m'): string {
  return [
    'workspace: { id: reload }',
    `profiles: { sessionTimeout: ${sessionTimeout} }`,
    'rules:',
    ...rules.flatMap(({ id, content }) => [
      `  - id: ${id}`,
      '    trigger: { type: event, event: Feature Used }',
      '    actions:',
      `      - { type: decide, placement: banner, content: ${content} }`,
    ]),
  ].join('\n');
}

async function start(configPath: string): Promise<RunningServer> {
  const env = readEngineEnv(
    {},
    {
      port: 0,
      host: '127.0.0.1',
      dataDir: join(dir, 'data'),
      logLevel: 'silent',
      durability: 'normal',
      flushIntervalMs: 50,
      configPath,
    },
  );
  return startServer({ env, logger });
}

async function rulesOf(server: RunningServer): Promise<Json> {
  const response = await fetch(`${server.url}/admin/v1/rules`, {
    headers: { authorization: `Bearer ${server.workspace.adminKey}` },
  });
  assert.equal(response.status, 200);
  return (await response.json()) as Json;
}

async function until(
  server: RunningServer,
  accept: (rules: Json) => boolean,
  what: string,
): Promise<Json> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const rules = await rulesOf(server);
    if (accept(rules)) return rules;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(rules)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const ids = (rules: Json) => (rules.rules as Json[]).map((rule) => rule.id);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a started server publishes the file rules and reloads them when the file changes', async () => {
  const file = join(dir, 'onramp.yaml');
  writeFileSync(file, configText([{ id: 'welcome', content: 'hello' }]));
  let server = await start(file);
  try {
    const first = await rulesOf(server);
    assert.equal(first.version, 1);
    assert.equal(first.source, 'file');
    assert.deepEqual(ids(first), ['welcome']);
    assert.match(String(first.fileDigest), /^[0-9a-f]{64}$/);

    // An edit in place.
    writeFileSync(
      file,
      configText([
        { id: 'welcome', content: 'hello' },
        { id: 'tips', content: 'tips' },
      ]),
    );
    const second = await until(server, (rules) => rules.version === 2, 'version 2');
    assert.deepEqual(ids(second), ['welcome', 'tips']);

    // An editor's atomic save: a new file renamed over the old one.
    writeFileSync(join(dir, 'onramp.yaml.tmp'), configText([{ id: 'tips', content: 'tips' }]));
    renameSync(join(dir, 'onramp.yaml.tmp'), file);
    const third = await until(server, (rules) => rules.version === 3, 'version 3');
    assert.deepEqual(ids(third), ['tips']);

    // An invalid file is logged with file:line:column and changes nothing.
    writeFileSync(file, `${configText([{ id: 'tips', content: 'tips' }])}\n    priority: high\n`);
    await until(
      server,
      () =>
        logLines.some((line) => line.msg === 'config file is invalid: keeping the running rules'),
      'the warning',
    );
    const warning = logLines.find((line) => String(line.msg).startsWith('config file is invalid'));
    assert.equal(warning?.level, 40);
    assert.match(
      JSON.stringify(warning?.errors),
      /onramp\.yaml:\d+:\d+ rules\.0\.priority: must be integer/,
    );
    assert.equal((await rulesOf(server)).version, 3);

    // Saving the same rules again (or only touching other settings) publishes nothing.
    writeFileSync(file, configText([{ id: 'tips', content: 'tips' }], '45m'));
    await until(
      server,
      () => logLines.some((line) => String(line.msg).includes('apply after a restart')),
      'the restart notice',
    );
    await sleep(300);
    assert.equal((await rulesOf(server)).version, 3);

    // An API change is newer than the file: a restart with an unchanged file keeps it.
    const put = await fetch(`${server.url}/admin/v1/rules`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${server.workspace.adminKey}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ rules: [] }),
    });
    assert.equal(put.status, 200);
    await server.close();
    server = await start(file);
    const kept = await rulesOf(server);
    assert.equal(kept.version, 4);
    assert.equal(kept.source, 'api');

    // A file changed while the server was down wins at the next start.
    await server.close();
    writeFileSync(file, configText([{ id: 'back', content: 'again' }]));
    server = await start(file);
    const restarted = await rulesOf(server);
    assert.equal(restarted.version, 5);
    assert.equal(restarted.source, 'file');
    assert.deepEqual(ids(restarted), ['back']);
  } finally {
    await server.close();
  }
});

test('SIGHUP reloads the file even when no file event arrives', async () => {
  const server = await startTestServer();
  const file = join(dir, 'hup.yaml');
  writeFileSync(file, configText([{ id: 'before', content: 'x' }]));
  const watcher = watchConfig({
    path: file,
    config: loadConfigFile(file),
    engine: server.engine,
    workspaceId: server.workspace.id,
    logger,
    debounceMs: 60_000,
  });
  try {
    writeFileSync(file, configText([{ id: 'after', content: 'y' }]));
    process.emit('SIGHUP', 'SIGHUP');
    const deadline = Date.now() + 5000;
    while (server.engine.rules.current(server.workspace.id).rules[0]?.id !== 'after') {
      if (Date.now() > deadline) throw new Error('SIGHUP did not reload');
      await sleep(20);
    }
    assert.equal(server.engine.rules.current(server.workspace.id).source, 'file');
  } finally {
    watcher.close();
    await server.close();
  }
  assert.equal(process.listenerCount('SIGHUP'), 0, 'the handler is removed on close');
});

test('a segment added to the file is published and back-filled without a restart', async () => {
  const file = join(dir, 'segments.yaml');
  writeFileSync(file, 'workspace: { id: reload }\n');
  const server = await startTestServer();
  const watcher = watchConfig({
    path: file,
    config: loadConfigFile(file),
    engine: server.engine,
    workspaceId: server.workspace.id,
    logger,
    debounceMs: 20,
  });
  try {
    const response = await fetch(`${server.url}/v1/identify`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${server.workspace.writeKey}:`).toString('base64')}`,
      },
      body: JSON.stringify({ userId: 'ada', traits: { role: 'admin' } }),
    });
    assert.equal(response.status, 200);
    await server.engine.flush();
    writeFileSync(
      file,
      [
        'workspace: { id: reload }',
        'segments:',
        '  - id: admins',
        '    condition: { traits.role: admin }',
      ].join('\n'),
    );
    const deadline = Date.now() + 5000;
    while (server.engine.rules.current(server.workspace.id).segments?.[0]?.id !== 'admins') {
      if (Date.now() > deadline) throw new Error('the segment was not published');
      await sleep(20);
    }
    await server.engine.segments.idle(server.workspace.id);
    assert.deepEqual(await server.engine.segments.counts(server.workspace.id), { admins: 1 });
  } finally {
    watcher.close();
    await server.close();
  }
});
