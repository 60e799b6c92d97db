import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createOnramp,
  flagValue,
  memoryStorage,
  type DecisionUpdate,
  type OnrampOptions,
} from '../src/index.js';
import {
  eventually,
  recordingFetch,
  startEngine,
  testConfig,
  type Engine,
} from './support/engine.js';

// Flags through decide and the decision stream, against the real engine.

const flags = [
  {
    key: 'welcome-copy',
    type: 'string',
    variants: { standard: 'Welcome!', pro: 'Welcome back!' },
    defaultVariant: 'standard',
    rules: [{ when: { 'traits.plan': 'pro' }, variant: 'pro' }],
  },
  {
    key: 'max-projects',
    type: 'number',
    variants: { few: 3, many: 50 },
    defaultVariant: 'few',
    rules: [{ when: { 'traits.plan': 'pro' }, variant: 'many' }],
  },
  {
    key: 'new-checkout',
    type: 'boolean',
    variants: { on: true, off: false },
    defaultVariant: 'off',
    rules: [{ rollout: [{ variant: 'on', weight: 20 }] }],
  },
];

let engine: Engine;
before(async () => {
  engine = await startEngine({ config: { ...testConfig, flags } });
});
after(async () => engine.stop());

function client(userId: string, extra: Partial<OnrampOptions> = {}) {
  const recorder = recordingFetch();
  const onramp = createOnramp({
    writeKey: engine.writeKey,
    host: engine.url,
    storage: memoryStorage(),
    fetch: recorder.fetch,
    userId,
    userToken: engine.token(userId),
    flushIntervalMs: 10,
    ...extra,
  });
  const streamUrls = () =>
    recorder.requests.filter((r) => r.url.includes('/decisions/stream')).map((r) => r.url);
  return { onramp, requests: recorder.requests, streamUrls };
}

describe('flags', () => {
  it('decide({ flags }) answers the flags asked for', async () => {
    const { onramp, requests } = client('user-2');
    const result = await onramp.decide(['banner'], { flags: ['new-checkout', 'max-projects'] });
    assert.deepEqual(JSON.parse(requests[0]?.body ?? '{}').flags, ['new-checkout', 'max-projects']);
    assert.deepEqual(result.flags, {
      'new-checkout': { value: true, variant: 'on', reason: 'SPLIT' },
      'max-projects': { value: 3, variant: 'few', reason: 'DEFAULT' },
    });
    const all = await onramp.decide([], { flags: true });
    assert.deepEqual(
      Object.keys(all.flags ?? {}),
      flags.map((flag) => flag.key),
    );
    const none = await onramp.decide([]);
    assert.equal(none.flags, undefined);
    await assert.rejects(onramp.decide([], { flags: ['nope'] }), {
      status: 400,
      code: 'ONR_VALIDATION',
    });
    await onramp.close();
  });

  it('getFlag follows the stream: default first, then the value, then the pushed change', async () => {
    const { onramp, streamUrls } = client('ada');
    assert.equal(onramp.getFlag('welcome-copy', 'Hi'), 'Hi', 'nothing streamed yet');
    const updates: DecisionUpdate[] = [];
    const unsubscribe = onramp.subscribe((update) => updates.push(update), {
      placements: ['banner'],
      flags: ['welcome-copy', 'max-projects'],
    });
    await eventually(() => updates[0], 5000, 'the first update');
    assert.match(streamUrls()[0] ?? '', /[?&]flags=max-projects%2Cwelcome-copy(&|$)/);
    assert.deepEqual(updates[0]?.changedFlags.sort(), ['max-projects', 'welcome-copy']);
    assert.equal(onramp.getFlag('welcome-copy', 'Hi'), 'Welcome!');
    assert.equal(onramp.getFlag('max-projects', 0), 3);
    assert.equal(onramp.getFlag('max-projects', 'many'), 'many', 'another type: the default');
    assert.equal(onramp.getFlag('new-checkout', false), false, 'not streamed: the default');
    assert.equal(onramp.getFlag('constructor', 7), 7, 'no prototype entries');
    assert.equal(onramp.getFlags()['max-projects']?.variant, 'few');

    onramp.identify('ada', { plan: 'pro' });
    const pushed = await eventually(
      () => updates.find((update) => update.changedFlags.length > 0 && !update.full),
      5000,
      'the pushed flag change',
    );
    assert.deepEqual(pushed.changedFlags.sort(), ['max-projects', 'welcome-copy']);
    assert.deepEqual(pushed.changed, []);
    assert.equal(onramp.getFlag('welcome-copy', 'Hi'), 'Welcome back!');
    assert.equal(onramp.getFlag('max-projects', 0), 50);
    unsubscribe();
    await onramp.close();
  });

  it('one stream carries the union of what subscribers ask for; true means all', async () => {
    const { onramp, streamUrls } = client('bo');
    const first = onramp.subscribe(() => {}, { flags: ['max-projects'] });
    const second = onramp.subscribe(() => {}, { flags: ['welcome-copy', 'max-projects'] });
    await eventually(() => (streamUrls().length >= 2 ? true : undefined), 5000, 'reconnect');
    assert.match(streamUrls().at(-1) ?? '', /flags=max-projects%2Cwelcome-copy/);
    const third = onramp.subscribe(() => {}, { flags: true });
    await eventually(() => (streamUrls().length >= 3 ? true : undefined), 5000, 'reconnect');
    assert.match(streamUrls().at(-1) ?? '', /flags=all/);
    await eventually(() => (onramp.getFlags()['new-checkout'] ? true : undefined));
    for (const unsubscribe of [first, second, third]) unsubscribe();
    await onramp.close();
  });

  it('flagValue: the default when missing, failed or of another type', () => {
    const ok = { value: 3, reason: 'DEFAULT' } as const;
    assert.equal(flagValue(ok, 0), 3);
    assert.equal(flagValue(undefined, 0), 0);
    assert.equal(flagValue({ value: null, reason: 'ERROR', errorCode: 'GENERAL' }, 0), 0);
    assert.equal(flagValue(ok, 'x'), 'x');
    assert.deepEqual(flagValue({ value: [1], reason: 'STATIC' }, { a: 1 }), { a: 1 });
    assert.deepEqual(flagValue({ value: { a: 2 }, reason: 'STATIC' }, { a: 1 }), { a: 2 });
    assert.equal(flagValue(ok, null), 3, 'a null default takes any value');
  });
});
