import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'node:test';
import type { FieldError } from './dead-letter-store.js';
import {
  maxMessageDepth,
  parseIsoTimestamp,
  utf8Length,
  validateMessage,
  type ValidateOptions,
} from './validate-message.js';

const single: ValidateOptions = { path: '' };

function errorsOf(input: unknown, options: ValidateOptions = single): FieldError[] {
  const result = validateMessage(input, options);
  assert.equal(result.ok, false, 'expected the message to be refused');
  return result.ok ? [] : result.errors;
}

function fieldsOf(input: unknown, options: ValidateOptions = single): string[] {
  return errorsOf(input, options).map((e) => e.field);
}

function messageOf(input: unknown, options: ValidateOptions = single) {
  const result = validateMessage(input, options);
  assert.ok(result.ok, JSON.stringify(result));
  return result.message;
}

/** `{ a: { a: … { a: 1 } } }` with `levels` objects. */
function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

const track = { type: 'track', userId: 'u1', event: 'Signed Up' };

describe('validateMessage', () => {
  it('accepts each type with its required fields and drops unknown ones', () => {
    assert.deepEqual(messageOf({ ...track, writeKey: 'secret', channel: 'server', extra: 1 }), {
      type: 'track',
      userId: 'u1',
      event: 'Signed Up',
    });
    messageOf({ type: 'identify', anonymousId: 'a1', traits: { plan: 'pro' } });
    messageOf({ type: 'page', userId: 'u1', name: 'Home', category: 'Docs' });
    messageOf({ type: 'screen', userId: 'u1' });
    messageOf({ type: 'group', userId: 'u1', groupId: 42 });
    assert.deepEqual(messageOf({ type: 'alias', userId: 'u1', previousId: 'a1' }), {
      type: 'alias',
      userId: 'u1',
      previousId: 'a1',
    });
  });

  it('refuses what is not an object, naming the prefix or the root', () => {
    for (const input of [null, 'x', 42, [], undefined, new Date()]) {
      assert.deepEqual(fieldsOf(input), ['(root)']);
      assert.deepEqual(fieldsOf(input, { path: 'batch[2]' }), ['batch[2]']);
    }
  });

  it('requires type in batches and checks it against the endpoint', () => {
    const { type: _type, ...untyped } = track;
    assert.deepEqual(fieldsOf(untyped, { path: 'batch[3]' }), ['batch[3].type']);
    assert.equal(messageOf(untyped, { path: '', type: 'track' }).type, 'track');
    const [error] = errorsOf(track, { path: '', type: 'identify' });
    assert.equal(error?.field, 'type');
    assert.match(error?.message ?? '', /must be "identify"/);
    assert.deepEqual(fieldsOf({ ...track, type: 'click' }), ['type']);
    assert.deepEqual(fieldsOf({ ...track, type: 7 }), ['type']);
  });

  it('requires userId or anonymousId, and converts numbers to strings', () => {
    assert.deepEqual(fieldsOf({ type: 'track', event: 'X' }), ['userId']);
    assert.deepEqual(fieldsOf({ type: 'track', event: 'X', userId: null }), ['userId']);
    assert.equal(messageOf({ ...track, userId: 12345 }).userId, '12345');
    assert.equal(messageOf({ ...track, userId: null, anonymousId: 7 }).anonymousId, '7');
    // analytics.js sends `userId: null` for anonymous users.
    assert.equal(messageOf({ ...track, userId: null, anonymousId: 'a' }).userId, undefined);
  });

  it('refuses ids of the wrong type, empty or too long, once per field', () => {
    for (const bad of [{}, [], true, '', 'x'.repeat(257), Number.NaN]) {
      assert.deepEqual(fieldsOf({ ...track, userId: bad }), ['userId'], String(bad));
      assert.deepEqual(fieldsOf({ ...track, anonymousId: bad }), ['anonymousId']);
    }
    assert.equal(messageOf({ ...track, userId: 'x'.repeat(256) }).userId?.length, 256);
  });

  it('checks the fields each type requires', () => {
    assert.deepEqual(fieldsOf({ type: 'track', userId: 'u' }), ['event']);
    for (const event of ['', 5, {}, 'e'.repeat(257)]) {
      assert.deepEqual(fieldsOf({ ...track, event }), ['event']);
    }
    assert.deepEqual(fieldsOf({ type: 'group', userId: 'u' }), ['groupId']);
    assert.deepEqual(fieldsOf({ type: 'group', userId: 'u', groupId: {} }), ['groupId']);
    assert.equal(messageOf({ type: 'group', userId: 'u', groupId: 9 }).groupId, '9');
    assert.deepEqual(fieldsOf({ type: 'alias', anonymousId: 'a' }), ['userId', 'previousId']);
    assert.deepEqual(fieldsOf({ type: 'alias', userId: 'u', previousId: false }), ['previousId']);
    assert.deepEqual(fieldsOf({ type: 'page', userId: 'u', name: 3, category: [] }), [
      'name',
      'category',
    ]);
  });

  it('requires objects for properties, traits, context and integrations', () => {
    for (const key of ['properties', 'traits', 'context', 'integrations']) {
      for (const bad of ['x', 1, [], true]) {
        assert.deepEqual(fieldsOf({ ...track, [key]: bad }), [key]);
      }
    }
  });

  it('accepts ISO 8601 times with a timezone and refuses others clearly', () => {
    for (const time of ['2024-05-01T12:00:00.000Z', '2024-05-01T14:00:00+02:00']) {
      assert.equal(messageOf({ ...track, timestamp: time, sentAt: time }).timestamp, time);
    }
    for (const key of ['timestamp', 'originalTimestamp', 'sentAt']) {
      for (const bad of ['2024-05-01', '2024-05-01T12:00:00', 'yesterday', 'Wed, 01 May 2024']) {
        assert.deepEqual(fieldsOf({ ...track, [key]: bad }), [key], bad);
      }
      const [error] = errorsOf({ ...track, [key]: 1714564800000 });
      assert.match(error?.message ?? '', /ISO 8601.*not a number/);
    }
  });

  it('checks messageId', () => {
    assert.equal(messageOf({ ...track, messageId: 'm-1' }).messageId, 'm-1');
    for (const bad of ['', 'm'.repeat(101), 5]) {
      assert.deepEqual(fieldsOf({ ...track, messageId: bad }), ['messageId']);
    }
  });

  it('refuses __proto__ keys at any depth, naming the path', () => {
    const parse = (json: string) => JSON.parse(json) as unknown;
    assert.deepEqual(fieldsOf(parse('{"type":"track","userId":"u","event":"E","__proto__":{}}')), [
      '__proto__',
    ]);
    const deep = parse(
      '{"type":"track","userId":"u","event":"E","properties":{"a":[{"__proto__":{"x":1}}]}}',
    );
    assert.deepEqual(fieldsOf(deep, { path: 'batch[1]' }), ['batch[1].properties.a[0].__proto__']);
    assert.deepEqual(fieldsOf({ ...track, context: parse('{"__proto__":1}') }), [
      'context.__proto__',
    ]);
  });

  it('refuses nesting deeper than 32 levels, naming where it goes too deep', () => {
    // The message is level 1, properties level 2: properties may hold 30 more objects.
    messageOf({ ...track, properties: nested(31) });
    const [error] = errorsOf({ ...track, properties: nested(32) });
    assert.equal(error?.field, `properties${'.a'.repeat(maxMessageDepth - 1)}`);
    assert.match(error?.message ?? '', /deeper than 32/);
    errorsOf({ ...track, traits: nested(100_000) }); // returns instead of overflowing the stack
  });

  it('refuses strings over 64 KB, counted in UTF-8', () => {
    messageOf({ ...track, properties: { text: 'a'.repeat(65_536) } });
    assert.deepEqual(fieldsOf({ ...track, properties: { text: 'a'.repeat(65_537) } }), [
      'properties.text',
    ]);
    assert.deepEqual(fieldsOf({ ...track, properties: { list: ['ok', 'é'.repeat(40_000)] } }), [
      'properties.list[1]',
    ]);
    assert.deepEqual(fieldsOf({ ...track, properties: { ['k'.repeat(70_000)]: 1 } }).length, 1);
  });

  it('refuses values that are not JSON and quotes odd keys', () => {
    const fields = fieldsOf({
      ...track,
      properties: { 'a b': Number.POSITIVE_INFINITY, f: () => 1, d: new Map() },
    });
    assert.deepEqual(fields, ['properties["a b"]', 'properties.f', 'properties.d']);
  });

  it('reports every error of a message, with the batch prefix', () => {
    const fields = fieldsOf(
      { type: 'track', userId: 5.5, anonymousId: [], sentAt: 3 },
      {
        path: 'batch[7]',
      },
    );
    assert.deepEqual(fields, ['batch[7].anonymousId', 'batch[7].event', 'batch[7].sentAt']);
  });

  it('caps the number of errors', () => {
    const properties = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, NaN]));
    assert.equal(errorsOf({ ...track, properties }).length, 20);
  });
});

describe('parseIsoTimestamp', () => {
  it('parses RFC 3339 and common ISO 8601 variants', () => {
    const t = Date.UTC(2024, 4, 1, 12, 0, 0, 123);
    assert.equal(parseIsoTimestamp('2024-05-01T12:00:00.123Z'), t);
    assert.equal(parseIsoTimestamp('2024-05-01T12:00:00.123456789Z'), t);
    assert.equal(parseIsoTimestamp('2024-05-01T14:00:00.123+02:00'), t);
    assert.equal(parseIsoTimestamp('2024-05-01T07:30:00.123-0430'), t);
    assert.equal(parseIsoTimestamp('2024-05-01 12:00:00.123z'), t);
    assert.equal(parseIsoTimestamp('2024-05-01T12:00Z'), t - 123);
    assert.equal(
      parseIsoTimestamp('0050-01-01T00:00:00Z'),
      new Date('0050-01-01T00:00:00Z').getTime(),
    );
  });

  it('refuses impossible dates and missing timezones', () => {
    for (const bad of [
      '2023-02-29T00:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-04-31T00:00:00Z',
      '2024-05-01T24:00:00Z',
      '2024-05-01T12:60:00Z',
      '2024-05-01T12:00:00+25:00',
      '2024-05-01T12:00:00',
      '2024-05-01',
      '',
    ]) {
      assert.equal(parseIsoTimestamp(bad), undefined, bad);
    }
    assert.equal(parseIsoTimestamp('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29));
  });
});

describe('parseIsoTimestamp against the regular expression it replaced (property)', () => {
  const isoDateTime =
    /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)$/;
  const daysInMonth = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  /** The former implementation, kept as the oracle. */
  function byRegex(text: string): number | undefined {
    if (text.length > 40) return undefined;
    const match = isoDateTime.exec(text);
    if (match === null) return undefined;
    const [, y, mo, d, h, mi, s, fraction, zone = 'Z'] = match;
    const [year, month, day, hour, minute] = [y, mo, d, h, mi].map(Number) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const second = s === undefined ? 0 : Number(s);
    const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    const monthDays = (daysInMonth[month - 1] ?? 0) + (leap ? 1 : 0);
    if (day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59) return undefined;
    let offset = 0;
    if (zone !== 'Z' && zone !== 'z') {
      const hours = Number(zone.slice(1, 3));
      const minutes = zone.length > 3 ? Number(zone.slice(-2)) : 0;
      if (hours > 23 || minutes > 59) return undefined;
      offset = (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000;
    }
    const ms = fraction === undefined ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));
    const fourCenturies = 146_097 * 86_400_000;
    return Date.UTC(year + 400, month - 1, day, hour, minute, second, ms) - fourCenturies - offset;
  }

  /** Mostly what the grammar allows, sometimes not: every piece is valid with odds 8 in 9. */
  const piece = (valid: fc.Arbitrary<string>, invalid: fc.Arbitrary<string>) =>
    fc.oneof({ arbitrary: valid, weight: 8 }, { arbitrary: invalid, weight: 1 });
  const number = (min: number, max: number, width: number) =>
    fc.integer({ min, max }).map((n) => String(n).padStart(width, '0'));
  const wrongDigits = (n: number) =>
    fc.oneof(
      fc.stringMatching(new RegExp(`^[0-9]{${Math.max(0, n - 1)},${n + 1}}$`)),
      fc.constantFrom('', 'x', '٣٣', '1a', '-1'),
    );
  const timestamp = fc
    .tuple(
      piece(number(0, 9999, 4), wrongDigits(4)),
      piece(fc.constant('-'), fc.constantFrom('/', '')),
      piece(number(0, 13, 2), wrongDigits(2)),
      piece(fc.constant('-'), fc.constantFrom('/', '')),
      piece(number(0, 32, 2), wrongDigits(2)),
      piece(fc.constantFrom('T', 't', ' '), fc.constantFrom('X', '', 'TT')),
      piece(number(0, 25, 2), wrongDigits(2)),
      piece(fc.constant(':'), fc.constantFrom('', '.')),
      piece(number(0, 61, 2), wrongDigits(2)),
      piece(
        fc.oneof(
          fc.constant(''),
          fc
            .tuple(
              number(0, 61, 2),
              fc.constantFrom('', '.', ','),
              fc.stringMatching(/^[0-9]{1,9}$/),
            )
            .map(([second, mark, fraction]) => `:${second}${mark}${mark === '' ? '' : fraction}`),
        ),
        fc.oneof(
          fc.constantFrom(':', '.5', ':5', ':00.', ':00,'),
          fc.stringMatching(/^:[0-9]{2}\.[0-9]{10,12}$/),
        ),
      ),
      piece(
        fc.oneof(
          fc.constantFrom('Z', 'z'),
          fc
            .tuple(
              fc.constantFrom('+', '-'),
              number(0, 25, 2),
              fc.oneof(
                fc.constant(''),
                number(0, 61, 2).map((m) => `:${m}`),
                number(0, 61, 2),
              ),
            )
            .map((parts) => parts.join('')),
        ),
        fc.constantFrom('', 'UTC', 'Z ', '+', '-', '+1', '+01:', '+01:0', '+01::00', 'ZZ'),
      ),
    )
    .map((parts) => parts.join(''));

  it('agrees on generated timestamps, valid and not', () => {
    fc.assert(
      fc.property(timestamp, (text) => {
        assert.equal(parseIsoTimestamp(text), byRegex(text), JSON.stringify(text));
      }),
      { numRuns: 20_000 },
    );
    const parsed = fc.sample(timestamp, 2_000).filter((t) => byRegex(t) !== undefined).length;
    assert.ok(parsed > 100, `only ${parsed} of 2 000 generated timestamps are valid`);
  });

  it('agrees on any string, and on valid ones with a character changed', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 45 }), (text) => {
        assert.equal(parseIsoTimestamp(text), byRegex(text));
      }),
    );
    const valid = '2024-05-01T14:00:00.123+02:00';
    for (let i = 0; i <= valid.length; i++) {
      for (const c of ['', '0', '9', ':', '.', 'Z', ' ', '+']) {
        const text = valid.slice(0, i) + c + valid.slice(i + 1);
        assert.equal(parseIsoTimestamp(text), byRegex(text), text);
        const inserted = valid.slice(0, i) + c + valid.slice(i);
        assert.equal(parseIsoTimestamp(inserted), byRegex(inserted), inserted);
      }
    }
  });
});

describe('utf8Length', () => {
  it('matches the encoder', () => {
    for (const text of ['', 'abc', 'é', '€', '😀', 'a€😀é']) {
      assert.equal(utf8Length(text), new TextEncoder().encode(text).length, text);
    }
  });
});
