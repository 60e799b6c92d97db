/**
 * Identity merges of what rules keep on a profile: decisions, flow progress,
 * content interactions and rule bookkeeping (caps, fatigue, timers, edge
 * state). The merged person is one person: a cap or a fatigue budget counts the firings of both halves, so a user
 * who signs in on a second device is not prompted again.
 */
import { mergeInteractions } from '../decide/interactions.js';
import { isUnsafeKey } from '../json/json.js';
import type { FlowProgress, PlacementDecision, ProfileState, RuleProfileState } from './profile.js';

/** Folds the rule state of `source` into `target` (the survivor). */
export function mergeRuleState(target: ProfileState, source: ProfileState): void {
  if (source.decisions !== undefined) {
    const decisions = { ...(target.decisions ?? {}) };
    for (const [placement, decision] of ownEntries(source.decisions)) {
      const held = decisions[placement];
      if (held === undefined || outranks(decision, held)) decisions[placement] = decision;
    }
    target.decisions = decisions;
  }
  if (source.flows !== undefined) {
    const flows: Record<string, FlowProgress> = {};
    for (const [flow, progress] of ownEntries(target.flows ?? {})) flows[flow] = progress;
    for (const [flow, progress] of ownEntries(source.flows)) {
      if (!isProgress(progress)) continue;
      const held = Object.hasOwn(flows, flow) ? flows[flow] : undefined;
      flows[flow] = held === undefined || !isProgress(held) ? progress : mergeFlow(held, progress);
    }
    target.flows = flows;
  }
  if (source.interactions !== undefined) {
    target.interactions = mergeInteractions(target.interactions, source.interactions);
  }
  if (source.rules !== undefined) target.rules = mergeRules(target.rules ?? {}, source.rules);
}

/**
 * One flow's progress from both halves: steps done, skipped or dismissed by either
 * (the earlier time), started and completed at the earlier time; the step, variant
 * and last change of the more recently changed half. The flows runtime settles the
 * current step at the next update (updateFlowsForFacts).
 */
function mergeFlow(a: FlowProgress, b: FlowProgress): FlowProgress {
  const later = b.at > a.at ? b : a;
  const merged: FlowProgress = { step: later.step, at: later.at };
  const startedAt = earliest(a.startedAt, b.startedAt);
  if (startedAt !== undefined) merged.startedAt = startedAt;
  if (later.variant !== undefined) merged.variant = later.variant;
  for (const key of ['done', 'skipped', 'dismissed'] as const) {
    const times = unionTimes(a[key], b[key]);
    if (times !== undefined) merged[key] = times;
  }
  const completedAt = earliest(a.completedAt, b.completedAt);
  if (completedAt !== undefined) {
    merged.completedAt = completedAt;
    merged.step = '';
  }
  return merged;
}

function isProgress(value: unknown): value is FlowProgress {
  return (
    typeof value === 'object' && value !== null && typeof (value as FlowProgress).at === 'number'
  );
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  const times = [a, b].filter((at): at is number => typeof at === 'number');
  return times.length === 0 ? undefined : Math.min(...times);
}

/** Step → the earlier time of either record; undefined when neither has any. */
function unionTimes(
  a: Record<string, number> | undefined,
  b: Record<string, number> | undefined,
): Record<string, number> | undefined {
  if (!isRecord(a) && !isRecord(b)) return undefined;
  const union: Record<string, number> = {};
  for (const record of [a, b]) {
    if (!isRecord(record)) continue;
    for (const [step, at] of ownEntries(record)) {
      if (typeof at !== 'number') continue;
      const held = Object.hasOwn(union, step) ? union[step] : undefined;
      union[step] = held === undefined ? at : Math.min(held, at);
    }
  }
  return union;
}

function isRecord(value: unknown): value is Record<string, number> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function outranks(candidate: PlacementDecision, held: PlacementDecision): boolean {
  if (candidate.priority !== held.priority) return candidate.priority > held.priority;
  return candidate.at > held.at;
}

function mergeRules(target: RuleProfileState, source: RuleProfileState): RuleProfileState {
  const merged: RuleProfileState = { ...target };
  if (source.fired !== undefined) {
    const fired = { ...(target.fired ?? {}) };
    for (const [ruleId, record] of ownEntries(source.fired)) {
      const held = fired[ruleId];
      fired[ruleId] = held === undefined ? [...record] : mergeFired(held, record);
    }
    merged.fired = fired;
  }
  if (source.prompts !== undefined) {
    const kept = Math.max(target.prompts?.length ?? 0, source.prompts.length);
    const prompts = [...(target.prompts ?? []), ...source.prompts].sort((a, b) => a - b);
    merged.prompts = prompts.slice(prompts.length - kept);
  }
  if (source.timers !== undefined) {
    // The survivor's timers stand; the source's fill in rules the survivor has none for.
    const timers = { ...(target.timers ?? {}) };
    for (const [ruleId, dueAt] of ownEntries(source.timers)) timers[ruleId] ??= dueAt;
    merged.timers = timers;
  }
  return merged;
}

/** [last, total, …recent oldest first]: latest last, summed totals, the newest recent ones. */
function mergeFired(a: number[], b: number[]): number[] {
  const last = Math.max(a[0] ?? 0, b[0] ?? 0);
  const total = (a[1] ?? 0) + (b[1] ?? 0);
  const kept = Math.max(a.length, b.length) - 2;
  const recent = [...a.slice(2), ...b.slice(2)].sort((x, y) => x - y);
  return [last, total, ...recent.slice(Math.max(0, recent.length - kept))];
}

function ownEntries<T>(record: Record<string, T>): [string, T][] {
  return Object.entries(record).filter(([key]) => !isUnsafeKey(key));
}
