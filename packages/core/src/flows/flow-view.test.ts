import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OnrampEvent } from '../events/event.js';
import { trackEvent } from '../rules/rule-fixtures.js';
import type { CompiledFlow } from './flow.js';
import { compileFlows, flowStep, newProfile, type CompiledFlows } from './flow-fixtures.js';
import { flowView } from './flow-view.js';

const MIN = 60_000;
const t0 = Date.UTC(2026, 0, 5, 9);

const identify = (traits: Record<string, unknown>, at: number): OnrampEvent =>
  trackEvent('', at, { type: 'identify', traits } as Partial<OnrampEvent>);
const track = (name: string, at: number, properties: Record<string, unknown> = {}) =>
  trackEvent(name, at, { properties } as Partial<OnrampEvent>);

const checklist = {
  id: 'checklist',
  placement: 'sidebar',
  steps: [
    { id: 'a', title: 'Do {{ a }}', content: 'tip-a', completion: { event: 'A' } },
    {
      id: 'b',
      priority: 5,
      placement: 'modal',
      when: { 'traits.plan': 'pro' },
      completion: { event: 'B' },
    },
    { id: 'c', priority: 5, completion: { event: 'C' } },
    { id: 'd', required: false, completion: { event: 'D' } },
  ],
};

function flowOf(flows: CompiledFlows, id: string): CompiledFlow {
  const flow = flows.set.byId.get(id);
  assert.ok(flow !== undefined);
  return flow;
}

describe('flowView', () => {
  it('shows a flow not started yet, every step to do, offered when eligible', () => {
    const flows = compileFlows([
      checklist,
      { ...checklist, id: 'admins', audience: { 'traits.role': 'admin' } },
    ]);
    const profile = newProfile(t0);
    const view = flowView(flowOf(flows, 'checklist'), profile, { now: t0 });
    assert.deepEqual(view, {
      flow: 'checklist',
      started: false,
      eligible: true,
      current: 'a',
      nextBest: 'c',
      steps: [
        {
          id: 'a',
          required: true,
          status: 'todo',
          content: 'tip-a',
          placement: 'sidebar',
          title: 'Do {{ a }}',
        },
        { id: 'b', required: true, status: 'todo', placement: 'modal' },
        { id: 'c', required: true, status: 'todo', placement: 'sidebar' },
        { id: 'd', required: false, status: 'todo', placement: 'sidebar' },
      ],
      done: 0,
      total: 4,
      requiredDone: 0,
      requiredTotal: 3,
      percent: 0,
      completed: false,
    });
    const outside = flowView(flowOf(flows, 'admins'), profile, { now: t0 });
    assert.equal(outside.eligible, false);
    assert.equal(outside.current, undefined);
    assert.equal(outside.nextBest, undefined);
    profile.traits = { role: 'admin' };
    assert.equal(flowView(flowOf(flows, 'admins'), profile, { now: t0 }).nextBest, 'c');
  });

  it('offers the eligible step of highest priority, then the first listed', () => {
    const flows = compileFlows([checklist]);
    const flow = flowOf(flows, 'checklist');
    const profile = newProfile(t0);
    flowStep(flows, profile, track('Signed Up', t0));
    assert.equal(flowView(flow, profile, { now: t0 }).nextBest, 'c');
    flowStep(flows, profile, identify({ plan: 'pro' }, t0 + 1));
    assert.equal(flowView(flow, profile, { now: t0 }).nextBest, 'b');
    flowStep(flows, profile, track('B', t0 + 2));
    assert.equal(flowView(flow, profile, { now: t0 }).nextBest, 'c');
    // A dismissed step is not offered again, but stays the current one.
    flowStep(
      flows,
      profile,
      track('Content Dismissed', t0 + 3, { content: 'x', flow: 'checklist', step: 'c' }),
    );
    flowStep(
      flows,
      profile,
      track('Content Dismissed', t0 + 4, { content: 'x', flow: 'checklist', step: 'a' }),
    );
    const view = flowView(flow, profile, { now: t0 + 5 });
    assert.equal(view.current, 'a');
    assert.equal(view.nextBest, 'd');
    assert.deepEqual(
      view.steps.map((step) => [step.id, step.status, step.at]),
      [
        ['a', 'dismissed', t0 + 4],
        ['b', 'done', t0 + 2],
        ['c', 'dismissed', t0 + 3],
        ['d', 'todo', undefined],
      ],
    );
  });

  it('counts progress, percent rounded down, and the time to complete', () => {
    const flows = compileFlows([checklist]);
    const flow = flowOf(flows, 'checklist');
    const profile = newProfile(t0);
    flowStep(flows, profile, track('A', t0));
    flowStep(flows, profile, track('D', t0 + MIN));
    let view = flowView(flow, profile, { now: t0 + MIN });
    assert.deepEqual(
      [view.started, view.done, view.total, view.requiredDone, view.requiredTotal, view.percent],
      [true, 2, 4, 1, 3, 33],
    );
    assert.equal(view.startedAt, t0);
    assert.equal(view.completedAt, undefined);
    assert.equal(view.timeToCompleteMs, undefined);
    flowStep(flows, profile, track('B', t0 + 2 * MIN));
    assert.equal(flowView(flow, profile, { now: t0 }).percent, 66);
    flowStep(flows, profile, track('C', t0 + 3 * MIN));
    view = flowView(flow, profile, { now: t0 + 4 * MIN });
    assert.equal(view.completed, true);
    assert.equal(view.percent, 100);
    assert.equal(view.completedAt, t0 + 3 * MIN);
    assert.equal(view.timeToCompleteMs, 3 * MIN);
    assert.equal(view.current, undefined);
    assert.equal(view.nextBest, undefined);
  });

  it("shows the variant's steps in its order, the stored variant once started", () => {
    const flows = compileFlows([
      {
        ...checklist,
        variants: [{ id: 'short', when: { 'traits.plan': 'pro' }, steps: ['c', 'a'] }],
      },
    ]);
    const flow = flowOf(flows, 'checklist');
    const profile = newProfile(t0);
    profile.traits = { plan: 'pro' };
    const before = flowView(flow, profile, { now: t0 });
    assert.equal(before.variant, 'short');
    assert.deepEqual(
      before.steps.map((step) => step.id),
      ['c', 'a'],
    );
    flowStep(flows, profile, track('A', t0));
    // The traits change without an update: the view keeps the variant of the last update.
    profile.traits = {};
    const view = flowView(flow, profile, { now: t0 });
    assert.equal(view.variant, 'short');
    assert.deepEqual(
      [view.current, view.requiredDone, view.requiredTotal, view.percent],
      ['c', 1, 2, 50],
    );
  });

  it('treats progress kept before the flow was defined as not started', () => {
    const flows = compileFlows([checklist]);
    const profile = newProfile(t0);
    profile.flows = JSON.parse(
      '{"checklist": {"step": "c", "at": 1}, "__proto__": {"step": "a", "at": 1}}',
    );
    const view = flowView(flowOf(flows, 'checklist'), profile, { now: t0 });
    assert.equal(view.started, false);
    assert.equal(view.current, 'a');
  });
});
