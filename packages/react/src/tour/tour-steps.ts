import type { FlowView, JsonObject } from '@onramp/sdk';
import { asObject, stringField, textField } from '../text/fields.js';

export interface TourStep {
  /** CSS selector of the element the step points at (entities decoded). */
  target: string;
  /** Title and body as the server sent them (escaped); render with decodeEntities. */
  title?: string;
  body?: string;
  /** The flow step this tour step stands for (when the tour names a flow). */
  step?: string;
}

/** The tour's steps from its content fields; steps without a `target` are left out. */
export function tourSteps(fields: JsonObject): TourStep[] {
  const steps = fields['steps'];
  if (!Array.isArray(steps)) return [];
  const result: TourStep[] = [];
  for (const value of steps) {
    const step = asObject(value);
    const target = textField(step, 'target');
    if (target === undefined) continue;
    const title = stringField(step, 'title');
    const body = stringField(step, 'body');
    const flowStep = textField(step, 'step');
    result.push({
      target,
      ...(title !== undefined && { title }),
      ...(body !== undefined && { body }),
      ...(flowStep !== undefined && { step: flowStep }),
    });
  }
  return result;
}

/** Whether a tour step's flow step is behind the person (done or skipped). */
export function isStepDone(step: TourStep, flow: FlowView | undefined): boolean {
  if (step.step === undefined || flow === undefined) return false;
  const status = flow.steps.find((s) => s.id === step.step)?.status;
  return status === 'done' || status === 'skipped';
}

/**
 * Which steps are behind the person: a step naming a flow step that is done or skipped,
 * and a step without one (an intro, an outro) that a later passed step follows.
 */
export function passedSteps(steps: readonly TourStep[], flow: FlowView | undefined): boolean[] {
  const passed = steps.map((step) => isStepDone(step, flow));
  let later = false;
  for (let i = steps.length - 1; i >= 0; i--) {
    if (steps[i]!.step === undefined) passed[i] = later;
    later ||= passed[i]!;
  }
  return passed;
}

/**
 * Where the tour starts: the first step not behind the person (0 without a flow);
 * -1 when every step is (the tour is over for this person, on any device).
 */
export function tourStartIndex(steps: readonly TourStep[], flow: FlowView | undefined): number {
  return passedSteps(steps, flow).indexOf(false);
}
