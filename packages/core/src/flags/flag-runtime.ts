/**
 * Turns checked flags into evaluators, once per config version: every result an
 * evaluation can return (one per variant and reason) is made and frozen here; each state
 * of a flag becomes one generated function (generate-flag-source.ts) that checks the
 * prerequisites, calls the rules' compiled conditions in order and returns one of those
 * results, bucketing from the FNV state of the salt computed here; a flag with a
 * schedule picks its state by `now`. An evaluation allocates nothing.
 */
import type { CompiledCondition } from '../conditions/condition.js';
import type { JsonValue } from '../json/json.js';
import { fnv1a32 } from './flag-bucket.js';
import { generateRun, type RuleSource, type Run } from './generate-flag-source.js';
import type {
  CompiledFlag,
  FlagContext,
  FlagErrorCode,
  FlagEvaluation,
  FlagMetadata,
  FlagReason,
} from './flag.js';
import type { FlagState, FlagPlan, Serve } from './flag-plan.js';
import type { FlagDefinition } from './flag-schema.js';

export interface FlagRuntime extends CompiledFlag {
  /** Never throws for a context that is a FlagContext; callers still guard (evaluate-flag.ts). */
  evaluate: (context: FlagContext) => FlagEvaluation;
}

/** A rule's compiled conditions: both must hold (absent ones hold). */
export interface RuleTests {
  readonly when?: CompiledCondition | undefined;
  readonly segment?: CompiledCondition | undefined;
}

export interface FlagParts {
  readonly plan: FlagPlan;
  readonly definition: FlagDefinition;
  readonly rules: readonly RuleTests[];
  readonly prerequisites: readonly { flag: string; variants: ReadonlySet<string> }[];
}

interface Gate {
  readonly flag: FlagRuntime;
  readonly accept: ReadonlySet<string>;
}

/** The runtimes by key, in config order; prerequisites must name flags of `parts` (checked before). */
export function buildFlagRuntimes(parts: readonly FlagParts[]): Map<string, FlagRuntime> {
  const runtimes = new Map<string, FlagRuntime>();
  for (const { plan, definition } of parts) {
    runtimes.set(plan.key, {
      key: plan.key,
      type: plan.type,
      definition,
      changes: Object.freeze(plan.states.slice(1).map((state) => state.from)),
      evaluate: () => {
        throw new Error(`flag "${plan.key}" is not built yet`);
      },
    });
  }
  for (const part of parts) {
    const runtime = runtimes.get(part.plan.key) as FlagRuntime;
    const gates = part.prerequisites.map((p) => ({
      flag: runtimes.get(p.flag) as FlagRuntime,
      accept: p.variants,
    }));
    runtime.evaluate = buildEvaluate(part, gates);
    Object.freeze(runtime);
  }
  return runtimes;
}

function buildEvaluate(part: FlagParts, gates: readonly Gate[]): Run {
  const { plan } = part;
  const result = resultMaker(plan, part.definition.metadata);
  const saltState = fnv1a32(plan.salt);
  const missingKey = errorResult(
    plan.key,
    'TARGETING_KEY_MISSING',
    `flag "${plan.key}" splits users by a rollout: the context needs a targetingKey`,
    part.definition.metadata,
  );
  const isStatic = plan.states.length === 1 && gates.length === 0 && part.rules.length === 0;
  const runs = plan.states.map((state) =>
    buildRun(state, { part, gates, result, isStatic, rollout: { saltState, missingKey } }),
  );
  if (runs.length === 1) return runs[0] as Run;
  const froms = plan.states.map((state) => state.from);
  return (context) => {
    const now = context.now;
    let i = froms.length - 1;
    while (i > 0 && now < (froms[i] as number)) i--;
    return (runs[i] as Run)(context);
  };
}

type ResultOf = (variant: string, reason: FlagReason) => FlagEvaluation;

/** One frozen result per (variant, reason), all of one shape. */
function resultMaker(plan: FlagPlan, metadata: FlagMetadata | undefined): ResultOf {
  const results = new Map<string, FlagEvaluation>();
  const frozenMetadata = metadata === undefined ? undefined : Object.freeze({ ...metadata });
  return (variant, reason) => {
    const id = `${variant}\u0000${reason}`;
    let result = results.get(id);
    if (result === undefined) {
      const value = plan.variants.get(variant) as JsonValue;
      result = Object.freeze(
        frozenMetadata === undefined
          ? { key: plan.key, value, variant, reason }
          : { key: plan.key, value, variant, reason, flagMetadata: frozenMetadata },
      );
      results.set(id, result);
    }
    return result;
  };
}

export function errorResult(
  key: string,
  errorCode: FlagErrorCode,
  errorMessage: string,
  metadata?: FlagMetadata,
): FlagEvaluation {
  return Object.freeze({
    key,
    value: null,
    reason: 'ERROR',
    errorCode,
    errorMessage,
    ...(metadata === undefined ? {} : { flagMetadata: Object.freeze({ ...metadata }) }),
  });
}

interface RunParts {
  part: FlagParts;
  gates: readonly Gate[];
  result: ResultOf;
  isStatic: boolean;
  rollout: { saltState: number; missingKey: FlagEvaluation };
}

function buildRun(state: FlagState, parts: RunParts): Run {
  const { part, gates, result } = parts;
  if (!state.enabled) {
    const off = result(part.plan.offVariant, 'DISABLED');
    return () => off;
  }
  const fallback = result(state.defaultVariant, parts.isStatic ? 'STATIC' : 'DEFAULT');
  if (gates.length === 0 && part.rules.length === 0) return () => fallback;
  const key = part.plan.key;
  return generateRun({
    gates: gates.map((gate) => ({
      evaluate: (context: FlagContext) => gate.flag.evaluate(context),
      accept: gate.accept,
      error: (outcome: FlagEvaluation) => prerequisiteError(key, gate.flag.key, outcome),
    })),
    failed: result(part.plan.offVariant, 'PREREQUISITE_FAILED'),
    rules: part.rules.map((tests, i) => ruleSource(tests, state.serves[i] as Serve, result)),
    fallback,
    saltState: parts.rollout.saltState,
    missingKey: parts.rollout.missingKey,
  });
}

function prerequisiteError(key: string, parent: string, outcome: FlagEvaluation): FlagEvaluation {
  return errorResult(
    key,
    outcome.errorCode ?? 'GENERAL',
    `prerequisite "${parent}": ${outcome.errorMessage ?? 'failed'}`,
  );
}

/** The generated code calls each compiled condition's test directly (it reads no `this`). */
function ruleSource(tests: RuleTests, serve: Serve, result: ResultOf): RuleSource {
  const calls = [tests.when?.test, tests.segment?.test].filter(
    (test): test is (context: FlagContext) => boolean => test !== undefined,
  );
  if ('variant' in serve)
    return { tests: calls, serve: { result: result(serve.variant, 'TARGETING_MATCH') } };
  return {
    tests: calls,
    serve: {
      bounds: serve.rollout.map((share) => share.until),
      results: serve.rollout.map((share) => result(share.variant, 'SPLIT')),
    },
  };
}
