/**
 * Flags in decide answers and the decision push (docs/decide.md#flags): the `flags`
 * field of a call checked against the published flags, and one evaluation of the
 * flags asked for per call, on one FlagContext. Without consent for personalization
 * the flags see a blank profile (as OFREP does): context attributes and the
 * targeting key still apply.
 */
import {
  createProfile,
  emptyExperimentSet,
  evaluateAllFlagsWithExperiments,
  evaluateFlagWithExperiments,
  nextFlagChange,
  type FieldError,
  type FlagContext,
  type FlagErrorCode,
  type FlagEvaluation,
  type FlagReason,
  type JsonObject,
  type JsonValue,
  type ProfileState,
} from '@onramp/core';
import type { WorkspaceRuntime } from '../engine/engine.js';

/** How the call names its profile (decide-contract.ts's DecideLookup). */
type Lookup = { userId: string } | { anonymousId: string };

/** What a call asks for: true (or `all` in a query) every flag, or these keys; false none. */
export type FlagRequest = boolean | readonly string[];

/** A checked request: every flag of the version, or these known keys (deduplicated). */
export type FlagSelection = true | readonly string[];

/** One flag as the answer shows it: OpenFeature's resolution details, without the key. */
export interface PresentedFlag {
  value: JsonValue;
  variant?: string;
  reason: FlagReason;
  errorCode?: FlagErrorCode;
  errorMessage?: string;
  /** The experiment that chose the value, and its variant: send them in `Experiment Viewed`. */
  experiment?: string;
  experimentVariant?: string;
}

/** At most this many flag keys per call. */
export const maxFlags = 100;

/**
 * Checks `flags` against the version's flags; errors are pushed as `flags` / `flags.N`.
 * Undefined: no flags (absent, false, or in error).
 */
export function validateFlags(
  runtime: WorkspaceRuntime,
  flags: FlagRequest | undefined,
  errors: FieldError[],
): FlagSelection | undefined {
  if (flags === undefined || flags === false) return undefined;
  if (flags === true) return true;
  if (!Array.isArray(flags)) {
    errors.push({ field: 'flags', message: 'must be true, false or an array of flag keys' });
    return undefined;
  }
  if (flags.length > maxFlags) {
    errors.push({ field: 'flags', message: `at most ${maxFlags} flags` });
    return undefined;
  }
  const known = runtime.rules.flags.byKey;
  const keys: string[] = [];
  const before = errors.length;
  flags.forEach((key: unknown, index) => {
    if (typeof key !== 'string') {
      errors.push({ field: `flags.${index}`, message: 'must be a flag key' });
    } else if (!known.has(key)) {
      errors.push({
        field: `flags.${index}`,
        message: `unknown flag ${JSON.stringify(key.slice(0, 100))}`,
      });
    } else if (!keys.includes(key)) keys.push(key);
  });
  return errors.length > before ? undefined : keys;
}

/** What a call evaluated: the flags by key and when they may next change by time alone. */
export interface EvaluatedFlags {
  flags: Record<string, PresentedFlag>;
  /** The next scheduled flag change (ms), or Infinity. */
  nextChange: number;
  /** Evaluations that failed unexpectedly (GENERAL): to log. */
  failures: FlagEvaluation[] | undefined;
}

export interface FlagCallInput {
  selection: FlagSelection;
  lookup: Lookup;
  context: JsonObject;
  /** Decide's consent answer: false evaluates on a blank profile. */
  personalized: boolean;
  now: number;
}

/** Evaluates the selected flags once, on one context. Never throws. */
export function evaluateCallFlags(
  runtime: WorkspaceRuntime,
  profile: ProfileState | undefined,
  input: FlagCallInput,
): EvaluatedFlags {
  const { selection, lookup, now } = input;
  const set = runtime.rules.flags;
  const asked = 'userId' in lookup ? lookup.userId : lookup.anonymousId;
  const context: FlagContext = {
    profile: input.personalized && profile !== undefined ? profile : blankProfile(lookup, now),
    now,
    context: input.context,
    targetingKey: profile?.userId ?? asked,
  };
  // Experiments need consent, as decide's content experiments do; a visitor without a
  // profile yet is assigned by the lookup's id, as the processor will (no storing here).
  const experiments = input.personalized ? runtime.rules.experiments : emptyExperimentSet;
  const results =
    selection === true
      ? evaluateAllFlagsWithExperiments(set, experiments, context)
      : selection.map((key) => evaluateFlagWithExperiments(set, experiments, key, context));
  const flags: Record<string, PresentedFlag> = {};
  let failures: FlagEvaluation[] | undefined;
  for (const result of results) {
    flags[result.key] = presentFlag(result);
    if (result.errorCode === 'GENERAL') (failures ??= []).push(result);
  }
  return { flags, nextChange: nextFlagChange(set, now), failures };
}

/** value, variant?, reason, errorCode?, errorMessage?: the evaluation without key and metadata. */
export function presentFlag(result: FlagEvaluation): PresentedFlag {
  const presented: PresentedFlag = { value: result.value, reason: result.reason };
  if (result.variant !== undefined) presented.variant = result.variant;
  if (result.errorCode !== undefined) presented.errorCode = result.errorCode;
  if (result.errorMessage !== undefined) presented.errorMessage = result.errorMessage;
  const experiment = result.flagMetadata?.['experiment'];
  if (typeof experiment === 'string') {
    presented.experiment = experiment;
    presented.experimentVariant = String(result.flagMetadata?.['experimentVariant']);
  }
  return presented;
}

/** The profile flags see without consent (or before the first event): identity only. */
function blankProfile(lookup: Lookup, now: number): ProfileState {
  const profile = createProfile('', now);
  if ('userId' in lookup) profile.userId = lookup.userId;
  else profile.anonymousIds = [lookup.anonymousId];
  return profile;
}

/** "all" → every flag; "a,b" → those keys; "" → none. */
export function flagsOfQuery(value: string | undefined): FlagRequest | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === 'all') return true;
  return value
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key.length > 0);
}
