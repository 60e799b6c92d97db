import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrackingPlanSettings } from '../settings/workspace-settings.js';
import type { OnrampEvent } from './event.js';
import { checkTrackingPlan, compileTrackingPlan } from './tracking-plan.js';

const signedUp = {
  type: 'object',
  properties: {
    plan: { type: 'string', enum: ['free', 'pro'] },
    seats: { type: 'integer', minimum: 1 },
    email: { type: 'string', format: 'email' },
    items: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' } } } },
  },
  required: ['plan'],
  additionalProperties: false,
};

function plan(overrides: Partial<TrackingPlanSettings> = {}) {
  return compileTrackingPlan({
    mode: 'reject',
    unplannedEvents: 'allow',
    events: {
      'Signed Up': signedUp,
      $identify: { type: 'object', properties: { role: { type: 'string' } } },
      $page: { type: 'object', required: ['path'] },
    },
    ...overrides,
  });
}

function event(fields: Partial<OnrampEvent>): OnrampEvent {
  return { type: 'track', messageId: 'm', userId: 'u', timestamp: 0, receivedAt: 0, ...fields };
}

const signUp = (properties: OnrampEvent['properties']) => event({ event: 'Signed Up', properties });

describe('compileTrackingPlan', () => {
  it('throws an error naming the event of an invalid schema', () => {
    assert.throws(
      () => plan({ events: { Good: {}, 'Bad Event': { type: 'strng' } } }),
      (error: Error) => error.message.startsWith('trackingPlan.events.Bad Event: '),
    );
    assert.throws(() => plan({ mode: 'off', events: { X: { minimum: 'one' } } }), /events\.X/);
  });

  it('gives each plan its own Ajv, so equal $ids in two plans do not collide', () => {
    const events = { A: { $id: 'https://example.com/a', type: 'object' } };
    plan({ events });
    plan({ events });
  });
});

describe('checkTrackingPlan', () => {
  it('passes events that follow their schema', () => {
    const check = checkTrackingPlan(plan(), signUp({ plan: 'pro', seats: 3, email: 'a@b.co' }));
    assert.deepEqual(check, { outcome: 'ok', violations: [] });
  });

  it('rejects violations in mode reject, naming each field', () => {
    const check = checkTrackingPlan(
      plan(),
      signUp({ plan: 5, seats: 0, email: 'nope', extra: true, items: [{ sku: 1 }] }),
    );
    assert.equal(check.outcome, 'reject');
    assert.deepEqual(
      check.violations.map((v) => v.field),
      [
        'properties.extra',
        'properties.plan',
        'properties.plan',
        'properties.seats',
        'properties.email',
        'properties.items[0].sku',
      ],
    );
    assert.ok(check.violations.some((v) => v.message === 'must be string'));
  });

  it('names a missing required property and validates absent properties as {}', () => {
    const check = checkTrackingPlan(plan({ mode: 'flag' }), event({ event: 'Signed Up' }));
    assert.deepEqual(check, {
      outcome: 'flag',
      violations: [{ field: 'properties.plan', message: "must have required property 'plan'" }],
    });
  });

  it('always passes with mode off', () => {
    const off = plan({ mode: 'off', unplannedEvents: 'reject' });
    assert.equal(checkTrackingPlan(off, signUp({ plan: 5 })).outcome, 'ok');
    assert.equal(checkTrackingPlan(off, event({ event: 'Unplanned' })).outcome, 'ok');
  });

  it('applies unplannedEvents to track events without a schema only', () => {
    const unplanned = event({ event: 'Clicked' });
    assert.equal(checkTrackingPlan(plan(), unplanned).outcome, 'ok');
    const flagged = checkTrackingPlan(plan({ mode: 'flag', unplannedEvents: 'flag' }), unplanned);
    assert.deepEqual(flagged, {
      outcome: 'flag',
      violations: [{ field: 'event', message: 'is not in the tracking plan' }],
    });
    const rejecting = plan({ unplannedEvents: 'reject' });
    assert.equal(checkTrackingPlan(rejecting, unplanned).outcome, 'reject');
    assert.equal(checkTrackingPlan(rejecting, event({ type: 'screen', name: 'X' })).outcome, 'ok');
    // Names that are also Object.prototype keys are not "planned".
    assert.equal(checkTrackingPlan(rejecting, event({ event: 'constructor' })).outcome, 'reject');
  });

  it('checks identify traits against $identify and page properties against $page', () => {
    const identify = event({ type: 'identify', traits: { role: 7 } });
    assert.deepEqual(checkTrackingPlan(plan(), identify).violations, [
      { field: 'traits.role', message: 'must be string' },
    ]);
    const page = event({ type: 'page', properties: { url: 'https://x' } });
    assert.deepEqual(checkTrackingPlan(plan(), page).violations, [
      { field: 'properties.path', message: "must have required property 'path'" },
    ]);
    const goodPage = event({ type: 'page', properties: { path: '/' } });
    assert.equal(checkTrackingPlan(plan(), goodPage).outcome, 'ok');
  });

  it('quotes odd property names and unescapes JSON pointers', () => {
    const odd = plan({
      events: { E: { properties: { 'a/b c': { type: 'string' }, 'x~y': { type: 'number' } } } },
    });
    const check = checkTrackingPlan(
      odd,
      event({ event: 'E', properties: { 'a/b c': 1, 'x~y': 'n' } }),
    );
    assert.deepEqual(
      check.violations.map((v) => v.field),
      ['properties["a/b c"]', 'properties["x~y"]'],
    );
  });
});
