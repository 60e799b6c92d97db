import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from '../decide/decide.js';
import type { DecideRequest, Decision } from '../decide/decision.js';
import type { OnrampEvent } from '../events/event.js';
import { createMemoryEventLog } from '../log/memory-event-log.js';
import { createMemoryProfileStore } from '../profiles/memory-profile-store.js';
import type { ProfileState } from '../profiles/profile.js';
import { Processor } from '../processing/processor.js';
import { createManualClock } from '../time/clock.js';
import { variantOf } from './assign-experiment.js';
import { bannerExperiment, compileWithExperiments } from './experiment-fixtures.js';
import { evaluateFlagWithExperiments } from './flag-override.js';
import { createProfile } from '../profiles/apply-event.js';

// A visitor decide has never seen (no event, no profile) is assigned by the id decide
// was asked for, hashed as the profile their first event creates will be: the variant
// shown before any event is the one stored at exposure, and after they sign up.

const T0 = Date.UTC(2026, 10, 24, 9);
const rules = compileWithExperiments([
  bannerExperiment(),
  {
    id: 'editor-test',
    status: 'running',
    variants: [
      { id: 'control', weight: 50, flag: { key: 'new-editor', variant: 'off' } },
      { id: 'treatment', weight: 50, flag: { key: 'new-editor', variant: 'on' } },
    ],
  },
]);
const banner = rules.experiments.byId.get('welcome-test');
const editor = rules.experiments.byId.get('editor-test');

const request = (extra: Partial<DecideRequest> = {}): DecideRequest => ({
  placements: ['banner'],
  context: {},
  flows: false,
  now: T0,
  consentWhenUnknown: 'allow',
  ...extra,
});
const bannerFor = (profile: ProfileState | undefined, extra: Partial<DecideRequest> = {}) =>
  decide(rules, profile, request(extra)).decisions['banner'] as Decision;

describe('experiments for a visitor without a profile', () => {
  it('decide shows the hashed variant without storing; the first events keep it', async () => {
    assert.ok(banner && editor);
    const clock = createManualClock(T0);
    const log = createMemoryEventLog({ partitions: 1, dedupWindowMs: 86_400_000, clock });
    let ids = 0;
    const processor = new Processor({
      log,
      store: createMemoryProfileStore(),
      clock,
      planOf: () => rules.profilePlan,
      rulesOf: () => rules,
      newProfileId: () => `p${ids++}`,
    });
    await processor.start();
    let serial = 0;
    const append = (fields: Partial<OnrampEvent>) =>
      log.append([
        {
          workspaceId: 'ws',
          event: {
            type: 'track',
            messageId: `m${serial++}`,
            timestamp: T0,
            receivedAt: T0,
            ...fields,
          } as OnrampEvent,
        },
      ]);
    const seen = { control: 0, friendly: 0 };
    for (let i = 0; i < 40; i++) {
      const anonymousId = `visitor-${i}`;
      const expected = variantOf(banner, anonymousId).id as 'control' | 'friendly';
      seen[expected]++;
      // Without the id, nothing to hash: the placement's default.
      assert.deepEqual(bannerFor(undefined).reason, { type: 'default' });
      const before = bannerFor(undefined, { experimentKey: anonymousId });
      assert.deepEqual(before.reason, {
        type: 'experiment',
        experiment: 'welcome-test',
        variant: expected,
      });
      assert.equal(before.track?.['experiment'], 'welcome-test');
      assert.equal(before.content?.id, expected === 'friendly' ? 'welcome-b' : 'welcome');
      // Half the visitors send a page view first, the others the exposure itself.
      if (i % 2 === 0) await append({ type: 'page', anonymousId } as never);
      else await append({ anonymousId, event: 'Content Shown', properties: before.track as never });
      await processor.catchUp();
      const profile = await processor.findProfile('ws', { identity: `a:${anonymousId}` });
      assert.ok(profile);
      const after = bannerFor(profile);
      assert.deepEqual(after.reason, before.reason);
      if (i % 2 === 0) {
        assert.equal(profile.experiments, undefined, 'nothing stored before an exposure');
        await append({ anonymousId, event: 'Content Shown', properties: after.track as never });
      }
      // Signing up: the same profile gets the userId; the variant stays.
      await append({ type: 'identify', anonymousId, userId: `user-${i}` } as never);
      await processor.catchUp();
      const known = await processor.findProfile('ws', { identity: `u:user-${i}` });
      assert.equal(known?.experiments?.['welcome-test']?.variant, expected);
      assert.deepEqual(bannerFor(known).reason, before.reason);
    }
    assert.ok(seen.control > 5 && seen.friendly > 5, JSON.stringify(seen));
  });

  it('flags: the blank profile with the id asked for gets the variant the profile will', () => {
    assert.ok(editor);
    for (let i = 0; i < 20; i++) {
      const anonymousId = `visitor-${i}`;
      const expected: boolean = variantOf(editor, anonymousId).id === 'treatment';
      const blank = createProfile('', T0);
      blank.anonymousIds = [anonymousId];
      const context = { profile: blank, now: T0, targetingKey: anonymousId };
      const before = evaluateFlagWithExperiments(
        rules.flags,
        rules.experiments,
        'new-editor',
        context,
      );
      assert.equal(before.value, expected);
      assert.equal(before.flagMetadata?.['experiment'], 'editor-test');
      const profile = createProfile('p1', T0);
      profile.anonymousIds = [anonymousId];
      profile.userId = `user-${i}`;
      const after = evaluateFlagWithExperiments(rules.flags, rules.experiments, 'new-editor', {
        profile,
        now: T0,
        targetingKey: `user-${i}`,
      });
      assert.equal(after.value, expected);
    }
  });
});
