/**
 * The processor's experiment step, run on every event after the profile, its flows and
 * its rules were updated: records exposures and updates the exposed users' metrics.
 *
 * Exposure: only when a variant was shown, from Segment's `Experiment Viewed`
 * (properties `experiment_id`, `variation_id`) or from `Content Shown` whose properties
 * carry `experiment` and `variant` (decide puts them in a decision's `track`). The first
 * exposure is stored on the profile (variant, exposedAt = the event's time); a later
 * one to another variant is ignored, unless the stored variant was removed from config.
 *
 * Metrics: an event counts for an exposed user when its time is at or after the
 * exposure and within the metric's `within`. Values live on the profile, so they are
 * committed with the processor's checkpoint: a replay after a crash starts from the
 * committed state and never counts an event twice (docs/decisions/0003).
 */
import { metricName, type OnrampEvent } from '../events/event.js';
import { CONTENT_SHOWN } from '../decide/interactions.js';
import type { JsonValue } from '../json/json.js';
import type { ExperimentAssignment, ProfileState } from '../profiles/profile.js';
import type { CompiledExperimentSet, CompiledMetric } from './experiment.js';

/** Segment's standard exposure event (spec: A/B Testing). */
export const EXPERIMENT_VIEWED = 'Experiment Viewed';

/** Applies one event; true when the profile's experiments changed. */
export function updateExperiments(
  set: CompiledExperimentSet,
  profile: ProfileState,
  event: OnrampEvent,
): boolean {
  if (set.experiments.length === 0) return false;
  let changed = recordExposure(set, profile, event);
  const all = profile.experiments;
  if (all === undefined) return changed;
  const name = metricName(event);
  for (const id in all) {
    if (!Object.hasOwn(all, id)) continue;
    const experiment = set.byId.get(id);
    const assignment = all[id] as ExperimentAssignment;
    const exposedAt = assignment.exposedAt;
    if (experiment === undefined || exposedAt === undefined) continue;
    if (!experiment.variantById.has(assignment.variant)) continue;
    const metrics = experiment.metricsByEvent.get(name);
    if (metrics !== undefined) {
      for (const metric of metrics) {
        if (countEvent(metric, assignment, exposedAt, event)) changed = true;
      }
    }
    for (const metric of experiment.stepMetrics) {
      if (countStep(metric, assignment, exposedAt, profile)) changed = true;
    }
  }
  return changed;
}

/** The experiment and variant an event says were shown, if it says so. */
export function exposureOf(
  event: OnrampEvent,
): { experiment: string; variant: string } | undefined {
  if (event.type !== 'track' || event.properties === undefined) return undefined;
  const properties = event.properties;
  let experiment: JsonValue | undefined;
  let variant: JsonValue | undefined;
  if (event.event === EXPERIMENT_VIEWED) {
    experiment = own(properties, 'experiment_id');
    variant = own(properties, 'variation_id');
  } else if (event.event === CONTENT_SHOWN) {
    experiment = own(properties, 'experiment');
    variant = own(properties, 'variant');
  } else return undefined;
  if (typeof experiment !== 'string') return undefined;
  if (typeof variant === 'number' && Number.isFinite(variant)) variant = String(variant);
  if (typeof variant !== 'string') return undefined;
  return { experiment, variant };
}

function recordExposure(
  set: CompiledExperimentSet,
  profile: ProfileState,
  event: OnrampEvent,
): boolean {
  const shown = exposureOf(event);
  if (shown === undefined) return false;
  const experiment = set.byId.get(shown.experiment);
  // Stopped and draft experiments take no new exposures.
  if (experiment?.status !== 'running' || !experiment.variantById.has(shown.variant)) return false;
  const all = (profile.experiments ??= {});
  const held = Object.hasOwn(all, experiment.id) ? all[experiment.id] : undefined;
  const at = event.timestamp;
  if (
    held === undefined ||
    held.exposedAt === undefined ||
    !experiment.variantById.has(held.variant)
  ) {
    all[experiment.id] =
      held !== undefined && held.variant === shown.variant
        ? { ...held, exposedAt: at }
        : { variant: shown.variant, at, exposedAt: at };
    return true;
  }
  return false;
}

function countEvent(
  metric: CompiledMetric,
  assignment: ExperimentAssignment,
  exposedAt: number,
  event: OnrampEvent,
): boolean {
  const at = event.timestamp;
  if (at < exposedAt || at - exposedAt > metric.withinMs) return false;
  if (metric.where !== undefined && !metric.where(event)) return false;
  const values = (assignment.metrics ??= {});
  const current = Object.hasOwn(values, metric.id) ? (values[metric.id] as number) : 0;
  if (metric.type === 'conversion') {
    if (current !== 0) return false;
    values[metric.id] = 1;
    return true;
  }
  if (metric.type === 'count') {
    values[metric.id] = current + 1;
    return true;
  }
  const amount = readNumber(event, metric.property as readonly string[]);
  if (amount === undefined || amount === 0) return false;
  values[metric.id] = current + amount;
  return true;
}

function countStep(
  metric: CompiledMetric,
  assignment: ExperimentAssignment,
  exposedAt: number,
  profile: ProfileState,
): boolean {
  const values = assignment.metrics;
  if (values !== undefined && Object.hasOwn(values, metric.id)) return false;
  const flows = profile.flows;
  const progress =
    flows !== undefined && Object.hasOwn(flows, metric.flow as string)
      ? flows[metric.flow as string]
      : undefined;
  const done = progress?.done;
  if (done === undefined || !Object.hasOwn(done, metric.step as string)) return false;
  const at = done[metric.step as string] as number;
  if (at < exposedAt || at - exposedAt > metric.withinMs) return false;
  (assignment.metrics ??= {})[metric.id] = 1;
  return true;
}

function readNumber(event: OnrampEvent, path: readonly string[]): number | undefined {
  let value: unknown = event;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    if (!Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function own(record: Record<string, JsonValue>, key: string): JsonValue | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
