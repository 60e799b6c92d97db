import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  createManualClock,
  type ClusteringDefinition,
  type CohortDefinition,
  type ManualClock,
  type SegmentDefinition,
} from '@onramp/core';
import { signUserToken } from '../src/realtime/user-token.js';
import { openSseStream, type SseStream } from '../src/testing/sse-client.js';
import { sendBatch, startTestServer, type TestServer } from '../src/testing/test-server.js';

// Segments, cohorts and clustering end to end on the real engine (SQLite, processor,
// scheduler, background passes, worker thread), with an injected clock.

const start = Date.UTC(2026, 10, 2, 9, 0, 0);
const servers: TestServer[] = [];
const streams: SseStream[] = [];
after(async () => {
  for (const stream of streams) stream.close();
  for (const server of servers) await server.close();
});

async function serverAt(clock: ManualClock, dataDir?: string): Promise<TestServer> {
  const server = await startTestServer({ clock, ...(dataDir === undefined ? {} : { dataDir }) });
  servers.push(server);
  return server;
}

async function send(server: TestServer, messages: Record<string, unknown>[]): Promise<void> {
  await sendBatch(server, messages);
}

function publish(
  server: TestServer,
  parts: {
    segments?: unknown[];
    cohorts?: unknown[];
    clusterings?: unknown[];
    rules?: unknown[];
  },
) {
  return server.engine.rules.publish(server.workspace.id, {
    source: 'api',
    ...(parts.segments === undefined ? {} : { segments: parts.segments as SegmentDefinition[] }),
    ...(parts.cohorts === undefined ? {} : { cohorts: parts.cohorts as CohortDefinition[] }),
    ...(parts.clusterings === undefined
      ? {}
      : { clusterings: parts.clusterings as ClusteringDefinition[] }),
    ...(parts.rules === undefined ? {} : { rules: parts.rules as never }),
  });
}

const identify = (userId: string, traits: Record<string, unknown>) => ({
  type: 'identify',
  userId,
  traits,
});
const track = (userId: string, event: string) => ({ type: 'track', userId, event });

async function counts(server: TestServer): Promise<Record<string, number>> {
  return server.engine.segments.counts(server.workspace.id);
}

describe('segments on the engine', () => {
  it('follows each person, says so in the log and on their stream, and fires segment rules', async () => {
    const clock = createManualClock(start);
    const server = await serverAt(clock);
    await publish(server, {
      segments: [
        { id: 'admins', condition: { 'traits.role': 'admin' } },
        { id: 'exporters', condition: { $event: { name: 'Exported', count: { $gte: 2 } } } },
      ],
      rules: [
        {
          id: 'admin-welcome',
          trigger: { type: 'segment', segment: 'admins', on: 'entered' },
          actions: [{ type: 'decide', placement: 'banner', content: 'admin-welcome' }],
        },
      ],
    });
    await send(server, [identify('ada', { role: 'member' })]);
    await server.engine.flush();
    const stream = await openSseStream(
      `${server.url}/client/v1/stream?${new URLSearchParams({
        writeKey: server.workspace.writeKey,
        userId: 'ada',
        token: signUserToken('ada', server.workspace.identitySecret),
      })}`,
    );
    streams.push(stream);
    await stream.next(5000); // the snapshot
    await send(server, [identify('ada', { role: 'admin' })]);
    let pushed: { segments: string[]; segmentChanges?: unknown } | undefined;
    for (let i = 0; i < 5 && pushed?.segmentChanges === undefined; i++) {
      pushed = JSON.parse((await stream.next(5000)).data) as typeof pushed;
    }
    assert.deepEqual(pushed?.segmentChanges, [{ segment: 'admins', on: 'entered' }]);
    assert.deepEqual(pushed?.segments, ['admins']);
    await server.engine.flush();
    const profile = await server.engine.getProfile(server.workspace.id, { userId: 'ada' });
    assert.equal(profile?.decisions['banner']?.content, 'admin-welcome');
    const events = await server.engine.listProfileEvents(
      server.workspace.id,
      { userId: 'ada' },
      { limit: 10 },
    );
    const entered = events?.events.find((e) => e.event['event'] === 'Segment Entered');
    assert.deepEqual(entered?.event['properties'], { segment_id: 'admins' });
    assert.deepEqual(await counts(server), { admins: 1, exporters: 0 });
    const membership = await server.engine.segments.membership(server.workspace.id, 'admins', {
      userId: 'ada',
    });
    assert.equal(membership?.member, true);
    assert.equal(membership?.since, start);
  });

  it('changes time-dependent membership when time passes, across a restart', async () => {
    const clock = createManualClock(start);
    const server = await serverAt(clock);
    await publish(server, {
      segments: [{ id: 'new', condition: { $elapsed: { since: 'firstSeen', $lt: '1h' } } }],
    });
    await send(server, [track('bo', 'Signed Up'), track('cy', 'Signed Up')]);
    await server.engine.flush();
    assert.deepEqual(await counts(server), { new: 2 });
    // Size over time: a sample before the restart (2), one after the timers ran (0).
    // (Past-due timers may run as soon as the restarted engine starts.)
    await server.engine.segments.maintain();
    const dataDir = server.dataDir;
    await server.close({ keepData: true });
    servers.splice(servers.indexOf(server), 1);
    clock.advance(3_600_000 + 1);
    const restarted = await serverAt(clock, dataDir);
    await restarted.engine.runDueTimers();
    await restarted.engine.flush();
    assert.deepEqual(await counts(restarted), { new: 0 });
    clock.advance(60_000);
    await restarted.engine.segments.maintain();
    const sizes = await restarted.engine.segments.sizes(restarted.workspace.id, 'new', {
      from: 0,
      to: Number.MAX_SAFE_INTEGER,
      limit: 10,
    });
    assert.deepEqual(
      sizes.map((sample) => sample.size),
      [2, 0],
    );
  });

  it('back-fills a new segment over existing profiles while events keep coming', async () => {
    const clock = createManualClock(start);
    const server = await serverAt(clock);
    const users = Array.from({ length: 600 }, (_, i) => `u${String(i).padStart(3, '0')}`);
    for (let i = 0; i < users.length; i += 200) {
      await send(
        server,
        users.slice(i, i + 200).map((userId, j) => identify(userId, { seats: (i + j) % 10 })),
      );
    }
    await server.engine.flush();
    await publish(server, {
      segments: [{ id: 'big', condition: { 'traits.seats': { $gte: 5 } } }],
    });
    // Another version right away: the first back-fill must still complete.
    await publish(server, {
      segments: [
        { id: 'big', condition: { 'traits.seats': { $gte: 5 } } },
        { id: 'solo', condition: { 'traits.seats': 1 } },
      ],
    });
    // Events during the pass: new users, and existing ones changing seats.
    await send(server, [
      identify('late-1', { seats: 9 }),
      identify('u000', { seats: 7 }),
      identify('u005', { seats: 1 }),
    ]);
    await server.engine.segments.idle(server.workspace.id);
    await server.engine.flush();
    // 300 of the 600 had ≥ 5 seats; u000 gained, u005 lost, late-1 is new.
    // 60 had 1 seat, and u005 now has.
    assert.deepEqual(await counts(server), { big: 301, solo: 61 });
    const pass = server.engine.segments
      .passes(server.workspace.id)
      .find((p) => p.kind === 'backfill' && p.segments?.includes('big'));
    assert.equal(pass?.state, 'done');
    assert.ok((pass?.scanned ?? 0) >= 600);
    const page = await server.engine.segments.members(server.workspace.id, 'big', { limit: 5 });
    assert.equal(page.members.length, 5);
    assert.ok(page.nextAfter !== undefined);
  });

  it('bands a cohort by rank, and rebuilds its sketch at start', async () => {
    const clock = createManualClock(start);
    const server = await serverAt(clock);
    const messages: Record<string, unknown>[] = [];
    for (let i = 1; i <= 100; i++) {
      for (let n = 0; n < i % 50; n++) messages.push(track(`c${i}`, 'Clicked'));
      messages.push(identify(`c${i}`, { score: i }));
    }
    for (let i = 0; i < messages.length; i += 500) await send(server, messages.slice(i, i + 500));
    await server.engine.flush();
    await publish(server, {
      cohorts: [
        {
          id: 'score',
          metric: 'traits.score',
          bands: [
            { id: 'top', percent: 20 },
            { id: 'middle', percent: 50 },
            { id: 'bottom', percent: 30 },
          ],
        },
      ],
    });
    await server.engine.segments.idle(server.workspace.id);
    await server.engine.flush();
    const bands = await counts(server);
    assert.deepEqual(bands, { 'score:top': 20, 'score:middle': 50, 'score:bottom': 30 });
    const top = await server.engine.segments.membership(server.workspace.id, 'score:top', {
      userId: 'c95',
    });
    assert.equal(top?.member, true);
    const report = await server.engine.segments.cohort(server.workspace.id, 'score');
    assert.equal(report?.ready, true);
    assert.equal(report?.size, 100);
    // After a restart the sketch is rebuilt from the stored values; bands stay.
    const dataDir = server.dataDir;
    await server.close({ keepData: true });
    servers.splice(servers.indexOf(server), 1);
    const restarted = await serverAt(clock, dataDir);
    await restarted.engine.segments.idle(restarted.workspace.id);
    const rebuilt = await restarted.engine.segments.cohort(restarted.workspace.id, 'score');
    assert.equal(rebuilt?.ready, true);
    assert.equal(rebuilt?.size, 100);
    assert.deepEqual(await counts(restarted), bands);
  });

  it('clusters behaviour in a worker, labels every profile, and labels new ones in real time', async () => {
    const clock = createManualClock(start);
    const server = await serverAt(clock);
    const messages: Record<string, unknown>[] = [];
    const groups = [
      { prefix: 'power', feature: 30, pages: 5 },
      { prefix: 'browse', feature: 1, pages: 40 },
      { prefix: 'idle', feature: 0, pages: 1 },
    ];
    for (const group of groups) {
      for (let i = 0; i < 30; i++) {
        const userId = `${group.prefix}-${i}`;
        for (let n = 0; n < group.feature + (i % 3); n++)
          messages.push(track(userId, 'Feature Used'));
        for (let n = 0; n < group.pages + (i % 4); n++) {
          messages.push({ type: 'page', userId, name: 'Docs' });
        }
      }
    }
    for (let i = 0; i < messages.length; i += 500) await send(server, messages.slice(i, i + 500));
    await server.engine.flush();
    await publish(server, {
      clusterings: [
        {
          id: 'behaviour',
          features: ['events.Feature Used', 'events.$page'],
          k: { min: 2, max: 6 },
        },
      ],
    });
    const run = await server.engine.segments.runClustering(server.workspace.id, 'behaviour', 'api');
    assert.equal(run.status, 'done', run.error);
    assert.equal(run.k, 3);
    assert.equal(run.clusters.length, 3);
    assert.equal(run.candidates.length, 5);
    await server.engine.segments.idle(server.workspace.id);
    await server.engine.flush();
    const labelOf = async (userId: string) =>
      (await server.engine.getProfile(server.workspace.id, { userId }))?.traits[
        'cluster_behaviour'
      ];
    const power = await labelOf('power-0');
    const browse = await labelOf('browse-0');
    assert.ok(typeof power === 'string' && typeof browse === 'string' && power !== browse);
    for (let i = 1; i < 30; i++) assert.equal(await labelOf(`power-${i}`), power);
    // A newcomer who behaves like the power users gets their label at once.
    await send(
      server,
      Array.from({ length: 31 }, () => track('newcomer', 'Feature Used')),
    );
    await server.engine.flush();
    assert.equal(await labelOf('newcomer'), power);
    // On a schedule: due once `every` has passed since the last run.
    await publish(server, {
      clusterings: [
        {
          id: 'behaviour',
          features: ['events.Feature Used', 'events.$page'],
          k: { min: 2, max: 6 },
          every: '1h',
        },
      ],
    });
    await server.engine.segments.maintain();
    clock.advance(3_600_000);
    await server.engine.segments.maintain();
    const deadline = Date.now() + 60_000;
    let runs = await server.engine.segments.clusterRuns(server.workspace.id, 'behaviour', {
      limit: 10,
    });
    while (runs.length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      runs = await server.engine.segments.clusterRuns(server.workspace.id, 'behaviour', {
        limit: 10,
      });
    }
    assert.deepEqual(
      runs.map((run) => [run.run, run.trigger, run.status]),
      [
        [2, 'schedule', 'done'],
        [1, 'api', 'done'],
      ],
    );
    // Labels are kept across runs: the power users are still the same cluster.
    assert.equal(runs[0]?.clusters.length, 3);
    await server.engine.segments.idle(server.workspace.id);
    await server.engine.flush();
    assert.equal(await labelOf('power-3'), power);
  });
});
