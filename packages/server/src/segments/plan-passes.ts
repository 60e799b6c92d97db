import type { SegmentSetRuntime } from '@onramp/core';

/** The background passes a config change needs. */
export interface PassPlan {
  /** Segments to back-fill ('all' at start: a full reconcile, with cohorts and clusters). */
  segments?: string[] | 'all';
  /** Cohorts whose sketch starts empty: rank every profile, then re-band. */
  rank: string[];
  /** Cohorts whose sketch is rebuilt from the values profiles hold (at start). */
  rebuild: string[];
  /** Cohorts whose bands changed with the same metric: re-band. */
  reband: string[];
}

/**
 * Compares two versions' segments and cohorts. At start (`previous` undefined)
 * every cohort sketch is rebuilt from the stored values and every segment is
 * reconciled; on a publish only what changed is evaluated: new or edited segments
 * (deleted ones are pruned by the same pass), new cohorts or new metrics, new bands.
 */
export function planPasses(
  previous: SegmentSetRuntime | undefined,
  next: SegmentSetRuntime,
  freshCohorts: readonly string[],
): PassPlan {
  if (previous === undefined) {
    return {
      ...(next.active ? { segments: 'all' as const } : {}),
      rank: [],
      rebuild: next.cohorts.map((cohort) => cohort.id),
      reband: [],
    };
  }
  const changed: string[] = [];
  for (const segment of next.segments) {
    const before = previous.byId.get(segment.id);
    if (
      before === undefined ||
      !sameJson(before.definition.condition, segment.definition.condition)
    ) {
      changed.push(segment.id);
    }
  }
  const removed = [...previous.memberships].some((id) => !next.memberships.has(id));
  const fresh = new Set(freshCohorts);
  const reband: string[] = [];
  for (const cohort of next.cohorts) {
    if (fresh.has(cohort.id)) continue;
    const before = previous.cohorts.find((c) => c.id === cohort.id);
    if (
      before !== undefined &&
      (!sameJson(before.definition.bands, cohort.definition.bands) ||
        before.definition.minPopulation !== cohort.definition.minPopulation)
    ) {
      reband.push(cohort.id);
    }
  }
  return {
    ...(changed.length > 0 || removed ? { segments: changed } : {}),
    rank: next.cohorts.filter((cohort) => fresh.has(cohort.id)).map((cohort) => cohort.id),
    rebuild: [],
    reband,
  };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
