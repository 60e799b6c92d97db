import type { FeatureDefinition, FeatureRule } from '@growthbook/growthbook';
import type { FlagDefinition, JsonObject, JsonValue } from '@onramp/core';
import type { Atom, BenchFlag, BenchRule } from './flags-catalogue.js';

/**
 * The catalogue's flags written for each evaluator: Onramp's flag definitions
 * (conditions over traits), GrowthBook features (rules with conditions, `range`
 * rollouts and experiment rules with explicit `ranges`, hash version 2 seeded by
 * the flag key, so its buckets are Onramp's) and Unleash toggles (strategies with
 * constraints, flexibleRollout with groupId = key, strategy variants, dependencies).
 */

export function onrampFlag(flag: BenchFlag): FlagDefinition {
  const rules = flag.rules.map((rule) => {
    const when = onrampCondition(rule.when);
    const serve = rule.serve;
    const served =
      'variant' in serve
        ? { variant: serve.variant }
        : 'rollout' in serve
          ? { rollout: [{ variant: serve.rollout.variant, weight: serve.rollout.percent }] }
          : { rollout: serve.split.map((s) => ({ variant: s.variant, weight: s.percent })) };
    return { ...(when === undefined ? {} : { when }), ...served };
  });
  return {
    key: flag.key,
    type: flag.type,
    variants: flag.variants as JsonObject,
    defaultVariant: flag.defaultVariant,
    ...(flag.offVariant === undefined ? {} : { offVariant: flag.offVariant }),
    enabled: flag.enabled !== false,
    ...(flag.prerequisite === undefined
      ? {}
      : { prerequisites: [{ flag: flag.prerequisite, variants: ['on'] }] }),
    ...(rules.length === 0 ? {} : { rules }),
  };
}

function onrampCondition(atoms: readonly Atom[]): JsonObject | undefined {
  if (atoms.length === 0) return undefined;
  const parts = atoms.map((atom): JsonObject => {
    const path = `traits.${atom.attr}`;
    switch (atom.op) {
      case 'in':
        return { [path]: { $in: atom.values } };
      case 'nin':
        return { [path]: { $nin: atom.values } };
      case 'gte':
        return { [path]: { $gte: atom.value } };
      case 'lt':
        return { [path]: { $lt: atom.value } };
      case 'vgte':
        return { [path]: { $vgte: atom.value } };
      case 'endsWith':
        return { [path]: { $regex: `${escapeRegex(atom.value)}$` } };
    }
  });
  return mergeConditions(parts);
}

function growthbookCondition(atoms: readonly Atom[]): JsonObject | undefined {
  if (atoms.length === 0) return undefined;
  return mergeConditions(
    atoms.map((atom): JsonObject => {
      switch (atom.op) {
        case 'in':
          return { [atom.attr]: { $in: atom.values } };
        case 'nin':
          return { [atom.attr]: { $nin: atom.values } };
        case 'gte':
          return { [atom.attr]: { $gte: atom.value } };
        case 'lt':
          return { [atom.attr]: { $lt: atom.value } };
        case 'vgte':
          return { [atom.attr]: { $vgte: atom.value } };
        case 'endsWith':
          return { [atom.attr]: { $regex: `${escapeRegex(atom.value)}$` } };
      }
    }),
  );
}

/** One object when the keys differ, else `$and`. */
function mergeConditions(parts: JsonObject[]): JsonObject {
  const keys = parts.flatMap((part) => Object.keys(part));
  if (new Set(keys).size === keys.length) return Object.assign({}, ...parts) as JsonObject;
  return { $and: parts };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function growthbookFeature(flag: BenchFlag): FeatureDefinition {
  const value = (variant: string) => flag.variants[variant] as JsonValue;
  const offValue = value(flag.offVariant ?? flag.defaultVariant);
  if (flag.enabled === false) return { defaultValue: offValue };
  const rules: FeatureRule[] = [];
  if (flag.prerequisite !== undefined) {
    // The prerequisite fails unless the parent is on: then serve the off variant.
    rules.push({
      parentConditions: [{ id: flag.prerequisite, condition: { value: { $ne: true } } }],
      force: offValue,
    });
  }
  for (const rule of flag.rules) rules.push(growthbookRule(flag, rule, value));
  return { defaultValue: value(flag.defaultVariant), ...(rules.length === 0 ? {} : { rules }) };
}

function growthbookRule(
  flag: BenchFlag,
  rule: BenchRule,
  value: (variant: string) => JsonValue,
): FeatureRule {
  const condition = growthbookCondition(rule.when);
  const base = condition === undefined ? {} : { condition };
  const hashing = { seed: flag.key, hashAttribute: 'id', hashVersion: 2 };
  const serve = rule.serve;
  if ('variant' in serve) return { ...base, force: value(serve.variant) };
  if ('rollout' in serve) {
    const range: [number, number] = [0, (serve.rollout.percent * 100) / 10_000];
    return { ...base, ...hashing, force: value(serve.rollout.variant), range };
  }
  let bound = 0;
  const ranges = serve.split.map((share): [number, number] => {
    const start = bound;
    bound += share.percent * 100;
    return [start / 10_000, bound / 10_000];
  });
  return {
    ...base,
    ...hashing,
    key: flag.key,
    variations: serve.split.map((share) => value(share.variant)),
    ranges,
    coverage: 1,
  };
}

/** An Unleash toggle as the client API's `features` list holds it. */
export interface UnleashToggle {
  name: string;
  enabled: boolean;
  type: string;
  project: string;
  stale: boolean;
  impressionData: boolean;
  strategies: UnleashStrategy[];
  variants: [];
  dependencies?: { feature: string; enabled: boolean }[];
}

interface UnleashStrategy {
  name: string;
  parameters: Record<string, string>;
  constraints: { contextName: string; operator: string; values?: string[]; value?: string }[];
  variants?: { name: string; weight: number; stickiness: string; weightType: string }[];
}

export function unleashToggle(flag: BenchFlag): UnleashToggle {
  const boolean = flag.type === 'boolean';
  const strategies: UnleashStrategy[] = flag.rules.map((rule) => unleashStrategy(flag, rule));
  // A boolean flag on by default (no rules) is on for everyone: the default strategy.
  if (boolean && flag.rules.length === 0 && flag.variants[flag.defaultVariant] === true) {
    strategies.push({ name: 'default', parameters: {}, constraints: [] });
  }
  const enabled =
    flag.enabled !== false && (!boolean || strategies.length > 0 || flag.rules.length > 0);
  return {
    name: flag.key,
    enabled,
    type: 'release',
    project: 'default',
    stale: false,
    impressionData: false,
    strategies,
    variants: [],
    ...(flag.prerequisite === undefined
      ? {}
      : { dependencies: [{ feature: flag.prerequisite, enabled: true }] }),
  };
}

function unleashStrategy(flag: BenchFlag, rule: BenchRule): UnleashStrategy {
  const constraints = rule.when.map(unleashConstraint);
  const serve = rule.serve;
  const percent = 'rollout' in serve ? serve.rollout.percent : 100;
  const parameters = { rollout: String(percent), stickiness: 'default', groupId: flag.key };
  const variant = (name: string, weight: number) => ({
    name,
    weight,
    stickiness: 'default',
    weightType: 'variable',
  });
  if (flag.type === 'boolean') return { name: 'flexibleRollout', parameters, constraints };
  const variants =
    'variant' in serve
      ? [variant(serve.variant, 1000)]
      : 'rollout' in serve
        ? [variant(serve.rollout.variant, 1000)]
        : serve.split.map((share) => variant(share.variant, share.percent * 10));
  return { name: 'flexibleRollout', parameters, constraints, variants };
}

function unleashConstraint(atom: Atom): UnleashStrategy['constraints'][number] {
  switch (atom.op) {
    case 'in':
      return { contextName: atom.attr, operator: 'IN', values: atom.values };
    case 'nin':
      return { contextName: atom.attr, operator: 'NOT_IN', values: atom.values };
    case 'gte':
      return { contextName: atom.attr, operator: 'NUM_GTE', value: String(atom.value) };
    case 'lt':
      return { contextName: atom.attr, operator: 'NUM_LT', value: String(atom.value) };
    case 'vgte':
      return { contextName: atom.attr, operator: 'SEMVER_GTE', value: atom.value };
    case 'endsWith':
      return { contextName: atom.attr, operator: 'STR_ENDS_WITH', values: [atom.value] };
  }
}
