import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOnramp, memoryStorage, type OnrampOptions } from '../src/index.js';
import { recordingFetch, startEngine, storedEvents, type Engine } from './support/engine.js';
import { manualTimers } from './support/manual-timers.js';

// Consent: events wait for (or are dropped without) their category's answer.

let engine: Engine;
before(async () => {
  engine = await startEngine();
});
after(async () => engine.stop());

function client(userId: string, extra: Partial<OnrampOptions> = {}) {
  const recorder = recordingFetch();
  const onramp = createOnramp({
    writeKey: engine.writeKey,
    host: engine.url,
    storage: memoryStorage(),
    timers: manualTimers(),
    fetch: recorder.fetch,
    userId,
    userToken: engine.token(userId),
    consent: { defaultCategories: ['Analytics'] },
    ...extra,
  });
  return { onramp, requests: recorder.requests };
}

const names = (events: Record<string, unknown>[]) =>
  events.map((event) => event['event'] ?? event['type']).sort();

describe('consent', () => {
  it('holds events until consent is given, then sends them with the preferences', async () => {
    const { onramp, requests } = client('c-hold');
    onramp.track('Held');
    onramp.track('Ad Clicked', {}, { categories: ['Advertising'] });
    await onramp.flush();
    assert.equal(requests.length, 0, 'nothing is sent before consent');
    onramp.setConsent({ Analytics: true });
    await onramp.flush();
    assert.deepEqual(onramp.getConsent(), { Analytics: true });
    const stored = await storedEvents(engine, 'user', 'c-hold');
    assert.deepEqual(names(stored), ['Held', 'Segment Consent Preference Updated']);
    for (const event of stored) {
      assert.deepEqual((event['context'] as Record<string, unknown>)['consent'], {
        categoryPreferences: { Analytics: true },
      });
    }
    const profile = await engine.admin('/admin/v1/profiles/user/c-hold');
    assert.deepEqual((profile.body['consent'] as Record<string, unknown>)['categories'], {
      Analytics: true,
    });
    // Advertising is still unknown: that event is still held.
    onramp.setConsent({ Advertising: false });
    await onramp.flush();
    assert.deepEqual(names(await storedEvents(engine, 'user', 'c-hold')), [
      'Held',
      'Segment Consent Preference Updated',
      'Segment Consent Preference Updated',
    ]);
    await onramp.close();
  });

  it('drops held events once consent is refused, and later events of that category', async () => {
    const { onramp } = client('c-refuse');
    onramp.track('Held Then Refused');
    onramp.setConsent({ Analytics: false });
    onramp.track('Refused At Once');
    onramp.track('Needs Nothing', {}, { categories: [] });
    await onramp.flush();
    assert.deepEqual(names(await storedEvents(engine, 'user', 'c-refuse')), [
      'Needs Nothing',
      'Segment Consent Preference Updated',
    ]);
    await onramp.close();
  });

  it('drops events of unknown consent in drop mode, and sends them in send mode', async () => {
    const dropping = client('c-drop', {
      consent: { defaultCategories: ['Analytics'], whenUnknown: 'drop' },
    });
    dropping.onramp.track('Dropped');
    dropping.onramp.setConsent({ Analytics: true });
    dropping.onramp.track('Kept');
    await dropping.onramp.flush();
    assert.deepEqual(names(await storedEvents(engine, 'user', 'c-drop')), [
      'Kept',
      'Segment Consent Preference Updated',
    ]);
    const sending = client('c-send', {
      consent: { defaultCategories: ['Analytics'], whenUnknown: 'send' },
    });
    sending.onramp.track('Sent Unknown');
    await sending.onramp.flush();
    assert.deepEqual(names(await storedEvents(engine, 'user', 'c-send')), ['Sent Unknown']);
    await dropping.onramp.close();
    await sending.onramp.close();
  });

  it('keeps answers in storage, and held events across a reload', async () => {
    const storage = memoryStorage();
    const first = client('c-reload', { storage });
    first.onramp.track('Held Across Reload');
    await Promise.resolve();
    const second = client('c-reload', { storage });
    second.onramp.setConsent({ Analytics: true });
    await second.onramp.flush();
    const third = client('c-reload', { storage });
    assert.deepEqual(third.onramp.getConsent(), { Analytics: true });
    assert.deepEqual(names(await storedEvents(engine, 'user', 'c-reload')), [
      'Held Across Reload',
      'Segment Consent Preference Updated',
    ]);
    await Promise.all([first, second, third].map(({ onramp }) => onramp.close()));
  });

  it('passes the answers to decide as context.consent', async () => {
    const recorder = recordingFetch();
    const probe = createOnramp({
      writeKey: engine.writeKey,
      host: engine.url,
      storage: memoryStorage(),
      fetch: recorder.fetch,
      userId: 'c-decide',
      userToken: engine.token('c-decide'),
      consent: { preferences: { personalization: false } },
    });
    await probe.decide(['banner']);
    const body = JSON.parse(recorder.requests[0]?.body ?? '') as Record<string, unknown>;
    assert.deepEqual(body['context'], {
      consent: { categoryPreferences: { personalization: false } },
    });
    await probe.close();
  });
});
