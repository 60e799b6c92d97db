import type { OnrampEvent, IdentityKey } from '../events/event.js';

/** One event as the log holds it. Offsets grow within a partition; they are the processor's checkpoints. */
export interface LogEntry {
  offset: number;
  partition: number;
  workspaceId: string;
  /** The identity the event was partitioned by (see partitionIdentity). */
  identity: IdentityKey;
  event: OnrampEvent;
}

export interface AppendInput {
  workspaceId: string;
  event: OnrampEvent;
}

/** The outcome of one appended event, in input order. */
export type AppendResult =
  { status: 'appended'; partition: number; offset: number } | { status: 'duplicate' };

export interface ReadEventsQuery {
  workspaceId: string;
  identities: readonly IdentityKey[];
  /** Only entries older than this offset (exclusive), for paging backwards. */
  beforeOffset?: number;
  limit: number;
}

/**
 * The durable, append-only, partitioned event log (ARCHITECTURE §1, §6).
 * Embedded: a SQLite table with group commit. Cluster: NATS JetStream.
 */
export interface EventLog {
  readonly partitions: number;
  /**
   * Appends the events durably and resolves only once they are committed.
   * An event whose (workspaceId, messageId) was appended within the
   * de-duplication window is not appended again: it reports `duplicate`.
   * Concurrent calls are committed together (group commit).
   * The log takes ownership of the events: callers must not change an event after
   * appending it, and entries returned by read() are shared and read-only (the
   * embedded log hands recently appended objects to the processor without copying).
   */
  append(inputs: readonly AppendInput[]): Promise<AppendResult[]>;
  /** Entries of one partition with offset > afterOffset, oldest first. */
  read(partition: number, afterOffset: number, limit: number): Promise<LogEntry[]>;
  /** The highest committed offset of a partition (0 when empty). */
  headOffset(partition: number): Promise<number>;
  /** Newest first: the events of the given identities, for a profile's history. */
  readByIdentities(query: ReadEventsQuery): Promise<LogEntry[]>;
  /** Calls the listener after every commit. Returns a function that unsubscribes. */
  onAppend(listener: () => void): () => void;
  /**
   * Resolves once every entry committed before the call is on disk. For a log in a
   * store of its own whose readers see commits before they are synced (the embedded
   * log in its own file): the processor awaits it before committing checkpoints past
   * those entries, so a power loss cannot keep a checkpoint and lose what it covers.
   * Absent: the log is as durable as the processor's own commits.
   */
  onDisk?(): Promise<void>;
  close(): Promise<void>;
}

/** FNV-1a over the identity, so a profile's events always land in the same partition. */
export function partitionOf(identity: IdentityKey, partitions: number): number {
  if (partitions <= 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < identity.length; i++) {
    hash ^= identity.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

/** The checks every EventLog makes: an event without these can't be de-duplicated or partitioned. */
export function assertAppendable({ workspaceId, event }: AppendInput): void {
  if (typeof workspaceId !== 'string' || workspaceId === '') {
    throw new TypeError('append: workspaceId must be a non-empty string');
  }
  if (typeof event.messageId !== 'string' || event.messageId === '') {
    throw new TypeError('append: event.messageId must be a non-empty string');
  }
  if (event.userId === undefined && event.anonymousId === undefined) {
    throw new TypeError('append: event needs a userId or an anonymousId');
  }
}
