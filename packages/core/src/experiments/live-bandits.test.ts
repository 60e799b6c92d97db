import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { banditExperiment, banditSetup, countsOf, DAY, shownBandit } from './bandit-fixtures.js';
import { banditStateFromTotals } from './bandit-totals.js';
import { compileWithExperiments } from './experiment-fixtures.js';

// The live bandit state through the processor, on the real in-memory log and store:
// trials on exposure, one reward per exposure after it and within the window, in real
// time (before any commit), rebuilt from the committed totals at each commit, after a
// restart, and after a replay of what a crashed process had applied but not committed.

const rules = compileWithExperiments([banditExperiment()]);

describe('live bandit state', () => {
  it('counts trials and rewards in real time, once per exposure, and keeps them at commit', async () => {
    const { clock, start, append } = banditSetup(rules);
    const { processor, bandits } = await start();
    await append({ userId: 'ada', event: 'Project Created' }); // before exposure: no reward
    await append({ userId: 'ada', ...shownBandit('friendly') });
    await append({ userId: 'ada', ...shownBandit('short') }); // the first exposure stands
    await append({ userId: 'bob', ...shownBandit('short') });
    await append({ userId: 'dan', ...shownBandit('friendly') });
    await append({ userId: 'cy', ...shownBandit('nope') }); // not an arm: nothing
    clock.advance(60_000);
    await append({ userId: 'ada', event: 'Project Created' });
    await append({ userId: 'ada', event: 'Project Created' }); // a second time: not again
    clock.advance(8 * DAY);
    await append({ userId: 'bob', event: 'Project Created' }); // after `within` (7d)
    await processor.catchUp();
    const expected = { control: [0, 0], friendly: [2, 1], short: [1, 0] };
    assert.deepEqual(countsOf(bandits.stateOf('ws', 'welcome-bandit')), expected);
    // The decide side reads the same state from the published version's slot.
    const slot = rules.experiments.byId.get('welcome-bandit')?.bandit?.slot;
    assert.equal(slot?.state, bandits.stateOf('ws', 'welcome-bandit'));
    await processor.flush();
    assert.deepEqual(countsOf(bandits.stateOf('ws', 'welcome-bandit')), expected);
    await append({ userId: 'cy', ...shownBandit('control') });
    await processor.catchUp();
    assert.deepEqual(countsOf(bandits.stateOf('ws', 'welcome-bandit')), {
      ...expected,
      control: [1, 0],
    });
  });

  it('never counts twice when a crashed process’s events are replayed, nor after a restart', async () => {
    const { store, start, append } = banditSetup(rules);
    const first = await start();
    await append(
      { userId: 'ada', ...shownBandit('friendly') },
      { userId: 'ada', event: 'Project Created' },
    );
    await append({ userId: 'bob', ...shownBandit('control') });
    await first.processor.catchUp();
    await first.processor.flush();
    // Applied, never committed: the process dies here.
    await append(
      { userId: 'bob', event: 'Project Created' },
      { userId: 'cy', ...shownBandit('short') },
    );
    await first.processor.catchUp();
    const live = countsOf(first.bandits.stateOf('ws', 'welcome-bandit'));
    assert.deepEqual(live, { control: [1, 1], friendly: [1, 1], short: [1, 0] });

    const second = await start(); // loads the committed totals, replays from the checkpoint
    assert.deepEqual(countsOf(second.bandits.stateOf('ws', 'welcome-bandit')), live);
    await second.processor.flush();
    assert.deepEqual(countsOf(second.bandits.stateOf('ws', 'welcome-bandit')), live);
    const committed = banditStateFromTotals(
      rules.experiments.byId.get('welcome-bandit')!.bandit!.policy,
      await store.experimentTotals('ws', 'welcome-bandit'),
    );
    assert.deepEqual(countsOf(committed), live);
    const third = await start(); // a clean restart: nothing replayed, nothing moves
    assert.deepEqual(countsOf(third.bandits.stateOf('ws', 'welcome-bandit')), live);
  });

  it('keeps evidence applied while a commit is written, and after a failed commit', async () => {
    const { start, append } = banditSetup(rules);
    const { processor, bandits } = await start();
    await append({ userId: 'ada', ...shownBandit('friendly') });
    await processor.catchUp();
    bandits.beginCommit(); // as a flush's snapshot would
    await append({ userId: 'bob', ...shownBandit('short') });
    await processor.catchUp();
    bandits.commitFailed(); // nothing written: both are pending
    assert.deepEqual(countsOf(bandits.stateOf('ws', 'welcome-bandit')), {
      control: [0, 0],
      friendly: [1, 0],
      short: [1, 0],
    });
    await processor.flush();
    assert.deepEqual(countsOf(bandits.stateOf('ws', 'welcome-bandit')), {
      control: [0, 0],
      friendly: [1, 0],
      short: [1, 0],
    });
  });

  it('keeps per-segment states by the segment at exposure, rebuilt from the totals', async () => {
    const segmented = compileWithExperiments([
      banditExperiment({ per: 'segment', segments: ['admins'], minSegmentTrials: 1 }),
    ]);
    const { start, append } = banditSetup(segmented);
    const first = await start();
    await append({ type: 'identify', userId: 'ada', traits: { role: 'admin' } });
    await append({ userId: 'ada', ...shownBandit('short') });
    await append({ userId: 'bob', ...shownBandit('short') }); // in no listed segment
    // Ada leaves the segment: her reward still goes where her trial went.
    await append({ type: 'identify', userId: 'ada', traits: { role: 'viewer' } });
    await append({ userId: 'ada', event: 'Project Created' });
    await first.processor.catchUp();
    const profile = await first.processor.findProfile('ws', { identity: 'u:ada' });
    assert.deepEqual(profile?.experiments?.['welcome-bandit']?.metrics, {
      '$segment:admins': 1,
      $reward: 1,
      '$reward:admins': 1,
    });
    const state = first.bandits.stateOf('ws', 'welcome-bandit');
    assert.deepEqual(countsOf(state), { control: [0, 0], friendly: [0, 0], short: [2, 1] });
    assert.deepEqual(countsOf(state, 'admins'), {
      control: [0, 0],
      friendly: [0, 0],
      short: [1, 1],
    });
    await first.processor.flush();
    const second = await start();
    const restarted = second.bandits.stateOf('ws', 'welcome-bandit');
    assert.deepEqual(countsOf(restarted), countsOf(state));
    assert.deepEqual(countsOf(restarted, 'admins'), countsOf(state, 'admins'));
  });

  it('follows a new version: arms matched by id, a removed arm’s counts left out', async () => {
    const { start, append } = banditSetup(rules);
    const { processor, bandits } = await start();
    await append(
      { userId: 'ada', ...shownBandit('friendly') },
      { userId: 'bob', ...shownBandit('short') },
    );
    await processor.catchUp();
    const next = compileWithExperiments(
      [
        banditExperiment(
          {},
          {
            variants: [
              { id: 'short', content: { item: 'welcome-b', variant: 'short' } },
              { id: 'control' },
            ],
          },
        ),
      ],
      2,
    );
    bandits.publish('ws', next.experiments);
    const state = bandits.stateOf('ws', 'welcome-bandit');
    assert.deepEqual(countsOf(state), { short: [1, 0], control: [0, 0] });
    assert.equal(next.experiments.byId.get('welcome-bandit')?.bandit?.slot.state, state);
  });
});
