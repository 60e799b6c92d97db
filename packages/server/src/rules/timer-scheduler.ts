import { TimerHeap, type Clock, type DueTimer, type ProfileStore } from '@onramp/core';

export interface TimerSchedulerOptions {
  clock: Clock;
  store: Pick<ProfileStore, 'dueTimers'>;
  /** Runs a batch of due timers (the processor's fireTimers); resolves with how many fired. */
  fire: (timers: readonly DueTimer[]) => Promise<number>;
  /** How often due timers are checked; the firing delay is at most this (default 250 ms). */
  tickMs?: number;
  /** Timers due within this horizon are held in memory; later ones are read from the store when they come close (default 10 min). */
  horizonMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Runs durable time triggers on time. The profile store is the record of every
 * armed timer (each profile's `rules.timers`, indexed by due time); the scheduler
 * keeps only those due within a horizon in a min-heap, fed by the processor as it
 * arms them and by a periodic read of the store, so memory stays bounded however
 * many timers are armed. A heap entry may be stale (re-armed or cancelled since):
 * the rules runtime then does nothing, so firing is by content, not by entry.
 */
export class TimerScheduler {
  private readonly heap = new TimerHeap<DueTimer>();
  private readonly queued = new Set<string>();
  private loadedUntil = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private readonly tickMs: number;
  private readonly horizonMs: number;

  constructor(private readonly options: TimerSchedulerOptions) {
    this.tickMs = options.tickMs ?? 250;
    this.horizonMs = options.horizonMs ?? 600_000;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.tick().catch(this.reportError), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Timers the processor just armed (before they are committed to the store). */
  add(timers: readonly DueTimer[]): void {
    for (const timer of timers) {
      if (
        timer.dueAt <= this.loadedUntil ||
        timer.dueAt <= this.options.clock.now() + this.horizonMs
      )
        this.push(timer);
    }
  }

  /** Number of timers held in memory. */
  get size(): number {
    return this.heap.size;
  }

  /**
   * Fires every timer due at the clock's now: reads the store when the horizon
   * needs extending, then runs the due ones in one batch. Concurrent calls share a run.
   */
  tick(): Promise<number> {
    this.running ??= this.runDue().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runDue(): Promise<number> {
    const now = this.options.clock.now();
    if (now + this.horizonMs / 2 > this.loadedUntil) await this.load(now + this.horizonMs);
    const due: DueTimer[] = [];
    for (
      let timer = this.heap.peek();
      timer !== undefined && timer.dueAt <= now;
      timer = this.heap.peek()
    ) {
      this.heap.pop();
      this.queued.delete(keyOf(timer));
      due.push(timer);
    }
    if (due.length === 0) return 0;
    return this.options.fire(due);
  }

  private async load(until: number): Promise<void> {
    const pageSize = 10_000;
    const batch = await this.options.store.dueTimers(until, pageSize);
    for (const timer of batch) this.push(timer);
    // A full page: hold what was read and extend the horizon only that far; the rest
    // (due later) is read once the earliest have fired.
    const last = batch[batch.length - 1];
    this.loadedUntil = batch.length === pageSize && last !== undefined ? last.dueAt - 1 : until;
  }

  private push(timer: DueTimer): void {
    const key = keyOf(timer);
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.heap.push(timer);
  }

  private readonly reportError = (error: unknown): void => {
    this.options.onError?.(error);
  };
}

function keyOf(timer: DueTimer): string {
  return `${timer.workspaceId}\u0000${timer.profileId}\u0000${timer.ruleId}\u0000${timer.dueAt}`;
}
