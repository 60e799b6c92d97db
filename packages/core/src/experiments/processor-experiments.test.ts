import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from '../decide/decide.js';
import type { OnrampEvent } from '../events/event.js';
import { createMemoryEventLog } from '../log/memory-event-log.js';
import { createMemoryProfileStore } from '../profiles/memory-profile-store.js';
import type { ProfileStore } from '../profiles/profile-store.js';
import { Processor } from '../processing/processor.js';
import type { CompiledRuleSet } from '../rules/rule.js';
import { createManualClock } from '../time/clock.js';
import { bannerExperiment, compileWithExperiments } from './experiment-fixtures.js';
import { experimentResults } from './experiment-results.js';

// Experiments through the processor, on the real in-memory log and store: exposure only
// when shown, attribution windows, totals committed with the profiles, stickiness
// across a restart and the anonymous → known merge, and replays that never double count.

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 24, 9);

function setup(rules: CompiledRuleSet = compileWithExperiments([bannerExperiment()])) {
  const clock = createManualClock(T0);
  const log = createMemoryEventLog({ partitions: 1, dedupWindowMs: DAY, clock });
  const store = createMemoryProfileStore();
  let ids = 0;
  let serial = 0;
  const start = async (config = rules) => {
    const processor = new Processor({
      log,
      store,
      clock,
      planOf: () => config.profilePlan,
      rulesOf: () => config,
      newProfileId: () => `p${ids++}`,
    });
    await processor.start();
    await processor.catchUp();
    return processor;
  };
  const append = async (fields: Partial<OnrampEvent>) => {
    const now = clock.now();
    const event = { type: 'track', messageId: `m${serial++}`, timestamp: now, receivedAt: now };
    await log.append([{ workspaceId: 'ws', event: { ...event, ...fields } as OnrampEvent }]);
  };
  return { clock, store, start, append };
}

const shown = (experiment: string, variant: string) => ({
  event: 'Content Shown',
  properties: { placement: 'banner', content: 'welcome', experiment, variant },
});

async function totals(store: ProfileStore, rules: CompiledRuleSet) {
  const experiment = rules.experiments.byId.get('welcome-test');
  assert.ok(experiment);
  const results = experimentResults(experiment, await store.experimentTotals('ws', 'welcome-test'));
  return Object.fromEntries(
    results.variants.map((v) => [
      v.id,
      [v.users, Object.fromEntries(Object.entries(v.metrics).map(([id, m]) => [id, m.sum]))],
    ]),
  );
}

describe('experiments in the processor', () => {
  it('exposes only on shown variants and counts events after exposure, within the window', async () => {
    const rules = compileWithExperiments([bannerExperiment()]);
    const { clock, store, start, append } = setup(rules);
    const processor = await start();
    const ada = { userId: 'ada' };
    await append({ ...ada, event: 'Project Created' }); // before exposure: not counted
    await append({
      ...ada,
      event: 'Content Shown',
      properties: { placement: 'banner', content: 'welcome' },
    });
    await append({ ...ada, ...shown('welcome-test', 'nope') }); // unknown variant: no exposure
    await append({ ...ada, ...shown('other-test', 'control') }); // unknown experiment
    await processor.catchUp();
    let profile = await processor.findProfile('ws', { identity: 'u:ada' });
    assert.equal(profile?.experiments, undefined);

    clock.advance(60_000);
    await append({ ...ada, ...shown('welcome-test', 'friendly') });
    clock.advance(60_000);
    await append({ ...ada, event: 'Order Completed', properties: { revenue: 30 } });
    await append({ ...ada, event: 'Order Completed', properties: { revenue: 'lots' } });
    await append({ ...ada, event: 'Teammate Invited' }); // flow step done after exposure
    clock.advance(8 * DAY);
    await append({ ...ada, event: 'Project Created' }); // a count, but after the 7-day conversion window
    // Segment's standard exposure event, for another user: control.
    await append({
      userId: 'bob',
      event: 'Experiment Viewed',
      properties: { experiment_id: 'welcome-test', variation_id: 'control' },
    });
    await append({ userId: 'bob', event: 'Project Created' });
    await append({ userId: 'bob', ...shown('welcome-test', 'friendly') }); // first exposure stands
    await processor.catchUp();
    profile = await processor.findProfile('ws', { identity: 'u:ada' });
    assert.deepEqual(profile?.experiments, {
      'welcome-test': {
        variant: 'friendly',
        at: T0 + 60_000,
        exposedAt: T0 + 60_000,
        metrics: { revenue: 30, invited: 1, projects: 1 },
      },
    });
    await processor.flush();
    assert.deepEqual(await totals(store, rules), {
      control: [1, { activated: 1, projects: 1, revenue: 0, invited: 0 }],
      friendly: [1, { activated: 0, projects: 1, revenue: 30, invited: 1 }],
    });
  });

  it('never counts twice when events after the last flush are replayed after a crash', async () => {
    const rules = compileWithExperiments([bannerExperiment()]);
    const { store, start, append } = setup(rules);
    const first = await start();
    await append({ userId: 'ada', ...shown('welcome-test', 'control') });
    await append({ userId: 'ada', event: 'Project Created' });
    await first.catchUp();
    await first.flush();
    await append({ userId: 'ada', event: 'Project Created' });
    await append({ userId: 'ada', event: 'Order Completed', properties: { revenue: 5 } });
    await first.catchUp(); // applied in memory, never flushed: the process dies here
    const second = await start(); // replays from the checkpoint
    await second.flush();
    const after = await totals(store, rules);
    assert.deepEqual(after.control, [1, { activated: 1, projects: 2, revenue: 5, invited: 0 }]);
    const third = await start(); // and once more: nothing new, nothing moves
    await third.flush();
    assert.deepEqual(await totals(store, rules), after);
  });

  it('keeps the variant across a restart and a new config, and through the anonymous → known merge', async () => {
    const rules = compileWithExperiments([bannerExperiment()]);
    const { clock, store, start, append } = setup(rules);
    const processor = await start();
    await append({ userId: 'ada', event: 'Signed Up' }); // the known profile exists already
    await append({ anonymousId: 'visitor-1', ...shown('welcome-test', 'friendly') });
    clock.advance(1000);
    await append({ anonymousId: 'visitor-1', event: 'Project Created' });
    await append({ type: 'identify', userId: 'ada', anonymousId: 'visitor-1', traits: {} });
    await processor.catchUp();
    await processor.flush();
    // Weights changed so that a fresh assignment would be control: the stored variant stands.
    const changed = compileWithExperiments(
      [
        bannerExperiment({
          variants: [
            { id: 'control', weight: 100 },
            { id: 'friendly', weight: 0, content: { item: 'welcome-b' } },
          ],
        }),
      ],
      2,
    );
    const restarted = await start(changed);
    const profile = await restarted.findProfile('ws', { identity: 'u:ada' });
    assert.equal(profile?.experiments?.['welcome-test']?.variant, 'friendly');
    assert.equal(profile?.experiments?.['welcome-test']?.metrics?.['activated'], 1);
    const answer = decide(changed, profile, {
      placements: ['banner'],
      context: {},
      flows: false,
      now: clock.now(),
      consentWhenUnknown: 'allow',
    });
    assert.deepEqual(answer.decisions['banner']?.reason, {
      type: 'experiment',
      experiment: 'welcome-test',
      variant: 'friendly',
    });
    assert.deepEqual(await totals(store, changed), {
      control: [0, { activated: 0, projects: 0, revenue: 0, invited: 0 }],
      friendly: [1, { activated: 1, projects: 1, revenue: 0, invited: 0 }],
    });
  });
});
