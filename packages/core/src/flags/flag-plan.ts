/**
 * A flag checked and normalized for the runtime: variant values checked against the
 * type and frozen, rollouts as cumulative bucket bounds, the schedule as the list of
 * states the flag goes through. Every problem is pushed as an issue naming the field
 * (paths start with '(flags)', index). Conditions are added by compile-flags.ts.
 */
import { isJsonObject, isUnsafeKey, type JsonValue } from '../json/json.js';
import { parseIsoTime } from '../conditions/literals.js';
import type { RuleIssue } from '../rules/rule.js';
import { BUCKETS } from './flag-bucket.js';
import type {
  FlagChangeDefinition,
  FlagDefinition,
  FlagRuleDefinition,
  FlagType,
  RolloutShare,
} from './flag-schema.js';

export type Path = (string | number)[];

/** What a rule serves: a variant, or variants by bucket (bucket < until: that share). */
export type Serve =
  | { readonly variant: string }
  | { readonly rollout: readonly { readonly variant: string; readonly until: number }[] };

/** The flag as it stands from `from` (ms) on, until the next state. */
export interface FlagState {
  readonly from: number;
  readonly enabled: boolean;
  readonly defaultVariant: string;
  /** What each rule serves, by rule index. */
  readonly serves: readonly Serve[];
}

export interface FlagPlan {
  readonly index: number;
  readonly key: string;
  readonly type: FlagType;
  readonly variants: ReadonlyMap<string, JsonValue>;
  readonly offVariant: string;
  readonly salt: string;
  readonly states: readonly FlagState[];
}

/** Checks everything about one flag that needs no other flag and no condition. */
export function planFlag(
  definition: FlagDefinition,
  index: number,
  issues: RuleIssue[],
): FlagPlan | undefined {
  const path: Path = ['(flags)', index];
  const before = issues.length;
  const type = definition.type;
  const variants = checkVariants(definition, type, path, issues);
  const has = (name: unknown, at: Path) => checkVariantName(variants, name, at, issues);
  has(definition.defaultVariant, [...path, 'defaultVariant']);
  if (definition.offVariant !== undefined) has(definition.offVariant, [...path, 'offVariant']);
  const rules = definition.rules ?? [];
  const serves = rules.map((rule, i) => checkRule(rule, [...path, 'rules', i], has, issues));
  const ruleIds = checkRuleIds(rules, path, issues);
  const states = planSchedule(definition, serves, ruleIds, path, has, issues);
  if (issues.length > before) return undefined;
  return {
    index,
    key: definition.key,
    type,
    variants,
    offVariant: definition.offVariant ?? definition.defaultVariant,
    salt: definition.salt ?? definition.key,
    states,
  };
}

function checkVariants(
  definition: FlagDefinition,
  type: FlagType,
  path: Path,
  issues: RuleIssue[],
): Map<string, JsonValue> {
  const variants = new Map<string, JsonValue>();
  const source: unknown = definition.variants;
  if (!isJsonObject(source)) {
    issues.push({ path: [...path, 'variants'], message: 'must be an object: name → value' });
    return variants;
  }
  for (const [name, value] of Object.entries(source)) {
    const at = [...path, 'variants', name];
    if (isUnsafeKey(name)) {
      issues.push({ path: at, message: `"${name}" is not allowed as a variant name` });
      continue;
    }
    const problem = valueProblem(type, value);
    if (problem !== undefined) issues.push({ path: at, message: problem });
    // Kept even when wrong, so that references to it are not reported too.
    variants.set(name, deepFreeze(structuredClone(value)) as JsonValue);
  }
  return variants;
}

/** Why `value` cannot be a variant of a `type` flag; undefined when it can. */
export function valueProblem(type: FlagType, value: unknown): string | undefined {
  switch (type) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'a boolean flag has true or false values';
    case 'string':
      return typeof value === 'string' ? undefined : 'a string flag has string values';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? undefined
        : 'a number flag has finite number values';
    case 'json':
      return typeof value === 'object' && value !== null
        ? undefined
        : 'a json flag has object or array values';
    default:
      return 'unknown flag type';
  }
}

function checkVariantName(
  variants: ReadonlyMap<string, JsonValue>,
  name: unknown,
  at: Path,
  issues: RuleIssue[],
): boolean {
  if (typeof name === 'string' && variants.has(name)) return true;
  issues.push({ path: at, message: `unknown variant ${JSON.stringify(name)}` });
  return false;
}

type HasVariant = (name: unknown, at: Path) => boolean;

function checkRule(
  rule: FlagRuleDefinition,
  path: Path,
  has: HasVariant,
  issues: RuleIssue[],
): Serve {
  if ((rule.variant === undefined) === (rule.rollout === undefined)) {
    issues.push({ path, message: 'a rule serves either "variant" or "rollout"' });
    return { variant: '' };
  }
  return checkServe(rule, path, has, issues);
}

function checkServe(
  source: { variant?: string | undefined; rollout?: readonly RolloutShare[] | undefined },
  path: Path,
  has: HasVariant,
  issues: RuleIssue[],
): Serve {
  if (source.variant !== undefined) {
    has(source.variant, [...path, 'variant']);
    return { variant: source.variant };
  }
  const rollout: { variant: string; until: number }[] = [];
  let total = 0;
  const seen = new Set<string>();
  (source.rollout ?? []).forEach((share, i) => {
    const at = [...path, 'rollout', i];
    if (has(share.variant, [...at, 'variant']) && seen.has(share.variant)) {
      issues.push({ path: [...at, 'variant'], message: `variant "${share.variant}" listed twice` });
    }
    seen.add(share.variant);
    const basisPoints = Math.round(share.weight * 100);
    if (!(share.weight >= 0) || Math.abs(basisPoints - share.weight * 100) > 1e-6) {
      issues.push({ path: [...at, 'weight'], message: 'must be a percentage in steps of 0.01' });
    }
    total += basisPoints;
    rollout.push({ variant: share.variant, until: total });
  });
  if (total > BUCKETS) {
    issues.push({
      path: [...path, 'rollout'],
      message: `weights sum to ${total / 100}%, more than 100%`,
    });
  }
  return { rollout };
}

function checkRuleIds(
  rules: readonly FlagRuleDefinition[],
  path: Path,
  issues: RuleIssue[],
): Map<string, number> {
  const ids = new Map<string, number>();
  rules.forEach((rule, i) => {
    if (rule.id === undefined) return;
    if (ids.has(rule.id)) {
      issues.push({
        path: [...path, 'rules', i, 'id'],
        message: `duplicate rule id "${rule.id}" (also rule ${ids.get(rule.id)})`,
      });
    } else ids.set(rule.id, i);
  });
  return ids;
}

/** The states the schedule takes the flag through: the flag as written, then one per change. */
function planSchedule(
  definition: FlagDefinition,
  serves: readonly Serve[],
  ruleIds: ReadonlyMap<string, number>,
  path: Path,
  has: HasVariant,
  issues: RuleIssue[],
): FlagState[] {
  let state: FlagState = {
    from: Number.NEGATIVE_INFINITY,
    enabled: definition.enabled !== false,
    defaultVariant: definition.defaultVariant,
    serves,
  };
  const states = [state];
  (definition.schedule ?? []).forEach((change, i) => {
    const at = [...path, 'schedule', i];
    const from = changeTime(change.at);
    if (from === undefined) {
      issues.push({ path: [...at, 'at'], message: 'must be ms or an ISO 8601 date-time' });
      return;
    }
    if (from <= state.from) {
      issues.push({ path: [...at, 'at'], message: 'must be later than the change before it' });
      return;
    }
    state = applyChange(state, change, from, { ruleIds, at, has, issues });
    states.push(state);
  });
  return states;
}

function changeTime(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  return typeof value === 'string' ? parseIsoTime(value) : undefined;
}

function applyChange(
  state: FlagState,
  change: FlagChangeDefinition,
  from: number,
  check: { ruleIds: ReadonlyMap<string, number>; at: Path; has: HasVariant; issues: RuleIssue[] },
): FlagState {
  const { at, has, issues } = check;
  const servesSomething = change.variant !== undefined || change.rollout !== undefined;
  if (change.enabled === undefined && change.defaultVariant === undefined && !servesSomething) {
    issues.push({ path: at, message: 'a change sets "enabled", "defaultVariant" or a rule' });
  }
  if (change.defaultVariant !== undefined) has(change.defaultVariant, [...at, 'defaultVariant']);
  let serves = state.serves;
  if (change.rule !== undefined || servesSomething) {
    const index = change.rule === undefined ? undefined : check.ruleIds.get(change.rule);
    if (change.rule === undefined || index === undefined) {
      const message =
        change.rule === undefined
          ? 'a change of "variant" or "rollout" names its "rule" (a rule id)'
          : `unknown rule id "${change.rule}"`;
      issues.push({ path: [...at, 'rule'], message });
    } else if (change.variant !== undefined && change.rollout !== undefined) {
      issues.push({ path: at, message: 'a change serves either "variant" or "rollout"' });
    } else if (!servesSomething) {
      issues.push({ path: at, message: 'a change of a rule sets its "variant" or "rollout"' });
    } else {
      serves = serves.map((serve, i) =>
        i === index ? checkServe(change, at, has, issues) : serve,
      );
    }
  }
  return {
    from,
    enabled: change.enabled ?? state.enabled,
    defaultVariant: change.defaultVariant ?? state.defaultVariant,
    serves,
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
