/**
 * A hash table of 53-bit integer keys, each with a 32-bit check and the time it
 * was seen, in three typed arrays (20 bytes a slot, no object per key, nothing
 * for the garbage collector to trace). Open addressing with linear probing; keys
 * are never deleted one by one (the owner drops whole tables), so probing needs
 * no tombstones.
 *
 * It grows by doubling, incrementally: the old arrays are moved into the new ones a
 * few slots per key added, so no single call pays for a full rehash.
 *
 * Changes made while a journal is open can be undone (rollback) in reverse
 * order, which restores the exact previous layout (no slots move while it is open).
 */
export interface KeyTable {
  readonly size: number;
  /** Slots of the arrays before the last growth not moved to the new ones yet (0: not growing). */
  readonly pendingMoves: number;
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
/**
 * Old slots moved to the new arrays per key made room for while growing: the old
 * arrays hold at most maxLoad / 2 of the new capacity in keys, so at 4 slots a key
 * (old capacity = half the new) they are empty long before the new ones fill.
 */
const movesPerKey = 4;
export interface KeyTableOptions {
  /** At least this many old slots are moved by each reserve() while growing (default 4096). */
  minMoves?: number;
}

export function createKeyTable(expectedKeys = 1024, options: KeyTableOptions = {}): KeyTable {
  const minMoves = options.minMoves ?? 4096;
  let capacity = capacityFor(expectedKeys);
  let mask = capacity - 1;
  let keys = new Float64Array(capacity); // 0 marks an empty slot
  let checks = new Uint32Array(capacity);
  let seen = new Float64Array(capacity);
  /**
   * While growing (decision 32): the arrays before the last growth, read-only, whose
   * keys below `moved` are in the new arrays. A key is looked up in the new arrays
   * first, so a key set again while still in the old ones is found there no more.
   */
  let old:
    { keys: Float64Array; checks: Uint32Array; seen: Float64Array; mask: number } | undefined;
  let moved = 0;
  let size = 0;
  let journaling = false;
  /** slot, old key, old check, old seen, 1 if the change added a key — five numbers per change. */
  let journal: number[] = [];

  /** The slot of `key` in the new arrays, or the empty slot where it would go. */
  function slotOf(key: number): number {
    let slot = (key % 4294967296) & mask;
    for (;;) {
      const found = keys[slot] as number;
      if (found === key || found === 0) return slot;
      slot = (slot + 1) & mask;
    }
  }

  /** The slot of `key` in the old arrays, or -1. */
  function oldSlotOf(key: number): number {
    if (old === undefined) return -1;
    let slot = (key % 4294967296) & old.mask;
    for (;;) {
      const found = old.keys[slot] as number;
      if (found === key) return slot;
      if (found === 0) return -1;
      slot = (slot + 1) & old.mask;
    }
  }

  /** Moves up to `count` old slots into the new arrays; drops the old ones once all moved. */
  function move(count: number): void {
    if (old === undefined) return;
    const end = Math.min(old.keys.length, moved + count);
    for (let i = moved; i < end; i++) {
      const key = old.keys[i] as number;
      if (key === 0) continue;
      const slot = slotOf(key);
      if (keys[slot] !== 0) continue; // set again since the growth: the newer entry stays
      keys[slot] = key;
      checks[slot] = old.checks[i] as number;
      seen[slot] = old.seen[i] as number;
    }
    moved = end;
    if (moved === old.keys.length) old = undefined;
  }

  /**
   * New, empty arrays of `to` slots; the current ones are moved over a few slots at a
   * time by later calls (move), not now: a full rehash of a few hundred thousand keys
   * would stop the event loop for tens of milliseconds.
   */
  function grow(to: number): void {
    move(Infinity); // a growth before the previous one finished: rare, see movesPerKey
    old = { keys, checks, seen, mask };
    moved = 0;
    capacity = to;
    mask = capacity - 1;
    keys = new Float64Array(capacity);
    checks = new Uint32Array(capacity);
    seen = new Float64Array(capacity);
  }

  return {
    get size() {
      return size;
    },
    get pendingMoves() {
      return old === undefined ? 0 : old.keys.length - moved;
    },
    find(key) {
      const k = nonZero(key);
      const slot = slotOf(k);
      if (keys[slot] !== 0) return slot;
      const oldSlot = oldSlotOf(k);
      // Slots past the new arrays' end name the old arrays' slots.
      return oldSlot < 0 ? -1 : capacity + oldSlot;
    },
    checkAt(slot) {
      return (slot < capacity ? checks[slot] : old?.checks[slot - capacity]) as number;
    },
    seenAt(slot) {
      return (slot < capacity ? seen[slot] : old?.seen[slot - capacity]) as number;
    },
    set(key, check, seenAt) {
      const k = nonZero(key);
      let slot = slotOf(k);
      let previousKey = keys[slot] as number;
      let added = 0;
      if (previousKey === 0 && oldSlotOf(k) < 0) {
        if ((size + 1) / capacity > maxLoad) {
          // A journal's slots must stay put: its owner reserves room beforehand.
          if (journaling && size + 1 >= capacity) throw new Error('key table: full');
          if (!journaling) {
            grow(capacity * 2);
            slot = slotOf(k);
            previousKey = keys[slot] as number;
          }
        }
        size++;
        added = 1;
      }
      if (journaling) {
        journal.push(slot, previousKey, checks[slot] as number, seen[slot] as number, added);
      }
      keys[slot] = k;
      checks[slot] = check;
      seen[slot] = seenAt;
      // After the write: a move places keys in empty slots, such as the one just found.
      if (!journaling) move(movesPerKey);
    },
    reserve(extra) {
      if (journaling) throw new Error('key table: reserve() while a journal is open');
      const needed = capacityFor(size + extra);
      if (needed > capacity) grow(needed);
      move(Math.max(minMoves, extra * movesPerKey));
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
      for (let i = journal.length - 5; i >= 0; i -= 5) {
        const slot = journal[i] as number;
        keys[slot] = journal[i + 1] as number;
        checks[slot] = journal[i + 2] as number;
        seen[slot] = journal[i + 3] as number;
        size -= journal[i + 4] as number;
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
