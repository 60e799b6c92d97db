import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createManualClock,
  createMemoryProfileStore,
  createProfile,
  profileWrite,
  type DueTimer,
  type ProfileStore,
} from '@onramp/core';
import { TimerScheduler } from './timer-scheduler.js';

const start = Date.UTC(2026, 5, 1);

async function storeWithTimers(
  timers: Record<string, Record<string, number>>,
): Promise<ProfileStore> {
  const store = createMemoryProfileStore();
  await store.commit({
    profiles: Object.entries(timers).map(([id, due]) => {
      const state = createProfile(id, start);
      state.rules = { timers: due };
      return profileWrite('w', state);
    }),
    identities: [],
    deletedProfiles: [],
    checkpoints: new Map(),
  });
  return store;
}

function recorder(): { fired: DueTimer[]; fire: (timers: readonly DueTimer[]) => Promise<number> } {
  const fired: DueTimer[] = [];
  return {
    fired,
    fire: (timers) => {
      fired.push(...timers);
      return Promise.resolve(timers.length);
    },
  };
}

describe('TimerScheduler', () => {
  it('fires stored timers when due, earliest first, each once', async () => {
    const clock = createManualClock(start);
    const store = await storeWithTimers({
      p1: { inactive: start + 5_000 },
      p2: { inactive: start + 1_000, digest: start + 3_000 },
    });
    const { fired, fire } = recorder();
    const scheduler = new TimerScheduler({ clock, store, fire });
    assert.equal(await scheduler.tick(), 0);
    clock.advance(3_000);
    assert.equal(await scheduler.tick(), 2);
    assert.deepEqual(
      fired.map((timer) => `${timer.profileId}/${timer.ruleId}`),
      ['p2/inactive', 'p2/digest'],
    );
    assert.equal(await scheduler.tick(), 0, 'nothing fires twice');
    clock.advance(2_000);
    assert.equal(await scheduler.tick(), 1);
    assert.equal(fired[2]?.profileId, 'p1');
  });

  it('fires timers armed in memory before the store has them', async () => {
    const clock = createManualClock(start);
    const store = await storeWithTimers({});
    const { fired, fire } = recorder();
    const scheduler = new TimerScheduler({ clock, store, fire });
    await scheduler.tick();
    scheduler.add([{ workspaceId: 'w', profileId: 'p', ruleId: 'r', dueAt: start + 500 }]);
    scheduler.add([{ workspaceId: 'w', profileId: 'p', ruleId: 'r', dueAt: start + 500 }]);
    assert.equal(scheduler.size, 1, 'the same timer is held once');
    clock.advance(500);
    assert.equal(await scheduler.tick(), 1);
    assert.equal(fired.length, 1);
  });

  it('holds only timers within the horizon and reads later ones when they come close', async () => {
    const clock = createManualClock(start);
    const store = await storeWithTimers({
      far: { r: start + 3_600_000 },
      near: { r: start + 60_000 },
    });
    const { fired, fire } = recorder();
    const scheduler = new TimerScheduler({ clock, store, fire, horizonMs: 600_000 });
    await scheduler.tick();
    assert.equal(scheduler.size, 1, 'the far timer stays in the store');
    clock.advance(3_600_000);
    assert.equal(await scheduler.tick(), 2);
    assert.deepEqual(
      fired.map((timer) => timer.profileId),
      ['near', 'far'],
    );
  });

  it('runs on its own interval once started', async () => {
    const clock = createManualClock(start);
    const store = await storeWithTimers({ p: { r: start + 100 } });
    const { fired, fire } = recorder();
    const scheduler = new TimerScheduler({ clock, store, fire, tickMs: 5 });
    scheduler.start();
    try {
      clock.advance(100);
      const deadline = Date.now() + 2_000;
      while (fired.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.equal(fired.length, 1);
    } finally {
      scheduler.stop();
    }
  });
});
