import { useMemo } from 'react';
import type { FlowStepView, FlowView, OnrampClient, Decision } from '@onramp/sdk';
import { useOnrampContext, useSnapshot } from '../provider/use-onramp.js';
import { sendStepCompleted, sendStepSkipped } from './flow-actions.js';
import { usePlacement, type PlacementState } from './use-placement.js';

export interface FlowState {
  /** The flow's progress; undefined until known (or when the flow does not exist). */
  flow: FlowView | undefined;
  steps: readonly FlowStepView[];
  /** Required steps done, in percent (0 to 100). */
  percent: number;
  /** The first step neither done nor skipped. */
  current: FlowStepView | undefined;
  /** The step to offer now. */
  nextBest: FlowStepView | undefined;
  completed: boolean;
  loading: boolean;
  /** Sends `Content Completed` with the flow and step: the server marks the step done. */
  completeStep(stepId: string): void;
  /** Sends `Flow Step Skipped`: the server skips the step if it is optional. */
  skipStep(stepId: string): void;
}

export interface ChecklistState extends FlowState {
  /** The checklist placement's state (its content, dismiss, shown…). */
  placement: PlacementState;
}

/**
 * One flow's progress, from the stream's flow views (the provider streams them by
 * default), else from a checklist or tour decision that carries it.
 */
export function useFlow(flowId: string): FlowState {
  const { client } = useOnrampContext();
  const view = useSnapshot((s) => s.flows[flowId] ?? carriedView(s.decisions, flowId));
  const ready = useSnapshot((s) => s.ready);
  return useMemo(() => flowState(client, view, !ready), [client, view, ready]);
}

/** The flow that a checklist placement shows, and that placement's state. */
export function useChecklist(placementId: string): ChecklistState {
  const { client } = useOnrampContext();
  const placement = usePlacement(placementId);
  const { decision, content, loading } = placement;
  return useMemo(() => {
    const view = content?.checklist;
    return { ...flowState(client, view, loading, decision), placement };
  }, [client, placement, decision, content, loading]);
}

function flowState(
  client: OnrampClient,
  view: FlowView | undefined,
  loading: boolean,
  decision?: Decision,
): FlowState {
  const steps = view?.steps ?? [];
  const find = (id: string | undefined) =>
    id === undefined ? undefined : steps.find((s) => s.id === id);
  return {
    flow: view,
    steps,
    percent: view?.percent ?? 0,
    current: find(view?.current),
    nextBest: find(view?.nextBest),
    completed: view?.completed ?? false,
    loading,
    completeStep(stepId) {
      if (view !== undefined) sendStepCompleted(client, view.flow, stepId, decision);
    },
    skipStep(stepId) {
      if (view !== undefined) sendStepSkipped(client, view.flow, stepId);
    },
  };
}

function carriedView(
  decisions: Readonly<Record<string, Decision>>,
  flowId: string,
): FlowView | undefined {
  for (const decision of Object.values(decisions)) {
    const view = decision.content?.checklist;
    if (view?.flow === flowId) return view;
  }
  return undefined;
}
