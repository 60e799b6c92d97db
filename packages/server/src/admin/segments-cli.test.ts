import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { adminClient, type AdminClient } from './admin-test-client.js';
import { runSegmentsCommand, type SegmentsCommandOptions } from './segments-cli.js';

const root = fileURLToPath(new URL('../../../..', import.meta.url));

let server: TestServer;
let client: AdminClient;

function onramp(args: string[], env: Record<string, string> = {}) {
  // Async: the server under test runs in this process and must keep answering.
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    execFile(
      process.execPath,
      ['packages/server/bin/onramp.js', ...args],
      { cwd: root, env: { ...process.env, ONRAMP_ADMIN_KEY: '', ...env }, encoding: 'utf8' },
      (error, stdout, stderr) =>
        done({ code: error === null ? 0 : (error.code as number | null), stdout, stderr }),
    );
  });
}

const connection = () => ['--url', server.url, '--admin-key', server.workspace.adminKey];

before(async () => {
  server = await startTestServer();
  client = adminClient(server);
  for (const [userId, plan] of [
    ['ada', 'pro'],
    ['bob', 'free'],
    ['cy', 'pro'],
  ] as const) {
    await client.ingest({ type: 'identify', userId, traits: { plan } });
  }
  for (let i = 0; i < 12; i++) {
    await client.ingest({ type: 'identify', userId: `u${i}`, traits: { score: i } });
  }
  const segments = await client.call('PUT', '/segments', {
    segments: [{ id: 'pro', name: 'Pro plan', condition: { 'traits.plan': 'pro' } }],
  });
  assert.equal(segments.status, 200, JSON.stringify(segments.body));
  const clustering = await client.call('POST', '/clusterings', {
    id: 'scores',
    features: ['traits.score'],
    k: { min: 2, max: 3 },
    minProfiles: 10,
  });
  assert.equal(clustering.status, 201, JSON.stringify(clustering.body));
  await server.engine.segments.idle(server.workspace.id);
});

after(async () => {
  await server.close();
});

test('segments list, size and members print readable tables, or JSON', async () => {
  // In parallel: each run of the binary starts TypeScript afresh.
  const [list, size, members, json] = await Promise.all([
    onramp(['segments', 'list', ...connection()]),
    onramp(['segments', 'size', 'pro', ...connection()]),
    onramp(['segments', 'members', 'pro', '--limit', '1', ...connection()]),
    onramp(['segments', 'members', 'pro', '--json', '--url', server.url], {
      ONRAMP_ADMIN_KEY: server.workspace.adminKey,
    }),
  ]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /segment +members +name/);
  assert.match(list.stdout, /pro +2 +Pro plan/);
  assert.match(list.stdout, /1 segments, config version \d+/);

  assert.equal(size.code, 0, size.stderr);
  assert.match(size.stdout, /^pro: 2 members \(config version \d+\)$/m);

  assert.equal(members.code, 0, members.stderr);
  assert.match(members.stdout, /profile +user +since/);
  assert.match(members.stdout, /More: --after \S+/);

  assert.equal(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as { members: { userId: string }[] };
  assert.deepEqual(parsed.members.map((m) => m.userId).sort(), ['ada', 'cy']);
});

test('segments backfill and passes', async () => {
  const queued = await onramp(['segments', 'backfill', 'pro', ...connection()]);
  assert.equal(queued.code, 0, queued.stderr);
  assert.match(queued.stdout, /Queued: pass \d+ backfill of pro \(requested, version \d+\)/);
  await server.engine.segments.idle(server.workspace.id);
  const [passes, all] = await Promise.all([
    onramp(['segments', 'passes', ...connection()]),
    onramp(['segments', 'backfill', ...connection(), '--json']),
  ]);
  assert.equal(passes.code, 0, passes.stderr);
  assert.match(passes.stdout, /id +kind +state +scanned/);
  assert.match(passes.stdout, /backfill +done +15\/15 .*pro +requested/);
  assert.equal(all.code, 0, all.stderr);
  assert.equal((JSON.parse(all.stdout) as { kind: string }).kind, 'backfill');
  await server.engine.segments.idle(server.workspace.id);
});

test('clusters run and runs', async () => {
  const run = await onramp(['clusters', 'run', 'scores', ...connection()]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Clustering scores run 1: done, k=\d, 15 of 15 profiles sampled/);
  assert.match(run.stdout, /cluster +size +share +distinguishing features/);
  const runs = await onramp(['clusters', 'runs', 'scores', ...connection()]);
  assert.equal(runs.code, 0, runs.stderr);
  assert.match(runs.stdout, /run +status +k +sampled +trigger/);
  assert.match(runs.stdout, /1 +done +\d +15 +cli/);
  await server.engine.segments.idle(server.workspace.id);
});

test('through the binary: a usage mistake exits 2 with the usage, a refusal 1', async () => {
  const [unknownCommand, unknownOption, unknownSegment] = await Promise.all([
    onramp(['segments', 'explode', ...connection()]),
    onramp(['clusters', 'runs', 'scores', '--bogus', ...connection()]),
    onramp(['segments', 'size', 'nope', ...connection()]),
  ]);
  assert.equal(unknownCommand.code, 2, unknownCommand.stderr);
  assert.match(unknownCommand.stderr, /Unknown command: segments explode/);
  assert.match(unknownCommand.stderr, /onramp segments list/);
  assert.equal(unknownOption.code, 2, unknownOption.stderr);
  assert.match(unknownOption.stderr, /Unknown option '--bogus'/);
  assert.doesNotMatch(unknownOption.stderr, /\n +at /, 'no stack trace');
  assert.equal(unknownSegment.code, 1);
  assert.match(unknownSegment.stderr, /404 ONR_NOT_FOUND .*"nope"/);
});

/** The command in this process (spawning is slow): exit code and output. */
async function run(
  command: 'segments' | 'clusters',
  args: string[],
  options: Partial<SegmentsCommandOptions> = {},
) {
  let stdout = '';
  let stderr = '';
  const code = await runSegmentsCommand(
    command,
    args,
    { url: server.url, adminKey: server.workspace.adminKey, ...options },
    { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) },
  );
  return { code, stdout, stderr };
}

test('usage mistakes exit 2; refusals and an unreachable server exit 1', async () => {
  for (const [command, args, options] of [
    ['segments', []],
    ['segments', ['size']],
    ['segments', ['size', 'a', 'b']],
    ['segments', ['list', 'extra']],
    ['segments', ['members', 'pro'], { limit: 'lots' }],
    ['segments', ['members', 'pro'], { limit: '0' }],
    ['clusters', ['run']],
    ['clusters', ['explode', 'x']],
    ['segments', ['list'], { adminKey: undefined }],
  ] as const) {
    const result = await run(command, [...args], options);
    assert.equal(result.code, 2, `${command} ${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /Usage:\n +onramp segments list/);
    assert.equal(result.stdout, '');
  }
  assert.match((await run('segments', ['list'], { adminKey: '' })).stderr, /No admin key/);
  assert.match((await run('segments', ['members', 'pro'], { limit: '0' })).stderr, /--limit/);

  const badKey = await run('segments', ['list'], { adminKey: 'ak_nope' });
  assert.equal(badKey.code, 1);
  assert.match(badKey.stderr, /401 ONR_UNAUTHORIZED/);
  const unknown = await run('clusters', ['run', 'nope']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /404 ONR_NOT_FOUND/);
  const tooMany = await run('clusters', ['runs', 'scores'], { limit: '900' });
  assert.equal(tooMany.code, 1);
  assert.match(tooMany.stderr, /querystring\.limit/);
  const unreachable = await run('segments', ['passes'], { url: 'http://127.0.0.1:1' });
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /Cannot reach http:\/\/127\.0\.0\.1:1/);
});
