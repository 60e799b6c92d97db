import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OnrampEvent } from '../events/event.js';
import type { ProfileState } from '../profiles/profile.js';
import { trackEvent } from '../rules/rule-fixtures.js';
import type { FlowChange } from './flow.js';
import { compileFlows, flowStep, newProfile, type CompiledFlows } from './flow-fixtures.js';
import { advanceFlowStep, updateFlowsForEvent, updateFlowsForFacts } from './flow-progress.js';

const MIN = 60_000;
const t0 = Date.UTC(2026, 0, 5, 9);

const identify = (traits: Record<string, unknown>, at: number): OnrampEvent =>
  trackEvent('', at, { type: 'identify', traits } as Partial<OnrampEvent>);
const track = (name: string, at: number, properties: Record<string, unknown> = {}) =>
  trackEvent(name, at, { properties } as Partial<OnrampEvent>);

const setupFlow = {
  id: 'setup',
  placement: 'sidebar',
  steps: [
    { id: 'profile', content: 'tip-profile', completion: { event: 'Profile Completed' } },
    {
      id: 'project',
      completion: { event: 'Project Created', where: { 'properties.sample': { $ne: true } } },
    },
    { id: 'invite', required: false, completion: { event: 'Teammate Invited' } },
    { id: 'verified', completion: { condition: { 'traits.emailVerified': true } } },
  ],
};

function started(flows: CompiledFlows, at = t0): ProfileState {
  const profile = newProfile(at);
  flowStep(flows, profile, track('Signed Up', at));
  return profile;
}

describe('updateFlowsForEvent', () => {
  it('starts a flow without audience at the first event and reaches its first step', () => {
    const flows = compileFlows([setupFlow]);
    const profile = newProfile(t0);
    assert.deepEqual(flowStep(flows, profile, track('Signed Up', t0)), [
      { type: 'started', flow: 'setup' },
      { type: 'step-reached', flow: 'setup', step: 'profile' },
    ]);
    assert.deepEqual(profile.flows?.['setup'], { step: 'profile', at: t0, startedAt: t0 });
    assert.deepEqual(flowStep(flows, profile, track('Page Viewed', t0 + 1)), []);
  });

  it('completes steps by their event from any source, matching where, then by condition', () => {
    const flows = compileFlows([setupFlow]);
    const profile = started(flows);
    // A sample project does not count.
    assert.deepEqual(
      flowStep(flows, profile, track('Project Created', t0 + MIN, { sample: true })),
      [],
    );
    assert.deepEqual(flowStep(flows, profile, track('Project Created', t0 + 2 * MIN)), [
      { type: 'step-completed', flow: 'setup', step: 'project', by: 'event' },
    ]);
    // An event sent by the app's backend (another source, no anonymousId) counts the same.
    const backend = trackEvent('Profile Completed', t0 + 3 * MIN, { anonymousId: undefined });
    assert.deepEqual(flowStep(flows, profile, backend), [
      { type: 'step-completed', flow: 'setup', step: 'profile', by: 'event' },
      { type: 'step-reached', flow: 'setup', step: 'invite' },
    ]);
    assert.deepEqual(
      flowStep(flows, profile, identify({ emailVerified: false }, t0 + 4 * MIN)),
      [],
    );
    assert.deepEqual(flowStep(flows, profile, identify({ emailVerified: true }, t0 + 5 * MIN)), [
      { type: 'step-completed', flow: 'setup', step: 'verified', by: 'condition' },
      { type: 'completed', flow: 'setup', durationMs: 5 * MIN },
    ]);
    assert.deepEqual(profile.flows?.['setup'], {
      step: '',
      at: t0 + 5 * MIN,
      startedAt: t0,
      done: { project: t0 + 2 * MIN, profile: t0 + 3 * MIN, verified: t0 + 5 * MIN },
      completedAt: t0 + 5 * MIN,
    });
    // Completed flows stay completed: the optional step's event changes nothing.
    assert.deepEqual(flowStep(flows, profile, track('Teammate Invited', t0 + 6 * MIN)), []);
    assert.equal(profile.flows?.['setup']?.completedAt, t0 + 5 * MIN);
  });

  it('is idempotent: the same events again change nothing', () => {
    const flows = compileFlows([setupFlow]);
    const profile = started(flows);
    const events = [
      track('Project Created', t0 + 1),
      track('Profile Completed', t0 + 2),
      identify({ emailVerified: true }, t0 + 3),
    ];
    const first = events.flatMap((event) => flowStep(flows, profile, event));
    assert.equal(first.filter((change) => change.type === 'completed').length, 1);
    const before = structuredClone(profile.flows);
    for (const event of events) assert.deepEqual(flowStep(flows, profile, event), []);
    const again = trackEvent('Project Created', t0 + 9);
    assert.deepEqual(flowStep(flows, profile, again), []);
    assert.deepEqual(profile.flows, before);
  });

  it('completes on the event that starts the flow, reaching the next step', () => {
    const flows = compileFlows([setupFlow]);
    const profile = newProfile(t0);
    assert.deepEqual(flowStep(flows, profile, track('Profile Completed', t0)), [
      { type: 'started', flow: 'setup' },
      { type: 'step-reached', flow: 'setup', step: 'profile' },
      { type: 'step-completed', flow: 'setup', step: 'profile', by: 'event' },
      { type: 'step-reached', flow: 'setup', step: 'project' },
    ]);
  });

  it('starts when the audience first holds; ignores the flow before', () => {
    const flows = compileFlows([{ ...setupFlow, audience: { 'traits.role': 'admin' } }]);
    const profile = newProfile(t0);
    assert.deepEqual(flowStep(flows, profile, track('Profile Completed', t0)), []);
    assert.equal(Object.keys(profile.flows ?? {}).length, 0);
    assert.deepEqual(flowStep(flows, profile, identify({ role: 'admin' }, t0 + MIN)), [
      { type: 'started', flow: 'setup' },
      { type: 'step-reached', flow: 'setup', step: 'profile' },
    ]);
    // The step done before the start does not count; done again now, it does.
    assert.equal(profile.flows?.['setup']?.done, undefined);
    assert.equal(flowStep(flows, profile, track('Profile Completed', t0 + 2 * MIN)).length, 2);
    // Leaving the audience does not stop a started flow.
    flowStep(flows, profile, identify({ role: 'member' }, t0 + 3 * MIN));
    assert.deepEqual(flowStep(flows, profile, track('Project Created', t0 + 4 * MIN)), [
      { type: 'step-completed', flow: 'setup', step: 'project', by: 'event' },
      { type: 'step-reached', flow: 'setup', step: 'invite' },
    ]);
  });

  it('chooses the variant by trait and by segment, and re-chooses it as facts change', () => {
    const tour = {
      id: 'tour',
      steps: ['a', 'b', 'c'].map((id) => ({ id, completion: { event: `${id} done` } })),
      variants: [
        // A set path matches when it holds the value (there is no `$contains` operator).
        { id: 'admins', when: { segments: 'admins' }, steps: ['c', 'a'] },
        { id: 'pro', when: { 'traits.plan': 'pro' }, steps: ['b'] },
      ],
    };
    const flows = compileFlows([tour]);
    const admin = newProfile(t0);
    admin.segments = ['admins'];
    assert.deepEqual(flowStep(flows, admin, track('Signed Up', t0)), [
      { type: 'started', flow: 'tour', variant: 'admins' },
      { type: 'step-reached', flow: 'tour', step: 'c' },
    ]);
    const pro = newProfile(t0);
    assert.deepEqual(flowStep(flows, pro, identify({ plan: 'pro' }, t0)), [
      { type: 'started', flow: 'tour', variant: 'pro' },
      { type: 'step-reached', flow: 'tour', step: 'b' },
    ]);
    const other = newProfile(t0);
    assert.deepEqual(flowStep(flows, other, track('a done', t0)), [
      { type: 'started', flow: 'tour' },
      { type: 'step-reached', flow: 'tour', step: 'a' },
      { type: 'step-completed', flow: 'tour', step: 'a', by: 'event' },
      { type: 'step-reached', flow: 'tour', step: 'b' },
    ]);
    flowStep(flows, other, track('c done', t0 + 1));
    // Becoming an admin switches to the admins' steps, both done already: completed.
    other.segments = ['admins'];
    assert.deepEqual(flowStep(flows, other, track('Page Viewed', t0 + 2)), [
      { type: 'completed', flow: 'tour', durationMs: 2 },
    ]);
    assert.equal(other.flows?.['tour']?.variant, 'admins');
  });

  it('skips optional steps only, and dismisses steps without completing them', () => {
    const flows = compileFlows([setupFlow]);
    const profile = started(flows);
    flowStep(flows, profile, track('Profile Completed', t0 + 1));
    flowStep(flows, profile, track('Project Created', t0 + 2));
    assert.equal(profile.flows?.['setup']?.step, 'invite');
    // A required step cannot be skipped.
    const skip = (step: string, at: number) =>
      track('Flow Step Skipped', at, { flow: 'setup', step });
    assert.deepEqual(flowStep(flows, profile, skip('verified', t0 + 3)), []);
    assert.deepEqual(flowStep(flows, profile, skip('invite', t0 + 4)), [
      { type: 'step-skipped', flow: 'setup', step: 'invite' },
      { type: 'step-reached', flow: 'setup', step: 'verified' },
    ]);
    assert.deepEqual(flowStep(flows, profile, skip('invite', t0 + 5)), []);
    const dismiss = (step: string, at: number) =>
      track('Content Dismissed', at, { placement: 'sidebar', content: 'x', flow: 'setup', step });
    // A dismissed step is still to do (and still the current one).
    assert.deepEqual(flowStep(flows, profile, dismiss('verified', t0 + 6)), [
      { type: 'step-dismissed', flow: 'setup', step: 'verified' },
    ]);
    assert.deepEqual(flowStep(flows, profile, dismiss('verified', t0 + 7)), []);
    assert.deepEqual(profile.flows?.['setup']?.skipped, { invite: t0 + 4 });
    assert.deepEqual(profile.flows?.['setup']?.dismissed, { verified: t0 + 6 });
    assert.equal(profile.flows?.['setup']?.step, 'verified');
    assert.deepEqual(flowStep(flows, profile, identify({ emailVerified: true }, t0 + 8)), [
      { type: 'step-completed', flow: 'setup', step: 'verified', by: 'condition' },
      { type: 'completed', flow: 'setup', durationMs: 8 },
    ]);
  });

  it('completes a step named by Content Completed', () => {
    const flows = compileFlows([setupFlow]);
    const profile = started(flows);
    const completed = track('Content Completed', t0 + 1, {
      placement: 'sidebar',
      content: 'tip-profile',
      flow: 'setup',
      step: 'profile',
    });
    assert.deepEqual(flowStep(flows, profile, completed), [
      { type: 'step-completed', flow: 'setup', step: 'profile', by: 'event' },
      { type: 'step-reached', flow: 'setup', step: 'project' },
    ]);
    assert.deepEqual(flowStep(flows, profile, completed), []);
  });

  it('completes a flow of optional steps once each is done or skipped', () => {
    const flows = compileFlows([
      {
        id: 'tips',
        steps: ['a', 'b'].map((id) => ({ id, required: false, completion: { event: id } })),
      },
    ]);
    const profile = started(flows);
    flowStep(flows, profile, track('a', t0 + 1));
    assert.deepEqual(
      flowStep(flows, profile, track('Flow Step Skipped', t0 + 2, { flow: 'tips', step: 'b' })),
      [
        { type: 'step-skipped', flow: 'tips', step: 'b' },
        { type: 'completed', flow: 'tips', durationMs: 2 },
      ],
    );
  });

  it('completes any-event steps and counts page events by their metric name', () => {
    const flows = compileFlows([
      {
        id: 'f',
        steps: [
          { id: 'page', completion: { event: '$page', where: { name: 'Pricing' } } },
          { id: 'any', completion: { event: '*', where: { 'properties.k': 1 } } },
        ],
      },
    ]);
    const profile = started(flows);
    const page = trackEvent('', t0 + 1, { type: 'page', name: 'Pricing' } as Partial<OnrampEvent>);
    assert.deepEqual(flowStep(flows, profile, page), [
      { type: 'step-completed', flow: 'f', step: 'page', by: 'event' },
      { type: 'step-reached', flow: 'f', step: 'any' },
    ]);
    assert.deepEqual(flowStep(flows, profile, track('Whatever', t0 + 2, { k: 1 })).at(-1), {
      type: 'completed',
      flow: 'f',
      durationMs: 2,
    });
  });

  it('ignores malformed interaction events and prototype keys', () => {
    const flows = compileFlows([setupFlow]);
    const profile = started(flows);
    const bad: unknown[] = [
      undefined,
      [],
      { flow: 'setup' },
      { flow: 'setup', step: 3 },
      { flow: 'setup', step: 'nope' },
      { flow: 'nope', step: 'profile' },
      { flow: '__proto__', step: 'profile' },
      { flow: 'setup', step: '__proto__' },
      { flow: 'setup', step: 'constructor' },
      JSON.parse('{"__proto__": {"flow": "setup", "step": "profile"}}'),
      Object.create({ flow: 'setup', step: 'profile' }),
    ];
    for (const properties of bad) {
      for (const name of ['Content Completed', 'Content Dismissed', 'Flow Step Skipped']) {
        const event = trackEvent(name, t0 + 1, { properties } as Partial<OnrampEvent>);
        assert.deepEqual(flowStep(flows, profile, event), [], JSON.stringify(properties));
      }
    }
    assert.deepEqual(profile.flows?.['setup'], { step: 'profile', at: t0, startedAt: t0 });
    assert.equal(({} as Record<string, unknown>)['step'], undefined);
  });

  it('survives a loaded state with prototype keys and progress kept before the flow existed', () => {
    const flows = compileFlows([setupFlow]);
    const profile = newProfile(t0);
    profile.flows = JSON.parse(
      '{"__proto__": {"step": "x", "at": 1}, "setup": {"step": "legacy", "at": 5}}',
    ) as ProfileState['flows'];
    assert.deepEqual(flowStep(flows, profile, track('Signed Up', t0)).slice(0, 1), [
      { type: 'started', flow: 'setup' },
    ]);
    assert.deepEqual(profile.flows?.['setup'], { step: 'profile', at: t0, startedAt: t0 });
    assert.equal(({} as Record<string, unknown>)['at'], undefined);
  });

  it('allocates nothing when no flow has anything to check', () => {
    const flows = compileFlows([{ id: 'f', steps: [{ id: 'a', completion: { event: 'A' } }] }]);
    const profile = started(flows);
    const event = track('Other', t0 + 1);
    const first = updateFlowsForEvent(flows.set, profile, event, { now: t0 + 1 });
    const second = updateFlowsForEvent(flows.set, profile, event, { now: t0 + 2 });
    assert.equal(first, second);
    assert.ok(Object.isFrozen(first));
    assert.deepEqual(first, []);
  });
});

describe('updateFlowsForFacts', () => {
  it('completes condition steps after facts changed without an event', () => {
    const flows = compileFlows([setupFlow]);
    const profile = started(flows);
    profile.traits = { emailVerified: true };
    assert.deepEqual(updateFlowsForFacts(flows.set, profile, { now: t0 + 1 }), [
      { type: 'step-completed', flow: 'setup', step: 'verified', by: 'condition' },
    ]);
    assert.deepEqual(updateFlowsForFacts(flows.set, profile, { now: t0 + 2 }), []);
  });

  it('settles merged progress: completes it when both halves did every step', () => {
    const flows = compileFlows([
      { id: 'f', steps: ['a', 'b'].map((id) => ({ id, completion: { event: id } })) },
    ]);
    const profile = started(flows);
    const progress = profile.flows?.['f'];
    assert.ok(progress !== undefined);
    progress.done = { a: t0 + 1, b: t0 + 2 };
    assert.deepEqual(updateFlowsForFacts(flows.set, profile, { now: t0 + 3 }), [
      { type: 'completed', flow: 'f', durationMs: 3 },
    ]);
  });
});

describe('advanceFlowStep', () => {
  const flows = compileFlows([setupFlow]);
  const setup = flows.set.byId.get('setup');
  assert.ok(setup !== undefined);

  it('completes the named step, else the current one, by action', () => {
    const profile = started(flows);
    assert.deepEqual(advanceFlowStep(setup, profile, 'project', t0 + 1), [
      { type: 'step-completed', flow: 'setup', step: 'project', by: 'action' },
    ]);
    assert.deepEqual(advanceFlowStep(setup, profile, undefined, t0 + 2), [
      { type: 'step-completed', flow: 'setup', step: 'profile', by: 'action' },
      { type: 'step-reached', flow: 'setup', step: 'invite' },
    ]);
    assert.deepEqual(advanceFlowStep(setup, profile, 'project', t0 + 3), []);
    assert.deepEqual(advanceFlowStep(setup, profile, 'nope', t0 + 3), []);
  });

  it('starts a flow the profile has not started', () => {
    const profile = newProfile(t0);
    const changes: FlowChange[] = advanceFlowStep(setup, profile, undefined, t0 + 1);
    assert.deepEqual(changes, [
      { type: 'started', flow: 'setup' },
      { type: 'step-reached', flow: 'setup', step: 'profile' },
      { type: 'step-completed', flow: 'setup', step: 'profile', by: 'action' },
      { type: 'step-reached', flow: 'setup', step: 'project' },
    ]);
  });

  it('leaves a completed flow alone', () => {
    const profile = started(flows);
    for (const step of ['profile', 'project', 'verified'])
      advanceFlowStep(setup, profile, step, t0 + 1);
    assert.equal(profile.flows?.['setup']?.completedAt, t0 + 1);
    assert.deepEqual(advanceFlowStep(setup, profile, 'invite', t0 + 2), []);
  });
});
