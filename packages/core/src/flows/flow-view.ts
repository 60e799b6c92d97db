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
  input: FlowViewInput,
): FlowView {
  const stored = flowProgress(profile, flow.id);
  const progress = isStarted(stored) ? stored : undefined;
  const started = progress !== undefined;
  const eligible =
    started || flow.audience === undefined || flow.audience.test(evalInputOf(profile, input));
  const variant =
    progress !== undefined && isKnownVariant(flow, progress.variant)
      ? progress.variant
      : chooseVariant(flow, evalInputOf(profile, input), input.experiments)?.id;
  const steps = variantSteps(flow, variant);
  const completed = isCompleted(progress);
  const views: FlowStepView[] = new Array(steps.length);
  let done = 0;
  let skipped = 0;
  let requiredDone = 0;
  let requiredTotal = 0;
  for (let i = 0; i < steps.length; i++) {
    const view = stepView(steps[i] as CompiledStep, progress);
    views[i] = view;
    if (view.status === 'done') done += 1;
    if (view.status === 'skipped') skipped += 1;
    if (!view.required) continue;
    requiredTotal += 1;
    if (view.status === 'done') requiredDone += 1;
  }
  const offered = eligible && !completed;
  const current = offered ? currentStep(steps, progress)?.id : undefined;
  const nextBest = offered ? nextBestStep(steps, progress, flow, profile, input)?.id : undefined;
  const percent = completed
    ? 100
    : requiredTotal > 0
      ? Math.floor((requiredDone * 100) / requiredTotal)
      : Math.floor(((done + skipped) * 100) / Math.max(1, views.length));
  const startedAt = progress?.startedAt;
  const completedAt = completed ? progress?.completedAt : undefined;
  // Built key by key in the order clients see (no conditional spreads): decide
  // and every push build one per flow shown.
  const result = { flow: flow.id } as FlowView;
  if (variant !== undefined) result.variant = variant;
  result.started = started;
  result.eligible = eligible;
  if (current !== undefined) result.current = current;
  if (nextBest !== undefined) result.nextBest = nextBest;
  result.steps = views;
  result.done = done;
  result.total = views.length;
  result.requiredDone = requiredDone;
  result.requiredTotal = requiredTotal;
  result.percent = percent;
  result.completed = completed;
  if (startedAt !== undefined) result.startedAt = startedAt;
  if (completedAt !== undefined) result.completedAt = completedAt;
  if (startedAt !== undefined && completedAt !== undefined) {
    result.timeToCompleteMs = Math.max(0, completedAt - startedAt);
  }
  return result;
}

/** The step to offer now: to do (not dismissed), `when` holding (or none), highest priority, then order. */
function nextBestStep(
  steps: readonly CompiledStep[],
  progress: FlowProgress | undefined,
  flow: CompiledFlow,
  profile: ProfileState,
  input: FlowViewInput,
): CompiledStep | undefined {
  let best: CompiledStep | undefined;
  for (const step of steps) {
    if (best !== undefined && step.priority <= best.priority) continue;
    if (stepStatus(progress, step.id) !== 'todo') continue;
    if (step.when !== undefined && !step.when.test(evalInputOf(profile, input))) continue;
    best = step;
  }
  return best;
}

type FlowViewInput = { now: number; memo?: Float64Array; experiments?: CompiledExperimentSet };

/** What conditions read; built when one is evaluated (most views evaluate none). */
function evalInputOf(profile: ProfileState, input: FlowViewInput): EvalInput {
  return { profile, now: input.now, memo: input.memo };
}

function stepView(step: CompiledStep, progress: FlowProgress | undefined): FlowStepView {
  const status = stepStatus(progress, step.id);
  const at = status === 'todo' ? undefined : stepTime(progress, step.id);
  const view: FlowStepView = { id: step.id, required: step.required, status };
  if (at !== undefined) view.at = at;
  if (step.content !== undefined) view.content = step.content;
  if (step.placement !== undefined) view.placement = step.placement;
  if (step.title !== undefined) view.title = step.title;
  return view;
}

function isKnownVariant(flow: CompiledFlow, variant: string | undefined): boolean {
  return variant === undefined || flow.variants.some((candidate) => candidate.id === variant);
}
