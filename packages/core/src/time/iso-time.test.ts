import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isoTime } from './iso-time.js';
import { createSeededRandom } from '../clustering/seeded-random.js';

describe('isoTime', () => {
  it('writes what Date#toISOString writes at the edges of days, months, years and eras', () => {
    const edges = [
      0,
      -1,
      1,
      Date.UTC(2000, 1, 29, 23, 59, 59, 999),
      Date.UTC(2000, 2, 1),
      Date.UTC(1900, 1, 28, 12),
      Date.UTC(2100, 2, 1),
      Date.UTC(1969, 11, 31, 23, 59, 59, 999),
      Date.UTC(2026, 10, 24, 6, 5, 4, 3),
      Date.UTC(1900, 0, 1),
      -62_167_219_200_000,
      253_402_300_799_999,
    ];
    for (const ms of edges) assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
  });

  it('agrees with Date#toISOString on 200 000 times from year 0 to 9999, one day after another too', () => {
    const random = createSeededRandom(42);
    let previous = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 200_000; i++) {
      // Alternate far jumps with nearby times: the day prefix is remembered between calls.
      const ms =
        i % 2 === 0
          ? Math.floor(-62_167_219_200_000 + random() * 315_569_519_999_999)
          : previous + Math.floor(random() * 3 * 86_400_000);
      if (i % 2 === 0) previous = ms;
      assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
    }
  });

  it('writes a time again the same, also after another time took its cache slot', () => {
    const base = Date.UTC(2026, 10, 24, 6, 5, 4, 3);
    for (const ms of [base, base, base + 4096, base, base - 4096 * 1000, base + 4096, base]) {
      assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
    }
    assert.equal(isoTime(-1), '1969-12-31T23:59:59.999Z');
    assert.equal(isoTime(4095), '1970-01-01T00:00:04.095Z');
    assert.equal(isoTime(-1), '1969-12-31T23:59:59.999Z');
  });

  it('hands years outside 0000–9999 and fractions to Date, and throws as it does for invalid times', () => {
    for (const ms of [-62_167_219_200_001, 253_402_300_800_000, 8.64e15, 1.5, -0.5]) {
      assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
    }
    assert.throws(() => isoTime(Number.NaN), RangeError);
    assert.throws(() => isoTime(Infinity), RangeError);
    assert.throws(() => isoTime(8.64e15 + 1), RangeError);
  });
});
