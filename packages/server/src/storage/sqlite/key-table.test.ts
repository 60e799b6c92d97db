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
