/**
 * Flows in experiments: a variant with `flow: { id, variant }` gives its users that flow
 * variant (no `variant`: the flow's steps in config order) instead of the variant the
 * flow's own `when` conditions choose. The flow progress (processor) and the flow view
 * (decide) ask `flowExperimentChoice`; a variant without `flow` leaves the choice to the
 * flow (the usual control). Exposure: the `Content Shown` of the flow's step content,
 * whose track then carries `experiment` and `variant` (decide.ts), or `Experiment Viewed`.
 */
import type { EvalInput } from '../conditions/condition.js';
import { assignExperiment, experimentKey } from './assign-experiment.js';
import type { CompiledExperimentSet } from './experiment.js';

/** The experiment a profile is in for a flow, and what it chooses. */
export interface FlowExperimentChoice {
  readonly experiment: string;
  /** The experiment's variant id. */
  readonly variant: string;
  /** Whether the experiment picks the flow variant; false: the flow's `when` does. */
  readonly chooses: boolean;
  /** The flow variant picked (undefined: every step in order). */
  readonly flowVariant?: string;
  /** A running experiment: showing the flow records an exposure. */
  readonly running: boolean;
}

/**
 * The first non-draft experiment on `flowId` (config order) that puts `input.profile` in
 * a variant, if any. Hashes the profile's key (experimentKey). Never throws for a
 * compiled set (a failing condition counts as not targeted).
 */
export function flowExperimentChoice(
  experiments: CompiledExperimentSet,
  flowId: string,
  input: EvalInput,
): FlowExperimentChoice | undefined {
  const candidates = experiments.byFlow.get(flowId);
  if (candidates === undefined) return undefined;
  const key = experimentKey(input.profile);
  for (const experiment of candidates) {
    const { variant } = assignExperiment(experiment, input, key);
    if (variant === undefined) continue;
    const flow = variant.flow?.id === flowId ? variant.flow : undefined;
    return {
      experiment: experiment.id,
      variant: variant.id,
      chooses: flow !== undefined,
      ...(flow?.variant !== undefined && { flowVariant: flow.variant }),
      running: experiment.status === 'running',
    };
  }
  return undefined;
}
