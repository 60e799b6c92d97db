import { isoTime as iso, type Decision, type FlowView } from '@onramp/core';
import type { DecideAnswer } from './decide-contract.js';
import type { PresentedFlag } from './decide-flags.js';

/** A decision as the HTTP API and the push show it: times as ISO 8601. */
export type PresentedDecision = Omit<Decision, 'reason' | 'validUntil'> & {
  reason: Omit<Decision['reason'], 'at'> & { at?: string };
  validUntil?: string;
};

export type PresentedFlow = Omit<FlowView, 'startedAt' | 'completedAt' | 'steps'> & {
  startedAt?: string;
  completedAt?: string;
  steps: (Omit<FlowView['steps'][number], 'at'> & { at?: string })[];
};

export interface PresentedAnswer {
  version: number;
  profileId?: string;
  userId?: string;
  profileVersion: number;
  personalized: boolean;
  decisions: Record<string, PresentedDecision>;
  flows?: Record<string, PresentedFlow>;
  flags?: Record<string, PresentedFlag>;
  validUntil?: string;
}

export function presentDecision(decision: Decision): PresentedDecision {
  const { reason, validUntil, content } = decision;
  // Built field by field: this runs for every decision of every answer and push.
  const presented: PresentedDecision = {
    placement: decision.placement,
    content:
      content === null || content.checklist === undefined
        ? content
        : { ...content, checklist: presentFlow(content.checklist) as never },
    reason: reason.type === 'rule' ? { ...reason, at: iso(reason.at) } : reason,
  };
  if (decision.error !== undefined) presented.error = decision.error;
  if (validUntil !== undefined && Number.isFinite(validUntil))
    presented.validUntil = iso(validUntil);
  if (decision.track !== undefined) presented.track = decision.track;
  return presented;
}

export function presentFlow(view: FlowView): PresentedFlow {
  const steps: PresentedFlow['steps'] = new Array(view.steps.length);
  for (let i = 0; i < view.steps.length; i++) {
    const step = view.steps[i] as FlowView['steps'][number];
    steps[i] =
      step.at === undefined
        ? (step as PresentedFlow['steps'][number])
        : { ...step, at: iso(step.at) };
  }
  const presented = { ...view, steps } as unknown as PresentedFlow;
  if (view.startedAt !== undefined) presented.startedAt = iso(view.startedAt);
  if (view.completedAt !== undefined) presented.completedAt = iso(view.completedAt);
  return presented;
}

/** The whole answer, times as ISO 8601; failures stay server-side (logged and counted). */
export function presentAnswer(answer: DecideAnswer): PresentedAnswer {
  const decisions: Record<string, PresentedDecision> = {};
  for (const placement in answer.decisions) {
    decisions[placement] = presentDecision(answer.decisions[placement] as Decision);
  }
  // Built key by key in the order clients see (no conditional spreads).
  const presented = { version: answer.version } as PresentedAnswer;
  if (answer.profileId !== undefined) presented.profileId = answer.profileId;
  if (answer.userId !== undefined) presented.userId = answer.userId;
  presented.profileVersion = answer.profileVersion;
  presented.personalized = answer.personalized;
  presented.decisions = decisions;
  if (answer.flows !== undefined) {
    presented.flows = {};
    for (const [flow, view] of Object.entries(answer.flows))
      presented.flows[flow] = presentFlow(view);
  }
  if (answer.flags !== undefined) presented.flags = answer.flags;
  if (answer.validUntil !== undefined && Number.isFinite(answer.validUntil)) {
    presented.validUntil = iso(answer.validUntil);
  }
  return presented;
}
