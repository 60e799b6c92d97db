// A flag's value with the app's default, as OpenFeature clients resolve one.
import type { FlagEvaluation } from './types.js';

/**
 * The flag's value, or `defaultValue` when there is no evaluation, it failed (null value,
 * an error code), or its value is not of the default's type (a number flag read as a
 * string). A null or undefined default accepts any value.
 */
export function flagValue<T>(flag: FlagEvaluation | undefined, defaultValue: T): T {
  const value = flag?.value;
  if (value === undefined || value === null || flag?.errorCode !== undefined) return defaultValue;
  if (defaultValue !== null && defaultValue !== undefined) {
    if (typeof value !== typeof defaultValue) return defaultValue;
    if (Array.isArray(value) !== Array.isArray(defaultValue)) return defaultValue;
  }
  return value as T;
}

/** The own entry `key` of a flag record (never a prototype's). */
export function flagOf(
  flags: Readonly<Record<string, FlagEvaluation>>,
  key: string,
): FlagEvaluation | undefined {
  return Object.prototype.hasOwnProperty.call(flags, key) ? flags[key] : undefined;
}
