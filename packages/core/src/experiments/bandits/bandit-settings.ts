/**
 * The bandit settings of an experiment of kind `bandit`: a TypeBox schema for the config and
 * admin API, and `compileBanditPolicy`, which checks any value (also one that skipped the
 * schema), fills in the defaults and freezes the result.
 */
import { Type } from '@sinclair/typebox';
import type { BanditIssue, BanditPolicy, BanditScope } from './bandit-types.js';
import { banditScopes } from './bandit-types.js';

export const DEFAULT_BANDIT_PRIOR = Object.freeze({ alpha: 1, beta: 1 });
export const DEFAULT_EXPLORATION_FLOOR = 0.1;
export const DEFAULT_MIN_SEGMENT_TRIALS = 100;
export const MAX_BANDIT_ARMS = 50;
/** Prior parameters outside [MIN_BANDIT_PRIOR, MAX_BANDIT_PRIOR] are rejected (they would swamp the data). */
export const MIN_BANDIT_PRIOR = 0.001;
export const MAX_BANDIT_PRIOR = 1_000_000;

const ArmKey = Type.String({ minLength: 1, maxLength: 100, description: 'A variant key.' });
const PriorParameter = Type.Number({ minimum: MIN_BANDIT_PRIOR, maximum: MAX_BANDIT_PRIOR });

/** The `bandit` block of an experiment (docs/bandits.md). */
export const BanditSettingsSchema = Type.Object(
  {
    arms: Type.Array(ArmKey, { minItems: 2, maxItems: MAX_BANDIT_ARMS, uniqueItems: true }),
    prior: Type.Optional(
      Type.Object({ alpha: PriorParameter, beta: PriorParameter }, { additionalProperties: false }),
    ),
    explorationFloor: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description: 'Probability of a uniform pick; each arm gets at least floor/k of traffic.',
      }),
    ),
    per: Type.Optional(Type.Union(banditScopes.map((scope) => Type.Literal(scope)))),
    minSegmentTrials: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
  },
  { additionalProperties: false },
);

export type CompileBanditResult =
  { ok: true; policy: BanditPolicy } | { ok: false; issues: BanditIssue[] };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const inRange = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && value >= min && value <= max;
const KNOWN = new Set(['arms', 'prior', 'explorationFloor', 'per', 'minSegmentTrials']);

function checkArms(value: unknown, issues: BanditIssue[]): string[] {
  if (!Array.isArray(value) || value.length < 2 || value.length > MAX_BANDIT_ARMS) {
    issues.push({
      path: 'arms',
      message: `must be an array of 2 to ${MAX_BANDIT_ARMS} variant keys`,
    });
    return [];
  }
  const seen = new Set<string>();
  value.forEach((arm: unknown, i) => {
    if (typeof arm !== 'string' || arm.length === 0 || arm.length > 100) {
      issues.push({ path: `arms.${i}`, message: 'must be a string of 1 to 100 characters' });
    } else if (seen.has(arm)) {
      issues.push({ path: `arms.${i}`, message: `duplicates the arm "${arm}"` });
    } else seen.add(arm);
  });
  return [...seen];
}

function checkPrior(value: unknown, issues: BanditIssue[]): { alpha: number; beta: number } {
  if (value === undefined) return DEFAULT_BANDIT_PRIOR;
  if (!isRecord(value)) {
    issues.push({ path: 'prior', message: 'must be an object { alpha, beta }' });
    return DEFAULT_BANDIT_PRIOR;
  }
  for (const key of Object.keys(value)) {
    if (key !== 'alpha' && key !== 'beta')
      issues.push({ path: `prior.${key}`, message: 'unknown field' });
  }
  for (const key of ['alpha', 'beta'] as const) {
    if (!inRange(value[key], MIN_BANDIT_PRIOR, MAX_BANDIT_PRIOR)) {
      issues.push({
        path: `prior.${key}`,
        message: `must be a number from ${MIN_BANDIT_PRIOR} to ${MAX_BANDIT_PRIOR}`,
      });
    }
  }
  return { alpha: value.alpha as number, beta: value.beta as number };
}

/** Checks `settings` (unknown input), fills in defaults and returns a frozen policy. */
export function compileBanditPolicy(settings: unknown): CompileBanditResult {
  if (!isRecord(settings))
    return { ok: false, issues: [{ path: '', message: 'must be an object' }] };
  const issues: BanditIssue[] = [];
  for (const key of Object.keys(settings)) {
    if (!KNOWN.has(key)) issues.push({ path: key, message: 'unknown field' });
  }
  const arms = checkArms(settings.arms, issues);
  const prior = checkPrior(settings.prior, issues);
  const floor = settings.explorationFloor ?? DEFAULT_EXPLORATION_FLOOR;
  if (!inRange(floor, 0, 1))
    issues.push({ path: 'explorationFloor', message: 'must be a number from 0 to 1' });
  const per = settings.per ?? 'global';
  if (!banditScopes.includes(per as BanditScope)) {
    issues.push({ path: 'per', message: `must be one of ${banditScopes.join(', ')}` });
  }
  const minTrials = settings.minSegmentTrials ?? DEFAULT_MIN_SEGMENT_TRIALS;
  if (!Number.isSafeInteger(minTrials) || (minTrials as number) < 0) {
    issues.push({ path: 'minSegmentTrials', message: 'must be an integer ≥ 0' });
  }
  if (issues.length > 0) return { ok: false, issues };
  const policy: BanditPolicy = {
    arms: Object.freeze(arms),
    armIndex: new Map(arms.map((arm, i) => [arm, i])),
    prior: Object.freeze({ alpha: prior.alpha, beta: prior.beta }),
    explorationFloor: floor as number,
    per: per as BanditScope,
    minSegmentTrials: minTrials as number,
  };
  return { ok: true, policy: Object.freeze(policy) };
}
