import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileBanditPolicy } from './bandit-settings.js';
import {
  MAX_BANDIT_SEGMENTS,
  countsForChoice,
  createBanditState,
  mergeBanditState,
  recordReward,
  recordTrial,
} from './bandit-state.js';
import { parseBanditState, serializeBanditState } from './bandit-state-json.js';
import type { BanditPolicy, BanditSettings, BanditState } from './bandit-types.js';

function policyOf(settings: BanditSettings): BanditPolicy {
  const result = compileBanditPolicy(settings);
  assert.ok(result.ok);
  return result.policy;
}

const ARMS = ['a', 'b', 'c'];
const segmentPolicy = policyOf({ arms: ARMS, per: 'segment', minSegmentTrials: 3 });
const countsOf = (state: BanditState, segment?: string): number[][] => {
  const counts = segment === undefined ? state.global : state.segments.get(segment);
  assert.ok(counts);
  return [Array.from(counts.trials), Array.from(counts.successes), [counts.totalTrials]];
};

/** Random operations: a trial or a reward of an arm (sometimes unknown), in a segment or none. */
const operation = fc.record({
  kind: fc.constantFrom('trial', 'reward'),
  arm: fc.constantFrom('a', 'b', 'c', 'zz'),
  segment: fc.option(fc.constantFrom('s1', 's2', '__proto__'), { nil: undefined }),
});
type Operation = { kind: string; arm: string; segment: string | undefined };

function apply(state: BanditState, operations: Operation[]): BanditState {
  for (const op of operations) {
    if (op.kind === 'trial') recordTrial(state, op.arm, op.segment);
    else recordReward(state, op.arm, op.segment);
  }
  return state;
}

describe('bandit state updates', () => {
  it('counts trials and rewards, globally and per segment', () => {
    const state = createBanditState(segmentPolicy);
    assert.equal(recordTrial(state, 'b', 'trial-users'), true);
    assert.equal(recordTrial(state, 'b'), true);
    assert.equal(recordReward(state, 'b', 'trial-users'), true);
    assert.deepEqual(countsOf(state), [[0, 2, 0], [0, 1, 0], [2]]);
    assert.deepEqual(countsOf(state, 'trial-users'), [[0, 1, 0], [0, 1, 0], [1]]);
  });

  it('refuses unknown arms and rewards without a trial to attribute them to', () => {
    const state = createBanditState(segmentPolicy);
    assert.equal(recordTrial(state, 'zz'), false);
    assert.equal(recordReward(state, 'a'), false);
    recordTrial(state, 'a');
    assert.equal(recordReward(state, 'a'), true);
    assert.equal(recordReward(state, 'a'), false, 'a second reward for the one trial');
    assert.deepEqual(countsOf(state), [[1, 0, 0], [1, 0, 0], [1]]);
  });

  it('with per: global, segments are ignored', () => {
    const state = createBanditState(policyOf({ arms: ARMS }));
    recordTrial(state, 'a', 'trial-users');
    assert.equal(state.segments.size, 0);
    assert.equal(countsForChoice(state, 'trial-users').scope, 'global');
  });

  it('a segment below minSegmentTrials defers to the global counts', () => {
    const state = createBanditState(segmentPolicy);
    recordTrial(state, 'a', 's1');
    recordTrial(state, 'b', 's1');
    assert.equal(countsForChoice(state, 's1').scope, 'global');
    recordTrial(state, 'c', 's1');
    assert.equal(countsForChoice(state, 's1').counts, state.segments.get('s1'));
    assert.equal(countsForChoice(state, 's2').scope, 'global');
    assert.equal(countsForChoice(state, undefined).scope, 'global');
  });

  it(`keeps at most ${MAX_BANDIT_SEGMENTS} segments; later ones count globally only`, () => {
    const state = createBanditState(segmentPolicy);
    for (let i = 0; i <= MAX_BANDIT_SEGMENTS; i++) recordTrial(state, 'a', `s${i}`);
    assert.equal(state.segments.size, MAX_BANDIT_SEGMENTS);
    assert.equal(state.global.totalTrials, MAX_BANDIT_SEGMENTS + 1);
    assert.equal(state.segments.has(`s${MAX_BANDIT_SEGMENTS}`), false);
  });

  it('property: counts match a model; successes never exceed trials', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 200 }), (operations) => {
        const state = apply(createBanditState(segmentPolicy), operations);
        const model = new Map<string, { trials: number[]; successes: number[] }>();
        const scope = (key: string) => {
          if (!model.has(key)) model.set(key, { trials: [0, 0, 0], successes: [0, 0, 0] });
          return model.get(key)!;
        };
        for (const op of operations) {
          const i = ARMS.indexOf(op.arm);
          if (i < 0) continue;
          const keys = op.segment === undefined ? ['*'] : ['*', `seg:${op.segment}`];
          if (op.kind === 'trial') keys.forEach((key) => (scope(key).trials[i]! += 1));
          else if (scope('*').successes[i]! < scope('*').trials[i]!) {
            for (const key of keys) {
              const m = scope(key);
              if (m.successes[i]! < m.trials[i]!) m.successes[i]! += 1;
            }
          }
        }
        const expected = scope('*');
        assert.deepEqual(Array.from(state.global.trials), expected.trials);
        assert.deepEqual(Array.from(state.global.successes), expected.successes);
        for (const [segment, counts] of state.segments) {
          const m = scope(`seg:${segment}`);
          assert.deepEqual(Array.from(counts.trials), m.trials);
          assert.deepEqual(Array.from(counts.successes), m.successes);
          assert.equal(
            counts.totalTrials,
            m.trials.reduce((s, n) => s + n, 0),
          );
          counts.successes.forEach((s, i) => assert.ok(s <= counts.trials[i]!));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('property: merge is commutative and associative, sums counts, and the empty state is its identity', () => {
    const ops = fc.array(operation, { maxLength: 80 });
    fc.assert(
      fc.property(ops, ops, ops, (x, y, z) => {
        const make = (o: Operation[]) => apply(createBanditState(segmentPolicy), o);
        // Canonical text: segments in key order (merging may insert them in another order).
        const json = (s: BanditState) => {
          const { segments, ...rest } = serializeBanditState(s);
          const sorted = Object.entries(segments).sort(([p], [q]) => (p < q ? -1 : 1));
          return JSON.stringify({ ...rest, segments: sorted });
        };
        const empty = createBanditState(segmentPolicy);
        assert.equal(
          json(mergeBanditState(make(x), make(y))),
          json(mergeBanditState(make(y), make(x))),
        );
        assert.equal(
          json(mergeBanditState(mergeBanditState(make(x), make(y)), make(z))),
          json(mergeBanditState(make(x), mergeBanditState(make(y), make(z)))),
        );
        assert.equal(json(mergeBanditState(make(x), empty)), json(make(x)));
        const merged = mergeBanditState(make(x), make(y));
        const [a, b] = [make(x), make(y)];
        merged.global.trials.forEach((n, i) =>
          assert.equal(n, a.global.trials[i]! + b.global.trials[i]!),
        );
        assert.equal(merged.global.totalTrials, a.global.totalTrials + b.global.totalTrials);
      }),
      { numRuns: 200 },
    );
  });

  it('merge maps arms by key across policies; arms the target lacks are skipped', () => {
    const target = createBanditState(policyOf({ arms: ['c', 'a', 'new'] }));
    const source = apply(createBanditState(policyOf({ arms: ARMS })), [
      { kind: 'trial', arm: 'a', segment: undefined },
      { kind: 'trial', arm: 'b', segment: undefined },
      { kind: 'trial', arm: 'c', segment: undefined },
      { kind: 'reward', arm: 'c', segment: undefined },
    ]);
    mergeBanditState(target, source);
    assert.deepEqual(Array.from(target.global.trials), [1, 1, 0]);
    assert.deepEqual(Array.from(target.global.successes), [1, 0, 0]);
    assert.equal(target.global.totalTrials, 2);
  });
});

describe('bandit state JSON', () => {
  it('property: serialize → JSON text → parse gives back the same counts', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 200 }), (operations) => {
        const state = apply(createBanditState(segmentPolicy), operations);
        const text = JSON.stringify(serializeBanditState(state));
        const parsed = parseBanditState(segmentPolicy, JSON.parse(text));
        assert.ok(parsed.ok, JSON.stringify(parsed));
        assert.deepEqual(parsed.ignored, []);
        assert.deepEqual(countsOf(parsed.state), countsOf(state));
        assert.deepEqual([...parsed.state.segments.keys()], [...state.segments.keys()]);
        for (const segment of state.segments.keys()) {
          assert.deepEqual(countsOf(parsed.state, segment), countsOf(state, segment));
        }
        assert.equal(JSON.stringify(serializeBanditState(parsed.state)), text);
      }),
      { numRuns: 300 },
    );
  });

  it('has the documented shape; "__proto__" stays a plain segment key', () => {
    const state = createBanditState(segmentPolicy);
    recordTrial(state, 'a', '__proto__');
    recordReward(state, 'a', '__proto__');
    const text = JSON.stringify(serializeBanditState(state));
    assert.equal(
      text,
      '{"version":1,"global":{"a":{"trials":1,"successes":1},"b":{"trials":0,"successes":0},"c":{"trials":0,"successes":0}},' +
        '"segments":{"__proto__":{"a":{"trials":1,"successes":1},"b":{"trials":0,"successes":0},"c":{"trials":0,"successes":0}}}}',
    );
    const parsed = parseBanditState(segmentPolicy, JSON.parse(text));
    assert.ok(parsed.ok);
    assert.deepEqual(countsOf(parsed.state, '__proto__'), [[1, 0, 0], [1, 0, 0], [1]]);
    assert.equal(
      Object.getPrototypeOf(serializeBanditState(parsed.state).segments),
      Object.prototype,
    );
  });

  it('restores under a changed policy: new arms start at zero, removed arms are listed', () => {
    const json = {
      version: 1,
      global: { a: { trials: 10, successes: 2 }, gone: { trials: 5, successes: 1 } },
      segments: { s1: { a: { trials: 4, successes: 1 } } },
    };
    const parsed = parseBanditState(policyOf({ arms: ['new', 'a'] }), json);
    assert.ok(parsed.ok);
    assert.deepEqual(countsOf(parsed.state), [[0, 10], [0, 2], [10]]);
    assert.deepEqual(parsed.ignored, ['global.gone', 'segments.s1']);
    assert.equal(parsed.state.segments.size, 0);
  });

  it('rejects malformed state, naming the field', () => {
    const issues = (value: unknown): string[] => {
      const result = parseBanditState(segmentPolicy, value);
      assert.equal(result.ok, false, JSON.stringify(value));
      return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
    };
    assert.deepEqual(issues(null), [': must be an object']);
    assert.deepEqual(issues('{"version":1}'), [': must be an object']);
    assert.deepEqual(issues({ version: 2, global: {}, segments: {}, extra: 1 }), [
      'extra: unknown field',
      'version: must be 1',
    ]);
    assert.deepEqual(issues({ version: 1, global: [], segments: null }), [
      'global: must be an object keyed by arm',
      'segments: must be an object keyed by segment',
    ]);
    assert.deepEqual(
      issues({
        version: 1,
        global: {
          a: { trials: -1, successes: 0 },
          b: { trials: 2, successes: 1.5 },
          c: { trials: 2, successes: 3 },
        },
        segments: { s: { a: { trials: '1', successes: 0, more: 1 } } },
      }),
      [
        'global.a.trials: must be an integer ≥ 0',
        'global.b.successes: must be an integer ≥ 0',
        'global.c.successes: must not exceed trials',
        'segments.s.a.more: unknown field',
        'segments.s.a.trials: must be an integer ≥ 0',
      ],
    );
    assert.deepEqual(issues(JSON.parse('{"version":1,"global":{"a":7},"segments":{}}')), [
      'global.a: must be an object',
    ]);
    const many = Object.fromEntries(
      Array.from({ length: MAX_BANDIT_SEGMENTS + 1 }, (_, i) => [`s${i}`, {}]),
    );
    assert.deepEqual(issues({ version: 1, global: {}, segments: many }), [
      `segments: must have at most ${MAX_BANDIT_SEGMENTS} segments`,
    ]);
  });
});
