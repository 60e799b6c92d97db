import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSeededRandom } from '@onramp/core';
import { sendBatch, startTestServer, type TestServer } from '../testing/test-server.js';
import { adminClient, fieldsOf, type AdminClient, type Json } from '../admin/admin-test-client.js';
import { publishExperimentBase } from './experiment-fixtures.js';

// A bandit over the real server (SQLite, processor, decide, results API): seeded simulated
// visitors get arms from decide, are exposed by the Content Shown its track makes, and
// convert with their arm's rate (friendly clearly best). Later visitors concentrate on it
// while every arm keeps the exploration floor; a restart keeps the state; a process that
// dies with applied but uncommitted evidence is replayed without counting it twice.

const FLOOR = 0.3;
const rates: Record<string, number> = { control: 0.05, plain: 0.05, friendly: 0.5 };
const bandit = {
  id: 'welcome-bandit',
  status: 'running',
  kind: 'bandit',
  placement: 'banner',
  variants: [
    { id: 'control' },
    { id: 'plain', content: { item: 'welcome' } },
    { id: 'friendly', content: { item: 'welcome-b' } },
  ],
  bandit: { reward: { event: 'Project Created', within: '7d' }, floor: FLOOR },
};

let server: TestServer;
let client: AdminClient;
const random = createSeededRandom(2026);
let visitors = 0;
/** Per arm: [exposures, conversions], as sent. */
const sent: Record<string, [number, number]> = { control: [0, 0], plain: [0, 0], friendly: [0, 0] };

before(async () => {
  server = await startTestServer({ flushIntervalMs: 20 });
  client = adminClient(server);
  await publishExperimentBase(server);
  const put = await client.call('PUT', '/experiments', { experiments: [bandit] });
  assert.equal(put.status, 200, JSON.stringify(put.body));
});

after(async () => {
  await server.close();
});

async function decide(target: TestServer, anonymousId: string): Promise<Json> {
  const response = await fetch(`${target.url}/client/v1/decide`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${target.workspace.adminKey}`,
    },
    body: JSON.stringify({ anonymousId, placements: ['banner'] }),
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { decisions: Record<string, Json> }).decisions['banner']!;
}

/** `count` new visitors: decide, exposure, conversion by their arm's rate. The arms given. */
async function round(target: TestServer, count: number): Promise<string[]> {
  const arms: string[] = [];
  const events: Json[] = [];
  for (let i = 0; i < count; i++) {
    const anonymousId = `visitor-${visitors++}`;
    const decision = await decide(target, anonymousId);
    const track = decision.track as Json;
    assert.deepEqual([track.experiment, (decision.reason as Json).type], [bandit.id, 'experiment']);
    const arm = String(track.variant);
    arms.push(arm);
    sent[arm]![0]++;
    events.push({ type: 'track', anonymousId, event: 'Content Shown', properties: track });
    if (random() < rates[arm]!) {
      sent[arm]![1]++;
      events.push({ type: 'track', anonymousId, event: 'Project Created' });
      events.push({ type: 'track', anonymousId, event: 'Project Created' }); // once per trial
    }
  }
  await sendBatch(target, events);
  return arms;
}

const counts = (arms: string[]) =>
  Object.fromEntries(Object.keys(rates).map((arm) => [arm, arms.filter((a) => a === arm).length]));

/** The live state decide uses, per arm [trials, rewards]. */
function live(target: TestServer): Record<string, [number, number]> {
  const state = target.engine.banditState(target.workspace.id, bandit.id);
  assert.ok(state);
  return Object.fromEntries(
    state.policy.arms.map((arm, i) => [arm, [state.global.trials[i]!, state.global.successes[i]!]]),
  );
}

type ArmRow = {
  arm: string;
  trials: number;
  rewards: number;
  probabilityBest: number;
  share: number;
};

async function results(target: TestServer): Promise<{ arms: ArmRow[]; body: Json }> {
  const reply = await adminClient(target).call('GET', `/experiments/${bandit.id}/results`);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  const block = reply.body.bandit as { global: { arms: ArmRow[] } };
  return { arms: block.global.arms, body: reply.body };
}

describe('a bandit experiment end to end', () => {
  test('later visitors concentrate on the best arm; every arm keeps the floor', async () => {
    const all: string[] = [];
    for (let r = 0; r < 12; r++) {
      all.push(...(await round(server, 40)));
      await server.engine.flush(); // applied and committed before the next round decides
    }
    const early = counts(all.slice(0, 80));
    const late = counts(all.slice(-160));
    assert.ok(early.friendly! < 50, JSON.stringify(early)); // the first rounds explore
    assert.ok(late.friendly! / 160 > 0.6, JSON.stringify(late));
    // Each arm's expected share is at least floor/k = 10 %: 48 of 480 (sd 6.6) and 16 of 160.
    for (const arm of Object.keys(rates)) {
      assert.ok(counts(all)[arm]! >= 48 - 20, JSON.stringify(counts(all)));
      assert.ok(late[arm]! >= 16 - 10, JSON.stringify(late));
    }
    assert.deepEqual(live(server), sent);
    const { arms, body } = await results(server);
    assert.deepEqual(
      arms.map((a) => [a.arm, a.trials, a.rewards]),
      Object.entries(sent).map(([arm, [trials, rewards]]) => [arm, trials, rewards]),
    );
    const friendly = arms.find((a) => a.arm === 'friendly')!;
    assert.ok(friendly.probabilityBest > 0.99, JSON.stringify(arms));
    assert.ok(Math.abs(friendly.share - (FLOOR / 3 + (1 - FLOOR))) < 0.01);
    for (const arm of arms) assert.ok(arm.share >= FLOOR / 3 - 1e-9);
    assert.equal(body.kind, 'bandit');
    assert.equal(body.analysis, undefined);
    const variants = body.variants as { id: string; users: number }[];
    assert.deepEqual(
      variants.map((v) => v.users),
      arms.map((a) => a.trials),
    );
  });

  test('a restart keeps the state: the committed totals are its evidence', async () => {
    const before = live(server);
    const dataDir = server.dataDir;
    await server.close({ keepData: true });
    server = await startTestServer({ dataDir, flushIntervalMs: 60_000 });
    assert.deepEqual(live(server), before);
    const next = counts(await round(server, 60));
    assert.ok(next.friendly! / 60 > 0.55, JSON.stringify(next)); // not a fresh, uniform state
  });

  test('a replay after a crash does not count twice', async () => {
    // Applied in memory, not committed (the flush timer is a minute): live already has it.
    await server.engine.flush();
    await round(server, 40);
    await waitFor(() => sameCounts(live(server), sent));
    // The process dies here: its files as they are, the last 40 visitors' profiles not written.
    const copy = mkdtempSync(join(tmpdir(), 'onramp-crash-'));
    cpSync(server.dataDir, copy, { recursive: true });
    const replayed = await startTestServer({ dataDir: copy, flushIntervalMs: 60_000 });
    try {
      await waitFor(() => sameCounts(live(replayed), sent));
      assert.deepEqual(live(replayed), sent);
      await replayed.engine.flush();
      assert.deepEqual(live(replayed), sent);
      assert.deepEqual(
        (await results(replayed)).arms.map((a) => [a.trials, a.rewards]),
        Object.values(sent),
      );
    } finally {
      await replayed.close();
      rmSync(copy, { recursive: true, force: true });
    }
  });

  test('bad bandit config is a 400 naming the field', async () => {
    const put = (experiment: Json) =>
      client.call('PUT', `/experiments/${String(experiment.id)}`, experiment);
    client = adminClient(server);
    const cases: [Json, string][] = [
      [{ ...bandit, id: 'b1', bandit: { ...bandit.bandit, floor: 2 } }, 'bandit.floor'],
      [{ ...bandit, id: 'b2', bandit: { floor: 0.1 } }, 'bandit.reward'],
      [{ ...bandit, id: 'b3', bandit: { ...bandit.bandit, per: 'user' } }, 'bandit.per'],
      [{ ...bandit, id: 'b4', bandit: { ...bandit.bandit, segments: ['x'] } }, 'bandit.segments'],
      [{ ...bandit, id: 'b5', bandit: undefined }, 'bandit'],
      [{ ...bandit, id: 'b6', placement: undefined }, 'placement'],
      [
        {
          ...bandit,
          id: 'b7',
          variants: [
            { id: 'a', weight: 50 },
            { id: 'b', weight: 50 },
          ],
        },
        'variants.0.weight',
      ],
      [{ ...bandit, id: 'b8', bandit: { ...bandit.bandit, colour: 'red' } }, 'bandit.colour'],
    ];
    for (const [experiment, field] of cases) {
      const reply = await put(experiment);
      assert.equal(reply.status, 400, `${String(experiment.id)}: ${JSON.stringify(reply.body)}`);
      assert.ok(
        fieldsOf(reply.body).some((f) => f === field || f.startsWith(`${field}.`)),
        `${field}: ${JSON.stringify(reply.body)}`,
      );
    }
    const proto = await client.call(
      'PUT',
      '/experiments/b9',
      `{"id":"b9","kind":"bandit","placement":"banner","variants":[{"id":"a"},{"id":"b"}],"bandit":{"reward":{"event":"X"},"__proto__":{"polluted":true}}}`,
    );
    assert.equal(proto.status, 400);
    assert.equal(({} as Json).polluted, undefined);
  });
});

function sameCounts(a: Record<string, [number, number]>, b: Record<string, [number, number]>) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Polls until `done` (the processor applies appended events on its own, asynchronously). */
async function waitFor(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
}
