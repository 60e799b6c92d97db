/**
 * What the decision push sends (docs/realtime.md#decision-stream): the state of one
 * subscription, placement by placement, its digest and the id a client resumes from.
 */
import { createHash } from 'node:crypto';
import type {
  PresentedAnswer,
  PresentedDecision,
  PresentedFlow,
} from '../decide/present-decision.js';

/** One message of the decision push. */
export interface DecisionUpdate {
  /** `<config version>.<profile version>.<digest>` (decisionUpdateId). */
  id: string;
  /** True: every placement (and flow) of the subscription; the client replaces its state. */
  full: boolean;
  version: number;
  profileVersion: number;
  /** Placements whose decision changed (all when full); null: no longer in the config. */
  decisions: Record<string, PresentedDecision | null>;
  /** With flows requested: the flows whose view changed (all when full); null: removed. */
  flows?: Record<string, PresentedFlow | null>;
}

/** The presented state a subscription last computed: values kept as their JSON text. */
export interface DecisionState {
  decisions: Map<string, string>;
  flows: Map<string, string> | undefined;
  /** First 12 hex digits of the SHA-1 of the sorted decisions and flows. */
  digest: string;
}

/**
 * The state of a presented answer; flows only when `withFlows`. When it equals
 * `previous` entry for entry, previous's digest is kept rather than hashed again
 * (most events change nothing a subscription shows).
 */
export function decisionStateOf(
  answer: PresentedAnswer,
  withFlows: boolean,
  previous?: DecisionState,
): DecisionState {
  const decisions = new Map<string, string>();
  for (const [placement, decision] of Object.entries(answer.decisions)) {
    decisions.set(placement, JSON.stringify(decision));
  }
  let flows: Map<string, string> | undefined;
  if (withFlows) {
    flows = new Map();
    for (const [flow, view] of Object.entries(answer.flows ?? {})) {
      flows.set(flow, JSON.stringify(view));
    }
  }
  if (
    previous !== undefined &&
    sameEntries(previous.decisions, decisions) &&
    (flows === undefined
      ? previous.flows === undefined
      : previous.flows !== undefined && sameEntries(previous.flows, flows))
  ) {
    return { decisions, flows, digest: previous.digest };
  }
  const hash = createHash('sha1');
  for (const entries of [decisions, flows ?? new Map<string, string>()]) {
    for (const key of [...entries.keys()].sort()) {
      hash
        .update(JSON.stringify(key))
        .update(':')
        .update(entries.get(key) as string)
        .update(',');
    }
    hash.update('|');
  }
  return { decisions, flows, digest: hash.digest('hex').slice(0, 12) };
}

function sameEntries(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, json] of b) if (a.get(key) !== json) return false;
  return true;
}

/**
 * What the client must receive to go from `previous` (undefined: nothing) to `next`:
 * every entry when full, else the changed ones and `null` for the removed ones.
 * Undefined when nothing changed.
 */
export function diffDecisionStates(
  previous: DecisionState | undefined,
  next: DecisionState,
  full: boolean,
): Pick<DecisionUpdate, 'decisions' | 'flows'> | undefined {
  const whole = full || previous === undefined;
  const decisions = diffEntries<PresentedDecision>(
    whole ? undefined : previous.decisions,
    next.decisions,
  );
  const flows =
    next.flows === undefined
      ? undefined
      : diffEntries<PresentedFlow>(whole ? undefined : previous.flows, next.flows);
  const changed =
    whole ||
    Object.keys(decisions).length > 0 ||
    (flows !== undefined && Object.keys(flows).length > 0);
  if (!changed) return undefined;
  return flows === undefined ? { decisions } : { decisions, flows };
}

function diffEntries<T>(
  previous: Map<string, string> | undefined,
  next: Map<string, string>,
): Record<string, T | null> {
  const changed: Record<string, T | null> = {};
  for (const [key, json] of next) {
    if (previous?.get(key) !== json) changed[key] = JSON.parse(json) as T;
  }
  if (previous !== undefined) {
    for (const key of previous.keys()) if (!next.has(key)) changed[key] = null;
  }
  return changed;
}

/** The id of an update: `<config version>.<profile version>.<digest>`. */
export function decisionUpdateId(version: number, profileVersion: number, digest: string): string {
  return `${version}.${profileVersion}.${digest}`;
}

/** The digest of an id we issued (from Last-Event-ID); undefined for anything else. */
export function digestOfUpdateId(id: string | undefined): string | undefined {
  return id === undefined ? undefined : /^\d{1,15}\.\d{1,15}\.([0-9a-f]{12})$/.exec(id.trim())?.[1];
}

/**
 * Two updates a slow connection has not written yet, as one: the newest decision of
 * each placement, so what waits for a socket never grows past one entry per placement.
 */
export function mergeDecisionUpdates(older: DecisionUpdate, newer: DecisionUpdate): DecisionUpdate {
  if (newer.full) return newer;
  const merged: DecisionUpdate = {
    ...newer,
    full: older.full,
    decisions: { ...older.decisions, ...newer.decisions },
  };
  if (older.flows !== undefined || newer.flows !== undefined) {
    merged.flows = { ...older.flows, ...newer.flows };
  }
  return merged;
}
