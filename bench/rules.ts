import { ConditionCompiler, type CompiledCondition } from '@onramp/core';
import { benchNow, benchProfileSettings, generateProfiles } from './lib/generated-profiles.js';
import { createHandwrittenRules } from './lib/handwritten-rules.js';
import { createAttributeReader, flattenProfile, onboardingRules } from './lib/onboarding-rules.js';
import { measureRates, type Rate, type RateOptions } from './lib/rate.js';
import {
  growthbookEvaluator,
  handwrittenEvaluator,
  jsonLogicEvaluator,
  jsonRulesEngineEvaluator,
  onrampEvaluator,
  type AsyncEvaluator,
  type SyncEvaluator,
} from './lib/rule-evaluators.js';
import { measureRuleSetCost } from './lib/rule-set-cost.js';
import { round } from './lib/stats.js';
import type { Suite, SuiteReport } from './lib/suite.js';
import { formatNumber } from './lib/table.js';

export interface RulesBenchOptions extends RateOptions {
  /** Profiles the rule set is evaluated on (and checked for agreement). */
  profiles: number;
  /** json-rules-engine is timed on the first this many profiles (it is checked on all). */
  jreProfiles: number;
  /** Profiles of the 1 000-rule vs 10-rule per-event measurement. */
  costProfiles: number;
}

/** Knobs, from the environment (documented in docs/benchmarks.md). */
export function rulesOptionsFromEnv(env: NodeJS.ProcessEnv): RulesBenchOptions {
  const number = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
    return value;
  };
  return {
    profiles: number('BENCH_RULE_PROFILES', 10_000),
    jreProfiles: number('BENCH_RULE_JRE_PROFILES', 200),
    costProfiles: number('BENCH_RULE_COST_PROFILES', 1000),
    rounds: number('BENCH_RULE_ROUNDS', 5),
    minMs: number('BENCH_RULE_ROUND_MS', 300),
  };
}

/** Onramp's speed over each peer's (above 1: Onramp is faster). */
const targets = { jsonRulesEngine: 100, jsonLogic: 10, growthbook: 10, handwritten: 0.5 };

/**
 * Rule evaluation against peers in one run (ARCHITECTURE §5): the 50-rule
 * onboarding set on generated profiles, by Onramp's compiled conditions,
 * json-rules-engine, json-logic-js, GrowthBook's evalCondition and plain
 * functions; and the per-event cost of a 1 000-rule set against a 10-rule one.
 */
export const rulesSuite: Suite = {
  name: 'rules',
  description:
    '50 rules × 10 000 profiles vs json-rules-engine, json-logic-js, GrowthBook, plain functions; 1 000 vs 10 rules per event',
  timeoutMs: 300_000,
  run: async (context) => measureRules(rulesOptionsFromEnv(process.env), context.log),
};

interface Measured {
  key: string;
  evaluator: { name: string };
  profilesPerSecond: number;
  /** How many profiles the timed passes cover. */
  sample: number;
}

export async function measureRules(
  options: RulesBenchOptions,
  log: (message: string) => void,
): Promise<SuiteReport> {
  const report: SuiteReport = { figures: {}, rows: [], notes: [], errors: [] };
  const ruleCount = onboardingRules.length;
  const compiler = new ConditionCompiler({ profiles: benchProfileSettings() });
  const conditions: CompiledCondition[] = onboardingRules.map((rule) =>
    compiler.add(rule.forms.onramp),
  );
  const { profilePlan, memoSize } = compiler.finish();
  log(`rules: generating ${formatNumber(options.profiles)} profiles`);
  const profiles = generateProfiles(options.profiles, profilePlan);
  const reader = createAttributeReader(profilePlan, benchNow);
  const attributes = profiles.map((profile) => flattenProfile(profile, reader));

  const reference = handwrittenEvaluator(
    onboardingRules,
    createHandwrittenRules(profilePlan),
    profiles,
    benchNow,
  );
  const onramp = onrampEvaluator(onboardingRules, conditions, profiles, benchNow, memoSize);
  const growthbook = growthbookEvaluator(onboardingRules, attributes);
  const jsonLogic = jsonLogicEvaluator(onboardingRules, attributes);
  const jre = jsonRulesEngineEvaluator(onboardingRules, attributes);

  log('rules: checking that all five evaluators give the same matches');
  const agreement = await checkAgreement(
    reference,
    [onramp, growthbook, jsonLogic],
    jre,
    profiles.length,
  );
  if (agreement.disagreements.length > 0) {
    report.errors.push(
      `the evaluators disagree on ${agreement.disagreements.length} (profile, evaluator) pairs; first: ${agreement.disagreements.slice(0, 5).join('; ')}`,
    );
    return report;
  }
  const totalMatches = agreement.matchesPerProfile.reduce((sum, n) => sum + n, 0);
  report.notes.push(
    `${formatNumber(profiles.length)} profiles × ${ruleCount} rules: the five evaluators agree on all ${formatNumber(totalMatches)} matches (${(totalMatches / profiles.length).toFixed(1)} rules per profile)`,
  );

  const jreSample = Math.min(options.jreProfiles, profiles.length);
  const timed = [
    { key: 'onramp', evaluator: onramp, sample: profiles.length },
    { key: 'handwritten', evaluator: reference, sample: profiles.length },
    { key: 'growthbook', evaluator: growthbook, sample: profiles.length },
    { key: 'json_logic', evaluator: jsonLogic, sample: profiles.length },
    { key: 'json_rules_engine', evaluator: jre, sample: jreSample },
  ] as const;
  log(
    `rules: timing the five evaluators and the peers' attribute flattening, ${options.rounds} interleaved rounds (json-rules-engine on ${jreSample} profiles)`,
  );
  const rates = await measureRates(
    [
      ...timed.map((entry) =>
        entry.evaluator === jre
          ? { async: asyncPass(jre, agreement.matchesPerProfile.slice(0, jreSample)) }
          : { sync: syncPass(entry.evaluator as SyncEvaluator, agreement.matchesPerProfile) },
      ),
      {
        sync: () => {
          for (const profile of profiles) flattenProfile(profile, reader);
          return profiles.length;
        },
      },
    ],
    options,
  );
  const measured: Measured[] = timed.map((entry, index) => ({
    ...entry,
    profilesPerSecond: rates[index]?.perSecond ?? Number.NaN,
  }));
  const flatten = rates[timed.length] as Rate;
  reportComparison(report, measured, ruleCount, 1e6 / flatten.perSecond);

  log(`rules: 1 000 vs 10 rules per event on ${options.costProfiles} profiles`);
  const cost = await measureRuleSetCost(options);
  report.figures.rules_1000_vs_10_cost_ratio = round(cost.ratio, 2);
  report.figures.rules_event_us_10_rules = round(cost.usPerEventSmall, 2);
  report.figures.rules_event_us_1000_rules = round(cost.usPerEventLarge, 2);
  report.rows.push(
    { measurement: 'runRulesForEvent, 10 rules', value: cost.usPerEventSmall, unit: 'µs/event' },
    {
      measurement: 'runRulesForEvent, 1 000 rules (10 triggered)',
      value: cost.usPerEventLarge,
      unit: 'µs/event',
    },
    {
      measurement: 'cost 1 000 rules / cost 10 rules',
      value: cost.ratio,
      unit: '×',
      target: '≈ 1 (≤ 1.5)',
      met: cost.ratio <= 1.5,
      note: `${cost.firingsPerEvent.toFixed(1)} firings per event in both`,
    },
  );
  return report;
}

export async function checkAgreement(
  reference: SyncEvaluator,
  others: readonly SyncEvaluator[],
  jre: AsyncEvaluator,
  count: number,
): Promise<{ matchesPerProfile: number[]; disagreements: string[] }> {
  const matchesPerProfile: number[] = [];
  const disagreements: string[] = [];
  const compare = (name: string, index: number, expected: string[], actual: string[]) => {
    if (actual.join() === expected.join()) return;
    const missing = expected.filter((id) => !actual.includes(id));
    const extra = actual.filter((id) => !expected.includes(id));
    disagreements.push(
      `${name}, profile ${index}: misses [${missing.join(', ')}], adds [${extra.join(', ')}]`,
    );
  };
  for (let index = 0; index < count; index++) {
    const expected = reference.matches(index);
    matchesPerProfile.push(expected.length);
    for (const other of others) compare(other.name, index, expected, other.matches(index));
    compare(jre.name, index, expected, await jre.matches(index));
  }
  return { matchesPerProfile, disagreements };
}

/** One pass over every profile; checks the match count so the work cannot be optimized away. */
function syncPass(evaluator: SyncEvaluator, matchesPerProfile: readonly number[]): () => number {
  const count = matchesPerProfile.length;
  const expected = matchesPerProfile.reduce((sum, n) => sum + n, 0);
  return () => {
    let matched = 0;
    for (let index = 0; index < count; index++) matched += evaluator.countMatches(index);
    if (matched !== expected)
      throw new Error(`${evaluator.name}: ${matched} ≠ ${expected} matches`);
    return count;
  };
}

function asyncPass(
  evaluator: AsyncEvaluator,
  matchesPerProfile: readonly number[],
): () => Promise<number> {
  const count = matchesPerProfile.length;
  const expected = matchesPerProfile.reduce((sum, n) => sum + n, 0);
  return async () => {
    let matched = 0;
    for (let index = 0; index < count; index++) matched += await evaluator.countMatches(index);
    if (matched !== expected)
      throw new Error(`${evaluator.name}: ${matched} ≠ ${expected} matches`);
    return count;
  };
}

function reportComparison(
  report: SuiteReport,
  measured: readonly Measured[],
  ruleCount: number,
  flattenUs: number,
): void {
  const onramp = measured.find((entry) => entry.key === 'onramp') as Measured;
  const peerTargets: Record<string, number> = {
    json_rules_engine: targets.jsonRulesEngine,
    json_logic: targets.jsonLogic,
    growthbook: targets.growthbook,
    handwritten: targets.handwritten,
  };
  for (const entry of measured) {
    const usPerRule = 1e6 / entry.profilesPerSecond / ruleCount;
    report.figures[`rules_${entry.key}_profiles_per_s`] = round(entry.profilesPerSecond);
    report.figures[`rules_us_per_rule_${entry.key}`] = round(usPerRule, 4);
    report.rows.push({
      measurement: `${entry.evaluator.name}, ${ruleCount} rules per profile`,
      value: entry.profilesPerSecond,
      unit: 'profiles/s',
      note: `${formatNumber(usPerRule)} µs per rule${entry.sample === onramp.sample ? '' : `; ${entry.sample} profiles`}`,
    });
  }
  for (const entry of measured) {
    const target = peerTargets[entry.key];
    if (target === undefined) continue;
    const ratio = onramp.profilesPerSecond / entry.profilesPerSecond;
    report.figures[`rules_ratio_vs_${entry.key}`] = round(ratio, 3);
    report.rows.push({
      measurement: `Onramp / ${entry.evaluator.name}`,
      value: ratio,
      unit: '×',
      target: `≥ ${target}`,
      met: ratio >= target,
    });
  }
  // Context for the ratios above: a peer embedded in an engine would have to
  // build its attributes from the profile state for every evaluation.
  report.figures.rules_flatten_us_per_profile = round(flattenUs, 2);
  const withAttributes: string[] = [];
  for (const entry of measured) {
    if (entry.key === 'onramp' || entry.key === 'handwritten') continue;
    const usPerProfile = 1e6 / entry.profilesPerSecond + flattenUs;
    const ratio = (onramp.profilesPerSecond * usPerProfile) / 1e6;
    report.figures[`rules_ratio_vs_${entry.key}_with_attributes`] = round(ratio, 3);
    withAttributes.push(`${entry.evaluator.name} ${ratio.toFixed(1)}×`);
  }
  report.notes.push(
    `The peers read a flattened attributes object per profile (window counts, engagement, elapsed times, traits), built before timing and not counted in their figures: ${flattenUs.toFixed(2)} µs per profile. Onramp and the plain functions read the ProfileState and count windows as they evaluate. Counting the peers' attribute building, Onramp's ratios would be: ${withAttributes.join(', ')}.`,
  );
}
