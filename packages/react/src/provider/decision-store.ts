import type {
  Decision,
  DecisionUpdate,
  FlagEvaluation,
  FlowView,
  OnrampClient,
  SubscribeOptions,
  Unsubscribe,
} from '@onramp/sdk';

/** What the provider exposes to hooks: the merged decision state and local dismissals. */
export interface DecisionSnapshot {
  /** false until the first message of the decision stream arrived. */
  ready: boolean;
  decisions: Readonly<Record<string, Decision>>;
  flows: Readonly<Record<string, FlowView>>;
  /** Streamed flag evaluations by key (the provider streams every flag by default). */
  flags: Readonly<Record<string, FlagEvaluation>>;
  /** placement → content id dismissed here, hidden until the server decides something else. */
  hidden: ReadonlyMap<string, string>;
}

export interface DecisionStore {
  /** Opens the decision stream; the returned function closes it. */
  start(): Unsubscribe;
  subscribe(listener: () => void): Unsubscribe;
  getSnapshot(): DecisionSnapshot;
  /** Hides a placement's content at once (the server's answer to the dismissal follows). */
  hide(placement: string, content: string): void;
  /** true the first time `key` is shown in `placement` since its content last changed. */
  markShown(placement: string, key: string): boolean;
}

/**
 * Keeps the SDK's merged decisions as an immutable snapshot for useSyncExternalStore.
 * Decisions, flow views and flags that did not change keep their identity, so a
 * component that reads one placement (or flag) does not re-render when another changes.
 */
export function createDecisionStore(
  client: OnrampClient,
  options: SubscribeOptions,
): DecisionStore {
  const listeners = new Set<() => void>();
  const shown = new Map<string, string>();
  const initial = client.getDecisions();
  let snapshot: DecisionSnapshot = {
    ready: Object.keys(initial).length > 0,
    decisions: initial,
    flows: client.getFlows(),
    flags: client.getFlags(),
    hidden: new Map(),
  };

  const emit = (next: DecisionSnapshot) => {
    snapshot = next;
    for (const listener of listeners) listener();
  };

  const onDecision = (update: DecisionUpdate) => {
    const decisions = keepUnchanged(snapshot.decisions, update.decisions, update.changed);
    const flows = keepEqualFlows(snapshot.flows, update.flows);
    const flags = keepEqualFlags(snapshot.flags, update.flags, update.changedFlags);
    const hidden = new Map(snapshot.hidden);
    for (const placement of update.changed) {
      const dismissed = hidden.get(placement);
      if (dismissed !== undefined && decisions[placement]?.content?.id !== dismissed) {
        hidden.delete(placement);
      }
      if (shown.get(placement) !== keyOf(decisions[placement])) shown.delete(placement);
    }
    const same = hidden.size === snapshot.hidden.size;
    emit({ ready: true, decisions, flows, flags, hidden: same ? snapshot.hidden : hidden });
  };

  return {
    start() {
      return client.subscribe(onDecision, options);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot: () => snapshot,
    hide(placement, content) {
      if (snapshot.hidden.get(placement) === content) return;
      const hidden = new Map(snapshot.hidden).set(placement, content);
      emit({ ...snapshot, hidden });
    },
    markShown(placement, key) {
      if (shown.get(placement) === key) return false;
      shown.set(placement, key);
      return true;
    },
  };
}

/** The identity of what a placement shows: content, variant and flow step. */
export function keyOf(decision: Decision | undefined): string | undefined {
  const content = decision?.content;
  if (content === null || content === undefined) return undefined;
  const track = decision?.track;
  return [content.id, content.variant ?? '', track?.flow ?? '', track?.step ?? ''].join('\u0000');
}

function keepUnchanged(
  previous: Readonly<Record<string, Decision>>,
  next: Readonly<Record<string, Decision>>,
  changed: readonly string[],
): Readonly<Record<string, Decision>> {
  const changedSet = new Set(changed);
  const merged: Record<string, Decision> = {};
  for (const [placement, decision] of Object.entries(next)) {
    const before = previous[placement];
    merged[placement] = before !== undefined && !changedSet.has(placement) ? before : decision;
  }
  return merged;
}

function keepEqualFlows(
  previous: Readonly<Record<string, FlowView>>,
  next: Readonly<Record<string, FlowView>>,
): Readonly<Record<string, FlowView>> {
  const merged: Record<string, FlowView> = {};
  for (const [id, view] of Object.entries(next)) {
    const before = previous[id];
    merged[id] =
      before !== undefined && JSON.stringify(before) === JSON.stringify(view) ? before : view;
  }
  return merged;
}

/** Unchanged flags keep their object; a changed one too when it is equal (a reconnect's full state). */
function keepEqualFlags(
  previous: Readonly<Record<string, FlagEvaluation>>,
  next: Readonly<Record<string, FlagEvaluation>>,
  changed: readonly string[],
): Readonly<Record<string, FlagEvaluation>> {
  const changedSet = new Set(changed);
  const merged: Record<string, FlagEvaluation> = {};
  for (const [key, flag] of Object.entries(next)) {
    const before = previous[key];
    merged[key] =
      before !== undefined && (!changedSet.has(key) || sameFlag(before, flag)) ? before : flag;
  }
  return merged;
}

/** Equal evaluations: same value, variant, reason, error and experiment (its exposure differs). */
export function sameFlag(a: FlagEvaluation, b: FlagEvaluation): boolean {
  return (
    a.variant === b.variant &&
    a.experiment === b.experiment &&
    a.experimentVariant === b.experimentVariant &&
    a.reason === b.reason &&
    a.errorCode === b.errorCode &&
    a.errorMessage === b.errorMessage &&
    JSON.stringify(a.value) === JSON.stringify(b.value)
  );
}
