import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sendBatch, startTestServer, type TestServer } from '../testing/test-server.js';
import { adminClient, type AdminClient, type Json } from '../admin/admin-test-client.js';
import { publishExperimentBase, welcomeExperiment } from './experiment-fixtures.js';

// From events to the results API over the real server (SQLite, processor, decide):
// visitors are assigned by decide, exposed by the Content Shown the decision's track
// makes, convert or not; some sign up (anonymous → known merge); the server restarts.

let server: TestServer;
let client: AdminClient;

before(async () => {
  server = await startTestServer({ flushIntervalMs: 20 });
  client = adminClient(server);
  await publishExperimentBase(server);
  const put = await client.call('PUT', '/experiments', { experiments: [welcomeExperiment()] });
  assert.equal(put.status, 200, JSON.stringify(put.body));
});

after(async () => {
  await server.close();
});

async function decide(anonymousId: string): Promise<Json> {
  const response = await fetch(`${server.url}/client/v1/decide`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${server.workspace.adminKey}`,
    },
    body: JSON.stringify({ anonymousId, placements: ['banner'] }),
  });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { decisions: Record<string, Json> };
  return body.decisions['banner'] as Json;
}

type VariantRow = { id: string; users: number; metrics: Record<string, { sum: number }> };

async function results(): Promise<{ variants: VariantRow[]; analysis: Json }> {
  const reply = await client.call('GET', '/experiments/welcome-test/results');
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply.body as never;
}

const summary = (variants: VariantRow[]) =>
  Object.fromEntries(
    variants.map((v) => [
      v.id,
      [v.users, v.metrics['activated']?.sum, v.metrics['revenue']?.sum, v.metrics['errors']?.sum],
    ]),
  );

describe('experiment results end to end', () => {
  const expected: Record<string, [number, number, number, number]> = {
    control: [0, 0, 0, 0],
    friendly: [0, 0, 0, 0],
  };

  test('only shown variants count, conversions after exposure, per variant', async () => {
    const visitors = Array.from({ length: 60 }, (_, i) => `visitor-${i}`);
    // A first event makes the profile decide reads; an event before exposure never counts.
    await sendBatch(
      server,
      visitors.map((anonymousId) => ({ type: 'track', anonymousId, event: 'Project Created' })),
    );
    await server.engine.flush();
    const exposures: Json[] = [];
    for (const [i, anonymousId] of visitors.entries()) {
      const decision = await decide(anonymousId);
      const reason = decision.reason as Json;
      const track = decision.track as Json;
      assert.equal(reason.type, 'experiment');
      assert.deepEqual([track.experiment, track.variant], ['welcome-test', reason.variant]);
      const variant = String(reason.variant);
      if (i % 10 === 9) continue; // decided but never shown: no exposure
      expected[variant]![0]++;
      exposures.push({ type: 'track', anonymousId, event: 'Content Shown', properties: track });
      if (i % 3 === 0) {
        expected[variant]![1]++;
        exposures.push({ type: 'track', anonymousId, event: 'Project Created' });
        exposures.push({ type: 'track', anonymousId, event: 'Project Created' });
      }
      if (i % 4 === 0) {
        expected[variant]![2] += 25;
        exposures.push({
          type: 'track',
          anonymousId,
          event: 'Order Completed',
          properties: { revenue: 25 },
        });
      }
    }
    await sendBatch(server, exposures);
    const { variants, analysis } = await results();
    assert.deepEqual(summary(variants), expected);
    const [control, friendly] = [expected['control']![0], expected['friendly']![0]];
    assert.equal(control + friendly, 54);
    assert.ok(control > 10 && friendly > 10, JSON.stringify(expected));
    assert.equal(analysis.ok, true);
    assert.deepEqual(analysis.warnings, []);
    const metrics = analysis.metrics as Json[];
    assert.deepEqual(
      metrics.map((m) => [m.metricId, m.type, m.role]),
      [
        ['activated', 'proportion', 'primary'],
        ['revenue', 'continuous', 'primary'],
        ['invited', 'proportion', 'primary'],
        ['errors', 'continuous', 'guardrail'],
      ],
    );
    const guidance = ((metrics[0]?.comparisons as Json[])[0]?.guidance as Json).status;
    assert.ok(['significant', 'not-yet', 'inconclusive'].includes(String(guidance)));
  });

  test('signing up keeps the variant and counts the person once', async () => {
    // visitor-0 was exposed and converted; Ada's account exists with her own events.
    const before = (await results()).variants;
    await sendBatch(server, [
      { type: 'track', userId: 'ada', event: 'Signed Up' },
      { type: 'identify', userId: 'ada', anonymousId: 'visitor-0', traits: { plan: 'pro' } },
      { type: 'track', userId: 'ada', event: 'Error Shown' },
    ]);
    const variant = String(((await decide('visitor-0')).reason as Json).variant);
    expected[variant]![3] += 1;
    const after = (await results()).variants;
    assert.deepEqual(summary(after), expected);
    assert.deepEqual(
      after.map((v) => v.users),
      before.map((v) => v.users),
    );
  });

  test('results survive a restart (totals are stored with the profiles)', async () => {
    const dataDir = server.dataDir;
    await server.close({ keepData: true });
    server = await startTestServer({ dataDir, flushIntervalMs: 20 });
    client = adminClient(server);
    assert.deepEqual(summary((await results()).variants), expected);
  });
});
