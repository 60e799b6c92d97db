/**
 * Experiment assignments through an identity merge (a visitor signs up, a user signs in
 * on a second device): the merged person keeps one variant per experiment.
 *
 * - Only one half has an assignment: it is kept (a visitor who signs up keeps the
 *   variant they saw, even when the known profile survives the merge).
 * - Both have one: the exposed one wins over an unexposed one, then the earlier
 *   exposure (then the earlier assignment; the survivor's on a tie).
 * - Both were exposed to the same variant: one person saw it on two devices. Their
 *   metrics combine: conversions and steps stay 0 or 1 (the larger), counts and values
 *   add up (each half counted different events).
 */
import { isUnsafeKey } from '../json/json.js';
import type { ExperimentAssignment, ProfileState } from '../profiles/profile.js';
import type { CompiledExperimentSet } from './experiment.js';

/** Folds the assignments of `source` into `target` (the survivor). */
export function mergeExperiments(
  target: ProfileState,
  source: ProfileState,
  set: CompiledExperimentSet | undefined,
): void {
  const from = source.experiments;
  if (from === undefined) return;
  const merged: Record<string, ExperimentAssignment> = {};
  const into = target.experiments ?? {};
  // A loaded state may hold "__proto__": never a key of ours (experiment ids are safe).
  for (const id in into) {
    if (Object.hasOwn(into, id) && !isUnsafeKey(id)) merged[id] = into[id] as ExperimentAssignment;
  }
  for (const id in from) {
    if (!Object.hasOwn(from, id) || isUnsafeKey(id)) continue;
    const theirs = from[id] as ExperimentAssignment;
    const ours = Object.hasOwn(merged, id) ? merged[id] : undefined;
    merged[id] = ours === undefined ? theirs : mergeAssignment(ours, theirs, id, set);
  }
  target.experiments = merged;
}

function mergeAssignment(
  ours: ExperimentAssignment,
  theirs: ExperimentAssignment,
  id: string,
  set: CompiledExperimentSet | undefined,
): ExperimentAssignment {
  const kept = first(ours, theirs);
  const other = kept === ours ? theirs : ours;
  if (
    other.variant !== kept.variant ||
    other.exposedAt === undefined ||
    kept.exposedAt === undefined
  ) {
    return kept;
  }
  const metrics = { ...kept.metrics };
  const experiment = set?.byId.get(id);
  for (const metricId in other.metrics) {
    if (!Object.hasOwn(other.metrics, metricId) || isUnsafeKey(metricId)) continue;
    const value = other.metrics[metricId] as number;
    const held = Object.hasOwn(metrics, metricId) ? (metrics[metricId] as number) : 0;
    const type = experiment?.metrics.find((metric) => metric.id === metricId)?.type;
    // Unknown metric (removed from config): the larger value, never more than one person's.
    metrics[metricId] = type === 'count' || type === 'value' ? held + value : Math.max(held, value);
  }
  return { ...kept, metrics };
}

/** The assignment that stands: exposed first, then the earlier exposure, then the earlier one. */
function first(ours: ExperimentAssignment, theirs: ExperimentAssignment): ExperimentAssignment {
  if (ours.exposedAt === undefined && theirs.exposedAt !== undefined) return theirs;
  if (ours.exposedAt !== undefined && theirs.exposedAt === undefined) return ours;
  if (ours.exposedAt !== undefined && theirs.exposedAt !== undefined) {
    if (theirs.exposedAt !== ours.exposedAt)
      return theirs.exposedAt < ours.exposedAt ? theirs : ours;
  }
  return theirs.at < ours.at ? theirs : ours;
}
