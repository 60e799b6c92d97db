/**
 * Compiles an experiment's `bandit` block (bandit-experiment-schema.ts) and checks what the
 * kind asks of the rest of it: content variants of a placement, at least two, no weights.
 * The variants are the arms; each new user's variant is chosen by Thompson sampling over
 * the live state (assign-bandit.ts), which the processor updates from exposures (trials)
 * and the reward event after them (rewards, bandit-evidence.ts).
 *
 * The reward is compiled into a conversion metric `$reward` (a `$` id no user metric can
 * have), so the processor counts it like any metric: once per exposed user, after the
 * exposure, within `within`. Problems are RuleIssues naming the field.
 */
import type { CompiledCondition } from '../conditions/condition.js';
import type { ConditionCompiler } from '../conditions/condition-compiler.js';
import { isUnsafeKey } from '../json/json.js';
import { conditionIssues } from '../rules/compile-trigger.js';
import type { RuleIssue } from '../rules/rule.js';
import { parseDuration } from '../time/duration.js';
import { compileBanditPolicy } from './bandits/bandit-settings.js';
import { createBanditState } from './bandits/bandit-state.js';
import {
  BANDIT_REWARD_METRIC,
  type BanditExperimentDefinition,
} from './bandit-experiment-schema.js';
import type { BanditPolicy, BanditState } from './bandits/bandit-types.js';
import type { CompiledExperiment, CompiledMetric } from './experiment.js';
import type { ExperimentDefinition } from './experiment-schema.js';

/** Where the engine's live state of a bandit is found by assignment (live-bandits.ts). */
export interface BanditStateSlot {
  state: BanditState;
}

export interface CompiledBandit {
  readonly policy: BanditPolicy;
  readonly reward: CompiledMetric;
  /** With `per: segment`: the listed segments, in order, with their membership tests. */
  readonly segments: readonly { readonly id: string; readonly condition: CompiledCondition }[];
  /**
   * The live state, set by the engine that serves this version; empty (the prior: uniform
   * choices) until then. Only the engine writes it (live-bandits.ts).
   */
  readonly slot: BanditStateSlot;
}

type Path = (string | number)[];

/** A bandit variant's share of buckets when weights are left out: equal, summing to 10 000. */
export function banditWeight(arms: number, index: number): number {
  const base = Math.floor(10_000 / arms);
  return (base + (index < 10_000 % arms ? 1 : 0)) / 100;
}

/** Checks what `kind` and `bandit` ask of an experiment; the compiled bandit when it is one. */
export function compileBanditExperiment(
  definition: ExperimentDefinition,
  path: Path,
  compiler: ConditionCompiler,
  issues: RuleIssue[],
): CompiledBandit | undefined {
  const block = definition.bandit;
  if (definition.kind !== 'bandit') {
    if (block !== undefined) {
      issues.push({ path: [...path, 'bandit'], message: 'only an experiment of `kind: bandit`' });
    }
    return undefined;
  }
  const before = issues.length;
  if (block === undefined) {
    issues.push({ path: [...path, 'bandit'], message: 'a bandit needs `bandit: { reward }`' });
    return undefined;
  }
  checkArms(definition, path, issues);
  const at = [...path, 'bandit'];
  const compiled = compileBanditPolicy({
    arms: definition.variants.map((variant) => variant.id),
    ...(block.prior !== undefined && { prior: block.prior }),
    ...(block.floor !== undefined && { explorationFloor: block.floor }),
    ...(block.per !== undefined && { per: block.per }),
    ...(block.minSegmentTrials !== undefined && { minSegmentTrials: block.minSegmentTrials }),
  });
  if (!compiled.ok) {
    for (const issue of compiled.issues) {
      const [field = '', ...rest] = issue.path.split('.');
      const named = field === 'explorationFloor' ? 'floor' : field;
      const where = field === 'arms' ? [...path, 'variants', ...rest] : [...at, named, ...rest];
      issues.push({ path: where, message: issue.message });
    }
  }
  const reward = compileReward(block.reward, [...at, 'reward'], compiler, issues);
  const segments = compileSegments(block, at, compiler, issues);
  if (issues.length > before || !compiled.ok || reward === undefined) return undefined;
  return Object.freeze({
    policy: compiled.policy,
    reward,
    segments: Object.freeze(segments),
    slot: { state: createBanditState(compiled.policy) },
  });
}

/** Arms are content variants of a placement, without weights (the bandit splits traffic). */
function checkArms(definition: ExperimentDefinition, path: Path, issues: RuleIssue[]): void {
  if (definition.placement === undefined) {
    issues.push({
      path: [...path, 'placement'],
      message: 'a bandit needs the placement it serves',
    });
  }
  if (definition.variants.length < 2) {
    issues.push({ path: [...path, 'variants'], message: 'a bandit needs at least 2 variants' });
  }
  definition.variants.forEach((variant, index) => {
    const at = [...path, 'variants', index];
    if (variant.weight !== undefined) {
      issues.push({
        path: [...at, 'weight'],
        message: 'a bandit chooses each new user’s variant: leave `weight` out',
      });
    }
    for (const field of ['flag', 'flow'] as const) {
      if ((variant as Record<string, unknown>)[field] !== undefined) {
        issues.push({ path: [...at, field], message: 'a bandit’s variants change content only' });
      }
    }
  });
}

function compileReward(
  reward: BanditExperimentDefinition['reward'],
  path: Path,
  compiler: ConditionCompiler,
  issues: RuleIssue[],
): CompiledMetric | undefined {
  const before = issues.length;
  let where: CompiledMetric['where'];
  if (reward.where !== undefined) {
    try {
      where = compiler.addEventFilter(reward.where).matches;
    } catch (error) {
      issues.push(...conditionIssues(error, [...path, 'where']));
    }
  }
  const withinMs = reward.within === undefined ? Infinity : parseDuration(reward.within);
  if (withinMs === undefined) {
    issues.push({ path: [...path, 'within'], message: 'must be a duration such as "7d"' });
  }
  if (issues.length > before) return undefined;
  return Object.freeze({
    id: BANDIT_REWARD_METRIC,
    type: 'conversion',
    event: reward.event,
    ...(where !== undefined && { where }),
    withinMs: withinMs as number,
    role: 'primary',
    higherIsBetter: true,
  });
}

function compileSegments(
  block: BanditExperimentDefinition,
  path: Path,
  compiler: ConditionCompiler,
  issues: RuleIssue[],
): CompiledBandit['segments'][number][] {
  const per = block.per ?? 'global';
  if (per === 'segment' && block.segments === undefined) {
    issues.push({ path: [...path, 'segments'], message: '`per: segment` needs `segments`' });
  }
  if (per !== 'segment' && block.segments !== undefined) {
    issues.push({ path: [...path, 'segments'], message: 'only with `per: segment`' });
    return [];
  }
  const compiled: CompiledBandit['segments'][number][] = [];
  (block.segments ?? []).forEach((id, index) => {
    const at = [...path, 'segments', index];
    if (isUnsafeKey(id)) {
      issues.push({ path: at, message: `"${id}" is not allowed as a segment id` });
      return;
    }
    try {
      const condition = compiler.add({ segments: id }, { context: true });
      compiled.push(Object.freeze({ id, condition }));
    } catch (error) {
      issues.push(...conditionIssues(error, at));
    }
  });
  return compiled;
}

/** The listed segments are segments (or cohort bands) of the version. */
export function checkBanditSegments(
  experiment: CompiledExperiment,
  path: Path,
  segments: ReadonlySet<string>,
  issues: RuleIssue[],
): void {
  experiment.bandit?.segments.forEach(({ id }, index) => {
    if (segments.has(id)) return;
    issues.push({
      path: [...path, 'bandit', 'segments', index],
      message: `unknown segment "${id}" (a segment id, or "cohort:band")`,
    });
  });
}
