import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOnramp, memoryStorage, type OnrampError, type JsonObject } from '../src/index.js';
import { recordingFetch, startEngine, storedEvents, type Engine } from './support/engine.js';
import { manualTimers } from './support/manual-timers.js';

// Bad input to every tracking call: reported through onError, never thrown, never sent.

let engine: Engine;
before(async () => {
  engine = await startEngine();
});
after(async () => engine.stop());

function client() {
  const errors: OnrampError[] = [];
  const recorder = recordingFetch();
  const onramp = createOnramp({
    writeKey: engine.writeKey,
    host: engine.url,
    storage: memoryStorage(),
    timers: manualTimers(),
    fetch: recorder.fetch,
    onError: (error) => errors.push(error),
  });
  return { onramp, errors, requests: recorder.requests };
}

/** Calls the SDK the way untyped JavaScript can. */
const loose = <T>(value: unknown) => value as T;

describe('bad input', () => {
  it('reports calls without their required names and queues nothing', async () => {
    const { onramp, errors, requests } = client();
    onramp.track(loose<string>(undefined));
    onramp.track('');
    onramp.track(loose<string>(42));
    onramp.group('');
    onramp.alias(loose<string>(null));
    onramp.page(loose<string>(7));
    onramp.identify(loose<string>(''), {});
    onramp.interaction(
      loose<'shown'>('__proto__'),
      loose({ track: { placement: 'x', content: 'y' } }),
    );
    onramp.interaction(
      'shown',
      loose({ placement: 'banner', content: null, reason: { type: 'none' } }),
    );
    await onramp.flush();
    assert.equal(requests.length, 0);
    assert.deepEqual(
      errors.map((error) => [error.code, error.errors[0]?.field]),
      [
        ['ONR_SDK_INVALID', 'event'],
        ['ONR_SDK_INVALID', 'event'],
        ['ONR_SDK_INVALID', 'event'],
        ['ONR_SDK_INVALID', 'groupId'],
        ['ONR_SDK_INVALID', 'userId'],
        ['ONR_SDK_INVALID', 'name'],
        ['ONR_SDK_INVALID', 'userId'],
        ['ONR_SDK_INVALID', 'kind'],
        ['ONR_SDK_INVALID', 'decision.track'],
      ],
    );
    await onramp.close();
  });

  it('reports properties that are not JSON: cycles, BigInts, arrays, strings', async () => {
    const { onramp, errors, requests } = client();
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    onramp.track('Cycle', loose<JsonObject>(cyclic));
    onramp.track('Big', loose<JsonObject>({ count: 10n }));
    onramp.identify(null, loose<JsonObject>(['a']));
    onramp.track('Text', loose<JsonObject>('text'));
    onramp.track('Bad Time', {}, { timestamp: 'not a date' });
    onramp.track('Long Id', {}, { messageId: 'x'.repeat(101) });
    onramp.track('Huge', { blob: 'x'.repeat(40_000) });
    await onramp.flush();
    assert.equal(requests.length, 0);
    assert.deepEqual(
      errors.map((error) => error.errors[0]?.field),
      [
        'properties',
        'properties',
        'traits',
        'properties',
        'options.timestamp',
        'options.messageId',
        'track',
      ],
    );
    assert.match(errors[0]?.message ?? '', /not JSON-serializable/);
    await onramp.close();
  });

  it('drops __proto__ keys from traits: nothing is polluted and the engine stores the rest', async () => {
    const { onramp, errors } = client();
    const traits = JSON.parse(
      '{"plan":"team","__proto__":{"isAdmin":true},"nested":{"__proto__":{"x":1},"ok":1},' +
        '"constructor":{"prototype":{"y":2}}}',
    ) as JsonObject;
    onramp.identify('proto-user', traits, { token: engine.token('proto-user') });
    onramp.track('Proto', {
      a: { __proto__: { polluted: true } } as never,
      fn: loose<JsonObject>(() => 1),
    });
    await onramp.flush();
    assert.deepEqual(errors, []);
    assert.equal(({} as Record<string, unknown>)['isAdmin'], undefined);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(({} as Record<string, unknown>)['y'], undefined);
    const stored = await storedEvents(engine, 'user', 'proto-user');
    const identify = stored.find((event) => event['type'] === 'identify');
    assert.deepEqual(identify?.['traits'], { plan: 'team', nested: { ok: 1 } });
    const track = stored.find((event) => event['type'] === 'track');
    assert.deepEqual(track?.['properties'], { a: {} });
    await onramp.close();
  });

  it('refuses options that name no engine', () => {
    assert.throws(() => createOnramp(loose({ host: 'http://x' })), /writeKey/);
    assert.throws(() => createOnramp({ writeKey: 'wk', host: 'localhost:4000' }), /host/);
  });

  it('ignores storage written by someone else', async () => {
    const storage = memoryStorage();
    storage.setItem(`onramp:${engine.writeKey}:queue`, '{not json');
    storage.setItem(`onramp:${engine.writeKey}:user`, '{"userId":5}');
    storage.setItem(
      `onramp:${engine.writeKey}:consent`,
      '{"__proto__":{"x":true},"Analytics":"yes","Ads":true}',
    );
    const onramp = createOnramp({ writeKey: engine.writeKey, host: engine.url, storage });
    assert.equal(onramp.userId, null);
    assert.deepEqual(onramp.getConsent(), { Ads: true });
    await onramp.flush();
    await onramp.close();
  });
});
