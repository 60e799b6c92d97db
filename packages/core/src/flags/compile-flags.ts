/**
 * Compiles a config version's flags: each checked (flag-plan.ts), its rules'
 * conditions added to the version's condition compiler (one profile plan with the
 * rules and segments), prerequisites resolved and checked for cycles, then, once the
 * compiler is finished, built into closures (flag-runtime.ts). Problems are pushed as
 * RuleIssues under '(flags)', index, field.
 */
import { Value } from '@sinclair/typebox/value';
import type { CompiledCondition } from '../conditions/condition.js';
import { ConditionCompiler } from '../conditions/condition-compiler.js';
import { isJsonObject, isUnsafeKey } from '../json/json.js';
import type { ProfilePlan } from '../profiles/apply-event.js';
import { conditionIssues } from '../rules/compile-trigger.js';
import { RuleConfigError, type RuleIssue } from '../rules/rule.js';
import { ProfileSettingsSchema, type ProfileSettings } from '../settings/workspace-settings.js';
import type { CompiledFlagSet } from './flag.js';
import { planFlag, type FlagPlan, type Path } from './flag-plan.js';
import {
  buildFlagRuntimes,
  type FlagParts,
  type FlagRuntime,
  type RuleTests,
} from './flag-runtime.js';
import { FlagSchema, type FlagDefinition } from './flag-schema.js';

/** Internal view of a compiled set: the runtimes evaluate-flag.ts calls. */
export interface FlagSetRuntime extends CompiledFlagSet {
  readonly flags: readonly FlagRuntime[];
  readonly byKey: ReadonlyMap<string, FlagRuntime>;
}

/**
 * Call once the condition compiler is finished. `segments` are the version's segment
 * ids and cohort bands: a rule's `segment` must be one of them (unchecked when absent).
 */
export type FlagBinder = (segments?: ReadonlySet<string>) => FlagSetRuntime;

export const emptyFlagSet: FlagSetRuntime = Object.freeze({
  flags: Object.freeze([]),
  byKey: new Map<string, FlagRuntime>(),
  changes: Object.freeze([]),
});

/** Checks the flags and adds their conditions to `compiler`; bind after compiler.finish(). */
export function addFlags(
  definitions: readonly FlagDefinition[],
  compiler: ConditionCompiler,
  issues: RuleIssue[],
): FlagBinder {
  if (!Array.isArray(definitions)) {
    issues.push({ path: ['(flags)'], message: 'must be a list of flags' });
    return () => emptyFlagSet;
  }
  if (definitions.length === 0) return () => emptyFlagSet;
  const keys = new Map<string, number>();
  const drafts: Omit<FlagParts, 'prerequisites'>[] = [];
  const segmentRefs: { segment: string; path: Path }[] = [];
  definitions.forEach((definition: unknown, index) => {
    const path: Path = ['(flags)', index];
    if (!isJsonObject(definition)) {
      issues.push({ path, message: 'must be a flag (an object)' });
      return;
    }
    const flag = definition as unknown as FlagDefinition;
    const keyOk = checkKey(flag.key, keys, index, issues);
    const plan = planFlag(flag, index, issues);
    const rules = (flag.rules ?? []).map((rule, i) =>
      addRuleTests(rule, [...path, 'rules', i], compiler, issues, segmentRefs),
    );
    if (keyOk && plan !== undefined) drafts.push({ plan, definition: flag, rules });
  });
  const prerequisites = resolvePrerequisites(drafts, issues);
  return (segments) => {
    if (segments !== undefined) {
      for (const ref of segmentRefs) {
        if (segments.has(ref.segment)) continue;
        issues.push({
          path: ref.path,
          message: `unknown segment "${ref.segment}" (a segment id, or "cohort:band")`,
        });
      }
    }
    if (issues.length > 0 || prerequisites === undefined) return emptyFlagSet;
    const runtimes = buildFlagRuntimes(
      drafts.map((draft) => ({ ...draft, prerequisites: prerequisites.get(draft.plan.key) ?? [] })),
    );
    const flags = Object.freeze([...runtimes.values()]);
    const changes = [...new Set(flags.flatMap((flag) => flag.changes))].sort((a, b) => a - b);
    return Object.freeze({ flags, byKey: runtimes, changes: Object.freeze(changes) });
  };
}

function checkKey(
  key: unknown,
  keys: Map<string, number>,
  index: number,
  issues: RuleIssue[],
): boolean {
  const path = ['(flags)', index, 'key'];
  if (typeof key !== 'string' || key === '') {
    issues.push({ path, message: 'missing flag key' });
    return false;
  }
  if (isUnsafeKey(key)) {
    issues.push({ path, message: `"${key}" is not allowed as a flag key` });
    return false;
  }
  const other = keys.get(key);
  if (other !== undefined) {
    issues.push({ path, message: `duplicate flag key "${key}" (also flag ${other})` });
    return false;
  }
  keys.set(key, index);
  return true;
}

function addRuleTests(
  rule: { when?: unknown; segment?: unknown },
  path: Path,
  compiler: ConditionCompiler,
  issues: RuleIssue[],
  segmentRefs: { segment: string; path: Path }[],
): RuleTests {
  const add = (document: unknown, at: Path): CompiledCondition | undefined => {
    try {
      const condition = compiler.add(document, { context: true });
      if (!condition.needs.readsEvent) return condition;
      issues.push({ path: at, message: 'reads event.*, but a flag is evaluated without an event' });
    } catch (error) {
      issues.push(...conditionIssues(error, at));
    }
    return undefined;
  };
  const when = rule.when === undefined ? undefined : add(rule.when, [...path, 'when']);
  let segment: CompiledCondition | undefined;
  if (typeof rule.segment === 'string') {
    segmentRefs.push({ segment: rule.segment, path: [...path, 'segment'] });
    segment = add({ segments: rule.segment }, [...path, 'segment']);
  }
  return { when, segment };
}

/**
 * Each flag's prerequisites, checked: the flag exists and has the variants, is not
 * the flag itself, and no chain of prerequisites comes back to where it started.
 * Undefined when any is wrong.
 */
function resolvePrerequisites(
  drafts: readonly Omit<FlagParts, 'prerequisites'>[],
  issues: RuleIssue[],
): Map<string, FlagParts['prerequisites']> | undefined {
  const plans = new Map<string, FlagPlan>(drafts.map((draft) => [draft.plan.key, draft.plan]));
  const resolved = new Map<string, FlagParts['prerequisites']>();
  const before = issues.length;
  for (const { plan, definition } of drafts) {
    const list = (definition.prerequisites ?? []).map((prerequisite, j) => {
      const path = ['(flags)', plan.index, 'prerequisites', j];
      const parent = plans.get(prerequisite.flag);
      if (prerequisite.flag === plan.key) {
        issues.push({ path: [...path, 'flag'], message: 'a flag cannot be its own prerequisite' });
      } else if (parent === undefined) {
        issues.push({ path: [...path, 'flag'], message: `unknown flag "${prerequisite.flag}"` });
      } else {
        prerequisite.variants.forEach((variant, k) => {
          if (parent.variants.has(variant)) return;
          issues.push({
            path: [...path, 'variants', k],
            message: `flag "${parent.key}" has no variant "${variant}"`,
          });
        });
      }
      return { flag: prerequisite.flag, variants: new Set(prerequisite.variants) };
    });
    resolved.set(plan.key, list);
  }
  if (issues.length > before) return undefined;
  return reportCycles(drafts, resolved, issues) ? undefined : resolved;
}

/** Depth-first search over prerequisite edges; reports each cycle once, at its first edge. */
function reportCycles(
  drafts: readonly Omit<FlagParts, 'prerequisites'>[],
  resolved: ReadonlyMap<string, FlagParts['prerequisites']>,
  issues: RuleIssue[],
): boolean {
  const index = new Map(drafts.map((draft) => [draft.plan.key, draft.plan.index]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  let found = false;
  const visit = (key: string): void => {
    state.set(key, 'open');
    stack.push(key);
    (resolved.get(key) ?? []).forEach((prerequisite, j) => {
      const seen = state.get(prerequisite.flag);
      if (seen === 'open') {
        const cycle = [...stack.slice(stack.indexOf(prerequisite.flag)), prerequisite.flag];
        issues.push({
          path: ['(flags)', index.get(key) as number, 'prerequisites', j, 'flag'],
          message: `prerequisites form a cycle: ${cycle.join(' → ')}`,
        });
        found = true;
      } else if (seen === undefined) visit(prerequisite.flag);
    });
    stack.pop();
    state.set(key, 'done');
  };
  for (const draft of drafts) if (!state.has(draft.plan.key)) visit(draft.plan.key);
  return found;
}

export interface CompileFlagsOptions {
  /** Profile settings for the conditions' plan (defaults when absent). */
  profiles?: ProfileSettings;
  /** Known segment ids and cohort bands; a rule's `segment` is unchecked when absent. */
  segments?: ReadonlySet<string>;
}

/**
 * Flags on their own (tests, benchmarks, tools): schema defaults filled and checked,
 * compiled with their own condition compiler. Throws RuleConfigError naming every
 * field at fault ('(flags)', index, …).
 */
export function compileFlags(
  definitions: readonly unknown[],
  options: CompileFlagsOptions = {},
): { flags: CompiledFlagSet; profilePlan: ProfilePlan; memoSize: number } {
  const issues: RuleIssue[] = [];
  const filled = normalizeFlags(definitions, issues);
  if (issues.length > 0) throw new RuleConfigError(issues);
  const profiles =
    options.profiles ?? (Value.Default(ProfileSettingsSchema, {}) as ProfileSettings);
  const compiler = new ConditionCompiler({ profiles });
  const bind = addFlags(filled, compiler, issues);
  let finished: { profilePlan: ProfilePlan; memoSize: number } | undefined;
  try {
    finished = compiler.finish();
  } catch (error) {
    issues.push(...conditionIssues(error, ['(flags)']));
  }
  const flags = bind(options.segments);
  if (issues.length > 0 || finished === undefined) throw new RuleConfigError(issues);
  return { flags, ...finished };
}

/** Fills schema defaults and reports schema errors under '(flags)', index, field. */
export function normalizeFlags(
  definitions: readonly unknown[],
  issues: RuleIssue[],
): FlagDefinition[] {
  if (!Array.isArray(definitions)) {
    issues.push({ path: ['(flags)'], message: 'must be a list of flags' });
    return [];
  }
  return definitions.map((definition, index) => {
    const filled: unknown = Value.Default(FlagSchema, structuredClone(definition));
    const seen = new Set<string>();
    for (const error of Value.Errors(FlagSchema, filled)) {
      const pointer = error.path.split('/').slice(1);
      const path = [
        '(flags)',
        index,
        ...pointer.map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')),
      ];
      const id = path.join('.');
      if (seen.has(id)) continue;
      seen.add(id);
      issues.push({ path, message: error.message });
    }
    return filled as FlagDefinition;
  });
}
