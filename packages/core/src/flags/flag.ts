/**
 * The flags runtime contract: what an evaluation reads, what it returns (OpenFeature's
 * resolution details: value, variant, reason, error code, flag metadata) and the
 * compiled set it runs on. A compiled set is built once per config version; an
 * evaluation only runs closures and returns results made at compile time.
 * docs/flags.md documents the model; docs/decisions/0025-flag-bucketing.md the hash.
 */
import type { EvalInput } from '../conditions/condition.js';
import type { JsonValue } from '../json/json.js';
import type { FlagDefinition, FlagType } from './flag-schema.js';

/** OpenFeature's standard resolution reasons, plus PREREQUISITE_FAILED. */
export const flagReasons = [
  'STATIC',
  'TARGETING_MATCH',
  'SPLIT',
  'DISABLED',
  'DEFAULT',
  'PREREQUISITE_FAILED',
  'ERROR',
] as const;
export type FlagReason = (typeof flagReasons)[number];

/** OpenFeature's error codes that a flag evaluation can give. */
export const flagErrorCodes = [
  'FLAG_NOT_FOUND',
  'TYPE_MISMATCH',
  'TARGETING_KEY_MISSING',
  'INVALID_CONTEXT',
  'PARSE_ERROR',
  'GENERAL',
] as const;
export type FlagErrorCode = (typeof flagErrorCodes)[number];

export type FlagMetadata = Readonly<Record<string, string | number | boolean>>;

/**
 * One evaluation's outcome. Successful results are shared, frozen objects made when
 * the set was compiled: never mutate one. On error, `value` is null and the caller
 * uses its own default (as OpenFeature does).
 */
export interface FlagEvaluation {
  readonly key: string;
  readonly value: JsonValue;
  readonly variant?: string;
  readonly reason: FlagReason;
  readonly errorCode?: FlagErrorCode;
  readonly errorMessage?: string;
  /** The flag's `metadata`, when it has some. */
  readonly flagMetadata?: FlagMetadata;
}

/**
 * What flags are evaluated against: the condition input (the stored profile, `now`,
 * and `context`, the evaluation attributes read by `context.*` paths) and the
 * targeting key that rollouts hash. Build one per user and evaluate every flag with
 * it: evaluation never copies or changes it.
 */
export interface FlagContext extends EvalInput {
  /** The user's stable id (userId, else anonymousId); needed only by rollouts. */
  targetingKey?: string;
}

/** One compiled flag, as listings and explanations see it. */
export interface CompiledFlag {
  readonly key: string;
  readonly type: FlagType;
  readonly definition: FlagDefinition;
  /** The times (ms) of its scheduled changes, ascending. */
  readonly changes: readonly number[];
}

/** A version's flags, compiled: evaluate with evaluateFlag / evaluateAllFlags. */
export interface CompiledFlagSet {
  /** In config order. */
  readonly flags: readonly CompiledFlag[];
  readonly byKey: ReadonlyMap<string, CompiledFlag>;
  /** Every scheduled change of every flag (ms), ascending: when evaluations may change with time alone. */
  readonly changes: readonly number[];
}
