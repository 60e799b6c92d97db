/**
 * When a condition can change with time alone (CompiledCondition.nextChange): the
 * earliest time after `now` at which test() could give another result for the same
 * profile with no event applied. A segment arms one timer per profile at that time
 * instead of re-checking every profile on a schedule.
 *
 * RULES. Times are whole ms. The answer is > now (at least the next ms) and never
 * later than the real change; Infinity when time alone can never change the value.
 * It interprets the validated tree with the explainer's readers (explain-value.ts),
 * so it agrees with the generated test.
 * - `now` (x = now) and `$elapsed` (x = now − reference) rise 1 ms per ms. A value
 *   test over x is constant between its literals, so the only candidates are, for
 *   each literal c, the first x ≥ c and the first x > c; they are tried in order and
 *   the first where the test differs is the answer (exact: `$gte: "3d"` since
 *   lastSeen flips at lastSeen + 3d, `$gt` 1 ms later). A missing reference stays
 *   missing (false): Infinity.
 * - `$event … within W` (windows.ts): an entry of the window's tier or a finer one
 *   leaves the window exactly at floor(start / g) · g + W (g the window's bucket
 *   width); the count never rises. With m the largest count below the current one
 *   at which the count test differs, the answer is the first exit after which at
 *   most m events remain; when the count jumped over m (an `$eq`), the search goes
 *   on from there (exact). With `since`: a true value ends when the count reaches 0.
 *   Lifetime counts (no `within`) never change with time.
 * - `engagement` changes only when an entry of a weighted event leaves the
 *   engagement window: those exits are tried in order, up to MAX_ENGAGEMENT_STEPS,
 *   then the next one is returned unchecked (conservative).
 * - `decisions.<placement>` reads missing from the decision's expiresAt on.
 * - `$sequence` (a completion stays), `firstSeen`/`lastSeen` compared with fixed
 *   times, and every other path: never.
 * - `$and`: when true, the earliest change of any child; when false, the latest of
 *   its false children's (each must change first). `$or`/`$nor`: the converse.
 *   `$not`: its child's.
 * A state that makes the interpretation throw gets the next ms (re-check soon), as
 * the only answer that cannot be late.
 */
import type { ProfilePlan } from '../profiles/apply-event.js';
import { engagementScore } from '../profiles/engagement.js';
import {
  EVENT_BUCKETS,
  EVENT_LAST,
  EVENT_TOTAL,
  type EventCounters,
  type ProfileState,
} from '../profiles/profile.js';
import { countInWindow, type WindowSpec } from '../profiles/windows.js';
import type { EvalInput } from './condition.js';
import type { CompareOp, ConditionNode, ValueKind, ValueOp, ValueTest } from './condition-tree.js';
import { countersOf, referenceTime } from './explain-condition.js';
import { evaluateValueTest, readField, type ReadSource } from './explain-value.js';

/** CompiledCondition.nextChange, bound to the finished profile plan. */
export type NextChange = (input: EvalInput) => number;

/** Exits of weighted events checked before engagement answers with the next one unchecked. */
export const MAX_ENGAGEMENT_STEPS = 16;

/** windows.ts ENCODING: key = bucketStart · 16 + tier (a persisted format, hence stable). */
const TIER_SLOTS = 16;

const never: NextChange = () => Number.POSITIVE_INFINITY;

/** Binds the interpretation to a plan; conditions that read no time get `() => Infinity`. */
export function compileNextChange(node: ConditionNode, plan: ProfilePlan): NextChange {
  const timed = new Set<ConditionNode>();
  if (!markTimed(node, timed)) return never;
  return (input) => {
    const now = input.now;
    if (!Number.isFinite(now)) return Number.POSITIVE_INFINITY;
    const walk: Walk = {
      input,
      plan,
      timed,
      source: { type: 'profile', input, plan },
      value: false,
    };
    let next: number;
    try {
      next = visit(node, walk);
    } catch {
      next = Number.NaN;
    }
    return next > now ? next : Math.floor(now) + 1;
  };
}

/** Collects the nodes whose value can change with time; true when `node` is one. */
function markTimed(node: ConditionNode, timed: Set<ConditionNode>): boolean {
  let reads: boolean;
  switch (node.type) {
    case 'and':
    case 'or':
    case 'nor':
      reads = false;
      for (const child of node.children) if (markTimed(child, timed)) reads = true;
      break;
    case 'not':
      reads = markTimed(node.child, timed);
      break;
    case 'field': {
      const root = node.field.root;
      reads = root === 'now' || root === 'engagement' || root === 'decisions';
      break;
    }
    case 'event':
      reads = node.windowMs !== undefined;
      break;
    case 'elapsed':
      reads = true;
      break;
    case 'sequence':
      reads = false;
  }
  if (reads) timed.add(node);
  return reads;
}

interface Walk {
  readonly input: EvalInput;
  readonly plan: ProfilePlan;
  readonly timed: ReadonlySet<ConditionNode>;
  readonly source: ReadSource;
  /** The value at `now` of the node visited last. */
  value: boolean;
}

/** The node's next change; its value at now is left in `walk.value`. */
function visit(node: ConditionNode, walk: Walk): number {
  if (!walk.timed.has(node)) {
    walk.value = holds(node, walk.source);
    return Number.POSITIVE_INFINITY;
  }
  switch (node.type) {
    case 'and':
    case 'or':
    case 'nor':
      return visitLogic(node, walk);
    case 'not': {
      const next = visit(node.child, walk);
      walk.value = !walk.value;
      return next;
    }
    case 'field':
      return visitField(node, walk);
    case 'event':
      return visitEvent(node, walk);
    case 'elapsed':
      return visitElapsed(node, walk);
    case 'sequence':
      walk.value = holds(node, walk.source);
      return Number.POSITIVE_INFINITY;
  }
}

function visitLogic(
  node: Extract<ConditionNode, { type: 'and' | 'or' | 'nor' }>,
  walk: Walk,
): number {
  let any = false;
  let all = true;
  let earliest = Number.POSITIVE_INFINITY;
  let latestTrue = Number.NEGATIVE_INFINITY;
  let latestFalse = Number.NEGATIVE_INFINITY;
  for (const child of node.children) {
    const next = visit(child, walk);
    if (next < earliest) earliest = next;
    if (walk.value) {
      any = true;
      if (next > latestTrue) latestTrue = next;
    } else {
      all = false;
      if (next > latestFalse) latestFalse = next;
    }
  }
  if (node.type === 'and') {
    walk.value = all;
    return all ? earliest : latestFalse;
  }
  walk.value = node.type === 'or' ? any : !any;
  return any ? latestTrue : earliest;
}

function visitField(node: Extract<ConditionNode, { type: 'field' }>, walk: Walk): number {
  const { field, test } = node;
  const now = walk.input.now;
  const value = readField(field, walk.source);
  const result = evaluateValueTest(test, value, field.kind, elementHolds);
  walk.value = result;
  switch (field.root) {
    case 'now':
      return now + firstRise(test, now, field.kind, result);
    case 'engagement':
      return engagementChange(test, walk, result);
    case 'decisions': {
      const decisions = walk.input.profile.decisions;
      const placement = field.segments[0] as string;
      const decision =
        decisions !== undefined && Object.hasOwn(decisions, placement)
          ? decisions[placement]
          : undefined;
      const expiresAt = decision?.expiresAt;
      if (expiresAt === undefined || !(expiresAt > now)) return Number.POSITIVE_INFINITY;
      const expired = evaluateValueTest(test, undefined, field.kind, elementHolds);
      return expired !== result ? expiresAt : Number.POSITIVE_INFINITY;
    }
    default:
      return Number.POSITIVE_INFINITY;
  }
}

function visitElapsed(node: Extract<ConditionNode, { type: 'elapsed' }>, walk: Walk): number {
  const now = walk.input.now;
  const reference = referenceTime(walk.input.profile, node.since);
  if (reference === undefined) {
    walk.value = false;
    return Number.POSITIVE_INFINITY;
  }
  const elapsed = now - reference;
  walk.value = evaluateValueTest(node.test, elapsed, 'duration', noElement);
  return now + firstRise(node.test, elapsed, 'duration', walk.value);
}

function visitEvent(node: Extract<ConditionNode, { type: 'event' }>, walk: Walk): number {
  const { plan } = walk;
  const profile = walk.input.profile;
  const now = walk.input.now;
  walk.value = eventHolds(node, profile, plan, now);
  const counters = countersOf(profile, node.counter);
  const index = windowIndexOf(plan, node.windowMs);
  const window = plan.windows.windows[index];
  if (counters === undefined || window === undefined) return Number.POSITIVE_INFINITY;
  if (node.since === undefined) return countChange(node.count, counters, window, index, walk);
  // A count that only falls: a true `since` ends when the last counted event leaves.
  return walk.value ? firstTimeAtMost(counters, window, index, now, 0) : Number.POSITIVE_INFINITY;
}

/**
 * The first exit at which the count test differs from its value at now: jumps to the
 * first time at most m events remain (m: the largest lower count that differs),
 * then checks, since a count may fall past m to a value that agrees again.
 */
function countChange(
  test: ValueTest,
  counters: EventCounters,
  window: WindowSpec,
  index: number,
  walk: Walk,
): number {
  const result = walk.value;
  const now = walk.input.now;
  let at = now;
  let count = countInWindow(counters, walk.plan.windows, index, now, EVENT_BUCKETS);
  for (;;) {
    const m = lowerFlip(test, count, result);
    if (m < 0) return Number.POSITIVE_INFINITY;
    at = firstTimeAtMost(counters, window, index, at, m);
    if (at === Number.POSITIVE_INFINITY) return at;
    const next = countInWindow(counters, walk.plan.windows, index, at, EVENT_BUCKETS);
    if (next >= count) return at; // corrupt counts: never loop
    count = next;
    if (holdsNumber(test, count) !== result) return at;
  }
}

/** The largest count in [0, count) at which the test differs from `result`, or −1. */
function lowerFlip(test: ValueTest, count: number, result: boolean): number {
  if (count <= 0) return -1;
  if (holdsNumber(test, count - 1) !== result) return count - 1;
  return lowerCandidates(test, test, count, result, -1);
}

/** Below a literal c a count test changes only at floor(c) and ceil(c) − 1 (ends of its runs). */
function lowerCandidates(
  root: ValueTest,
  test: ValueTest,
  count: number,
  result: boolean,
  best: number,
): number {
  for (const op of test) {
    if (op.op === 'not') best = lowerCandidates(root, op.test, count, result, best);
    else if (op.op === 'in' || op.op === 'nin') {
      for (const value of op.values) best = lowerLiteral(root, value, count, result, best);
    } else if (isScalarOp(op)) best = lowerLiteral(root, op.value, count, result, best);
  }
  return best;
}

function lowerLiteral(
  root: ValueTest,
  literal: unknown,
  count: number,
  result: boolean,
  best: number,
): number {
  if (typeof literal !== 'number') return best;
  const upper = Math.floor(literal);
  const below = Math.ceil(literal) - 1;
  if (upper > best && upper < count && holdsNumber(root, upper) !== result) best = upper;
  if (below > best && below < count && holdsNumber(root, below) !== result) best = below;
  return best;
}

function holdsNumber(test: ValueTest, count: number): boolean {
  return evaluateValueTest(test, count, 'number', noElement);
}

/**
 * The first exit time τ > after at which at most `m` of the entries still in the
 * window at `after` remain (counted from the latest exits down, so the usual
 * small m costs one or two scans). Infinity when there is no such exit.
 */
function firstTimeAtMost(
  counters: EventCounters,
  window: WindowSpec,
  index: number,
  after: number,
  m: number,
): number {
  let below = Number.POSITIVE_INFINITY;
  let kept = 0;
  for (;;) {
    let top = Number.NEGATIVE_INFINITY;
    let group = 0;
    for (let i = EVENT_BUCKETS; i + 1 < counters.length; i += 2) {
      const exit = exitOf(counters[i] as number, window, index);
      if (!(exit > after) || !(exit < below)) continue;
      const count = counters[i + 1] as number;
      if (exit > top) {
        top = exit;
        group = count;
      } else if (exit === top) group += count;
    }
    if (top === Number.NEGATIVE_INFINITY) return below;
    kept += group;
    if (kept > m) return top;
    below = top;
  }
}

/** When an entry leaves window `index`: −Infinity for an entry of a coarser tier (never in it). */
function exitOf(key: number, window: WindowSpec, index: number): number {
  const start = Math.floor(key / TIER_SLOTS);
  if (key - start * TIER_SLOTS > index) return Number.NEGATIVE_INFINITY;
  return Math.floor(start / window.bucketMs) * window.bucketMs + window.ms;
}

/** The engagement score's exits, in order, until the test differs (see MAX_ENGAGEMENT_STEPS). */
function engagementChange(test: ValueTest, walk: Walk, result: boolean): number {
  const steps = engagementSteps(walk);
  for (let i = 0; i + 1 < steps.length; i += 2) {
    const at = steps[i] as number;
    if (at === Number.POSITIVE_INFINITY) return at;
    if (evaluateValueTest(test, steps[i + 1] as number, 'number', noElement) !== result) return at;
  }
  return steps[steps.length - 1] as number;
}

/**
 * The engagement score after each of its next exits: [at, score, at, score, …, next
 * exit], MAX_ENGAGEMENT_STEPS pairs at most. The same for every engagement test of
 * one evaluation, so it is kept in `input.nextChangeMemo` when the caller gives one.
 */
function engagementSteps(walk: Walk): number[] {
  const memo = walk.input.nextChangeMemo;
  if (memo?.engagement !== undefined) return memo.engagement;
  const { plan } = walk;
  const profile = walk.input.profile;
  const index = plan.engagement.windowIndex;
  const window = plan.windows.windows[index];
  const steps: number[] = [];
  if (window === undefined) steps.push(Number.POSITIVE_INFINITY);
  else {
    let at = walk.input.now;
    for (let step = 0; ; step++) {
      at = nextEngagementExit(profile, plan, window, index, at);
      if (at === Number.POSITIVE_INFINITY || step === MAX_ENGAGEMENT_STEPS) {
        steps.push(at);
        break;
      }
      steps.push(at, engagementScore(profile, plan.engagement, plan.windows, at));
    }
  }
  if (memo !== undefined) memo.engagement = steps;
  return steps;
}

function nextEngagementExit(
  profile: ProfileState,
  plan: ProfilePlan,
  window: WindowSpec,
  index: number,
  after: number,
): number {
  let next = Number.POSITIVE_INFINITY;
  for (const [name] of plan.engagement.weights) {
    const counters = Object.hasOwn(profile.events, name) ? profile.events[name] : undefined;
    if (counters === undefined) continue;
    for (let i = EVENT_BUCKETS; i + 1 < counters.length; i += 2) {
      const exit = exitOf(counters[i] as number, window, index);
      if (exit > after && exit < next) next = exit;
    }
  }
  return next;
}

/**
 * For a value rising 1 per ms from x0: the smallest d ≥ 1 with test(x0 + d) ≠ `result`,
 * or Infinity. Candidates come from the literals (nextRise) and are tried in order.
 */
function firstRise(test: ValueTest, x0: number, kind: ValueKind, result: boolean): number {
  let after = 0;
  for (;;) {
    const d = nextRise(test, x0, after);
    if (d === Number.POSITIVE_INFINITY) return d;
    if (evaluateValueTest(test, x0 + d, kind, noElement) !== result) return d;
    after = d;
  }
}

/** The smallest candidate offset > after: where x first reaches, or first passes, a literal. */
function nextRise(test: ValueTest, x0: number, after: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (const op of test) {
    if (op.op === 'not') best = Math.min(best, nextRise(op.test, x0, after));
    else if (op.op === 'in' || op.op === 'nin') {
      for (const value of op.values) best = riseAt(value, x0, after, best);
    } else if (isScalarOp(op)) best = riseAt(op.value, x0, after, best);
    // $exists and $type are constant on a number; the other operators are refused
    // for number, time and duration paths.
  }
  return best;
}

function riseAt(literal: unknown, x0: number, after: number, best: number): number {
  if (typeof literal !== 'number') return best;
  const reach = Math.ceil(literal - x0);
  const pass = Math.floor(literal - x0) + 1;
  if (reach > after && reach < best) best = reach;
  if (pass > after && pass < best) best = pass;
  return best;
}

function isScalarOp(op: ValueOp): op is Extract<ValueOp, { op: 'eq' | 'ne' | CompareOp }> {
  switch (op.op) {
    case 'eq':
    case 'ne':
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return true;
    default:
      return false;
  }
}

// The values at now, with the explainer's semantics (explain-condition.ts).

const noElement = (): boolean => false;

function elementHolds(condition: ConditionNode, element: unknown): boolean {
  return holds(condition, { type: 'element', element });
}

function holds(node: ConditionNode, source: ReadSource): boolean {
  switch (node.type) {
    case 'and':
      for (const child of node.children) if (!holds(child, source)) return false;
      return true;
    case 'or':
    case 'nor': {
      let any = false;
      for (const child of node.children) if (holds(child, source)) any = true;
      return node.type === 'or' ? any : !any;
    }
    case 'not':
      return !holds(node.child, source);
    case 'field':
      return evaluateValueTest(
        node.test,
        readField(node.field, source),
        node.field.kind,
        elementHolds,
      );
    default: {
      if (source.type !== 'profile' || source.plan === undefined) return false;
      const { profile, now } = source.input;
      if (node.type === 'event') return eventHolds(node, profile, source.plan, now);
      if (node.type === 'elapsed') {
        const reference = referenceTime(profile, node.since);
        if (reference === undefined) return false;
        return evaluateValueTest(node.test, now - reference, 'duration', noElement);
      }
      const tracker =
        profile.sequences !== undefined && Object.hasOwn(profile.sequences, node.key)
          ? profile.sequences[node.key]
          : undefined;
      const completedAt = tracker?.[0];
      return completedAt !== undefined && completedAt >= 0;
    }
  }
}

function eventHolds(
  node: Extract<ConditionNode, { type: 'event' }>,
  profile: ProfileState,
  plan: ProfilePlan,
  now: number,
): boolean {
  const counters = countersOf(profile, node.counter);
  let count = 0;
  if (counters !== undefined) {
    count =
      node.windowMs === undefined
        ? (counters[EVENT_TOTAL] as number)
        : countInWindow(
            counters,
            plan.windows,
            windowIndexOf(plan, node.windowMs),
            now,
            EVENT_BUCKETS,
          );
  }
  if (node.since === undefined) return evaluateValueTest(node.count, count, 'number', noElement);
  const other = Object.hasOwn(profile.events, node.since) ? profile.events[node.since] : undefined;
  return (
    count >= 1 &&
    counters !== undefined &&
    (other === undefined || (counters[EVENT_LAST] as number) > (other[EVENT_LAST] as number))
  );
}

function windowIndexOf(plan: ProfilePlan, ms: number | undefined): number {
  const windows = plan.windows.windows;
  for (let i = 0; i < windows.length; i++) if (windows[i]?.ms === ms) return i;
  return -1;
}
