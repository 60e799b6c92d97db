/**
 * The flows runtime contract: flows compiled once per config version, the
 * progress a profile keeps (ProfileState.flows), what changes it, and the view
 * decide and the profile summary show. Progress is held by the server, so it
 * follows the user across devices; steps complete when their event arrives from
 * anywhere (the app's backend included).
 */
import type { CompiledCondition, CompiledEventFilter } from '../conditions/condition.js';
import type { FlowDefinition } from './flow-schema.js';

export type StepCompletion =
  | { type: 'event'; event: string; where?: CompiledEventFilter }
  | { type: 'condition'; condition: CompiledCondition };

export interface CompiledStep {
  readonly id: string;
  /** Position in the flow's `steps`. */
  readonly index: number;
  readonly required: boolean;
  readonly priority: number;
  /** The title template's source (rendered by decide). */
  readonly title?: string;
  readonly content?: string;
  /** The step's own placement, else the flow's; undefined when neither. */
  readonly placement?: string;
  readonly completion: StepCompletion;
  readonly when?: CompiledCondition;
}

export interface CompiledFlowVariant {
  readonly id: string;
  readonly when: CompiledCondition;
  readonly steps: readonly CompiledStep[];
}

export interface CompiledFlow {
  readonly id: string;
  readonly definition: FlowDefinition;
  readonly audience?: CompiledCondition;
  readonly placement?: string;
  /** All steps, in config order (the default variant). */
  readonly steps: readonly CompiledStep[];
  readonly stepsById: ReadonlyMap<string, CompiledStep>;
  readonly variants: readonly CompiledFlowVariant[];
}

/** The flows of a config version, indexed for the processor. */
export interface FlowSetRuntime {
  readonly flows: readonly CompiledFlow[];
  readonly byId: ReadonlyMap<string, CompiledFlow>;
  /** Event name → flows with a step completed by it (or `*`). */
  readonly byEvent: ReadonlyMap<string, readonly CompiledFlow[]>;
  /** Flows checked on every person's event (to start them, and for conditions and variants). */
  readonly conditional: readonly CompiledFlow[];
}

/** A step's state in a profile's progress. */
export type StepStatus = 'done' | 'skipped' | 'dismissed' | 'todo';

/**
 * What a flow update did to one profile, in order; each becomes a metric and an
 * event in the log: `Flow Started`, `Flow Step Completed`, `Flow Step Skipped`,
 * `Flow Step Dismissed`, `Flow Completed` (reached steps are counted only).
 */
export type FlowChange =
  | { type: 'started'; flow: string; variant?: string }
  | { type: 'step-reached'; flow: string; step: string }
  | { type: 'step-completed'; flow: string; step: string; by: 'event' | 'condition' | 'action' }
  | { type: 'step-skipped'; flow: string; step: string }
  | { type: 'step-dismissed'; flow: string; step: string }
  | { type: 'completed'; flow: string; durationMs: number };

/** One step as a view shows it. */
export interface FlowStepView {
  id: string;
  required: boolean;
  status: StepStatus;
  /** Epoch ms when done, skipped or dismissed. */
  at?: number;
  content?: string;
  placement?: string;
  title?: string;
}

/** A profile's progress in one flow, for decide, checklists and the profile summary. */
export interface FlowView {
  flow: string;
  variant?: string;
  started: boolean;
  /**
   * Whether the profile is in the flow: started, or its audience holds now (no audience:
   * everyone). flowView always sets it; a not-started eligible flow has a current and a
   * next best step, an ineligible one neither. Absent: not known (no profile).
   */
  eligible?: boolean;
  /** The first step in order that is still to do (undefined when none). */
  current?: string;
  /** The step to offer now: eligible (`when`), highest priority, then order (rule-based). */
  nextBest?: string;
  steps: FlowStepView[];
  /** Steps done / all steps of the variant. */
  done: number;
  total: number;
  requiredDone: number;
  requiredTotal: number;
  /** requiredDone / requiredTotal in percent, rounded down; 100 once completed. */
  percent: number;
  completed: boolean;
  startedAt?: number;
  completedAt?: number;
  /** completedAt − startedAt. */
  timeToCompleteMs?: number;
}
