import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeEvent, type NormalizeOptions } from './normalize-event.js';
import type { SegmentMessage } from './validate-message.js';

const receivedAt = Date.UTC(2024, 4, 1, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const minute = 60_000;

function options(overrides: Partial<NormalizeOptions> = {}): NormalizeOptions {
  let next = 0;
  return { receivedAt, skewCorrection: true, newMessageId: () => `gen-${++next}`, ...overrides };
}

const track: SegmentMessage = { type: 'track', userId: 'u1', event: 'Signed Up' };

describe('normalizeEvent', () => {
  it('uses receivedAt when the client gave no time, and generates a messageId', () => {
    assert.deepEqual(normalizeEvent(track, options()), {
      type: 'track',
      messageId: 'gen-1',
      userId: 'u1',
      event: 'Signed Up',
      timestamp: receivedAt,
      receivedAt,
    });
    const sentOnly = normalizeEvent({ ...track, sentAt: iso(receivedAt + 5 * minute) }, options());
    assert.equal(sentOnly.timestamp, receivedAt);
    assert.equal(sentOnly.sentAt, receivedAt + 5 * minute);
    assert.equal(sentOnly.originalTimestamp, undefined);
  });

  it('keeps the given messageId', () => {
    assert.equal(normalizeEvent({ ...track, messageId: 'm-1' }, options()).messageId, 'm-1');
  });

  it('corrects clock skew: receivedAt - (sentAt - originalTimestamp)', () => {
    // The device clock is 1 h behind; the event waited 2 minutes before it was sent.
    const skew = -60 * minute;
    const happened = receivedAt - 2 * minute;
    const event = normalizeEvent(
      { ...track, timestamp: iso(happened + skew), sentAt: iso(receivedAt + skew) },
      options(),
    );
    assert.equal(event.timestamp, happened);
    assert.equal(event.originalTimestamp, happened + skew);
    assert.equal(event.sentAt, receivedAt + skew);
  });

  it('uses the batch sentAt when the message has none, its own when it has one', () => {
    const clientTime = receivedAt + 10 * minute;
    const message = { ...track, originalTimestamp: iso(clientTime) };
    const batchSentAt = receivedAt + 11 * minute;
    assert.equal(normalizeEvent(message, options({ batchSentAt })).timestamp, receivedAt - minute);
    const own = { ...message, sentAt: iso(receivedAt + 13 * minute) };
    assert.equal(normalizeEvent(own, options({ batchSentAt })).timestamp, receivedAt - 3 * minute);
  });

  it('corrects from originalTimestamp when both times are given', () => {
    const event = normalizeEvent(
      {
        ...track,
        timestamp: iso(receivedAt - 99 * minute),
        originalTimestamp: iso(receivedAt - 4 * minute),
        sentAt: iso(receivedAt - minute),
      },
      options(),
    );
    assert.equal(event.timestamp, receivedAt - 3 * minute);
    assert.equal(event.originalTimestamp, receivedAt - 4 * minute);
  });

  it('keeps the client time without sentAt or with correction off', () => {
    const time = receivedAt - 30 * minute;
    assert.equal(normalizeEvent({ ...track, timestamp: iso(time) }, options()).timestamp, time);
    const withSentAt = { ...track, timestamp: iso(time), sentAt: iso(receivedAt + minute) };
    const off = normalizeEvent(withSentAt, options({ skewCorrection: false }));
    assert.equal(off.timestamp, time);
    assert.equal(off.originalTimestamp, time);
    const both = { ...track, timestamp: iso(time), originalTimestamp: iso(time - minute) };
    assert.equal(normalizeEvent(both, options({ skewCorrection: false })).timestamp, time);
  });

  it('parses times with offsets to epoch ms', () => {
    const event = normalizeEvent(
      { ...track, timestamp: '2024-05-01T14:00:00+02:00' },
      options({ skewCorrection: false }),
    );
    assert.equal(event.timestamp, Date.UTC(2024, 4, 1, 12));
  });

  it('copies only known fields, for every type', () => {
    const message = {
      type: 'group',
      anonymousId: 'a1',
      groupId: 'g1',
      traits: { name: 'Acme' },
      context: { ip: '1.2.3.4' },
      integrations: { All: false },
      writeKey: 'secret',
    } as SegmentMessage;
    const event = normalizeEvent(message, options());
    assert.deepEqual(Object.keys(event).sort(), [
      'anonymousId',
      'context',
      'groupId',
      'integrations',
      'messageId',
      'receivedAt',
      'timestamp',
      'traits',
      'type',
    ]);
    const page = normalizeEvent(
      { type: 'page', userId: 'u', name: 'Home', category: 'Docs', properties: { a: 1 } },
      options(),
    );
    assert.deepEqual([page.name, page.category, page.properties], ['Home', 'Docs', { a: 1 }]);
    const alias = normalizeEvent({ type: 'alias', userId: 'u', previousId: 'a' }, options());
    assert.equal(alias.previousId, 'a');
  });
});
