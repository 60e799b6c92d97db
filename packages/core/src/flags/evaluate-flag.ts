/**
 * Flag evaluation: never throws. A known flag runs its compiled closure and returns
 * one of the results made at compile time; an unknown key, a type the caller did not
 * expect, a rollout without a targeting key or an unexpected failure gives an ERROR
 * result (value null: the caller uses its own default, as OpenFeature does).
 */
import { errorResult, type FlagRuntime } from './flag-runtime.js';
import type { CompiledFlagSet, FlagContext, FlagEvaluation } from './flag.js';
import type { FlagSetRuntime } from './compile-flags.js';
import type { FlagType } from './flag-schema.js';

/**
 * Evaluates flag `key` for `context`. With `expected`, a flag of another type gives
 * TYPE_MISMATCH. The result may be shared: never mutate it.
 */
export function evaluateFlag(
  set: CompiledFlagSet,
  key: string,
  context: FlagContext,
  expected?: FlagType,
): FlagEvaluation {
  const flag = (set as FlagSetRuntime).byKey.get(key);
  if (flag === undefined) {
    return errorResult(String(key), 'FLAG_NOT_FOUND', `no flag "${String(key)}"`);
  }
  if (expected !== undefined && expected !== flag.type) {
    return errorResult(
      key,
      'TYPE_MISMATCH',
      `flag "${key}" is a ${flag.type} flag, not ${expected}`,
    );
  }
  return run(flag, context);
}

/** Every flag of the set for one context, in config order (errors included). */
export function evaluateAllFlags(set: CompiledFlagSet, context: FlagContext): FlagEvaluation[] {
  const flags = (set as FlagSetRuntime).flags;
  const results: FlagEvaluation[] = new Array<FlagEvaluation>(flags.length);
  for (let i = 0; i < flags.length; i++) results[i] = run(flags[i] as FlagRuntime, context);
  return results;
}

/**
 * The first scheduled change of any flag after `now` (ms), or Infinity: until then,
 * evaluations change only with the context (the schedule is the only clock flags read
 * besides the conditions' own time paths).
 */
export function nextFlagChange(set: CompiledFlagSet, now: number): number {
  for (const at of set.changes) if (at > now) return at;
  return Number.POSITIVE_INFINITY;
}

function run(flag: FlagRuntime, context: FlagContext): FlagEvaluation {
  try {
    return flag.evaluate(context);
  } catch (error) {
    return errorResult(flag.key, 'GENERAL', `flag "${flag.key}": ${(error as Error).message}`);
  }
}
