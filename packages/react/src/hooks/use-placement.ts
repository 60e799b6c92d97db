import { useMemo } from 'react';
import type { Decision, DecisionContent, InteractionKind, OnrampClient } from '@onramp/sdk';
import { keyOf, type DecisionStore } from '../provider/decision-store.js';
import { useOnrampContext, useSnapshot } from '../provider/use-onramp.js';

export interface PlacementState {
  placement: string;
  /** The placement's decision; undefined until the stream answered, or when it is not streamed. */
  decision: Decision | undefined;
  /** What to show: null when nothing, or when dismissed here. */
  content: DecisionContent | null;
  /** true until the decision stream's first message. */
  loading: boolean;
  /** Sends `Content Shown` once per content shown in this placement (later calls do nothing). */
  shown(): void;
  /** Sends `Content Clicked`. */
  clicked(): void;
  /** Hides the content at once and sends `Content Dismissed`. */
  dismiss(): void;
  /** Sends `Content Completed` (with the decision's flow step, if any). */
  complete(): void;
}

/** The decision of one placement, and the interaction events that go with it. */
export function usePlacement(placement: string): PlacementState {
  const { client, store } = useOnrampContext();
  const decision = useSnapshot((s) => s.decisions[placement]);
  const hidden = useSnapshot((s) => s.hidden.get(placement));
  const ready = useSnapshot((s) => s.ready);
  return useMemo(() => {
    const raw = decision?.content ?? null;
    const content = raw !== null && hidden === raw.id ? null : raw;
    const send = (kind: InteractionKind) => {
      if (decision !== undefined && content !== null) client.interaction(kind, decision);
    };
    return {
      placement,
      decision,
      content,
      loading: !ready,
      shown: () => sendShown(client, store, decision, content !== null),
      clicked: () => send('clicked'),
      dismiss: () => {
        if (decision === undefined || content === null) return;
        store.hide(placement, content.id);
        client.interaction('dismissed', decision);
      },
      complete: () => send('completed'),
    };
  }, [client, store, placement, decision, hidden, ready]);
}

function sendShown(
  client: OnrampClient,
  store: DecisionStore,
  decision: Decision | undefined,
  visible: boolean,
): void {
  const key = keyOf(decision);
  if (decision === undefined || key === undefined || !visible) return;
  if (store.markShown(decision.placement, key)) client.interaction('shown', decision);
}
