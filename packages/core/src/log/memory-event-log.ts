import { partitionIdentity } from '../events/event.js';
import type { IdentityKey } from '../events/event.js';
import type { Clock } from '../time/clock.js';
import { assertAppendable, partitionOf } from './event-log.js';
import type {
  AppendInput,
  AppendResult,
  EventLog,
  LogEntry,
  ReadEventsQuery,
} from './event-log.js';

export interface MemoryEventLogOptions {
  partitions: number;
  /** A (workspaceId, messageId) seen less than this long ago is a duplicate. */
  dedupWindowMs: number;
  clock: Clock;
  /** Where an exception thrown by an onAppend listener goes; console.error by default. */
  reportError?: (error: unknown) => void;
}

/**
 * The event log in memory: real code for tests and simulations, with the same
 * behaviour as the durable logs. Offsets come from one counter shared by all
 * partitions, so they increase within a partition but are not dense (as in the
 * SQLite log), and offsets of different partitions can be compared.
 * Events are copied on append and on read, so callers never alias stored ones.
 */
export function createMemoryEventLog(options: MemoryEventLogOptions): EventLog {
  const { partitions, dedupWindowMs, clock } = options;
  const reportError = options.reportError ?? ((error: unknown) => console.error(error));
  const byPartition: LogEntry[][] = Array.from({ length: Math.max(1, partitions) }, () => []);
  const byIdentity = new Map<string, LogEntry[]>();
  // workspace + messageId → time first appended. A Map iterates in insertion
  // order and a refreshed key is re-inserted, so the oldest keys come first.
  const seen = new Map<string, number>();
  const listeners = new Set<() => void>();
  let lastOffset = 0;
  let closed = false;

  function forgetExpired(now: number): void {
    for (const [key, at] of seen) {
      if (now - at < dedupWindowMs) break;
      seen.delete(key);
    }
  }

  function appendOne(input: AppendInput, now: number): AppendResult {
    const key = `${input.workspaceId}\u0000${input.event.messageId}`;
    const at = seen.get(key);
    if (at !== undefined && now - at < dedupWindowMs) return { status: 'duplicate' };
    seen.delete(key);
    seen.set(key, now);
    const identity = partitionIdentity(input.event);
    const partition = partitionOf(identity, partitions);
    const entry: LogEntry = {
      offset: ++lastOffset,
      partition,
      workspaceId: input.workspaceId,
      identity,
      event: input.event,
    };
    (byPartition[partition] as LogEntry[]).push(entry);
    const identityKey = `${input.workspaceId}\u0000${identity}`;
    const list = byIdentity.get(identityKey);
    if (list) list.push(entry);
    else byIdentity.set(identityKey, [entry]);
    return { status: 'appended', partition, offset: entry.offset };
  }

  function notify(): void {
    for (const listener of listeners) {
      try {
        listener();
      } catch (error) {
        reportError(error);
      }
    }
  }

  function assertOpen(): void {
    if (closed) throw new Error('event log is closed');
  }

  return {
    partitions,
    async append(inputs) {
      assertOpen();
      // Check and copy everything first, so a bad input appends nothing.
      const copies = inputs.map((input) => {
        assertAppendable(input);
        return { workspaceId: input.workspaceId, event: structuredClone(input.event) };
      });
      const now = clock.now();
      forgetExpired(now);
      const results = copies.map((input) => appendOne(input, now));
      if (results.some((result) => result.status === 'appended')) notify();
      return results;
    },
    async read(partition, afterOffset, limit) {
      assertOpen();
      const entries = byPartition[partition] ?? [];
      const start = firstAbove(entries, afterOffset);
      return entries.slice(start, start + limit).map(copyEntry);
    },
    async headOffset(partition) {
      assertOpen();
      const entries = byPartition[partition] ?? [];
      return entries.at(-1)?.offset ?? 0;
    },
    async readByIdentities(query) {
      assertOpen();
      return newestOf(byIdentity, query).map(copyEntry);
    },
    onAppend(listener) {
      const wrapped = () => listener();
      listeners.add(wrapped);
      return () => listeners.delete(wrapped);
    },
    async close() {
      closed = true;
      listeners.clear();
    },
  };
}

function copyEntry(entry: LogEntry): LogEntry {
  return { ...entry, event: structuredClone(entry.event) };
}

/** Index of the first entry with offset > afterOffset (entries are in offset order). */
function firstAbove(entries: readonly LogEntry[], afterOffset: number): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((entries[mid] as LogEntry).offset <= afterOffset) low = mid + 1;
    else high = mid;
  }
  return low;
}

function newestOf(byIdentity: Map<string, LogEntry[]>, query: ReadEventsQuery): LogEntry[] {
  const before = query.beforeOffset ?? Number.POSITIVE_INFINITY;
  const found: LogEntry[] = [];
  for (const identity of new Set<IdentityKey>(query.identities)) {
    const entries = byIdentity.get(`${query.workspaceId}\u0000${identity}`);
    if (!entries) continue;
    // At most `limit` entries of each identity can be among the newest `limit`.
    const end = firstAbove(entries, before - 1);
    for (let i = end - 1; i >= 0 && i >= end - query.limit; i--) found.push(entries[i] as LogEntry);
  }
  found.sort((a, b) => b.offset - a.offset);
  return found.slice(0, Math.max(0, query.limit));
}
