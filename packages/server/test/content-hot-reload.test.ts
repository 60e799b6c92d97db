import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { RuleConfigVersion } from '@onramp/core';
import { loadConfigFile } from '../src/config/config-file.js';
import { watchConfig } from '../src/config/watch-config.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function configText(title: string, locale = 'en'): string {
  return [
    'workspace: { id: reload }',
    'content:',
    '  - id: welcome',
    '    type: banner',
    `    fields: { title: "${title}" }`,
    'placements:',
    '  - { id: home, default: welcome }',
    'flows:',
    '  - id: setup',
    '    placement: home',
    '    steps:',
    '      - { id: invite, content: welcome, completion: { event: Teammate Invited } }',
    `contentSettings: { defaultLocale: ${locale} }`,
  ].join('\n');
}

async function until(
  server: TestServer,
  accept: (version: RuleConfigVersion) => boolean,
  what: string,
): Promise<RuleConfigVersion> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const current = server.engine.rules.current(server.workspace.id);
    if (accept(current)) return current;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('content, placements, flows and content settings in the file reload without a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onramp-content-reload-'));
  const logLines: string[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    }),
  );
  const file = join(dir, 'onramp.yaml');
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
    writeFileSync(file, configText('Hello'));
    const first = await until(server, (v) => v.content?.length === 1, 'the content');
    assert.equal(first.source, 'file');
    assert.deepEqual(first.placements, [{ id: 'home', default: 'welcome' }]);
    assert.equal(first.flows?.[0]?.steps[0]?.content, 'welcome');
    assert.deepEqual(first.contentSettings, { defaultLocale: 'en' });

    writeFileSync(file, configText('Hello again'));
    const second = await until(server, (v) => v.version > first.version, 'a content edit');
    assert.equal(second.content?.[0]?.fields.title, 'Hello again');
    assert.notEqual(second.fileDigest, first.fileDigest);

    writeFileSync(file, configText('Hello again', 'fr'));
    const third = await until(server, (v) => v.version > second.version, 'a settings edit');
    assert.deepEqual(third.contentSettings, { defaultLocale: 'fr' });

    // The same content saved again publishes nothing.
    writeFileSync(file, `# a comment\n${configText('Hello again', 'fr')}`);
    await sleep(300);
    assert.equal(server.engine.rules.current(server.workspace.id).version, third.version);
    assert.ok(
      !logLines.some((line) => line.includes('apply after a restart')),
      'content edits are not settings that need a restart',
    );
  } finally {
    watcher.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
