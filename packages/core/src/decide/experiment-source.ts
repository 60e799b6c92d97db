/**
 * decide's experiment source, tried after the rule decision and the flow step and
 * before the placement's default: the first experiment on the placement (config order)
 * that puts the profile in a variant shows that variant's content (or the placement's
 * default for a variant that changes nothing, the control usually). A running
 * experiment's decision carries `experiment` and `variant` in its `track`, so the
 * `Content Shown` the app sends records the exposure (experiments/update-experiments.ts);
 * a stopped one serves its control to the profiles that had a variant, without exposure.
 */
import type { EvalInput } from '../conditions/condition.js';
import { assignExperiment } from '../experiments/assign-experiment.js';
import type { CompiledExperimentSet } from '../experiments/experiment.js';
import type { DecisionReason } from './decision.js';

export interface ExperimentCandidate {
  content: string;
  reason: Extract<DecisionReason, { type: 'experiment' }>;
  /** The content variant to render. */
  variant?: string;
  /** What the decision's track carries to record the exposure (running experiments only). */
  exposure?: { experiment: string; variant: string };
}

/**
 * `key`: the profile's (experimentKey), or for a visitor without a profile yet the id
 * decide was asked for: the key the processor's profile will hash once it exists.
 */
export function experimentCandidate(
  experiments: CompiledExperimentSet,
  placement: string,
  input: EvalInput,
  key: string | undefined,
  defaultContent: string | undefined,
  isDismissed: (content: string) => boolean,
): ExperimentCandidate | undefined {
  const candidates = experiments.byPlacement.get(placement);
  if (candidates === undefined) return undefined;
  for (const experiment of candidates) {
    const { variant } = assignExperiment(experiment, input, key);
    if (variant === undefined) continue;
    const content = variant.content?.item ?? defaultContent;
    if (content === undefined || isDismissed(content)) continue;
    const chosen = { experiment: experiment.id, variant: variant.id };
    return {
      content,
      reason: { type: 'experiment', ...chosen },
      ...(variant.content?.variant !== undefined && { variant: variant.content.variant }),
      ...(experiment.status === 'running' && { exposure: chosen }),
    };
  }
  return undefined;
}
