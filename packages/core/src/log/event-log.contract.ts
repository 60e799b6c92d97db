import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { partitionIdentity } from '../events/event.js';
import type { OnrampEvent } from '../events/event.js';
import { createManualClock } from '../time/clock.js';
import type { ManualClock } from '../time/clock.js';
import { partitionOf } from './event-log.js';
import type { AppendInput, EventLog } from './event-log.js';

export interface EventLogContractOptions {
  partitions: number;
  dedupWindowMs: number;
  clock: ManualClock;
}

export interface EventLogHarness {
  log: EventLog;
  /** Closes the log and its storage, then opens them again. Durable logs only. */
  reopen?: () => Promise<EventLog>;
  /** Closes whatever is still open and removes temporary files. */
  dispose(): Promise<void>;
}

const hour = 3_600_000;
let sequence = 0;

/** A track event with a fresh messageId, unless given. */
export function testEvent(fields: Partial<OnrampEvent> = {}): OnrampEvent {
  sequence++;
  return {
    type: 'track',
    event: 'Clicked',
    messageId: `m-${sequence}`,
    userId: 'u1',
    properties: { n: sequence },
    timestamp: 1_767_225_600_000,
    receivedAt: 1_767_225_600_000,
    ...fields,
  };
}

function inputs(workspaceId: string, events: OnrampEvent[]): AppendInput[] {
  return events.map((event) => ({ workspaceId, event }));
}

/**
 * The behaviour every EventLog shares (memory, SQLite, JetStream…). `open`
 * creates an empty log with the given options.
 */
export function describeEventLogContract(
  name: string,
  open: (options: EventLogContractOptions) => Promise<EventLogHarness>,
): void {
  async function withLog(
    body: (harness: EventLogHarness, clock: ManualClock) => Promise<void>,
    options: Partial<Omit<EventLogContractOptions, 'clock'>> = {},
  ): Promise<void> {
    const clock = createManualClock();
    const harness = await open({ partitions: 4, dedupWindowMs: hour, ...options, clock });
    try {
      await body(harness, clock);
    } finally {
      await harness.dispose();
    }
  }

  describe(`EventLog contract: ${name}`, () => {
    it('appends and reads back in offset order, paging with afterOffset', () =>
      withLog(
        async ({ log }) => {
          assert.equal(await log.headOffset(0), 0);
          assert.deepEqual(await log.read(0, 0, 10), []);
          const events = Array.from({ length: 5 }, () => testEvent());
          const results = await log.append(inputs('w1', events));
          const offsets = results.map((r) => (r.status === 'appended' ? r.offset : -1));
          assert.ok(offsets.every((o, i) => o > 0 && (i === 0 || o > (offsets[i - 1] as number))));
          const partition = partitionOf('u:u1', 1);
          const all = await log.read(partition, 0, 100);
          assert.deepEqual(
            all.map((e) => e.event),
            events,
          );
          assert.deepEqual(
            all.map((e) => e.offset),
            offsets,
          );
          assert.equal(all[0]?.workspaceId, 'w1');
          assert.equal(all[0]?.identity, 'u:u1');
          assert.equal(await log.headOffset(partition), offsets[4]);
          const page = await log.read(partition, offsets[1] as number, 2);
          assert.deepEqual(
            page.map((e) => e.offset),
            offsets.slice(2, 4),
          );
          assert.deepEqual(await log.read(partition, offsets[4] as number, 10), []);
        },
        { partitions: 1 },
      ));

    it('partitions by the identity, so a profile’s events stay together and in order', () =>
      withLog(async ({ log }) => {
        const users = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
        const events = users.flatMap((userId) => [
          testEvent({ userId }),
          testEvent({ userId, anonymousId: `anon-${userId}` }),
        ]);
        events.push(testEvent({ userId: undefined, anonymousId: 'visitor' }));
        const results = await log.append(inputs('w1', events));
        const seen = new Set<number>();
        for (let p = 0; p < log.partitions; p++) {
          const entries = await log.read(p, 0, 1000);
          for (const entry of entries) {
            assert.equal(entry.identity, partitionIdentity(entry.event));
            assert.equal(entry.partition, p);
            assert.equal(p, partitionOf(entry.identity, log.partitions));
            seen.add(entry.offset);
          }
          const offsets = entries.map((e) => e.offset);
          assert.deepEqual(
            offsets,
            [...offsets].sort((a, b) => a - b),
          );
          assert.equal(await log.headOffset(p), offsets.at(-1) ?? 0);
        }
        assert.equal(seen.size, events.length);
        results.forEach((result, i) => {
          const identity = partitionIdentity(events[i] as OnrampEvent);
          assert.deepEqual(result, {
            status: 'appended',
            partition: partitionOf(identity, 4),
            offset: (result as { offset: number }).offset,
          });
        });
        assert.ok(new Set(results.map((r) => (r as { partition: number }).partition)).size > 1);
      }));

    it('reports a messageId seen within the window as duplicate and does not append it', () =>
      withLog(async ({ log }, clock) => {
        const first = testEvent();
        assert.equal((await log.append(inputs('w1', [first])))[0]?.status, 'appended');
        clock.advance(hour - 1);
        const again = { ...testEvent(), messageId: first.messageId };
        assert.deepEqual(await log.append(inputs('w1', [again])), [{ status: 'duplicate' }]);
        // Another workspace has its own messageIds.
        assert.equal((await log.append(inputs('w2', [again])))[0]?.status, 'appended');
        const entries = await log.read(partitionOf('u:u1', 4), 0, 10);
        assert.deepEqual(
          entries.map((e) => [e.workspaceId, e.event.messageId]),
          [
            ['w1', first.messageId],
            ['w2', first.messageId],
          ],
        );
      }));

    it('appends the same messageId again once the window has passed', () =>
      withLog(async ({ log }, clock) => {
        const first = testEvent();
        await log.append(inputs('w1', [first]));
        clock.advance(hour);
        assert.equal((await log.append(inputs('w1', [first])))[0]?.status, 'appended');
        // The window restarts from the second append.
        clock.advance(hour - 1);
        assert.equal((await log.append(inputs('w1', [first])))[0]?.status, 'duplicate');
      }));

    it('de-duplicates within one append call', () =>
      withLog(async ({ log }) => {
        const a = testEvent();
        const b = testEvent();
        const results = await log.append(inputs('w1', [a, b, { ...a }, b]));
        assert.deepEqual(
          results.map((r) => r.status),
          ['appended', 'appended', 'duplicate', 'duplicate'],
        );
        assert.equal((await log.read(partitionOf('u:u1', 4), 0, 10)).length, 2);
      }));

    it('de-duplicates across concurrent calls', () =>
      withLog(async ({ log }) => {
        const shared = testEvent();
        const calls = Array.from({ length: 10 }, () =>
          log.append(inputs('w1', [testEvent(), { ...shared, properties: { copy: true } }])),
        );
        const results = await Promise.all(calls);
        const sharedStatuses = results.map((r) => r[1]?.status);
        assert.equal(sharedStatuses.filter((s) => s === 'appended').length, 1);
        assert.equal(sharedStatuses.filter((s) => s === 'duplicate').length, 9);
        assert.ok(results.every((r) => r[0]?.status === 'appended'));
        assert.equal((await log.read(partitionOf('u:u1', 4), 0, 100)).length, 11);
      }));

    it('remembers messageIds across a restart', async (t) => {
      const clock = createManualClock();
      const harness = await open({ partitions: 4, dedupWindowMs: hour, clock });
      try {
        if (!harness.reopen) return t.skip('not a durable log');
        const event = testEvent();
        await harness.log.append(inputs('w1', [event]));
        const reopened = await harness.reopen();
        clock.advance(hour - 1);
        assert.deepEqual(await reopened.append(inputs('w1', [event])), [{ status: 'duplicate' }]);
        const entries = await reopened.read(partitionOf('u:u1', 4), 0, 10);
        assert.deepEqual(
          entries.map((e) => e.event),
          [event],
        );
        clock.advance(1);
        assert.equal((await reopened.append(inputs('w1', [event])))[0]?.status, 'appended');
      } finally {
        await harness.dispose();
      }
    });

    it('reads the events of identities newest first, paging with beforeOffset', () =>
      withLog(async ({ log }) => {
        const events = [
          testEvent({ userId: undefined, anonymousId: 'anon' }),
          testEvent({ userId: 'x' }),
          testEvent({ userId: 'other' }),
          testEvent({ userId: undefined, anonymousId: 'anon' }),
          testEvent({ userId: 'x' }),
          testEvent({ userId: 'x' }),
        ];
        await log.append(inputs('w1', events));
        await log.append(inputs('w2', [testEvent({ userId: 'x' })]));
        const query = { workspaceId: 'w1', identities: ['u:x', 'a:anon'], limit: 2 };
        const ids = (entries: { event: OnrampEvent }[]) => entries.map((e) => e.event.messageId);
        const page1 = await log.readByIdentities(query);
        assert.deepEqual(ids(page1), [events[5]?.messageId, events[4]?.messageId]);
        const page2 = await log.readByIdentities({ ...query, beforeOffset: page1[1]?.offset });
        assert.deepEqual(ids(page2), [events[3]?.messageId, events[1]?.messageId]);
        const page3 = await log.readByIdentities({ ...query, beforeOffset: page2[1]?.offset });
        assert.deepEqual(ids(page3), [events[0]?.messageId]);
        assert.deepEqual(
          await log.readByIdentities({ ...query, beforeOffset: page3[0]?.offset }),
          [],
        );
        assert.ok(page1.every((e) => e.workspaceId === 'w1'));
        assert.deepEqual(await log.readByIdentities({ ...query, identities: ['u:nobody'] }), []);
      }));

    it('calls onAppend listeners after the events are readable, until unsubscribed', () =>
      withLog(async ({ log }) => {
        const heads: Promise<number>[] = [];
        const unsubscribe = log.onAppend(() => {
          heads.push(log.headOffset(partitionOf('u:u1', 4)));
        });
        const [result] = await log.append(inputs('w1', [testEvent()]));
        assert.equal(heads.length, 1);
        assert.equal(await heads[0], (result as { offset: number }).offset);
        unsubscribe();
        await log.append(inputs('w1', [testEvent()]));
        assert.equal(heads.length, 1);
      }));

    it('rejects a call with an invalid event and appends none of it', () =>
      withLog(async ({ log }) => {
        const bad = { ...testEvent(), messageId: undefined } as unknown as OnrampEvent;
        await assert.rejects(log.append(inputs('w1', [testEvent(), bad])));
        const anonymousless = testEvent({ userId: undefined });
        await assert.rejects(log.append(inputs('w1', [testEvent(), anonymousless])));
        await assert.rejects(log.append([{ workspaceId: '', event: testEvent() }]));
        assert.equal(await log.headOffset(partitionOf('u:u1', 4)), 0);
      }));

    it('reads back exactly what was appended', () =>
      withLog(async ({ log }) => {
        const event = testEvent({
          properties: { plan: 'free', nested: { list: [1, 'two', null] } },
        });
        await log.append(inputs('w1', [event]));
        const [entry] = await log.read(partitionOf('u:u1', 4), 0, 1);
        assert.deepEqual(entry?.event, event);
      }));

    it('commits queued appends on close, then refuses new ones', () =>
      withLog(async ({ log }) => {
        const pending = log.append(inputs('w1', [testEvent()]));
        await log.close();
        assert.equal((await pending)[0]?.status, 'appended');
        await assert.rejects(log.append(inputs('w1', [testEvent()])));
      }));

    it('commits queued appends on close so they survive a restart', async (t) => {
      const clock = createManualClock();
      const harness = await open({ partitions: 4, dedupWindowMs: hour, clock });
      try {
        if (!harness.reopen) return t.skip('not a durable log');
        const event = testEvent();
        const pending = harness.log.append(inputs('w1', [event]));
        const reopened = await harness.reopen();
        assert.equal((await pending)[0]?.status, 'appended');
        const entries = await reopened.read(partitionOf('u:u1', 4), 0, 10);
        assert.deepEqual(
          entries.map((e) => e.event),
          [event],
        );
      } finally {
        await harness.dispose();
      }
    });
  });
}
