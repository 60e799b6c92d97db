import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PresentedAnswer } from '../decide/present-decision.js';
import { decisionStateOf, diffDecisionStates } from './decision-update.js';

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
