import assert from 'node:assert/strict';
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

describe('utf8Length', () => {
  it('matches the encoder', () => {
    for (const text of ['', 'abc', 'é', '€', '😀', 'a€😀é']) {
      assert.equal(utf8Length(text), new TextEncoder().encode(text).length, text);
    }
  });
});
