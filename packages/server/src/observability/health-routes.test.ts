import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { startTestServer, type TestServer } from '../testing/test-server.js';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

test('GET /healthz is 200 while the process serves', async () => {
  const response = await fetch(`${server.url}/healthz`);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { status: 'ok' });
});

test('GET /readyz is 200 once the engine has caught up', async () => {
  const response = await fetch(`${server.url}/readyz`);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { status: 'ready' });
});

test('GET /metrics serves Prometheus text with the ingest counters', async () => {
  const ingest = await fetch(`${server.url}/v1/track`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${server.workspace.writeKey}:`).toString('base64')}`,
    },
    body: JSON.stringify({ userId: 'u-1', event: 'Signed Up' }),
  });
  assert.equal(ingest.status, 200);

  const response = await fetch(`${server.url}/metrics`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), server.engine.metrics.registry.contentType);
  const text = await response.text();
  assert.match(text, /^# HELP onramp_ingest_events_total /m);
  assert.match(text, /^onramp_ingest_events_total\{outcome="accepted"\} [1-9]/m);
  assert.match(text, /^onramp_push_connections /m);
});

test('GET /readyz is 503 ONR_NOT_READY while the engine stops', async () => {
  const stopping = await startTestServer();
  try {
    await stopping.engine.stop();
    const response = await fetch(`${stopping.url}/readyz`);
    assert.equal(response.status, 503);
    assert.equal(((await response.json()) as { code: string }).code, 'ONR_NOT_READY');
    assert.equal((await fetch(`${stopping.url}/healthz`)).status, 200, 'alive, though not ready');
  } finally {
    await stopping.close();
  }
});

/** A metric's value on /metrics (NaN when absent), read with `pattern`'s first group. */
async function metricOf(target: TestServer, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${target.url}/metrics`)).text();
  const match = pattern.exec(text);
  return match === null ? Number.NaN : Number(match[1]);
}

const flushes = (outcome: 'ok' | 'failed') =>
  new RegExp(`^onramp_profile_flushes_total\\{outcome="${outcome}"\\} (\\d+)`, 'm');
const dirtyProfiles = /^onramp_profiles_dirty (\d+)/m;

/** A server that flushes only when asked, with three profiles changed and applied, not committed. */
async function serverWithThreeDirtyProfiles(): Promise<TestServer> {
  const slow = await startTestServer({ flushIntervalMs: 60_000 });
  const ingest = await fetch(`${slow.url}/v1/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${slow.workspace.writeKey}:`).toString('base64')}`,
    },
    body: JSON.stringify({
      batch: ['a', 'b', 'c'].map((userId) => ({ type: 'track', userId, event: 'Signed Up' })),
    }),
  });
  assert.equal(ingest.status, 200);
  const deadline = Date.now() + 10_000;
  while ((await metricOf(slow, /^onramp_processor_events_total (\d+)/m)) < 3) {
    assert.ok(Date.now() < deadline, 'the events were not applied');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return slow;
}

test('GET /metrics shows changed profiles not committed yet, and each flush', async () => {
  const slow = await serverWithThreeDirtyProfiles();
  const metric = (pattern: RegExp) => metricOf(slow, pattern);
  try {
    assert.equal(await metric(dirtyProfiles), 3);
    const before = (await metric(flushes('ok'))) || 0;

    await slow.engine.flush();
    assert.equal(await metric(dirtyProfiles), 0);
    assert.ok((await metric(flushes('ok'))) > before);
    assert.ok((await metric(/^onramp_profile_flush_duration_seconds_count (\d+)/m)) >= 1);
    assert.equal(await metric(flushes('failed')), Number.NaN);
  } finally {
    await slow.close();
  }
});

test('a failed flush is counted, keeps the profiles dirty, and the next flush commits them', async () => {
  const slow = await serverWithThreeDirtyProfiles();
  const metric = (pattern: RegExp) => metricOf(slow, pattern);
  // Another connection to the same file: what it does to the schema, the commit's connection sees.
  const side = new BetterSqlite3(join(slow.dataDir, 'onramp.db'));
  side.pragma('busy_timeout = 5000');
  try {
    const committed = () => side.prepare('SELECT count(*) FROM profiles').pluck().get() as number;
    const okBefore = (await metric(flushes('ok'))) || 0;
    const committedBefore = committed();

    side.exec(`CREATE TRIGGER refuse_profiles BEFORE INSERT ON profiles
      BEGIN SELECT RAISE(ABORT, 'profile commit refused by the test'); END`);
    await assert.rejects(slow.engine.flush(), /profile commit refused by the test/);
    assert.equal(await metric(flushes('failed')), 1);
    assert.equal(await metric(dirtyProfiles), 3, 'nothing was dropped');
    assert.equal(committed(), committedBefore, 'nothing was half-written');

    side.exec('DROP TRIGGER refuse_profiles');
    await slow.engine.flush();
    assert.equal(await metric(dirtyProfiles), 0);
    assert.equal(await metric(flushes('failed')), 1);
    assert.ok((await metric(flushes('ok'))) > okBefore);
    assert.equal(committed(), committedBefore + 3);
  } finally {
    side.close();
    await slow.close();
  }
});
