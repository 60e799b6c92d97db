import { useMemo } from 'react';
import { flagOf, flagValue, type FlagEvaluation, type FlagReason, type Json } from '@onramp/sdk';
import { useSnapshot } from '../provider/use-onramp.js';

/**
 * A flag's value for the signed-in user, live: `defaultValue` until the stream answered,
 * when the flag is not streamed or not in the config, when it failed, or when its value
 * is not of the default's type. Re-renders only when this flag's evaluation changes.
 */
export function useFlag<T>(key: string, defaultValue: T): T {
  const flag = useSnapshot((s) => flagOf(s.flags, key));
  return flagValue(flag, defaultValue);
}

export interface FlagDetails {
  key: string;
  /** The evaluation; undefined until the stream answered, or when the flag is not streamed. */
  evaluation: FlagEvaluation | undefined;
  /** The value (null when unknown or failed: use useFlag for a typed default). */
  value: Json;
  variant: string | undefined;
  reason: FlagReason | undefined;
  errorCode: string | undefined;
  errorMessage: string | undefined;
  /** true until the decision stream's first message. */
  loading: boolean;
}

/** A flag's whole evaluation (variant, reason, error) for "why" displays and analytics. */
export function useFlagDetails(key: string): FlagDetails {
  const evaluation = useSnapshot((s) => flagOf(s.flags, key));
  const ready = useSnapshot((s) => s.ready);
  return useMemo(
    () => ({
      key,
      evaluation,
      value: evaluation?.value ?? null,
      variant: evaluation?.variant,
      reason: evaluation?.reason,
      errorCode: evaluation?.errorCode,
      errorMessage: evaluation?.errorMessage,
      loading: !ready,
    }),
    [key, evaluation, ready],
  );
}
