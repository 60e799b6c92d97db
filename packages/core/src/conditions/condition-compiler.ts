/**
 * The condition compiler: validates conditions when config loads, collects what
 * they need from the profile plan, and compiles each once, to generated source
 * bound to the finished plan (window indexes, engagement). See
 * docs/conditions.md and docs/decisions/0012-compiled-conditions.md.
 */
import { Value } from '@sinclair/typebox/value';
import type { OnrampEvent } from '../events/event.js';
import type { JsonObject } from '../json/json.js';
import { compileProfilePlan, type ProfilePlan } from '../profiles/apply-event.js';
import { ProfileSettingsSchema, type ProfileSettings } from '../settings/workspace-settings.js';
import {
  ConditionError,
  type CompiledCondition,
  type CompiledEventFilter,
  type ConditionDocument,
  type ConditionNeeds,
  type ConditionScope,
  type DerivedCounterSpec,
  type EvalInput,
  type ExplainNode,
  type SequenceSpec,
} from './condition.js';
import type { ConditionNode } from './condition-tree.js';
import { collectNeeds, toConditionNeeds } from './condition-needs.js';
import { explainCondition, explainFilter } from './explain-condition.js';
import type { MemoSlots } from './generate-source.js';
import { instantiateCondition, instantiateFilter } from './instantiate.js';
import { compileNextChange, type NextChange } from './next-change.js';
import { validateCondition } from './validate-condition.js';

export interface ConditionCompilerOptions {
  profiles: ProfileSettings;
}

/** A condition as add() returns it: its test works once the compiler is finished. */
class PendingCondition implements CompiledCondition {
  private plan: ProfilePlan | undefined;
  private changes: NextChange | undefined;

  constructor(
    readonly document: ConditionDocument,
    readonly needs: ConditionNeeds,
    private readonly node: ConditionNode,
  ) {}

  /** Replaced by the generated function (an own property) when bound. */
  test(_input: EvalInput): boolean {
    throw new Error('ConditionCompiler.finish() must be called before test()');
  }

  explain(input: EvalInput): ExplainNode {
    if (this.plan === undefined)
      throw new Error('ConditionCompiler.finish() must be called before explain()');
    try {
      return explainCondition(this.node, input, this.plan);
    } catch {
      return { label: '(error)', result: false };
    }
  }

  nextChange(input: EvalInput): number {
    if (this.changes === undefined)
      throw new Error('ConditionCompiler.finish() must be called before nextChange()');
    return this.changes(input);
  }

  bind(plan: ProfilePlan, memoSlots: MemoSlots): void {
    this.plan = plan;
    this.test = instantiateCondition(this.node, plan, memoSlots);
    this.changes = this.needs.readsTime
      ? compileNextChange(this.node, plan)
      : () => Number.POSITIVE_INFINITY;
  }
}

export class ConditionCompiler {
  private readonly conditions: PendingCondition[] = [];
  private finished = false;

  constructor(private readonly options: ConditionCompilerOptions) {}

  /** Validates and registers; throws ConditionError listing every issue, paths inside the document. */
  add(document: unknown, scope: ConditionScope = {}): CompiledCondition {
    if (this.finished) throw new Error('ConditionCompiler.add() after finish()');
    const { node, issues } = validateCondition(document, { type: 'profile', scope: { ...scope } });
    if (node === undefined) throw new ConditionError(issues);
    const needs = toConditionNeeds(collectNeeds(node), (need) => instantiateFilter(need.where));
    const condition = new PendingCondition(document as JsonObject, needs, node);
    this.conditions.push(condition);
    return condition;
  }

  /** A filter over one event, paths relative to the event: usable at once. */
  addEventFilter(document: unknown): CompiledEventFilter {
    const { node, issues } = validateCondition(document, { type: 'filter' });
    if (node === undefined) throw new ConditionError(issues);
    const matches = instantiateFilter(node);
    return Object.freeze({
      matches,
      explain: (event: OnrampEvent): ExplainNode => {
        try {
          return explainFilter(node, event);
        } catch {
          return { label: '(error)', result: false };
        }
      },
      document: document as JsonObject,
    });
  }

  /**
   * Builds the profile plan with every window, filtered counter and sequence the
   * conditions need; binds them. `memoSize` is the length of the EvalInput.memo
   * they share (createConditionMemo).
   */
  finish(): { profilePlan: ProfilePlan; memoSize: number } {
    if (this.finished) throw new Error('ConditionCompiler.finish() called twice');
    this.finished = true;
    const windows = new Set<number>();
    const derived = new Map<string, DerivedCounterSpec>();
    const sequences = new Map<string, SequenceSpec>();
    for (const { needs } of this.conditions) {
      for (const ms of needs.windows) windows.add(ms);
      for (const spec of needs.derived) if (!derived.has(spec.key)) derived.set(spec.key, spec);
      for (const spec of needs.sequences)
        if (!sequences.has(spec.key)) sequences.set(spec.key, spec);
    }
    let profilePlan: ProfilePlan;
    try {
      profilePlan = compileProfilePlan(this.options.profiles, {
        windows: [...windows].sort((a, b) => a - b),
        derived: [...derived.values()],
        sequences: [...sequences.values()],
      });
    } catch (error) {
      throw new ConditionError([
        { path: [], message: `profile windows: ${(error as Error).message}` },
      ]);
    }
    const memoSlots: MemoSlots = new Map();
    for (const condition of this.conditions) condition.bind(profilePlan, memoSlots);
    return { profilePlan, memoSize: memoSlots.size };
  }
}

/**
 * A memo for the conditions of one compiler (EvalInput.memo). Reuse it across
 * evaluations by calling resetConditionMemo before each (profile, now).
 */
export function createConditionMemo(size: number): Float64Array {
  return new Float64Array(size).fill(Number.NaN);
}

export function resetConditionMemo(memo: Float64Array): void {
  memo.fill(Number.NaN);
}

/**
 * One-off convenience (tests, bench): compiles one condition and its own profile plan
 * (test, explain and nextChange usable at once).
 */
export function compileCondition(
  document: unknown,
  options: { profiles?: ProfileSettings; scope?: ConditionScope } = {},
): { condition: CompiledCondition; profilePlan: ProfilePlan } {
  const profiles =
    options.profiles ?? (Value.Default(ProfileSettingsSchema, {}) as ProfileSettings);
  const compiler = new ConditionCompiler({ profiles });
  const condition = compiler.add(document, options.scope);
  return { condition, profilePlan: compiler.finish().profilePlan };
}
