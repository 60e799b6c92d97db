/**
 * Identity merges of what rules keep on a profile: decisions, flow progress and
 * rule bookkeeping (caps, fatigue, timers, edge state). The merged person is one
 * person: a cap or a fatigue budget counts the firings of both halves, so a user
 * who signs in on a second device is not prompted again.
 */
import { isUnsafeKey } from '../json/json.js';
import type { PlacementDecision, ProfileState, RuleProfileState } from './profile.js';

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
    const flows = { ...(target.flows ?? {}) };
    for (const [flow, progress] of ownEntries(source.flows)) {
      const held = flows[flow];
      if (held === undefined || progress.at > held.at) flows[flow] = progress;
    }
    target.flows = flows;
  }
  if (source.rules !== undefined) target.rules = mergeRules(target.rules ?? {}, source.rules);
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
