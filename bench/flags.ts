import { benchFlags, generateBenchUsers, type BenchUser } from './lib/flags-catalogue.js';
import {
  findDisagreements,
  growthbookEvaluator,
  handwrittenEvaluator,
  onrampEvaluator,
  unleashEvaluator,
  type FlagEvaluator,
} from './lib/flags-evaluators.js';
import { measureRates, type RateOptions } from './lib/rate.js';
import { round } from './lib/stats.js';
import type { Suite, SuiteReport } from './lib/suite.js';
import { formatNumber } from './lib/table.js';

export interface FlagsBenchOptions extends RateOptions {
  /** Users every flag is evaluated for in each timed pass. */
  users: number;
  /** Users on whom the four evaluators' values are compared one by one before timing. */
  checkUsers: number;
}

/** Knobs, from the environment (documented in docs/flags.md, "Benchmark"). */
export function flagsOptionsFromEnv(env: NodeJS.ProcessEnv): FlagsBenchOptions {
  const number = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
    return value;
  };
  return {
    users: number('BENCH_FLAG_USERS', 10_000),
    checkUsers: number('BENCH_FLAG_CHECK_USERS', 2000),
    rounds: number('BENCH_FLAG_ROUNDS', 5),
    minMs: number('BENCH_FLAG_ROUND_MS', 300),
  };
}

/** Onramp's speed over each peer's (above 1: Onramp is faster). */
const targets: Record<string, number> = { growthbook: 5, unleash: 5, handwritten: 0.5 };

/**
 * Flag evaluation against peers in one run: 50 flags (targeting, rollouts, splits,
 * prerequisites, kill switches) for 10 000 users, by Onramp's compiled flags,
 * GrowthBook's GrowthBookClient (NODE_ENV=production), unleash-client bootstrapped
 * offline, and the same flags written as plain functions.
 */
export const flagsSuite: Suite = {
  name: 'flags',
  description:
    '50 flags × 10 000 users vs GrowthBookClient, unleash-client (offline bootstrap), plain functions',
  timeoutMs: 300_000,
  run: async (context) => measureFlags(flagsOptionsFromEnv(process.env), context.log),
};

export async function measureFlags(
  options: FlagsBenchOptions,
  log: (message: string) => void,
): Promise<SuiteReport> {
  const report: SuiteReport = { figures: {}, rows: [], notes: [], errors: [] };
  const previousEnv = process.env.NODE_ENV;
  // GrowthBook skips its debug logging only in production (read at every evaluation).
  process.env.NODE_ENV = 'production';
  const users = generateBenchUsers(options.users);
  const flagCount = benchFlags.length;
  const onramp = onrampEvaluator(benchFlags, users);
  const handwritten = handwrittenEvaluator(benchFlags, users);
  const growthbook = growthbookEvaluator(benchFlags, users);
  const unleash = await unleashEvaluator(benchFlags, users);
  try {
    log(
      `flags: checking that the evaluators agree on ${options.checkUsers} users × ${flagCount} flags`,
    );
    const sums = checkAgreement(report, options, users, {
      onramp,
      handwritten,
      growthbook,
      unleash,
    });
    if (sums === undefined) return report;
    const timed = [
      { key: 'onramp', evaluator: onramp },
      { key: 'handwritten', evaluator: handwritten },
      { key: 'growthbook', evaluator: growthbook },
      { key: 'unleash', evaluator: unleash },
    ] as const;
    log(`flags: timing, ${options.rounds} interleaved rounds of ≥ ${options.minMs} ms`);
    const rates = await measureRates(
      timed.map((entry) => ({
        sync: () => {
          const sum = entry.evaluator.pass(users.length);
          const expected = entry.key === 'unleash' ? sums.unleash : sums.onramp;
          if (sum !== expected)
            throw new Error(`${entry.evaluator.name}: checksum ${sum} ≠ ${expected}`);
          return users.length * flagCount;
        },
      })),
      options,
    );
    const perSecond = new Map(timed.map((entry, i) => [entry.key, rates[i]?.perSecond ?? NaN]));
    reportRates(report, timed, perSecond, options);
  } finally {
    growthbook.close?.();
    unleash.close?.();
    process.env.NODE_ENV = previousEnv;
  }
  return report;
}

/**
 * Value by value on the first `checkUsers` users, then by checksum on all: Onramp and
 * GrowthBook must equal the plain functions (same buckets), unleash-client the plain
 * functions with Unleash's hashing. The checksums, or undefined after reporting an error.
 */
function checkAgreement(
  report: SuiteReport,
  options: FlagsBenchOptions,
  users: readonly BenchUser[],
  evaluators: Record<'onramp' | 'handwritten' | 'growthbook' | 'unleash', FlagEvaluator>,
): { onramp: number; unleash: number } | undefined {
  const checkUsers = Math.min(options.checkUsers, options.users);
  const unleashReference = handwrittenEvaluator(benchFlags, users, 'unleash');
  const pairs: [FlagEvaluator, FlagEvaluator][] = [
    [evaluators.handwritten, evaluators.onramp],
    [evaluators.handwritten, evaluators.growthbook],
    [unleashReference, evaluators.unleash],
  ];
  const problems: string[] = [];
  for (const [expected, actual] of pairs) {
    const found = findDisagreements(expected, actual, checkUsers, benchFlags);
    if (found.count > 0) problems.push(`${found.count} values differ; ${found.first.join('; ')}`);
  }
  const onramp = evaluators.handwritten.pass(options.users);
  const unleash = unleashReference.pass(options.users);
  const checks: [FlagEvaluator, number][] = [
    [evaluators.onramp, onramp],
    [evaluators.growthbook, onramp],
    [evaluators.unleash, unleash],
  ];
  for (const [evaluator, expected] of checks) {
    const sum = evaluator.pass(options.users);
    if (sum !== expected)
      problems.push(`${evaluator.name}: checksum ${sum} ≠ ${expected} over all users`);
  }
  if (problems.length > 0) {
    report.errors.push(`the evaluators disagree: ${problems.join(' | ')}`);
    return undefined;
  }
  report.notes.push(
    `${formatNumber(checkUsers)} users × ${benchFlags.length} flags: Onramp, GrowthBook and the plain functions give the same value for every pair, unleash-client the same as the plain functions with Unleash's hashing (MurmurHash3); checksums agree over all ${formatNumber(options.users)} users.`,
  );
  return { onramp, unleash };
}

function reportRates(
  report: SuiteReport,
  timed: readonly { key: string; evaluator: FlagEvaluator }[],
  perSecond: ReadonlyMap<string, number>,
  options: FlagsBenchOptions,
): void {
  const onramp = perSecond.get('onramp') as number;
  for (const { key, evaluator } of timed) {
    const rate = perSecond.get(key) as number;
    report.figures[`flags_us_per_eval_${key}`] = round(1e6 / rate, 4);
    report.rows.push({
      measurement: `${evaluator.name}, one flag for one user`,
      value: 1e6 / rate,
      unit: 'µs',
      note: `${formatNumber(rate)} evaluations/s`,
    });
  }
  for (const { key, evaluator } of timed) {
    const target = targets[key];
    if (target === undefined) continue;
    const ratio = onramp / (perSecond.get(key) as number);
    report.figures[`flags_ratio_vs_${key}`] = round(ratio, 3);
    report.rows.push({
      measurement: `Onramp / ${evaluator.name}`,
      value: ratio,
      unit: '×',
      target: `≥ ${target}`,
      met: ratio >= target,
    });
  }
  report.notes.push(
    `Each pass evaluates ${benchFlags.length} flags for ${formatNumber(options.users)} users (contexts, attributes and GrowthBook/Unleash user contexts built before timing); median of ${options.rounds} interleaved rounds.`,
  );
}
