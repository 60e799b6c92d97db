// Timers that fire only when the test says so: flush intervals, retries and reconnections
// without sleeping.

export interface ManualTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** The delays of the timers still pending, in the order they were set. */
  pending(): number[];
  /** Fires every pending timer (those they set are left pending); returns how many fired. */
  fireAll(): number;
}

export function manualTimers(): ManualTimers {
  let next = 1;
  const timers = new Map<number, { callback: () => void; ms: number }>();
  return {
    setTimeout(callback, ms) {
      const id = next++;
      timers.set(id, { callback, ms });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    pending: () => [...timers.values()].map(({ ms }) => ms),
    fireAll() {
      const due = [...timers.entries()];
      for (const [id] of due) timers.delete(id);
      for (const [, { callback }] of due) callback();
      return due.length;
    },
  };
}
