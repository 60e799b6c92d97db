import { useContext, useSyncExternalStore } from 'react';
import type { Decision, FlagEvaluation, FlowView, OnrampClient } from '@onramp/sdk';
import type { DecisionSnapshot } from './decision-store.js';
import { OnrampContext, type OnrampContextValue } from './onramp-context.js';

/** The provider's client and store; throws outside an OnrampProvider. */
export function useOnrampContext(): OnrampContextValue {
  const value = useContext(OnrampContext);
  if (value === null) throw new Error('Onramp hooks need an <OnrampProvider> above them.');
  return value;
}

/** The SDK client of the nearest OnrampProvider (to track events, identify, consent…). */
export function useOnramp(): OnrampClient {
  return useOnrampContext().client;
}

/** A value selected from the decision snapshot; re-renders only when it changes (Object.is). */
export function useSnapshot<T>(select: (snapshot: DecisionSnapshot) => T): T {
  const { store } = useOnrampContext();
  const get = () => select(store.getSnapshot());
  return useSyncExternalStore(store.subscribe, get, get);
}

export interface DecisionsState {
  /** false until the decision stream's first message. */
  ready: boolean;
  /** Every streamed placement's current decision, by placement id. */
  decisions: Readonly<Record<string, Decision>>;
  /** Every flow's progress, by flow id (when the provider streams flows, the default). */
  flows: Readonly<Record<string, FlowView>>;
  /** Every streamed flag's evaluation, by key (the provider streams every flag by default). */
  flags: Readonly<Record<string, FlagEvaluation>>;
}

/** All current decisions, flow views and flags; re-renders on every change of the stream. */
export function useDecisions(): DecisionsState {
  const snapshot = useSnapshot((s) => s);
  const { ready, decisions, flows, flags } = snapshot;
  return { ready, decisions, flows, flags };
}
