import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOnramp, memoryStorage, OnrampError, type OnrampOptions } from '../src/index.js';
import { recordingFetch, startEngine, type Engine } from './support/engine.js';

// decide against the real engine: identities, tokens, typed errors.

let engine: Engine;
before(async () => {
  engine = await startEngine();
});
after(async () => engine.stop());

function client(extra: Partial<OnrampOptions> = {}) {
  const recorder = recordingFetch();
  const onramp = createOnramp({
    writeKey: engine.writeKey,
    host: engine.url,
    storage: memoryStorage(),
    fetch: recorder.fetch,
    ...extra,
  });
  return { onramp, requests: recorder.requests };
}

async function rejection(promise: Promise<unknown>): Promise<OnrampError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof OnrampError, `an OnrampError, not ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

describe('decide', () => {
  it('decides for a user identified with a token, in a text/plain body with the credentials', async () => {
    const { onramp, requests } = client();
    onramp.identify('ada', { name: 'Ada' }, { token: engine.token('ada') });
    await onramp.flush();
    await engine.settle();
    const result = await onramp.decide(['banner', 'sidebar'], { flows: true });
    assert.equal(result.userId, 'ada');
    assert.equal(result.personalized, true);
    assert.deepEqual(result.decisions['banner']?.content?.fields, { title: 'Welcome, Ada' });
    assert.deepEqual(result.decisions['banner']?.reason, { type: 'default' });
    assert.equal(result.decisions['sidebar']?.content, null);
    const request = requests.find((r) => r.url.endsWith('/client/v1/decide'));
    assert.deepEqual(JSON.parse(request?.body ?? ''), {
      writeKey: engine.writeKey,
      userId: 'ada',
      token: engine.token('ada'),
      placements: ['banner', 'sidebar'],
      flows: true,
    });
    await onramp.close();
  });

  it('decides for an anonymous visitor, then switches to the userId once identified', async () => {
    const { onramp } = client();
    onramp.track('Visited');
    await onramp.flush();
    await engine.settle();
    const anonymous = await onramp.decide(['banner']);
    assert.equal(anonymous.userId, undefined);
    assert.equal(anonymous.decisions['banner']?.content?.id, 'welcome');

    // The engine now links this visitor to a user: the anonymousId alone gets 403.
    onramp.identify('grace', { name: 'Grace' }, { token: engine.token('grace') });
    await onramp.flush();
    await engine.settle();
    const raw = await fetch(`${engine.url}/client/v1/decide`, {
      method: 'POST',
      body: JSON.stringify({ writeKey: engine.writeKey, anonymousId: onramp.anonymousId }),
    });
    assert.equal(raw.status, 403, 'the anonymousId is refused once identified');
    const identified = await onramp.decide(['banner']);
    assert.equal(identified.userId, 'grace');
    assert.equal(identified.decisions['banner']?.content?.fields['title'], 'Welcome, Grace');
    await onramp.close();
  });

  it('surfaces the anonymousId 403 as a typed error', async () => {
    const storage = memoryStorage();
    const { onramp } = client({ storage });
    const anonymousId = onramp.anonymousId;
    onramp.identify('hopper', {}, { token: engine.token('hopper') });
    await onramp.flush();
    await engine.settle();
    // Another tab that still believes the visitor is anonymous (same anonymousId, no user).
    storage.removeItem(`onramp:${engine.writeKey}:user`);
    const stale = client({ storage }).onramp;
    assert.equal(stale.anonymousId, anonymousId);
    const error = await rejection(stale.decide(['banner']));
    assert.equal(error.status, 403);
    assert.equal(error.code, 'ONR_FORBIDDEN');
    assert.deepEqual(error.errors, [
      { field: 'body.anonymousId', message: 'belongs to an identified user' },
    ]);
    await Promise.all([onramp.close(), stale.close()]);
  });

  it('rejects an unknown placement with an OnrampError naming the field', async () => {
    const { onramp } = client({ userId: 'kim', userToken: engine.token('kim') });
    const error = await rejection(onramp.decide(['banner', 'nope']));
    assert.equal(error.status, 400);
    assert.equal(error.code, 'ONR_VALIDATION');
    assert.deepEqual(error.errors, [
      { field: 'body.placements.1', message: 'unknown placement "nope"' },
    ]);
    await onramp.close();
  });

  it('rejects a token signed for another user (403), a missing token locally, and a dead host', async () => {
    const wrong = client({ userId: 'kim', userToken: engine.token('ada') }).onramp;
    const forbidden = await rejection(wrong.decide(['banner']));
    assert.equal(forbidden.status, 403);
    assert.deepEqual(forbidden.errors, [{ field: 'body.token', message: 'does not match userId' }]);

    const tokenless = client({ userId: 'kim' }).onramp;
    const missing = await rejection(tokenless.decide(['banner']));
    assert.equal(missing.code, 'ONR_SDK_NO_TOKEN');
    assert.equal(missing.status, 0);

    const dead = client({ host: 'http://127.0.0.1:9' }).onramp;
    const network = await rejection(dead.decide());
    assert.equal(network.code, 'ONR_NETWORK');
    await Promise.all([wrong.close(), tokenless.close(), dead.close()]);
  });

  it('refuses a bad context before sending: a cycle, and strips __proto__ keys', async () => {
    const { onramp, requests } = client({ userId: 'kim', userToken: engine.token('kim') });
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const error = await rejection(onramp.decide(['banner'], { context: cyclic as never }));
    assert.equal(error.code, 'ONR_SDK_INVALID');
    assert.equal(error.errors[0]?.field, 'context');
    assert.equal(requests.length, 0);
    const context = JSON.parse('{"plan":"team","__proto__":{"polluted":true}}') as never;
    const result = await onramp.decide(['banner'], { context });
    assert.equal(result.decisions['banner']?.content?.id, 'welcome');
    assert.deepEqual(JSON.parse(requests[0]?.body ?? '').context, { plan: 'team' });
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    await onramp.close();
  });
});
