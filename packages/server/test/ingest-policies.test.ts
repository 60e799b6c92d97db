import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createManualClock } from '@onramp/core';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';

// End-to-end behaviour of the ingest policies over real HTTP and SQLite: tracking
// plan, consent (across a restart), identity stitching, de-duplication across a
// restart, and sliding windows under an injected clock.

async function post(server: TestServer, path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${server.workspace.writeKey}:`).toString('base64')}`,
    },
    body: JSON.stringify(body),
  });
}

async function admin<T>(server: TestServer, path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}/admin/v1${path}`, {
    headers: { authorization: `Bearer ${server.workspace.adminKey}` },
  });
  return { status: response.status, body: (await response.json()) as T };
}

interface Summary {
  userId: string | null;
  anonymousIds: string[];
  traits: Record<string, unknown>;
  consent: { categories: Record<string, boolean> } | null;
  metrics: {
    eventCount: number;
    events: Record<string, { total: number; windows: Record<string, number> }>;
  };
}

interface EventsPage {
  events: { event: { type: string; event?: string; messageId: string; violations?: string[] } }[];
}

/** Polls until the processor has applied what was acknowledged (it runs right after each commit). */
async function profileOf(
  server: TestServer,
  kind: string,
  id: string,
  until: (p: Summary) => boolean,
) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const { status, body } = await admin<Summary>(
      server,
      `/profiles/${kind}/${encodeURIComponent(id)}`,
    );
    if (status === 200 && until(body)) return body;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`profile ${kind}/${id} never reached the expected state`);
}

async function metricValue(server: TestServer, outcome: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`onramp_ingest_events_total{outcome="${outcome}"}`));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

test('tracking plan: reject dead-letters violations, flag keeps them marked', async () => {
  const plan = {
    unplannedEvents: 'reject' as const,
    events: {
      'Signed Up': {
        type: 'object',
        required: ['plan'],
        properties: { plan: { enum: ['free', 'team'] } },
      },
    },
  };
  const rejecting = await startTestServer({
    settings: { trackingPlan: { ...plan, mode: 'reject' } },
  });
  try {
    const response = await post(rejecting, '/v1/batch', {
      batch: [
        { type: 'track', userId: 'ada', event: 'Signed Up', properties: { plan: 'team' } },
        { type: 'track', userId: 'ada', event: 'Signed Up', properties: { plan: 'gold' } },
        { type: 'track', userId: 'ada', event: 'Unplanned Thing' },
      ],
    });
    assert.equal(response.status, 207);
    const report = (await response.json()) as {
      accepted: number;
      rejected: { index: number; reason: string; errors: { field: string }[] }[];
    };
    assert.equal(report.accepted, 1);
    assert.deepEqual(
      report.rejected.map((r) => [r.index, r.reason]),
      [
        [1, 'tracking_plan'],
        [2, 'tracking_plan'],
      ],
    );
    assert.equal(report.rejected[0]?.errors[0]?.field, 'batch[1].properties.plan');
    const letters = await admin<{ deadLetters: { reason: string }[] }>(rejecting, '/dead-letters');
    assert.deepEqual(
      letters.body.deadLetters.map((l) => l.reason),
      ['tracking_plan', 'tracking_plan'],
    );
    const profile = await profileOf(rejecting, 'user', 'ada', (p) => p.metrics.eventCount === 1);
    assert.equal(profile.metrics.events['Signed Up']?.total, 1);
  } finally {
    await rejecting.close();
  }

  const flagging = await startTestServer({
    settings: { trackingPlan: { ...plan, mode: 'flag', unplannedEvents: 'allow' } },
  });
  try {
    assert.equal(
      (
        await post(flagging, '/v1/track', {
          userId: 'bo',
          event: 'Signed Up',
          properties: { plan: 'gold' },
        })
      ).status,
      200,
    );
    await profileOf(flagging, 'user', 'bo', (p) => p.metrics.eventCount === 1);
    const page = await admin<EventsPage>(flagging, '/profiles/user/bo/events');
    assert.deepEqual(page.body.events[0]?.event.violations, [
      'properties.plan: must be equal to one of the allowed values',
    ]);
    assert.equal(await metricValue(flagging, 'flagged'), 1);
  } finally {
    await flagging.close();
  }
});

test('consent: no event without consent for its purpose, and the choice is remembered across restarts', async () => {
  const settings = {
    consent: {
      purposes: { '*': 'Analytics', 'Ad Clicked': 'Advertising' },
      whenUnknown: 'allow' as const,
    },
  };
  const first = await startTestServer({ settings });
  const dataDir = first.dataDir;
  try {
    const revoke = {
      context: { consent: { categoryPreferences: { Analytics: false, Advertising: true } } },
    };
    assert.equal(
      (await post(first, '/v1/track', { userId: 'cy', event: 'Clicked', ...revoke })).status,
      200,
    );
    assert.equal(
      (await post(first, '/v1/track', { userId: 'cy', event: 'Ad Clicked', ...revoke })).status,
      200,
    );
    const profile = await profileOf(
      first,
      'user',
      'cy',
      (p) => p.consent !== null && p.metrics.events['Ad Clicked'] !== undefined,
    );
    assert.deepEqual(profile.consent?.categories, { Analytics: false, Advertising: true });
    assert.equal(
      profile.metrics.events['Clicked'],
      undefined,
      'the event without consent was not stored',
    );
    assert.equal(await metricValue(first, 'no_consent'), 1);
    const page = await admin<EventsPage>(first, '/profiles/user/cy/events');
    assert.ok(page.body.events.every((e) => e.event.event !== 'Clicked'));
  } finally {
    await first.close({ keepData: true });
  }
  const second = await startTestServer({ settings, dataDir });
  try {
    // No preferences on the event: the stored choice decides, although the profile is not in memory yet.
    assert.equal((await post(second, '/v1/page', { userId: 'cy', name: 'Pricing' })).status, 200);
    assert.equal(
      (await post(second, '/v1/track', { userId: 'cy', event: 'Ad Clicked' })).status,
      200,
    );
    const profile = await profileOf(
      second,
      'user',
      'cy',
      (p) => p.metrics.events['Ad Clicked']?.total === 2,
    );
    assert.equal(profile.metrics.events['$page'], undefined);
    assert.equal(await metricValue(second, 'no_consent'), 1);
  } finally {
    await second.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('identity: anonymous history joins the user on identify, and a retried messageId is stored once across restarts', async () => {
  const first = await startTestServer();
  const dataDir = first.dataDir;
  try {
    await post(first, '/v1/batch', {
      batch: [
        { type: 'page', anonymousId: 'anon-7', name: 'Home', messageId: 'p-1' },
        { type: 'page', anonymousId: 'anon-7', name: 'Pricing', messageId: 'p-2' },
        {
          type: 'identify',
          anonymousId: 'anon-7',
          userId: 'dee',
          traits: { role: 'admin' },
          messageId: 'i-1',
        },
        { type: 'track', userId: 'dee', event: 'Project Created', messageId: 't-1' },
      ],
    });
    const profile = await profileOf(first, 'user', 'dee', (p) => p.metrics.eventCount === 4);
    assert.deepEqual(profile.anonymousIds, ['anon-7']);
    assert.equal(profile.traits['role'], 'admin');
    assert.equal(profile.metrics.events['$page']?.total, 2);
    const viaAnonymous = await admin<Summary>(first, '/profiles/anonymous/anon-7');
    assert.equal(viaAnonymous.body.userId, 'dee');
    const page = await admin<EventsPage>(first, '/profiles/user/dee/events');
    assert.deepEqual(page.body.events.map((e) => e.event.messageId).sort(), [
      'i-1',
      'p-1',
      'p-2',
      't-1',
    ]);
  } finally {
    await first.close({ keepData: true });
  }
  const second = await startTestServer({ dataDir });
  try {
    assert.equal(
      (
        await post(second, '/v1/track', {
          userId: 'dee',
          event: 'Project Created',
          messageId: 't-1',
        })
      ).status,
      200,
    );
    assert.equal(
      (
        await post(second, '/v1/track', {
          userId: 'dee',
          event: 'Project Created',
          messageId: 't-2',
        })
      ).status,
      200,
    );
    const profile = await profileOf(second, 'user', 'dee', (p) => p.metrics.eventCount >= 5);
    assert.equal(profile.metrics.eventCount, 5, 't-1 was a duplicate after the restart');
    assert.equal(await metricValue(second, 'duplicate'), 1);
  } finally {
    await second.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('sliding windows follow the injected clock, late events land in the right windows', async () => {
  const clock = createManualClock(Date.UTC(2026, 10, 23, 12));
  const server = await startTestServer({ clock });
  try {
    const at = (minutesAgo: number) => new Date(clock.now() - minutesAgo * 60_000).toISOString();
    await post(server, '/v1/batch', {
      batch: [
        { type: 'track', userId: 'eli', event: 'Task Done', timestamp: at(5) },
        { type: 'track', userId: 'eli', event: 'Task Done', timestamp: at(90) },
        { type: 'track', userId: 'eli', event: 'Task Done', timestamp: at(3 * 24 * 60) },
      ],
    });
    let profile = await profileOf(server, 'user', 'eli', (p) => p.metrics.eventCount === 3);
    assert.deepEqual(profile.metrics.events['Task Done']?.windows, {
      '1h': 1,
      '24h': 2,
      '7d': 3,
      '30d': 3,
    });
    clock.advance(2 * 60 * 60_000);
    profile = await profileOf(server, 'user', 'eli', () => true);
    assert.deepEqual(profile.metrics.events['Task Done']?.windows, {
      '1h': 0,
      '24h': 2,
      '7d': 3,
      '30d': 3,
    });
    clock.advance(5 * 24 * 60 * 60_000);
    profile = await profileOf(server, 'user', 'eli', () => true);
    assert.deepEqual(profile.metrics.events['Task Done']?.windows, {
      '1h': 0,
      '24h': 0,
      '7d': 2,
      '30d': 3,
    });
    clock.advance(2 * 24 * 60 * 60_000);
    profile = await profileOf(server, 'user', 'eli', () => true);
    assert.deepEqual(profile.metrics.events['Task Done']?.windows, {
      '1h': 0,
      '24h': 0,
      '7d': 0,
      '30d': 3,
    });
    assert.equal(profile.metrics.events['Task Done']?.total, 3);
  } finally {
    await server.close();
  }
});

test("a profile's event history follows aliases and leaves a shared device's events to its last user", async () => {
  const server = await startTestServer();
  try {
    await post(server, '/v1/batch', {
      batch: [
        { type: 'track', userId: 'old-id', event: 'Clicked', messageId: 'a-1' },
        { type: 'alias', userId: 'new-id', previousId: 'old-id', messageId: 'a-2' },
        { type: 'track', userId: 'old-id', event: 'Clicked', messageId: 'a-3' },
        { type: 'page', userId: 'fay', anonymousId: 'laptop', messageId: 'd-1' },
        { type: 'page', userId: 'gus', anonymousId: 'laptop', messageId: 'd-2' },
        { type: 'page', anonymousId: 'laptop', messageId: 'd-3' },
      ],
    });
    await profileOf(server, 'user', 'new-id', (p) => p.metrics.eventCount === 3);
    await profileOf(server, 'user', 'gus', (p) => p.metrics.eventCount === 2);
    const ids = async (userId: string) =>
      (await admin<EventsPage>(server, `/profiles/user/${userId}/events`)).body.events
        .map((e) => e.event.messageId)
        .sort();
    assert.deepEqual(
      await ids('new-id'),
      ['a-1', 'a-2', 'a-3'],
      'events sent under the old id are listed',
    );
    assert.deepEqual(await ids('fay'), ['d-1'], "the device's later events are not fay's");
    assert.deepEqual(await ids('gus'), ['d-2', 'd-3']);
  } finally {
    await server.close();
  }
});
