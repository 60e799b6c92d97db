import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeUpdate } from '../src/merge-update.js';
import type { Decision, FlowView } from '../src/types.js';

const decision = (placement: string, content: string | null): Decision => ({
  placement,
  content: content === null ? null : { id: content, type: 'banner', locale: 'en', fields: {} },
  reason: { type: 'default' },
});
const flow = { flow: 'start', started: true, done: 0, total: 1 } as FlowView;

describe('mergeUpdate', () => {
  it('replaces on full, merges partial messages, and removes placements sent as null', () => {
    const first = mergeUpdate(undefined, '1.1.a', {
      full: true,
      version: 1,
      profileVersion: 1,
      decisions: { hero: decision('hero', 'welcome'), side: decision('side', null) },
      flows: { start: flow },
    });
    assert.deepEqual(Object.keys(first.decisions), ['hero', 'side']);
    const second = mergeUpdate(first, '1.2.b', {
      full: false,
      version: 1,
      profileVersion: 2,
      decisions: { side: decision('side', 'upgrade'), hero: null },
    });
    assert.deepEqual(second.changed, ['side', 'hero']);
    assert.deepEqual(Object.keys(second.decisions), ['side']);
    assert.equal(second.flows['start'], flow, 'flows untouched by a message without flows');
    assert.notEqual(second.decisions, first.decisions, 'a new object for a new state');
    const third = mergeUpdate(second, '2.2.c', {
      full: true,
      version: 2,
      profileVersion: 2,
      decisions: { other: decision('other', null) },
    });
    assert.deepEqual(third.changed.sort(), ['other', 'side']);
    assert.deepEqual(third.flows, {});
    assert.ok(Object.isFrozen(third.decisions));
  });
});

describe('mergeUpdate with flags', () => {
  const on = { value: true, variant: 'on', reason: 'SPLIT' } as const;
  const off = { value: false, variant: 'off', reason: 'DEFAULT' } as const;

  it('merges changed flags, keeps the others by identity, and names what changed', () => {
    const first = mergeUpdate(undefined, '1.1.a', {
      full: true,
      version: 1,
      profileVersion: 1,
      decisions: {},
      flags: { checkout: off, layout: off },
    });
    assert.deepEqual(first.changedFlags, ['checkout', 'layout']);
    const second = mergeUpdate(first, '1.2.b', {
      full: false,
      version: 1,
      profileVersion: 2,
      decisions: {},
      flags: { checkout: on, layout: null },
    });
    assert.deepEqual(second.changedFlags, ['checkout', 'layout']);
    assert.deepEqual(second.flags, { checkout: on });
    assert.deepEqual(second.changed, [], 'no placement changed');
    const third = mergeUpdate(second, '1.3.c', {
      full: false,
      version: 1,
      profileVersion: 3,
      decisions: { hero: decision('hero', null) },
    });
    assert.equal(third.flags['checkout'], second.flags['checkout'], 'untouched');
    assert.deepEqual(third.changedFlags, []);
    const full = mergeUpdate(third, '2.3.d', {
      full: true,
      version: 2,
      profileVersion: 3,
      decisions: {},
      flags: { other: on },
    });
    assert.deepEqual(full.changedFlags.sort(), ['checkout', 'other']);
    assert.ok(Object.isFrozen(full.flags));
  });
});
