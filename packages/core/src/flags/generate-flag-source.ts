/**
 * Generates one function per flag state, compiled once with `new Function` (as the
 * conditions are): prerequisite checks, then each rule's condition calls and what it
 * serves, in order, without a closure or a loop per rule. Safety: the source holds only
 * the generator's own code, constant indexes and bucket bounds (integers checked by
 * flag-plan.ts, emitted with JSON.stringify); everything else (condition tests,
 * results, prerequisite flags) is passed in the constants array `k`.
 */
import { bucketFromState } from './flag-bucket.js';
import type { FlagContext, FlagEvaluation } from './flag.js';

export type Run = (context: FlagContext) => FlagEvaluation;
type Test = (context: FlagContext) => boolean;

/** One rule as the generator sees it: its tests, and a result or bucketed results. */
export interface RuleSource {
  readonly tests: readonly Test[];
  readonly serve:
    | { readonly result: FlagEvaluation }
    | { readonly bounds: readonly number[]; readonly results: readonly FlagEvaluation[] };
}

export interface GateSource {
  readonly evaluate: Run;
  readonly accept: ReadonlySet<string>;
  /** The error result of this flag when the prerequisite gives an error. */
  readonly error: (outcome: FlagEvaluation) => FlagEvaluation;
}

export interface StateSource {
  readonly gates: readonly GateSource[];
  readonly failed: FlagEvaluation;
  readonly rules: readonly RuleSource[];
  readonly fallback: FlagEvaluation;
  readonly saltState: number;
  readonly missingKey: FlagEvaluation;
}

export function generateRun(state: StateSource): Run {
  const constants: unknown[] = [];
  const constant = (value: unknown) => {
    constants.push(value);
    return `k[${constants.length - 1}]`;
  };
  const lines: string[] = [];
  const bucket = constant(bucketFromState);
  state.gates.forEach((gate, i) => {
    const parent = `g${i}`;
    lines.push(
      `const ${parent} = ${constant(gate.evaluate)}(c);`,
      `if (${parent}.errorCode !== undefined) return ${constant(gate.error)}(${parent});`,
      `if (${parent}.variant === undefined || !${constant(gate.accept)}.has(${parent}.variant)) return ${constant(state.failed)};`,
    );
  });
  let needsKey = false;
  for (const rule of state.rules) {
    const condition = rule.tests.map((test) => `${constant(test)}(c)`).join(' && ');
    let body: string;
    if ('result' in rule.serve) body = `return ${constant(rule.serve.result)};`;
    else {
      needsKey = true;
      const { bounds, results } = rule.serve;
      body =
        `if (b < 0) { if (t === undefined) return ${constant(state.missingKey)}; b = ${bucket}(${JSON.stringify(state.saltState)}, t); } ` +
        bounds
          .map((bound, i) => `if (b < ${JSON.stringify(bound)}) return ${constant(results[i])};`)
          .join(' ');
    }
    lines.push(condition === '' ? `{ ${body} }` : `if (${condition}) { ${body} }`);
  }
  lines.push(`return ${constant(state.fallback)};`);
  const prologue = needsKey
    ? 'let b = -1; const t = typeof c.targetingKey === "string" && c.targetingKey !== "" ? c.targetingKey : undefined;'
    : '';
  const body = `"use strict"; return function run(c) { ${prologue} ${lines.join('\n')} };`;
  const factory = new Function('k', body) as (k: readonly unknown[]) => Run;
  return factory(constants);
}
