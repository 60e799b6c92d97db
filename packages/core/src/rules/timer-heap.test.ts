import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TimerHeap } from './timer-heap.js';

describe('TimerHeap', () => {
  it('pops in due order, whatever the push order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 200 }), (dues) => {
        const heap = new TimerHeap<{ dueAt: number }>();
        for (const dueAt of dues) heap.push({ dueAt });
        assert.equal(heap.size, dues.length);
        const popped: number[] = [];
        for (let item = heap.pop(); item !== undefined; item = heap.pop()) popped.push(item.dueAt);
        assert.deepEqual(
          popped,
          [...dues].sort((a, b) => a - b),
        );
      }),
    );
  });

  it('peeks without removing and is empty after the last pop', () => {
    const heap = new TimerHeap<{ dueAt: number; id: string }>();
    assert.equal(heap.peek(), undefined);
    heap.push({ dueAt: 5, id: 'b' });
    heap.push({ dueAt: 1, id: 'a' });
    assert.equal(heap.peek()?.id, 'a');
    assert.equal(heap.size, 2);
    assert.equal(heap.pop()?.id, 'a');
    assert.equal(heap.pop()?.id, 'b');
    assert.equal(heap.pop(), undefined);
  });
});
