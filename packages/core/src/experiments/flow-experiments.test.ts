import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from '../decide/decide.js';
import type { Decision } from '../decide/decision.js';
import type { OnrampEvent } from '../events/event.js';
import { flowView } from '../flows/flow-view.js';
import { createMemoryEventLog } from '../log/memory-event-log.js';
import { createMemoryProfileStore } from '../profiles/memory-profile-store.js';
import { createProfile } from '../profiles/apply-event.js';
import type { ProfileState } from '../profiles/profile.js';
import { Processor } from '../processing/processor.js';
import { RuleConfigError, type CompiledRuleSet, type RuleIssue } from '../rules/rule.js';
import { normalizeExperiments } from './compile-experiments.js';
import { createManualClock } from '../time/clock.js';
import { variantOf } from './assign-experiment.js';
import { experimentResults } from './experiment-results.js';
import { compileFlowExperiments, setupExperiment } from './flow-experiment-fixtures.js';
import { flowExperimentChoice } from './flow-experiments.js';

// Flow experiments: an experiment's variant chooses the flow variant (instead of the
// variants' `when`) in the processor's progress and in decide's view; the flow step's
// decision carries the exposure; step metrics then compare the flow variants.

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 24, 9);

function issuesOf(experiments: Record<string, unknown>[]): string[] {
  try {
    compileFlowExperiments(experiments);
  } catch (error) {
    assert.ok(error instanceof RuleConfigError, String(error));
    return error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  }
  return [];
}

function setup(rules: CompiledRuleSet) {
  const clock = createManualClock(T0);
  const log = createMemoryEventLog({ partitions: 1, dedupWindowMs: DAY, clock });
  const store = createMemoryProfileStore();
  let ids = 0;
  let serial = 0;
  let config = rules;
  const processor = new Processor({
    log,
    store,
    clock,
    planOf: () => config.profilePlan,
    rulesOf: () => config,
    newProfileId: () => `p${ids++}`,
  });
  const append = async (fields: Partial<OnrampEvent>) => {
    const now = clock.now();
    const event = { type: 'track', messageId: `m${serial++}`, timestamp: now, receivedAt: now };
    await log.append([{ workspaceId: 'ws', event: { ...event, ...fields } as OnrampEvent }]);
  };
  const profileOf = async (userId: string): Promise<ProfileState> => {
    await processor.catchUp();
    const profile = await processor.findProfile('ws', { identity: `u:${userId}` });
    assert.ok(profile, userId);
    return profile;
  };
  const publish = (next: CompiledRuleSet) => (config = next);
  return { clock, store, processor, append, profileOf, publish };
}

const sidebar = (rules: CompiledRuleSet, profile: ProfileState | undefined, now: number) =>
  decide(rules, profile, {
    placements: ['sidebar'],
    context: {},
    flows: false,
    now,
    consentWhenUnknown: 'allow',
  }).decisions['sidebar'] as Decision;

describe('flow experiments', () => {
  it('names unknown flows and flow variants, and a second flow in one experiment', () => {
    assert.deepEqual(issuesOf([setupExperiment()]), []);
    const schema: RuleIssue[] = [];
    normalizeExperiments(
      [
        setupExperiment({
          variants: [
            { id: 'a', weight: 50, flow: { id: 'setup', steps: ['x'] } },
            { id: 'b', weight: 50, flow: { variant: 7 } },
          ],
        }),
      ],
      schema,
    );
    assert.deepEqual(schema.map((issue) => issue.path.join('.')).sort(), [
      '(experiments).0.variants.0.flow.steps',
      '(experiments).0.variants.1.flow.id',
      '(experiments).0.variants.1.flow.variant',
    ]);
    const references = issuesOf([
      setupExperiment({
        variants: [
          { id: 'a', weight: 50, flow: { id: 'setup', variant: 'long' } },
          { id: 'b', weight: 50, flow: { id: 'setup', variant: 'short' } },
        ],
      }),
      setupExperiment({
        id: 'two-flows',
        variants: [
          { id: 'a', weight: 50, flow: { id: 'setup', variant: 'short' } },
          { id: 'b', weight: 50, flow: { id: 'other' } },
        ],
      }),
      setupExperiment({
        id: 'proto',
        variants: [{ id: 'a', weight: 100, flow: { id: 'setup', variant: '__proto__' } }],
      }),
      setupExperiment({
        id: 'unknown',
        variants: [{ id: 'a', weight: 100, flow: { id: 'nope', variant: 'short' } }],
      }),
    ]);
    assert.deepEqual(references.sort(), [
      '(experiments).0.variants.0.flow.variant: flow "setup" has no variant "long"',
      '(experiments).1.variants.1.flow.id: an experiment chooses variants of one flow (variant 0 chooses in "setup")',
      '(experiments).2.variants.0.flow.variant: flow "setup" has no variant "__proto__"',
      '(experiments).3.variants.0.flow.id: unknown flow "nope"',
    ]);
  });

  it('starts each person in the flow variant of their experiment variant, whatever `when` says', async () => {
    const rules = compileFlowExperiments([setupExperiment()]);
    const experiment = rules.experiments.byId.get('setup-test');
    assert.ok(experiment);
    const { append, profileOf } = setup(rules);
    const users = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    // Admins too: without the experiment their `when` gives them the admin variant.
    for (const userId of users) {
      await append({ type: 'identify', userId, traits: { role: 'admin' } } as never);
    }
    const split = { full: 0, short: 0 };
    for (const userId of users) {
      const profile = await profileOf(userId);
      const variant = variantOf(experiment, userId).id as 'full' | 'short';
      split[variant]++;
      const progress = profile.flows?.['setup'];
      assert.equal(progress?.variant, variant === 'short' ? 'short' : undefined, userId);
      assert.equal(progress?.step, variant === 'short' ? 'project' : 'profile');
    }
    assert.ok(split.full > 70 && split.short > 70, JSON.stringify(split));
  });

  it('leaves the choice to `when` for a variant without `flow`, and for a draft experiment', async () => {
    const control = setupExperiment({
      variants: [
        { id: 'control', weight: 50 },
        { id: 'short', weight: 50, flow: { id: 'setup', variant: 'short' } },
      ],
    });
    const rules = compileFlowExperiments([control]);
    const experiment = rules.experiments.byId.get('setup-test');
    assert.ok(experiment);
    const { append, profileOf } = setup(rules);
    const users = Array.from({ length: 40 }, (_, i) => `admin-${i}`);
    for (const userId of users) {
      await append({ type: 'identify', userId, traits: { role: 'admin' } } as never);
    }
    for (const userId of users) {
      const expected: string = variantOf(experiment, userId).id === 'short' ? 'short' : 'admin';
      assert.equal((await profileOf(userId)).flows?.['setup']?.variant, expected);
    }
    const draft = compileFlowExperiments([setupExperiment({ status: 'draft' })]);
    const admin = createProfile('p', T0);
    admin.userId = 'admin-0';
    admin.traits['role'] = 'admin';
    const flow = draft.decide.flows.byId.get('setup');
    assert.ok(flow);
    const view = flowView(flow, admin, { now: T0, experiments: draft.experiments });
    assert.equal(view.variant, 'admin');
    assert.equal(
      flowExperimentChoice(draft.experiments, 'setup', { profile: admin, now: T0 }),
      undefined,
    );
  });

  it('shows the variant’s step with the exposure in the track; step metrics compare the variants', async () => {
    const rules = compileFlowExperiments([setupExperiment()]);
    const experiment = rules.experiments.byId.get('setup-test');
    assert.ok(experiment);
    const { clock, store, processor, append, profileOf } = setup(rules);
    const people = ['ada', 'bob', 'cy', 'dee', 'eve', 'fay', 'gus', 'hal'];
    const expected = { full: [0, 0], short: [0, 0] } as Record<string, [number, number]>;
    for (const [i, userId] of people.entries()) {
      // A not-started person is already shown their variant's first step.
      const fresh = createProfile('x', clock.now());
      fresh.userId = userId;
      const before = sidebar(rules, fresh, clock.now());
      const variant: string = variantOf(experiment, userId).id;
      assert.equal(before.content?.id, variant === 'short' ? 'tip-project' : 'tip-profile');
      await append({ userId, event: 'Signed Up' });
      const profile = await profileOf(userId);
      const decision = sidebar(rules, profile, clock.now());
      assert.deepEqual(decision.reason, {
        type: 'flow',
        flow: 'setup',
        step: variant === 'short' ? 'project' : 'profile',
        ...(variant === 'short' && { variant: 'short' }),
      });
      assert.deepEqual(decision.track, {
        placement: 'sidebar',
        content: decision.content?.id,
        flow: 'setup',
        step: (decision.reason as { step: string }).step,
        experiment: 'setup-test',
        variant,
      });
      if (i % 4 === 3) continue; // decided, never shown: no exposure
      clock.advance(1000);
      await append({ userId, event: 'Content Shown', properties: decision.track as never });
      clock.advance(1000);
      await append({ userId, event: 'Project Created' });
      expected[variant]![0] += 1;
      if (i % 2 === 0) {
        await append({ userId, event: 'Teammate Invited' });
        expected[variant]![1] += 1;
      }
      const stored = (await profileOf(userId)).experiments?.['setup-test'];
      assert.equal(stored?.variant, variant);
      assert.equal(stored?.exposedAt, clock.now() - 1000);
    }
    await processor.catchUp();
    await processor.flush();
    const results = experimentResults(experiment, await store.experimentTotals('ws', 'setup-test'));
    const users = people.filter((_, i) => i % 4 !== 3);
    const byVariant = Object.fromEntries(
      results.variants.map((v) => [
        v.id,
        [v.users, v.metrics['project']?.sum, v.metrics['invite']?.sum],
      ]),
    );
    const counts = (id: string) =>
      users.filter((userId) => variantOf(experiment, userId).id === id).length;
    assert.deepEqual(byVariant, {
      full: [counts('full'), ...(expected['full'] as [number, number])],
      short: [counts('short'), ...(expected['short'] as [number, number])],
    });
  });

  it('keeps an exposed person’s flow variant when hashing would move them; stopped serves the control', async () => {
    const rules = compileFlowExperiments([setupExperiment()]);
    const experiment = rules.experiments.byId.get('setup-test');
    assert.ok(experiment);
    const { append, profileOf, publish } = setup(rules);
    const userId = 'ada';
    const first = variantOf(experiment, userId).id;
    await append({
      userId,
      event: 'Experiment Viewed',
      properties: { experiment_id: 'setup-test', variation_id: first },
    });
    assert.equal((await profileOf(userId)).experiments?.['setup-test']?.variant, first);
    // A new salt would hash ada elsewhere half the time; find one that does.
    let salt = 0;
    let resalted = compileFlowExperiments([setupExperiment({ salt: 's0' })], 2);
    while (variantOf(resalted.experiments.byId.get('setup-test')!, userId).id === first) {
      salt++;
      resalted = compileFlowExperiments([setupExperiment({ salt: `s${salt}` })], 2);
    }
    publish(resalted);
    await append({ userId, event: 'Page Viewed' });
    const kept = (await profileOf(userId)).flows?.['setup']?.variant;
    assert.equal(kept, first === 'short' ? 'short' : undefined);
    // Stopped: the control (`full`, every step) for those who had a variant.
    publish(compileFlowExperiments([setupExperiment({ status: 'stopped' })], 3));
    await append({ userId, event: 'Page Viewed' });
    const profile = await profileOf(userId);
    assert.equal(profile.flows?.['setup']?.variant, undefined);
    const stopped = sidebar(
      compileFlowExperiments([setupExperiment({ status: 'stopped' })], 3),
      profile,
      T0,
    );
    assert.equal(stopped.track?.experiment, undefined);
  });
});
