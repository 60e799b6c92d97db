import type { LogEntry } from '@onramp/core';

/**
 * The newest committed entries of each partition, in offset order, for the processor
 * to apply without reading them back from SQLite and parsing them again.
 *
 * An entry is kept until a read asks for entries after it (the reader has it: the
 * processor reads each partition forward), or until more than `capacity` entries are
 * held (the reader is that far behind). So when the processor keeps up, an event dies
 * young: the garbage collector neither copies nor promotes it, and the tail holds a
 * few batches, not `capacity` entries (decision 31).
 *
 * `floor` is the highest offset of the partition NOT held here, so a read after an
 * offset at or above it is complete from memory; anything older is read from SQLite
 * (undefined). Entries are the appended objects themselves: nobody mutates an event
 * once appended.
 */
export interface LogTail {
  add(entry: LogEntry): void;
  /** Up to `limit` entries after `afterOffset`, or undefined when some are not held. */
  read(partition: number, afterOffset: number, limit: number): LogEntry[] | undefined;
  /** Entries held, all partitions. */
  size(): number;
}

interface Partition {
  entries: LogEntry[];
  /** Index of the first entry held: those before it are dropped, compacted away in bulk. */
  start: number;
  floor: number;
}

/** Dropped entries are spliced out once there are this many (amortized over the reads). */
const compactAfter = 1024;

export function createLogTail(
  partitions: number,
  capacity: number,
  headOf: (partition: number) => number,
): LogTail {
  const held: Partition[] = [];
  for (let partition = 0; partition < partitions; partition++) {
    held.push({ entries: [], start: 0, floor: headOf(partition) });
  }

  /** Drops the entries before index `until`; the floor becomes the last dropped offset. */
  function dropBefore(part: Partition, until: number): void {
    if (until <= part.start) return;
    part.floor = (part.entries[until - 1] as LogEntry).offset;
    part.start = until;
    if (part.start >= compactAfter && part.start * 2 >= part.entries.length) {
      part.entries = part.entries.slice(part.start);
      part.start = 0;
    }
  }

  return {
    add(entry) {
      const part = held[entry.partition] as Partition;
      part.entries.push(entry);
      const over = part.entries.length - part.start - capacity;
      if (over > 0) dropBefore(part, part.start + over);
    },
    read(partition, afterOffset, limit) {
      const part = held[partition];
      if (part === undefined || afterOffset < part.floor) return undefined;
      const { entries } = part;
      let low = part.start;
      let high = entries.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if ((entries[middle] as LogEntry).offset <= afterOffset) low = middle + 1;
        else high = middle;
      }
      // The reader has everything up to afterOffset.
      dropBefore(part, low);
      return part.entries.slice(part.start, part.start + Math.max(0, limit));
    },
    size() {
      let size = 0;
      for (const part of held) size += part.entries.length - part.start;
      return size;
    },
  };
}
