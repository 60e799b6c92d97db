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
import type { PresentedFlag } from '../decide/decide-flags.js';

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
  /** With flags requested: the flags whose evaluation changed (all when full); null: removed. */
  flags?: Record<string, PresentedFlag | null>;
}

/** The presented state a subscription last computed: values kept as their JSON text. */
export interface DecisionState {
  decisions: Map<string, string>;
  flows: Map<string, string> | undefined;
  /** With flags requested (the answer has `flags`). */
  flags: Map<string, string> | undefined;
  /** First 12 hex digits of the SHA-1 of the sorted decisions, flows and flags. */
  digest: string;
}

/**
 * The state of a presented answer; flows only when `withFlows`, flags when the answer
 * has them. When it equals `previous` entry for entry, it is `previous` itself (most
 * events change nothing a subscription shows): the state a subscription keeps is new
 * only when it changed, and then shares previous's text of the entries that did not,
 * so what the hub holds between events is not garbage made on every event.
 */
export function decisionStateOf(
  answer: PresentedAnswer,
  withFlows: boolean,
  previous?: DecisionState,
): DecisionState {
  const decisions = jsonEntries(answer.decisions, previous?.decisions);
  const flows = withFlows ? jsonEntries(answer.flows ?? {}, previous?.flows) : undefined;
  const flags = answer.flags === undefined ? undefined : jsonEntries(answer.flags, previous?.flags);
  if (
    previous !== undefined &&
    sameEntries(previous.decisions, decisions) &&
    sameOptional(previous.flows, flows) &&
    sameOptional(previous.flags, flags)
  ) {
    return previous;
  }
  const hash = createHash('sha1');
  // Flags hash only when asked for: digests of subscriptions without them stay as they were.
  const groups = [
    decisions,
    flows ?? new Map<string, string>(),
    ...(flags === undefined ? [] : [flags]),
  ];
  for (const entries of groups) {
    for (const key of [...entries.keys()].sort()) {
      hash
        .update(JSON.stringify(key))
        .update(':')
        .update(entries.get(key) as string)
        .update(',');
    }
    hash.update('|');
  }
  return { decisions, flows, flags, digest: hash.digest('hex').slice(0, 12) };
}

/** Each entry's JSON text; previous's own string where the text is the same. */
function jsonEntries(
  record: Readonly<Record<string, unknown>>,
  previous: ReadonlyMap<string, string> | undefined,
): Map<string, string> {
  const entries = new Map<string, string>();
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const json = JSON.stringify(record[key]);
    const kept = previous?.get(key);
    entries.set(key, kept === json ? kept : json);
  }
  return entries;
}

function sameOptional(
  a: ReadonlyMap<string, string> | undefined,
  b: ReadonlyMap<string, string> | undefined,
): boolean {
  return a === undefined || b === undefined ? a === b : sameEntries(a, b);
}

function sameEntries(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const key of b.keys()) if (a.get(key) !== b.get(key)) return false;
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
): Pick<DecisionUpdate, 'decisions' | 'flows' | 'flags'> | undefined {
  const whole = full || previous === undefined;
  const decisions = diffEntries<PresentedDecision>(
    whole ? undefined : previous.decisions,
    next.decisions,
  );
  const flows =
    next.flows === undefined
      ? undefined
      : diffEntries<PresentedFlow>(whole ? undefined : previous.flows, next.flows);
  const flags =
    next.flags === undefined
      ? undefined
      : diffEntries<PresentedFlag>(whole ? undefined : previous.flags, next.flags);
  const changed =
    whole ||
    Object.keys(decisions).length > 0 ||
    (flows !== undefined && Object.keys(flows).length > 0) ||
    (flags !== undefined && Object.keys(flags).length > 0);
  if (!changed) return undefined;
  const update: Pick<DecisionUpdate, 'decisions' | 'flows' | 'flags'> = { decisions };
  if (flows !== undefined) update.flows = flows;
  if (flags !== undefined) update.flags = flags;
  return update;
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
 * each placement (and flow, flag), so what waits for a socket never grows past one entry each.
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
  if (older.flags !== undefined || newer.flags !== undefined) {
    merged.flags = { ...older.flags, ...newer.flags };
  }
  return merged;
}
