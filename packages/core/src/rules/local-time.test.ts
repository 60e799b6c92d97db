import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  TimeZones,
  inLocalRange,
  isTimeZone,
  localDateTime,
  localMinuteOfDay,
  localToInstant,
  nextLocalTime,
  parseLocalTime,
  weekdayMask,
  zoneOffset,
} from './local-time.js';

const zones = new TimeZones();
const paris = zones.formatter('Europe/Paris') as Intl.DateTimeFormat;
const newYork = zones.formatter('America/New_York') as Intl.DateTimeFormat;
const utc = zones.formatter('UTC') as Intl.DateTimeFormat;
const iso = (text: string) => Date.parse(text);

describe('timezones', () => {
  it('knows IANA names and refuses others', () => {
    assert.equal(isTimeZone('Europe/Paris'), true);
    assert.equal(isTimeZone('UTC'), true);
    assert.equal(isTimeZone('Mars/Olympus'), false);
    assert.equal(isTimeZone(''), false);
    assert.equal(zones.formatter('Not/AZone'), undefined);
    assert.equal(zones.formatter('Not/AZone'), undefined, 'an invalid name is remembered');
  });

  it('bounds its cache', () => {
    const small = new TimeZones(2);
    assert.ok(small.formatter('UTC'));
    assert.ok(small.formatter('Europe/Paris'));
    assert.ok(small.formatter('Asia/Tokyo'), 'still answers after the cache is full');
    assert.ok(small.formatter('UTC'));
  });

  it('reads the wall clock and the offset', () => {
    const at = iso('2026-07-01T10:15:30Z');
    assert.deepEqual(localDateTime(paris, at), {
      year: 2026,
      month: 7,
      day: 1,
      hour: 12,
      minute: 15,
      second: 30,
      weekday: 3,
    });
    assert.equal(zoneOffset(paris, at), 2 * 3_600_000);
    assert.equal(zoneOffset(paris, iso('2026-01-01T10:00:00Z')), 3_600_000);
    assert.equal(zoneOffset(newYork, iso('2026-01-01T10:00:00Z')), -5 * 3_600_000);
    assert.equal(localMinuteOfDay(utc, iso('2026-01-01T23:59:59Z')), 23 * 60 + 59);
  });
});

describe('localToInstant', () => {
  it('converts an ordinary local time', () => {
    assert.equal(
      localToInstant(paris, { year: 2026, month: 7, day: 1 }, 9 * 60),
      iso('2026-07-01T07:00:00Z'),
    );
  });

  it('moves a time in the spring-forward gap forward by the gap (Paris, 29 March 2026)', () => {
    // 02:00 CET jumps to 03:00 CEST: 02:30 does not exist and becomes 03:30 CEST.
    const at = localToInstant(paris, { year: 2026, month: 3, day: 29 }, 2 * 60 + 30);
    assert.equal(at, iso('2026-03-29T01:30:00Z'));
    assert.equal(localMinuteOfDay(paris, at), 3 * 60 + 30);
  });

  it('resolves a repeated time to its first occurrence (Paris, 25 October 2026)', () => {
    // 03:00 CEST goes back to 02:00 CET: 02:30 happens at 00:30Z and at 01:30Z.
    const at = localToInstant(paris, { year: 2026, month: 10, day: 25 }, 2 * 60 + 30);
    assert.equal(at, iso('2026-10-25T00:30:00Z'));
  });

  it('is exact just around a transition', () => {
    assert.equal(
      localToInstant(newYork, { year: 2026, month: 3, day: 8 }, 1 * 60 + 59),
      iso('2026-03-08T06:59:00Z'),
    );
    assert.equal(
      localToInstant(newYork, { year: 2026, month: 3, day: 8 }, 3 * 60),
      iso('2026-03-08T07:00:00Z'),
    );
  });
});

describe('nextLocalTime', () => {
  const nine = 9 * 60;

  it('is later today when the time is still ahead, else tomorrow', () => {
    assert.equal(
      nextLocalTime(paris, iso('2026-07-01T06:00:00Z'), nine),
      iso('2026-07-01T07:00:00Z'),
    );
    assert.equal(
      nextLocalTime(paris, iso('2026-07-01T07:00:00Z'), nine),
      iso('2026-07-02T07:00:00Z'),
    );
    assert.equal(
      nextLocalTime(paris, iso('2026-07-01T06:59:59.999Z'), nine),
      iso('2026-07-01T07:00:00Z'),
    );
  });

  it('keeps the local time across a DST change (09:00 Paris before and after 29 March)', () => {
    const before = nextLocalTime(paris, iso('2026-03-28T09:00:00Z'), nine);
    assert.equal(before, iso('2026-03-29T07:00:00Z'), 'the 29th at 09:00 CEST is 07:00Z');
    assert.equal(
      nextLocalTime(paris, iso('2026-03-28T07:30:00Z'), nine),
      iso('2026-03-28T08:00:00Z'),
      'the 28th at 09:00 CET is 08:00Z',
    );
    const spring = nextLocalTime(paris, iso('2026-03-29T00:30:00Z'), 2 * 60 + 30);
    assert.equal(
      spring,
      iso('2026-03-29T01:30:00Z'),
      '02:30 on the 29th does not exist: 03:30 CEST',
    );
    const autumn = nextLocalTime(paris, iso('2026-10-25T00:00:00Z'), 2 * 60 + 30);
    assert.equal(autumn, iso('2026-10-25T00:30:00Z'), 'the first 02:30 of the 25th October');
    assert.equal(
      nextLocalTime(paris, autumn, 2 * 60 + 30),
      iso('2026-10-26T01:30:00Z'),
      'fires once on the day whose 02:30 happens twice',
    );
  });

  it('skips weekdays not listed', () => {
    // 2026-07-03 is a Friday; next Monday is the 6th.
    const mondays = weekdayMask(['mon']);
    assert.equal(
      nextLocalTime(paris, iso('2026-07-03T12:00:00Z'), nine, mondays),
      iso('2026-07-06T07:00:00Z'),
    );
    // On a Monday after the time: a week later.
    assert.equal(
      nextLocalTime(paris, iso('2026-07-06T08:00:00Z'), nine, mondays),
      iso('2026-07-13T07:00:00Z'),
    );
  });

  it('crosses month and year ends', () => {
    assert.equal(nextLocalTime(utc, iso('2026-12-31T23:00:00Z'), 30), iso('2027-01-01T00:30:00Z'));
  });
});

describe('helpers', () => {
  it('parses HH:MM', () => {
    assert.equal(parseLocalTime('00:00'), 0);
    assert.equal(parseLocalTime('23:59'), 1439);
    assert.equal(parseLocalTime('24:00'), undefined);
    assert.equal(parseLocalTime('9:00'), undefined);
  });

  it('masks weekdays', () => {
    assert.equal(weekdayMask(undefined), 0b111_1111);
    assert.equal(weekdayMask(['sun', 'sat']), 0b100_0001);
  });

  it('tests ranges, also across midnight, end excluded', () => {
    assert.equal(inLocalRange(60, 60, 120), true);
    assert.equal(inLocalRange(120, 60, 120), false);
    assert.equal(inLocalRange(23 * 60, 22 * 60, 7 * 60), true);
    assert.equal(inLocalRange(6 * 60 + 59, 22 * 60, 7 * 60), true);
    assert.equal(inLocalRange(7 * 60, 22 * 60, 7 * 60), false);
    assert.equal(inLocalRange(12 * 60, 22 * 60, 7 * 60), false);
  });
});
