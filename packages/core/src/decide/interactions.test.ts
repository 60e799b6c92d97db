import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OnrampEvent } from '../events/event.js';
import { createProfile } from '../profiles/apply-event.js';
import type { ProfileState } from '../profiles/profile.js';
import {
  INTERACTION_LAST_SHOWN_AT,
  MAX_INTERACTION_CONTENT,
  applyInteraction,
  dismissedAt,
  interactionsOf,
  mergeInteractions,
  shownCount,
} from './interactions.js';

const t0 = Date.UTC(2026, 0, 5, 9);
let serial = 0;

function event(name: string, at: number, properties?: unknown, type = 'track'): OnrampEvent {
  serial += 1;
  return {
    type,
    event: name,
    messageId: `m${serial}`,
    userId: 'u1',
    properties,
    timestamp: at,
    receivedAt: at,
  } as OnrampEvent;
}

function profile(): ProfileState {
  return createProfile('p1', t0);
}

describe('applyInteraction', () => {
  it('counts each kind per content and keeps the last shown and dismissed times', () => {
    const p = profile();
    const shown = { placement: 'banner', content: 'welcome', variant: 'b', rule: 'r1' };
    assert.deepEqual(applyInteraction(p, event('Content Shown', t0, shown)), {
      kind: 'shown',
      content: 'welcome',
      placement: 'banner',
    });
    applyInteraction(p, event('Content Shown', t0 + 10, shown));
    // An event arriving late does not move the last time back.
    applyInteraction(p, event('Content Shown', t0 + 5, shown));
    applyInteraction(p, event('Content Clicked', t0 + 11, shown));
    assert.deepEqual(
      applyInteraction(
        p,
        event('Content Dismissed', t0 + 12, { content: 'welcome', flow: 'setup', step: 'a' }),
      ),
      { kind: 'dismissed', content: 'welcome', flow: 'setup', step: 'a' },
    );
    assert.equal(
      applyInteraction(p, event('Content Completed', t0 + 13, shown))?.kind,
      'completed',
    );
    assert.deepEqual(p.interactions, { welcome: [3, 1, 1, 1, t0 + 10, t0 + 12] });
    assert.equal(shownCount(p, 'welcome'), 3);
    assert.equal(dismissedAt(p, 'welcome'), t0 + 12);
    assert.equal(shownCount(p, 'other'), 0);
    assert.equal(dismissedAt(p, 'other'), undefined);
    applyInteraction(p, event('Content Clicked', t0, { content: 'tip' }));
    assert.equal(dismissedAt(p, 'tip'), undefined);
    assert.equal(interactionsOf(p, 'tip')?.[INTERACTION_LAST_SHOWN_AT], -1);
  });

  it('ignores other events and malformed ones, never throwing', () => {
    const p = profile();
    const bad: OnrampEvent[] = [
      event('Content Shown', t0, { content: 'x' }, 'page'),
      event('Content Viewed', t0, { content: 'x' }),
      event('Content Shown', t0),
      event('Content Shown', t0, []),
      event('Content Shown', t0, 'x'),
      event('Content Shown', t0, { content: 42 }),
      event('Content Shown', t0, { content: '' }),
      event('Content Shown', t0, { content: 'has space' }),
      event('Content Shown', t0, { content: 'x'.repeat(101) }),
      event('Content Shown', t0, { content: '__proto__' }),
      event('Content Shown', t0, { content: 'constructor' }),
      event('Content Shown', t0, { content: 'prototype' }),
      event('Content Shown', t0, JSON.parse('{"__proto__": {"content": "x"}}')),
      event('Content Shown', t0, Object.create({ content: 'x' })),
      event('Flow Step Skipped', t0, { content: 'x', flow: 'f', step: 's' }),
    ];
    for (const e of bad) assert.equal(applyInteraction(p, e), undefined, JSON.stringify(e));
    assert.equal(p.interactions, undefined);
    assert.equal(({} as Record<string, unknown>)['content'], undefined);
  });

  it('counts an interaction with malformed optional properties, leaving them out', () => {
    const p = profile();
    assert.deepEqual(
      applyInteraction(
        p,
        event('Content Shown', Number.NaN, {
          content: 'x',
          placement: 7,
          flow: '__proto__',
          step: {},
        }),
      ),
      { kind: 'shown', content: 'x' },
    );
    assert.equal(shownCount(p, 'x'), 1);
  });

  it(`keeps at most ${MAX_INTERACTION_CONTENT} contents, forgetting the least recently shown`, () => {
    const p = profile();
    applyInteraction(p, event('Content Clicked', t0, { content: 'never-shown' }));
    for (let i = 0; i < MAX_INTERACTION_CONTENT - 1; i++) {
      applyInteraction(p, event('Content Shown', t0 + 1000 - i, { content: `c${i}` }));
    }
    assert.equal(Object.keys(p.interactions ?? {}).length, MAX_INTERACTION_CONTENT);
    applyInteraction(p, event('Content Shown', t0 + 5000, { content: 'new1' }));
    assert.equal(interactionsOf(p, 'never-shown'), undefined);
    applyInteraction(p, event('Content Shown', t0 + 5001, { content: 'new2' }));
    // c198 was shown longest ago.
    assert.equal(interactionsOf(p, `c${MAX_INTERACTION_CONTENT - 2}`), undefined);
    assert.equal(Object.keys(p.interactions ?? {}).length, MAX_INTERACTION_CONTENT);
    assert.equal(shownCount(p, 'new1'), 1);
    assert.equal(shownCount(p, 'c0'), 1);
  });

  it('repairs a malformed record loaded from storage', () => {
    const p = profile();
    p.interactions = JSON.parse('{"x": [2, 1], "y": null, "__proto__": [9, 9, 9, 9, 9, 9]}');
    applyInteraction(p, event('Content Dismissed', t0, { content: 'x' }));
    applyInteraction(p, event('Content Shown', t0, { content: 'y' }));
    assert.deepEqual(interactionsOf(p, 'x'), [2, 1, 1, 0, -1, t0]);
    assert.deepEqual(interactionsOf(p, 'y'), [1, 0, 0, 0, t0, -1]);
    assert.equal(shownCount(p, 'constructor'), 0);
  });
});

describe('mergeInteractions', () => {
  it('adds counts and keeps the later times, content by content', () => {
    const merged = mergeInteractions(
      { a: [1, 0, 1, 0, t0 + 5, t0 + 1], b: [2, 0, 0, 0, t0, -1] },
      JSON.parse(
        `{"a": [2, 1, 0, 1, ${t0 + 3}, -1], "c": [0, 1, 0, 0, -1, -1], "__proto__": [1, 1, 1, 1, 1, 1]}`,
      ),
    );
    assert.deepEqual(merged, {
      a: [3, 1, 1, 1, t0 + 5, t0 + 1],
      b: [2, 0, 0, 0, t0, -1],
      c: [0, 1, 0, 0, -1, -1],
    });
    assert.equal(Object.getPrototypeOf(merged), Object.prototype);
  });

  it(`keeps the ${MAX_INTERACTION_CONTENT} most recently shown`, () => {
    const half = (prefix: string, offset: number) =>
      Object.fromEntries(
        Array.from({ length: MAX_INTERACTION_CONTENT }, (_, i) => [
          `${prefix}${i}`,
          [1, 0, 0, 0, t0 + offset + i * 2, -1],
        ]),
      );
    const merged = mergeInteractions(half('a', 0), half('b', 1));
    const ids = Object.keys(merged);
    assert.equal(ids.length, MAX_INTERACTION_CONTENT);
    assert.ok(ids.includes(`a${MAX_INTERACTION_CONTENT - 1}`));
    assert.ok(!ids.includes('a0'));
    assert.ok(!ids.includes('b0'));
  });
});
