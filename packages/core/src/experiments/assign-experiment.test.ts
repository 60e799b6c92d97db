import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createProfile } from '../profiles/apply-event.js';
import type { ProfileState } from '../profiles/profile.js';
import { assignExperiment, experimentKey } from './assign-experiment.js';
import type { CompiledExperiment } from './experiment.js';
import { bannerExperiment, compileWithExperiments } from './experiment-fixtures.js';

const NOW = Date.UTC(2026, 10, 24);

function experimentOf(overrides: Record<string, unknown> = {}, id = 'welcome-test') {
  const set = compileWithExperiments([bannerExperiment(overrides)]);
  return set.experiments.byId.get(id) as CompiledExperiment;
}

function visitor(key: string, fields: Partial<ProfileState> = {}): ProfileState {
  return { ...createProfile(`p-${key}`, NOW), anonymousIds: [key], ...fields };
}

function assign(experiment: CompiledExperiment, profile: ProfileState, context = {}) {
  return assignExperiment(experiment, { profile, now: NOW, context }, experimentKey(profile));
}

const keys = (n: number) => Array.from({ length: n }, (_, i) => `visitor-${i}`);

describe('assignment', () => {
  it('is deterministic and splits users by the weights (chi-squared, 3 variants)', () => {
    const experiment = experimentOf({
      variants: [
        { id: 'control', weight: 50 },
        { id: 'b', weight: 30 },
        { id: 'c', weight: 20, content: { item: 'welcome-b' } },
      ],
    });
    const counts = new Map<string, number>();
    for (const key of keys(20_000)) {
      const first = assign(experiment, visitor(key)).variant?.id as string;
      assert.equal(assign(experiment, visitor(key)).variant?.id, first);
      counts.set(first, (counts.get(first) ?? 0) + 1);
    }
    const expected = { control: 10_000, b: 6_000, c: 4_000 };
    let chi = 0;
    for (const [id, e] of Object.entries(expected)) chi += ((counts.get(id) ?? 0) - e) ** 2 / e;
    assert.ok(chi < 13.8, `chi-squared ${chi} (df 2, p < 0.001 above 13.8)`); // 99.9 % quantile
  });

  it('hashes the first anonymousId, so a visitor keeps the variant after signing up', () => {
    const experiment = experimentOf();
    for (const key of keys(200)) {
      const before = assign(experiment, visitor(key)).variant?.id;
      const after = assign(experiment, visitor(key, { userId: `user-of-${key}` })).variant?.id;
      assert.equal(after, before);
    }
    assert.equal(experimentKey(createProfile('p', NOW)), undefined);
    assert.equal(assign(experiment, createProfile('p', NOW)).reason, 'no-key');
  });

  it('puts a user in at most one experiment of a layer, each taking its range', () => {
    const set = compileWithExperiments([
      bannerExperiment({ id: 'a', layer: { id: 'onb', from: 0, to: 30 } }),
      bannerExperiment({ id: 'b', layer: { id: 'onb', from: 30, to: 100 } }),
      bannerExperiment({ id: 'c', layer: { id: 'other', from: 0, to: 50 } }),
    ]);
    const [a, b, c] = ['a', 'b', 'c'].map((id) => set.experiments.byId.get(id)!);
    let inA = 0;
    let inC = 0;
    for (const key of keys(10_000)) {
      const profile = visitor(key);
      const x = assign(a!, profile).variant !== undefined;
      const y = assign(b!, profile).variant !== undefined;
      assert.notEqual(x, y, 'exactly one experiment of the layer');
      if (x) inA++;
      if (assign(c!, profile).variant !== undefined) inC++;
    }
    assert.ok(Math.abs(inA - 3000) < 200, `${inA} in a`);
    assert.ok(Math.abs(inC - 5000) < 250, `${inC} in c (another layer, independent)`);
  });

  it('holds out a fixed share whatever the traffic, and ramping traffic up keeps users in', () => {
    const ramp = [10, 50, 100].map((traffic) => experimentOf({ traffic, holdout: 10 }));
    const inAt = ramp.map(() => 0);
    let held = 0;
    for (const key of keys(10_000)) {
      const profile = visitor(key);
      const outcomes = ramp.map((experiment) => assign(experiment, profile));
      if (outcomes[0]!.reason === 'holdout') {
        held++;
        assert.ok(outcomes.every((outcome) => outcome.reason === 'holdout'));
        continue;
      }
      outcomes.forEach((outcome, i) => outcome.variant && inAt[i]!++);
      for (let i = 1; i < outcomes.length; i++) {
        if (outcomes[i - 1]!.variant)
          assert.equal(outcomes[i]!.variant?.id, outcomes[i - 1]!.variant?.id);
      }
    }
    assert.ok(Math.abs(held - 1000) < 120, `${held} held out`);
    assert.ok(Math.abs(inAt[0]! - 900) < 120 && Math.abs(inAt[1]! - 4500) < 250);
    assert.equal(inAt[2], 10_000 - held);
  });

  it('targets by condition (profile and request context) and segment', () => {
    const experiment = experimentOf({
      when: { 'context.page': '/home' },
      segment: 'admins',
    });
    const admin = visitor('v1', { segments: ['admins'] });
    assert.equal(assign(experiment, admin, { page: '/home' }).reason, 'assigned');
    assert.equal(assign(experiment, admin, { page: '/pricing' }).reason, 'not-targeted');
    assert.equal(assign(experiment, visitor('v1'), { page: '/home' }).reason, 'not-targeted');
  });

  it('keeps a stored variant (sticky through weight and targeting changes) until it is removed', () => {
    const stored = visitor('v1', {
      experiments: { 'welcome-test': { variant: 'friendly', at: NOW, exposedAt: NOW } },
    });
    const shifted = experimentOf({
      segment: 'admins',
      variants: [
        { id: 'control', weight: 100 },
        { id: 'friendly', weight: 0, content: { item: 'welcome-b' } },
      ],
    });
    assert.deepEqual(
      [assign(shifted, stored).reason, assign(shifted, stored).variant?.id],
      ['stored', 'friendly'],
    );
    const removed = experimentOf({ variants: [{ id: 'control', weight: 100 }] });
    assert.deepEqual(
      [assign(removed, stored).reason, assign(removed, stored).variant?.id],
      ['assigned', 'control'],
    );
    const stopped = experimentOf({ status: 'stopped' });
    assert.deepEqual(
      [assign(stopped, stored).reason, assign(stopped, stored).variant?.id],
      ['stopped', 'control'],
    );
    assert.equal(assign(stopped, visitor('v2')).variant, undefined);
    assert.equal(assign(experimentOf({ status: 'draft' }), stored).reason, 'draft');
  });

  it('property: the variant depends only on the key hashed (the first anonymousId)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (key) => {
        const experiment = experimentOf();
        const a = assign(experiment, visitor(key)).variant?.id;
        const b = assign(experiment, visitor(key, { userId: 'x' })).variant?.id;
        return a === b && (a === 'control' || a === 'friendly');
      }),
      { numRuns: 300 },
    );
  });
});
