// Merges one decision-stream message into the state the subscribers see.
import type { Decision, DecisionUpdate, FlagEvaluation, FlowView } from './types.js';

/** A `decisions` message as the engine sends it (docs/realtime.md#messages). */
export interface StreamMessage {
  full: boolean;
  version: number;
  profileVersion: number;
  decisions?: Record<string, Decision | null>;
  flows?: Record<string, FlowView | null>;
  flags?: Record<string, FlagEvaluation | null>;
}

/**
 * `full` replaces everything; otherwise the placements (flows, flags) in the message replace
 * theirs, and `null` removes one. The result is a new frozen object, so a changed state
 * is a new reference (what React's useSyncExternalStore compares).
 */
export function mergeUpdate(
  previous: DecisionUpdate | undefined,
  id: string,
  message: StreamMessage,
): DecisionUpdate {
  const full = message.full === true;
  const changed: string[] = [];
  const decisions = merged(full ? {} : previous?.decisions, message.decisions, changed);
  const flows = merged(full ? {} : previous?.flows, message.flows, []);
  const changedFlags: string[] = [];
  const flags = merged(full ? {} : previous?.flags, message.flags, changedFlags);
  if (full && previous !== undefined) {
    removed(previous.decisions, decisions, changed);
    removed(previous.flags, flags, changedFlags);
  }
  return {
    id,
    full,
    version: message.version,
    profileVersion: message.profileVersion,
    changed,
    decisions,
    flows,
    changedFlags,
    flags,
  };
}

function removed(before: object, after: object, changed: string[]): void {
  for (const key of Object.keys(before)) if (!(key in after)) changed.push(key);
}

function merged<T>(
  base: Readonly<Record<string, T>> | undefined,
  patch: Record<string, T | null> | undefined,
  changed: string[],
): Readonly<Record<string, T>> {
  const next: Record<string, T> = { ...base };
  for (const [key, value] of Object.entries(patch ?? {})) {
    changed.push(key);
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return Object.freeze(next);
}
