import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OnrampEvent } from '../events/event.js';
import { applyEvent, createProfile } from '../profiles/apply-event.js';
import type { ProfileState } from '../profiles/profile.js';
import type { CompiledRuleSet } from '../rules/rule.js';
import { compileConfig, trackEvent } from '../rules/rule-fixtures.js';
import { membershipEvents } from './membership-events.js';
import type { ClusterModel, PopulationState } from './segment.js';
import { SEGMENT_TIMER } from './segment-runtime.js';
import {
  audiencesForEvent,
  audiencesForSweep,
  audiencesOnTimer,
  type AudienceOutcome,
} from './update-memberships.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const t0 = Date.UTC(2026, 10, 2, 9);

function identify(traits: Record<string, unknown>, at: number): OnrampEvent {
  return trackEvent('', at, { type: 'identify', traits } as Partial<OnrampEvent>);
}

/** Applies the event and runs the segment step, as the processor does. */
function step(
  set: CompiledRuleSet,
  profile: ProfileState,
  event: OnrampEvent,
  population?: PopulationState,
  full = false,
): AudienceOutcome {
  // As the processor: a profile's first event evaluates it whole.
  const first = profile.eventCount === 0;
  applyEvent(profile, event, set.profilePlan, event.receivedAt);
  return audiencesForEvent(
    set.audiences,
    profile,
    event,
    { now: event.receivedAt, population, memo: set.memo },
    full || first,
  );
}

function newProfile(at = t0): ProfileState {
  const profile = createProfile('p1', at);
  profile.userId = 'u1';
  return profile;
}

describe('segment membership', () => {
  it('enters and leaves a trait segment on identify, and says so once', () => {
    const set = compileConfig({ segments: [{ id: 'pro', condition: { 'traits.plan': 'pro' } }] });
    const profile = newProfile();
    assert.deepEqual(step(set, profile, identify({ plan: 'pro' }, t0)).changes, [
      { segment: 'pro', on: 'entered' },
    ]);
    assert.deepEqual(profile.segments, ['pro']);
    assert.deepEqual(step(set, profile, identify({ plan: 'pro' }, t0 + 1)).changes, []);
    assert.deepEqual(step(set, profile, identify({ plan: 'free' }, t0 + 2)).changes, [
      { segment: 'pro', on: 'exited' },
    ]);
    assert.equal(profile.segments, undefined);
  });

  it('evaluates only the segments an event can change', () => {
    const set = compileConfig({
      segments: [
        { id: 'pro', condition: { 'traits.plan': { $ne: 'pro' } } },
        { id: 'exporter', condition: { $event: { name: 'Exported', count: { $gte: 1 } } } },
      ],
    });
    const profile = newProfile();
    // A profile's first event evaluates it whole: the negation holds at once.
    assert.deepEqual(
      step(set, profile, trackEvent('Clicked', t0)).changes.map((c) => c.segment),
      ['pro'],
    );
    // Changed behind the index's back: a track event of another name reads no traits.
    profile.traits['plan'] = 'pro';
    assert.deepEqual(step(set, profile, trackEvent('Clicked', t0 + 1)).changes, []);
    assert.deepEqual(step(set, profile, trackEvent('Exported', t0 + 2)).changes, [
      { segment: 'exporter', on: 'entered' },
    ]);
  });

  it('leaves a time-dependent segment when time passes, through one timer per profile', () => {
    const set = compileConfig({
      segments: [
        { id: 'new', condition: { $elapsed: { since: 'firstSeen', $lt: '24h' } } },
        {
          id: 'active',
          condition: { $event: { name: 'Feature Used', within: '7d', count: { $gte: 3 } } },
        },
      ],
    });
    const profile = newProfile();
    step(set, profile, trackEvent('Feature Used', t0));
    step(set, profile, trackEvent('Feature Used', t0 + HOUR));
    const third = step(set, profile, trackEvent('Feature Used', t0 + 2 * HOUR));
    assert.deepEqual(profile.segments, ['new', 'active']);
    const due = profile.rules?.timers?.[SEGMENT_TIMER];
    assert.ok(due !== undefined && due > t0 + 2 * HOUR && due <= t0 + DAY, `timer at ${due}`);
    assert.equal(third.armed ?? due, due);
    // Run the timer until both have left: never later than the real change.
    let now = due;
    const left: string[] = [];
    for (let i = 0; i < 200 && profile.segments !== undefined; i++) {
      const dueAt = profile.rules?.timers?.[SEGMENT_TIMER];
      assert.ok(dueAt !== undefined, 'a timer stays armed while a timed segment can change');
      now = dueAt;
      const outcome = audiencesOnTimer(set.audiences, profile, dueAt, { now });
      left.push(...outcome.changes.filter((c) => c.on === 'exited').map((c) => c.segment));
    }
    assert.deepEqual(left, ['new', 'active']);
    assert.ok(now >= t0 + DAY, 'left "new" only once 24 h had passed');
    assert.ok(now <= t0 + 8 * DAY + DAY, 'left "active" about when the window emptied');
  });

  it('ignores a stale timer call', () => {
    const set = compileConfig({
      segments: [{ id: 'new', condition: { $elapsed: { since: 'firstSeen', $lt: '1h' } } }],
    });
    const profile = newProfile();
    step(set, profile, trackEvent('Signed Up', t0));
    const due = profile.rules?.timers?.[SEGMENT_TIMER] as number;
    const stale = audiencesOnTimer(set.audiences, profile, due - 1, { now: due });
    assert.equal(stale.changed, false);
    assert.deepEqual(profile.segments, ['new']);
  });

  it('re-checks segments that read other segments after a change', () => {
    const set = compileConfig({
      segments: [
        { id: 'engaged-pro', condition: { segments: { $all: ['pro', 'engaged'] } } },
        { id: 'pro', condition: { 'traits.plan': 'pro' } },
        { id: 'engaged', condition: { eventCount: { $gte: 2 } } },
      ],
    });
    const profile = newProfile();
    step(set, profile, identify({ plan: 'pro' }, t0));
    const outcome = step(set, profile, trackEvent('Clicked', t0 + 1));
    assert.deepEqual(outcome.changes, [
      { segment: 'engaged', on: 'entered' },
      { segment: 'engaged-pro', on: 'entered' },
    ]);
  });

  it('prunes memberships of deleted segments in a sweep, and evaluates only its scope', () => {
    const before = compileConfig({
      segments: [
        { id: 'old', condition: { eventCount: { $gte: 1 } } },
        { id: 'pro', condition: { 'traits.plan': 'pro' } },
      ],
    });
    const profile = newProfile();
    step(before, profile, identify({ plan: 'pro' }, t0));
    assert.deepEqual(profile.segments, ['old', 'pro']);
    const after = compileConfig({
      segments: [
        { id: 'pro', condition: { 'traits.plan': 'pro' } },
        { id: 'big', condition: { 'traits.seats': { $gte: 10 } } },
        { id: 'any', condition: {} },
      ],
    });
    profile.traits['seats'] = 20;
    const outcome = audiencesForSweep(
      after.audiences,
      profile,
      { segments: new Set(['big']) },
      { now: t0 },
    );
    assert.deepEqual(outcome.changes, [
      { segment: 'old', on: 'exited' },
      { segment: 'big', on: 'entered' },
    ]);
    assert.deepEqual(profile.segments, ['pro', 'big']);
  });
});

/** Exact ranks over an explicit population: the contract, without a sketch. */
class ExactPopulation implements PopulationState {
  readonly values = new Map<string, number[]>();
  ready = true;
  model: ClusterModel | undefined;
  readonly observed: [string, string, number | undefined, number | undefined][] = [];

  constructor(private readonly shares: number[]) {}

  cohortBand(cohortId: string, value: number): number | undefined {
    const values = this.values.get(cohortId) ?? [];
    if (values.length < 2) return undefined;
    const below = values.filter((v) => v < value).length / values.length;
    // Bands from the top: top band holds the highest ranks.
    let upper = 1;
    for (let band = 0; band < this.shares.length; band++) {
      const lower = upper - (this.shares[band] as number) / 100;
      if (below >= lower - 1e-9) return band;
      upper = lower;
    }
    return this.shares.length - 1;
  }

  observe(cohortId: string, profileId: string, from: number | undefined, to: number | undefined) {
    this.observed.push([cohortId, profileId, from, to]);
    const values = this.values.get(cohortId) ?? [];
    if (from !== undefined) values.splice(values.indexOf(from), 1);
    if (to !== undefined) values.push(to);
    this.values.set(cohortId, values);
  }

  cohortReady(): boolean {
    return this.ready;
  }

  clusterModel(): ClusterModel | undefined {
    return this.model;
  }
}

describe('cohort bands and cluster labels', () => {
  const cohorts = [
    {
      id: 'activity',
      metric: 'eventCount',
      bands: [
        { id: 'top', percent: 50 },
        { id: 'bottom', percent: 50 },
      ],
    },
  ];

  it('ranks a profile, places it in a band, and moves it when its value moves', () => {
    const set = compileConfig({ cohorts });
    const population = new ExactPopulation([50, 50]);
    population.values.set('activity', [1, 2, 3, 4]);
    const profile = newProfile();
    const first = step(set, profile, trackEvent('Clicked', t0), population);
    assert.deepEqual(first.changes, [{ segment: 'activity:bottom', on: 'entered' }]);
    assert.deepEqual(population.observed, [['activity', 'p1', undefined, 1]]);
    for (let i = 1; i <= 4; i++) step(set, profile, trackEvent('Clicked', t0 + i), population);
    assert.deepEqual(profile.segments, ['activity:top']);
    assert.deepEqual(population.observed.at(-1), ['activity', 'p1', 4, 5]);
    // The profile's contribution is what it last added: exactly one value in the population.
    assert.equal(population.values.get('activity')?.length, 5);
  });

  it('keeps bands as they are while the sketch is not ready', () => {
    const set = compileConfig({ cohorts });
    const population = new ExactPopulation([50, 50]);
    population.values.set('activity', [5, 6, 7]);
    const profile = newProfile();
    step(set, profile, trackEvent('Clicked', t0), population);
    assert.deepEqual(profile.segments, ['activity:bottom']);
    population.ready = false;
    for (let i = 1; i <= 10; i++) step(set, profile, trackEvent('Clicked', t0 + i), population);
    assert.deepEqual(profile.segments, ['activity:bottom']);
  });

  it('writes the nearest cluster label as a trait, and trait segments see it', () => {
    const set = compileConfig({
      clusterings: [{ id: 'behaviour', features: ['eventCount'], normalization: 'none' }],
      segments: [{ id: 'heavy', condition: { 'traits.cluster_behaviour': 'c2' } }],
    });
    const population = new ExactPopulation([]);
    population.model = {
      clusteringId: 'behaviour',
      run: 1,
      trainedAt: t0,
      offsets: [0],
      scales: [1],
      centroids: [[1], [10]],
      labels: ['c1', 'c2'],
    };
    const profile = newProfile();
    step(set, profile, trackEvent('Clicked', t0), population);
    assert.equal(profile.traits['cluster_behaviour'], 'c1');
    const changes: AudienceOutcome['changes'] = [];
    for (let i = 1; i < 8; i++) {
      changes.push(...step(set, profile, trackEvent('Clicked', t0 + i), population).changes);
    }
    assert.equal(profile.traits['cluster_behaviour'], 'c2');
    // Moved to c2 at the 6th event (nearer 10 than 1): the trait segment followed.
    assert.deepEqual(changes, [{ segment: 'heavy', on: 'entered' }]);
  });
});

describe('membership events', () => {
  it('are track events of the profile with deterministic ids and the band split out', () => {
    const profile = newProfile();
    const events = membershipEvents(
      profile,
      [
        { segment: 'pro', on: 'entered' },
        { segment: 'activity:top', on: 'exited' },
      ],
      'm-42',
      t0,
      0,
    );
    assert.deepEqual(
      events.map((e) => [e.event, e.userId, e.messageId, e.properties, e.context]),
      [
        [
          'Segment Entered',
          'u1',
          'segment:pro:entered:p1:m-42',
          { segment_id: 'pro' },
          { onramp: { segment: 'pro', depth: 1 } },
        ],
        [
          'Segment Exited',
          'u1',
          'segment:activity:top:exited:p1:m-42',
          { segment_id: 'activity:top', cohort_id: 'activity', band_id: 'top' },
          { onramp: { segment: 'activity:top', depth: 1 } },
        ],
      ],
    );
  });
});

describe('engine-emitted events', () => {
  it('evaluate only the segments that count them by name', () => {
    const set = compileConfig({
      segments: [
        { id: 'busy', condition: { eventCount: { $gte: 2 } } },
        {
          id: 'was-admin',
          condition: { $event: { name: 'Segment Entered', count: { $gte: 1 } } },
        },
      ],
    });
    const profile = newProfile();
    step(set, profile, trackEvent('Clicked', t0));
    const emitted = trackEvent('Segment Entered', t0 + 1, {
      context: { onramp: { segment: 'admins', depth: 1 } },
    });
    // Counted (eventCount is 2), but not activity: "busy" waits for the person's next event.
    assert.deepEqual(step(set, profile, emitted).changes, [
      { segment: 'was-admin', on: 'entered' },
    ]);
    assert.deepEqual(step(set, profile, trackEvent('Clicked', t0 + 2)).changes, [
      { segment: 'busy', on: 'entered' },
    ]);
  });
});
