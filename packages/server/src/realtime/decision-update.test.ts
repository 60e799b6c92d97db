import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PresentedAnswer } from '../decide/present-decision.js';
import {
  decisionStateOf,
  diffDecisionStates,
  mergeDecisionUpdates,
  type DecisionUpdate,
} from './decision-update.js';

function answer(title: string, flows?: PresentedAnswer['flows']): PresentedAnswer {
  return {
    version: 1,
    profileVersion: 2,
    personalized: true,
    decisions: {
      banner: {
        placement: 'banner',
        content: { id: 'welcome', type: 'banner', locale: 'en', fields: { title } },
        reason: { type: 'default' },
      },
      sidebar: { placement: 'sidebar', content: null, reason: { type: 'none' } },
    },
    ...(flows === undefined ? {} : { flows }),
  };
}

describe('decisionStateOf', () => {
  it('is the previous state itself when nothing changed; a changed one shares the unchanged entries', () => {
    const first = decisionStateOf(answer('Hi'), true);
    assert.equal(decisionStateOf(answer('Hi'), true, first), first);
    const changed = decisionStateOf(answer('Hello'), true, first);
    assert.notEqual(changed, first);
    assert.notEqual(changed.decisions.get('banner'), first.decisions.get('banner'));
    assert.equal(changed.decisions.get('sidebar'), first.decisions.get('sidebar'));
    assert.deepEqual(changed, decisionStateOf(answer('Hello'), true), 'as a fresh state');
    assert.equal(diffDecisionStates(first, first, true)?.decisions.banner?.content?.id, 'welcome');
  });

  it('keeps the previous digest only when every entry is the same, and it equals a fresh one', () => {
    const first = decisionStateOf(answer('Hi'), false);
    const same = decisionStateOf(answer('Hi'), false, first);
    assert.equal(same.digest, first.digest);
    assert.equal(same.digest, decisionStateOf(answer('Hi'), false).digest);
    assert.equal(diffDecisionStates(first, same, false), undefined, 'nothing to send');

    const changed = decisionStateOf(answer('Hello'), false, first);
    assert.notEqual(changed.digest, first.digest);
    assert.equal(changed.digest, decisionStateOf(answer('Hello'), false).digest);
    assert.deepEqual(Object.keys(diffDecisionStates(first, changed, false)?.decisions ?? {}), [
      'banner',
    ]);
  });

  it('hashes again when flows appear or change', () => {
    const view = { flow: 'start', started: false, steps: [], done: 0, total: 0 } as never;
    const without = decisionStateOf(answer('Hi'), false);
    const withFlows = decisionStateOf(answer('Hi', { start: view }), true, without);
    assert.notEqual(withFlows.digest, without.digest);
    assert.equal(withFlows.digest, decisionStateOf(answer('Hi', { start: view }), true).digest);
    const other = { ...(view as object), done: 1 } as never;
    const moved = decisionStateOf(answer('Hi', { start: other }), true, withFlows);
    assert.notEqual(moved.digest, withFlows.digest);
  });
});

describe('flags in the state', () => {
  const withFlags = (value: number, extra = {}): PresentedAnswer => ({
    ...answer('Hi'),
    flags: { limit: { value, reason: 'DEFAULT', variant: `v${value}` }, ...extra },
  });

  it('hashes flags only when asked for, and sends only the changed ones', () => {
    const plain = decisionStateOf(answer('Hi'), false);
    const empty = decisionStateOf({ ...answer('Hi'), flags: {} }, false, plain);
    assert.notEqual(empty.digest, plain.digest, 'asking for flags is another state');
    const three = decisionStateOf(withFlags(3), false);
    const same = decisionStateOf(withFlags(3), false, three);
    assert.equal(same.digest, three.digest);
    assert.equal(diffDecisionStates(three, same, false), undefined);
    const five = decisionStateOf(withFlags(5), false, three);
    assert.notEqual(five.digest, three.digest);
    assert.deepEqual(diffDecisionStates(three, five, false), {
      decisions: {},
      flags: { limit: { value: 5, reason: 'DEFAULT', variant: 'v5' } },
    });
    const removed = decisionStateOf({ ...answer('Hi'), flags: {} }, false, five);
    assert.deepEqual(diffDecisionStates(five, removed, false)?.flags, { limit: null });
    assert.deepEqual(Object.keys(diffDecisionStates(five, removed, true)?.decisions ?? {}), [
      'banner',
      'sidebar',
    ]);
  });

  it('merges waiting updates flag by flag', () => {
    const update = (flags: DecisionUpdate['flags']): DecisionUpdate => ({
      id: '1.1.000000000000',
      full: false,
      version: 1,
      profileVersion: 1,
      decisions: {},
      ...(flags === undefined ? {} : { flags }),
    });
    const a = { value: 1, reason: 'DEFAULT' as const };
    const b = { value: 2, reason: 'DEFAULT' as const };
    const merged = mergeDecisionUpdates(update({ x: a, y: a }), update({ y: b }));
    assert.deepEqual(merged.flags, { x: a, y: b });
    assert.equal(mergeDecisionUpdates(update(undefined), update(undefined)).flags, undefined);
  });
});
