import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createOnramp,
  memoryStorage,
  type DecisionUpdate,
  type OnrampError,
  type OnrampOptions,
} from '../src/index.js';
import {
  eventually,
  freePort,
  recordingFetch,
  startEngine,
  type Engine,
} from './support/engine.js';

// The decision stream over fetch against the real engine: merges, resume, identity changes.

let engine: Engine;
let port: number;
before(async () => {
  port = await freePort();
  engine = await startEngine({ port });
});
after(async () => engine.stop());

function client(extra: Partial<OnrampOptions> = {}) {
  const recorder = recordingFetch();
  const errors: OnrampError[] = [];
  const updates: DecisionUpdate[] = [];
  const onramp = createOnramp({
    writeKey: engine.writeKey,
    host: engine.url,
    storage: memoryStorage(),
    fetch: recorder.fetch,
    flushIntervalMs: 10,
    retry: { minDelayMs: 50, maxDelayMs: 200 },
    onError: (error) => errors.push(error),
    ...extra,
  });
  const streamRequests = () => recorder.requests.filter((r) => r.url.includes('/decisions/stream'));
  return { onramp, errors, updates, streamRequests, push: (u: DecisionUpdate) => updates.push(u) };
}

/** Waits for the nth update (1-based). */
const nth = (updates: DecisionUpdate[], n: number) =>
  eventually(() => updates[n - 1], 5000, `update ${n}`);

async function connections(): Promise<number> {
  const text = await (await fetch(`${engine.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('onramp_decision_connections{transport="sse"}'));
  return Number(line?.split(' ')[1] ?? 0);
}

describe('subscribe', () => {
  it('gets the full state first, then merges a pushed change after an event', async () => {
    const { onramp, updates, push } = client({ userId: 'ada', userToken: engine.token('ada') });
    const unsubscribe = onramp.subscribe(push, { placements: ['banner', 'sidebar'] });
    const first = await nth(updates, 1);
    assert.equal(first.full, true);
    assert.deepEqual(first.changed.sort(), ['banner', 'sidebar']);
    assert.equal(first.decisions['banner']?.content?.id, 'welcome');
    assert.equal(first.decisions['sidebar']?.content, null);
    assert.match(first.id, /^\d+\.\d+\.[0-9a-f]{12}$/);
    assert.equal(onramp.getDecisions(), first.decisions);

    onramp.track('Limit Reached');
    const second = await nth(updates, 2);
    assert.equal(second.full, false);
    assert.deepEqual(second.changed, ['sidebar']);
    assert.equal(second.decisions['sidebar']?.content?.id, 'upgrade');
    assert.equal(second.decisions['banner'], first.decisions['banner'], 'the rest is kept');
    assert.ok(Object.isFrozen(second.decisions));

    // A second subscriber joins the open stream and gets the current state at once.
    const late: DecisionUpdate[] = [];
    const unsubscribeLate = onramp.subscribe((u) => late.push(u), { placements: ['banner'] });
    const joined = await nth(late, 1);
    assert.equal(joined.decisions['sidebar']?.content?.id, 'upgrade');
    unsubscribeLate();
    unsubscribe();
    await eventually(async () => ((await connections()) === 0 ? true : undefined), 5000, 'closed');
    await onramp.close();
  });

  it('reconnects after the engine restarts and resumes with lastEventId', async () => {
    const { onramp, updates, push, streamRequests } = client({
      userId: 'grace',
      userToken: engine.token('grace'),
    });
    onramp.subscribe(push, { placements: ['banner', 'sidebar'] });
    const first = await nth(updates, 1);
    const { dataDir } = engine;
    await engine.stop({ keepData: true });
    engine = await startEngine({ port, dataDir });
    // Reconnected: resumed from the last id, the state had not changed, so nothing is resent.
    await eventually(
      () =>
        streamRequests().some((r) => r.url.includes(`lastEventId=${encodeURIComponent(first.id)}`))
          ? true
          : undefined,
      8000,
      'a resumed connection',
    );
    await eventually(
      async () => ((await connections()) === 1 ? true : undefined),
      5000,
      'reconnected',
    );
    onramp.track('Limit Reached');
    const change = await nth(updates, 2);
    assert.equal(change.full, false, 'resumed: the next message is a change, not a full state');
    assert.deepEqual(change.changed, ['sidebar']);
    assert.equal(change.decisions['banner']?.content?.id, 'welcome');
    await onramp.close();
    await eventually(async () => ((await connections()) === 0 ? true : undefined), 5000, 'closed');
  });

  it('reopens for the new identity on identify, and closes the user stream on reset', async () => {
    const { onramp, updates, push, streamRequests } = client();
    onramp.subscribe(push);
    const anonymous = await nth(updates, 1);
    assert.equal(anonymous.decisions['banner']?.content?.id, 'welcome');
    assert.ok(streamRequests()[0]?.url.includes(`anonymousId=${onramp.anonymousId}`));

    onramp.identify('lin', { name: 'Lin' }, { token: engine.token('lin') });
    await eventually(
      () =>
        updates.at(-1)?.decisions['banner']?.content?.fields['title'] === 'Welcome, Lin'
          ? true
          : undefined,
      5000,
      "Lin's banner",
    );
    const userRequest = streamRequests().at(-1)?.url ?? '';
    assert.ok(userRequest.includes('userId=lin') && !userRequest.includes('anonymousId'));
    assert.ok(!userRequest.includes('lastEventId'), 'a new identity does not resume the old one');

    const count = updates.length;
    onramp.reset();
    const cleared = await nth(updates, count + 1);
    assert.deepEqual(cleared.decisions, {}, "the old user's decisions are gone at once");
    const fresh = await nth(updates, count + 2);
    assert.equal(fresh.decisions['banner']?.content?.fields['title'], 'Welcome, there');
    assert.ok(streamRequests().at(-1)?.url.includes(`anonymousId=${onramp.anonymousId}`));
    await eventually(
      async () => ((await connections()) === 1 ? true : undefined),
      5000,
      'one stream',
    );
    await onramp.close();
  });

  it('reports a refused stream and does not retry it', async () => {
    const { onramp, errors, streamRequests } = client({
      userId: 'kim',
      userToken: engine.token('ada'),
    });
    onramp.subscribe(() => assert.fail('no update'), { placements: ['banner'] });
    const error = await eventually(() => errors[0], 5000, 'the error');
    assert.equal(error.status, 403);
    assert.deepEqual(error.errors, [
      { field: 'querystring.token', message: 'does not match userId' },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(streamRequests().length, 1);

    const unknown = client({ userId: 'kim', userToken: engine.token('kim') });
    unknown.onramp.subscribe(() => assert.fail('no update'), { placements: ['nope'] });
    const invalid = await eventually(() => unknown.errors[0], 5000, 'the error');
    assert.equal(invalid.code, 'ONR_VALIDATION');
    assert.equal(invalid.errors[0]?.field, 'querystring.placements.0');
    await Promise.all([onramp.close(), unknown.onramp.close()]);
  });
});
