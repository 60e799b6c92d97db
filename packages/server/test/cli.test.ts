import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redactQuery } from '../src/start-server.js';
import { verifyUserToken } from '../src/realtime/user-token.js';
import { startTestServer } from '../src/testing/test-server.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

function onramp(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['packages/server/bin/onramp.js', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('--help and --version', () => {
  const help = onramp(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /onramp start/);
  assert.match(help.stdout, /ONRAMP_DATA_DIR/);
  assert.equal(onramp(['--version']).stdout.trim(), 'onramp 0.1.0');
});

test('unknown commands and options fail with a short message, not a stack trace', () => {
  const unknownOption = onramp(['start', '--bogus']);
  assert.equal(unknownOption.code, 1);
  assert.match(unknownOption.stderr, /Unknown option '--bogus'/);
  assert.doesNotMatch(unknownOption.stderr, /at /);
  const unknownCommand = onramp(['launch']);
  assert.equal(unknownCommand.code, 1);
  assert.match(unknownCommand.stderr, /Unknown command: launch/);
});

test('config check validates the example and names file, line and field of errors', () => {
  const good = onramp(['config', 'check', 'examples/demo/onramp.yaml']);
  assert.equal(good.code, 0, good.stderr);
  const dir = mkdtempSync(join(tmpdir(), 'onramp-cli-'));
  try {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'profiles:\n  sessionTimeout: soon\n');
    const result = onramp(['config', 'check', bad]);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr.trim(),
      `${bad}:2:3 profiles.sessionTimeout: must be a positive duration such as "500ms", "30s", "30m", "24h", "7d", "2w"`,
    );
    const missing = onramp(['config', 'check', join(dir, 'nope.yaml')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.yaml/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('keys and token read the data directory', async () => {
  const server = await startTestServer();
  await server.close({ keepData: true });
  try {
    const keys = onramp(['keys', '--data-dir', server.dataDir]);
    assert.equal(keys.code, 0, keys.stderr);
    assert.ok(keys.stdout.includes(server.workspace.writeKey));
    const token = onramp(['token', 'ada', '--data-dir', server.dataDir]);
    assert.equal(token.code, 0, token.stderr);
    assert.ok(verifyUserToken('ada', token.stdout.trim(), server.workspace.identitySecret));
    const none = onramp(['keys', '--data-dir', join(server.dataDir, 'missing')]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /onramp start/);
  } finally {
    rmSync(server.dataDir, { recursive: true, force: true });
  }
});

test('request logs never carry credentials from the query string', () => {
  assert.equal(
    redactQuery('/client/v1/stream?writeKey=wk_1&userId=ada&token=abc'),
    '/client/v1/stream?writeKey=[redacted]&userId=ada&token=[redacted]',
  );
  assert.equal(redactQuery('/v1/track'), '/v1/track');
});
