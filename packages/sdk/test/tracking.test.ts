import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOnramp, memoryStorage, type OnrampError, type OnrampOptions } from '../src/index.js';
import { SDK_VERSION } from '../src/environment.js';
import { startEngine, storedEvents, recordingFetch, type Engine } from './support/engine.js';
import { manualTimers } from './support/manual-timers.js';

// Tracking against the real engine: shapes, batching, events stored, 4xx, offline queue.

let engine: Engine;
before(async () => {
  engine = await startEngine();
});
after(async () => engine.stop());

function client(extra: Partial<OnrampOptions> = {}) {
  const timers = manualTimers();
  const recorder = recordingFetch();
  const errors: OnrampError[] = [];
  const onramp = createOnramp({
    writeKey: engine.writeKey,
    host: engine.url,
    storage: memoryStorage(),
    timers,
    fetch: recorder.fetch,
    onError: (error) => errors.push(error),
    ...extra,
  });
  return { onramp, timers, requests: recorder.requests, errors };
}

describe('tracking', () => {
  it('sends Segment-shaped messages to /v1/batch, and the engine stores them', async () => {
    const { onramp, requests } = client({ now: () => Date.UTC(2026, 0, 2, 3, 4, 5) });
    onramp.track('Project Created', { template: 'kanban' });
    onramp.identify('ada', { name: 'Ada' }, { token: engine.token('ada') });
    onramp.page('Home', { section: 'top' });
    onramp.group('acme', { plan: 'team' });
    await onramp.flush();

    assert.equal(requests.length, 1);
    assert.equal(requests[0]?.url, `${engine.url}/v1/batch`);
    const body = JSON.parse(requests[0]?.body ?? '') as { batch: Record<string, unknown>[] };
    assert.equal(body.batch.length, 4);
    const [track, identify, page, group] = body.batch;
    assert.equal(track?.['type'], 'track');
    assert.equal(track?.['event'], 'Project Created');
    assert.deepEqual(track?.['properties'], { template: 'kanban' });
    assert.equal(track?.['anonymousId'], onramp.anonymousId);
    assert.equal(track?.['userId'], undefined, 'not identified yet');
    assert.equal(track?.['timestamp'], '2026-01-02T03:04:05.000Z');
    assert.equal(track?.['sentAt'], '2026-01-02T03:04:05.000Z');
    assert.match(String(track?.['messageId']), /^[0-9a-f-]{36}$/);
    assert.deepEqual((track?.['context'] as Record<string, unknown>)['library'], {
      name: '@onramp/sdk',
      version: SDK_VERSION,
    });
    assert.equal(identify?.['userId'], 'ada');
    assert.deepEqual(identify?.['traits'], { name: 'Ada' });
    assert.equal(page?.['name'], 'Home');
    assert.equal(group?.['groupId'], 'acme');

    const stored = await storedEvents(engine, 'user', 'ada');
    assert.deepEqual(stored.map((event) => event['type']).sort(), [
      'group',
      'identify',
      'page',
      'track',
    ]);
    assert.deepEqual(
      stored.map((event) => event['messageId']).sort(),
      body.batch.map((message) => message['messageId']).sort(),
    );
    await onramp.close();
  });

  it('sends when flushAt events are queued, else when the interval timer fires', async () => {
    const { onramp, timers, requests } = client({ flushAt: 3, flushIntervalMs: 5000 });
    onramp.track('A');
    onramp.track('B');
    assert.deepEqual(timers.pending(), [5000], 'the interval timer is armed');
    assert.equal(requests.length, 0);
    onramp.track('C');
    assert.equal(requests.length, 1, 'flushAt reached: sent at once');
    await onramp.flush();
    onramp.track('D');
    assert.equal(requests.length, 1);
    assert.equal(timers.fireAll(), 1);
    await onramp.flush();
    assert.equal(requests.length, 2);
    const batches = requests.map(
      (r) => (JSON.parse(r.body ?? '') as { batch: { event: string }[] }).batch,
    );
    assert.deepEqual(
      batches.map((batch) => batch.map((m) => m.event)),
      [['A', 'B', 'C'], ['D']],
    );
    const stored = await storedEvents(engine, 'anonymous', onramp.anonymousId);
    assert.deepEqual(stored.map((event) => event['event']).sort(), ['A', 'B', 'C', 'D']);
    await onramp.close();
  });

  it('drops a batch refused with a 4xx, reports it once, and does not retry', async () => {
    const { onramp, timers, requests, errors } = client({ writeKey: 'wk_not_a_key' });
    onramp.track('Lost');
    await onramp.flush();
    assert.equal(requests.length, 1);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.status, 401);
    assert.equal(errors[0]?.code, 'ONR_UNAUTHORIZED');
    assert.equal(errors[0]?.messageIds?.length, 1);
    assert.deepEqual(timers.pending(), [], 'no retry is scheduled');
    await onramp.flush();
    assert.equal(requests.length, 1, 'nothing left to send');
    await onramp.close();
  });

  it('keeps the queue, the anonymousId and the user in storage across a reload', async () => {
    const storage = memoryStorage();
    const first = client({ storage, flushIntervalMs: 60_000 });
    first.onramp.identify('grace', {}, { token: engine.token('grace') });
    first.onramp.track('Before Reload');
    const anonymousId = first.onramp.anonymousId;
    // The page goes away without a flush: its timers die with it.
    await Promise.resolve();

    const second = client({ storage });
    assert.equal(second.onramp.anonymousId, anonymousId);
    assert.equal(second.onramp.userId, 'grace');
    await second.onramp.flush();
    assert.equal(second.requests.length, 1);
    const stored = await storedEvents(engine, 'user', 'grace');
    assert.deepEqual(stored.map((event) => event['event'] ?? event['type']).sort(), [
      'Before Reload',
      'identify',
    ]);
    assert.equal(storage.getItem(`onramp:${engine.writeKey}:queue`), null, 'sent: queue emptied');
    await second.onramp.close();
  });

  it('creates a new anonymousId on reset and forgets the user', async () => {
    const storage = memoryStorage();
    const { onramp } = client({ storage, userId: 'lin', userToken: engine.token('lin') });
    const before = onramp.anonymousId;
    assert.equal(onramp.userId, 'lin');
    onramp.reset();
    assert.notEqual(onramp.anonymousId, before);
    assert.equal(onramp.userId, null);
    const reloaded = client({ storage });
    assert.equal(reloaded.onramp.anonymousId, onramp.anonymousId);
    assert.equal(reloaded.onramp.userId, null);
    await onramp.close();
    await reloaded.onramp.close();
  });

  it('sends interaction events with the decision track as properties', async () => {
    const { onramp } = client({ userId: 'kim', userToken: engine.token('kim') });
    const { decisions } = await onramp.decide(['banner']);
    const banner = decisions['banner'];
    assert.ok(banner?.track);
    onramp.interaction('shown', banner);
    onramp.interaction('dismissed', banner);
    await onramp.flush();
    const stored = await storedEvents(engine, 'user', 'kim');
    assert.deepEqual(stored.map((event) => event['event']).sort(), [
      'Content Dismissed',
      'Content Shown',
    ]);
    assert.deepEqual(stored[0]?.['properties'], { placement: 'banner', content: 'welcome' });
    const after = await onramp.decide(['banner']);
    assert.equal(after.decisions['banner']?.content, null, 'dismissed default is hidden');
    await onramp.close();
  });
});
