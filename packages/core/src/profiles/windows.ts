/**
 * Exact sliding-window event counters in time buckets.
 *
 * PLAN. The configured windows W_0 < W_1 < … (sorted, equal lengths merged) become
 * tiers. Tier i has bucket width g_i = W_i / bucketsPerWindow rounded down to a
 * multiple of g_{i-1} (never below g_{i-1}, never below 1 ms). Widths nest and
 * buckets are aligned to multiples of g_i since the epoch, so a bucket of tier j
 * lies inside exactly one bucket of every coarser tier.
 *
 * EDGE SEMANTICS (what the docs promise). At time `now`, window i counts an event
 * at time t iff  floor(t / g_i) > floor((now − W_i) / g_i),  that is
 *   t ≥ start_i(now) = (floor((now − W_i) / g_i) + 1) · g_i.
 * The g_i-bucket holding now − W_i, and everything older, is out; everything
 * newer is in, with no upper bound (events stamped after `now` count). So a window
 * spans between W_i − g_i and W_i of history, its oldest edge exact to g_i; when
 * W_i = bucketsPerWindow · g_i (1h, 24h, 7d by default) it is exactly the last
 * bucketsPerWindow buckets of tier i, the current one included.
 * Events stamped more than W_0 after the `now` they are recorded at count as at
 * now + W_0: the one bound on future events that keeps memory constant.
 *
 * ENCODING. Flat pairs in a number array, in no particular order, from index
 * `from` on (the entries before it are the caller's: EventCounters keeps first,
 * last and total there):
 *   [key, count, key, count, …]   key = bucketStart · 16 + tier,
 * bucketStart being the bucket's start in ms since the epoch (a multiple of
 * g_tier). Keys are unique; counts are > 0. Numbers only, so V8 stores the array
 * unboxed (8 bytes a number); no per-bucket objects. Keeping the start time rather
 * than a bucket index keeps old entries meaningful when the windows are
 * reconfigured: an entry is then counted at its start time, right to within its
 * old bucket width, and entries of a tier the new plan lacks are dropped.
 *
 * INVARIANT. An entry of tier j lies outside every window i < j at the `now` it
 * was placed, hence at every later now (window edges only move forward). An entry
 * of tier j ≤ i lies inside one bucket of tier i, so window i is exactly the sum
 * of the tier ≤ i entries whose tier-i bucket is in. New events go to the finest
 * tier whose window holds them; recordEvent and mergeBuckets first compact: each
 * entry that left its tier's window moves to the finest coarser tier whose window
 * holds it, or is dropped when none does (older than the largest window).
 * Counts are exact for any `now` at or after the latest `now` the array was
 * written with; a clock that goes back may see such moved entries as absent.
 *
 * BOUNDS. After a write at `now`, tier 0 holds at most 2·W_0/g_0 + 1 entries and
 * tier j > 0 at most W_j/g_j + 2 (g_j > W_j / (2·bucketsPerWindow)), so memory and
 * work per event are bounded by about 2·bucketsPerWindow·(tiers + 1) entries.
 */
import { parseDuration } from '../time/duration.js';

export interface WindowSpec {
  /** The duration as configured, e.g. "24h": the key of the window in summaries. */
  readonly label: string;
  readonly ms: number;
  readonly bucketMs: number;
}

export interface WindowPlan {
  /** Ascending by length; index = tier. */
  readonly windows: readonly WindowSpec[];
  readonly bucketsPerWindow: number;
  /** How far after `now` an event may be stamped and still count at its own time. */
  readonly horizonMs: number;
}

const TIER_SLOTS = 16;

/** Compiles window durations ("1h", "7d") into tiers; throws on bad input (config time only). */
export function compileWindowPlan(
  windows: readonly string[],
  bucketsPerWindow: number,
): WindowPlan {
  if (!Number.isInteger(bucketsPerWindow) || bucketsPerWindow < 1) {
    throw new RangeError(`bucketsPerWindow must be a positive integer, got ${bucketsPerWindow}`);
  }
  const parsed = windows.map((label) => {
    const ms = parseDuration(label);
    if (ms === undefined) throw new RangeError(`invalid window duration "${label}"`);
    return { label: label.trim(), ms };
  });
  parsed.sort((a, b) => a.ms - b.ms);
  const unique = parsed.filter((w, i) => i === 0 || w.ms !== parsed[i - 1]?.ms);
  if (unique.length === 0 || unique.length > TIER_SLOTS) {
    throw new RangeError(`between 1 and ${TIER_SLOTS} distinct windows are supported`);
  }
  let previous = 1;
  const specs = unique.map(({ label, ms }): WindowSpec => {
    const ideal = Math.floor(ms / bucketsPerWindow);
    const bucketMs = Math.max(previous, Math.floor(ideal / previous) * previous);
    previous = bucketMs;
    return Object.freeze({ label, ms, bucketMs });
  });
  return Object.freeze({
    windows: Object.freeze(specs),
    bucketsPerWindow,
    horizonMs: (specs[0] as WindowSpec).ms,
  });
}

/** Counts one event at `timestamp`, processed at `now`, into the pairs from index `from`. */
export function recordEvent(
  buckets: number[],
  plan: WindowPlan,
  timestamp: number,
  now: number,
  from = 0,
): void {
  if (!Number.isFinite(now)) return;
  compactBuckets(buckets, plan, now, from);
  const at = Math.min(timestamp, now + plan.horizonMs);
  const tier = placeTier(plan, at, 0, now);
  if (tier < 0) return;
  const spec = plan.windows[tier] as WindowSpec;
  addCount(buckets, from, keyOf(Math.floor(at / spec.bucketMs) * spec.bucketMs, tier), 1);
}

/** One count per window of the plan, in plan order. */
export function countInWindows(
  buckets: readonly number[],
  plan: WindowPlan,
  now: number,
  from = 0,
): number[] {
  const counts = plan.windows.map(() => 0);
  for (let i = from; i < buckets.length; i += 2) {
    const key = buckets[i] as number;
    const start = startOf(key);
    const tier = key - start * TIER_SLOTS;
    if (tier >= counts.length) continue;
    for (let w = tier; w < counts.length; w++) {
      if (isInWindow(plan.windows[w] as WindowSpec, start, now)) {
        counts[w] = (counts[w] as number) + (buckets[i + 1] as number);
      }
    }
  }
  return counts;
}

/** The count of one window (by its index in the plan); 0 for an unknown index. */
export function countInWindow(
  buckets: readonly number[],
  plan: WindowPlan,
  windowIndex: number,
  now: number,
  from = 0,
): number {
  const window = plan.windows[windowIndex];
  if (window === undefined) return 0;
  let count = 0;
  for (let i = from; i < buckets.length; i += 2) {
    const key = buckets[i] as number;
    const start = startOf(key);
    // Entries of coarser tiers are outside this window (see INVARIANT).
    if (key - start * TIER_SLOTS > windowIndex) continue;
    if (isInWindow(window, start, now)) count += buckets[i + 1] as number;
  }
  return count;
}

/**
 * Adds the counts of `source` into `target` bucket-wise (identity merges), the
 * pairs of both starting at index `from`; `source` is unchanged.
 */
export function mergeBuckets(
  target: number[],
  source: readonly number[],
  plan: WindowPlan,
  now: number,
  from = 0,
): void {
  if (!Number.isFinite(now)) return;
  const pairs = target === source ? source.slice() : source;
  compactBuckets(target, plan, now, from);
  for (let i = from; i < pairs.length; i += 2) {
    const key = pairs[i] as number;
    const start = startOf(key);
    const tier = key - start * TIER_SLOTS;
    if (tier >= plan.windows.length) continue;
    moveEntry(target, from, plan, start, tier, pairs[i + 1] as number, now);
  }
}

/**
 * Moves entries that left their tier's window into coarser tiers and drops those
 * older than every window. Writes call it; call it before persisting idle state.
 */
export function compactBuckets(buckets: number[], plan: WindowPlan, now: number, from = 0): void {
  if (!Number.isFinite(now)) return;
  let i = from;
  while (i < buckets.length) {
    const key = buckets[i] as number;
    const start = startOf(key);
    const tier = key - start * TIER_SLOTS;
    const spec = plan.windows[tier];
    if (spec !== undefined && isInWindow(spec, start, now)) {
      i += 2;
      continue;
    }
    const count = buckets[i + 1] as number;
    removePair(buckets, i); // the last pair now sits at i and is examined next
    // A tier beyond the plan was written under another plan: dropped.
    if (spec !== undefined) moveEntry(buckets, from, plan, start, tier + 1, count, now);
  }
}

/** Whether a bucket starting at `start` (of this window's tier or finer) is in the window. */
function isInWindow(window: WindowSpec, start: number, now: number): boolean {
  const g = window.bucketMs;
  return Math.floor(start / g) > Math.floor((now - window.ms) / g);
}

/** The finest tier ≥ `fromTier` whose window holds `start`, or -1. */
function placeTier(plan: WindowPlan, start: number, fromTier: number, now: number): number {
  for (let tier = fromTier; tier < plan.windows.length; tier++) {
    if (isInWindow(plan.windows[tier] as WindowSpec, start, now)) return tier;
  }
  return -1;
}

function moveEntry(
  buckets: number[],
  from: number,
  plan: WindowPlan,
  start: number,
  fromTier: number,
  count: number,
  now: number,
): void {
  const tier = placeTier(plan, start, fromTier, now);
  if (tier < 0) return;
  const spec = plan.windows[tier] as WindowSpec;
  addCount(buckets, from, keyOf(Math.floor(start / spec.bucketMs) * spec.bucketMs, tier), count);
}

/** Exact while bucketStart · 16 < 2^53, i.e. for any time before the year 19 000. */
function keyOf(bucketStart: number, tier: number): number {
  return bucketStart * TIER_SLOTS + tier;
}

function startOf(key: number): number {
  return Math.floor(key / TIER_SLOTS);
}

function addCount(buckets: number[], from: number, key: number, count: number): void {
  for (let i = from; i < buckets.length; i += 2) {
    if (buckets[i] === key) {
      buckets[i + 1] = (buckets[i + 1] as number) + count;
      return;
    }
  }
  buckets.push(key, count);
}

function removePair(buckets: number[], i: number): void {
  const last = buckets.length - 2;
  if (i !== last) {
    buckets[i] = buckets[last] as number;
    buckets[i + 1] = buckets[last + 1] as number;
  }
  buckets.length = last;
}
