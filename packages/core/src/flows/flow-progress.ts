/**
 * A profile's progress through the flows (ProfileState.flows): started when the
 * audience first holds (no audience: at the person's next event), steps done by
 * their completion event from anywhere (matching `where`), by their completion
 * condition, by the interaction events that name them, or by a rule's
 * advanceFlow; the variant re-chosen at each update (a flow experiment's
 * assignment first, else the variants' `when`); completed once every
 * required step of the variant is done, and then left alone. Each update
 * returns what changed, in order (FlowChange).
 *
 * Per event only indexed work runs: flows whose completion event it is
 * (set.byEvent) and conditional flows with something to check; nothing is
 * allocated when nothing has to be evaluated.
 */
import type { EvalInput } from '../conditions/condition.js';
import type { CompiledExperimentSet } from '../experiments/experiment.js';
import { flowExperimentChoice } from '../experiments/flow-experiments.js';
import { CONTENT_COMPLETED, CONTENT_DISMISSED, FLOW_STEP_SKIPPED } from '../decide/interactions.js';
import type { OnrampEvent } from '../events/event.js';
import { isJsonObject, type JsonObject } from '../json/json.js';
import type { FlowProgress, ProfileState } from '../profiles/profile.js';
import { triggerName } from '../rules/rule-index.js';
import type {
  CompiledFlow,
  CompiledFlowVariant,
  CompiledStep,
  FlowChange,
  FlowSetRuntime,
  StepStatus,
} from './flow.js';

/** When the update happens, and the memo of the version's conditions (EvalInput.memo). */
export interface FlowUpdateInput {
  now: number;
  memo?: Float64Array;
  /** The version's experiments: a flow experiment's variant wins over the flow's `when`. */
  experiments?: CompiledExperimentSet;
}

/** What an update returns when nothing changed: shared and frozen, do not mutate. */
const noChanges = Object.freeze([]) as unknown as FlowChange[];

interface Run {
  readonly profile: ProfileState;
  readonly now: number;
  readonly memo: Float64Array | undefined;
  readonly experiments: CompiledExperimentSet | undefined;
  input: EvalInput | undefined;
  changes: FlowChange[] | undefined;
}

/** Progress on one event: starts, variants, completions by event, condition and interaction. */
export function updateFlowsForEvent(
  set: FlowSetRuntime,
  profile: ProfileState,
  event: OnrampEvent,
  input: FlowUpdateInput,
): FlowChange[] {
  if (set.flows.length === 0) return noChanges;
  let run: Run | undefined;
  const conditional = set.conditional;
  for (let i = 0; i < conditional.length; i++) {
    const flow = conditional[i] as CompiledFlow;
    const progress = flowProgress(profile, flow.id);
    if (needsCheck(flow, progress)) checkFlow((run ??= newRun(profile, input)), flow, progress);
  }
  const name = triggerName(event);
  run = completeByEvent(set.byEvent.get(name), profile, event, name, input, run);
  if (name !== '*') run = completeByEvent(set.byEvent.get('*'), profile, event, name, input, run);
  if (event.type === 'track') run = applyFlowInteraction(set, profile, event, input, run);
  return run?.changes ?? noChanges;
}

/** After facts changed without an event (rule actions, an identity merge): audiences, variants, conditions. */
export function updateFlowsForFacts(
  set: FlowSetRuntime,
  profile: ProfileState,
  input: FlowUpdateInput,
): FlowChange[] {
  let run: Run | undefined;
  for (const flow of set.conditional) {
    const progress = flowProgress(profile, flow.id);
    if (!isCompleted(progress)) checkFlow((run ??= newRun(profile, input)), flow, progress);
  }
  return run?.changes ?? noChanges;
}

/**
 * A rule's advanceFlow on a defined flow: completes `step` (by 'action'), else the
 * current step. Starts the flow first when the profile has not (the rule decided:
 * the audience is not checked). An unknown step or a completed flow changes nothing.
 */
export function advanceFlowStep(
  flow: CompiledFlow,
  profile: ProfileState,
  step: string | undefined,
  now: number,
  experiments?: CompiledExperimentSet,
): FlowChange[] {
  const target = step === undefined ? undefined : flow.stepsById.get(step);
  if (step !== undefined && target === undefined) return noChanges;
  let progress = flowProgress(profile, flow.id);
  if (isCompleted(progress)) return noChanges;
  const run = newRun(profile, { now, experiments });
  if (!isStarted(progress)) progress = start(run, flow);
  const done = target ?? currentStep(variantSteps(flow, progress.variant), progress);
  if (done !== undefined) markDone(run, flow, progress, done, 'action');
  settle(run, flow, progress);
  return run.changes ?? noChanges;
}

/** The profile's progress in a flow, own keys only (a loaded state may hold "__proto__"). */
export function flowProgress(profile: ProfileState, flowId: string): FlowProgress | undefined {
  const flows = profile.flows;
  if (flows === undefined || !Object.hasOwn(flows, flowId)) return undefined;
  const progress: unknown = flows[flowId];
  return typeof progress === 'object' && progress !== null ? (progress as FlowProgress) : undefined;
}

/** Started by the flows runtime (progress kept by a rule before the flow was defined is not). */
export function isStarted(progress: FlowProgress | undefined): progress is FlowProgress {
  return progress !== undefined && typeof progress.startedAt === 'number';
}

/** Started, and completed: left alone from then on. */
export function isCompleted(progress: FlowProgress | undefined): boolean {
  return isStarted(progress) && typeof progress.completedAt === 'number';
}

/** A step's status: done, else skipped, else dismissed, else to do. */
export function stepStatus(progress: FlowProgress | undefined, step: string): StepStatus {
  if (progress === undefined) return 'todo';
  if (timeIn(progress.done, step) !== undefined) return 'done';
  if (timeIn(progress.skipped, step) !== undefined) return 'skipped';
  if (timeIn(progress.dismissed, step) !== undefined) return 'dismissed';
  return 'todo';
}

/** When the step got its status (undefined while to do). */
export function stepTime(progress: FlowProgress | undefined, step: string): number | undefined {
  if (progress === undefined) return undefined;
  return (
    timeIn(progress.done, step) ??
    timeIn(progress.skipped, step) ??
    timeIn(progress.dismissed, step)
  );
}

/**
 * The variant a flow experiment gives the profile (experiments/flow-experiments.ts), else
 * the first variant whose `when` holds; undefined (all steps) when none does.
 */
export function chooseVariant(
  flow: CompiledFlow,
  input: EvalInput,
  experiments?: CompiledExperimentSet,
): CompiledFlowVariant | undefined {
  if (experiments !== undefined && experiments.byFlow.size > 0) {
    const choice = flowExperimentChoice(experiments, flow.id, input);
    if (choice?.chooses === true) {
      return flow.variants.find((variant) => variant.id === choice.flowVariant);
    }
  }
  const variants = flow.variants;
  for (let i = 0; i < variants.length; i++) {
    const variant = variants[i] as CompiledFlowVariant;
    if (variant.when.test(input)) return variant;
  }
  return undefined;
}

/** A variant's steps in its order; the flow's steps for none (or a variant no longer defined). */
export function variantSteps(
  flow: CompiledFlow,
  variant: string | undefined,
): readonly CompiledStep[] {
  if (variant !== undefined) {
    const variants = flow.variants;
    for (let i = 0; i < variants.length; i++) {
      const candidate = variants[i] as CompiledFlowVariant;
      if (candidate.id === variant) return candidate.steps;
    }
  }
  return flow.steps;
}

/** The first step in order neither done nor skipped (a dismissed step is still to do). */
export function currentStep(
  steps: readonly CompiledStep[],
  progress: FlowProgress | undefined,
): CompiledStep | undefined {
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as CompiledStep;
    if (isOpen(progress, step.id)) return step;
  }
  return undefined;
}

/** Every required step done; with no required step, every step done or skipped. */
export function allRequiredDone(
  steps: readonly CompiledStep[],
  progress: FlowProgress | undefined,
): boolean {
  let required = 0;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as CompiledStep;
    if (!step.required) continue;
    required += 1;
    if (timeIn(progress?.done, step.id) === undefined) return false;
  }
  return required > 0 || currentStep(steps, progress) === undefined;
}

function isOpen(progress: FlowProgress | undefined, step: string): boolean {
  return (
    timeIn(progress?.done, step) === undefined && timeIn(progress?.skipped, step) === undefined
  );
}

function timeIn(record: Record<string, number> | undefined, step: string): number | undefined {
  if (typeof record !== 'object' || record === null || !Object.hasOwn(record, step))
    return undefined;
  const at = record[step];
  return typeof at === 'number' ? at : undefined;
}

function newRun(profile: ProfileState, input: FlowUpdateInput): Run {
  return {
    profile,
    now: input.now,
    memo: input.memo,
    experiments: input.experiments,
    input: undefined,
    changes: undefined,
  };
}

function evalInput(run: Run): EvalInput {
  return (run.input ??= { profile: run.profile, now: run.now, memo: run.memo });
}

function push(run: Run, change: FlowChange): void {
  (run.changes ??= []).push(change);
}

/** Whether an event must look at the flow: not started, or variants or open condition steps. */
function needsCheck(flow: CompiledFlow, progress: FlowProgress | undefined): boolean {
  if (!isStarted(progress)) return true;
  if (isCompleted(progress)) return false;
  if (flow.variants.length > 0) return true;
  const steps = flow.steps;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as CompiledStep;
    if (step.completion.type === 'condition' && timeIn(progress.done, step.id) === undefined) {
      return true;
    }
  }
  return false;
}

/** Starts the flow if its audience holds; re-chooses the variant; checks condition completions. */
function checkFlow(run: Run, flow: CompiledFlow, stored: FlowProgress | undefined): void {
  let progress: FlowProgress;
  if (!isStarted(stored)) {
    if (flow.audience !== undefined && !flow.audience.test(evalInput(run))) return;
    progress = start(run, flow);
  } else {
    progress = stored;
    if (flow.variants.length > 0) rechooseVariant(run, flow, progress);
  }
  const steps = variantSteps(flow, progress.variant);
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as CompiledStep;
    const completion = step.completion;
    if (completion.type !== 'condition' || timeIn(progress.done, step.id) !== undefined) continue;
    if (completion.condition.test(evalInput(run))) markDone(run, flow, progress, step, 'condition');
  }
  settle(run, flow, progress);
}

function start(run: Run, flow: CompiledFlow): FlowProgress {
  const variant =
    flow.variants.length === 0 ? undefined : chooseVariant(flow, evalInput(run), run.experiments);
  const progress: FlowProgress = { step: '', at: run.now, startedAt: run.now };
  if (variant !== undefined) progress.variant = variant.id;
  (run.profile.flows ??= {})[flow.id] = progress;
  push(
    run,
    variant === undefined
      ? { type: 'started', flow: flow.id }
      : { type: 'started', flow: flow.id, variant: variant.id },
  );
  const first = currentStep(variantSteps(flow, progress.variant), progress);
  if (first !== undefined) {
    progress.step = first.id;
    push(run, { type: 'step-reached', flow: flow.id, step: first.id });
  }
  return progress;
}

function rechooseVariant(run: Run, flow: CompiledFlow, progress: FlowProgress): void {
  const variant = chooseVariant(flow, evalInput(run), run.experiments)?.id;
  if (variant === progress.variant) return;
  if (variant === undefined) delete progress.variant;
  else progress.variant = variant;
  progress.at = run.now;
}

function markDone(
  run: Run,
  flow: CompiledFlow,
  progress: FlowProgress,
  step: CompiledStep,
  by: 'event' | 'condition' | 'action',
): void {
  if (timeIn(progress.done, step.id) !== undefined) return;
  progress.done = recordWith(progress.done, step.id, run.now);
  progress.at = run.now;
  push(run, { type: 'step-completed', flow: flow.id, step: step.id, by });
}

/** Completes the flow once its variant's required steps are done, else moves the current step. */
function settle(run: Run, flow: CompiledFlow, progress: FlowProgress): void {
  if (isCompleted(progress)) return;
  const steps = variantSteps(flow, progress.variant);
  if (allRequiredDone(steps, progress)) {
    progress.step = '';
    progress.at = run.now;
    progress.completedAt = run.now;
    const durationMs = Math.max(0, run.now - (progress.startedAt ?? run.now));
    push(run, { type: 'completed', flow: flow.id, durationMs });
    return;
  }
  const current = currentStep(steps, progress)?.id ?? '';
  if (current === progress.step) return;
  progress.step = current;
  progress.at = run.now;
  if (current !== '') push(run, { type: 'step-reached', flow: flow.id, step: current });
}

/** Whether the event names an open step of a started flow (its `where` is checked later). */
function awaitsEvent(
  flow: CompiledFlow,
  progress: FlowProgress | undefined,
  name: string,
): progress is FlowProgress {
  if (!isStarted(progress) || isCompleted(progress)) return false;
  const steps = flow.steps;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as CompiledStep;
    const completion = step.completion;
    if (
      completion.type === 'event' &&
      (completion.event === name || completion.event === '*') &&
      timeIn(progress.done, step.id) === undefined
    ) {
      return true;
    }
  }
  return false;
}

/** Completes the open steps of started flows in `flows` that the event (name and `where`) completes. */
function completeByEvent(
  flows: readonly CompiledFlow[] | undefined,
  profile: ProfileState,
  event: OnrampEvent,
  name: string,
  input: FlowUpdateInput,
  run: Run | undefined,
): Run | undefined {
  if (flows === undefined) return run;
  for (const flow of flows) {
    const progress = flowProgress(profile, flow.id);
    if (!awaitsEvent(flow, progress, name)) continue;
    run ??= newRun(profile, input);
    for (const step of flow.steps) {
      const completion = step.completion;
      if (completion.type !== 'event') continue;
      if (completion.event !== name && completion.event !== '*') continue;
      if (completion.where !== undefined && !completion.where.matches(event)) continue;
      markDone(run, flow, progress, step, 'event');
    }
    settle(run, flow, progress);
  }
  return run;
}

/** `Content Completed` / `Content Dismissed` / `Flow Step Skipped` naming a flow and one of its steps. */
function applyFlowInteraction(
  set: FlowSetRuntime,
  profile: ProfileState,
  event: OnrampEvent,
  input: FlowUpdateInput,
  run: Run | undefined,
): Run | undefined {
  const name = event.event;
  if (name !== CONTENT_COMPLETED && name !== CONTENT_DISMISSED && name !== FLOW_STEP_SKIPPED) {
    return run;
  }
  const properties = event.properties;
  if (!isJsonObject(properties)) return run;
  const flow = set.byId.get(ownString(properties, 'flow') ?? '');
  const step = flow?.stepsById.get(ownString(properties, 'step') ?? '');
  if (flow === undefined || step === undefined) return run;
  const progress = flowProgress(profile, flow.id);
  if (!isStarted(progress) || isCompleted(progress)) return run;
  const status = stepStatus(progress, step.id);
  if (name === CONTENT_DISMISSED && status !== 'todo') return run;
  if (name === FLOW_STEP_SKIPPED && (step.required || status === 'done' || status === 'skipped')) {
    return run;
  }
  const active = run ?? newRun(profile, input);
  if (name === CONTENT_COMPLETED) {
    markDone(active, flow, progress, step, 'event');
  } else if (name === CONTENT_DISMISSED) {
    progress.dismissed = recordWith(progress.dismissed, step.id, active.now);
    progress.at = active.now;
    push(active, { type: 'step-dismissed', flow: flow.id, step: step.id });
  } else {
    progress.skipped = recordWith(progress.skipped, step.id, active.now);
    progress.at = active.now;
    push(active, { type: 'step-skipped', flow: flow.id, step: step.id });
  }
  settle(active, flow, progress);
  return active;
}

function ownString(properties: JsonObject, key: string): string | undefined {
  if (!Object.hasOwn(properties, key)) return undefined;
  const value = properties[key];
  return typeof value === 'string' ? value : undefined;
}

/** The record with `step` set (a step id is checked at compile time: never a prototype key). */
function recordWith(
  record: Record<string, number> | undefined,
  step: string,
  at: number,
): Record<string, number> {
  const target = typeof record === 'object' && record !== null ? record : {};
  target[step] = at;
  return target;
}
