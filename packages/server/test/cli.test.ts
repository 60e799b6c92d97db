import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
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

function onrampAsync(args: string[], env: Record<string, string> = {}) {
  // Async: the server under test runs in this process and must keep answering.
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    execFile(
      process.execPath,
      ['packages/server/bin/onramp.js', ...args],
      { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' },
      (error, stdout, stderr) =>
        done({ code: error === null ? 0 : (error.code as number | null), stdout, stderr }),
    );
  });
}

test('rules dry-run and simulate call the admin API and print a tree and a table', async () => {
  const server = await startTestServer();
  const dir = mkdtempSync(join(tmpdir(), 'onramp-cli-rules-'));
  try {
    const draft = join(dir, 'draft.yaml');
    writeFileSync(
      draft,
      [
        'rules:',
        '  - id: pro-tips',
        '    trigger: { type: event, event: Feature Used }',
        '    condition: { traits.plan: pro }',
        '    actions: [{ type: decide, placement: banner, content: tips }]',
        '  - id: free-upsell',
        '    trigger: { type: event, event: Feature Used }',
        '    condition: { traits.plan: free }',
        '    actions: [{ type: decide, placement: banner, content: upsell }]',
      ].join('\n'),
    );
    const response = await fetch(`${server.url}/v1/identify`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${server.workspace.writeKey}:`).toString('base64')}`,
      },
      body: JSON.stringify({ userId: 'ada', traits: { plan: 'pro' } }),
    });
    assert.equal(response.status, 200);
    for (let i = 0; i < 250; i++) {
      if ((await server.engine.getProfile(server.workspace.id, { userId: 'ada' })) !== undefined)
        break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const connection = ['--url', server.url, '--admin-key', server.workspace.adminKey];
    const event = JSON.stringify({ type: 'track', userId: 'ada', event: 'Feature Used' });

    const tree = await onrampAsync([
      'rules',
      'dry-run',
      ...connection,
      '--user',
      'ada',
      '--event',
      event,
      '--rules',
      draft,
    ]);
    assert.equal(tree.code, 0, tree.stderr);
    assert.match(tree.stdout, /Dry run of draft rules for profile /);
    assert.match(tree.stdout, /✓ pro-tips: FIRES/);
    assert.match(tree.stdout, /✗ free-upsell: condition is false/);
    assert.match(tree.stdout, /traits\.plan/);
    assert.match(tree.stdout, /Would fire: pro-tips/);

    const json = await onrampAsync(
      [
        'rules',
        'dry-run',
        '--url',
        server.url,
        '--user',
        'ada',
        '--event',
        event,
        '--rules',
        draft,
        '--json',
      ],
      { ONRAMP_ADMIN_KEY: server.workspace.adminKey },
    );
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { rules: { ruleId: string; fires: boolean }[] };
    assert.deepEqual(
      parsed.rules.map((rule) => [rule.ruleId, rule.fires]),
      [
        ['pro-tips', true],
        ['free-upsell', false],
      ],
    );

    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const table = await onrampAsync([
      'rules',
      'simulate',
      ...connection,
      '--from',
      from,
      '--to',
      to,
      '--rules',
      draft,
    ]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /Simulated \d+ events of \d+ profiles/);
    assert.match(table.stdout, /rule +draft +live +delta +profiles +sample/);
    assert.match(table.stdout, /pro-tips/);

    const unknown = await onrampAsync(['rules', 'dry-run', ...connection, '--user', 'nobody']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /404 ONR_NOT_FOUND/);
    const badKey = await onrampAsync([
      'rules',
      'dry-run',
      '--url',
      server.url,
      '--admin-key',
      'ak_not_the_key_at_all',
      '--user',
      'ada',
    ]);
    assert.equal(badKey.code, 1);
    assert.match(badKey.stderr, /401 ONR_UNAUTHORIZED/);
    const noKey = await onrampAsync(['rules', 'dry-run', '--url', server.url, '--user', 'ada'], {
      ONRAMP_ADMIN_KEY: '',
    });
    assert.equal(noKey.code, 1);
    assert.match(noKey.stderr, /No admin key/);
    const two = await onrampAsync([
      'rules',
      'dry-run',
      ...connection,
      '--user',
      'a',
      '--profile',
      'b',
    ]);
    assert.match(two.stderr, /exactly one of --user, --anonymous or --profile/);
    const badEvent = await onrampAsync([
      'rules',
      'dry-run',
      ...connection,
      '--user',
      'a',
      '--event',
      '{',
    ]);
    assert.match(badEvent.stderr, /--event is not valid JSON/);
    const noRules = await onrampAsync([
      'rules',
      'simulate',
      ...connection,
      '--from',
      from,
      '--to',
      to,
    ]);
    assert.match(noRules.stderr, /--rules FILE/);
    writeFileSync(join(dir, 'bad.yaml'), 'rules:\n  - id: x\n    trigger: { type: nope }\n');
    const badFile = await onrampAsync([
      'rules',
      'simulate',
      ...connection,
      '--from',
      from,
      '--to',
      to,
      '--rules',
      join(dir, 'bad.yaml'),
    ]);
    assert.equal(badFile.code, 1);
    assert.match(
      badFile.stderr,
      /bad\.yaml:3:\d+ rules\.0\.trigger\.type: unknown trigger type "nope"/,
    );
    const unreachable = await onrampAsync([
      'rules',
      'dry-run',
      '--url',
      'http://127.0.0.1:1',
      '--admin-key',
      server.workspace.adminKey,
      '--user',
      'a',
    ]);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /Cannot reach http:\/\/127\.0\.0\.1:1/);
    const usage = await onrampAsync(['rules', 'explain', ...connection]);
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /onramp rules dry-run/);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('config check reports rule errors with file, line and field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onramp-cli-'));
  try {
    const bad = join(dir, 'rules.yaml');
    writeFileSync(
      bad,
      [
        'rules:',
        '  - id: nudge',
        '    trigger: { type: inactive, for: soon }',
        '    actions:',
        '      - { type: shout }',
      ].join('\n'),
    );
    const result = onramp(['config', 'check', bad]);
    assert.equal(result.code, 1);
    assert.deepEqual(result.stderr.trim().split('\n').sort(), [
      `${bad}:3:32 rules.0.trigger.for: must be a positive duration such as "500ms", "30s", "30m", "24h", "7d", "2w"`,
      `${bad}:5:11 rules.0.actions.0.type: unknown action type "shout"; must be one of: decide, clearDecision, setTrait, unsetTrait, emit, advanceFlow, message`,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
