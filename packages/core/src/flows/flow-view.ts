/**
 * A profile's progress in one flow as decide, checklists and the profile summary
 * show it (FlowView). Read-only: the view of a flow the profile has not started
 * is what it would be now (variant by a flow experiment or the conditions at `now`,
 * eligibility by the audience), with every step to do.
 */
import type { EvalInput } from '../conditions/condition.js';
import type { CompiledExperimentSet } from '../experiments/experiment.js';
import type { FlowProgress, ProfileState } from '../profiles/profile.js';
import type { CompiledFlow, CompiledStep, FlowStepView, FlowView } from './flow.js';
import {
  chooseVariant,
  currentStep,
  flowProgress,
  isCompleted,
  isStarted,
  stepStatus,
  stepTime,
  variantSteps,
} from './flow-progress.js';

/** The view of `flow` for `profile` at `input.now`. Never throws. */
export function flowView(
  flow: CompiledFlow,
  profile: ProfileState,
  input: { now: number; memo?: Float64Array; experiments?: CompiledExperimentSet },
): FlowView {
  const stored = flowProgress(profile, flow.id);
  const progress = isStarted(stored) ? stored : undefined;
  let evaluation: EvalInput | undefined;
  const evalInput = (): EvalInput => (evaluation ??= { profile, now: input.now, memo: input.memo });
  const started = progress !== undefined;
  const eligible = started || flow.audience === undefined || flow.audience.test(evalInput());
  const variant =
    progress !== undefined && isKnownVariant(flow, progress.variant)
      ? progress.variant
      : chooseVariant(flow, evalInput(), input.experiments)?.id;
  const steps = variantSteps(flow, variant);
  const completed = isCompleted(progress);
  const views = steps.map((step) => stepView(step, progress));
  let done = 0;
  let skipped = 0;
  let requiredDone = 0;
  let requiredTotal = 0;
  for (const view of views) {
    if (view.status === 'done') done += 1;
    if (view.status === 'skipped') skipped += 1;
    if (!view.required) continue;
    requiredTotal += 1;
    if (view.status === 'done') requiredDone += 1;
  }
  const offered = eligible && !completed;
  const current = offered ? currentStep(steps, progress)?.id : undefined;
  const nextBest = offered ? nextBestStep(steps, progress, evalInput)?.id : undefined;
  const percent = completed
    ? 100
    : requiredTotal > 0
      ? Math.floor((requiredDone * 100) / requiredTotal)
      : Math.floor(((done + skipped) * 100) / Math.max(1, views.length));
  const startedAt = progress?.startedAt;
  const completedAt = completed ? progress?.completedAt : undefined;
  return {
    flow: flow.id,
    ...(variant !== undefined && { variant }),
    started,
    eligible,
    ...(current !== undefined && { current }),
    ...(nextBest !== undefined && { nextBest }),
    steps: views,
    done,
    total: views.length,
    requiredDone,
    requiredTotal,
    percent,
    completed,
    ...(startedAt !== undefined && { startedAt }),
    ...(completedAt !== undefined && { completedAt }),
    ...(startedAt !== undefined &&
      completedAt !== undefined && { timeToCompleteMs: Math.max(0, completedAt - startedAt) }),
  };
}

/** The step to offer now: to do (not dismissed), `when` holding (or none), highest priority, then order. */
function nextBestStep(
  steps: readonly CompiledStep[],
  progress: FlowProgress | undefined,
  evalInput: () => EvalInput,
): CompiledStep | undefined {
  let best: CompiledStep | undefined;
  for (const step of steps) {
    if (best !== undefined && step.priority <= best.priority) continue;
    if (stepStatus(progress, step.id) !== 'todo') continue;
    if (step.when !== undefined && !step.when.test(evalInput())) continue;
    best = step;
  }
  return best;
}

function stepView(step: CompiledStep, progress: FlowProgress | undefined): FlowStepView {
  const status = stepStatus(progress, step.id);
  const at = status === 'todo' ? undefined : stepTime(progress, step.id);
  return {
    id: step.id,
    required: step.required,
    status,
    ...(at !== undefined && { at }),
    ...(step.content !== undefined && { content: step.content }),
    ...(step.placement !== undefined && { placement: step.placement }),
    ...(step.title !== undefined && { title: step.title }),
  };
}

function isKnownVariant(flow: CompiledFlow, variant: string | undefined): boolean {
  return variant === undefined || flow.variants.some((candidate) => candidate.id === variant);
}
