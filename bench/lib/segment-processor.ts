import { performance } from 'node:perf_hooks';
import {
  Processor,
  TimerHeap,
  compileRuleSet,
  createManualClock,
  createMemoryEventLog,
  createMemoryProfileStore,
  type CompiledRuleSet,
  type DueTimer,
  type OnrampEvent,
  type ProfileState,
  type SegmentDefinition,
} from '@onramp/core';
import { benchProfileSettings } from './generated-profiles.js';

export const benchWorkspace = 'bench';

/** A rule set with no rules and these segments, as a published config version compiles it. */
export function compileSegmentSet(
  segments: readonly SegmentDefinition[],
  version = 1,
): CompiledRuleSet {
  return compileRuleSet([], {
    profiles: benchProfileSettings(),
    settings: { defaultTimezone: 'UTC', maxChainDepth: 3 },
    version,
    audiences: { segments },
  });
}

export interface StreamPassOptions {
  /** Events appended to the log (and the clock moved to the last one's arrival) per step. */
  chunk: number;
  /** The processor commits after this many ingested events, and at the end. */
  flushEvery: number;
  /**
   * Whether the Segment Entered / Exited events the processor emits are appended
   * to the log and applied, as the engine does (default), or dropped: to tell
   * their share of the cost.
   */
  dropEmitted?: boolean;
}

export interface StreamPass {
  /** Time spent in the processor: catching up, firing due timers, committing. */
  ms: number;
  /** Events of the stream. */
  ingested: number;
  /** Log entries applied: the stream plus the Segment Entered / Exited events it caused. */
  applied: number;
  /** Membership changes (entries and exits). */
  changes: number;
  /** `$segments` timers that came due and were run. */
  timers: number;
  errors: number;
  /** The profiles as committed at the end. */
  profiles: ProfileState[];
}

/**
 * Runs the stream through a fresh core Processor over an in-memory log and
 * profile store, as the engine does: events are appended a chunk at a time with
 * the clock at the chunk's last arrival; the processor catches up (the Segment
 * Entered / Exited events it emits go to the same log and are applied too), the
 * `$segments` timers due by then are fired, and the state is committed every
 * `flushEvery` events. Only the processor's work is timed, not the appends.
 */
export async function runStreamPass(
  rules: CompiledRuleSet,
  stream: readonly OnrampEvent[],
  options: StreamPassOptions,
): Promise<StreamPass> {
  const clock = createManualClock(stream[0]?.receivedAt ?? 0);
  const log = createMemoryEventLog({ partitions: 1, dedupWindowMs: 86_400_000, clock });
  const store = createMemoryProfileStore();
  const timers = new TimerHeap<DueTimer>();
  let changes = 0;
  let errors = 0;
  let nextId = 0;
  const processor = new Processor({
    log,
    store,
    clock,
    planOf: () => rules.profilePlan,
    rulesOf: () => rules,
    newProfileId: () => `p${(nextId++).toString().padStart(8, '0')}`,
    onEmit: (workspaceId, events) =>
      options.dropEmitted === true
        ? undefined
        : log.append(events.map((event) => ({ workspaceId, event }))).then(() => undefined),
    onTimersArmed: (armed) => {
      for (const timer of armed) timers.push(timer);
    },
    onChanges: (changed) => {
      for (const change of changed) changes += change.memberships?.length ?? 0;
    },
    onError: () => {
      errors++;
    },
  });
  await processor.start();
  let ms = 0;
  let timersRun = 0;
  let sinceFlush = 0;
  for (let start = 0; start < stream.length; start += options.chunk) {
    const chunk = stream.slice(start, start + options.chunk);
    await log.append(chunk.map((event) => ({ workspaceId: benchWorkspace, event })));
    clock.set((chunk[chunk.length - 1] as OnrampEvent).receivedAt);
    const began = performance.now();
    // Emitted membership events are appended while it runs: catch up until none is left.
    while ((await processor.catchUp()) > 0);
    const due = takeDue(timers, clock.now());
    if (due.length > 0) {
      await processor.fireTimers(due);
      timersRun += due.length;
      while ((await processor.catchUp()) > 0);
    }
    sinceFlush += chunk.length;
    if (sinceFlush >= options.flushEvery || start + options.chunk >= stream.length) {
      await processor.flush();
      sinceFlush = 0;
    }
    ms += performance.now() - began;
  }
  const stats = processor.stats();
  const profiles: ProfileState[] = [];
  for (let after: string | undefined; ;) {
    const page = await store.scanProfiles(benchWorkspace, {
      limit: 1000,
      ...(after === undefined ? {} : { after }),
    });
    profiles.push(...page);
    if (page.length < 1000) break;
    after = (page[page.length - 1] as ProfileState).id;
  }
  return {
    ms,
    ingested: stream.length,
    applied: stats.applied,
    changes,
    timers: timersRun,
    errors: errors + stats.errors,
    profiles,
  };
}

/** Timers due at or before `now`, removed from the heap (earliest first). */
function takeDue(heap: TimerHeap<DueTimer>, now: number): DueTimer[] {
  const due: DueTimer[] = [];
  for (let next = heap.peek(); next !== undefined && next.dueAt <= now; next = heap.peek()) {
    due.push(heap.pop() as DueTimer);
  }
  return due;
}
