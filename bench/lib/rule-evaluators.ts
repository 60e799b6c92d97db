import { evalCondition } from '@growthbook/growthbook';
import {
  createConditionMemo,
  resetConditionMemo,
  type CompiledCondition,
  type JsonValue,
  type ProfileState,
} from '@onramp/core';
import jsonLogic from 'json-logic-js';
import { Engine, type TopLevelCondition } from 'json-rules-engine';
import type { HandwrittenRule } from './handwritten-rules.js';
import type { OnboardingRule } from './onboarding-rules.js';
import { compareVersions } from './rule-terms.js';

/**
 * One way of evaluating the rule set on the benchmark's profiles. `countMatches`
 * is the timed loop: every rule on profile i, the number that match (a tight
 * loop of the evaluator's natural call, nothing else). `matches` lists the ids
 * of the rules that match, for the agreement check (not timed).
 */
export interface SyncEvaluator {
  name: string;
  countMatches(index: number): number;
  matches(index: number): string[];
}

/** json-rules-engine is asynchronous: one `run` per profile evaluates every rule. */
export interface AsyncEvaluator {
  name: string;
  countMatches(index: number): Promise<number>;
  matches(index: number): Promise<string[]>;
}

export type Attributes = Record<string, JsonValue>;

/**
 * Onramp's compiled conditions, test() called per rule as runRulesForEvent does per
 * candidate, with the rule set's shared memo reset once per profile (as once per run):
 * a window count or the engagement score read by several rules is computed once.
 */
export function onrampEvaluator(
  rules: readonly OnboardingRule[],
  conditions: readonly CompiledCondition[],
  profiles: readonly ProfileState[],
  now: number,
  memoSize: number,
): SyncEvaluator {
  const count = conditions.length;
  const memo = createConditionMemo(memoSize);
  return {
    name: 'Onramp (compiled conditions)',
    countMatches(index) {
      resetConditionMemo(memo);
      const input = { profile: profiles[index] as ProfileState, now, memo };
      let matched = 0;
      for (let r = 0; r < count; r++)
        if ((conditions[r] as CompiledCondition).test(input)) matched++;
      return matched;
    },
    matches(index) {
      resetConditionMemo(memo);
      const input = { profile: profiles[index] as ProfileState, now, memo };
      return rules.filter((_, r) => conditions[r]?.test(input)).map((rule) => rule.id);
    },
  };
}

export function handwrittenEvaluator(
  rules: readonly OnboardingRule[],
  byId: Record<string, HandwrittenRule>,
  profiles: readonly ProfileState[],
  now: number,
): SyncEvaluator {
  const functions = rules.map((rule) => {
    const handwritten = byId[rule.id];
    if (handwritten === undefined) throw new Error(`no hand-written function for ${rule.id}`);
    return handwritten;
  });
  const count = functions.length;
  return {
    name: 'plain JavaScript functions',
    countMatches(index) {
      const profile = profiles[index] as ProfileState;
      let matched = 0;
      for (let r = 0; r < count; r++)
        if ((functions[r] as HandwrittenRule)(profile, now)) matched++;
      return matched;
    },
    matches(index) {
      const profile = profiles[index] as ProfileState;
      return rules.filter((_, r) => functions[r]?.(profile, now)).map((rule) => rule.id);
    },
  };
}

export function growthbookEvaluator(
  rules: readonly OnboardingRule[],
  attributes: readonly Attributes[],
): SyncEvaluator {
  const conditions = rules.map((rule) => rule.forms.growthbook);
  const count = conditions.length;
  return {
    name: "GrowthBook's evalCondition",
    countMatches(index) {
      const attrs = attributes[index] as Attributes;
      let matched = 0;
      for (let r = 0; r < count; r++) {
        if (evalCondition(attrs, conditions[r] as (typeof conditions)[number])) matched++;
      }
      return matched;
    },
    matches(index) {
      const attrs = attributes[index] as Attributes;
      return rules.filter((rule) => evalCondition(attrs, rule.forms.growthbook)).map((r) => r.id);
    },
  };
}

/** The custom operators' regexes, compiled once per source (the rule set has two). */
const regexes = new Map<string, RegExp>();
function regex(source: string): RegExp {
  let compiled = regexes.get(source);
  if (compiled === undefined) regexes.set(source, (compiled = new RegExp(source)));
  return compiled;
}

let jsonLogicReady = false;

/** The benchmark's custom json-logic operations (regex match, version compare), added once. */
function addJsonLogicOperations(): void {
  if (jsonLogicReady) return;
  jsonLogicReady = true;
  jsonLogic.add_operation(
    'matches',
    (value: unknown, source: string) => typeof value === 'string' && regex(source).test(value),
  );
  jsonLogic.add_operation(
    'versionGte',
    (value: unknown, version: string) =>
      typeof value === 'string' && compareVersions(value, version) >= 0,
  );
  jsonLogic.add_operation(
    'versionLt',
    (value: unknown, version: string) =>
      typeof value === 'string' && compareVersions(value, version) < 0,
  );
}

export function jsonLogicEvaluator(
  rules: readonly OnboardingRule[],
  attributes: readonly Attributes[],
): SyncEvaluator {
  addJsonLogicOperations();
  const logic = rules.map((rule) => rule.forms.jsonLogic);
  const count = logic.length;
  const apply = (rule: (typeof logic)[number], attrs: Attributes) =>
    jsonLogic.truthy(jsonLogic.apply(rule, attrs));
  return {
    name: 'json-logic-js',
    countMatches(index) {
      const attrs = attributes[index] as Attributes;
      let matched = 0;
      for (let r = 0; r < count; r++)
        if (apply(logic[r] as (typeof logic)[number], attrs)) matched++;
      return matched;
    },
    matches(index) {
      const attrs = attributes[index] as Attributes;
      return rules.filter((rule) => apply(rule.forms.jsonLogic, attrs)).map((rule) => rule.id);
    },
  };
}

/** One engine holding the 50 rules (an event per rule, named by its id), as its docs show. */
export function jsonRulesEngineEvaluator(
  rules: readonly OnboardingRule[],
  attributes: readonly Attributes[],
): AsyncEvaluator {
  const engine = new Engine([], { allowUndefinedFacts: true });
  engine.addOperator('exists', (value: unknown, expected: boolean) => (value != null) === expected);
  engine.addOperator(
    'matches',
    (value: unknown, source: string) => typeof value === 'string' && regex(source).test(value),
  );
  engine.addOperator(
    'versionGte',
    (value: unknown, version: string) =>
      typeof value === 'string' && compareVersions(value, version) >= 0,
  );
  engine.addOperator(
    'versionLt',
    (value: unknown, version: string) =>
      typeof value === 'string' && compareVersions(value, version) < 0,
  );
  engine.addOperator(
    'sizeGte',
    (value: unknown, min: number) => Array.isArray(value) && value.length >= min,
  );
  for (const rule of rules) {
    const jre = rule.forms.jre;
    const conditions = (
      'all' in jre || 'any' in jre || 'not' in jre ? jre : { all: [jre] }
    ) as TopLevelCondition;
    engine.addRule({ name: rule.id, conditions, event: { type: rule.id } });
  }
  const run = (index: number) => engine.run(attributes[index] as Attributes);
  return {
    name: 'json-rules-engine',
    async countMatches(index) {
      return (await run(index)).events.length;
    },
    async matches(index) {
      const { events } = await run(index);
      const matched = new Set(events.map((event) => event.type));
      return rules.filter((rule) => matched.has(rule.id)).map((rule) => rule.id);
    },
  };
}
