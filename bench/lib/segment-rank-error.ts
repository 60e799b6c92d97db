import { performance } from 'node:perf_hooks';
import {
  generatePopulation,
  measureCohortRankError,
  type RankErrorReport,
} from '../../packages/core/src/cohorts/rank-error.js';
import { seededRandom } from './ingest-bodies.js';

export interface RankErrorOptions {
  /** Profiles in the population. */
  population: number;
  /** Times every profile's value is replaced before the final values are in. */
  churnRounds: number;
}

export interface CohortRankError {
  population: number;
  /** Share of the population in ties (values held by more than one profile). */
  tied: number;
  /** Values only added, no churn. */
  clean: RankErrorReport;
  /** Every value replaced `churnRounds` times (the values dealt out again each time). */
  churned: RankErrorReport;
  /** Values growing to their final level over `churnRounds` replacements. */
  growth: RankErrorReport;
  /** A continuous skewed metric (time in sessions: log-normal, no ties), with the churn above. */
  continuous: RankErrorReport;
  seconds: number;
}

/**
 * Engagement-like scores (a score capped at 100, as the engagement settings'
 * `max`, made of integer event weights): 15 % of people at 0 (nothing in the
 * window), the others log-normal e^N(2.5, 1.1) rounded to an integer and capped
 * at 100, so most values are ties and a few percent sit on the cap.
 */
export function engagementPopulation(count: number, seed = 3): number[] {
  const random = seededRandom(seed);
  const normal = () => {
    const u = 1 - random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  return Array.from({ length: count }, () =>
    random() < 0.15 ? 0 : Math.min(100, Math.round(Math.exp(2.5 + 1.1 * normal()))),
  );
}

/**
 * Rank error of the cohort sketch (core's measureCohortRankError: every profile's
 * estimated rank against the exact one from sorting, with bands 20/50/30) on an
 * engagement-like population: clean, with churn (every value replaced
 * `churnRounds` times), and with growth (every value rising to its final level);
 * and on a continuous log-normal population (core's generatePopulation) with churn.
 */
export function measureRankError(options: RankErrorOptions): CohortRankError {
  const values = engagementPopulation(options.population);
  const started = performance.now();
  const clean = measureCohortRankError(values);
  const churned = measureCohortRankError(values, {
    churnRounds: options.churnRounds,
    churn: 'shuffle',
  });
  const growth = measureCohortRankError(values, {
    churnRounds: options.churnRounds,
    churn: 'growth',
  });
  const continuous = measureCohortRankError(
    generatePopulation('lognormal', options.population, 7),
    { churnRounds: options.churnRounds, churn: 'shuffle' },
  );
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  let tied = 0;
  for (const count of counts.values()) if (count > 1) tied += count;
  return {
    population: values.length,
    tied: tied / Math.max(1, values.length),
    clean,
    churned,
    growth,
    continuous,
    seconds: (performance.now() - started) / 1000,
  };
}
