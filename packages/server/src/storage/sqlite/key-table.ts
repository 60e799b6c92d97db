/**
 * A hash table of 53-bit integer keys, each with a 32-bit check and the time it
 * was seen, in three typed arrays (20 bytes a slot, no object per key, nothing
 * for the garbage collector to trace). Open addressing with linear probing; keys
 * are never deleted one by one (the owner drops whole tables), so probing needs
 * no tombstones.
 *
 * Changes made while a journal is open can be undone (rollback) in reverse
 * order, which restores the exact previous layout.
 */
export interface KeyTable {
  readonly size: number;
  /** The slot holding `key`, or -1. */
  find(key: number): number;
  checkAt(slot: number): number;
  seenAt(slot: number): number;
  /** Adds the key, or replaces its check and time. */
  set(key: number, check: number, seenAt: number): void;
  /** Grows the table, if needed, so that `extra` more keys fit without growing. */
  reserve(extra: number): void;
  /** Starts recording changes (after reserve: the table must not grow while open). */
  openJournal(): void;
  /** Keeps the changes since openJournal. */
  commitJournal(): void;
  /** Undoes the changes since openJournal. */
  rollbackJournal(): void;
}

const maxLoad = 0.7;

export function createKeyTable(expectedKeys = 1024): KeyTable {
  let capacity = capacityFor(expectedKeys);
  let mask = capacity - 1;
  let keys = new Float64Array(capacity); // 0 marks an empty slot
  let checks = new Uint32Array(capacity);
  let seen = new Float64Array(capacity);
  let size = 0;
  let journaling = false;
  /** slot, old key, old check, old seen — four numbers per change. */
  let journal: number[] = [];

  /** The slot of `key`, or the empty slot where it would go. */
  function slotOf(key: number): number {
    let slot = (key % 4294967296) & mask;
    for (;;) {
      const found = keys[slot] as number;
      if (found === key || found === 0) return slot;
      slot = (slot + 1) & mask;
    }
  }

  function grow(to: number): void {
    const old = { keys, checks, seen };
    capacity = to;
    mask = capacity - 1;
    keys = new Float64Array(capacity);
    checks = new Uint32Array(capacity);
    seen = new Float64Array(capacity);
    for (let i = 0; i < old.keys.length; i++) {
      const key = old.keys[i] as number;
      if (key === 0) continue;
      const slot = slotOf(key);
      keys[slot] = key;
      checks[slot] = old.checks[i] as number;
      seen[slot] = old.seen[i] as number;
    }
  }

  return {
    get size() {
      return size;
    },
    find(key) {
      const slot = slotOf(nonZero(key));
      return keys[slot] === 0 ? -1 : slot;
    },
    checkAt(slot) {
      return checks[slot] as number;
    },
    seenAt(slot) {
      return seen[slot] as number;
    },
    set(key, check, seenAt) {
      const k = nonZero(key);
      let slot = slotOf(k);
      const old = keys[slot] as number;
      if (old === 0) {
        if ((size + 1) / capacity > maxLoad) {
          // A journal's slots must stay put: its owner reserves room beforehand.
          if (journaling && size + 1 >= capacity) throw new Error('key table: full');
          if (!journaling) {
            grow(capacity * 2);
            slot = slotOf(k);
          }
        }
        size++;
      }
      if (journaling) journal.push(slot, old, checks[slot] as number, seen[slot] as number);
      keys[slot] = k;
      checks[slot] = check;
      seen[slot] = seenAt;
    },
    reserve(extra) {
      if (journaling) throw new Error('key table: reserve() while a journal is open');
      const needed = capacityFor(size + extra);
      if (needed > capacity) grow(needed);
    },
    openJournal() {
      journaling = true;
      journal = [];
    },
    commitJournal() {
      journaling = false;
      journal = [];
    },
    rollbackJournal() {
      for (let i = journal.length - 4; i >= 0; i -= 4) {
        const slot = journal[i] as number;
        const oldKey = journal[i + 1] as number;
        if (oldKey === 0 && keys[slot] !== 0) size--;
        keys[slot] = oldKey;
        checks[slot] = journal[i + 2] as number;
        seen[slot] = journal[i + 3] as number;
      }
      journaling = false;
      journal = [];
    },
  };
}

/** The smallest power of two that holds `keys` under the maximum load. */
function capacityFor(keys: number): number {
  let capacity = 16;
  while (keys / capacity > maxLoad) capacity *= 2;
  return capacity;
}

/** 0 marks empty slots, so the (one in 2^53) key 0 is stored as 1. */
function nonZero(key: number): number {
  return key === 0 ? 1 : key;
}
