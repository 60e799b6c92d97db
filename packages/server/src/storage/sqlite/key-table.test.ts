import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { createKeyTable } from './key-table.js';

it('finds what was set, and grows past its first capacity', () => {
  const table = createKeyTable(4);
  for (let key = 1; key <= 10_000; key++) table.set(key * 7919, key % 1000, key);
  assert.equal(table.size, 10_000);
  for (let key = 1; key <= 10_000; key++) {
    const slot = table.find(key * 7919);
    assert.ok(slot >= 0);
    assert.equal(table.checkAt(slot), key % 1000);
    assert.equal(table.seenAt(slot), key);
  }
  assert.equal(table.find(3), -1);
});

it('replaces the check and time of a key set again', () => {
  const table = createKeyTable();
  table.set(2 ** 52 + 5, 1, 100);
  table.set(2 ** 52 + 5, 2, 200);
  assert.equal(table.size, 1);
  const slot = table.find(2 ** 52 + 5);
  assert.deepEqual([table.checkAt(slot), table.seenAt(slot)], [2, 200]);
});

it('stores the key 0 (0 marks empty slots)', () => {
  const table = createKeyTable();
  table.set(0, 9, 1);
  assert.equal(table.checkAt(table.find(0)), 9);
});

it('refuses to grow while a journal is open', () => {
  const table = createKeyTable(1);
  table.openJournal();
  assert.throws(() => {
    for (let key = 1; key <= 100; key++) table.set(key, 0, 0);
  }, /full/);
  table.rollbackJournal();
  assert.equal(table.size, 0);
  assert.throws(() => {
    table.openJournal();
    table.reserve(10);
  }, /journal/);
});

it('behaves as a map, and a rolled-back journal restores it exactly (property)', () => {
  const key = fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 2 ** 53 - 1 }));
  const entries = fc.array(fc.tuple(key, fc.nat(2 ** 32 - 1), fc.nat()), { maxLength: 200 });
  fc.assert(
    fc.property(entries, entries, (committed, rolledBack) => {
      const table = createKeyTable(2);
      const model = new Map<number, [number, number]>();
      for (const [k, check, seen] of committed) {
        table.set(k, check, seen);
        model.set(k === 0 ? 1 : k, [check, seen]);
      }
      table.reserve(rolledBack.length);
      table.openJournal();
      for (const [k, check, seen] of rolledBack) table.set(k, check, seen);
      table.rollbackJournal();
      assert.equal(table.size, model.size);
      for (const [k, [check, seen]] of model) {
        const slot = table.find(k);
        assert.deepEqual([table.checkAt(slot), table.seenAt(slot)], [check, seen]);
      }
      for (const [k] of rolledBack) {
        if (!model.has(k === 0 ? 1 : k)) assert.equal(table.find(k), -1);
      }
    }),
  );
});

it('grows a few slots at a time: each call moves a bounded share of the old arrays', () => {
  const table = createKeyTable(1024, { minMoves: 64 });
  const keys = Array.from({ length: 2_000 }, (_, i) => (i + 1) * 104_729);
  let grew = false;
  for (const key of keys) {
    const pendingBefore = table.pendingMoves;
    table.set(key, key % 97, key);
    if (table.pendingMoves > pendingBefore) {
      grew = true;
      // A growth leaves the old arrays (half the new capacity) to move later.
      assert.ok(table.pendingMoves >= 1024, `pending ${table.pendingMoves}`);
    } else if (pendingBefore > 0) {
      assert.ok(pendingBefore - table.pendingMoves <= 4, 'a set moves at most 4 slots');
    }
  }
  assert.ok(grew);
  // Every key is found whether it was moved yet or not.
  for (const key of keys) {
    const slot = table.find(key);
    assert.ok(slot >= 0, `key ${key}`);
    assert.deepEqual([table.checkAt(slot), table.seenAt(slot)], [key % 97, key]);
  }
  const pending = table.pendingMoves;
  table.reserve(1);
  assert.equal(table.pendingMoves, Math.max(0, pending - 64), 'reserve moves minMoves slots');
  while (table.pendingMoves > 0) table.reserve(1);
  for (const key of keys) assert.equal(table.seenAt(table.find(key)), key);
  assert.equal(table.size, keys.length);
});

it('behaves as a map while growing, journals and rollbacks included (property)', () => {
  const key = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 2 ** 53 - 1 }));
  const entry = fc.tuple(key, fc.nat(2 ** 32 - 1), fc.nat());
  const step = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), entries: fc.array(entry, { maxLength: 40 }) }),
    fc.record({
      kind: fc.constantFrom('commit' as const, 'rollback' as const),
      entries: fc.array(entry, { maxLength: 40 }),
    }),
  );
  fc.assert(
    fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
      const table = createKeyTable(2, { minMoves: 3 });
      const model = new Map<number, [number, number]>();
      const normal = (k: number) => (k === 0 ? 1 : k);
      for (const { kind, entries } of steps) {
        if (kind === 'set') {
          for (const [k, check, seen] of entries) {
            table.set(k, check, seen);
            model.set(normal(k), [check, seen]);
          }
          continue;
        }
        table.reserve(entries.length);
        table.openJournal();
        for (const [k, check, seen] of entries) table.set(k, check, seen);
        if (kind === 'rollback') table.rollbackJournal();
        else {
          table.commitJournal();
          for (const [k, check, seen] of entries) model.set(normal(k), [check, seen]);
        }
        assert.equal(table.size, model.size);
      }
      assert.equal(table.size, model.size);
      for (const [k, [check, seen]] of model) {
        const slot = table.find(k);
        assert.ok(slot >= 0);
        assert.deepEqual([table.checkAt(slot), table.seenAt(slot)], [check, seen]);
      }
      for (const { entries } of steps) {
        for (const [k] of entries) if (!model.has(normal(k))) assert.equal(table.find(k), -1);
      }
    }),
    { numRuns: 300 },
  );
});
